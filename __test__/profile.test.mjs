// The `mcp-2026-07-28` profile (`new MCPAuth({ protectedResources, profile: 'mcp-2026-07-28' })`)
// end to end, on real servers on 127.0.0.1: every row of the profile's answer table through the
// main entry's Express middleware (`reference` in helpers/doors.mjs) and through every front door
// (`mcp-auth-rs/express`, `/node`, `/fetch`, `/hono`, `/fastify`).
//
//   0. the RFC 9110 challenge parser of helpers/challenge.mjs (quoted-strings, escapes);
//   1. the answer table: no credentials (401, no `error`), malformed Bearer credentials (400
//      `invalid_request`), invalid tokens (401 `invalid_token` with `scope`), missing scopes (403
//      `insufficient_scope`), tokens that pass (canonical audiences, token times); every challenge
//      parsed as RFC 9110 auth-params, parameters and their order checked, bodies compared whole;
//   2. custom verify functions under the profile (their errors, AuthInfo unchanged, an
//      `error_description` that needs escaping);
//   3. `showErrorDetails` (`cause` in the body, the challenge unchanged);
//   4. the authorization server unreachable (503 + `Retry-After`, recovery, failures not cached)
//      or misconfigured (500), issuer mismatch on lazy discovery (500, retried);
//   5. setup errors (unknown profile, profile + `server`, `offline_access` required);
//   6. the RFC 9728 document without `offline_access`;
//   7. `compat` (the default) unchanged: the answer of mcp-auth 0.2.0 itself.
//
// Run: node --test --test-concurrency=1 __test__/profile.test.mjs

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import express from 'express';
import * as ref from 'mcp-auth';
import {
  MCPAuth,
  MCPAuthAuthServerError,
  MCPAuthBearerAuthError,
  MCPAuthError,
  MCPAuthTokenVerificationError,
  bearerAuthErrorDescription,
  tokenVerificationErrorDescription,
} from 'mcp-auth-rs';
import * as expressDoor from 'mcp-auth-rs/express';
import * as nodeDoor from 'mcp-auth-rs/node';
import * as fetchDoor from 'mcp-auth-rs/fetch';
import * as honoDoor from 'mcp-auth-rs/hono';
import * as fastifyDoor from 'mcp-auth-rs/fastify';
import { startAuthServer } from './helpers/auth-server.mjs';
import { closedPort } from './helpers/http-server.mjs';
import { createKeys, nowSeconds } from './helpers/tokens.mjs';
import { DOORS, closeDoorServers, send, startDoorServers } from './helpers/doors.mjs';
import { parseBearerChallenge, parseChallenges, quote } from './helpers/challenge.mjs';
import { parseWwwAuthenticate } from './helpers/differential-runner.mjs';

const T = { timeout: 60_000 };
const PROFILE = 'mcp-2026-07-28';
/** The main entry's Express middleware first, then every door. */
const SERVERS = ['reference', ...DOORS];
const DOOR_MODULES = { express: expressDoor, node: nodeDoor, fetch: fetchDoor, hono: honoDoor, fastify: fastifyDoor };

const R = 'https://mcp.example.com/mcp';
const RM = 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp';
const PRM_PATH = '/.well-known/oauth-protected-resource/mcp';
/** A resource without `scopesSupported`. */
const R_BARE = 'https://bare.example.com/bare';
const RM_BARE = 'https://bare.example.com/.well-known/oauth-protected-resource/bare';
/** A resource whose only supported scope is `offline_access`. */
const R_OFFLINE = 'https://offline.example.com/offline';
const RM_OFFLINE = 'https://offline.example.com/.well-known/oauth-protected-resource/offline';
const PRM_OFFLINE_PATH = '/.well-known/oauth-protected-resource/offline';

const DAY = 86_400;

// The profile's own texts (they never echo the token) and the library's tables.
const NO_CREDENTIALS = 'An access token is required: send `Authorization: Bearer <token>`.';
const MALFORMED = 'The `Authorization` header must be `Bearer` followed by one token.';
const UNAVAILABLE = 'The authorization server cannot be reached right now; try again later.';
const SERVER_ERROR = 'An error occurred with the authorization server.';
const TOKEN_INVALID = tokenVerificationErrorDescription.invalid_token; // jose failures, token times
const NOT_VALID = bearerAuthErrorDescription.invalid_token; // not a JWT, no `iss`
const ISSUER = bearerAuthErrorDescription.invalid_issuer;
const AUDIENCE = bearerAuthErrorDescription.invalid_audience;
const SCOPES = bearerAuthErrorDescription.missing_required_scopes;

const env = {};

/** Runs `fn` with console.warn captured; returns `{ value, warnings }` or rethrows. */
const quietly = (fn) => {
  const original = console.warn;
  const warnings = [];
  console.warn = (...args) => warnings.push(args.join(' '));
  try {
    return { value: fn(), warnings };
  } finally {
    console.warn = original;
  }
};

// ---------------------------------------------------------------------------------------------
// Expected answers

const noCredentials = (scope) => ({
  status: 401,
  challenge: [
    ['resource_metadata', RM],
    ['scope', scope],
  ],
  body: { error_description: NO_CREDENTIALS },
});

const malformed = () => ({
  status: 400,
  challenge: [
    ['error', 'invalid_request'],
    ['error_description', MALFORMED],
    ['resource_metadata', RM],
  ],
  body: { error: 'invalid_request', error_description: MALFORMED },
});

const invalidToken = (description, scope = 'read', metadata = RM) => ({
  status: 401,
  challenge: [
    ['error', 'invalid_token'],
    ['error_description', description],
    ['resource_metadata', metadata],
    ['scope', scope],
  ],
  body: { error: 'invalid_token', error_description: description },
});

const insufficientScope = (scope) => ({
  status: 403,
  challenge: [
    ['error', 'insufficient_scope'],
    ['scope', scope],
    ['resource_metadata', RM],
    ['error_description', SCOPES],
  ],
  body: { error: 'insufficient_scope', error_description: SCOPES },
});

const unavailable = () => ({ status: 503, challenge: null, retryAfter: '5', body: { error: 'temporarily_unavailable', error_description: UNAVAILABLE } });
const serverError = () => ({ status: 500, challenge: null, body: { error: 'server_error', error_description: SERVER_ERROR } });
/** Passed: 200 and the AuthInfo the route got (`check(authInfo)`). */
const passes = (check = () => {}) => ({ status: 200, check });

/** `{ authorization }` unless undefined (no header at all). */
const headersOf = (authorization) => (authorization === undefined ? {} : { authorization });

/**
 * One request to `server` and the checks of `expected`: status; `WWW-Authenticate` (null: none)
 * parsed as one RFC 9110 Bearer challenge whose parameters are exactly `expected.challenge` in
 * that order (entries with a null or undefined value: absent); `Retry-After`; the JSON body compared
 * whole (`bodyCheck(body)` instead when given); neither the header nor the body holding the token.
 */
const expectAnswer = async (servers, server, { method = 'GET', path, authorization, expected, label, bodyCheck }) => {
  const response = await send(servers[server].origin, { method, path, headers: headersOf(authorization) });
  const where = `${label} — ${server} ${method} ${path}`;
  assert.equal(response.status, expected.status, `${where}: status (body ${response.text.slice(0, 300)})`);
  const challenge = response.headers['www-authenticate'];
  if (expected.status === 200) {
    assert.equal(challenge, undefined, `${where}: no challenge`);
    const authInfo = JSON.parse(response.text);
    expected.check(authInfo, where);
    return { response, authInfo };
  }
  assert.match(response.headers['content-type'] ?? '', /^application\/json/, `${where}: content type`);
  if (expected.challenge === null) assert.equal(challenge, undefined, `${where}: no WWW-Authenticate`);
  else {
    assert.equal(typeof challenge, 'string', `${where}: a WWW-Authenticate header`);
    const parsed = parseBearerChallenge(challenge);
    const want = expected.challenge.filter(([, value]) => value !== undefined && value !== null);
    assert.deepEqual(parsed.names, want.map(([name]) => name), `${where}: parameters and their order (${challenge})`);
    assert.deepEqual(parsed.params, Object.fromEntries(want), `${where}: parameter values (${challenge})`);
  }
  assert.equal(response.headers['retry-after'], expected.retryAfter, `${where}: Retry-After`);
  const body = JSON.parse(response.text);
  if (bodyCheck) bodyCheck(body, where);
  else assert.deepEqual(body, expected.body, `${where}: body`);
  const token = authorization?.replace(/^\S+\s+/, '');
  if (token && token.length > 20) {
    assert.ok(!response.text.includes(token), `${where}: the body never echoes the token`);
    assert.ok(!(challenge ?? '').includes(token), `${where}: the challenge never echoes the token`);
  }
  return { response, body };
};

/** `expectAnswer` through every server of `servers` (the reference first); `path` defaults to /jwt. */
const throughEveryDoor = async (servers, row) => {
  for (const server of SERVERS) await expectAnswer(servers, server, { path: '/jwt', ...row });
};

// ---------------------------------------------------------------------------------------------
// The custom verify function: what it does is named by the token.

const customVerify = async (token) => {
  env.verified.push(token);
  const authInfo = (overrides = {}) => ({
    token,
    issuer: env.as.issuer,
    clientId: 'custom-client',
    scopes: ['read', 'write'],
    audience: R,
    subject: 'custom-user',
    expiresAt: nowSeconds() + 600,
    extra: { from: 'customVerify' },
    ...overrides,
  });
  switch (token) {
    case 'good':
      return authInfo();
    case 'good-canonical-audience':
      return authInfo({ audience: ['https://other.example.com', 'HTTPS://MCP.Example.com:443/mcp/'] });
    case 'other-audience':
      return authInfo({ audience: 'https://mcp.example.com/other' });
    case 'no-audience':
      return authInfo({ audience: undefined });
    case 'untrusted':
      return authInfo({ issuer: 'https://evil.example.com' });
    case 'few-scopes':
      return authInfo({ scopes: ['write'] });
    case 'throw-token-verification':
      throw new MCPAuthTokenVerificationError('invalid_token', { cause: 'custom says no' });
    case 'throw-header-format':
      // Its message holds quotes: `Expected "Bearer <token>".`
      throw new MCPAuthBearerAuthError('invalid_auth_header_format');
    case 'throw-escapes': {
      const error = new MCPAuthBearerAuthError('invalid_token');
      error.message = env.escapeText;
      throw error;
    }
    case 'throw-auth-server':
      throw new MCPAuthAuthServerError('invalid_server_metadata', { cause: 'custom server trouble' });
    case 'throw-plain':
      throw new Error('custom verify exploded');
    default:
      throw new Error(`customVerify: unexpected token ${token}`);
  }
};

// ---------------------------------------------------------------------------------------------

before(async () => {
  env.keys = await createKeys();
  env.as = await startAuthServer({ keys: env.keys });
  env.verified = [];
  // Quotes, backslashes, backticks and what would look like more parameters to a naive parser.
  env.escapeText = 'bad "token", scope="admin" \\ `raw` \\"end\\"';
  const { as } = env;
  env.auth = new MCPAuth({
    profile: PROFILE,
    protectedResources: [
      { metadata: { resource: R, authorizationServers: [as.resolved()], scopesSupported: ['read', 'offline_access', 'write'] } },
      { metadata: { resource: R_BARE, authorizationServers: [as.resolved()] } },
      { metadata: { resource: R_OFFLINE, authorizationServers: [as.resolved()], scopesSupported: ['offline_access'] } },
    ],
  });
  const auth = env.auth;
  const jwt = (config) => ({ mcpAuth: auth, verify: 'jwt', config: { resource: R, ...config } });
  env.servers = await startDoorServers({
    describeRethrown: (error) => ({ code: error?.code }),
    bearer: [
      { path: '/jwt', ...jwt({ requiredScopes: ['read'] }) },
      { path: '/open', ...jwt({}) },
      { path: '/many', ...jwt({ requiredScopes: ['read', 'notes:write', 'read'] }) },
      { path: '/bare', ...jwt({ resource: R_BARE }) },
      { path: '/offline', ...jwt({ resource: R_OFFLINE }) },
      { path: '/details', ...jwt({ requiredScopes: ['read'], showErrorDetails: true }) },
      { path: '/aud-upper', ...jwt({ audience: 'HTTPS://MCP.Example.COM:443/mcp/' }) },
      { path: '/aud-urn', ...jwt({ audience: 'urn:example:mcp' }) },
      { path: '/aud-name', ...jwt({ audience: 'my-api' }) },
      { path: '/strict-clock', ...jwt({ jwtVerify: { clockTolerance: 0 } }) },
      { path: '/custom', mcpAuth: auth, verify: customVerify, config: { resource: R, requiredScopes: ['read'] } },
      { path: '/custom-details', mcpAuth: auth, verify: customVerify, config: { resource: R, requiredScopes: ['read'], showErrorDetails: true } },
    ],
    metadata: [{ kind: 'resource', mcpAuth: auth }],
  });
});

after(async () => {
  await closeDoorServers(env.servers);
  await env.as?.close();
});

/** A token of the fake authorization server for R, `claims` merged (undefined removes a claim). */
const token = (claims = {}, options) => {
  const now = nowSeconds();
  return env.as.token({ iss: env.as.issuer, sub: 'alice', client_id: 'client-1', aud: R, scope: 'read', iat: now, exp: now + 600, ...claims }, options);
};

// ---------------------------------------------------------------------------------------------
// 0. The challenge parser

describe('helpers/challenge.mjs: RFC 9110 challenges', () => {
  test('quoted-strings: escapes, commas and `name="…"` inside values', () => {
    const text = 'a "b", c="d" \\ e';
    const header = `Bearer error="invalid_token", error_description=${quote(text)}, scope="read write"`;
    assert.equal(header, 'Bearer error="invalid_token", error_description="a \\"b\\", c=\\"d\\" \\\\ e", scope="read write"');
    assert.deepEqual(parseBearerChallenge(header), {
      names: ['error', 'error_description', 'scope'],
      params: { error: 'invalid_token', error_description: text, scope: 'read write' },
    });
    // A quoted-pair may escape any visible character, not only `"` and `\`.
    assert.equal(parseBearerChallenge('Bearer x="\\a\\`b"').params.x, 'a`b');
    // Token values, BWS around `=`, names case-insensitive, empty list members.
    assert.deepEqual(parseBearerChallenge('bearer Realm = api ,, error=invalid_token').params, { realm: 'api', error: 'invalid_token' });
    assert.deepEqual(parseBearerChallenge('Bearer').names, []);
    assert.deepEqual(parseBearerChallenge('Bearer x=""').params, { x: '' });
  });

  test('several challenges, token68', () => {
    const challenges = parseChallenges('Basic realm="a, b", Bearer error="x", DPoP algs="ES256 RS256", Negotiate abc+/d==');
    assert.deepEqual(
      challenges.map(({ scheme, token68, params }) => [scheme, token68, params]),
      [
        ['Basic', undefined, [['realm', 'a, b']]],
        ['Bearer', undefined, [['error', 'x']]],
        ['DPoP', undefined, [['algs', 'ES256 RS256']]],
        ['Negotiate', 'abc+/d==', []],
      ],
    );
    assert.throws(() => parseBearerChallenge('Basic realm="x"'), /Bearer scheme/);
    assert.throws(() => parseBearerChallenge('Bearer a="1", Basic'), /one challenge/);
  });

  test('off the grammar: throws', () => {
    for (const bad of [
      'Bearer error="unterminated',
      'Bearer error="a"b"',
      'Bearer error="x" scope="y"',
      'Bearer error="x", error="y"',
      'Bearer error="\\',
      'Bearer error="a\u0001"',
      'Bearer a=1, b=',
      'Bearer a=1 b=2',
      'Bearer error=a b',
      '',
      '"Bearer"',
    ]) {
      assert.throws(() => parseChallenges(bad), SyntaxError, bad);
    }
  });

  test('differential-runner.mjs parseWwwAuthenticate keeps escapes and cuts at an inner `", name=`: not for the profile', () => {
    const header = `Bearer error="invalid_token", error_description=${quote('x", scope="admin')}, scope="read"`;
    assert.notEqual(parseWwwAuthenticate(header).error_description, 'x", scope="admin');
    assert.equal(parseBearerChallenge(header).params.error_description, 'x", scope="admin');
    assert.equal(parseBearerChallenge(header).params.scope, 'read');
  });
});

// ---------------------------------------------------------------------------------------------
// 1. The answer table, row by row, through every door

describe('mcp-2026-07-28: the answer table through every door', () => {
  const run = (label, rows) =>
    test(label, T, async () => {
      for (const row of rows()) await throughEveryDoor(env.servers, { path: '/jwt', ...row, label: row.label });
    });

  run('no credentials (absent, empty, another scheme): 401, no `error`, `scope` from requiredScopes else scopesSupported', () => [
    { label: 'no Authorization header', expected: noCredentials('read') },
    { label: 'empty Authorization header', authorization: '', expected: noCredentials('read') },
    { label: 'Basic credentials', authorization: 'Basic dXNlcjpwYXNz', expected: noCredentials('read') },
    { label: 'DPoP scheme', authorization: `DPoP ${token()}`, expected: noCredentials('read') },
    { label: 'a tab after Bearer is no separator (1*SP)', authorization: `Bearer\t${token()}`, expected: noCredentials('read') },
    { label: 'method and path are not read', method: 'POST', path: '/jwt?scope=admin', expected: noCredentials('read') },
    { label: 'no requiredScopes: scopesSupported without offline_access', path: '/open', expected: noCredentials('read write') },
    { label: 'requiredScopes without duplicates', path: '/many', expected: noCredentials('read notes:write') },
    {
      label: 'neither: no scope parameter',
      path: '/bare',
      expected: { ...noCredentials(undefined), challenge: [['resource_metadata', RM_BARE]] },
    },
    {
      label: 'only offline_access supported: no scope parameter',
      path: '/offline',
      expected: { ...noCredentials(undefined), challenge: [['resource_metadata', RM_OFFLINE]] },
    },
  ]);

  run('malformed Bearer credentials: 400 invalid_request', () => {
    const t = token();
    return [
      { label: 'Bearer alone', authorization: 'Bearer', expected: malformed() },
      { label: 'bearer alone (any case)', authorization: 'bEARER', expected: malformed() },
      { label: 'a second token', authorization: `Bearer ${t} ${t}`, expected: malformed() },
      { label: 'a word after the token', authorization: `Bearer ${t} extra`, expected: malformed() },
      { label: 'a comma after the token', authorization: `Bearer ${t},x`, expected: malformed() },
      { label: 'a comma and a space after the token', authorization: `Bearer ${t}, x`, expected: malformed() },
      { label: 'a comma between two words', authorization: 'Bearer a,b', expected: malformed() },
      { label: 'a quoted token', authorization: `Bearer "${t}"`, expected: malformed() },
      { label: 'padding only', authorization: 'Bearer =', expected: malformed() },
      { label: 'on a route without scopes (never a scope on 400)', path: '/open', authorization: 'Bearer a b', expected: malformed() },
    ];
  });

  run('invalid tokens: 401 invalid_token with resource_metadata and scope', () => {
    const now = nowSeconds();
    return [
      { label: 'not a JWT (three parts)', authorization: 'Bearer not.a.jwt', expected: invalidToken(NOT_VALID) },
      { label: 'not a JWT (one part)', authorization: 'Bearer abc', expected: invalidToken(NOT_VALID) },
      { label: 'no iss', authorization: `Bearer ${token({ iss: undefined })}`, expected: invalidToken(NOT_VALID) },
      { label: 'bad signature', authorization: `Bearer ${token({}, { signer: 'stranger' })}`, expected: invalidToken(TOKEN_INVALID) },
      { label: 'unknown key', authorization: `Bearer ${token({}, { key: 'stranger' })}`, expected: invalidToken(TOKEN_INVALID) },
      { label: 'expired beyond the tolerance', authorization: `Bearer ${token({ exp: now - 120 })}`, expected: invalidToken(TOKEN_INVALID) },
      { label: 'no exp', authorization: `Bearer ${token({ exp: undefined })}`, expected: invalidToken(TOKEN_INVALID) },
      { label: 'exp more than a year ahead', authorization: `Bearer ${token({ exp: now + 366 * DAY })}`, expected: invalidToken(TOKEN_INVALID) },
      { label: 'iat ahead of now + 60 s', authorization: `Bearer ${token({ iat: now + 120 })}`, expected: invalidToken(TOKEN_INVALID) },
      { label: 'untrusted issuer', authorization: `Bearer ${token({ iss: 'https://evil.example.com' })}`, expected: invalidToken(ISSUER) },
      { label: 'audience: another path', authorization: `Bearer ${token({ aud: 'https://mcp.example.com/other' })}`, expected: invalidToken(AUDIENCE) },
      { label: 'audience: none (it is required)', authorization: `Bearer ${token({ aud: undefined })}`, expected: invalidToken(AUDIENCE) },
      { label: 'audience: a number', authorization: `Bearer ${token({ aud: 5 })}`, expected: invalidToken(AUDIENCE) },
      { label: 'audience: a list without it', authorization: `Bearer ${token({ aud: ['https://a.example.com', 'https://b.example.com/mcp'] })}`, expected: invalidToken(AUDIENCE) },
      { label: 'audience: another scheme', authorization: `Bearer ${token({ aud: 'http://mcp.example.com/mcp' })}`, expected: invalidToken(AUDIENCE) },
      { label: 'audience: another port', authorization: `Bearer ${token({ aud: 'https://mcp.example.com:8443/mcp' })}`, expected: invalidToken(AUDIENCE) },
      { label: 'audience: the path is case-sensitive', authorization: `Bearer ${token({ aud: 'https://mcp.example.com/MCP' })}`, expected: invalidToken(AUDIENCE) },
      { label: 'audience: only one trailing slash is ignored', authorization: `Bearer ${token({ aud: 'https://mcp.example.com/mcp//' })}`, expected: invalidToken(AUDIENCE) },
      { label: 'the scheme in any case', authorization: `bearer ${token({ exp: now - 120 })}`, expected: invalidToken(TOKEN_INVALID) },
      { label: 'scope: requiredScopes without duplicates', path: '/many', authorization: `Bearer ${token({ exp: now - 120 })}`, expected: invalidToken(TOKEN_INVALID, 'read notes:write') },
      { label: 'scope: scopesSupported without offline_access', path: '/open', authorization: `Bearer ${token({ exp: now - 120 })}`, expected: invalidToken(TOKEN_INVALID, 'read write') },
      { label: 'scope: none to name', path: '/bare', authorization: `Bearer ${token({ aud: R_BARE, exp: now - 120 })}`, expected: invalidToken(TOKEN_INVALID, null, RM_BARE) },
      { label: 'clockTolerance 0: iat 30 s ahead', path: '/strict-clock', authorization: `Bearer ${token({ iat: now + 30 })}`, expected: invalidToken(TOKEN_INVALID, 'read write') },
      { label: 'clockTolerance 0: expired 30 s ago', path: '/strict-clock', authorization: `Bearer ${token({ exp: now - 30 })}`, expected: invalidToken(TOKEN_INVALID, 'read write') },
      { label: 'audience option: the resource is not accepted then', path: '/aud-urn', authorization: `Bearer ${token()}`, expected: invalidToken(AUDIENCE, 'read write') },
      { label: 'audience option: a non-URL compares exactly', path: '/aud-name', authorization: `Bearer ${token({ aud: 'MY-API' })}`, expected: invalidToken(AUDIENCE, 'read write') },
    ];
  });

  run('missing scopes: 403 insufficient_scope naming every scope needed', () => [
    { label: 'no scope claim', authorization: `Bearer ${token({ scope: undefined })}`, expected: insufficientScope('read') },
    { label: 'other scopes (offline_access is no help)', authorization: `Bearer ${token({ scope: 'write offline_access' })}`, expected: insufficientScope('read') },
    { label: 'one of two (listed once each)', path: '/many', authorization: `Bearer ${token({ scope: 'read' })}`, expected: insufficientScope('read notes:write') },
    { label: 'the other of two', path: '/many', authorization: `Bearer ${token({ scope: 'notes:write' })}`, expected: insufficientScope('read notes:write') },
  ]);

  run('tokens that pass: canonical audiences, token times within the tolerance, one or more spaces', () => {
    const now = nowSeconds();
    const t = token();
    const sameToken = (expected) => (authInfo, where) => {
      assert.equal(authInfo.token, expected, `${where}: AuthInfo.token`);
      assert.deepEqual(authInfo.scopes, ['read'], `${where}: scopes`);
      assert.equal(authInfo.issuer, env.as.issuer, `${where}: issuer`);
    };
    return [
      { label: 'the resource as audience', authorization: `Bearer ${t}`, expected: passes(sameToken(t)) },
      { label: 'the scheme in any case', authorization: `bEaReR ${t}`, expected: passes(sameToken(t)) },
      { label: 'several spaces after the scheme', authorization: `Bearer    ${t}`, expected: passes() },
      { label: 'audience: uppercase scheme and host', authorization: `Bearer ${token({ aud: 'HTTPS://MCP.EXAMPLE.COM/mcp' })}`, expected: passes() },
      { label: 'audience: the default port', authorization: `Bearer ${token({ aud: 'https://mcp.example.com:443/mcp' })}`, expected: passes() },
      { label: 'audience: a trailing slash', authorization: `Bearer ${token({ aud: 'https://mcp.example.com/mcp/' })}`, expected: passes() },
      { label: 'audience: all three', authorization: `Bearer ${token({ aud: 'https://MCP.example.com:443/mcp/' })}`, expected: passes() },
      { label: 'audience: a list naming it', authorization: `Bearer ${token({ aud: ['https://other.example.com/x', 'https://mcp.example.com/mcp/'] })}`, expected: passes() },
      { label: 'audience option: compared canonically too', path: '/aud-upper', authorization: `Bearer ${token({ scope: 'x' })}`, expected: passes() },
      { label: 'audience option: a URN', path: '/aud-urn', authorization: `Bearer ${token({ aud: 'urn:example:mcp' })}`, expected: passes() },
      { label: 'audience option: a non-URL', path: '/aud-name', authorization: `Bearer ${token({ aud: 'my-api' })}`, expected: passes() },
      { label: 'exp just under a year ahead', authorization: `Bearer ${token({ exp: now + 364 * DAY })}`, expected: passes() },
      { label: 'expired 30 s ago (default tolerance 60 s)', authorization: `Bearer ${token({ exp: now - 30 })}`, expected: passes() },
      { label: 'iat 30 s ahead (default tolerance 60 s)', authorization: `Bearer ${token({ iat: now + 30 })}`, expected: passes() },
      { label: 'every required scope', path: '/many', authorization: `Bearer ${token({ scope: 'notes:write read' })}`, expected: passes() },
    ];
  });

  test('two Authorization lines: Node keeps the first (Express, node, Fastify); web Headers join them (fetch, Hono): 400', T, async () => {
    const first = token({ sub: 'first' });
    const second = token({ sub: 'second' });
    for (const server of SERVERS) {
      const joined = server === 'fetch' || server === 'hono';
      const response = await send(env.servers[server].origin, { path: '/jwt', headers: { authorization: [`Bearer ${first}`, `Bearer ${second}`] } });
      if (joined) {
        assert.equal(response.status, 400, server);
        assert.deepEqual(JSON.parse(response.text), malformed().body, server);
      } else {
        assert.equal(response.status, 200, server);
        assert.equal(JSON.parse(response.text).token, first, server);
      }
    }
  });

  test(
    'several spaces after the scheme: the token handed on is the token alone',
    T,
    async () => {
      const t = token({ sub: 'spaces' });
      for (const server of SERVERS) {
        await expectAnswer(env.servers, server, {
          label: 'AuthInfo.token',
          path: '/jwt',
          authorization: `Bearer   ${t}`,
          expected: passes((authInfo, where) => assert.equal(authInfo.token, t, `${where}: AuthInfo.token`)),
        });
      }
    },
  );
});

// ---------------------------------------------------------------------------------------------
// 2. Custom verify functions

describe('mcp-2026-07-28: custom verify functions', () => {
  const rows = () => [
    {
      label: 'an AuthInfo that passes reaches the route unchanged',
      authorization: 'Bearer good',
      expected: passes((authInfo, where) => {
        const { expiresAt, ...rest } = authInfo;
        assert.equal(typeof expiresAt, 'number', where);
        assert.deepEqual(
          rest,
          { token: 'good', issuer: env.as.issuer, clientId: 'custom-client', scopes: ['read', 'write'], audience: R, subject: 'custom-user', extra: { from: 'customVerify' } },
          where,
        );
      }),
    },
    { label: 'audiences compared canonically', authorization: 'Bearer good-canonical-audience', expected: passes() },
    { label: 'its MCPAuthTokenVerificationError', authorization: 'Bearer throw-token-verification', expected: invalidToken(TOKEN_INVALID) },
    { label: 'another audience', authorization: 'Bearer other-audience', expected: invalidToken(AUDIENCE) },
    { label: 'no audience (required)', authorization: 'Bearer no-audience', expected: invalidToken(AUDIENCE) },
    { label: 'an untrusted issuer', authorization: 'Bearer untrusted', expected: invalidToken(ISSUER) },
    { label: 'too few scopes', authorization: 'Bearer few-scopes', expected: insufficientScope('read') },
    {
      label: 'a description with quotes',
      authorization: 'Bearer throw-header-format',
      expected: invalidToken(bearerAuthErrorDescription.invalid_auth_header_format),
    },
    { label: 'a description with quotes, backslashes, backticks', authorization: 'Bearer throw-escapes', expected: invalidToken(env.escapeText) },
    { label: 'its MCPAuthAuthServerError', authorization: 'Bearer throw-auth-server', expected: serverError() },
    { label: 'no credentials', expected: noCredentials('read') },
    { label: 'malformed credentials', authorization: 'Bearer good extra', expected: malformed() },
  ];

  test('the same answers as bearerAuth("jwt")', T, async () => {
    for (const row of rows()) await throughEveryDoor(env.servers, { path: '/custom', ...row });
  });

  test('the escaped description, on the wire', T, async () => {
    assert.match(bearerAuthErrorDescription.invalid_auth_header_format, /"Bearer <token>"/);
    const response = await send(env.servers.express.origin, { path: '/custom', headers: { authorization: 'Bearer throw-escapes' } });
    assert.ok(
      response.headers['www-authenticate'].includes(`error_description=${quote(env.escapeText)},`),
      response.headers['www-authenticate'],
    );
  });

  test('malformed or absent credentials never reach it; an error it throws that is no MCP-Auth error is rethrown', T, async () => {
    env.verified.length = 0;
    for (const server of SERVERS) {
      for (const authorization of [undefined, 'Bearer', 'Bearer a b', 'Basic x']) {
        await send(env.servers[server].origin, { path: '/custom', headers: headersOf(authorization) });
      }
      const response = await send(env.servers[server].origin, { path: '/custom', headers: { authorization: 'Bearer throw-plain' } });
      assert.equal(response.status, 599, `${server}: rethrown to the app`);
      assert.equal(JSON.parse(response.text).rethrown.message, 'custom verify exploded', server);
    }
    assert.deepEqual(env.verified, SERVERS.map(() => 'throw-plain'));
  });

  test(
    'several spaces after the scheme: it gets the token alone',
    T,
    async () => {
      env.verified.length = 0;
      for (const server of SERVERS) {
        await send(env.servers[server].origin, { path: '/custom', headers: { authorization: 'Bearer   good' } });
      }
      assert.deepEqual(env.verified, SERVERS.map(() => 'good'));
    },
  );
});

// ---------------------------------------------------------------------------------------------
// 3. showErrorDetails

describe('mcp-2026-07-28: showErrorDetails adds `cause` to the body only', () => {
  test('the challenge is the same; the body carries the cause', T, async () => {
    const other = 'https://mcp.example.com/other';
    const authorization = `Bearer ${token({ aud: other })}`;
    await throughEveryDoor(env.servers, {
      label: 'audience mismatch, details',
      path: '/details',
      authorization,
      expected: invalidToken(AUDIENCE),
      bodyCheck: (body, where) => assert.deepEqual(body, { error: 'invalid_token', error_description: AUDIENCE, cause: { expected: R, actual: other } }, where),
    });
    await throughEveryDoor(env.servers, {
      label: 'expired, details',
      path: '/details',
      authorization: `Bearer ${token({ exp: nowSeconds() - 600 })}`,
      expected: invalidToken(TOKEN_INVALID),
      bodyCheck: (body, where) => {
        assert.deepEqual(Object.keys(body), ['error', 'error_description', 'cause'], where);
        assert.equal(body.cause.code, 'ERR_JWT_EXPIRED', where);
      },
    });
    // Nothing to add where there is no cause.
    await throughEveryDoor(env.servers, { label: 'no credentials, details', path: '/details', expected: noCredentials('read') });
    await throughEveryDoor(env.servers, { label: 'malformed, details', path: '/details', authorization: 'Bearer a,b', expected: malformed() });
  });

  test(
    'the cause of a jose failure holds no internal marker keys',
    T,
    async () => {
      const response = await send(env.servers.express.origin, { path: '/details', headers: { authorization: `Bearer ${token({ exp: nowSeconds() - 600 })}` } });
      assert.equal(response.status, 401);
      assert.ok(!response.text.includes('\\u0000'), response.text);
      assert.deepEqual(JSON.parse(response.text).cause.cause, { code: 'ERR_JWT_EXPIRED', name: 'JWTExpired', claim: 'exp', reason: 'check_failed', payload: JSON.parse(response.text).cause.cause?.payload });
    },
  );

  test(
    'a custom verify function\'s error: its cause',
    T,
    async () => {
      const response = await send(env.servers.express.origin, { path: '/custom-details', headers: { authorization: 'Bearer throw-token-verification' } });
      assert.equal(response.status, 401);
      assert.deepEqual(JSON.parse(response.text).cause, { cause: 'custom says no' }, 'the error\'s cause, as compat shows it');
    },
  );
});

// ---------------------------------------------------------------------------------------------
// 4. The authorization server unreachable or misconfigured

describe('mcp-2026-07-28: the authorization server unreachable (503) or misconfigured (500)', () => {
  /** `startDoorServers` for one profile MCPAuth of R whose authorization server is `server`. */
  const withServers = async (server, fn, config = {}) => {
    const mcpAuth = new MCPAuth({ profile: PROFILE, protectedResources: { metadata: { resource: R, authorizationServers: [server], scopesSupported: ['read', 'offline_access'] } } });
    const bearer = { mcpAuth, verify: 'jwt', config: { resource: R, remoteJwkSet: { timeoutDuration: 300 }, ...config } };
    const servers = await startDoorServers({
      bearer: [
        { path: '/jwt', ...bearer },
        { path: '/details', ...bearer, config: { ...bearer.config, showErrorDetails: true } },
      ],
    });
    try {
      await fn(servers);
    } finally {
      await closeDoorServers(servers);
    }
  };

  before(() => env.as.reset());
  after(() => env.as.reset());

  test('the JWKS on a closed port: 503 + Retry-After: 5, no challenge; with details a cause', T, async () => {
    const port = await closedPort();
    await withServers(env.as.resolved({ jwksUri: `http://127.0.0.1:${port}/jwks` }), async (servers) => {
      await throughEveryDoor(servers, { label: 'JWKS refused', authorization: `Bearer ${token()}`, expected: unavailable() });
      await throughEveryDoor(servers, {
        label: 'JWKS refused, details',
        path: '/details',
        authorization: `Bearer ${token()}`,
        expected: unavailable(),
        bodyCheck: (body, where) => {
          assert.deepEqual(Object.keys(body), ['error', 'error_description', 'cause'], where);
          assert.equal(body.error, 'temporarily_unavailable', where);
        },
      });
    });
  });

  test('the JWKS answering 502: 503 at every request (never cached), then served again once it is back', T, async () => {
    const { as } = env;
    as.reset();
    await withServers(as.resolved(), async (servers) => {
      as.set({ jwks: 502 });
      for (const server of SERVERS) {
        const before = as.count('jwks');
        await expectAnswer(servers, server, { label: 'JWKS 502', path: '/jwt', authorization: `Bearer ${token()}`, expected: unavailable() });
        assert.equal(as.count('jwks'), before + 1, `${server}: the next request asks again`);
      }
      as.set({ jwks: 'ok' });
      for (const server of SERVERS) {
        await expectAnswer(servers, server, { label: 'JWKS back', path: '/jwt', authorization: `Bearer ${token()}`, expected: passes() });
      }
    });
    as.reset();
  });

  test('the authorization server down (connection refused), then back on the same port', T, async () => {
    const { as } = env;
    as.reset();
    await withServers(as.resolved(), async (servers) => {
      await as.goDown();
      try {
        await throughEveryDoor(servers, { label: 'server down', authorization: `Bearer ${token()}`, expected: unavailable() });
      } finally {
        await as.comeBack();
      }
      await throughEveryDoor(servers, { label: 'server back', authorization: `Bearer ${token()}`, expected: passes() });
    });
  });

  test('the JWKS timing out: 503', T, async () => {
    const { as } = env;
    as.reset();
    await withServers(as.resolved(), async (servers) => {
      as.set({ jwks: 'hang' });
      for (const server of ['reference', 'node']) {
        await expectAnswer(servers, server, { label: 'JWKS timeout', path: '/jwt', authorization: `Bearer ${token()}`, expected: unavailable() });
      }
    });
    as.reset();
  });

  test('lazy discovery: metadata 503 or a refused connection: 503', T, async () => {
    const { as } = env;
    as.reset();
    await withServers(as.discovery(), async (servers) => {
      as.set({ metadata: 503 });
      await throughEveryDoor(servers, { label: 'metadata 503', authorization: `Bearer ${token()}`, expected: unavailable() });
      as.set({ metadata: 'ok' });
      await throughEveryDoor(servers, { label: 'metadata back', authorization: `Bearer ${token()}`, expected: passes() });
    });
    const port = await closedPort();
    const issuer = `http://127.0.0.1:${port}`;
    await withServers({ issuer, type: 'oauth' }, async (servers) => {
      await throughEveryDoor(servers, { label: 'metadata refused', authorization: `Bearer ${token({ iss: issuer })}`, expected: unavailable() });
    });
    as.reset();
  });

  test('misconfigured: metadata 404, not JSON, wrong shape, no jwks_uri (resolved or discovered): 500 server_error', T, async () => {
    const { as } = env;
    for (const [label, fault] of [
      ['metadata 404', { metadata: 404 }],
      ['metadata not JSON', { metadata: 'invalidJson' }],
      ['metadata of the wrong shape', { metadata: 'wrongShape' }],
      ['discovered metadata without jwks_uri', { metadataOmit: ['jwks_uri'] }],
    ]) {
      as.reset();
      as.set(fault);
      await withServers(as.discovery(), async (servers) => {
        await throughEveryDoor(servers, { label, authorization: `Bearer ${token()}`, expected: serverError() });
      });
    }
    as.reset();
    const { jwksUri: _omitted, ...noJwks } = as.resolved().metadata;
    await withServers({ metadata: noJwks, type: 'oauth' }, async (servers) => {
      await throughEveryDoor(servers, { label: 'resolved metadata without jwksUri', authorization: `Bearer ${token()}`, expected: serverError() });
      await throughEveryDoor(servers, {
        label: 'resolved metadata without jwksUri, details',
        path: '/details',
        authorization: `Bearer ${token()}`,
        expected: serverError(),
        bodyCheck: (body, where) => {
          assert.deepEqual(Object.keys(body), ['error', 'error_description', 'cause'], where);
          assert.equal(body.error, 'server_error', where);
        },
      });
    });
  });

  test('lazy discovery: the metadata naming another issuer is a 500, not cached: fixed, the next request passes', T, async () => {
    const { as } = env;
    as.reset();
    await withServers(as.discovery(), async (servers) => {
      for (const other of [`${as.issuer}/`, 'https://evil.example.com']) {
        as.set({ metadataExtra: { issuer: other } });
        for (const server of SERVERS) {
          const before = as.count('metadata');
          await expectAnswer(servers, server, { label: `metadata issuer ${other}`, path: '/jwt', authorization: `Bearer ${token()}`, expected: serverError() });
          assert.equal(as.count('metadata'), before + 1, `${server}: fetched again (the failure is not cached)`);
        }
      }
      as.set({ metadataExtra: {} });
      await throughEveryDoor(servers, { label: 'metadata fixed', authorization: `Bearer ${token()}`, expected: passes() });
    });
    as.reset();
  });

  test(
    'misconfigured JWKS (404, not JSON, wrong shape): 500 server_error',
    T,
    async () => {
      const { as } = env;
      try {
        for (const [label, jwks] of [
          ['JWKS 404', 404],
          ['JWKS not JSON', 'invalidJson'],
          ['JWKS of the wrong shape', 'wrongShape'],
        ]) {
          as.reset();
          as.set({ jwks });
          await withServers(as.resolved(), async (servers) => {
            await expectAnswer(servers, 'reference', { label, path: '/jwt', authorization: `Bearer ${token()}`, expected: serverError() });
          });
        }
      } finally {
        as.reset();
      }
    },
  );

  test(
    'with details, a 500 of lazy discovery carries a cause',
    T,
    async () => {
      const { as } = env;
      as.reset();
      as.set({ metadata: 404 });
      try {
        await withServers(as.discovery(), async (servers) => {
          const response = await send(servers.reference.origin, { path: '/details', headers: { authorization: `Bearer ${token()}` } });
          assert.equal(response.status, 500);
          assert.ok(JSON.parse(response.text).cause, response.text);
        });
      } finally {
        as.reset();
      }
    },
  );
});

// ---------------------------------------------------------------------------------------------
// 5. Setup errors

describe('mcp-2026-07-28: setup errors', () => {
  const config = () => ({ protectedResources: { metadata: { resource: R, authorizationServers: [env.as.resolved()] } } });
  const isConfigError = (error) => {
    assert.ok(error instanceof MCPAuthAuthServerError, `${error?.name}: ${error?.message}`);
    assert.ok(error instanceof MCPAuthError);
    assert.equal(error.code, 'invalid_server_config');
    return true;
  };

  test('an unknown profile: the constructor throws MCPAuthAuthServerError(invalid_server_config)', () => {
    for (const profile of ['strict', 'MCP-2026-07-28', 'mcp-2026-07-28 ', '', 5, true, {}, ['mcp-2026-07-28']]) {
      assert.throws(() => quietly(() => new MCPAuth({ ...config(), profile })), isConfigError, JSON.stringify(profile));
    }
    for (const profile of ['compat', PROFILE, undefined]) {
      assert.doesNotThrow(() => new MCPAuth({ ...config(), profile }), String(profile));
    }
  });

  test('the profile with `server` (legacy mode): the constructor throws; `compat` with `server` does not', () => {
    assert.throws(() => quietly(() => new MCPAuth({ server: env.as.resolved(), profile: PROFILE })), isConfigError);
    assert.throws(() => quietly(() => new MCPAuth({ server: env.as.discovery(), profile: PROFILE })), isConfigError);
    assert.throws(() => quietly(() => new MCPAuth({ ...config(), server: env.as.resolved(), profile: PROFILE })), isConfigError);
    const { value, warnings } = quietly(() => new MCPAuth({ server: env.as.resolved(), profile: 'compat' }));
    assert.ok(value instanceof MCPAuth);
    assert.equal(warnings.length, 1, 'the deprecation warning');
  });

  test('offline_access in requiredScopes: every bearerAuth throws at creation; compat does not', () => {
    const profiled = new MCPAuth({ ...config(), profile: PROFILE });
    const compat = new MCPAuth(config());
    const verify = async () => ({});
    for (const requiredScopes of [['offline_access'], ['read', 'offline_access']]) {
      const options = { resource: R, requiredScopes };
      const makers = {
        main: (auth, mode) => auth.bearerAuth(mode, options),
        ...Object.fromEntries(Object.entries(DOOR_MODULES).map(([name, door]) => [name, (auth, mode) => door.bearerAuth(auth, mode, options)])),
      };
      for (const [name, make] of Object.entries(makers)) {
        for (const mode of ['jwt', verify]) {
          const what = `${name} ${typeof mode === 'string' ? mode : 'custom verify'} ${requiredScopes}`;
          assert.throws(() => make(profiled, mode), isConfigError, what);
          assert.equal(typeof make(compat, mode), 'function', `${what}: compat`);
        }
      }
    }
    // A setup error, not a request-time answer: other scopes are fine.
    assert.equal(typeof profiled.bearerAuth('jwt', { resource: R, requiredScopes: ['read'] }), 'function');
  });
});

// ---------------------------------------------------------------------------------------------
// 6. The RFC 9728 document

describe('mcp-2026-07-28: the protected resource metadata leaves offline_access out', () => {
  test('every door (the Express router first)', T, async () => {
    for (const server of SERVERS) {
      const response = await send(env.servers[server].origin, { path: PRM_PATH });
      assert.equal(response.status, 200, server);
      assert.deepEqual(
        JSON.parse(response.text),
        { resource: R, scopes_supported: ['read', 'write'], authorization_servers: [env.as.issuer] },
        server,
      );
      const offline = await send(env.servers[server].origin, { path: PRM_OFFLINE_PATH });
      assert.equal(offline.status, 200, server);
      assert.deepEqual(JSON.parse(offline.text), { resource: R_OFFLINE, authorization_servers: [env.as.issuer] }, `${server}: nothing left to list`);
    }
  });

  test('compat keeps it', T, async () => {
    const compat = new MCPAuth({
      protectedResources: { metadata: { resource: R, authorizationServers: [env.as.resolved()], scopesSupported: ['read', 'offline_access'] } },
    });
    const servers = await startDoorServers({ metadata: [{ kind: 'resource', mcpAuth: compat }] });
    try {
      for (const server of ['reference', 'fastify']) {
        const response = await send(servers[server].origin, { path: PRM_PATH });
        assert.deepEqual(JSON.parse(response.text).scopes_supported, ['read', 'offline_access'], server);
      }
    } finally {
      await closeDoorServers(servers);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// 7. compat unchanged

describe('compat (the default) is unchanged', () => {
  test('no Authorization header: the answer of mcp-auth 0.2.0, through every door', T, async () => {
    const resource = { metadata: { resource: R, authorizationServers: [env.as.resolved()], scopesSupported: ['read', 'offline_access'] } };
    const config = { resource: R, requiredScopes: ['read'] };
    // mcp-auth itself, behind Express.
    const referenceAuth = new ref.MCPAuth({ protectedResources: resource });
    const app = express();
    app.get('/jwt', referenceAuth.bearerAuth('jwt', config), (req, res) => res.json(req.auth));
    const server = http.createServer(app);
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    let expected;
    try {
      const answer = await send(`http://127.0.0.1:${server.address().port}`, { path: '/jwt' });
      expected = { status: answer.status, challenge: answer.headers['www-authenticate'], body: JSON.parse(answer.text) };
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    assert.equal(expected.status, 401);
    assert.equal(expected.body.error, 'missing_auth_header');
    for (const profile of [undefined, 'compat']) {
      const mcpAuth = new MCPAuth(profile === undefined ? { protectedResources: resource } : { protectedResources: resource, profile });
      const servers = await startDoorServers({ bearer: [{ path: '/jwt', mcpAuth, verify: 'jwt', config }] });
      try {
        for (const name of SERVERS) {
          const answer = await send(servers[name].origin, { path: '/jwt' });
          const where = `${name}, profile ${profile}`;
          assert.equal(answer.status, expected.status, where);
          assert.equal(answer.headers['www-authenticate'], expected.challenge, where);
          assert.equal(answer.headers['retry-after'], undefined, where);
          assert.deepEqual(JSON.parse(answer.text), expected.body, where);
        }
      } finally {
        await closeDoorServers(servers);
      }
    }
  });
});
