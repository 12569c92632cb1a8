/**
 * Which requests the service worker answers, and from where. Pure (URLs in, a decision out) so it
 * is unit-tested without a browser (routes.test.ts).
 *
 * - The app's own files (the build's list): from the cache, always — the page and its code come
 *   from one build until the user takes an update (the "new version" banner).
 * - A navigation to the app (scope root or index.html, any query, any hash): the cached index.html;
 *   a share link's state is in the hash and its switches (?testmodels, ?wasm …) in the query, which
 *   the page reads itself.
 * - A model manifest (…/manifest.json): the network first (a new model set shows at once), the copy
 *   stored with its checked files when offline.
 * - Everything else — /e2e/ fixtures, model files (source-web.ts keeps those in its own cache,
 *   keyed by sha256), other origins, non-GET, range requests: not touched.
 */
import { REVISION_PARAM, type PrecacheEntry } from './protocol.ts';

export type Route = { kind: 'app'; key: string } | { kind: 'model-manifest' } | { kind: 'none' };

export interface RouteTable {
  scope: URL;
  /** pathname → cache key */
  byPath: Map<string, string>;
  indexKey: string | undefined;
}

/** The cache key of an app file: its URL under the scope plus its revision. */
export function cacheKeyOf(entry: PrecacheEntry, scope: URL): string {
  const u = new URL(entry.url, scope);
  u.searchParams.set(REVISION_PARAM, entry.revision);
  return u.href;
}

export function routeTable(entries: readonly PrecacheEntry[], scope: URL): RouteTable {
  const byPath = new Map<string, string>();
  for (const e of entries) byPath.set(new URL(e.url, scope).pathname, cacheKeyOf(e, scope));
  return { scope, byPath, indexKey: byPath.get(new URL('index.html', scope).pathname) };
}

export function route(req: { method: string; url: string; mode: string; range: boolean }, t: RouteTable): Route {
  if (req.method !== 'GET' || req.range) return { kind: 'none' };
  const url = new URL(req.url);
  if (url.origin !== t.scope.origin || !url.pathname.startsWith(t.scope.pathname)) return { kind: 'none' };
  const rest = url.pathname.slice(t.scope.pathname.length);
  if (req.mode === 'navigate') {
    return (rest === '' || rest === 'index.html') && t.indexKey ? { kind: 'app', key: t.indexKey } : { kind: 'none' };
  }
  const key = t.byPath.get(url.pathname);
  if (key) return { kind: 'app', key };
  if (/(^|\/)manifest\.json$/.test(rest)) return { kind: 'model-manifest' };
  return { kind: 'none' };
}
