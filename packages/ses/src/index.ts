export type { SesErasureOptions, SesTransportOptions } from './config.js';
export {
  AWS_REGION_COUNTRIES,
  countryOfRegion,
  DEFAULT_SES_PROCESSOR_NAME,
  sesProcessor,
} from './config.js';
export { mapSesError, type SesCallState } from './http-client.js';
export { emailTags, MAX_EMAIL_TAGS, sanitizeTagPart } from './message-converter.js';
export type { SnsMessage, SnsMessageType } from './sns-message.js';
export { parseSnsMessage, snsStringToSign } from './sns-message.js';
export {
  isSnsSigningCertUrl,
  isSnsUrl,
  SNS_HOST_PATTERN,
  signingKey,
  verifySnsSignature,
} from './sns-signature.js';
export { createSesTransport } from './transport.js';
export type {
  ConfirmSubscription,
  FetchCertificate,
  SesWebhookGdpr,
  SesWebhookOptions,
} from './webhook.js';
export { createSesWebhookHandler, fetchSnsCertificate, sesNotificationEvents } from './webhook.js';
