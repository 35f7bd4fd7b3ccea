import type { z } from 'zod';
import type { ProblemDetails } from '../problem-details.js';

/** The OpenAPI tag of a route: one per route group (one route module each). */
export type RouteTag = 'consent' | 'preferences' | 'dsar' | 'tracking' | 'webhooks' | 'openapi';

/** What a tag means, for the document's `tags`. */
export const ROUTE_TAGS: Readonly<Record<RouteTag, string>> = {
  consent: 'Signup with double opt-in, its confirmation link and re-permission',
  preferences: 'One-click unsubscribe (RFC 8058) and the preference centre',
  dsar: 'Data-subject requests (Art. 15-21): form, verification link, download',
  tracking: 'Open pixels, counted only with consent (REQ-30)',
  webhooks: 'Provider events (bounces, complaints, unsubscribes) into suppression',
  openapi: 'This document',
};

export type ProblemCode = ProblemDetails['code'];

/** A successful answer of a route. */
export type RouteAnswer =
  /** A page for browsers (`text/html`), and `json` for clients that ask for JSON (when given). */
  | { kind: 'page'; description: string; json?: z.ZodType }
  /** JSON only: the DSAR export, the OpenAPI document. */
  | { kind: 'json'; description: string; schema: z.ZodType }
  /** The transparent 1x1 GIF of the tracking pixels. */
  | { kind: 'gif'; description: string }
  /** Plain text: a provider webhook's reply. */
  | { kind: 'text'; description: string };

/**
 * How a route describes itself: the OpenAPI document is generated from these,
 * one per entry of the route table, so a route cannot be served undocumented.
 */
export interface RouteDoc {
  /** Default: the route's name. */
  operationId?: string;
  summary: string;
  description?: string;
  tag: RouteTag;
  /**
   * The body the route parses (its zod schema, the same object the handler
   * parses with), named for `components.schemas`. `raw`: read as text (webhooks).
   */
  body?: { name: string; schema: z.ZodType; required: boolean; media?: 'form' | 'raw' };
  /** Answers by status, other than the problems below (a status may not be in both). */
  answers: Readonly<Record<number, RouteAnswer>>;
  /**
   * Every problem the route can answer; the document groups them by the
   * status each code maps to (`statusForCode`), so a status cannot disagree.
   */
  problems: readonly ProblemCode[];
}

/** A route of the table as the document sees it. */
export interface DocumentedRoute {
  name: string;
  method: 'GET' | 'POST';
  /** Express-style, relative to the mount point: `/u/:token`. */
  path: string;
  doc: RouteDoc;
}

/** Problems of a route whose path holds a parameter: a malformed escape matches nothing (404). */
export const PATH_PROBLEMS: readonly ProblemCode[] = ['NOT_FOUND'];

/** Problems of every POST that reads a form body (urlencoded or JSON). */
export const FORM_PROBLEMS: readonly ProblemCode[] = ['VALIDATION_FAILED', 'PAYLOAD_TOO_LARGE'];

/** Problems of a route that verifies a signed token and reads the store. */
export const TOKEN_PROBLEMS: readonly ProblemCode[] = [
  ...PATH_PROBLEMS,
  'TOKEN_INVALID',
  'TOKEN_WRONG_TYPE',
  'TOKEN_EXPIRED',
  'STORE_FAILURE',
];
