/**
 * What a provider webhook receives. The body stays raw text: signatures (SNS)
 * are computed over the exact bytes, so no framework may parse it first.
 */
export interface WebhookRequest {
  method: string;
  /** Header names in lower case, as Node gives them. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The query string, parsed (e.g. a shared secret in the URL: `?key=…`). */
  query: Readonly<Record<string, unknown>>;
  /** The body exactly as received, decoded as UTF-8. */
  rawBody: string;
  ip?: string | undefined;
}

export interface WebhookResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * A provider's event endpoint, free of any framework: the Express router and
 * the Nest controller mount it at `POST {basePath}/webhooks/{name}`.
 * `handle` never throws: a refused call is a 401/400 response that changed nothing.
 */
export interface WebhookHandler {
  /** URL segment and log name, e.g. `ses` or `mailjet`: lower case letters, digits and dashes. */
  readonly name: string;
  handle(request: WebhookRequest): Promise<WebhookResponse>;
}

/** Reads one header (the first value when repeated). */
export function headerValue(request: WebhookRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
