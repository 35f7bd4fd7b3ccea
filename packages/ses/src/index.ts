export {
  createSesTransport,
  DEFAULT_SES_PROCESSOR_NAME,
  sesProcessor,
} from './transport/create-ses-transport.js';
export { emailTags, MAX_EMAIL_TAGS, sanitizeTagPart } from './transport/email-tags.js';
export { mapSesError, type SesCallState } from './transport/map-ses-error.js';
export { AWS_REGION_COUNTRIES, countryOfRegion } from './transport/region.js';
export type {
  SesErasureOptions,
  SesTransportOptions,
} from './transport/ses-transport-options.js';
export type { SesWebhookGdpr } from './webhook/create-ses-webhook-handler.js';
export {
  createSesWebhookHandler,
  fetchSnsCertificate,
} from './webhook/create-ses-webhook-handler.js';
export { sesNotificationEvents } from './webhook/ses-events.js';
export type {
  ConfirmSubscription,
  FetchCertificate,
  SesWebhookOptions,
} from './webhook/ses-webhook-options.js';
export type { SnsMessage, SnsMessageType } from './webhook/sns-message.js';
export { parseSnsMessage, snsStringToSign } from './webhook/sns-message.js';
export {
  isSnsSigningCertUrl,
  isSnsUrl,
  SNS_HOST_PATTERN,
  signingKey,
  verifySnsSignature,
} from './webhook/sns-signature.js';
