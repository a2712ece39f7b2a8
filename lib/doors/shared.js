// What the doors other than Express write the same way: the headers of a bearer answer, and the
// metadata documents with the CORS headers the Express routers get from the `cors` package's
// defaults (any origin; a preflight answered 204 with the methods, reflecting the requested
// headers).
import { delegatedMetadataRoute, resourceMetadataRoutes } from '../mcp-auth.js';

const JSON_TYPE = 'application/json; charset=utf-8';
const CORS_METHODS = 'GET,HEAD,PUT,PATCH,POST,DELETE';

/** The headers of a bearer answer (`{ status, body, challenge }`). `Content-Length` is stated so
 * that a web `Response` rebuilt without its body (Hono's answer to `HEAD`) still carries it. */
export const answerHeaders = ({ body, challenge, retryAfter }) => {
  const headers = { 'Content-Type': JSON_TYPE, 'Content-Length': String(Buffer.byteLength(body)) };
  if (challenge) headers['WWW-Authenticate'] = challenge;
  if (retryAfter !== undefined) headers['Retry-After'] = String(retryAfter);
  return headers;
};

/** A path as Express's default matching compares it: case-insensitive, one trailing slash allowed. */
export const pathKey = (pathname) => (pathname.length > 1 && pathname.endsWith('/') ? pathname.slice(0, -1) : pathname).toLowerCase();

const samePath = (route, pathname) => pathKey(pathname) === pathKey(route);

/**
 * `(method, pathname, requestedHeaders) => Promise<{ status, headers, body } | undefined>` (the
 * headers always carry `Content-Length`):
 * the answer for a metadata path (`GET`/`HEAD` the document, `OPTIONS` the preflight), undefined
 * for any other path or method. `routes`: `[{ path, document() }]` (`document` may be async).
 */
export const metadataServer = (routes) => async (method, pathname, requestedHeaders) => {
  const route = routes.find(({ path }) => samePath(path, pathname));
  if (!route) return undefined;
  if (method === 'OPTIONS') {
    const headers = { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Methods': CORS_METHODS, Vary: 'Access-Control-Request-Headers' };
    if (requestedHeaders) headers['Access-Control-Allow-Headers'] = requestedHeaders;
    return { status: 204, headers: { ...headers, 'Content-Length': '0' }, body: '' };
  }
  if (method !== 'GET' && method !== 'HEAD') return undefined;
  const body = JSON.stringify(await route.document());
  // `HEAD` gets the headers of the `GET` answer, its `Content-Length` included (as Express sends
  // it), and no body.
  const headers = { 'Access-Control-Allow-Origin': '*', 'Content-Type': JSON_TYPE, 'Content-Length': String(Buffer.byteLength(body)) };
  return { status: 200, headers, body: method === 'HEAD' ? '' : body };
};

/** The RFC 9728 documents of `mcpAuth` (resource-server mode). */
export const resourceMetadataServer = (mcpAuth) => metadataServer(resourceMetadataRoutes(mcpAuth));

/** The delegated authorization-server document (legacy mode). */
export const authorizationServerMetadataServer = (mcpAuth) => metadataServer([delegatedMetadataRoute(mcpAuth)]);

/** The path of a request target as Node gives it (`/a/b?c`), read as Express reads it: up to the
 * query, never parsed as a URL (so `//host/x` stays a path and nothing throws). */
export const targetPath = (target) => {
  const query = target.indexOf('?');
  return query === -1 ? target : target.slice(0, query);
};
