// RFC 7662 token introspection (docs: BEYOND.md §4; the profile's answers §2): `bearerAuth('introspection',
// { …, introspection })` and the JWT-first fallback `bearerAuth('jwt', { …, introspection })`, against the
// scripted introspection endpoint of helpers/introspection-server.mjs, on real servers on 127.0.0.1
// (helpers/doors.mjs: the main entry's Express middleware — `reference` — and every front door).
//
//   0. the helper itself (client authentication decoding, faults), so a failure below is never the helper's;
//   1. AuthInfo: the mapping of an active answer (issuer fallback, clientId '', scopes, claims = the answer);
//   2. token failures: `active` not `true`, another `iss`, `exp` past, `nbf` ahead, audience, requiredScopes
//      (compat and mcp-2026-07-28; reference, node and fetch doors);
//   3. endpoint failures: 5xx, 4xx, invalid_client, not JSON, not an object, 5 MB, hang / slow / drip past
//      `timeoutDuration`, reset, redirect, refused: compat 500 `server_error`, profile 503 + Retry-After or
//      500; each within timeout + 1 s, never cached (served again once the endpoint recovers), never echoing
//      the token;
//   4. the request sent: POST, form `token` + `token_type_hint`, Accept, Content-Type, client_secret_basic
//      (form-urlencoded id and secret, RFC 6749 §2.3.1), client_secret_post, none;
//   5. the cache: active answers reused (never past `exp`; without `exp` at most cacheMaxAge), cacheMaxAge 0,
//      inactive answers not cached unless inactiveCacheMaxAge;
//   6. which endpoint: the `endpoint` option, the metadata's, lazy discovery, several servers + `issuer`;
//   7. setup errors (thrown synchronously: MCPAuthAuthServerError `invalid_server_config`), every door;
//   8. `bearerAuth('jwt', { introspection })`: JWTs verified locally (never introspected), the rest introspected;
//   9. single flight: 1,000 concurrent requests with one new token → one introspection call;
//  10. flood: 100,000 distinct inactive tokens → the cache stays bounded (evicts the oldest), memory stays flat;
//  11. every door: one active and one inactive token, the same answers as the reference.
//
// Run: node --test --test-concurrency=1 __test__/introspection.test.mjs

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import v8 from 'node:v8';
import vm from 'node:vm';
import { MCPAuth, MCPAuthAuthServerError, MCPAuthError } from 'mcp-auth-rs';
import * as expressDoor from 'mcp-auth-rs/express';
import * as nodeDoor from 'mcp-auth-rs/node';
import * as fetchDoor from 'mcp-auth-rs/fetch';
import * as honoDoor from 'mcp-auth-rs/hono';
import * as fastifyDoor from 'mcp-auth-rs/fastify';
import { HUGE_INTROSPECTION_BYTES, formEncode, startIntrospectionServer } from './helpers/introspection-server.mjs';
import { createKeys, nowSeconds } from './helpers/tokens.mjs';
import { DOORS, closeDoorServers, send, startDoorServers } from './helpers/doors.mjs';
import { parseBearerChallenge } from './helpers/challenge.mjs';
import { BEARER_AUTH_ERROR_DESCRIPTION as BEARER } from './helpers/fixtures.mjs';
import { b64url, sleep } from './helpers/util.mjs';

const T = { timeout: 60_000 };
const PROFILE = 'mcp-2026-07-28';
const PROFILES = ['compat', PROFILE];
/** The servers most rows go through: the main entry's Express middleware, node:http, fetch. */
const FEW = ['reference', 'node', 'fetch'];
const SERVERS = ['reference', ...DOORS];
const DOOR_MODULES = { express: expressDoor, node: nodeDoor, fetch: fetchDoor, hono: honoDoor, fastify: fastifyDoor };

const R = 'https://mcp.example.com/mcp';
const RM = 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp';
const OTHER_AUDIENCE = 'https://other.example.com/api';
const SCOPES_SUPPORTED = ['read', 'write'];

// Client credentials with characters that form-urlencoding must escape (`:` `+` ` ` `%`, `@`, `/`, non-ASCII).
const CLIENT_ID = 'rs client:1+%';
const CLIENT_SECRET = 'p@ss:w+rd %20/é';
const POST_ID = 'post client+1';
const POST_SECRET = 'post:secret %+';
const PUBLIC_ID = 'public client:%';
const INTRO = { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET };

const TIMEOUT = 300;
/** Every endpoint failure is answered within timeoutDuration + 1 s. */
const ANSWER_LIMIT_MS = TIMEOUT + 1000;
const SERVER_ERROR_BODY = { error: 'server_error', error_description: 'An error occurred with the authorization server.' };

const env = {};

let counter = 0;
/** A new opaque token (never seen before: no cache can hold it), long enough to look for in answers. */
const fresh = (label = 'tok') => `opq-${label.replace(/[^A-Za-z0-9]+/g, '-')}-${(counter += 1)}-${randomBytes(9).toString('base64url')}`;
/** An active answer for R, `claims` merged (undefined removes a member). */
const activeAnswer = (claims = {}) => {
  const now = nowSeconds();
  return dropUndefined({ active: true, scope: 'read', client_id: 'app-1', sub: 'user-1', aud: R, iss: env.is.issuer, iat: now - 5, exp: now + 600, ...claims });
};
const dropUndefined = (object) => Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));

/** One request to `server` (a name of `servers`) on `path` with `Bearer token`; `{ status, headers, text, body, ms }`. */
const ask = async (servers, server, path, token, headers = {}) => {
  const start = performance.now();
  const response = await send(servers[server].origin, { path, headers: { ...(token !== undefined && { authorization: `Bearer ${token}` }), ...headers } });
  const ms = performance.now() - start;
  let body;
  try {
    body = JSON.parse(response.text);
  } catch {
    body = undefined;
  }
  return { ...response, body, ms };
};

/** Neither the body nor any header of a failure answer holds the token. */
const neverEchoes = (response, token, where) => {
  assert.ok(!response.text.includes(token), `${where}: the body never holds the token (${response.text.slice(0, 300)})`);
  for (const [name, value] of Object.entries(response.headers)) {
    assert.ok(!String(value).includes(token), `${where}: header ${name} never holds the token`);
  }
};

/**
 * A 401 token failure under `profile`: compat `error` (invalid_token / invalid_issuer / invalid_audience) in the
 * challenge `error, error_description, resource_metadata`; the profile always `invalid_token` and a `scope`
 * parameter last. `description` pins error_description when given. `details`: the body may carry `cause`.
 */
const expectInvalid = (profile, response, token, where, { error = 'invalid_token', description, details = false } = {}) => {
  assert.equal(response.status, 401, `${where}: status (body ${response.text.slice(0, 300)})`);
  assert.match(response.headers['content-type'] ?? '', /^application\/json/, `${where}: content type`);
  const challenge = parseBearerChallenge(response.headers['www-authenticate']);
  const code = profile === 'compat' ? error : 'invalid_token';
  const names = ['error', 'error_description', 'resource_metadata', ...(profile === 'compat' ? [] : ['scope'])];
  assert.deepEqual(challenge.names, names, `${where}: challenge parameters (${response.headers['www-authenticate']})`);
  assert.equal(challenge.params.error, code, `${where}: challenge error`);
  assert.equal(challenge.params.resource_metadata, RM, `${where}: resource_metadata`);
  if (profile !== 'compat') assert.equal(challenge.params.scope, SCOPES_SUPPORTED.join(' '), `${where}: scope`);
  assert.equal(typeof challenge.params.error_description, 'string', `${where}: error_description`);
  if (description !== undefined) assert.equal(challenge.params.error_description, description, `${where}: error_description`);
  const { cause, ...body } = response.body ?? {};
  assert.deepEqual(body, { error: code, error_description: challenge.params.error_description }, `${where}: body`);
  if (!details) assert.equal(cause, undefined, `${where}: no cause without showErrorDetails`);
  assert.equal(response.headers['retry-after'], undefined, `${where}: no Retry-After`);
  neverEchoes(response, token, where);
};

/**
 * An endpoint failure: compat 500 with the server_error body and no challenge; the profile 503 +
 * Retry-After (an integer ≥ 1) `temporarily_unavailable` for `unavailable`, 500 `server_error` for
 * `misconfigured`, either for `either`.
 */
const expectEndpointFailure = (profile, response, token, where, kind, { details = false } = {}) => {
  assert.match(response.headers['content-type'] ?? '', /^application\/json/, `${where}: content type (status ${response.status}, ${response.text.slice(0, 200)})`);
  assert.equal(response.headers['www-authenticate'], undefined, `${where}: no challenge`);
  const { cause, ...body } = response.body ?? {};
  if (!details) assert.equal(cause, undefined, `${where}: no cause without showErrorDetails`);
  neverEchoes(response, token, where);
  if (profile === 'compat') {
    assert.equal(response.status, 500, `${where}: status (${response.text.slice(0, 300)})`);
    assert.deepEqual(body, SERVER_ERROR_BODY, `${where}: body`);
    assert.equal(response.headers['retry-after'], undefined, `${where}: no Retry-After`);
    return;
  }
  const allowed = { unavailable: [503], misconfigured: [500], either: [500, 503] }[kind];
  assert.ok(allowed.includes(response.status), `${where}: status ${response.status}, expected ${allowed} (${response.text.slice(0, 300)})`);
  if (response.status === 503) {
    assert.match(response.headers['retry-after'] ?? '', /^[1-9][0-9]*$/, `${where}: Retry-After, an integer ≥ 1`);
    assert.equal(body.error, 'temporarily_unavailable', `${where}: body error`);
  } else {
    assert.equal(response.headers['retry-after'], undefined, `${where}: no Retry-After on a 500`);
    assert.equal(body.error, 'server_error', `${where}: body error`);
  }
  assert.deepEqual(Object.keys(body), ['error', 'error_description'], `${where}: body members`);
  assert.equal(typeof body.error_description, 'string', `${where}: error_description`);
};

/** A passing answer: 200 and the AuthInfo the route got. */
const expectPass = (response, where) => {
  assert.equal(response.status, 200, `${where}: status (${response.text.slice(0, 300)})`);
  assert.equal(response.headers['www-authenticate'], undefined, `${where}: no challenge`);
  return response.body;
};

const isConfigError = (what) => (error) => {
  assert.ok(error instanceof MCPAuthAuthServerError, `${what}: ${error?.name}: ${error?.message}`);
  assert.ok(error instanceof MCPAuthError, what);
  assert.equal(error.code, 'invalid_server_config', what);
  return true;
};

/** The bearer routes of one MCPAuth (paths → config), every route with `resource: R`. */
const bearerRoutes = (mcpAuth) => {
  const { is } = env;
  const route = (path, config = {}, verify = 'introspection') => ({ path, mcpAuth, verify, config: { resource: R, introspection: INTRO, ...config } });
  return [
    route('/i'),
    route('/i-t', { introspection: { ...INTRO, timeoutDuration: TIMEOUT } }),
    route('/i-details', { showErrorDetails: true, introspection: { ...INTRO, timeoutDuration: TIMEOUT } }),
    route('/i-aud', { audience: R }),
    route('/i-aud-other', { audience: OTHER_AUDIENCE }),
    route('/i-scopes', { requiredScopes: ['read', 'write'] }),
    route('/i-wrong-secret', { introspection: { ...INTRO, clientSecret: 'wrong secret' } }),
    route('/i-post', { introspection: { clientId: POST_ID, clientSecret: POST_SECRET, authMethod: 'client_secret_post' } }),
    route('/i-basic-explicit', { introspection: { ...INTRO, authMethod: 'client_secret_basic' } }),
    route('/i-none', { introspection: { clientId: PUBLIC_ID } }),
    route('/i-none-explicit', { introspection: { clientId: PUBLIC_ID, authMethod: 'none' } }),
    route('/i-alt', { introspection: { ...INTRO, endpoint: is.altEndpoint } }),
    route('/i-nocache', { introspection: { ...INTRO, cacheMaxAge: 0 } }),
    route('/i-short', { introspection: { ...INTRO, cacheMaxAge: 500 } }),
    route('/i-inactive-cache', { introspection: { ...INTRO, inactiveCacheMaxAge: 400 } }),
    route('/jwt-i', { introspection: { ...INTRO, timeoutDuration: TIMEOUT } }, 'jwt'),
    { path: '/jwt', mcpAuth, verify: 'jwt', config: { resource: R } },
  ];
};

const makeAuth = (profile, servers = [env.is.resolved()]) =>
  new MCPAuth({ ...(profile === PROFILE && { profile }), protectedResources: { metadata: { resource: R, authorizationServers: servers, scopesSupported: SCOPES_SUPPORTED } } });

before(async () => {
  env.keys = await createKeys();
  env.is = await startIntrospectionServer({
    keys: env.keys,
    clients: [
      { method: 'client_secret_basic', id: CLIENT_ID, secret: CLIENT_SECRET },
      { method: 'client_secret_post', id: POST_ID, secret: POST_SECRET },
      { method: 'none', id: PUBLIC_ID },
    ],
  });
  env.auth = {};
  env.servers = {};
  for (const profile of PROFILES) {
    env.auth[profile] = makeAuth(profile);
    env.servers[profile] = await startDoorServers({ bearer: bearerRoutes(env.auth[profile]), describeRethrown: (error) => ({ code: error?.code }) });
  }
});

after(async () => {
  for (const servers of Object.values(env.servers ?? {})) await closeDoorServers(servers);
  await env.is?.close();
});

// ---------------------------------------------------------------------------------------------
// 0. The helper

describe('helpers/introspection-server.mjs', () => {
  test('scripted answers, client authentication as RFC 6749 §2.3.1 reads it, faults', T, async () => {
    const { is } = env;
    const post = async (form, headers = {}) => {
      const response = await fetch(is.introspectionEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(form).toString(),
      });
      return { status: response.status, text: await response.text() };
    };
    const basic = (id, secret) => ({ authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` });
    const token = fresh('helper');
    is.answer(token, { active: true, scope: 'x' });
    const before = is.calls();
    assert.deepEqual(await post({ token }, basic(formEncode(CLIENT_ID), formEncode(CLIENT_SECRET))), { status: 200, text: '{"active":true,"scope":"x"}' });
    assert.deepEqual(is.introspections.at(-1).client, {
      method: 'client_secret_basic',
      id: CLIENT_ID,
      secret: CLIENT_SECRET,
      rawId: formEncode(CLIENT_ID),
      rawSecret: formEncode(CLIENT_SECRET),
    });
    // Percent-encoded spaces decode as well; not encoding at all is refused (the `:` of the id splits it).
    assert.equal((await post({ token }, basic(encodeURIComponent(CLIENT_ID), encodeURIComponent(CLIENT_SECRET)))).status, 200);
    assert.equal((await post({ token }, basic(CLIENT_ID, CLIENT_SECRET))).status, 401);
    assert.deepEqual(await post({ token }, basic(formEncode(CLIENT_ID), 'nope')), { status: 401, text: '{"error":"invalid_client"}' });
    assert.equal((await post({ token, client_id: POST_ID, client_secret: POST_SECRET })).status, 200);
    assert.equal((await post({ token, client_id: POST_ID, client_secret: 'x' })).status, 401);
    assert.equal((await post({ token, client_id: PUBLIC_ID })).status, 200);
    assert.equal((await post({ token })).status, 401, 'no client at all');
    assert.deepEqual(await post({ token: fresh('unscripted'), client_id: PUBLIC_ID }), { status: 200, text: '{"active":false}' });
    assert.equal(is.calls() - before, 9);
    is.answer(token, null, { fault: 'notObject', notObjectBody: null });
    assert.deepEqual(await post({ token, client_id: PUBLIC_ID }), { status: 200, text: 'null' });
    is.answer(token, null, { fault: 'huge' });
    const huge = await post({ token, client_id: PUBLIC_ID });
    assert.equal(huge.text.length, HUGE_INTROSPECTION_BYTES);
    assert.equal(JSON.parse(huge.text).active, true, 'a valid JSON object, only too big');
    is.answer(token, { active: true }, { fault: 'drip', delayMs: 5 });
    assert.deepEqual(await post({ token, client_id: PUBLIC_ID }), { status: 200, text: '{"active":true}' });
    is.forget(token);
  });
});

// ---------------------------------------------------------------------------------------------
// 1. AuthInfo

describe('an active answer: the AuthInfo', () => {
  test('every member mapped, claims = the whole answer (compat and profile; reference, node, fetch)', T, async () => {
    const { is } = env;
    for (const profile of PROFILES) {
      for (const server of FEW) {
        const token = fresh('full');
        const now = nowSeconds();
        const answer = {
          active: true,
          scope: 'read write',
          client_id: 'app-1',
          username: 'alice',
          token_type: 'Bearer',
          exp: now + 600,
          iat: now - 10,
          nbf: now - 10,
          sub: 'user-1',
          aud: [R, OTHER_AUDIENCE],
          iss: is.issuer,
          jti: 'jti-1',
          ext: { tenant: 't1', list: [1, 'two', null] },
        };
        is.answer(token, answer);
        const where = `${profile} ${server}`;
        const authInfo = expectPass(await ask(env.servers[profile], server, '/i', token), where);
        assert.deepEqual(
          authInfo,
          { token, issuer: is.issuer, clientId: 'app-1', scopes: ['read', 'write'], audience: [R, OTHER_AUDIENCE], expiresAt: now + 600, subject: 'user-1', claims: answer },
          where,
        );
        assert.equal(is.calls(token), 1, `${where}: one introspection`);
      }
    }
  });

  test('a minimal answer: issuer falls back to the server issuer, clientId "", no scopes (compat: no audience needed)', T, async () => {
    const { is } = env;
    for (const server of FEW) {
      const token = fresh('minimal');
      is.answer(token, { active: true });
      const authInfo = expectPass(await ask(env.servers.compat, server, '/i', token), server);
      assert.deepEqual(authInfo, { token, issuer: is.issuer, clientId: '', scopes: [], claims: { active: true } }, server);
    }
  });

  test('the profile: `aud` is required, `exp` and `sub` are optional (RFC 7662)', T, async () => {
    const { is } = env;
    for (const server of FEW) {
      const token = fresh('no-exp');
      const answer = { active: true, aud: R, scope: 'write' };
      is.answer(token, answer);
      const authInfo = expectPass(await ask(env.servers[PROFILE], server, '/i', token), server);
      assert.deepEqual(authInfo, { token, issuer: is.issuer, clientId: '', scopes: ['write'], audience: R, claims: answer }, server);
      const noAudience = fresh('no-aud');
      is.answer(noAudience, { active: true, scope: 'read', exp: nowSeconds() + 600 });
      expectInvalid(PROFILE, await ask(env.servers[PROFILE], server, '/i', noAudience), noAudience, `${server}: no aud`, { description: BEARER.invalid_audience });
    }
  });

  test('`iss` equal to the server issuer; an audience list naming the resource passes an explicit `audience`', T, async () => {
    const { is } = env;
    for (const profile of PROFILES) {
      const token = fresh('aud-list');
      is.answer(token, activeAnswer({ aud: [OTHER_AUDIENCE, R] }));
      const authInfo = expectPass(await ask(env.servers[profile], 'reference', '/i-aud', token), profile);
      assert.equal(authInfo.issuer, is.issuer);
      assert.deepEqual(authInfo.audience, [OTHER_AUDIENCE, R]);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// 2. Token failures

describe('token failures: 401 (403 for scopes), never echoing the token', () => {
  const rows = () => {
    const now = nowSeconds();
    return [
      { label: 'active: false', answer: { active: false } },
      { label: 'active: "true"', answer: activeAnswer({ active: 'true' }) },
      { label: 'active: 1', answer: activeAnswer({ active: 1 }) },
      { label: 'active: null', answer: activeAnswer({ active: null }) },
      { label: 'active missing', answer: activeAnswer({ active: undefined }) },
      { label: 'an empty object', answer: {} },
      { label: 'exp in the past', answer: activeAnswer({ exp: now - 600, iat: now - 1200 }) },
      { label: 'nbf ahead', answer: activeAnswer({ nbf: now + 600 }) },
      { label: 'another iss', answer: activeAnswer({ iss: 'https://evil.example.com' }), error: 'invalid_issuer', description: BEARER.invalid_issuer },
      { label: 'iss with a trailing slash', answer: activeAnswer({ iss: `${env.is.issuer}/` }), error: 'invalid_issuer', description: BEARER.invalid_issuer },
      { label: 'audience option, another aud', path: '/i-aud-other', answer: activeAnswer(), error: 'invalid_audience', description: BEARER.invalid_audience },
      { label: 'audience option, no aud', path: '/i-aud', answer: activeAnswer({ aud: undefined }), error: 'invalid_audience', description: BEARER.invalid_audience },
    ];
  };

  for (const profile of PROFILES) {
    test(`${profile}: active not true, exp, nbf, issuer, audience (reference, node, fetch)`, T, async () => {
      const { is } = env;
      for (const row of rows()) {
        for (const server of FEW) {
          const token = fresh(row.label);
          is.answer(token, row.answer);
          const where = `${profile} ${server} ${row.label}`;
          expectInvalid(profile, await ask(env.servers[profile], server, row.path ?? '/i', token), token, where, row);
          assert.equal(is.calls(token), 1, `${where}: introspected once`);
        }
      }
    });
  }

  test('requiredScopes checked against the answer\'s scope: compat 403 missing_required_scopes, profile 403 insufficient_scope', T, async () => {
    const { is } = env;
    for (const profile of PROFILES) {
      for (const server of FEW) {
        const where = `${profile} ${server}`;
        const few = fresh('few-scopes');
        is.answer(few, activeAnswer({ scope: 'read' }));
        const response = await ask(env.servers[profile], server, '/i-scopes', few);
        assert.equal(response.status, 403, `${where}: ${response.text}`);
        const challenge = parseBearerChallenge(response.headers['www-authenticate']);
        if (profile === 'compat') {
          assert.deepEqual(challenge.params, { error: 'missing_required_scopes', error_description: BEARER.missing_required_scopes }, where);
          assert.deepEqual(response.body, { error: 'missing_required_scopes', error_description: BEARER.missing_required_scopes, missing_scopes: ['write'] }, where);
        } else {
          assert.deepEqual(challenge.params, { error: 'insufficient_scope', scope: 'read write', resource_metadata: RM, error_description: BEARER.missing_required_scopes }, where);
          assert.deepEqual(response.body, { error: 'insufficient_scope', error_description: BEARER.missing_required_scopes }, where);
        }
        neverEchoes(response, few, where);
        const all = fresh('all-scopes');
        is.answer(all, activeAnswer({ scope: 'write other read' }));
        assert.deepEqual(expectPass(await ask(env.servers[profile], server, '/i-scopes', all), where).scopes, ['write', 'other', 'read'], where);
      }
    }
  });

  test('no Authorization header, or no token: answered before any introspection', T, async () => {
    const { is } = env;
    const before = is.calls();
    for (const profile of PROFILES) {
      for (const server of FEW) {
        const none = await ask(env.servers[profile], server, '/i', undefined);
        assert.equal(none.status, 401, `${profile} ${server}`);
        const empty = await ask(env.servers[profile], server, '/i', undefined, { authorization: 'Bearer ' });
        assert.ok([400, 401].includes(empty.status), `${profile} ${server}: ${empty.status}`);
      }
    }
    assert.equal(is.calls(), before, 'no introspection call');
  });

  test('showErrorDetails: the body may carry a cause, never the token', T, async () => {
    const { is } = env;
    for (const profile of PROFILES) {
      const inactive = fresh('details-inactive');
      is.answer(inactive, { active: false });
      expectInvalid(profile, await ask(env.servers[profile], 'reference', '/i-details', inactive), inactive, `${profile} details inactive`, { details: true });
      const failing = fresh('details-500');
      is.answer(failing, activeAnswer(), { fault: 500 });
      expectEndpointFailure(profile, await ask(env.servers[profile], 'reference', '/i-details', failing), failing, `${profile} details 500`, 'unavailable', { details: true });
      const hanging = fresh('details-hang');
      is.answer(hanging, activeAnswer(), { fault: 'hang' });
      expectEndpointFailure(profile, await ask(env.servers[profile], 'node', '/i-details', hanging), hanging, `${profile} details hang`, 'unavailable', { details: true });
    }
  });
});

// ---------------------------------------------------------------------------------------------
// 3. Endpoint failures

describe('endpoint failures: compat 500 server_error; profile 503 + Retry-After or 500; never cached', () => {
  // [label, per-token script options, profile class]
  const FAULTS = [
    ['500', { fault: 500 }, 'unavailable'],
    ['502', { fault: 502 }, 'unavailable'],
    ['503', { fault: 503 }, 'unavailable'],
    ['401 invalid_client', { fault: 401 }, 'misconfigured'],
    ['400', { fault: 400 }, 'misconfigured'],
    ['404', { fault: 404 }, 'misconfigured'],
    ['not JSON', { fault: 'invalidJson' }, 'misconfigured'],
    ['a JSON array', { fault: 'notObject', notObjectBody: [1] }, 'misconfigured'],
    ['a JSON string', { fault: 'notObject', notObjectBody: 'x' }, 'misconfigured'],
    ['JSON null', { fault: 'notObject', notObjectBody: null }, 'misconfigured'],
    ['JSON true', { fault: 'notObject', notObjectBody: true }, 'misconfigured'],
    ['5 MB (Content-Length)', { fault: 'huge' }, 'misconfigured'],
    ['5 MB (chunked)', { fault: 'hugeChunked' }, 'misconfigured'],
    ['hang past timeoutDuration', { fault: 'hang' }, 'unavailable'],
    ['an answer 1.5 s late', { fault: 'slow', delayMs: 1500 }, 'unavailable'],
    ['a body dripping past timeoutDuration (the timeout covers the whole exchange)', { fault: 'drip', delayMs: 150 }, 'unavailable'],
    ['the connection reset', { fault: 'reset' }, 'either'],
    ['a redirect (never followed)', { fault: 302 }, 'either'],
  ];

  for (const profile of PROFILES) {
    test(`${profile}: every fault, then the endpoint recovers (reference, node, fetch)`, T, async (t) => {
      const { is } = env;
      const redirectedBefore = is.count('redirected');
      let slowest = 0;
      for (const [label, script, kind] of FAULTS) {
        for (const server of FEW) {
          const where = `${profile} ${server} ${label}`;
          const token = fresh(label);
          is.answer(token, activeAnswer(), script);
          const failed = await ask(env.servers[profile], server, '/i-t', token);
          expectEndpointFailure(profile, failed, token, where, kind);
          assert.ok(failed.ms < ANSWER_LIMIT_MS, `${where}: answered in ${Math.round(failed.ms)} ms (limit ${ANSWER_LIMIT_MS})`);
          slowest = Math.max(slowest, failed.ms);
          assert.equal(is.calls(token), 1, `${where}: one call`);
          // Recovered: not cached, the next request asks again and passes.
          is.answer(token, activeAnswer());
          const served = await ask(env.servers[profile], server, '/i-t', token);
          assert.equal(expectPass(served, `${where}, recovered`).token, token);
          assert.equal(is.calls(token), 2, `${where}: the failure was not cached`);
        }
      }
      assert.equal(is.count('redirected'), redirectedBefore, 'the redirect was never followed');
      t.diagnostic(`${profile}: slowest failure answered in ${Math.round(slowest)} ms`);
    });

    test(`${profile}: a wrong client secret (the endpoint's own 401 invalid_client): 500`, T, async () => {
      const { is } = env;
      for (const server of FEW) {
        const token = fresh('wrong-secret');
        is.answer(token, activeAnswer());
        expectEndpointFailure(profile, await ask(env.servers[profile], server, '/i-wrong-secret', token), token, `${profile} ${server} wrong secret`, 'misconfigured');
        assert.equal(is.introspections.at(-1).client.error, 'unknown client or wrong secret');
        // The same token through a correctly configured route passes.
        assert.equal(expectPass(await ask(env.servers[profile], server, '/i', token), server).token, token);
      }
    });

    test(`${profile}: connection refused, then the endpoint comes back on the same port`, T, async () => {
      const { is } = env;
      const tokens = {};
      await is.goDown();
      try {
        for (const server of FEW) {
          const token = fresh('refused');
          tokens[server] = token;
          is.answer(token, activeAnswer());
          const failed = await ask(env.servers[profile], server, '/i-t', token);
          expectEndpointFailure(profile, failed, token, `${profile} ${server} refused`, 'unavailable');
          assert.ok(failed.ms < ANSWER_LIMIT_MS, `${server}: answered in ${Math.round(failed.ms)} ms`);
        }
      } finally {
        await is.comeBack();
      }
      for (const server of FEW) {
        const token = tokens[server];
        assert.equal(expectPass(await ask(env.servers[profile], server, '/i-t', token), `${server} back`).token, token);
        assert.equal(is.calls(token), 1, `${server}: asked once the endpoint is back`);
      }
    });
  }

  test('the 1 MiB cap: an answer of exactly 1 MiB passes, one byte more is a failure (profile: 500)', T, async () => {
    const { is } = env;
    const MIB = 1024 * 1024;
    /** An active answer whose JSON text is exactly `bytes` long. */
    const sized = (bytes) => {
      const base = activeAnswer({ pad: '' });
      return { ...base, pad: 'p'.repeat(bytes - Buffer.byteLength(JSON.stringify(base))) };
    };
    for (const profile of PROFILES) {
      for (const server of ['reference', 'fetch']) {
        const where = `${profile} ${server}`;
        const fits = fresh('one-mib');
        is.answer(fits, sized(MIB));
        assert.equal(Buffer.byteLength(JSON.stringify(sized(MIB))), MIB);
        assert.equal(expectPass(await ask(env.servers[profile], server, '/i', fits), `${where}: 1 MiB`).claims.pad.length > 1_000_000, true);
        const over = fresh('one-mib-plus-one');
        is.answer(over, sized(MIB + 1));
        expectEndpointFailure(profile, await ask(env.servers[profile], server, '/i', over), over, `${where}: 1 MiB + 1 byte`, 'misconfigured');
      }
    }
  });

  test('a hanging answer holds up no other token (fetch door, in-process)', T, async () => {
    const { is } = env;
    for (const profile of PROFILES) {
      const guard = fetchDoor.bearerAuth(env.auth[profile], 'introspection', { resource: R, introspection: { ...INTRO, timeoutDuration: 1500 } });
      const hanging = fresh('held');
      is.answer(hanging, activeAnswer(), { fault: 'hang' });
      const held = guard(new Request('http://127.0.0.1/mcp', { headers: { authorization: `Bearer ${hanging}` } }));
      await sleep(50);
      for (let i = 0; i < 10; i += 1) {
        const token = fresh('beside');
        is.answer(token, activeAnswer());
        const start = performance.now();
        const authInfo = await guard(new Request('http://127.0.0.1/mcp', { headers: { authorization: `Bearer ${token}` } }));
        const ms = performance.now() - start;
        assert.ok(!(authInfo instanceof Response), `${profile} #${i}: ${authInfo.status}`);
        assert.ok(ms < 500, `${profile} #${i}: answered in ${Math.round(ms)} ms beside a hanging introspection`);
      }
      const answer = await held;
      assert.ok(answer instanceof Response);
      assert.equal(answer.status, profile === 'compat' ? 500 : 503, profile);
    }
  });

  test('the process is alive and serves after every fault', T, async () => {
    const token = fresh('alive');
    env.is.answer(token, activeAnswer());
    for (const profile of PROFILES) expectPass(await ask(env.servers[profile], 'reference', '/i', token), profile);
  });
});

// ---------------------------------------------------------------------------------------------
// 4. The request sent

describe('the introspection request', () => {
  /** The introspection record of `token` (exactly one). */
  const recordOf = (token) => {
    const records = env.is.introspections.filter((r) => r.token === token);
    assert.equal(records.length, 1, `one introspection request for the token (${records.length})`);
    return records[0];
  };
  const commonChecks = (record, token, where) => {
    assert.equal(record.method, 'POST', where);
    assert.equal(record.path, '/introspect', where);
    assert.match(record.contentType ?? '', /^application\/x-www-form-urlencoded\s*(;|$)/i, `${where}: Content-Type ${record.contentType}`);
    assert.equal(record.accept, 'application/json', `${where}: Accept`);
    assert.equal(record.form.token, token, `${where}: the token, form-urlencoded (its + / = decoded back)`);
    assert.equal(record.form.token_type_hint, 'access_token', `${where}: token_type_hint`);
    assert.equal(record.client.error, undefined, `${where}: client authentication accepted`);
  };
  /** A token with the characters of RFC 6750 b64token that form-urlencoding must escape. */
  const b64token = (label) => `${fresh(label)}+/a~b.c-d_e==`;

  test('client_secret_basic (the default with a secret): Basic base64(urlencode(id):urlencode(secret))', T, async () => {
    for (const path of ['/i', '/i-basic-explicit']) {
      for (const server of FEW) {
        const where = `${path} ${server}`;
        const token = b64token('basic');
        env.is.answer(token, activeAnswer());
        expectPass(await ask(env.servers.compat, server, path, token), where);
        const record = recordOf(token);
        commonChecks(record, token, where);
        assert.deepEqual([...record.formKeys].sort(), ['token', 'token_type_hint'], `${where}: form members`);
        assert.equal(record.client.method, 'client_secret_basic', where);
        assert.equal(record.client.id, CLIENT_ID, where);
        assert.equal(record.client.secret, CLIENT_SECRET, where);
        assert.ok(!/[: ]/.test(record.client.rawId), `${where}: the id form-urlencoded before Base64 (${record.client.rawId})`);
        assert.match(record.authorization, /^Basic [A-Za-z0-9+/]+=*$/, `${where}: ${record.authorization}`);
      }
    }
  });

  test('client_secret_post: client_id and client_secret in the form, no Authorization header', T, async () => {
    for (const server of FEW) {
      const token = b64token('post');
      env.is.answer(token, activeAnswer());
      expectPass(await ask(env.servers.compat, server, '/i-post', token), server);
      const record = recordOf(token);
      commonChecks(record, token, server);
      assert.deepEqual([...record.formKeys].sort(), ['client_id', 'client_secret', 'token', 'token_type_hint'], server);
      assert.equal(record.authorization, undefined, server);
      assert.deepEqual([record.client.method, record.client.id, record.client.secret], ['client_secret_post', POST_ID, POST_SECRET], server);
    }
  });

  test('none (the default without a secret, or explicit): client_id in the form, no secret, no Authorization', T, async () => {
    for (const path of ['/i-none', '/i-none-explicit']) {
      for (const server of FEW) {
        const where = `${path} ${server}`;
        const token = b64token('none');
        env.is.answer(token, activeAnswer());
        expectPass(await ask(env.servers.compat, server, path, token), where);
        const record = recordOf(token);
        commonChecks(record, token, where);
        assert.deepEqual([...record.formKeys].sort(), ['client_id', 'token', 'token_type_hint'], where);
        assert.equal(record.authorization, undefined, where);
        assert.deepEqual([record.client.method, record.client.id], ['none', PUBLIC_ID], where);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------
// 5. The cache

describe('the cache', () => {
  test('an active answer is reused (one call for five requests)', T, async () => {
    for (const profile of PROFILES) {
      const token = fresh('reused');
      env.is.answer(token, activeAnswer());
      for (let i = 0; i < 5; i += 1) expectPass(await ask(env.servers[profile], 'reference', '/i', token), `${profile} #${i}`);
      assert.equal(env.is.calls(token), 1, profile);
    }
  });

  test('cacheMaxAge: 0 → every request asks', T, async () => {
    const token = fresh('nocache');
    env.is.answer(token, activeAnswer());
    for (let i = 0; i < 3; i += 1) expectPass(await ask(env.servers.compat, 'reference', '/i-nocache', token), `#${i}`);
    assert.equal(env.is.calls(token), 3);
  });

  test('never past `exp`: exp 2 s ahead, cacheMaxAge 60 s → after exp, 401', T, async () => {
    const token = fresh('exp-soon');
    const exp = nowSeconds() + 2;
    env.is.answer(token, activeAnswer({ exp }));
    expectPass(await ask(env.servers.compat, 'reference', '/i', token), 'before exp');
    expectPass(await ask(env.servers.compat, 'reference', '/i', token), 'before exp, again');
    assert.equal(env.is.calls(token), 1, 'reused before exp');
    // Past exp (seconds, with the default clock tolerance 0): Date.now() ≥ (exp + 1) s.
    await sleep(Math.max(0, (exp + 1) * 1000 - Date.now() + 50));
    expectInvalid('compat', await ask(env.servers.compat, 'reference', '/i', token), token, 'after exp');
    assert.ok(env.is.calls(token) <= 2, `at most one new call (${env.is.calls(token)})`);
  });

  test('without `exp`: reused at most cacheMaxAge (500 ms)', T, async () => {
    const token = fresh('no-exp');
    env.is.answer(token, activeAnswer({ exp: undefined }));
    expectPass(await ask(env.servers.compat, 'reference', '/i-short', token), 'first');
    expectPass(await ask(env.servers.compat, 'reference', '/i-short', token), 'second');
    assert.equal(env.is.calls(token), 1, 'reused within cacheMaxAge');
    await sleep(700);
    expectPass(await ask(env.servers.compat, 'reference', '/i-short', token), 'after cacheMaxAge');
    assert.equal(env.is.calls(token), 2, 'asked again after cacheMaxAge');
  });

  test('an inactive answer is not cached by default', T, async () => {
    for (const profile of PROFILES) {
      const token = fresh('inactive');
      env.is.answer(token, { active: false });
      for (let i = 0; i < 3; i += 1) expectInvalid(profile, await ask(env.servers[profile], 'reference', '/i', token), token, `${profile} #${i}`);
      assert.equal(env.is.calls(token), 3, profile);
    }
  });

  test('inactiveCacheMaxAge (400 ms): an inactive answer is reused, then asked again', T, async () => {
    const token = fresh('inactive-cached');
    env.is.answer(token, { active: false });
    for (let i = 0; i < 3; i += 1) expectInvalid('compat', await ask(env.servers.compat, 'reference', '/i-inactive-cache', token), token, `#${i}`);
    assert.equal(env.is.calls(token), 1, 'reused');
    await sleep(600);
    expectInvalid('compat', await ask(env.servers.compat, 'reference', '/i-inactive-cache', token), token, 'after inactiveCacheMaxAge');
    assert.equal(env.is.calls(token), 2, 'asked again');
  });
});

// ---------------------------------------------------------------------------------------------
// 6. Which endpoint

describe('which endpoint', () => {
  test('the `endpoint` option wins over the metadata\'s introspection_endpoint', T, async () => {
    const { is } = env;
    const token = fresh('alt');
    is.answer(token, activeAnswer());
    expectPass(await ask(env.servers.compat, 'reference', '/i-alt', token), 'alt');
    assert.deepEqual(is.introspections.filter((r) => r.token === token).map((r) => r.path), ['/introspect-alt']);
    const other = fresh('metadata-endpoint');
    is.answer(other, activeAnswer());
    expectPass(await ask(env.servers.compat, 'reference', '/i', other), 'metadata');
    assert.deepEqual(is.introspections.filter((r) => r.token === other).map((r) => r.path), ['/introspect']);
  });

  test('metadata without introspection_endpoint: the `endpoint` option; lazy discovery: the discovered endpoint, or 500 on first use', T, async () => {
    const bare = await startIntrospectionServer({ keys: env.keys, introspectionEndpoint: false });
    try {
      for (const profile of PROFILES) {
        // Resolved metadata without introspection_endpoint, with `endpoint`.
        const resolvedAuth = makeAuth(profile, [bare.resolved()]);
        const withEndpoint = fetchDoor.bearerAuth(resolvedAuth, 'introspection', { resource: R, introspection: { clientId: 'c', endpoint: bare.altEndpoint } });
        const token = fresh('bare-endpoint');
        bare.answer(token, activeAnswer({ iss: bare.issuer }));
        const authInfo = await withEndpoint(new Request('http://127.0.0.1/mcp', { headers: { authorization: `Bearer ${token}` } }));
        assert.ok(!(authInfo instanceof Response), `${profile}: ${authInfo.status}`);
        assert.equal(authInfo.issuer, bare.issuer);
        assert.deepEqual(bare.introspections.filter((r) => r.token === token).map((r) => r.path), ['/introspect-alt'], profile);

        // Lazy discovery without introspection_endpoint: created fine, 500 server_error on first use.
        const lazyAuth = makeAuth(profile, [bare.discovery()]);
        const lazy = lazyAuth.bearerAuth('introspection', { resource: R, introspection: { clientId: 'c', timeoutDuration: TIMEOUT } });
        assert.equal(typeof lazy, 'function');
        const servers = await startDoorServers({ bearer: [{ path: '/lazy', mcpAuth: lazyAuth, verify: 'introspection', config: { resource: R, introspection: { clientId: 'c' } } }] });
        try {
          for (const server of FEW) {
            const lazyToken = fresh('lazy-bare');
            const response = await ask(servers, server, '/lazy', lazyToken);
            expectEndpointFailure(profile, response, lazyToken, `${profile} ${server}: lazy, no introspection_endpoint`, 'misconfigured');
            assert.equal(bare.calls(lazyToken), 0);
          }
        } finally {
          await closeDoorServers(servers);
        }
      }
      // Lazy discovery of a server that has one.
      const discovered = makeAuth('compat', [env.is.discovery()]);
      const guard = fetchDoor.bearerAuth(discovered, 'introspection', { resource: R, introspection: INTRO });
      const token = fresh('discovered');
      env.is.answer(token, activeAnswer());
      const authInfo = await guard(new Request('http://127.0.0.1/mcp', { headers: { authorization: `Bearer ${token}` } }));
      assert.ok(!(authInfo instanceof Response), `discovered: ${authInfo.status}`);
      assert.deepEqual(env.is.introspections.filter((r) => r.token === token).map((r) => r.path), ['/introspect']);
    } finally {
      await bare.close();
    }
  });

  test('several authorization servers: `introspection.issuer` picks one; the answer\'s iss is compared with it', T, async () => {
    const second = await startIntrospectionServer({ keys: env.keys });
    try {
      const auth = makeAuth('compat', [second.resolved(), env.is.resolved()]);
      const guardFirst = fetchDoor.bearerAuth(auth, 'introspection', { resource: R, introspection: { ...INTRO, issuer: env.is.issuer } });
      const guardSecond = fetchDoor.bearerAuth(auth, 'introspection', { resource: R, introspection: { clientId: 'c', issuer: second.issuer } });
      const request = (token) => new Request('http://127.0.0.1/mcp', { headers: { authorization: `Bearer ${token}` } });

      const token = fresh('picked');
      env.is.answer(token, activeAnswer({ iss: undefined }));
      second.answer(token, activeAnswer({ iss: second.issuer }));
      const authInfo = await guardFirst(request(token));
      assert.ok(!(authInfo instanceof Response), `first: ${authInfo.status}`);
      assert.equal(authInfo.issuer, env.is.issuer, 'the picked server\'s issuer');
      assert.equal(second.calls(token), 0, 'the other server is never asked');

      const crossed = fresh('crossed');
      env.is.answer(crossed, activeAnswer({ iss: second.issuer }));
      const refused = await guardFirst(request(crossed));
      assert.ok(refused instanceof Response);
      assert.equal(refused.status, 401);
      assert.equal((await refused.json()).error, 'invalid_issuer', 'another configured server\'s issuer is not the picked one');

      const viaSecond = fresh('via-second');
      second.answer(viaSecond, activeAnswer({ iss: undefined }));
      const secondInfo = await guardSecond(request(viaSecond));
      assert.ok(!(secondInfo instanceof Response), `second: ${secondInfo.status}`);
      assert.equal(secondInfo.issuer, second.issuer);
      assert.equal(env.is.calls(viaSecond), 0);
    } finally {
      await second.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// 7. Setup errors

describe('setup errors: thrown synchronously by bearerAuth, MCPAuthAuthServerError invalid_server_config', () => {
  /** `make(mcpAuth, verify, config)` for the main entry and every door. */
  const MAKERS = {
    main: (auth, verify, config) => auth.bearerAuth(verify, config),
    ...Object.fromEntries(Object.entries(DOOR_MODULES).map(([name, door]) => [name, (auth, verify, config) => door.bearerAuth(auth, verify, config)])),
  };

  test('no `introspection` option at all: no clientId either (the contract: MCPAuthAuthServerError invalid_server_config)', T, () => {
    for (const profile of PROFILES) {
      const one = makeAuth(profile);
      for (const [name, make] of Object.entries(MAKERS)) {
        const what = `${profile} ${name}: no introspection option`;
        assert.throws(() => make(one, 'introspection', { resource: R }), isConfigError(what), what);
      }
    }
  });

  test('no clientId; several servers and no (or an unknown) issuer; resolved metadata without introspection_endpoint', T, async () => {
    const second = await startIntrospectionServer({ keys: env.keys });
    const bare = await startIntrospectionServer({ keys: env.keys, introspectionEndpoint: false });
    try {
      for (const profile of PROFILES) {
        const one = makeAuth(profile);
        const several = makeAuth(profile, [env.is.resolved(), second.resolved()]);
        const noEndpoint = makeAuth(profile, [bare.resolved()]);
        const cases = [
          ['no clientId', one, { introspection: {} }],
          ['no clientId (a secret only)', one, { introspection: { clientSecret: 'x' } }],
          ['several servers, no issuer', several, { introspection: { clientId: 'c' } }],
          ['several servers, no issuer, an endpoint', several, { introspection: { clientId: 'c', endpoint: env.is.introspectionEndpoint } }],
          ['several servers, an issuer that is not one of them', several, { introspection: { clientId: 'c', issuer: 'https://evil.example.com' } }],
          ['one server, an issuer that is not it', one, { introspection: { clientId: 'c', issuer: second.issuer } }],
          ['resolved metadata without introspection_endpoint', noEndpoint, { introspection: { clientId: 'c' } }],
        ];
        for (const [label, auth, config] of cases) {
          for (const [name, make] of Object.entries(MAKERS)) {
            const what = `${profile} ${name}: ${label}`;
            assert.throws(() => make(auth, 'introspection', { resource: R, ...config }), isConfigError(what), what);
          }
        }
        // The JWT-first fallback validates its introspection options the same way.
        assert.throws(() => one.bearerAuth('jwt', { resource: R, introspection: {} }), isConfigError(`${profile} jwt fallback, no clientId`));
        assert.throws(() => several.bearerAuth('jwt', { resource: R, introspection: { clientId: 'c' } }), isConfigError(`${profile} jwt fallback, several servers`));
        // And what is fine.
        for (const [name, make] of Object.entries(MAKERS)) {
          assert.equal(typeof make(several, 'introspection', { resource: R, introspection: { clientId: 'c', issuer: second.issuer } }), 'function', `${profile} ${name}: several servers with an issuer`);
          assert.equal(typeof make(noEndpoint, 'introspection', { resource: R, introspection: { clientId: 'c', endpoint: bare.altEndpoint } }), 'function', `${profile} ${name}: an endpoint`);
          assert.equal(typeof make(one, 'introspection', { resource: R, introspection: { clientId: 'c', issuer: env.is.issuer } }), 'function', `${profile} ${name}: its own issuer`);
        }
      }
    } finally {
      await second.close();
      await bare.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// 8. JWT first, introspection as the fallback

describe("bearerAuth('jwt', { introspection }): JWTs locally, the rest introspected", () => {
  const jwt = (claims = {}, options) => {
    const now = nowSeconds();
    return env.is.token(dropUndefined({ iss: env.is.issuer, sub: 'jwt-user', client_id: 'jwt-client', aud: R, scope: 'read', iat: now, exp: now + 600, ...claims }), options);
  };

  test('a valid JWT: verified locally, no introspection call', T, async () => {
    for (const profile of PROFILES) {
      for (const server of FEW) {
        const token = jwt({ jti: fresh('jwt') });
        const authInfo = expectPass(await ask(env.servers[profile], server, '/jwt-i', token), `${profile} ${server}`);
        assert.equal(authInfo.subject, 'jwt-user');
        assert.equal(authInfo.claims.jti.startsWith('opq-jwt'), true, 'claims are the JWT payload');
        assert.equal(env.is.calls(token), 0, `${profile} ${server}: never introspected`);
      }
    }
  });

  test('a JWT that fails (bad signature, unknown key, expired, another issuer): a JWT failure, never introspected', T, async () => {
    const now = nowSeconds();
    for (const profile of PROFILES) {
      for (const [label, token, error] of [
        ['bad signature', jwt({ jti: fresh('sig') }, { signer: 'stranger' })],
        ['unknown key', jwt({ jti: fresh('kid') }, { key: 'stranger' })],
        ['expired', jwt({ jti: fresh('exp'), exp: now - 600, iat: now - 1200 })],
        ['another issuer', jwt({ jti: fresh('iss'), iss: 'https://evil.example.com' }), 'invalid_issuer'],
        ['alg none', `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ iss: env.is.issuer, sub: 'x', aud: R, exp: now + 600, jti: fresh('none') })}.c2ln`],
      ]) {
        for (const server of FEW) {
          env.is.answer(token, activeAnswer());
          expectInvalid(profile, await ask(env.servers[profile], server, '/jwt-i', token), token, `${profile} ${server} ${label}`, { error });
          assert.equal(env.is.calls(token), 0, `${profile} ${server} ${label}: never introspected`);
        }
      }
    }
  });

  test('not a JWS compact serialization: introspected (opaque, five-part JWE, three parts without a JSON header with a string alg)', T, async () => {
    const parts = (header) => `${b64url(header)}.${randomBytes(12).toString('base64url')}.${randomBytes(12).toString('base64url')}`;
    for (const profile of PROFILES) {
      for (const [label, make] of [
        ['opaque ya29.…', () => `ya29.${fresh('google')}`],
        ['a five-part JWE', () => `${b64url({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: 'rsa-1' })}.${randomBytes(16).toString('base64url')}.${randomBytes(12).toString('base64url')}.${randomBytes(24).toString('base64url')}.${randomBytes(16).toString('base64url')}`],
        ['three parts, the first not JSON', () => `${b64url('not json')}.${fresh('x')}.sig`],
        ['three parts, a header without alg', () => parts({ typ: 'JWT', n: fresh('noalg') })],
        ['three parts, alg not a string', () => parts({ alg: 256, n: fresh('numalg') })],
        ['three parts, a header that is a JSON array', () => parts(['RS256', fresh('arr')])],
      ]) {
        for (const server of FEW) {
          const token = make();
          env.is.answer(token, activeAnswer({ scope: 'read write' }));
          const where = `${profile} ${server} ${label}`;
          const authInfo = expectPass(await ask(env.servers[profile], server, '/jwt-i', token), where);
          assert.deepEqual(authInfo.scopes, ['read', 'write'], where);
          assert.equal(authInfo.claims.active, true, `${where}: the introspection answer`);
          assert.equal(env.is.calls(token), 1, `${where}: introspected once`);
          const inactive = make();
          env.is.answer(inactive, { active: false });
          expectInvalid(profile, await ask(env.servers[profile], server, '/jwt-i', inactive), inactive, `${where}, inactive`);
        }
      }
    }
  });

  test("bearerAuth('jwt') without introspection: an opaque token is still a 401 and nothing is introspected", T, async () => {
    for (const profile of PROFILES) {
      const token = fresh('plain-jwt');
      env.is.answer(token, activeAnswer());
      expectInvalid(profile, await ask(env.servers[profile], 'reference', '/jwt', token), token, profile);
      assert.equal(env.is.calls(token), 0);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// 9. Single flight
//
// Driven in-process through the fetch door (`bearerAuth` of 'mcp-auth-rs/fetch' with `new Request(...)`):
// all N requests are in the door at once while the endpoint holds its answer for 200 ms. Over HTTP, a client
// with N sockets would need N ephemeral ports and N server sockets, and one with an Agent bounding sockets
// would queue the requests (they would then not be concurrent in the middleware). The door is the same
// decision core as every other door, so the single-flight property is the core's.

describe('single flight: one introspection call per distinct token at a time', () => {
  const request = (token) => new Request('http://127.0.0.1/mcp', { headers: { authorization: `Bearer ${token}` } });

  test('1,000 concurrent requests with one new token (the endpoint answers after 200 ms): 1 call, 1,000 successes', T, async (t) => {
    const guard = fetchDoor.bearerAuth(env.auth.compat, 'introspection', { resource: R, introspection: INTRO });
    const token = fresh('flight');
    env.is.answer(token, activeAnswer(), { delayMs: 200 });
    const start = performance.now();
    const results = await Promise.all(Array.from({ length: 1000 }, () => guard(request(token))));
    const ms = performance.now() - start;
    const failures = results.filter((r) => r instanceof Response);
    assert.equal(failures.length, 0, `failures: ${failures.slice(0, 3).map((r) => r.status)}`);
    assert.ok(results.every((r) => r.token === token && r.subject === 'user-1'));
    assert.equal(env.is.calls(token), 1, 'exactly one introspection call');
    t.diagnostic(`1,000 concurrent requests answered in ${Math.round(ms)} ms with ${env.is.calls(token)} introspection call`);
  });

  test('whatever the cache settings: cacheMaxAge 0, an inactive answer, a failure (then served once recovered)', T, async () => {
    const { is } = env;
    const noCache = fetchDoor.bearerAuth(env.auth.compat, 'introspection', { resource: R, introspection: { ...INTRO, cacheMaxAge: 0 } });
    const token = fresh('flight-nocache');
    is.answer(token, activeAnswer(), { delayMs: 200 });
    const results = await Promise.all(Array.from({ length: 200 }, () => noCache(request(token))));
    assert.equal(results.filter((r) => r instanceof Response).length, 0);
    assert.equal(is.calls(token), 1, 'cacheMaxAge 0: one call for concurrent requests');
    assert.ok(!((await noCache(request(token))) instanceof Response));
    assert.equal(is.calls(token), 2, 'cacheMaxAge 0: the next request asks again');

    const guard = fetchDoor.bearerAuth(env.auth.compat, 'introspection', { resource: R, introspection: { ...INTRO, timeoutDuration: 2000 } });
    const inactive = fresh('flight-inactive');
    is.answer(inactive, { active: false }, { delayMs: 200 });
    const refused = await Promise.all(Array.from({ length: 200 }, () => guard(request(inactive))));
    assert.ok(refused.every((r) => r instanceof Response && r.status === 401));
    assert.equal(is.calls(inactive), 1, 'an inactive answer (not cached): one call for concurrent requests');

    const failing = fresh('flight-500');
    is.answer(failing, activeAnswer(), { fault: 500, delayMs: 200 });
    const failed = await Promise.all(Array.from({ length: 200 }, () => guard(request(failing))));
    assert.ok(failed.every((r) => r instanceof Response && r.status === 500));
    assert.equal(is.calls(failing), 1, 'a failure: one call for concurrent requests');
    const body = await failed[0].text();
    assert.deepEqual(JSON.parse(body), SERVER_ERROR_BODY);
    assert.ok(!body.includes(failing));
    is.answer(failing, activeAnswer());
    assert.ok(!((await guard(request(failing))) instanceof Response), 'recovered');
    assert.equal(is.calls(failing), 2, 'the failure was not cached');
  });
});

// ---------------------------------------------------------------------------------------------
// 10. Flood

describe('flood: 100,000 distinct invalid tokens', () => {
  test('the cache stays bounded (maxEntries 1,000: the oldest evicted, the newest kept), memory stays flat', { timeout: 180_000 }, async (t) => {
    const { is } = env;
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc');
    const settle = async () => {
      for (let i = 0; i < 3; i += 1) {
        gc();
        await sleep(20);
      }
      return process.memoryUsage();
    };
    const guard = fetchDoor.bearerAuth(env.auth.compat, 'introspection', {
      resource: R,
      introspection: { ...INTRO, inactiveCacheMaxAge: 60_000, maxEntries: 1000 },
    });
    // Opaque tokens of 64 characters (a typical size); unscripted tokens get the default `{"active":false}`.
    const tokenAt = (i) => `flood-${String(i).padStart(6, '0')}-${'k'.repeat(51)}`;
    const CONCURRENCY = 64;
    let statuses = {};
    const run = async (from, to) => {
      let next = from;
      const worker = async () => {
        while (next < to) {
          const i = next;
          next += 1;
          const answer = await guard(new Request('http://127.0.0.1/mcp', { headers: { authorization: `Bearer ${tokenAt(i)}` } }));
          const status = answer instanceof Response ? answer.status : 200;
          statuses[status] = (statuses[status] ?? 0) + 1;
          if (answer instanceof Response) await answer.arrayBuffer();
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    };
    const TOTAL = 100_000;
    const WARM = 5_000;
    const HALF = 50_000;
    // Warm-up (the addon's HTTP client, connection pool, JIT), not measured.
    const warmTokens = (i) => `flood-warm-${i}-${'w'.repeat(48)}`;
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < WARM) {
          const i = next;
          next += 1;
          const answer = await guard(new Request('http://127.0.0.1/mcp', { headers: { authorization: `Bearer ${warmTokens(i)}` } }));
          if (answer instanceof Response) await answer.arrayBuffer();
        }
      }),
    );
    // No request records during the flood (only the count), so the test's own memory stays flat.
    is.reset();
    is.set({ record: false });
    const m0 = await settle();
    const start = performance.now();
    await run(0, HALF);
    const m1 = await settle();
    await run(HALF, TOTAL);
    const ms = performance.now() - start;
    const m2 = await settle();
    const mb = (bytes) => Math.round((bytes / 1024 / 1024) * 10) / 10;
    t.diagnostic(`flood: ${TOTAL} requests (${CONCURRENCY} at a time) in ${Math.round(ms)} ms (${Math.round(TOTAL / (ms / 1000))}/s); statuses ${JSON.stringify(statuses)}; introspection calls ${is.calls()}`);
    t.diagnostic(`rss MB: start ${mb(m0.rss)}, after 50k ${mb(m1.rss)}, after 100k ${mb(m2.rss)} (growth ${mb(m2.rss - m0.rss)}, second half ${mb(m2.rss - m1.rss)}); heapUsed MB ${mb(m0.heapUsed)} → ${mb(m2.heapUsed)}; external MB ${mb(m0.external)} → ${mb(m2.external)}`);
    assert.deepEqual(statuses, { 401: TOTAL }, 'every token refused');
    assert.equal(is.calls(), TOTAL, 'each distinct token introspected once');

    // The newest tokens come from the cache; the oldest cost a new call (evicted); a spread sample of the
    // middle too: the cache holds at most about maxEntries answers, not 100,000.
    const ask1 = async (i) => {
      const before = is.calls();
      const answer = await guard(new Request('http://127.0.0.1/mcp', { headers: { authorization: `Bearer ${tokenAt(i)}` } }));
      assert.equal(answer.status, 401);
      return is.calls() - before;
    };
    let newestCalls = 0;
    for (let i = TOTAL - 200; i < TOTAL; i += 1) newestCalls += await ask1(i);
    let oldestCalls = 0;
    for (let i = 0; i < 200; i += 1) oldestCalls += await ask1(i);
    let middleCalls = 0;
    for (let i = 1000; i < TOTAL - 2000; i += 325) middleCalls += await ask1(i);
    const middleAsked = Math.ceil((TOTAL - 3000) / 325);
    t.diagnostic(`after the flood: newest 200 → ${newestCalls} calls, oldest 200 → ${oldestCalls} calls, middle ${middleAsked} → ${middleCalls} calls`);
    assert.equal(newestCalls, 0, 'the newest 200 tokens are served from the cache');
    assert.equal(oldestCalls, 200, 'the oldest 200 tokens were evicted');
    assert.equal(middleCalls, middleAsked, 'no token of the middle is still cached');

    // Memory, measured on 2 cores (rss after forced GCs; the helper keeps no request records meanwhile):
    //   - this bounded cache (maxEntries 1,000): +1.1 to +5.1 MB over the 100,000 requests, -0.2 to +1.9 MB
    //     over the second 50,000 (six runs);
    //   - the same flood with maxEntries 1,000,000 (an effectively unbounded cache of 100,000 inactive
    //     answers): +18.7 MB in all, +8.2 MB over the second 50,000.
    // The limits sit between the two: a cache that does not evict, or a leak of ≥ ~100 bytes per request
    // (a kept token, a per-request slot, a Request or socket buffer), goes over them.
    const SECOND_HALF_LIMIT_MB = 6;
    const TOTAL_LIMIT_MB = 14;
    assert.ok(mb(m2.rss - m1.rss) < SECOND_HALF_LIMIT_MB, `rss grew ${mb(m2.rss - m1.rss)} MB over the second 50,000 requests (limit ${SECOND_HALF_LIMIT_MB} MB)`);
    assert.ok(mb(m2.rss - m0.rss) < TOTAL_LIMIT_MB, `rss grew ${mb(m2.rss - m0.rss)} MB over 100,000 requests (limit ${TOTAL_LIMIT_MB} MB)`);
    is.reset();
  });
});

// ---------------------------------------------------------------------------------------------
// 11. Every door

describe('every door: an active and an inactive token, the answers of the reference', () => {
  for (const profile of PROFILES) {
    test(`${profile}: reference, express, node, fetch, hono, fastify`, T, async () => {
      const { is } = env;
      const observed = {};
      for (const server of SERVERS) {
        const token = fresh(`door-${server}`);
        const answer = activeAnswer({ scope: 'read write', username: 'alice' });
        is.answer(token, answer);
        const response = await ask(env.servers[profile], server, '/i', token);
        const authInfo = expectPass(response, `${profile} ${server} active`);
        assert.deepEqual(
          authInfo,
          { token, issuer: is.issuer, clientId: 'app-1', scopes: ['read', 'write'], audience: R, expiresAt: answer.exp, subject: 'user-1', claims: answer },
          `${profile} ${server}: AuthInfo`,
        );
        // helpers/doors.mjs: node (`req.auth` is the resolved value) and fastify (`request.raw.auth`) check their copies.
        if (server === 'node' || server === 'fastify') assert.equal(response.headers['x-door-check'], 'same', `${server}: the door's copies agree`);
        const inactive = fresh(`door-${server}-inactive`);
        is.answer(inactive, { active: false });
        const refused = await ask(env.servers[profile], server, '/i', inactive);
        expectInvalid(profile, refused, inactive, `${profile} ${server} inactive`);
        observed[server] = { status: refused.status, challenge: refused.headers['www-authenticate'], body: refused.body, contentType: refused.headers['content-type'] };
      }
      for (const server of DOORS) assert.deepEqual(observed[server], observed.reference, `${profile} ${server}: the same 401 as the reference`);
    });
  }
});
