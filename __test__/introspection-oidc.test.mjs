// RFC 7662 token introspection (BEYOND.md §4) against a real authorization server: oidc-provider
// (v9, __test__/helpers/resource-idp.mjs) issuing opaque access tokens through real grants
// (client_credentials, authorization code + PKCE), with its introspection and revocation
// endpoints, and a confidential resource-server client (client_secret_basic) the library
// introspects with. Every server is real and on 127.0.0.1:
//
//   0. the IdP itself (what oidc-provider answers; no mcp-auth-rs involved);
//   1. compat (default profile), Express (`mcpAuth.bearerAuth('introspection', …)`): AuthInfo from
//      the introspection answer, the request sent, requiredScopes, audience, revocation with and
//      without the cache, the cache never past `exp`, one call for concurrent requests, the
//      endpoint refusing the resource server's credentials (500 server_error, never cached), a
//      refused connection and a timeout (500, not cached), inactiveCacheMaxAge, scopeClaims over
//      an answer's extra claims, two authorization servers (introspection.issuer), an answer
//      whose `iss` is another server's (invalid_issuer), client_secret_basic urlencoding,
//      client_secret_post, 'none', lazy discovery, setup errors;
//   2. `bearerAuth('jwt', { introspection })`: JWTs verified locally (never introspected, even
//      when they fail), anything else introspected;
//   3. the `mcp-2026-07-28` profile: audience required (an opaque token without `aud` is
//      invalid), revocation, missing scope (403), the endpoint refusing the credentials (500),
//      too slow or unreachable (503 + Retry-After), another server's `iss` (401 invalid_token);
//   4. every front door (main entry's Express middleware, /express, /node, /fetch, /hono,
//      /fastify): valid and revoked tokens, both profiles;
//   5. MCP SDK v1 end to end: the SDK's client with an opaque token in `requestInit`, a `whoami`
//      tool reporting the introspected AuthInfo it gets as `extra.authInfo`.
//
// What oidc-provider answers (checked in part 0): `{ active: true, client_id, exp, iat, iss,
// scope, token_type: 'Bearer' }`, plus `sub` for tokens of a user (authorization code; none for
// client_credentials) and `aud` only when the token was requested with a resource indicator
// (RFC 8707; the token stays opaque when the resource's accessTokenFormat is 'opaque'). After
// revocation or expiry: `{ active: false }`. It refuses to introspect a JWT access token
// (400 unsupported_token_type).
//
// Run: node --test --test-concurrency=1 __test__/introspection-oidc.test.mjs

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import express from 'express';
import * as jose from 'jose';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { MCPAuth, MCPAuthAuthServerError, fetchServerConfig } from 'mcp-auth-rs';
import { mountMcpEndpoint } from '../examples/mcp-endpoint.mjs';
import { startResourceIdp as startOpaqueIdp } from './helpers/resource-idp.mjs';
import { closedPort, startHttpServer } from './helpers/http-server.mjs';
import { sha256 } from './helpers/mcp.mjs';
import { parseBearerChallenge } from './helpers/challenge.mjs';
import { authInfoRoutes } from './helpers/routes.mjs';
import { closeDoorServers, send, startDoorServers } from './helpers/doors.mjs';
import { jsonOrText, sleep, within } from './helpers/util.mjs';

const T = { timeout: 30_000 };
const PROFILE = 'mcp-2026-07-28';
const SERVER_ERROR_BODY = { error: 'server_error', error_description: 'An error occurred with the authorization server.' };
const SCOPES = ['read', 'write'];

let idp;
let idpB; // a second, independent oidc-provider (several authorization servers, an issuer mismatch)
let srv; // the Express server (compat, profile, JWT-first and MCP routes)
let resource; // `${srv.origin}/mcp`
let prmUrl; // its RFC 9728 document
let mcpAuth; // compat
let profileAuth; // mcp-2026-07-28
let twoServersAuth; // compat, the resource trusting both IdPs
let authServerConfigA;
let authServerConfigB;
const { guard, seen, noSetupError } = authInfoRoutes();
const cleanups = [];

const introspection = (extra = {}) => ({ clientId: idp.rsClient.clientId, clientSecret: idp.rsClient.clientSecret, ...extra });

/** Expected `Authorization` of a client_secret_basic request (RFC 6749 §2.3.1). */
const basicOf = ({ clientId, clientSecret }) =>
  `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`;

/** GET `path` on `origin` with `Bearer <token>` (no header when `token` is undefined). */
const call = async (path, token, { origin = srv.origin } = {}) => {
  const res = await fetch(`${origin}${path}`, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(10_000),
  });
  const body = jsonOrText(await res.text());
  return { status: res.status, headers: res.headers, www: res.headers.get('www-authenticate'), body };
};

/** Runs `fn` and resolves how many introspection requests reached the IdP meanwhile (and the records). */
const counting = async (fn) => {
  const start = idp.introspections.count();
  const value = await fn();
  const records = idp.introspections.list().slice(start);
  return { value, calls: records.length, records };
};

const isJwtShaped = (token) => token.split('.').length === 3;

/** The compat 401 for a token the introspection answer does not accept. */
const assertInvalidToken = (r) => {
  assert.equal(r.status, 401, JSON.stringify(r.body));
  assert.equal(r.body.error, 'invalid_token', JSON.stringify(r.body));
  const challenge = parseBearerChallenge(r.www);
  assert.equal(challenge.params.error, 'invalid_token', r.www);
  assert.equal(challenge.params.resource_metadata, prmUrl, r.www);
  assert.ok(!JSON.stringify(r.body).includes('eyJ'), 'no token echoed');
};

/** The 500 of an authorization server that cannot be used (compat, and the profile's 4xx case). */
const assertServerError = (r) => {
  assert.equal(r.status, 500, JSON.stringify(r.body));
  assert.deepEqual(r.body, SERVER_ERROR_BODY);
  assert.equal(r.www, null, 'no challenge on a server error');
};

before(async () => {
  srv = await startHttpServer();
  srv.server.requestTimeout = 10_000;
  cleanups.push(() => srv.close());
  resource = `${srv.origin}/mcp`;
  prmUrl = `${srv.origin}/.well-known/oauth-protected-resource/mcp`;

  idp = await within(startOpaqueIdp({ resource, scopes: SCOPES }), 10_000, 'start opaque IdP');
  cleanups.push(() => idp.close());
  idpB = await within(startOpaqueIdp({ resource, scopes: SCOPES }), 10_000, 'start second opaque IdP');
  cleanups.push(() => idpB.close());

  const authServerConfig = await within(fetchServerConfig(idp.issuer, { type: 'oidc' }), 5000, 'fetchServerConfig');
  authServerConfigB = await within(fetchServerConfig(idpB.issuer, { type: 'oidc' }), 5000, 'fetchServerConfig B');
  authServerConfigA = authServerConfig;
  const protectedResources = { metadata: { resource, authorizationServers: [authServerConfig], scopesSupported: SCOPES } };
  mcpAuth = new MCPAuth({ protectedResources });
  profileAuth = new MCPAuth({ protectedResources, profile: PROFILE });
  const lazyAuth = new MCPAuth({
    protectedResources: { metadata: { resource, authorizationServers: [{ issuer: idp.issuer, type: 'oidc' }], scopesSupported: SCOPES } },
  });
  const deadPort = await closedPort();
  twoServersAuth = new MCPAuth({
    protectedResources: { metadata: { resource, authorizationServers: [authServerConfig, authServerConfigB], scopesSupported: SCOPES } },
  });
  const introspectionB = (extra = {}) => ({ clientId: idpB.rsClient.clientId, clientSecret: idpB.rsClient.clientSecret, ...extra });

  const app = express();
  app.use(mcpAuth.protectedResourceMetadataRouter());
  const intro = (auth, config) => () => auth.bearerAuth('introspection', { resource, ...config });
  // compat
  guard(app, '/nocache', intro(mcpAuth, { introspection: introspection({ cacheMaxAge: 0 }) }));
  guard(app, '/cached', intro(mcpAuth, { introspection: introspection() })); // default cacheMaxAge (60 s)
  guard(app, '/short', intro(mcpAuth, { introspection: introspection({ cacheMaxAge: 1500 }) }));
  guard(app, '/write', intro(mcpAuth, { requiredScopes: ['read', 'write'], introspection: introspection({ cacheMaxAge: 0 }) }));
  guard(app, '/aud', intro(mcpAuth, { audience: resource, introspection: introspection({ cacheMaxAge: 0 }) }));
  guard(app, '/wrong-secret', intro(mcpAuth, { introspection: introspection({ clientSecret: 'not-the-secret', cacheMaxAge: 0 }) }));
  guard(app, '/special', intro(mcpAuth, { introspection: { ...idp.specialRsClient, cacheMaxAge: 0 } }));
  guard(app, '/post', intro(mcpAuth, { introspection: introspection({ authMethod: 'client_secret_post', cacheMaxAge: 0 }) }));
  guard(app, '/none', intro(mcpAuth, { introspection: { clientId: idp.rsClient.clientId, authMethod: 'none', cacheMaxAge: 0 } }));
  guard(app, '/lazy', intro(lazyAuth, { introspection: introspection({ cacheMaxAge: 0 }) }));
  guard(app, '/unreachable', intro(mcpAuth, { introspection: introspection({ endpoint: `http://127.0.0.1:${deadPort}/token/introspection` }) }));
  guard(app, '/slow', intro(mcpAuth, { introspection: introspection({ timeoutDuration: 300, cacheMaxAge: 0 }) }));
  guard(app, '/inactive-cached', intro(mcpAuth, { introspection: introspection({ inactiveCacheMaxAge: 5000 }) }));
  guard(app, '/claims', intro(mcpAuth, {
    requiredScopes: ['admin'],
    scopeClaims: ['https://example.com/roles', 'realm_access.roles', 'scope'],
    introspection: introspection({ cacheMaxAge: 0 }),
  }));
  // several authorization servers: ask B (its own resource-server client)
  guard(app, '/two/b', intro(twoServersAuth, { introspection: introspectionB({ issuer: idpB.issuer, cacheMaxAge: 0 }) }));
  // one trusted server (A), its answers asked of B's endpoint: B's `iss` is not A's
  guard(app, '/iss-mismatch', intro(mcpAuth, { introspection: introspectionB({ endpoint: idpB.metadata.introspection_endpoint, cacheMaxAge: 0 }) }));
  // JWT first, opaque tokens introspected
  guard(app, '/jwt-first', () =>
    mcpAuth.bearerAuth('jwt', { resource, audience: resource, introspection: introspection({ cacheMaxAge: 0 }) }),
  );
  // mcp-2026-07-28
  guard(app, '/p/intro', intro(profileAuth, { introspection: introspection({ cacheMaxAge: 0 }) }));
  guard(app, '/p/write', intro(profileAuth, { requiredScopes: ['write'], introspection: introspection({ cacheMaxAge: 0 }) }));
  guard(app, '/p/wrong-secret', intro(profileAuth, { introspection: introspection({ clientSecret: 'not-the-secret' }) }));
  guard(app, '/p/slow', intro(profileAuth, { introspection: introspection({ timeoutDuration: 300, cacheMaxAge: 0 }) }));
  guard(app, '/p/iss-mismatch', intro(profileAuth, { introspection: introspectionB({ endpoint: idpB.metadata.introspection_endpoint, cacheMaxAge: 0 }) }));
  guard(app, '/p/unreachable', intro(profileAuth, { introspection: introspection({ endpoint: `http://127.0.0.1:${deadPort}/token/introspection` }) }));
  // MCP (SDK v1) behind introspection: default cache, and no cache
  for (const [path, cacheMaxAge] of [['/mcp', undefined], ['/mcp-nocache', 0]]) {
    const middleware = () =>
      mcpAuth.bearerAuth('introspection', { resource, audience: resource, requiredScopes: ['read'], introspection: introspection({ cacheMaxAge }) });
    guard(app, path, middleware, { mount: true, answer: false });
    mountMcpEndpoint(app, path);
  }
  srv.route('*', app);
});

after(async () => {
  await Promise.allSettled(cleanups.reverse().map((fn) => within(fn(), 5000, 'close')));
});

// ---------------------------------------------------------------------------------------------
describe('0. the opaque IdP (oidc-provider v9)', () => {
  test('metadata: introspection and revocation endpoints; no introspection_endpoint_auth_methods_supported', T, () => {
    assert.equal(idp.metadata.issuer, idp.issuer);
    assert.equal(idp.metadata.introspection_endpoint, `${idp.issuer}/token/introspection`);
    assert.equal(idp.metadata.revocation_endpoint, `${idp.issuer}/token/revocation`);
    assert.ok(idp.metadata.grant_types_supported.includes('client_credentials'));
    assert.ok(idp.metadata.token_endpoint_auth_methods_supported.includes('client_secret_basic'));
    assert.equal(idp.metadata.introspection_endpoint_auth_methods_supported, undefined);
  });

  test('opaque tokens: active answers (aud only with a resource, sub only for a user), inactive after revocation', T, async () => {
    const plain = await idp.getOpaqueToken('read');
    assert.ok(!isJwtShaped(plain), plain);
    const a = (await idp.introspect(plain)).json;
    assert.deepEqual(Object.keys(a).sort(), ['active', 'client_id', 'exp', 'iat', 'iss', 'scope', 'token_type']);
    assert.equal(a.active, true);
    assert.equal(a.client_id, idp.clientIds.opaque);
    assert.equal(a.iss, idp.issuer);
    assert.equal(a.scope, 'read');

    const bound = await idp.getOpaqueToken('read write', { resource });
    assert.ok(!isJwtShaped(bound), bound);
    const b = (await idp.introspect(bound)).json;
    assert.equal(b.aud, resource);
    assert.equal(b.scope, 'read write');

    const user = await idp.getOpaqueToken('read', { flow: 'authorization_code' });
    const u = (await idp.introspect(user)).json;
    assert.equal(u.sub, idp.accountId);
    assert.equal(u.client_id, idp.clientIds.code);
    assert.equal(u.aud, undefined);

    await idp.revoke(plain);
    assert.deepEqual((await idp.introspect(plain)).json, { active: false });
    assert.deepEqual((await idp.introspect('not-a-token')).json, { active: false });
  });

  test('JWT access tokens: RS256 at+jwt for the resource; oidc-provider refuses to introspect them', T, async () => {
    const jwt = await idp.getJwtToken('read');
    assert.ok(isJwtShaped(jwt));
    assert.equal(jose.decodeProtectedHeader(jwt).alg, 'RS256');
    assert.equal(jose.decodeProtectedHeader(jwt).typ, 'at+jwt');
    assert.equal(jose.decodeJwt(jwt).aud, resource);
    const r = await idp.introspect(jwt);
    assert.equal(r.status, 400);
    assert.equal(r.json.error, 'unsupported_token_type');
  });

  test('a wrong client secret: 401 invalid_client', T, async () => {
    const token = await idp.getOpaqueToken('read');
    const r = await idp.introspect(token, { client: { clientId: idp.rsClient.clientId, clientSecret: 'wrong' } });
    assert.equal(r.status, 401);
    assert.equal(r.json.error, 'invalid_client');
  });
});

// ---------------------------------------------------------------------------------------------
describe("1. compat: bearerAuth('introspection') on Express", () => {
  test('a valid opaque token → 200; AuthInfo from the introspection answer; the request sent', T, async () => {
    noSetupError('/nocache');
    const token = await idp.getOpaqueToken('read write');
    const { value: r, calls, records } = await counting(() => call('/nocache', token));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(calls, 1);
    const [record] = records;
    // The request (BEYOND §4): POST form token + token_type_hint, Accept JSON, client_secret_basic.
    assert.equal(record.status, 200);
    assert.match(record.headers['content-type'], /^application\/x-www-form-urlencoded\b/);
    assert.match(record.headers.accept ?? '', /application\/json/);
    assert.equal(record.headers.authorization, basicOf(idp.rsClient));
    assert.deepEqual(record.params, { token_type_hint: 'access_token', tokenSha256: sha256(token) });
    const answer = record.answer;
    assert.equal(answer.active, true);

    const auth = seen.get('/nocache');
    assert.equal(auth.token, token);
    assert.equal(auth.issuer, idp.issuer);
    assert.equal(auth.clientId, idp.clientIds.opaque);
    assert.deepEqual(auth.scopes, ['read', 'write']);
    assert.equal(auth.audience, undefined, 'a client_credentials token requested without a resource has no aud');
    assert.equal(auth.subject, undefined, 'a client_credentials token has no sub');
    assert.equal(auth.expiresAt, answer.exp);
    assert.deepEqual(auth.claims, answer, 'claims = the whole introspection response');
    assert.deepEqual(r.body, JSON.parse(JSON.stringify(auth)));
  });

  test('a user token (authorization code + PKCE) → subject = sub', T, async () => {
    noSetupError('/nocache');
    const token = await idp.getOpaqueToken('read', { flow: 'authorization_code' });
    const { value: r, records } = await counting(() => call('/nocache', token));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const auth = seen.get('/nocache');
    assert.equal(auth.subject, idp.accountId);
    assert.equal(auth.clientId, idp.clientIds.code);
    assert.deepEqual(auth.scopes, ['read']);
    assert.deepEqual(auth.claims, records[0].answer);
  });

  test('requiredScopes: a token without write → 403 missing_required_scopes; with it → 200', T, async () => {
    noSetupError('/write');
    const readOnly = await idp.getOpaqueToken('read');
    const r = await call('/write', readOnly);
    assert.equal(r.status, 403, JSON.stringify(r.body));
    assert.equal(r.body.error, 'missing_required_scopes');
    assert.deepEqual(r.body.missing_scopes, ['write']);
    assert.equal(parseBearerChallenge(r.www).params.error, 'missing_required_scopes');
    const both = await idp.getOpaqueToken('read write');
    assert.equal((await call('/write', both)).status, 200);
  });

  test('audience: aud = the resource (token requested for it) → 200; no aud → 401 invalid_audience', T, async () => {
    noSetupError('/aud');
    const bound = await idp.getOpaqueToken('read', { resource });
    const ok = await call('/aud', bound);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(seen.get('/aud').audience, resource);
    const unbound = await idp.getOpaqueToken('read');
    const r = await call('/aud', unbound);
    assert.equal(r.status, 401, JSON.stringify(r.body));
    assert.equal(r.body.error, 'invalid_audience');
    assert.equal(parseBearerChallenge(r.www).params.resource_metadata, prmUrl);
  });

  test('revoked, cacheMaxAge 0: 200, then 401 invalid_token at once; every request is an introspection call', T, async () => {
    noSetupError('/nocache');
    const token = await idp.getOpaqueToken('read');
    const first = await counting(() => call('/nocache', token));
    assert.equal(first.value.status, 200);
    const again = await counting(() => call('/nocache', token));
    assert.equal(again.value.status, 200);
    assert.equal(first.calls + again.calls, 2, 'cacheMaxAge 0: nothing reused');
    await idp.revoke(token);
    const revoked = await counting(() => call('/nocache', token));
    assertInvalidToken(revoked.value);
    assert.equal(revoked.calls, 1);
    assert.deepEqual(revoked.records[0].answer, { active: false });
  });

  test('revoked, default cacheMaxAge (60 s): still served from the cache (200, no introspection call)', T, async () => {
    noSetupError('/cached');
    const token = await idp.getOpaqueToken('read');
    const first = await counting(() => call('/cached', token));
    assert.equal(first.value.status, 200);
    assert.equal(first.calls, 1);
    await idp.revoke(token);
    assert.deepEqual((await idp.introspect(token)).json, { active: false }, 'the IdP already says inactive');
    const cached = await counting(() => call('/cached', token));
    assert.equal(cached.value.status, 200, 'an active answer is reused up to cacheMaxAge');
    assert.equal(cached.calls, 0);
    assert.equal(seen.get('/cached').token, token);
  });

  test('revoked, cacheMaxAge 1500 ms: 200 from the cache until it lapses, then 401 (one new call)', T, async () => {
    noSetupError('/short');
    const token = await idp.getOpaqueToken('read');
    const first = await counting(() => call('/short', token));
    assert.equal(first.value.status, 200);
    assert.equal(first.calls, 1);
    await idp.revoke(token);
    const cached = await counting(() => call('/short', token));
    assert.equal(cached.value.status, 200);
    assert.equal(cached.calls, 0);
    await sleep(1700);
    const lapsed = await counting(() => call('/short', token));
    assertInvalidToken(lapsed.value);
    assert.equal(lapsed.calls, 1);
  });

  test('an active answer is never reused past its exp (token lifetime 2 s, cacheMaxAge 60 s)', T, async () => {
    noSetupError('/cached');
    const token = await idp.getOpaqueToken('read', { ttl: 2 });
    const first = await call('/cached', token);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const { exp } = seen.get('/cached').claims;
    await sleep(Math.max(0, exp * 1000 - Date.now()) + 300);
    assertInvalidToken(await call('/cached', token));
  });

  test('an unknown token → 401; inactive answers are not cached by default (inactiveCacheMaxAge 0)', T, async () => {
    noSetupError('/cached');
    const { value, calls } = await counting(async () => [await call('/cached', 'no-such-token'), await call('/cached', 'no-such-token')]);
    for (const r of value) assertInvalidToken(r);
    assert.equal(calls, 2);
  });

  test('concurrent requests with one token share one introspection call (even with cacheMaxAge 0)', T, async () => {
    noSetupError('/nocache');
    const token = await idp.getOpaqueToken('read');
    idp.setIntrospectionDelay(300);
    try {
      const { value, calls } = await counting(() => Promise.all(Array.from({ length: 5 }, () => call('/nocache', token))));
      for (const r of value) assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(calls, 1);
    } finally {
      idp.setIntrospectionDelay(0);
    }
  });

  test('the IdP refuses the client secret (401 invalid_client) → 500 server_error; not cached', T, async () => {
    noSetupError('/wrong-secret');
    const token = await idp.getOpaqueToken('read');
    const { value: r, records } = await counting(() => call('/wrong-secret', token));
    assertServerError(r);
    assert.equal(records.length, 1);
    assert.equal(records[0].status, 401);
    assert.equal(records[0].answer.error, 'invalid_client');
    const again = await counting(() => call('/wrong-secret', token));
    assertServerError(again.value);
    assert.equal(again.calls, 1, 'a failure is never cached');
  });

  test('introspection endpoint refusing connections → 500 server_error (compat)', T, async () => {
    noSetupError('/unreachable');
    assertServerError(await call('/unreachable', 'some-opaque-token'));
  });

  test('client_secret_basic form-urlencodes the client id and secret (RFC 6749 §2.3.1)', T, async () => {
    noSetupError('/special');
    const token = await idp.getOpaqueToken('read');
    const { value: r, records } = await counting(() => call('/special', token));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const header = records[0].headers.authorization;
    assert.match(header, /^Basic /);
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const [id, secret, ...rest] = decoded.split(':');
    assert.equal(rest.length, 0, `the raw ':' of id and secret are encoded: ${decoded}`);
    for (const half of [id, secret]) assert.match(half, /^[A-Za-z0-9%+*._~-]*$/, `form-urlencoded: ${half}`);
    const form = (text) => decodeURIComponent(text.replace(/\+/g, '%20'));
    assert.equal(form(id), idp.specialRsClient.clientId);
    assert.equal(form(secret), idp.specialRsClient.clientSecret);
  });

  test("authMethod 'client_secret_post': id and secret in the form, no Authorization header", T, async () => {
    noSetupError('/post');
    const token = await idp.getOpaqueToken('read');
    const { value: r, records } = await counting(() => call('/post', token));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(records[0].headers.authorization, undefined);
    assert.deepEqual(records[0].params, {
      client_id: idp.rsClient.clientId,
      client_secret: idp.rsClient.clientSecret,
      token_type_hint: 'access_token',
      tokenSha256: sha256(token),
    });
  });

  test("authMethod 'none' for a confidential client: client_id in the form; the IdP refuses → 500", T, async () => {
    noSetupError('/none');
    const token = await idp.getOpaqueToken('read');
    const { value: r, records } = await counting(() => call('/none', token));
    assertServerError(r);
    assert.equal(records.length, 1);
    assert.equal(records[0].headers.authorization, undefined);
    assert.equal(records[0].params.client_id, idp.rsClient.clientId);
    assert.equal(records[0].params.client_secret, undefined);
    assert.equal(records[0].status, 401);
  });

  test('a lazy discovery config ({ issuer, type }): the discovered introspection_endpoint is used', T, async () => {
    noSetupError('/lazy');
    const token = await idp.getOpaqueToken('read');
    const { value: r, calls } = await counting(() => call('/lazy', token));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(calls, 1);
    assert.equal(seen.get('/lazy').clientId, idp.clientIds.opaque);
  });

  test('the IdP answering slower than timeoutDuration (300 ms) → 500 server_error; not cached: served once it is fast', T, async () => {
    noSetupError('/slow');
    const token = await idp.getOpaqueToken('read');
    idp.setIntrospectionDelay(1000);
    try {
      const started = Date.now();
      assertServerError(await call('/slow', token));
      assert.ok(Date.now() - started < 900, `answered after ${Date.now() - started} ms`);
    } finally {
      idp.setIntrospectionDelay(0);
    }
    const r = await call('/slow', token);
    assert.equal(r.status, 200, JSON.stringify(r.body));
  });

  test('inactiveCacheMaxAge 5000: an inactive answer is reused (one call for two requests)', T, async () => {
    noSetupError('/inactive-cached');
    const { value, calls } = await counting(async () => [await call('/inactive-cached', 'unknown-1'), await call('/inactive-cached', 'unknown-1')]);
    for (const r of value) assertInvalidToken(r);
    assert.equal(calls, 1);
  });

  test('scopeClaims on introspection answers: namespaced claim, dotted path, scope; union in order, non-strings ignored', T, async () => {
    noSetupError('/claims');
    const token = await idp.getOpaqueToken('read write', {
      claims: { 'https://example.com/roles': ['admin', 7, 'read'], realm_access: { roles: ['reader', 'admin'] } },
    });
    const { value: r, records } = await counting(() => call('/claims', token));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(records[0].answer.realm_access, { roles: ['reader', 'admin'] }, 'oidc-provider answers the extra claims');
    const auth = seen.get('/claims');
    assert.deepEqual(auth.scopes, ['admin', 'read', 'reader', 'write']);
    assert.deepEqual(auth.claims, records[0].answer);
    const plain = await idp.getOpaqueToken('read write');
    const denied = await call('/claims', plain);
    assert.equal(denied.status, 403, JSON.stringify(denied.body));
    assert.deepEqual(denied.body.missing_scopes, ['admin']);
  });

  test('several authorization servers, introspection.issuer = B: B tokens pass (issuer B); A tokens are inactive at B → 401', T, async () => {
    noSetupError('/two/b');
    const tokenB = await idpB.getOpaqueToken('read');
    const ok = await call('/two/b', tokenB);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(seen.get('/two/b').issuer, idpB.issuer);
    assert.equal(seen.get('/two/b').clientId, idpB.clientIds.opaque);
    const startA = idp.introspections.count();
    const startB = idpB.introspections.count();
    assertInvalidToken(await call('/two/b', await idp.getOpaqueToken('read')));
    assert.equal(idp.introspections.count(), startA, 'A is never asked');
    assert.equal(idpB.introspections.count(), startB + 1);
  });

  test("an answer whose iss is not the server's issuer → 401 invalid_issuer (compat)", T, async () => {
    noSetupError('/iss-mismatch');
    const tokenB = await idpB.getOpaqueToken('read');
    assert.equal((await idpB.introspect(tokenB)).json.iss, idpB.issuer);
    const r = await call('/iss-mismatch', tokenB);
    assert.equal(r.status, 401, JSON.stringify(r.body));
    assert.equal(r.body.error, 'invalid_issuer');
    assert.equal(parseBearerChallenge(r.www).params.error, 'invalid_issuer');
  });

  test('setup: no clientId → MCPAuthAuthServerError invalid_server_config, thrown by bearerAuth', T, () => {
    assert.throws(
      () => mcpAuth.bearerAuth('introspection', { resource, introspection: { clientSecret: 'x' } }),
      (error) => error instanceof MCPAuthAuthServerError && error.code === 'invalid_server_config',
    );
  });

  test('setup: several servers and no introspection.issuer (even with endpoint), or an issuer not among them → invalid_server_config', T, () => {
    const setupError = (error) => error instanceof MCPAuthAuthServerError && error.code === 'invalid_server_config';
    const withIntrospection = (extra) => () =>
      twoServersAuth.bearerAuth('introspection', { resource, introspection: { ...idpB.rsClient, ...extra } });
    assert.throws(withIntrospection({}), setupError);
    assert.throws(withIntrospection({ endpoint: idpB.metadata.introspection_endpoint }), setupError);
    assert.throws(withIntrospection({ issuer: 'http://127.0.0.1:1' }), setupError);
    assert.doesNotThrow(withIntrospection({ issuer: idpB.issuer }));
    assert.doesNotThrow(withIntrospection({ issuer: idp.issuer }));
  });

  test('setup: resolved metadata without introspection_endpoint → invalid_server_config unless endpoint is given', T, async () => {
    const { introspectionEndpoint, ...metadata } = authServerConfigA.metadata;
    assert.equal(introspectionEndpoint, idp.metadata.introspection_endpoint, 'fetchServerConfig camelCases the metadata');
    const stripped = new MCPAuth({
      protectedResources: { metadata: { resource, authorizationServers: [{ ...authServerConfigA, metadata }], scopesSupported: SCOPES } },
    });
    assert.throws(
      () => stripped.bearerAuth('introspection', { resource, introspection: introspection() }),
      (error) => error instanceof MCPAuthAuthServerError && error.code === 'invalid_server_config',
    );
    const middleware = stripped.bearerAuth('introspection', {
      resource,
      introspection: introspection({ endpoint: idp.metadata.introspection_endpoint, cacheMaxAge: 0 }),
    });
    const app = express();
    app.get('/x', middleware, (req, res) => res.json(req.auth));
    const server = await startHttpServer({ '*': app });
    try {
      const r = await call('/x', await idp.getOpaqueToken('read'), { origin: server.origin });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.clientId, idp.clientIds.opaque);
    } finally {
      await server.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
describe("2. bearerAuth('jwt', { introspection }): JWTs locally, anything else introspected", () => {
  test('a JWT access token of the IdP → verified locally, 0 introspection calls', T, async () => {
    noSetupError('/jwt-first');
    const jwt = await idp.getJwtToken('read write');
    const { value: r, calls } = await counting(() => call('/jwt-first', jwt));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(calls, 0);
    const auth = seen.get('/jwt-first');
    const claims = jose.decodeJwt(jwt);
    assert.equal(auth.clientId, idp.clientIds.jwt);
    assert.equal(auth.audience, resource);
    assert.deepEqual(auth.scopes, ['read', 'write']);
    assert.deepEqual(auth.claims, claims);
  });

  test('an opaque token → introspected (1 call), 200 with the introspected AuthInfo', T, async () => {
    noSetupError('/jwt-first');
    const token = await idp.getOpaqueToken('read', { resource });
    const { value: r, calls, records } = await counting(() => call('/jwt-first', token));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(calls, 1);
    const auth = seen.get('/jwt-first');
    assert.equal(auth.clientId, idp.clientIds.opaque);
    assert.equal(auth.audience, resource);
    assert.deepEqual(auth.claims, records[0].answer);
  });

  test('a JWT that fails local verification (signature) → 401, never introspected', T, async () => {
    noSetupError('/jwt-first');
    const jwt = await idp.getJwtToken('read');
    const [h, p, s] = jwt.split('.');
    const forged = `${h}.${p}.${s.slice(0, -4)}${s.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    const { value: r, calls } = await counting(() => call('/jwt-first', forged));
    assert.equal(r.status, 401, JSON.stringify(r.body));
    assert.equal(r.body.error, 'invalid_token');
    assert.equal(calls, 0);
  });

  test('a revoked opaque token → 401 invalid_token', T, async () => {
    noSetupError('/jwt-first');
    const token = await idp.getOpaqueToken('read', { resource });
    assert.equal((await call('/jwt-first', token)).status, 200);
    await idp.revoke(token);
    assertInvalidToken(await call('/jwt-first', token));
  });
});

// ---------------------------------------------------------------------------------------------
describe(`3. profile ${PROFILE}`, () => {
  const profileInvalid = (r) => {
    assert.equal(r.status, 401, JSON.stringify(r.body));
    assert.equal(r.body.error, 'invalid_token');
    const challenge = parseBearerChallenge(r.www);
    assert.equal(challenge.params.error, 'invalid_token');
    assert.equal(challenge.params.resource_metadata, prmUrl);
    assert.equal(challenge.params.scope, 'read write');
  };

  test('an opaque token with aud = the resource → 200', T, async () => {
    noSetupError('/p/intro');
    const token = await idp.getOpaqueToken('read', { resource });
    const r = await call('/p/intro', token);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(seen.get('/p/intro').audience, resource);
  });

  test('an opaque token without aud (no resource indicator) → 401 invalid_token: the audience is required', T, async () => {
    noSetupError('/p/intro');
    const token = await idp.getOpaqueToken('read');
    profileInvalid(await call('/p/intro', token));
  });

  test('revoked → 401 invalid_token', T, async () => {
    noSetupError('/p/intro');
    const token = await idp.getOpaqueToken('read', { resource });
    assert.equal((await call('/p/intro', token)).status, 200);
    await idp.revoke(token);
    profileInvalid(await call('/p/intro', token));
  });

  test('missing scope → 403 insufficient_scope naming it', T, async () => {
    noSetupError('/p/write');
    const token = await idp.getOpaqueToken('read', { resource });
    const r = await call('/p/write', token);
    assert.equal(r.status, 403, JSON.stringify(r.body));
    assert.equal(r.body.error, 'insufficient_scope');
    const challenge = parseBearerChallenge(r.www);
    assert.equal(challenge.params.error, 'insufficient_scope');
    assert.equal(challenge.params.scope, 'write');
  });

  test('the IdP refuses the client secret (a 4xx) → 500 server_error, no Retry-After', T, async () => {
    noSetupError('/p/wrong-secret');
    const token = await idp.getOpaqueToken('read', { resource });
    const { value: r, records } = await counting(() => call('/p/wrong-secret', token));
    assert.equal(r.status, 500, JSON.stringify(r.body));
    assert.equal(r.body.error, 'server_error');
    assert.equal(r.www, null);
    assert.equal(r.headers.get('retry-after'), null);
    assert.equal(records[0].status, 401);
  });

  test('the IdP answering slower than timeoutDuration → 503 + Retry-After; not cached: served once it is fast', T, async () => {
    noSetupError('/p/slow');
    const token = await idp.getOpaqueToken('read', { resource });
    idp.setIntrospectionDelay(1000);
    try {
      const r = await call('/p/slow', token);
      assert.equal(r.status, 503, JSON.stringify(r.body));
      assert.equal(r.body.error, 'temporarily_unavailable');
      assert.match(r.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
      assert.equal(r.www, null);
    } finally {
      idp.setIntrospectionDelay(0);
    }
    const ok = await call('/p/slow', token);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
  });

  test("an answer whose iss is not the server's issuer → 401 invalid_token", T, async () => {
    noSetupError('/p/iss-mismatch');
    const tokenB = await idpB.getOpaqueToken('read', { resource });
    const r = await call('/p/iss-mismatch', tokenB);
    assert.equal(r.status, 401, JSON.stringify(r.body));
    assert.equal(r.body.error, 'invalid_token');
    assert.equal(parseBearerChallenge(r.www).params.error, 'invalid_token');
  });

  test('introspection endpoint refusing connections → 503 temporarily_unavailable + Retry-After', T, async () => {
    noSetupError('/p/unreachable');
    const r = await call('/p/unreachable', 'some-opaque-token');
    assert.equal(r.status, 503, JSON.stringify(r.body));
    assert.equal(r.body.error, 'temporarily_unavailable');
    assert.equal(r.www, null);
    const retryAfter = r.headers.get('retry-after');
    assert.match(retryAfter ?? '', /^\d+$/);
    assert.ok(Number(retryAfter) >= 1);
  });
});

// ---------------------------------------------------------------------------------------------
describe('4. every front door: valid and revoked opaque tokens, both profiles', () => {
  let servers;
  let startError;
  before(async () => {
    try {
      servers = await startDoorServers({
        bearer: [
          { path: '/intro', mcpAuth, verify: 'introspection', config: { resource, introspection: introspection({ cacheMaxAge: 0 }) } },
          { path: '/p-intro', mcpAuth: profileAuth, verify: 'introspection', config: { resource, introspection: introspection({ cacheMaxAge: 0 }) } },
        ],
      });
    } catch (error) {
      startError = error;
    }
  });
  after(() => closeDoorServers(servers));

  for (const door of ['reference', 'express', 'node', 'fetch', 'hono', 'fastify']) {
    test(`${door}: a valid token → 200 with the introspected AuthInfo; revoked → 401 invalid_token`, T, async () => {
      if (startError) assert.fail(`door servers did not start: ${startError.name}: ${startError.message}`);
      const origin = servers[door].origin;
      const token = await idp.getOpaqueToken('read write', { resource });
      const get = async (path) => {
        const r = await send(origin, { path, headers: { authorization: `Bearer ${token}` } });
        return { ...r, body: JSON.parse(r.text || 'null') };
      };
      for (const path of ['/intro', '/p-intro']) {
        const { value: r, calls, records } = await counting(() => get(path));
        assert.equal(r.status, 200, `${path}: ${r.text}`);
        assert.equal(calls, 1, path);
        assert.equal(r.body.token, token);
        assert.equal(r.body.issuer, idp.issuer);
        assert.equal(r.body.clientId, idp.clientIds.opaque);
        assert.deepEqual(r.body.scopes, ['read', 'write']);
        assert.equal(r.body.audience, resource);
        assert.equal(r.body.expiresAt, records[0].answer.exp);
        assert.deepEqual(r.body.claims, records[0].answer);
        if (r.headers['x-door-check'] !== undefined) assert.equal(r.headers['x-door-check'], 'same');
      }
      await idp.revoke(token);
      for (const path of ['/intro', '/p-intro']) {
        const r = await get(path);
        assert.equal(r.status, 401, `${path}: ${r.text}`);
        assert.equal(r.body.error, 'invalid_token');
        assert.equal(parseBearerChallenge(r.headers['www-authenticate']).params.error, 'invalid_token');
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------
describe('5. MCP SDK v1 end to end: whoami sees the introspected AuthInfo', () => {
  const connect = async (path, token) => {
    const transport = new StreamableHTTPClientTransport(new URL(`${srv.origin}${path}`), {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    });
    const client = new Client({ name: 'introspection-e2e', version: '1.0.0' });
    await within(client.connect(transport), 10_000, 'connect');
    return client;
  };

  test('SDK v1 client, opaque user token → whoami reports issuer, client, sub, scopes, aud, exp, claims; one introspection call', T, async () => {
    noSetupError('/mcp');
    const token = await idp.getOpaqueToken('read write', { flow: 'authorization_code', resource });
    const { value: info, calls, records } = await counting(async () => {
      const client = await connect('/mcp', token);
      try {
        const { tools } = await client.listTools(undefined, { timeout: 10_000 });
        assert.ok(tools.some((t) => t.name === 'whoami'));
        const result = await client.callTool({ name: 'whoami', arguments: {} }, undefined, { timeout: 10_000 });
        assert.ok(!result.isError, `tool error: ${JSON.stringify(result)}`);
        return JSON.parse(result.content[0].text);
      } finally {
        await client.close().catch(() => {});
      }
    });
    assert.equal(calls, 1, 'a whole session with one token: one introspection call (default cacheMaxAge)');
    const answer = records[0].answer;
    assert.equal(info.issuer, idp.issuer);
    assert.equal(info.clientId, idp.clientIds.code);
    assert.equal(info.subject, idp.accountId);
    assert.deepEqual(info.scopes, ['read', 'write']);
    assert.equal(info.audience, resource);
    assert.equal(info.expiresAt, answer.exp);
    assert.deepEqual(info.claims, answer);
    assert.equal(info.tokenSha256, sha256(token), 'the bearer token reached the tool');
  });

  test('SDK v1 client with a revoked opaque token → the connection is refused (401)', T, async () => {
    noSetupError('/mcp-nocache');
    const token = await idp.getOpaqueToken('read', { resource });
    const client = await connect('/mcp-nocache', token);
    await client.close().catch(() => {});
    await idp.revoke(token);
    await assert.rejects(connect('/mcp-nocache', token), (error) => {
      assert.ok(error instanceof StreamableHTTPError, String(error));
      assert.equal(error.code, 401, String(error));
      assert.match(error.message, /invalid_token/);
      return true;
    });
  });
});
