// The middlewares under test, built the same way in-process (micro benchmark) and in the server
// child (HTTP benchmark). Each factory takes { issuer, resource, jwksUri, introspectionEndpoint } and resolves to one
// Express-style `(req, res, next)` middleware that demands a valid token for `resource` with the
// scope `read`. Each library does its first fetch (metadata and/or JWKS) on its first request.
// A library is imported only when used, so a server child's memory holds just its own.

import { createPublicKey, verify as verifySignature } from 'node:crypto';
import { claimsOf } from './claims.mjs';

// Resource-server mode with a discovery config: metadata and JWKS are fetched on first use.
const mcpAuth = (pkg, extra = {}) => async ({ issuer, resource }) => {
  const { MCPAuth } = await import(pkg);
  return new MCPAuth({
    protectedResources: { metadata: { resource, authorizationServers: [{ issuer, type: 'oauth' }], scopesSupported: ['read', 'write'] } },
  }).bearerAuth('jwt', { resource, audience: resource, requiredScopes: ['read'], ...extra });
};

// The mcp-2026-07-28 profile: the same configuration, without `audience` (under the profile it
// defaults to the resource, compared as a canonical URI; `aud`, `exp` ≤ 1 year ahead and `iat` not
// in the future are required, and the answers are RFC 6750 challenges).
const mcpAuthProfile = async ({ issuer, resource }) => {
  const { MCPAuth } = await import('mcp-auth-rs');
  return new MCPAuth({
    profile: 'mcp-2026-07-28',
    protectedResources: { metadata: { resource, authorizationServers: [{ issuer, type: 'oauth' }], scopesSupported: ['read', 'write'] } },
  }).bearerAuth('jwt', { resource, requiredScopes: ['read'] });
};

// The introspection endpoint's client (introspection-endpoint.mjs checks its Basic credentials).
export const INTROSPECTION_CLIENT = { clientId: 'bench-rs', clientSecret: 'bench-secret' };
// The libraries that need the introspection endpoint (context.introspectionEndpoint).
export const INTROSPECTING = ['mcp-auth-rs (introspection)', 'mcp-auth-rs (jwt + introspection)'];
// The libraries that need the benchmark's redis-server (context.redisClients; run.mjs's micro
// benchmark only: bench:paired and the server children do not run them). The second also needs the
// introspection endpoint.
export const NEEDS_REDIS = ['mcp-auth-rs (dpop, redis)', 'mcp-auth-rs (introspection, redis)'];

// RFC 7662 introspection (opaque tokens): the benchmark's endpoint (introspection-endpoint.mjs,
// its URL given: the fake authorization server's metadata has no introspection_endpoint) with the
// client's Basic credentials; cacheMaxAge and the other settings are the defaults (60 s, at most
// 10,000 answers). `mode` 'introspection' introspects every token; 'jwt' with `introspection` is
// the JWT-first fallback (JWTs verified locally, anything else introspected).
const mcpAuthIntrospection = (mode) => async ({ issuer, resource, introspectionEndpoint }) => {
  if (!introspectionEndpoint) throw new Error('no introspection endpoint in the context');
  const { MCPAuth } = await import('mcp-auth-rs');
  return new MCPAuth({
    protectedResources: { metadata: { resource, authorizationServers: [{ issuer, type: 'oauth' }], scopesSupported: ['read', 'write'] } },
  }).bearerAuth(mode, { resource, audience: resource, requiredScopes: ['read'], introspection: { ...INTROSPECTION_CLIENT, endpoint: introspectionEndpoint } });
};

// Issue 16 item 6 (shared-store.mjs; micro only). DPoP: `dpop: {}` (not required; ES256, EdDSA,
// RS256, PS256 proofs, maxProofAge 300 s), the replay record in memory, or with `store:
// redisStore(client)` also in Redis (the context's first node-redis client). Every other option
// as `mcp-auth-rs`. With `dpop` there is no verified-token cache: each request verifies its token.
const mcpAuthDpop = (redis) => async ({ issuer, resource, redisClients }) => {
  const { MCPAuth } = await import('mcp-auth-rs');
  let store;
  if (redis) {
    if (!redisClients?.length) throw new Error('no Redis client in the context');
    store = (await import('mcp-auth-rs/redis')).redisStore(redisClients[0]);
  }
  return new MCPAuth({
    protectedResources: { metadata: { resource, authorizationServers: [{ issuer, type: 'oauth' }], scopesSupported: ['read', 'write'] } },
    ...(store && { store }),
  }).bearerAuth('jwt', { resource, audience: resource, requiredScopes: ['read'], dpop: {} });
};

/** Introspection with a shared store: `mcp-auth-rs (introspection)`'s configuration plus `store:
 * redisStore(redisClients[instance])`. Instance 1 is the measured middleware (B); the benchmark
 * builds instance 0 (A) to introspect the tokens first (shared-store.mjs). */
export const sharedIntrospectionInstance = async ({ issuer, resource, introspectionEndpoint, redisClients }, instance) => {
  if (!introspectionEndpoint) throw new Error('no introspection endpoint in the context');
  if (!redisClients?.[instance]) throw new Error(`no Redis client ${instance} in the context`);
  const { MCPAuth } = await import('mcp-auth-rs');
  const { redisStore } = await import('mcp-auth-rs/redis');
  return new MCPAuth({
    protectedResources: { metadata: { resource, authorizationServers: [{ issuer, type: 'oauth' }], scopesSupported: ['read', 'write'] } },
    store: redisStore(redisClients[instance]),
  }).bearerAuth('introspection', { resource, audience: resource, requiredScopes: ['read'], introspection: { ...INTROSPECTION_CLIENT, endpoint: introspectionEndpoint } });
};

// Auth0's middleware accepts an http issuer unless NODE_ENV=production; it discovers the metadata
// (openid-configuration first, then oauth-authorization-server). Its errors go to `next(err)`.
const expressOauth2JwtBearer = async ({ issuer, resource }) => {
  const { auth, requiredScopes } = await import('express-oauth2-jwt-bearer');
  const verify = auth({ issuerBaseURL: issuer, audience: resource });
  const scopes = requiredScopes('read');
  return (req, res, next) => verify(req, res, (err) => (err ? next(err) : scopes(req, res, next)));
};

// fast-jwt has no JWKS client: the key function fetches the JWKS once (its URL given, no metadata
// discovery) and returns the PEM of the token's `kid`. `cache: true` = its 1000-entry LRU.
const fastJwt = (cache) => async ({ issuer, resource, jwksUri }) => {
  const { createVerifier } = await import('fast-jwt');
  let pems;
  const loadPems = async () => {
    const { keys } = await (await fetch(jwksUri)).json();
    return new Map(keys.map((jwk) => [jwk.kid, createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' })]));
  };
  const verify = createVerifier({
    key: async ({ header }) => (await (pems ??= loadPems())).get(header.kid),
    algorithms: ['RS256', 'ES256'],
    allowedIss: issuer,
    allowedAud: resource,
    cache,
  });
  const reject = (res, status, error) => res.status(status).set('WWW-Authenticate', `Bearer error="${error}"`).json({ error });
  return async (req, res, next) => {
    const [scheme, token, ...rest] = (req.headers.authorization ?? '').split(' ');
    if (scheme.toLowerCase() !== 'bearer' || !token || rest.length) return reject(res, 401, 'invalid_request');
    let payload;
    try {
      payload = await verify(token);
    } catch {
      return reject(res, 401, 'invalid_token');
    }
    if (!String(payload.scope).split(' ').includes('read')) return reject(res, 403, 'insufficient_scope');
    req.auth = payload;
    next();
  };
};

// The bar the issue sets ("a lean synchronous JS verifier on node:crypto"): no discovery (JWKS
// URL given, fetched once), keys as KeyObjects per `kid`, one synchronous `crypto.verify`, only
// the checks this benchmark needs (alg, iss, aud, exp, scope). Not a library: a lower bound of
// what plain JS on Node's crypto costs.
const leanNodeCrypto = async ({ issuer, resource, jwksUri }) => {
  const { keys } = await (await fetch(jwksUri)).json();
  const keyOf = new Map(keys.map((jwk) => [jwk.kid, createPublicKey({ key: jwk, format: 'jwk' })]));
  const hashOf = { RS256: 'sha256', ES256: 'sha256' };
  const decode = (segment) => JSON.parse(Buffer.from(segment, 'base64url').toString());
  const reject = (res, status, error) => res.status(status).set('WWW-Authenticate', `Bearer error="${error}"`).json({ error });
  return (req, res, next) => {
    const [scheme, token, ...rest] = (req.headers.authorization ?? '').split(' ');
    if (scheme.toLowerCase() !== 'bearer' || !token || rest.length) return reject(res, 401, 'invalid_request');
    let payload;
    try {
      const [head, body, signature] = token.split('.');
      const header = decode(head);
      const key = keyOf.get(header.kid);
      const signed = Buffer.from(`${head}.${body}`);
      const options = header.alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key;
      if (!key || !hashOf[header.alg] || !verifySignature(hashOf[header.alg], signed, options, Buffer.from(signature, 'base64url'))) throw new Error('signature');
      payload = decode(body);
      if (payload.iss !== issuer || payload.aud !== resource || !(payload.exp > Date.now() / 1000)) throw new Error('claims');
    } catch {
      return reject(res, 401, 'invalid_token');
    }
    if (!String(payload.scope).split(' ').includes('read')) return reject(res, 403, 'insufficient_scope');
    req.auth = payload;
    next();
  };
};

// The floors: what is physically left of a bearer check inside a server (not libraries).
// `floor (JSON.parse)` only JSON.parses a fixed claims string — the claims of the "same token"
// (claims.mjs; `iat`/`exp` from this server's start: the same length as the token's) — into
// `req.auth` and calls `next()`, synchronously: the least a cache hit (or any answer decided
// without a signature check) can cost. It ignores the Authorization header.
/** The claims string of the "same token", as the floor parses it. */
export const floorClaims = ({ issuer, resource }) => JSON.stringify(claimsOf(issuer, resource, 'same', Math.floor(Date.now() / 1000)));
// `floor (addon verify)`: the bare signature check through the addon's own jose code, then the
// JSON floor's `req.auth`: the least a new token can cost (its signature checked, an AuthInfo's
// worth of object made). The check is the `SignatureProbe` of the bench addon (the release build
// with the test probes, `npm run build:bench-addon`; never shipped): the JWKS imported once before
// the server listens, then per request the protected header read, the key selected and the
// signature verified, nothing else (no claims, no cache, no AuthInfo JSON). 401 when it fails.
/** `(authorization) => boolean`: a `Bearer` token whose signature the bench addon accepts. */
export const floorVerifier = async ({ jwksUri }) => {
  const { builtAddon } = await import('../__test__/helpers/built-addon.mjs');
  const { SignatureProbe } = builtAddon('bench-addon', 'build:bench-addon');
  const probe = new SignatureProbe(await (await fetch(jwksUri)).text());
  return (authorization) => authorization !== undefined && authorization.startsWith('Bearer ') && probe.verify(authorization.slice(7));
};
/** The floors as Express middleware: `admits(authorization)` or 401, then `req.auth` parsed. */
const floorMiddleware = (context, admits) => {
  const claims = floorClaims(context);
  return function floor(req, res, next) {
    if (!admits(req.headers.authorization)) return res.status(401).json({ error: 'invalid_token' });
    req.auth = JSON.parse(claims);
    next();
  };
};
const floorJsonParse = async (context) => floorMiddleware(context, () => true);
const floorAddonVerify = async (context) => floorMiddleware(context, await floorVerifier(context));

// What a library must answer beyond the status, checked on each case's first call of every micro
// run (micro.mjs): per library and case, the `WWW-Authenticate` value and the body's `error`
// (undefined = no member). The profile's RFC 6750 challenges: no `error` and a `scope` without
// credentials, one `invalid_token` (with `scope`) for a bad signature.
export const ANSWERS = {
  'mcp-auth-rs (profile)': {
    'no-header': { challenge: /^Bearer resource_metadata="[^"]+", scope="read"$/, error: undefined },
    'bad-signature': { challenge: /^Bearer error="invalid_token", error_description="[^"]+", resource_metadata="[^"]+", scope="read"$/, error: 'invalid_token' },
  },
};

export const LIBRARIES = {
  none: async () => (req, res, next) => next(),
  'mcp-auth-rs': mcpAuth('mcp-auth-rs'),
  'mcp-auth-rs (profile)': mcpAuthProfile,
  'mcp-auth-rs (introspection)': mcpAuthIntrospection('introspection'),
  'mcp-auth-rs (jwt + introspection)': mcpAuthIntrospection('jwt'),
  'mcp-auth-rs (dpop)': mcpAuthDpop(false),
  'mcp-auth-rs (dpop, redis)': mcpAuthDpop(true),
  'mcp-auth-rs (introspection, redis)': (context) => sharedIntrospectionInstance(context, 1),
  'mcp-auth-rs (no cache)': mcpAuth('mcp-auth-rs', { verifiedTokenCache: false }),
  'mcp-auth': mcpAuth('mcp-auth'),
  'express-oauth2-jwt-bearer': expressOauth2JwtBearer,
  'fast-jwt': fastJwt(true),
  'fast-jwt (no cache)': fastJwt(false),
  'node:crypto (lean)': leanNodeCrypto,
  'floor (JSON.parse)': floorJsonParse,
  'floor (addon verify)': floorAddonVerify,
};
