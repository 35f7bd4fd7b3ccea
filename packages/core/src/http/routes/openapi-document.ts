import { z } from 'zod';
import type { ResolvedConfig } from '../../config/config-schema.js';
import { GdprMailError } from '../../errors/gdpr-mail-error.js';
import { PROBLEM_CONTENT_TYPE, statusForCode } from '../problem-details.js';
import { problemAnswer } from './answer-schemas.js';
import type { DocumentedRoute, ProblemCode, RouteAnswer, RouteTag } from './route-doc.js';
import { ROUTE_TAGS } from './route-doc.js';

export interface OpenApiLicense {
  name: string;
  /** An SPDX expression, e.g. `MIT` (OpenAPI 3.1 takes this or `url`, not both). */
  identifier?: string;
  url?: string;
}

export interface OpenApiOptions {
  title?: string;
  version?: string;
  /**
   * The licence the document is published under (`info.license`). Default:
   * MIT, the licence of gdpr-mail, which wrote it.
   */
  license?: OpenApiLicense;
  /** Names of the provider webhooks mounted (`webhooks` of the routes), e.g. `['ses', 'mailjet']`. */
  webhooks?: readonly string[];
}

/** An OpenAPI 3.1 document: plain JSON-compatible data, to serve or to write to a file. */
export type OpenApiDocument = Record<string, unknown> & { openapi: '3.1.0' };

export const DEFAULT_OPENAPI_LICENSE: OpenApiLicense = { name: 'MIT', identifier: 'MIT' };

type JsonSchema = Record<string, unknown>;

/**
 * A zod schema as the JSON Schema (draft 2020-12, OpenAPI 3.1's dialect) of
 * what a client sends (`input`: defaults optional, before transforms) or gets
 * (`output`). The `$schema` key is left out: the document sets the dialect.
 */
export function zodJsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io }) as JsonSchema;
  return rest;
}

/** Why a code can happen, where its name alone does not say. */
const PROBLEM_NOTES: Partial<Record<ProblemCode, string>> = {
  NOT_FOUND: 'a path parameter that is not valid percent-encoding (no link we mail has one)',
  STORE_FAILURE: 'the store did not answer; nothing changed, retry later',
  CSRF_FAILED: 'the CSRF cookie and field do not match, or the form came from another site',
  NOTICE_VERSION_MISMATCH: 'the form showed an older notice than the current one',
  RATE_LIMITED: 'too many requests from this IP',
  INTERNAL_ERROR: 'the handler failed; the answer says nothing of the payload',
};

const PATH_PARAMETERS: Readonly<Record<string, { description: string }>> = {
  token: { description: 'The signed token from the mailed link.' },
  file: { description: '`<token>.gif` (personal pixel) or `<campaignId>.gif` (campaign pixel).' },
};

/** A path's item with its parameters, each documented once, not per operation. */
function pathItem(names: readonly string[]): Record<string, unknown> {
  if (names.length === 0) return {};
  return {
    parameters: names.map((name) => {
      const known = PATH_PARAMETERS[name];
      if (!known) {
        throw new GdprMailError('CONFIG_INVALID', `Path parameter :${name} is undocumented.`);
      }
      return { name, in: 'path', required: true, ...known, schema: { type: 'string' } };
    }),
  };
}

const html = { 'text/html': { schema: { type: 'string' } } };

function answerResponse(answer: RouteAnswer): Record<string, unknown> {
  const { description } = answer;
  switch (answer.kind) {
    case 'page':
      return {
        description,
        content: {
          ...html,
          ...(answer.json
            ? { 'application/json': { schema: zodJsonSchema(answer.json, 'output') } }
            : {}),
        },
      };
    case 'json':
      return {
        description,
        content: { 'application/json': { schema: zodJsonSchema(answer.schema, 'output') } },
      };
    case 'gif':
      return {
        description,
        content: { 'image/gif': { schema: { type: 'string', contentMediaType: 'image/gif' } } },
      };
    case 'text':
      return { description, content: { 'text/plain': { schema: { type: 'string' } } } };
  }
}

function problemResponse(codes: readonly ProblemCode[]): Record<string, unknown> {
  return {
    description: codes
      .map((code) => (PROBLEM_NOTES[code] ? `${code}: ${PROBLEM_NOTES[code]}` : code))
      .join('; '),
    content: {
      [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } },
      ...html,
    },
  };
}

/**
 * The OpenAPI 3.1 document of a route table: one operation per route, built
 * from its `doc`; request bodies from the zod schemas the handlers parse with,
 * JSON answers from the answer schemas. Every operation is public
 * (`security: []`): the forms are for anyone, and the token routes are
 * authorised by the signed token in their path, which no security scheme
 * describes.
 */
export function openApiDocument(
  routes: readonly DocumentedRoute[],
  config: ResolvedConfig,
  options: OpenApiOptions = {},
): OpenApiDocument {
  const schemas: Record<string, JsonSchema> = {
    Problem: zodJsonSchema(problemAnswer, 'output'),
  };
  const paths: Record<string, Record<string, unknown>> = {};
  const tags = new Set<RouteTag>();

  function bodySchemaRef(name: string, schema: z.ZodType): { $ref: string } {
    const json = zodJsonSchema(schema, 'input');
    const known = schemas[name];
    if (known && JSON.stringify(known) !== JSON.stringify(json)) {
      throw new GdprMailError('CONFIG_INVALID', `Two different request bodies are named ${name}.`);
    }
    schemas[name] = json;
    return { $ref: `#/components/schemas/${name}` };
  }

  for (const route of routes) {
    const { doc } = route;
    const names = [...route.path.matchAll(/:(\w+)/g)].map((match) => match[1]!);
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    const item = paths[path] ?? pathItem(names);
    paths[path] = item;
    const method = route.method.toLowerCase();
    if (item[method]) {
      throw new GdprMailError('CONFIG_INVALID', `Two routes answer ${route.method} ${path}.`);
    }
    const responses: Record<string, unknown> = {};
    for (const [status, answer] of Object.entries(doc.answers)) {
      responses[status] = answerResponse(answer);
    }
    const byStatus = new Map<number, ProblemCode[]>();
    for (const code of new Set(doc.problems)) {
      const status = statusForCode(code);
      byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
    }
    for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
      if (responses[status]) {
        throw new GdprMailError(
          'CONFIG_INVALID',
          `${route.method} ${path}: status ${status} is both an answer and a problem.`,
        );
      }
      responses[status] = problemResponse(codes);
    }
    tags.add(doc.tag);
    item[method] = {
      operationId: doc.operationId ?? route.name,
      summary: doc.summary,
      ...(doc.description ? { description: doc.description } : {}),
      tags: [doc.tag],
      security: [],
      ...(doc.body
        ? {
            requestBody: {
              required: doc.body.required,
              content:
                doc.body.media === 'raw'
                  ? { '*/*': { schema: bodySchemaRef(doc.body.name, doc.body.schema) } }
                  : {
                      'application/x-www-form-urlencoded': {
                        schema: bodySchemaRef(doc.body.name, doc.body.schema),
                      },
                      'application/json': { schema: bodySchemaRef(doc.body.name, doc.body.schema) },
                    },
            },
          }
        : {}),
      responses,
    };
  }

  return {
    openapi: '3.1.0',
    info: {
      title: options.title ?? `${config.controller.name} — email preferences (gdpr-mail)`,
      version: options.version ?? '1.0.0',
      license: options.license ?? DEFAULT_OPENAPI_LICENSE,
    },
    servers: [{ url: config.links.baseUrl }],
    tags: (Object.keys(ROUTE_TAGS) as RouteTag[])
      .filter((tag) => tags.has(tag))
      .map((tag) => ({ name: tag, description: ROUTE_TAGS[tag] })),
    paths,
    components: { schemas },
  };
}
