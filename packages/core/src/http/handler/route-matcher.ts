import type { GdprRoute } from '../routes/gdpr-http-types.js';
import type { WebhookRoute } from '../routes/webhook-routes.js';

export type MatchedRoute =
  | { kind: 'route'; route: GdprRoute; params: Record<string, string> }
  | { kind: 'webhook'; route: WebhookRoute; params: Record<string, string> };

interface Compiled {
  method: string;
  pattern: RegExp;
  names: string[];
  entry: { kind: 'route'; route: GdprRoute } | { kind: 'webhook'; route: WebhookRoute };
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `/u/:token` → a pattern with one capture per parameter; static parts match in any case, as Express's do. */
function compile(path: string): { pattern: RegExp; names: string[] } {
  const names: string[] = [];
  const source = path
    .split('/')
    .map((segment) => {
      if (!segment.startsWith(':')) return escapeRegExp(segment);
      names.push(segment.slice(1));
      return '([^/]+)';
    })
    .join('/');
  return { pattern: new RegExp(`^${source}/?$`, 'i'), names };
}

/**
 * Matches a path below the mount to a route: the route with its decoded
 * parameters, `'method'` when the path exists with another method (405), or
 * `undefined` (404).
 */
export function createRouteMatcher(
  routes: readonly GdprRoute[],
  webhooks: readonly WebhookRoute[],
) {
  const table: Compiled[] = [
    ...routes.map((route) => ({
      method: route.method,
      ...compile(route.path),
      entry: { kind: 'route' as const, route },
    })),
    ...webhooks.map((route) => ({
      method: route.method,
      ...compile(route.path),
      entry: { kind: 'webhook' as const, route },
    })),
  ];
  return (method: string, path: string): MatchedRoute | 'method' | undefined => {
    let known = false;
    for (const row of table) {
      const match = row.pattern.exec(path);
      if (!match) continue;
      if (row.method !== method) {
        known = true;
        continue;
      }
      const params: Record<string, string> = {};
      try {
        row.names.forEach((name, i) => {
          params[name] = decodeURIComponent(match[i + 1]!);
        });
      } catch {
        // A malformed escape cannot be a token we signed: nothing is here.
        return undefined;
      }
      return { ...row.entry, params } as MatchedRoute;
    }
    return known ? 'method' : undefined;
  };
}
