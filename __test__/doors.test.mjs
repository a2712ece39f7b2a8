// Door parity: the same requests through every front door (`mcp-auth-rs/express`, `/node`,
// `/fetch`, `/hono`, `/fastify`), each on a real server, compared with the main entry's Express
// middleware and routers (the reference observation, itself checked against the "Bearer answers"
// table of docs/behavior.md). See helpers/doors.mjs for the servers and what each answers around
// the door.
//
//   1. bearer parity: every row of the bearer table × 5 doors (status, WWW-Authenticate parsed and
//      raw, JSON body, content type of the door's answer, AuthInfo the route got, rethrown errors);
//   2. bad input per door: no header at all, duplicated `Authorization` lines, non-ASCII bytes,
//      8 KB headers, methods other than GET/POST (HEAD included);
//   3. metadata per door: RFC 9728 and the delegated (legacy) document, GET / HEAD / preflight,
//      fall-through, path variants, resources sharing a path, a Fastify prefix;
//   4. loading: which entries load express, hono, fastify (child processes).
//
// Differences between doors that are inherent to a framework are asserted explicitly where they
// show (search for "Inherent"):
//   - duplicated `Authorization` lines: Node's parser keeps the first (Express, node, Fastify); a
//     web `Headers` joins them with ", " (fetch and Hono, via @hono/node-server);
//   - Fastify's router matches metadata paths case-sensitively and without a trailing slash unless
//     the app sets `routerOptions: { caseSensitive: false, ignoreTrailingSlash: true }`;
//   - Express's `router.use(path, cors())` also decorates other methods and sub-paths of a metadata
//     path; the other doors answer exactly GET/HEAD/OPTIONS of the metadata paths and leave every
//     other request to the app untouched;
//   - Fastify removes `Content-Length` from a 204 (the preflight); the others send `0`.
// Not compared: headers only Express adds (`X-Powered-By`, `ETag`), and the content type of the
// test apps' own JSON (success and rethrow answers).
//
// Run: node --test --test-concurrency=1 __test__/doors.test.mjs

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  MCPAuth,
  MCPAuthError,
  MCPAuthAuthServerError,
  MCPAuthBearerAuthError,
  MCPAuthConfigError,
  MCPAuthTokenVerificationError,
} from 'mcp-auth-rs';
import { startAuthServer } from './helpers/auth-server.mjs';
import { closedPort, startHttpServer } from './helpers/http-server.mjs';
import { createKeys, nowSeconds, rawToken } from './helpers/tokens.mjs';
import { within } from './helpers/util.mjs';
import { DOORS, closeDoorServers, observeBearer, observeMetadata, send, sendRaw, startDoorServers } from './helpers/doors.mjs';
import { BEARER_AUTH_ERROR_DESCRIPTION as BEARER } from './helpers/fixtures.mjs';

const T = { timeout: 20_000 };

const R = 'https://mcp.example.com/mcp';
const RM = 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp';
const R_ROOT = 'https://mcp.example.com/';
const R_NO_JWKS = 'https://no-jwks.example.com/api';
const R_DOWN = 'https://down.example.com/api';
const R_GONE = 'https://gone.example.com/api';
const R_NOT_A_URL = 'not a resource url';
const PRM_PATH = '/.well-known/oauth-protected-resource/mcp';
const PRM_ROOT_PATH = '/.well-known/oauth-protected-resource';
const AS_PATH = '/.well-known/oauth-authorization-server';

const env = {};

/** Runs `fn` with console.warn captured (the deprecation warning of the legacy configs). */
const quietly = (fn) => {
  const original = console.warn;
  console.warn = () => {};
  try {
    return fn();
  } finally {
    console.warn = original;
  }
};

// The custom verify function: what it does is named by the token.
const customVerify = async (token) => {
  const authInfo = (overrides = {}) => ({
    token,
    issuer: env.as.issuer,
    clientId: 'custom-client',
    scopes: ['read', 'write'],
    audience: R,
    subject: 'custom-user',
    expiresAt: env.now + 600,
    extra: { from: 'customVerify' },
    ...overrides,
  });
  switch (token) {
    case 'good':
      return authInfo();
    case 'untrusted':
      return authInfo({ issuer: 'https://evil.example.com' });
    case 'few-scopes':
      return authInfo({ scopes: ['write'] });
    case 'throw-token-verification':
      throw new MCPAuthTokenVerificationError('invalid_token', { cause: 'custom says no' });
    case 'throw-bearer-scopes':
      throw new MCPAuthBearerAuthError('missing_required_scopes', { missingScopes: ['admin'] });
    case 'throw-auth-server':
      throw new MCPAuthAuthServerError('invalid_server_metadata', { cause: 'custom server trouble' });
    case 'throw-config':
      throw new MCPAuthConfigError('custom_config_error', 'custom config trouble');
    case 'throw-bare-mcp-auth-error':
      env.lastThrown = new MCPAuthError('custom_code', 'a bare MCPAuthError');
      throw env.lastThrown;
    case 'throw-plain':
      env.lastThrown = new Error('custom verify exploded');
      throw env.lastThrown;
    case 'return-null':
      return null;
    default:
      throw new Error(`customVerify: unexpected token ${token}`);
  }
};

before(async () => {
  env.now = nowSeconds();
  env.keys = await createKeys();
  env.as = await startAuthServer({ keys: env.keys });
  env.down = await startHttpServer({ [AS_PATH]: { status: 503, body: { error: 'down' } } });
  env.gonePort = await closedPort();
  const { as } = env;

  const claims = (overrides = {}) => ({
    iss: as.issuer,
    sub: 'user-1',
    client_id: 'client-1',
    aud: R,
    scope: 'read write',
    iat: env.now,
    exp: env.now + 600,
    ...overrides,
  });
  env.tokens = {
    valid: as.token(claims()),
    validEc: as.token(claims({ sub: 'user-ec' }), { key: 'ec' }),
    noIss: as.token(claims({ iss: undefined })),
    untrusted: as.token(claims({ iss: 'https://evil.example.com' })),
    badSignature: as.token(claims(), { signer: 'stranger' }),
    unknownKid: as.token(claims(), { key: 'stranger' }),
    expired: as.token(claims({ iat: env.now - 1200, exp: env.now - 600 })),
    notYet: as.token(claims({ nbf: env.now + 600 })),
    wrongAudience: as.token(claims({ aud: 'https://other.example.com' })),
    noReadScope: as.token(claims({ scope: 'write' })),
    notAnObject: rawToken({ alg: 'RS256', kid: 'rsa-1' }, [1, 2, 3]),
    // 8 KB of claims: the header is `Bearer ` + a token of about 11 KB (under Node's 16 KB limit).
    large: as.token(claims({ padding: 'p'.repeat(8 * 1024) })),
    downIssuer: as.token(claims({ iss: env.down.origin, aud: R_DOWN })),
    goneIssuer: as.token(claims({ iss: `http://127.0.0.1:${env.gonePort}`, aud: R_GONE })),
  };

  const { jwksUri: _omitted, ...noJwksMetadata } = as.resolved().metadata;
  env.auth = {
    main: new MCPAuth({
      protectedResources: [
        { metadata: { resource: R, authorizationServers: [as.resolved()], scopesSupported: ['read', 'write'], resourceName: 'Notes' } },
        { metadata: { resource: R_ROOT, resourceDocumentation: 'https://mcp.example.com/docs' } },
      ],
    }),
    noJwks: new MCPAuth({ protectedResources: { metadata: { resource: R_NO_JWKS, authorizationServers: [{ metadata: noJwksMetadata, type: 'oauth' }] } } }),
    down: new MCPAuth({ protectedResources: { metadata: { resource: R_DOWN, authorizationServers: [{ issuer: env.down.origin, type: 'oauth' }] } } }),
    gone: new MCPAuth({
      protectedResources: { metadata: { resource: R_GONE, authorizationServers: [{ issuer: `http://127.0.0.1:${env.gonePort}`, type: 'oauth' }] } },
    }),
    notAUrl: new MCPAuth({ protectedResources: { metadata: { resource: R_NOT_A_URL, authorizationServers: [as.resolved()] } } }),
    legacy: quietly(() => new MCPAuth({ server: as.resolved() })),
    legacyDiscovery: quietly(() => new MCPAuth({ server: as.discovery() })),
  };
  const main = env.auth.main;
  const jwtConfig = { resource: R, audience: R, requiredScopes: ['read'] };
  const customConfig = { resource: R, requiredScopes: ['read'] };
  // The apps' error handling tells whether the error it got is the one customVerify threw.
  const describeRethrown = (error) => ({ identical: error === env.lastThrown });
  env.servers = {
    main: await startDoorServers({
      describeRethrown,
      bearer: [
        { path: '/jwt', mcpAuth: main, verify: 'jwt', config: jwtConfig },
        { path: '/jwt-details', mcpAuth: main, verify: 'jwt', config: { ...jwtConfig, showErrorDetails: true } },
        { path: '/custom', mcpAuth: main, verify: customVerify, config: customConfig },
        { path: '/custom-details', mcpAuth: main, verify: customVerify, config: { ...customConfig, showErrorDetails: true } },
        { path: '/no-jwks', mcpAuth: env.auth.noJwks, verify: 'jwt', config: { resource: R_NO_JWKS } },
        { path: '/no-jwks-details', mcpAuth: env.auth.noJwks, verify: 'jwt', config: { resource: R_NO_JWKS, showErrorDetails: true } },
        { path: '/down-details', mcpAuth: env.auth.down, verify: 'jwt', config: { resource: R_DOWN, showErrorDetails: true } },
        { path: '/gone', mcpAuth: env.auth.gone, verify: 'jwt', config: { resource: R_GONE } },
        { path: '/not-a-url', mcpAuth: env.auth.notAUrl, verify: 'jwt', config: { resource: R_NOT_A_URL } },
      ],
      metadata: [{ kind: 'resource', mcpAuth: main }],
    }),
    legacy: await startDoorServers({
      bearer: [{ path: '/legacy', mcpAuth: env.auth.legacy, verify: 'jwt' }],
      metadata: [{ kind: 'delegated', mcpAuth: env.auth.legacy }],
    }),
    legacyDiscovery: await startDoorServers({ metadata: [{ kind: 'delegated', mcpAuth: env.auth.legacyDiscovery }] }),
  };
});

after(async () => {
  for (const servers of Object.values(env.servers ?? {})) await closeDoorServers(servers);
  await env.down?.close();
  await env.as?.close();
});

// ---------------------------------------------------------------------------------------------
// 1. Bearer parity table

const bearer = (token) => ({ authorization: `Bearer ${token}` });
const TOKEN_TEXT = 'The provided token is invalid or malformed.';

/**
 * The bearer rows. `path`: the route (its middleware: /jwt `bearerAuth('jwt', { resource: R,
 * audience: R, requiredScopes: ['read'] })`, /custom `bearerAuth(customVerify, { resource: R,
 * requiredScopes: ['read'] })`; `-details` adds `showErrorDetails: true`). `headers(tokens)`: the
 * request headers. `expect`: what the reference must answer (docs/behavior.md, Bearer answers):
 * `status`, the `error` of WWW-Authenticate and body (`'-'`: no WWW-Authenticate), `cause` (the
 * body's cause, checked when given), `rethrown` (the error's name and message reaching the app's
 * error handling). Rows of the `jwt` and `custom` families run with details off and on.
 */
const JWT_ROWS = [
  { name: 'no Authorization header', headers: () => ({}), expect: { status: 401, error: 'missing_auth_header' } },
  { name: 'empty Authorization header', headers: () => ({ authorization: '' }), expect: { status: 401, error: 'missing_auth_header' } },
  { name: 'Basic scheme', headers: () => ({ authorization: 'Basic dXNlcjpwYXNz' }), expect: { status: 401, error: 'invalid_auth_header_format' } },
  { name: 'DPoP scheme with a valid token', headers: (t) => ({ authorization: `DPoP ${t.valid}` }), expect: { status: 401, error: 'invalid_auth_header_format' } },
  { name: 'lowercase "bearer" scheme (accepted)', headers: (t) => ({ authorization: `bearer ${t.valid}` }), expect: { status: 200 } },
  { name: 'uppercase "BEARER" scheme (accepted)', headers: (t) => ({ authorization: `BEARER ${t.validEc}` }), expect: { status: 200 } },
  { name: '"Bearer" alone', headers: () => ({ authorization: 'Bearer' }), expect: { status: 401, error: 'missing_bearer_token' } },
  { name: 'two spaces after Bearer', headers: (t) => ({ authorization: `Bearer  ${t.valid}` }), expect: { status: 401, error: 'invalid_auth_header_format' } },
  { name: 'three parts', headers: (t) => ({ authorization: `Bearer ${t.valid} extra` }), expect: { status: 401, error: 'invalid_auth_header_format' } },
  { name: 'tab instead of space', headers: (t) => ({ authorization: `Bearer\t${t.valid}` }), expect: { status: 401, error: 'invalid_auth_header_format' } },
  { name: 'malformed JWT (opaque)', headers: () => bearer('not-a-jwt'), expect: { status: 401, error: 'invalid_token', cause: { cause: 'The JWT is malformed or invalid.' } } },
  { name: 'malformed JWT (payload not an object)', headers: (t) => bearer(t.notAnObject), expect: { status: 401, error: 'invalid_token', cause: { cause: 'The JWT is malformed or invalid.' } } },
  { name: 'JWT without iss', headers: (t) => bearer(t.noIss), expect: { status: 401, error: 'invalid_token', cause: { cause: 'The JWT payload does not contain the `iss` field.' } } },
  { name: 'untrusted issuer', headers: (t) => bearer(t.untrusted), expect: { status: 401, error: 'invalid_issuer' } },
  { name: 'bad signature', headers: (t) => bearer(t.badSignature), expect: { status: 401, error: 'invalid_token', code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' } },
  { name: 'unknown key (kid not in the JWKS)', headers: (t) => bearer(t.unknownKid), expect: { status: 401, error: 'invalid_token', code: 'ERR_JWKS_NO_MATCHING_KEY' } },
  { name: 'expired', headers: (t) => bearer(t.expired), expect: { status: 401, error: 'invalid_token', code: 'ERR_JWT_EXPIRED' } },
  { name: 'nbf in the future', headers: (t) => bearer(t.notYet), expect: { status: 401, error: 'invalid_token', code: 'ERR_JWT_CLAIM_VALIDATION_FAILED' } },
  { name: 'audience mismatch', headers: (t) => bearer(t.wrongAudience), expect: { status: 401, error: 'invalid_audience' } },
  { name: 'missing scope', headers: (t) => bearer(t.noReadScope), expect: { status: 403, error: 'missing_required_scopes' } },
  { name: 'success (AuthInfo)', headers: (t) => bearer(t.valid), expect: { status: 200 } },
];

const CUSTOM_ROWS = [
  { name: 'custom verify: no Authorization header', headers: () => ({}), expect: { status: 401, error: 'missing_auth_header' } },
  { name: 'custom verify: success (its AuthInfo)', headers: () => bearer('good'), expect: { status: 200 } },
  { name: 'custom verify: untrusted issuer', headers: () => bearer('untrusted'), expect: { status: 401, error: 'invalid_issuer' } },
  { name: 'custom verify: missing scope', headers: () => bearer('few-scopes'), expect: { status: 403, error: 'missing_required_scopes' } },
  { name: 'custom verify throws MCPAuthTokenVerificationError', headers: () => bearer('throw-token-verification'), expect: { status: 401, error: 'invalid_token', cause: { cause: 'custom says no' } } },
  { name: 'custom verify throws MCPAuthBearerAuthError (scopes)', headers: () => bearer('throw-bearer-scopes'), expect: { status: 403, error: 'missing_required_scopes' } },
  { name: 'custom verify throws MCPAuthAuthServerError', headers: () => bearer('throw-auth-server'), expect: { status: 500, error: '-' } },
  { name: 'custom verify throws MCPAuthConfigError', headers: () => bearer('throw-config'), expect: { status: 500, error: '-' } },
  { name: 'custom verify throws a plain Error (rethrown)', headers: () => bearer('throw-plain'), expect: { status: 599, rethrown: { name: 'Error', message: 'custom verify exploded', identical: true } } },
  { name: 'custom verify throws a bare MCPAuthError (rethrown)', headers: () => bearer('throw-bare-mcp-auth-error'), expect: { status: 599, rethrown: { name: 'MCPAuthError', message: 'a bare MCPAuthError', identical: true } } },
  { name: 'custom verify returns null (rethrown TypeError)', headers: () => bearer('return-null'), expect: { status: 599, rethrownName: 'TypeError' } },
];

const OTHER_ROWS = [
  { name: "bearerAuth('jwt') on metadata without jwks_uri", path: '/no-jwks', headers: (t) => bearer(t.valid), expect: { status: 500, error: '-', body: { error: 'server_error', error_description: 'An error occurred with the authorization server.' } } },
  { name: "bearerAuth('jwt') on metadata without jwks_uri, details", path: '/no-jwks-details', headers: (t) => bearer(t.valid), expect: { status: 500, error: '-', cause: { error: 'missing_jwks_uri', error_description: 'The server metadata does not contain a JWKS URI, which is required for JWT verification.' } } },
  { name: 'discovery answers 503 (asynchronous path), details', path: '/down-details', headers: (t) => bearer(t.downIssuer), expect: { status: 500, error: '-' } },
  { name: 'discovery connection refused (asynchronous rethrow)', path: '/gone', headers: (t) => bearer(t.goneIssuer), expect: { status: 599, rethrown: { name: 'TypeError', message: 'fetch failed', identical: false } } },
  { name: 'resource not a URL: any failure rethrows its TypeError', path: '/not-a-url', headers: () => ({}), expect: { status: 599, rethrown: { name: 'TypeError', message: `Invalid resource identifier URI: ${R_NOT_A_URL}`, identical: false } } },
  { name: 'authorization-server mode (no resource): no header', server: 'legacy', path: '/legacy', headers: () => ({}), expect: { status: 401, error: 'missing_auth_header' } },
  { name: 'authorization-server mode (no resource): success', server: 'legacy', path: '/legacy', headers: (t) => bearer(t.valid), expect: { status: 200 } },
];

const PARITY_ROWS = [
  ...JWT_ROWS.flatMap((row) => [
    { ...row, path: '/jwt' },
    { ...row, name: `${row.name}, details`, path: '/jwt-details' },
  ]),
  ...CUSTOM_ROWS.flatMap((row) => [
    { ...row, path: '/custom' },
    { ...row, name: `${row.name}, details`, path: '/custom-details' },
  ]),
  ...OTHER_ROWS,
];

/** Checks the reference's observation against the row's expectations (docs/behavior.md). */
const assertExpected = (observed, row) => {
  const { expect } = row;
  const details = row.path.endsWith('-details');
  assert.equal(observed.status, expect.status, 'status');
  if (expect.rethrown) assert.deepEqual(observed.body, { rethrown: expect.rethrown });
  if (expect.rethrownName) assert.equal(observed.body.rethrown?.name, expect.rethrownName);
  if (expect.status === 200) {
    assert.equal(observed.wwwAuthenticate, null);
    return;
  }
  if (expect.error === '-') {
    assert.equal(observed.wwwAuthenticate, null, 'no WWW-Authenticate');
    assert.equal(observed.body.error, 'server_error');
    assert.equal('cause' in observed.body, details, 'cause only with details');
  } else if (expect.error) {
    assert.equal(observed.wwwAuthenticate.error, expect.error);
    assert.equal(observed.body.error, expect.error);
    if (expect.status === 401 && row.path !== '/legacy') assert.equal(observed.wwwAuthenticate.resource_metadata, RM);
    else assert.equal(observed.wwwAuthenticate.resource_metadata, undefined);
    if (BEARER[expect.error] && expect.error !== 'invalid_token') assert.equal(observed.body.error_description, BEARER[expect.error]);
    // The header-format errors have no cause to show.
    const hasCause = details && !['missing_auth_header', 'invalid_auth_header_format', 'missing_bearer_token'].includes(expect.error);
    assert.equal('cause' in observed.body, hasCause, 'cause only with details');
  }
  if (expect.body) assert.deepEqual(observed.body, expect.body);
  if (details && expect.cause !== undefined) assert.deepEqual(observed.body.cause, expect.cause);
  if (details && expect.code) {
    assert.equal(observed.body.error_description, TOKEN_TEXT);
    assert.equal(observed.body.cause.code, expect.code);
  }
};

/** One request to a server set's reference and to one door, observed. */
const bothSides = async (serverSet, door, request) => {
  const servers = env.servers[serverSet];
  const reference = await send(servers.reference.origin, request);
  const doorResponse = await send(servers[door].origin, request);
  return { reference, door: doorResponse };
};

describe(`1. bearer parity table: ${PARITY_ROWS.length} rows × ${DOORS.length} doors`, () => {
  PARITY_ROWS.forEach((row, index) => {
    const label = `row ${index + 1}/${PARITY_ROWS.length} ${row.path}: ${row.name}`;
    const request = () => ({ method: 'GET', path: row.path, headers: row.headers(env.tokens) });
    describe(label, () => {
      test('reference (main entry, Express) matches docs/behavior.md', T, async () => {
        const observed = observeBearer(await send(env.servers[row.server ?? 'main'].reference.origin, request()));
        assertExpected(observed, row);
      });
      for (const door of DOORS) {
        test(`${door} door = reference`, T, async () => {
          const { reference, door: answer } = await bothSides(row.server ?? 'main', door, request());
          assert.deepEqual(observeBearer(answer), observeBearer(reference));
          if (answer.status === 200 && (door === 'node' || door === 'fastify')) {
            // node: `req.auth` is the resolved AuthInfo; fastify: `request.raw.auth` is `request.auth`.
            assert.equal(answer.headers['x-door-check'], 'same');
          }
        });
      }
    });
  });
});

// The success rows compare the JSON of the AuthInfo each route saw; this pins what it holds.
test('1b. the AuthInfo a door hands on is the verified token (fetch door, resolved value)', T, async () => {
  const { door } = await bothSides('main', 'fetch', { path: '/jwt', headers: bearer(env.tokens.valid) });
  const authInfo = JSON.parse(door.text);
  assert.deepEqual(
    { issuer: authInfo.issuer, clientId: authInfo.clientId, scopes: authInfo.scopes, token: authInfo.token, audience: authInfo.audience, subject: authInfo.subject },
    { issuer: env.as.issuer, clientId: 'client-1', scopes: ['read', 'write'], token: env.tokens.valid, audience: R, subject: 'user-1' },
  );
});

// ---------------------------------------------------------------------------------------------
// 2. Bad input per door

const assertNeither200Nor5xx = (answer, what) => {
  assert.notEqual(answer.status, 200, `${what}: must not be 200`);
  assert.ok(answer.status < 500, `${what}: must not be 5xx (got ${answer.status})`);
};

describe('2. bad input per door', () => {
  // HTTP/1.0 allows a request without any header line (no Host): it reaches every app.
  // (@hono/node-server builds the Request's URL from `serve`'s `hostname` when Host is absent.)
  for (const door of DOORS) {
    test(`${door} door: no header line at all (HTTP/1.0) = reference`, T, async () => {
      const servers = env.servers.main;
      const text = 'GET /jwt HTTP/1.0\r\n\r\n';
      const reference = await sendRaw(servers.reference.port, text);
      const answer = await sendRaw(servers[door].port, text);
      assertNeither200Nor5xx(answer, door);
      assert.deepEqual(observeBearer(answer), observeBearer(reference));
      assert.equal(observeBearer(answer).wwwAuthenticate.error, 'missing_auth_header');
    });
  }

  // HTTP/1.1 without Host: Node's HTTP server answers 400 itself, before any app (every door).
  for (const door of DOORS) {
    test(`${door} door: HTTP/1.1 with no header line (no Host) = reference (Node's 400)`, T, async () => {
      const servers = env.servers.main;
      const text = 'GET /jwt HTTP/1.1\r\n\r\n';
      const reference = await sendRaw(servers.reference.port, text);
      const answer = await sendRaw(servers[door].port, text);
      assert.equal(reference.status, 400);
      assert.equal(answer.status, 400);
    });
  }

  // Bytes outside ASCII (obs-text) in the header: Node reads them as Latin-1, so does a web
  // `Headers` built from `rawHeaders`; every door sees the same string (a malformed token).
  for (const door of DOORS) {
    test(`${door} door: non-ASCII bytes in Authorization = reference`, T, async () => {
      const servers = env.servers.main;
      const text = 'GET /jwt-details HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \u00c3\u00a9t\u00e9.\u00ff\r\nConnection: close\r\n\r\n';
      const reference = await sendRaw(servers.reference.port, text);
      const answer = await sendRaw(servers[door].port, text);
      assertNeither200Nor5xx(answer, door);
      assert.deepEqual(observeBearer(answer), observeBearer(reference));
      assert.equal(observeBearer(answer).wwwAuthenticate.error, 'invalid_token');
    });
  }

  // Two `Authorization` lines. Inherent: Node's parser keeps the first line of a header it does
  // not join (`authorization` is one), so Express, the node door and Fastify see the first
  // value; a web `Headers` joins repeated lines with ", " (@hono/node-server builds its Request
  // from `rawHeaders` that way), so the fetch and Hono doors see "<first>, <second>", which is
  // never a valid `Bearer <token>` (its third space-separated part makes it a format error, or
  // the scheme becomes "Bearer,"). Each door is compared with the reference answering the value
  // that door sees: the first line (Express, node, Fastify) or the joined line (fetch, Hono).
  const DUPLICATES = [
    { name: 'valid token, then Basic', lines: (t) => [`Bearer ${t.valid}`, 'Basic dXNlcjpwYXNz'] },
    { name: 'valid token twice', lines: (t) => [`Bearer ${t.valid}`, `Bearer ${t.valid}`] },
    { name: 'Basic, then valid token', lines: (t) => ['Basic dXNlcjpwYXNz', `Bearer ${t.valid}`] },
    { name: '"Bearer" alone twice', lines: () => ['Bearer', 'Bearer'] },
    { name: 'malformed JWT, then valid token', lines: (t) => ['Bearer not-a-jwt', `Bearer ${t.valid}`] },
    { name: 'empty, then valid token', lines: (t) => ['', `Bearer ${t.valid}`] },
  ];
  const WEB_DOORS = new Set(['fetch', 'hono']);
  DUPLICATES.forEach((row, index) => {
    for (const door of DOORS) {
      test(`${door} door: duplicated Authorization lines ${index + 1}/${DUPLICATES.length} (${row.name})`, T, async () => {
        const servers = env.servers.main;
        const lines = row.lines(env.tokens);
        const answer = await send(servers[door].origin, { path: '/jwt', headers: { authorization: lines } });
        const referenceTwoLines = await send(servers.reference.origin, { path: '/jwt', headers: { authorization: lines } });
        const seen = WEB_DOORS.has(door) ? lines.join(', ') : lines[0];
        const referenceSeen = await send(servers.reference.origin, { path: '/jwt', headers: seen === '' ? {} : { authorization: seen } });
        assert.ok(answer.status < 500, `never 5xx (got ${answer.status})`);
        assert.deepEqual(observeBearer(answer), observeBearer(referenceSeen));
        if (WEB_DOORS.has(door)) {
          assertNeither200Nor5xx(answer, door);
        } else {
          // The same as Express given the same two lines (200 only when the first line is valid).
          assert.deepEqual(observeBearer(answer), observeBearer(referenceTwoLines));
          assert.equal(answer.status === 200, lines[0] === `Bearer ${env.tokens.valid}`);
        }
      });
    }
  });

  const LARGE = [
    { name: '8 KB opaque token', headers: () => bearer('a'.repeat(8 * 1024)), status: 401 },
    { name: '8 KB of claims in a valid token', headers: (t) => bearer(t.large), status: 200 },
    { name: '8 KB Basic credentials', headers: () => ({ authorization: `Basic ${'b'.repeat(8 * 1024)}` }), status: 401 },
  ];
  LARGE.forEach((row, index) => {
    for (const door of DOORS) {
      test(`${door} door: large Authorization ${index + 1}/${LARGE.length} (${row.name}) = reference`, T, async () => {
        const request = { path: '/jwt-details', headers: row.headers(env.tokens) };
        assert.ok(request.headers.authorization.length >= 8 * 1024);
        const { reference, door: answer } = await bothSides('main', door, request);
        assert.equal(reference.status, row.status);
        assert.deepEqual(observeBearer(answer), observeBearer(reference));
      });
    }
  });

  const METHODS = ['PUT', 'DELETE', 'OPTIONS', 'PATCH', 'HEAD'].flatMap((method) => [
    { method, name: 'no header', headers: () => ({}), status: 401 },
    { method, name: 'valid token', headers: (t) => bearer(t.valid), status: 200 },
  ]);
  METHODS.forEach((row, index) => {
    for (const door of DOORS) {
      test(`${door} door: ${row.method} through the bearer middleware ${index + 1}/${METHODS.length} (${row.name}) = reference`, T, async () => {
        const request = { method: row.method, path: '/jwt', headers: row.headers(env.tokens) };
        const { reference, door: answer } = await bothSides('main', door, request);
        assert.equal(reference.status, row.status);
        assert.deepEqual(observeBearer(answer), observeBearer(reference));
      });
    }
  });
});

// ---------------------------------------------------------------------------------------------
// 3. Metadata per door

const PREFLIGHT = { origin: 'https://client.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization, mcp-protocol-version' };

/** Metadata rows: `set` (server set), request, `expect` (the reference's status). */
const METADATA_ROWS = [
  { set: 'main', name: 'RFC 9728: GET', request: { path: PRM_PATH }, expect: 200 },
  { set: 'main', name: 'RFC 9728: GET with Origin', request: { path: PRM_PATH, headers: { origin: 'https://client.example' } }, expect: 200 },
  { set: 'main', name: 'RFC 9728: HEAD', request: { method: 'HEAD', path: PRM_PATH }, expect: 200 },
  { set: 'main', name: 'RFC 9728: OPTIONS preflight with Access-Control-Request-Headers', request: { method: 'OPTIONS', path: PRM_PATH, headers: PREFLIGHT }, expect: 204 },
  { set: 'main', name: 'RFC 9728: OPTIONS without Access-Control-Request-Headers', request: { method: 'OPTIONS', path: PRM_PATH, headers: { origin: 'https://client.example' } }, expect: 204 },
  { set: 'main', name: 'RFC 9728: GET with a query', request: { path: `${PRM_PATH}?x=1` }, expect: 200 },
  { set: 'main', name: 'RFC 9728 of a root resource: GET', request: { path: PRM_ROOT_PATH }, expect: 200 },
  { set: 'main', name: 'RFC 9728 of a root resource: preflight', request: { method: 'OPTIONS', path: PRM_ROOT_PATH, headers: PREFLIGHT }, expect: 204 },
  { set: 'main', name: 'non-metadata path falls through', request: { path: '/.well-known/something-else' }, expect: 404, fallsThrough: true },
  { set: 'main', name: 'authorization-server path in resource-server mode falls through', request: { path: AS_PATH }, expect: 404, fallsThrough: true },
  { set: 'legacy', name: 'delegated (resolved config): GET', request: { path: AS_PATH }, expect: 200 },
  { set: 'legacy', name: 'delegated (resolved config): HEAD', request: { method: 'HEAD', path: AS_PATH }, expect: 200 },
  { set: 'legacy', name: 'delegated (resolved config): OPTIONS preflight', request: { method: 'OPTIONS', path: AS_PATH, headers: PREFLIGHT }, expect: 204 },
  { set: 'legacy', name: 'delegated: resource path falls through', request: { path: PRM_PATH }, expect: 404, fallsThrough: true },
  { set: 'legacyDiscovery', name: 'delegated (discovery config): GET', request: { path: AS_PATH }, expect: 200 },
  { set: 'legacyDiscovery', name: 'delegated (discovery config): HEAD', request: { method: 'HEAD', path: AS_PATH }, expect: 200 },
  { set: 'legacyDiscovery', name: 'delegated (discovery config): OPTIONS preflight', request: { method: 'OPTIONS', path: AS_PATH, headers: PREFLIGHT }, expect: 204 },
  { set: 'legacyDiscovery', name: 'delegated (discovery config): non-metadata path falls through', request: { path: '/elsewhere' }, expect: 404, fallsThrough: true },
];

/** What the node and fetch doors return for a path they do not serve (the server shows it in `x-door-result`). */
const FALL_THROUGH_RESULT = { node: 'false', fetch: 'undefined' };

describe(`3. metadata: ${METADATA_ROWS.length} rows × ${DOORS.length} doors`, () => {
  METADATA_ROWS.forEach((row, index) => {
    describe(`metadata row ${index + 1}/${METADATA_ROWS.length}: ${row.name}`, () => {
      test('reference (Express routers)', T, async () => {
        const answer = await send(env.servers[row.set].reference.origin, row.request);
        const observed = observeMetadata(answer);
        assert.equal(observed.status, row.expect);
        if (row.expect === 204) {
          assert.equal(observed.allowOrigin, '*');
          assert.equal(observed.allowMethods, 'GET,HEAD,PUT,PATCH,POST,DELETE');
          assert.equal(observed.vary, 'Access-Control-Request-Headers');
          assert.equal(observed.allowHeaders, row.request.headers['access-control-request-headers']);
        }
        if (row.expect === 200) {
          assert.equal(observed.allowOrigin, '*');
          const expectedBody = row.set === 'main' ? (row.request.path.startsWith(PRM_PATH) ? 'resource' : 'root') : 'delegated';
          if (row.request.method === 'HEAD') assert.equal(observed.body, '');
          else if (expectedBody === 'resource') {
            assert.deepEqual(observed.body, { resource: R, scopes_supported: ['read', 'write'], resource_name: 'Notes', authorization_servers: [env.as.issuer] });
          } else if (expectedBody === 'root') {
            assert.deepEqual(observed.body, { resource: R_ROOT, resource_documentation: 'https://mcp.example.com/docs' });
          } else assert.equal(observed.body.issuer, env.as.issuer);
        }
      });
      for (const door of DOORS) {
        test(`${door} door = reference`, T, async () => {
          const { reference, door: answer } = await bothSides(row.set, door, row.request);
          const observed = observeMetadata(answer);
          if (row.fallsThrough) {
            // The apps' own 404 after the door let the request go (Express/Hono: next; Fastify:
            // no route; node: false; fetch: undefined).
            assert.equal(observed.status, 404);
            assert.deepEqual(observed.body, { fellThrough: true });
            assert.equal(answer.headers['x-door-result'], FALL_THROUGH_RESULT[door]);
          }
          if (observed.status === 204) {
            // Inherent: Fastify drops `Content-Length` from a 204 (RFC 9110 §8.6 forbids it);
            // `cors` (Express) and the other doors send `Content-Length: 0`.
            assert.equal(answer.headers['content-length'], door === 'fastify' ? undefined : '0');
            assert.equal(reference.headers['content-length'], '0');
          }
          assert.deepEqual(observed, observeMetadata(reference));
        });
      }
    });
  });
});

describe('3b. metadata path variants', () => {
  // Express matches routes case-insensitively with an optional trailing slash; the node, fetch
  // and Hono doors match the same way (lib/doors/shared.js).
  const VARIANTS = [
    { name: 'trailing slash', path: `${PRM_PATH}/` },
    { name: 'uppercase', path: PRM_PATH.toUpperCase() },
  ];
  for (const variant of VARIANTS) {
    for (const door of DOORS) {
      test(`${door} door: GET metadata path with ${variant.name}`, T, async () => {
        const { reference, door: answer } = await bothSides('main', door, { path: variant.path });
        assert.equal(reference.status, 200);
        if (door === 'fastify') {
          // Inherent: Fastify's router decides case and trailing-slash matching app-wide
          // (`routerOptions`); by default it is case-sensitive and strict, so the variant is
          // the app's 404 (see the next test for the options that match Express).
          assert.equal(answer.status, 404);
          assert.deepEqual(JSON.parse(answer.text), { fellThrough: true });
        } else assert.deepEqual(observeMetadata(answer), observeMetadata(reference));
      });
    }
  }

  test('fastify door with routerOptions { caseSensitive: false, ignoreTrailingSlash: true } serves both variants', T, async () => {
    const { default: Fastify } = await import('fastify');
    const fastifyDoor = await import('mcp-auth-rs/fastify');
    const app = Fastify({ routerOptions: { caseSensitive: false, ignoreTrailingSlash: true } });
    try {
      await app.register(fastifyDoor.protectedResourceMetadata, { mcpAuth: env.auth.main });
      await app.listen({ port: 0, host: '127.0.0.1' });
      const origin = `http://127.0.0.1:${app.server.address().port}`;
      for (const variant of VARIANTS) {
        const reference = await send(env.servers.main.reference.origin, { path: variant.path });
        const answer = await send(origin, { path: variant.path });
        assert.deepEqual(observeMetadata(answer), observeMetadata(reference), variant.name);
        const preflight = await send(origin, { method: 'OPTIONS', path: variant.path, headers: PREFLIGHT });
        const referencePreflight = await send(env.servers.main.reference.origin, { method: 'OPTIONS', path: variant.path, headers: PREFLIGHT });
        assert.deepEqual(observeMetadata(preflight), observeMetadata(referencePreflight), `${variant.name} preflight`);
      }
    } finally {
      await app.close();
    }
  });

  // Inherent: the Express routers mount `cors()` with `router.use(path, …)`, which also runs for
  // other methods and for sub-paths of a metadata path (an OPTIONS there is answered 204, any
  // other request gets `Access-Control-Allow-Origin: *` on the app's 404). The other doors answer
  // exactly GET/HEAD/OPTIONS of the metadata paths and pass every other request on untouched
  // (the fetch door returns `undefined`: it has no response to decorate).
  const OUTSIDE = [
    { name: 'POST to the metadata path', request: { method: 'POST', path: PRM_PATH }, reference: { status: 404, allowOrigin: '*' } },
    { name: 'GET of a sub-path', request: { path: `${PRM_PATH}/sub` }, reference: { status: 404, allowOrigin: '*' } },
    { name: 'OPTIONS of a sub-path', request: { method: 'OPTIONS', path: `${PRM_PATH}/sub`, headers: PREFLIGHT }, reference: { status: 204, allowOrigin: '*' } },
  ];
  for (const row of OUTSIDE) {
    for (const door of DOORS) {
      test(`${door} door: ${row.name} is left to the app`, T, async () => {
        const { reference, door: answer } = await bothSides('main', door, row.request);
        const observedReference = observeMetadata(reference);
        assert.deepEqual({ status: observedReference.status, allowOrigin: observedReference.allowOrigin }, row.reference);
        if (door === 'express') {
          assert.deepEqual(observeMetadata(answer), observedReference);
          return;
        }
        const observed = observeMetadata(answer);
        assert.equal(observed.status, 404);
        assert.deepEqual(observed.body, { fellThrough: true });
        assert.equal(observed.allowOrigin, undefined);
      });
    }
  }
});

describe('3c. several resources on one metadata path; a Fastify prefix', () => {
  // Resources whose metadata paths Express matches as one route (same path, other case, trailing
  // slash): the first resource's document answers all of them, through every door. (Fastify used
  // to throw FST_ERR_DUPLICATED_ROUTE when the plugin was registered.)
  const SHARED = '/.well-known/oauth-protected-resource/shared';
  const sharedAuth = () =>
    new MCPAuth({
      protectedResources: [
        { metadata: { resource: 'https://a.example/shared', resourceName: 'first' } },
        { metadata: { resource: 'https://b.example/shared', resourceName: 'same path' } },
        { metadata: { resource: 'https://c.example/SHARED', resourceName: 'other case' } },
        { metadata: { resource: 'https://d.example/shared/', resourceName: 'trailing slash' } },
      ],
    });
  let servers;
  before(async () => {
    servers = await startDoorServers({ metadata: [{ kind: 'resource', mcpAuth: sharedAuth() }] });
  });
  after(() => closeDoorServers(servers));

  const REQUESTS = [
    { name: 'GET', request: { path: SHARED } },
    { name: 'HEAD', request: { method: 'HEAD', path: SHARED } },
    { name: 'preflight', request: { method: 'OPTIONS', path: SHARED, headers: PREFLIGHT } },
    { name: 'GET, other case', request: { path: SHARED.toUpperCase() }, variant: true },
    { name: 'GET, trailing slash', request: { path: `${SHARED}/` }, variant: true },
  ];
  for (const row of REQUESTS) {
    for (const door of DOORS) {
      test(`${door} door: ${row.name} of a path four resources share = reference (first resource)`, T, async () => {
        const reference = await send(servers.reference.origin, row.request);
        const answer = await send(servers[door].origin, row.request);
        if (row.request.method === undefined) assert.equal(JSON.parse(reference.text).resource, 'https://a.example/shared');
        if (door === 'fastify' && row.variant) {
          // Inherent: Fastify's default router is case-sensitive and strict about the trailing slash.
          assert.equal(answer.status, 404);
          return;
        }
        assert.deepEqual(observeMetadata(answer), observeMetadata(reference));
      });
    }
  }

  test('fastify door with routerOptions { caseSensitive: false, ignoreTrailingSlash: true }: registers once, serves the first resource', T, async () => {
    const { default: Fastify } = await import('fastify');
    const fastifyDoor = await import('mcp-auth-rs/fastify');
    const app = Fastify({ routerOptions: { caseSensitive: false, ignoreTrailingSlash: true } });
    try {
      await app.register(fastifyDoor.protectedResourceMetadata, { mcpAuth: sharedAuth() });
      await app.listen({ port: 0, host: '127.0.0.1' });
      const origin = `http://127.0.0.1:${app.server.address().port}`;
      for (const { name, request } of REQUESTS) {
        const reference = await send(servers.reference.origin, request);
        assert.deepEqual(observeMetadata(await send(origin, request)), observeMetadata(reference), name);
      }
    } finally {
      await app.close();
    }
  });

  // A Fastify plugin registered under a prefix serves the documents under it, as an Express
  // router mounted with `app.use(prefix, router)` does. (The handler used to look its document up
  // by `request.routeOptions.url`, which carries the prefix: a 500 TypeError.)
  test('fastify door registered with a prefix = Express router mounted under that prefix', T, async () => {
    const { default: Fastify } = await import('fastify');
    const { default: express } = await import('express');
    const fastifyDoor = await import('mcp-auth-rs/fastify');
    const app = Fastify();
    const expressApp = express();
    expressApp.use('/api', env.auth.main.protectedResourceMetadataRouter());
    expressApp.use((req, res) => res.status(404).json({ fellThrough: true }));
    const reference = await startHttpServer({ '*': expressApp });
    try {
      await app.register(fastifyDoor.protectedResourceMetadata, { mcpAuth: env.auth.main, prefix: '/api' });
      await app.listen({ port: 0, host: '127.0.0.1' });
      const origin = `http://127.0.0.1:${app.server.address().port}`;
      for (const request of [
        { path: `/api${PRM_PATH}` },
        { method: 'HEAD', path: `/api${PRM_PATH}` },
        { method: 'OPTIONS', path: `/api${PRM_PATH}`, headers: PREFLIGHT },
        { path: `/api${PRM_ROOT_PATH}` },
      ]) {
        const expected = observeMetadata(await send(reference.origin, request));
        assert.equal(expected.status, request.method === 'OPTIONS' ? 204 : 200);
        assert.deepEqual(observeMetadata(await send(origin, request)), expected, `${request.method ?? 'GET'} ${request.path}`);
      }
    } finally {
      await app.close();
      await reference.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// 4. Loading

const ROOT = fileURLToPath(new URL('..', import.meta.url));

// How the child process tells what got loaded:
//   - CommonJS modules (express, fastify, cors; anything `require`d, and a CommonJS package
//     reached by `import`, which Node loads through its CommonJS loader) are the keys of
//     `require.cache` (one cache per process, whichever `createRequire` reads it);
//   - ES modules (hono and @hono/node-server are ESM when imported) have no such cache, so a
//     `module.register` resolve hook records every URL the ESM loader resolves. The hook runs on
//     the loader thread and posts each URL on a MessagePort; before each check the child sends
//     "flush" and waits for the hook thread's "flushed" (messages on one port arrive in order, so
//     every URL resolved before has arrived by then).
// The child prints `{ <step>: { express, hono, honoNodeServer, fastify, cors } }` as JSON; a
// control child imports the frameworks to show that each method sees them.
const LOADER_PROBE = `
import { register, createRequire } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
const hooks = \`
let port;
export async function initialize(data) {
  port = data.port;
  port.on('message', (message) => { if (message === 'flush') port.postMessage('flushed'); });
  port.unref();
}
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  port.postMessage(resolved.url);
  return resolved;
}\`;
const { port1, port2 } = new MessageChannel();
const esmUrls = [];
port1.on('message', (message) => { if (message !== 'flushed') esmUrls.push(message); });
port1.unref();
register('data:text/javascript,' + encodeURIComponent(hooks), { data: { port: port2 }, transferList: [port2] });
// The port is unref'd (the child exits when done); it is ref'd while a flush waits.
const flush = () => new Promise((resolve) => {
  const onMessage = (message) => { if (message === 'flushed') { port1.off('message', onMessage); port1.unref(); resolve(); } };
  port1.on('message', onMessage);
  port1.ref();
  port1.postMessage('flush');
});
const cache = createRequire(import.meta.url).cache;
// A module of package \`name\`: a require.cache key (a path) or a resolved URL under node_modules/<name>/.
const inPackage = (name, text) => decodeURIComponent(text).replace(/\\\\/g, '/').includes('/node_modules/' + name + '/');
const isLoaded = async (name) => {
  await flush();
  return Object.keys(cache).some((key) => inPackage(name, key)) || esmUrls.some((url) => inPackage(name, url));
};
const snapshot = async () => ({
  express: await isLoaded('express'),
  hono: await isLoaded('hono'),
  honoNodeServer: await isLoaded('@hono/node-server'),
  fastify: await isLoaded('fastify'),
  cors: await isLoaded('cors'),
  redis: await isLoaded('redis'),
  ioredis: await isLoaded('ioredis'),
});
const steps = {};
const step = async (name, fn) => { await fn(); steps[name] = await snapshot(); };
`;

/** Runs the probe with `body` (which calls `await step(name, fn)`) in a child process; resolves `steps`. */
const probeLoading = (body) =>
  within(
    new Promise((resolve, reject) => {
      const script = `${LOADER_PROBE}\n${body}\nprocess.stdout.write(JSON.stringify(steps));`;
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => (stdout += chunk));
      child.stderr.on('data', (chunk) => (stderr += chunk));
      child.on('error', reject);
      child.on('close', (code) => {
        if (code !== 0) reject(new Error(`child exited ${code}: ${stderr}`));
        else resolve(JSON.parse(stdout));
      });
    }),
    15_000,
    'loading probe',
  );

const NOTHING = { express: false, hono: false, honoNodeServer: false, fastify: false, cors: false, redis: false, ioredis: false };
const RESOLVED_CONFIG = `{ metadata: { issuer: 'https://idp.example.com', authorizationEndpoint: 'https://idp.example.com/authorize', tokenEndpoint: 'https://idp.example.com/token', jwksUri: 'https://idp.example.com/jwks', responseTypesSupported: ['code'], codeChallengeMethodsSupported: ['S256'], registrationEndpoint: 'https://idp.example.com/register' }, type: 'oauth' }`;

describe('4. loading', () => {
  test('control: the probe sees express and fastify (CommonJS) and hono (ESM) when they are imported', T, async () => {
    const steps = await probeLoading(`
      await step('start', async () => {});
      await step('express', () => import('express'));
      await step('hono', () => import('hono'));
      await step('fastify', () => import('fastify'));
      await step('@hono/node-server', () => import('@hono/node-server'));
      await step('redis', () => import('redis'));
      await step('ioredis', () => import('ioredis'));
    `);
    assert.deepEqual(steps.start, NOTHING);
    assert.equal(steps.express.express, true);
    assert.equal(steps.express.hono, false);
    assert.equal(steps.hono.hono, true);
    assert.equal(steps.hono.fastify, false);
    assert.equal(steps.fastify.fastify, true);
    assert.equal(steps['@hono/node-server'].honoNodeServer, true);
    assert.equal(steps.redis.redis, true);
    assert.equal(steps.redis.ioredis, false);
    assert.equal(steps.ioredis.ioredis, true);
  });

  for (const entry of ['mcp-auth-rs', 'mcp-auth-rs/node', 'mcp-auth-rs/fetch', 'mcp-auth-rs/hono', 'mcp-auth-rs/fastify', 'mcp-auth-rs/express', 'mcp-auth-rs/redis']) {
    test(`importing ${entry} loads none of express, hono, fastify, redis, ioredis`, T, async () => {
      const steps = await probeLoading(`await step('import', () => import('${entry}'));`);
      assert.deepEqual(steps.import, NOTHING);
    });
  }

  test('node and fetch doors at work (MCPAuth, bearerAuth, metadata handlers) load no framework', T, async () => {
    const steps = await probeLoading(`
      const { MCPAuth } = await import('mcp-auth-rs');
      const nodeDoor = await import('mcp-auth-rs/node');
      const fetchDoor = await import('mcp-auth-rs/fetch');
      const resource = 'https://mcp.example.com/mcp';
      const mcpAuth = new MCPAuth({ protectedResources: { metadata: { resource, authorizationServers: [${RESOLVED_CONFIG}] } } });
      await step('created', async () => {
        nodeDoor.bearerAuth(mcpAuth, 'jwt', { resource });
        nodeDoor.protectedResourceMetadata(mcpAuth);
        fetchDoor.bearerAuth(mcpAuth, 'jwt', { resource });
        fetchDoor.protectedResourceMetadata(mcpAuth);
      });
      await step('used', async () => {
        const answer = await fetchDoor.bearerAuth(mcpAuth, 'jwt', { resource })(new Request('http://localhost/mcp'));
        if (answer.status !== 401) throw new Error('expected 401');
        const document = await fetchDoor.protectedResourceMetadata(mcpAuth)(new Request('http://localhost/.well-known/oauth-protected-resource/mcp'));
        if (document.status !== 200) throw new Error('expected 200');
      });
    `);
    assert.deepEqual(steps.created, NOTHING);
    assert.deepEqual(steps.used, NOTHING);
  });

  test('Express: the middleware never loads express; the routers load express (and cors) when created', T, async () => {
    const steps = await probeLoading(`
      const { MCPAuth } = await import('mcp-auth-rs');
      const expressDoor = await import('mcp-auth-rs/express');
      const resource = 'https://mcp.example.com/mcp';
      const mcpAuth = new MCPAuth({ protectedResources: { metadata: { resource, authorizationServers: [${RESOLVED_CONFIG}] } } });
      await step('middleware', async () => {
        mcpAuth.bearerAuth('jwt', { resource });
        expressDoor.bearerAuth(mcpAuth, 'jwt', { resource });
      });
      await step('router', async () => {
        mcpAuth.protectedResourceMetadataRouter();
      });
    `);
    assert.deepEqual(steps.middleware, NOTHING);
    assert.deepEqual(steps.router, { ...NOTHING, express: true, cors: true });
  });

  for (const [name, make] of [
    ['protectedResourceMetadata', `expressDoor.protectedResourceMetadata(new MCPAuth({ protectedResources: { metadata: { resource: 'https://mcp.example.com/mcp' } } }))`],
    ['authorizationServerMetadata', `expressDoor.authorizationServerMetadata(legacy)`],
    ['delegatedRouter()', `legacy.delegatedRouter()`],
  ]) {
    test(`Express: ${name} loads express (and cors) when the router is created`, T, async () => {
      const steps = await probeLoading(`
        const { MCPAuth } = await import('mcp-auth-rs');
        const expressDoor = await import('mcp-auth-rs/express');
        console.warn = () => {}; // the deprecation warning of the legacy config
        const legacy = new MCPAuth({ server: ${RESOLVED_CONFIG} });
        await step('imported', async () => {});
        await step('router', async () => { ${make}; });
      `);
      assert.deepEqual(steps.imported, NOTHING);
      assert.deepEqual(steps.router, { ...NOTHING, express: true, cors: true });
    });
  }
});
