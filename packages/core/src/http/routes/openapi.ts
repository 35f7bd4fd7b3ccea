import type { ResolvedConfig } from '../../config/config-schema.js';

export interface OpenApiOptions {
  title?: string;
  version?: string;
  /** Names of the provider webhooks mounted (`webhooks` of the routes), e.g. `['ses', 'mailjet']`. */
  webhooks?: readonly string[];
}

/** An OpenAPI 3.1 document: plain JSON-compatible data, to serve or to write to a file. */
export type OpenApiDocument = Record<string, unknown> & { openapi: '3.1.0' };

const problemResponse = (description: string) => ({
  description,
  content: {
    'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
    'text/html': { schema: { type: 'string' } },
  },
});

const tokenParameter = {
  name: 'token',
  in: 'path',
  required: true,
  description: 'The signed token from the mailed link.',
  schema: { type: 'string', maxLength: 2000 },
};

const page = (description: string, schema: Record<string, unknown> = { type: 'object' }) => ({
  description,
  content: {
    'text/html': { schema: { type: 'string' } },
    'application/json': { schema },
  },
});

const tokenErrors = {
  '400': problemResponse('TOKEN_INVALID, TOKEN_WRONG_TYPE or VALIDATION_FAILED'),
  '409': problemResponse('TOKEN_USED or OPT_IN_NOT_PENDING'),
  '410': problemResponse('TOKEN_EXPIRED'),
  '413': problemResponse('PAYLOAD_TOO_LARGE'),
};

const form = (schema: Record<string, unknown>) => ({
  required: false,
  content: {
    'application/x-www-form-urlencoded': { schema },
    'application/json': { schema },
  },
});

/**
 * The routes `createGdprRoutes` serves, as OpenAPI 3.1. Paths come from the
 * config (`links.paths`), the server URL from `links.baseUrl`.
 */
export function createGdprOpenApi(
  config: ResolvedConfig,
  options: OpenApiOptions = {},
): OpenApiDocument {
  const trim = (path: string) => path.replace(/\/+$/, '');
  const confirm = `${trim(config.links.paths.confirm)}/{token}`;
  const unsubscribe = `${trim(config.links.paths.unsubscribe)}/{token}`;
  const preferences = `${trim(config.links.paths.preferences)}/{token}`;
  const dsarVerify = `${trim(config.links.paths.dsarVerify)}/{token}`;
  const repermission = `${trim(config.links.paths.repermission)}/{token}`;
  const dsarDownload = `${trim(config.links.paths.dsarDownload)}/{token}`;
  const tracking = trim(config.tracking.path);
  const fileParameter = {
    name: 'file',
    in: 'path',
    required: true,
    schema: { type: 'string', pattern: '\\.gif$' },
  };
  const gif = {
    description: 'A 1x1 transparent GIF, the same for every hit',
    content: { 'image/gif': { schema: { type: 'string', format: 'binary' } } },
  };
  const webhookPaths = Object.fromEntries(
    (options.webhooks ?? []).map((name) => [
      `/webhooks/${name}`,
      {
        post: {
          operationId: `webhook-${name}`,
          summary: `Provider events from ${name} (bounces, complaints, unsubscribes) into suppression`,
          description:
            'The raw body is read as sent: the handler authenticates it (SNS signature, basic auth or a URL secret) before it changes anything.',
          requestBody: { required: true, content: { '*/*': { schema: { type: 'string' } } } },
          responses: {
            '200': { description: 'Accepted (also on a replay)' },
            '400': { description: 'Unreadable payload; nothing changed' },
            '401': { description: 'Not authenticated; nothing changed' },
            '413': problemResponse('PAYLOAD_TOO_LARGE'),
          },
        },
      },
    ]),
  );
  return {
    openapi: '3.1.0',
    info: {
      title: options.title ?? `${config.controller.name} — email preferences (gdpr-mail)`,
      version: options.version ?? '1.0.0',
    },
    servers: [{ url: config.links.baseUrl }],
    paths: {
      '/signup': {
        get: {
          operationId: 'signupForm',
          summary: 'Signup form: one unticked box per purpose, with its notice version',
          description:
            'Sets the CSRF cookie; JSON clients get the CSRF field and the purposes on offer.',
          responses: {
            '200': page('The form', { $ref: '#/components/schemas/SignupForm' }),
          },
        },
        post: {
          operationId: 'signup',
          summary: 'Start double opt-in',
          description:
            'Answers the same whatever the address (no enumeration). Needs the CSRF cookie and field. A browser whose form has a problem gets the form back (same status) with what it typed and a fresh CSRF pair.',
          requestBody: { ...form({ $ref: '#/components/schemas/SignupBody' }), required: true },
          responses: {
            '200': page(
              '"Check your inbox" (`check-inbox`), whatever happened to the address; with no purpose ticked, "nothing was recorded" (`nothing-recorded`), which depends on the form alone',
            ),
            '400': problemResponse('VALIDATION_FAILED or INVALID_EMAIL'),
            '403': problemResponse('CSRF_FAILED'),
            '409': problemResponse('NOTICE_VERSION_MISMATCH: the form showed an old notice'),
            '413': problemResponse('PAYLOAD_TOO_LARGE'),
            '429': problemResponse('RATE_LIMITED'),
          },
        },
      },
      [confirm]: {
        parameters: [tokenParameter],
        get: {
          operationId: 'confirmPage',
          summary: 'Confirmation interstitial; changes nothing (link scanners prefetch)',
          responses: { '200': page('The page with a confirm button'), ...tokenErrors },
        },
        post: {
          operationId: 'confirm',
          summary: 'Confirm the pending opt-in (single use)',
          requestBody: form({ $ref: '#/components/schemas/TokenBody' }),
          responses: { '200': page('Confirmed'), ...tokenErrors },
        },
      },
      [unsubscribe]: {
        parameters: [tokenParameter],
        get: {
          operationId: 'unsubscribePage',
          summary: 'Unsubscribe page; changes nothing',
          responses: { '200': page('The page with an unsubscribe button'), ...tokenErrors },
        },
        post: {
          operationId: 'unsubscribe',
          summary: 'RFC 8058 one-click unsubscribe',
          description:
            'Body `List-Unsubscribe=One-Click`. No authentication, no cookie, no CSRF, no redirect; idempotent.',
          requestBody: form({ $ref: '#/components/schemas/TokenBody' }),
          responses: { '200': page('Unsubscribed (also on a repeat)'), ...tokenErrors },
        },
      },
      [preferences]: {
        parameters: [tokenParameter],
        get: {
          operationId: 'preferencesPage',
          summary: 'Preference centre',
          responses: { '200': page('Current choices'), ...tokenErrors },
        },
        post: {
          operationId: 'preferences',
          summary: 'Save choices, or unsubscribe from everything',
          requestBody: form({ $ref: '#/components/schemas/PreferencesBody' }),
          responses: { '200': page('Saved'), ...tokenErrors },
        },
      },
      [repermission]: {
        parameters: [tokenParameter],
        get: {
          operationId: 'repermissionPage',
          summary: 'Re-permission page: "do you still want our mail?"; changes nothing',
          responses: { '200': page('The page with one confirm button'), ...tokenErrors },
        },
        post: {
          operationId: 'repermission',
          summary: 'Confirm consent again (single use): recorded with proof (SEED-02)',
          requestBody: form({ $ref: '#/components/schemas/TokenBody' }),
          responses: { '200': page('Consent recorded'), ...tokenErrors },
        },
      },
      '/dsar': {
        get: {
          operationId: 'dsarForm',
          summary:
            'Data-subject request form (access, erasure, rectification, restriction, objection)',
          responses: { '200': page('The form with its CSRF field') },
        },
        post: {
          operationId: 'dsarRequest',
          summary: 'Receive a request; the verification link goes to the address on file only',
          description:
            'Answers the same whatever the address (no enumeration). Needs the CSRF cookie and field. A browser whose form has a problem gets the form back (same status) with what it typed and a fresh CSRF pair.',
          requestBody: { ...form({ $ref: '#/components/schemas/DsarBody' }), required: true },
          responses: {
            '200': page('"If we hold data for this address, we mailed a link"'),
            '400': problemResponse('VALIDATION_FAILED or INVALID_EMAIL'),
            '403': problemResponse('CSRF_FAILED'),
            '413': problemResponse('PAYLOAD_TOO_LARGE'),
            '429': problemResponse('RATE_LIMITED'),
          },
        },
      },
      [dsarVerify]: {
        parameters: [tokenParameter],
        get: {
          operationId: 'dsarVerifyPage',
          summary: 'Verification interstitial; changes nothing',
          responses: { '200': page('The page with a confirm button'), ...tokenErrors },
        },
        post: {
          operationId: 'dsarVerify',
          summary: 'Prove control of the address (single use) and carry out or start the request',
          requestBody: form({ $ref: '#/components/schemas/TokenBody' }),
          responses: { '200': page('Request verified'), ...tokenErrors },
        },
      },
      [dsarDownload]: {
        parameters: [tokenParameter],
        get: {
          operationId: 'dsarDownloadPage',
          summary: 'Download interstitial; changes nothing',
          responses: { '200': page('The page with a download button'), ...tokenErrors },
        },
        post: {
          operationId: 'dsarDownload',
          summary: 'The export bundle (JSON, streamed; single use)',
          requestBody: form({ $ref: '#/components/schemas/TokenBody' }),
          responses: {
            '200': {
              description: 'The machine-readable export (Art. 15, Art. 20)',
              content: { 'application/json': { schema: { type: 'object' } } },
            },
            ...tokenErrors,
          },
        },
      },
      [`${tracking}/o/{file}`]: {
        parameters: [fileParameter],
        get: {
          operationId: 'personalPixel',
          summary:
            'Personal open pixel: counted only while the person consents to tracking (REQ-30)',
          responses: { '200': gif },
        },
      },
      [`${tracking}/c/{file}`]: {
        parameters: [fileParameter],
        get: {
          operationId: 'campaignPixel',
          summary: 'Aggregate campaign pixel: no person',
          responses: { '200': gif },
        },
      },
      ...webhookPaths,
    },
    components: {
      schemas: {
        Problem: {
          type: 'object',
          description: 'RFC 9457 problem details with the SDK error code.',
          required: ['type', 'title', 'status', 'detail', 'code'],
          properties: {
            type: { type: 'string', format: 'uri' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            code: { type: 'string' },
            issues: {
              type: 'array',
              items: {
                type: 'object',
                properties: { path: { type: 'string' }, message: { type: 'string' } },
              },
            },
          },
        },
        SignupForm: {
          type: 'object',
          properties: {
            action: { type: 'string' },
            csrf: { type: 'string' },
            purposes: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  id: { type: 'string' },
                  title: { type: 'string' },
                  noticeText: { type: 'string' },
                  noticeVersion: { type: 'string' },
                },
              },
            },
          },
        },
        SignupBody: {
          type: 'object',
          required: ['email', '_csrf'],
          properties: {
            email: { type: 'string', format: 'email', maxLength: 320 },
            purposes: {
              oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
            },
            _csrf: { type: 'string' },
          },
          additionalProperties: {
            type: 'string',
            description: '`notice_<purposeId>`: the notice version the form showed.',
          },
        },
        TokenBody: {
          type: 'object',
          properties: {
            'List-Unsubscribe': { const: 'One-Click' },
            token: { type: 'string' },
          },
        },
        DsarBody: {
          type: 'object',
          required: ['email', 'type'],
          properties: {
            email: { type: 'string', maxLength: 320 },
            type: { enum: ['access', 'erasure', 'restriction', 'objection'] },
            _csrf: { type: 'string' },
          },
        },
        PreferencesBody: {
          type: 'object',
          properties: {
            action: { enum: ['save', 'unsubscribe-all'] },
            purposes: {
              oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
            },
          },
        },
      },
    },
  };
}
