// Hardening: the JS ↔ Rust boundary. Bad argument types from JS (numbers, objects, undefined, null,
// symbols, BigInts, huge strings where strings are expected) end in a thrown or rejected `Error`
// — never an abort of the process, never a hang. Where the reference `mcp-auth@0.2.0` is
// comparable, the error class is compared too. Plus: a hanging JWKS fetch with 200 requests
// waiting on it does not block the event loop.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as rs from 'mcp-auth-rs';
import * as ref from 'mcp-auth';
import { startAuthServer } from '../helpers/auth-server.mjs';
import { closedPort } from '../helpers/http-server.mjs';
import { callMiddleware, quietly } from '../helpers/hardening.mjs';
import { createKeys, nowSeconds, signToken } from '../helpers/tokens.mjs';
import { timed, within } from '../helpers/util.mjs';

const R = 'https://api.example.com/mcp';
const T = { timeout: 15000 };
const sym = Symbol('boundary');
const huge = 'x'.repeat(8 * 1024 * 1024);
const dead = `http://127.0.0.1:${await closedPort()}`; // connection refused: fetches fail fast

const crashes = [];
process.on('uncaughtException', (e) => crashes.push(e));
process.on('unhandledRejection', (e) => crashes.push(e));

const closers = [];
after(async () => {
  for (const close of closers.reverse()) await close().catch(() => {});
});

/**
 * Runs `fn` (sync or async) and settles it into `{ kind: 'returned' | 'threw' | 'rejected', value,
 * error }` within `ms` (a promise still pending after that is a failure: a hang).
 */
const outcome = async (fn, ms = 5000) => {
  let value;
  try {
    value = fn();
  } catch (error) {
    return { kind: 'threw', error };
  }
  if (!value || typeof value.then !== 'function') return { kind: 'returned', value };
  value.catch(() => {}); // a call that outlives the bound must not become an unhandled rejection
  try {
    return { kind: 'resolved', value: await within(value, ms, 'call') };
  } catch (error) {
    if (String(error?.message).startsWith('call did not settle')) return { kind: 'hang', error };
    return { kind: 'rejected', error };
  }
};

/** `fn` must fail with an `Error` (thrown or rejected), for both libraries when `compare`. */
const assertFails = async (label, fn, { typeError = false } = {}) => {
  const got = await quietly(() => outcome(() => fn(rs)));
  assert.ok(got.kind === 'threw' || got.kind === 'rejected', `${label}: expected an error, got ${got.kind}`);
  assert.ok(got.error instanceof Error, `${label}: not an Error: ${String(got.error)}`);
  if (typeError) assert.ok(got.error instanceof TypeError, `${label}: expected a TypeError, got ${got.error.name}: ${got.error.message}`);
  return got.error;
};

/** Both libraries fail, or both succeed (the reference is lenient with some inputs too). */
const sameFate = async (label, fn) => {
  const [got, reference] = await quietly(async () => [await outcome(() => fn(rs)), await outcome(() => fn(ref))]);
  assert.notEqual(got.kind, 'hang', `${label}: hangs`);
  const failed = (o) => o.kind === 'threw' || o.kind === 'rejected';
  if (failed(got)) assert.ok(got.error instanceof Error, `${label}: not an Error: ${String(got.error)}`);
  assert.equal(failed(got), failed(reference), `${label}: rs ${got.kind} ${got.error?.message ?? ''} / reference ${reference.kind} ${reference.error?.message ?? ''}`);
  return { got, reference };
};

const withResource = (lib) =>
  new lib.MCPAuth({ protectedResources: { metadata: { resource: R, authorizationServers: [{ issuer: dead, type: 'oauth' }] } } });

// ---------------------------------------------------------------------------------------------
// Discovery functions

const NON_STRINGS = [['number', 123], ['undefined', undefined], ['null', null], ['object', {}], ['array', ['https://x']], ['symbol', sym], ['bigint', 10n], ['function', () => 'https://x']];

test('fetchServerConfig(<non-string issuer>) rejects with an Error', T, async () => {
  for (const [name, issuer] of NON_STRINGS) await assertFails(`fetchServerConfig(${name})`, (lib) => lib.fetchServerConfig(issuer, { type: 'oauth' }));
});

test('fetchServerConfig(<non-string issuer>) rejects with TypeError ERR_INVALID_URL, like the reference', T, async () => {
  // (An array stringifies to its one URL, which parses: the fetch then fails, without a URL error.)
  for (const [name, issuer] of NON_STRINGS.filter(([n]) => n !== 'symbol' && n !== 'array')) {
    const error = await assertFails(`fetchServerConfig(${name})`, (lib) => lib.fetchServerConfig(issuer, { type: 'oauth' }), { typeError: true });
    assert.equal(error.code, 'ERR_INVALID_URL', name);
  }
});

test('fetchServerConfig: bad config objects and option types reject (never hang)', T, async () => {
  await assertFails('config undefined', (lib) => lib.fetchServerConfig(dead, undefined), { typeError: true });
  await assertFails('config null', (lib) => lib.fetchServerConfig(dead, null), { typeError: true });
  for (const type of [sym, 5, null, {}, huge]) await assertFails(`type ${String(type).slice(0, 20)}`, (lib) => lib.fetchServerConfig(dead, { type }));
  for (const requestTimeout of ['1000', true, sym, {}, 10n]) {
    await assertFails(`requestTimeout ${typeof requestTimeout}`, (lib) => lib.fetchServerConfig(dead, { type: 'oauth', requestTimeout }));
  }
  for (const maxResponseBytes of ['1', {}, sym]) {
    await assertFails(`maxResponseBytes ${typeof maxResponseBytes}`, (lib) => lib.fetchServerConfig(dead, { type: 'oauth', maxResponseBytes }));
  }
  await assertFails('huge issuer', (lib) => lib.fetchServerConfig(`https://${huge}`, { type: 'oauth' }), { typeError: true });
  await assertFails('huge path', (lib) => lib.fetchServerConfig(`${dead}/${huge}`, { type: 'oidc' }), { typeError: true });
});

test('fetchServerConfig: out-of-range numeric requestTimeout is refused up front, not wrapped modulo 2^32', T, async () => {
  const as = await startAuthServer();
  closers.push(() => as.close());
  as.set({ metadata: 'hang' });
  for (const requestTimeout of [-1, Infinity, NaN, 2 ** 32 + 500, 1e20]) {
    const pending = rs.fetchServerConfig(as.issuer, { type: 'oauth', requestTimeout });
    pending.catch(() => {}); // settles (if ever) after the server is closed
    const result = await timed(within(pending, 1500, `requestTimeout ${requestTimeout}`));
    assert.equal(result.ok, false);
    assert.ok(result.error instanceof RangeError || result.error instanceof TypeError, `requestTimeout ${requestTimeout}: ${result.error.name}: ${result.error.message}`);
  }
});

test('fetchServerConfigByWellKnownUrl: non-string / huge URLs and bad configs reject with an Error', T, async () => {
  for (const [name, url] of NON_STRINGS) {
    await sameFate(`byWellKnownUrl(${name})`, (lib) => lib.fetchServerConfigByWellKnownUrl(url, { type: 'oauth' }));
  }
  await assertFails('huge URL', (lib) => lib.fetchServerConfigByWellKnownUrl(`${dead}/${huge}`, { type: 'oauth' }), { typeError: true });
  await assertFails('config null', (lib) => lib.fetchServerConfigByWellKnownUrl(`${dead}/x`, null), { typeError: true });
  await assertFails('transpileData not a function', (lib) => lib.fetchServerConfigByWellKnownUrl(`${dead}/x`, { type: 'oauth', transpileData: 5 }));
});

test('validateServerConfig / getIssuer with garbage: an Error or a result, as in the reference', T, async () => {
  for (const [label, args] of [
    ['null', [null]],
    ['undefined', []],
    ['5', [5]],
    ['{}', [{}]],
    ['metadata null', [{ metadata: null }]],
    ['metadata symbol', [{ metadata: sym }]],
    ['metadata of symbols', [{ metadata: { issuer: sym, responseTypesSupported: 5, grantTypesSupported: [sym] } }]],
    ['metadata with BigInt', [{ metadata: { issuer: 10n, authorizationEndpoint: 'x', tokenEndpoint: 'y', responseTypesSupported: ['code'] } }]],
    ['huge metadata, verbose symbol', [{ metadata: { issuer: huge, authorizationEndpoint: huge, tokenEndpoint: 'x', responseTypesSupported: [huge] } }, sym]],
  ]) {
    const { got } = await sameFate(`validateServerConfig(${label})`, (lib) => lib.validateServerConfig(...args));
    if (got.kind === 'returned') assert.equal(typeof got.value, 'object');
  }
  for (const value of [null, undefined, 5, sym, huge]) await sameFate(`getIssuer(${String(value).slice(0, 10)})`, (lib) => lib.getIssuer(value));
});

// ---------------------------------------------------------------------------------------------
// MCPAuth and its factories

test('new MCPAuth(<garbage>) throws an Error (same fate as the reference)', T, async () => {
  const configs = [
    ['5', 5],
    ['nothing', undefined],
    ['null', null],
    ['string', 'x'],
    ['symbol', sym],
    ['{}', {}],
    ['protectedResources: 5', { protectedResources: 5 }],
    ['protectedResources: null', { protectedResources: null }],
    ['metadata: null', { protectedResources: { metadata: null } }],
    ['authorizationServers: "x"', { protectedResources: { metadata: { resource: R, authorizationServers: 'x' } } }],
    ['authorizationServers: [5]', { protectedResources: { metadata: { resource: R, authorizationServers: [5] } } }],
    ['authorizationServers: [null]', { protectedResources: { metadata: { resource: R, authorizationServers: [null] } } }],
    ['authorizationServers: [{metadata: 5}]', { protectedResources: { metadata: { resource: R, authorizationServers: [{ metadata: 5, type: 'oauth' }] } } }],
    ['authorizationServers: [{metadata: {issuer: 5}}]', { protectedResources: { metadata: { resource: R, authorizationServers: [{ metadata: { issuer: 5, jwksUri: {} }, type: 'oauth' }] } } }],
    ['server: 5', { server: 5 }],
    ['server: null', { server: null }],
    ['server: {metadata: null}', { server: { metadata: null, type: 'oauth' } }],
    ['server: {metadata: {issuer: symbol}}', { server: { metadata: { issuer: sym }, type: 'oauth' } }],
  ];
  for (const [label, config] of configs) await sameFate(`new MCPAuth(${label})`, (lib) => new lib.MCPAuth(config));
  // Accepted by both (lazy configs are not validated until used), and usable afterwards.
  for (const [label, config] of [
    ['resource: 5', { protectedResources: { metadata: { resource: 5 } } }],
    ['resource: symbol', { protectedResources: { metadata: { resource: sym } } }],
    ['resource: huge', { protectedResources: { metadata: { resource: `https://${huge}` } } }],
    ['discovery issuer 5', { protectedResources: { metadata: { resource: R, authorizationServers: [{ issuer: 5, type: 'oauth' }] } } }],
    ['discovery issuer/type symbols', { protectedResources: { metadata: { resource: R, authorizationServers: [{ issuer: sym, type: sym }] } } }],
  ]) {
    const { got } = await sameFate(`new MCPAuth(${label})`, (lib) => new lib.MCPAuth(config));
    if (got.kind === 'returned') await sameFate(`${label}: router`, () => got.value.protectedResourceMetadataRouter());
  }
});

test("bearerAuth with bad modes and options: throws an Error or returns a working middleware", T, async () => {
  for (const [label, args] of [
    ["'jwt', { resource: {} }", ['jwt', { resource: {} }]],
    ["'jwt', { resource: 5 }", ['jwt', { resource: 5 }]],
    ["'jwt', { resource: huge }", ['jwt', { resource: `https://${huge}` }]],
    ["'jwt', null", ['jwt', null]],
    ['5', [5, { resource: R }]],
    ['symbol', [sym, { resource: R }]],
    ['null', [null, { resource: R }]],
    ["'opaque'", ['opaque', { resource: R }]],
  ]) {
    await sameFate(`bearerAuth(${label})`, (lib) => withResource(lib).bearerAuth(...args));
  }
  await assertFails("bearerAuth('jwt', { resource: symbol })", (lib) => withResource(lib).bearerAuth('jwt', { resource: sym }));

  // Options of the wrong types: the middleware is created (or creation throws an Error), and a
  // request through it ends in an answer or a rejected Error.
  const token = `Bearer ${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify({ iss: dead, sub: 'x' })).toString('base64url')}.c2ln`;
  for (const [label, options] of [
    ['wrong-typed policy', { audience: 5, requiredScopes: 'read', showErrorDetails: 'yes', jwtVerify: 5, remoteJwkSet: 'x' }],
    ['wrong-typed jwtVerify', { jwtVerify: { algorithms: 'RS256', clockTolerance: {}, currentDate: 'x', maxTokenAge: sym, typ: 5, crit: 'x' } }],
    ['wrong-typed remoteJwkSet', { remoteJwkSet: { timeoutDuration: -1, cooldownDuration: 'x', cacheMaxAge: NaN } }],
    ['huge remoteJwkSet numbers', { remoteJwkSet: { timeoutDuration: 1e20, cooldownDuration: 2 ** 64, cacheMaxAge: 1e300 } }],
    ['remoteJwkSet.headers: 5', { remoteJwkSet: { headers: 5 } }],
    ['remoteJwkSet.headers with a symbol', { remoteJwkSet: { headers: { a: sym } } }],
    ['requiredScopes with symbols', { requiredScopes: [sym, 5, null] }],
    ['jwtVerify with BigInt', { jwtVerify: { clockTolerance: 10n } }],
  ]) {
    const created = await quietly(() => outcome(() => withResource(rs).bearerAuth('jwt', { resource: R, ...options })));
    if (created.kind === 'threw') {
      assert.ok(created.error instanceof Error, `${label}: ${String(created.error)}`);
      continue;
    }
    assert.equal(created.kind, 'returned', label);
    const answer = await callMiddleware(created.value, token);
    assert.ok(answer.status === 500 || answer.status === 401 || answer.error instanceof Error, `${label}: ${answer.status} ${answer.error}`);
  }
});

test('handleBearerAuth(<garbage>) throws the reference TypeErrors; odd but accepted configs work', T, async () => {
  for (const [label, config] of [
    ['undefined', undefined],
    ['null', null],
    ['5', 5],
    ['{}', {}],
    ['verifyAccessToken: 5', { verifyAccessToken: 5, issuer: 'https://x' }],
    ['issuer: 5', { verifyAccessToken: () => ({}), issuer: 5 }],
    ['issuer: symbol', { verifyAccessToken: () => ({}), issuer: sym }],
    ['issuer: not a URL', { verifyAccessToken: () => ({}), issuer: 'not a url' }],
    ['issuer: null', { verifyAccessToken: () => ({}), issuer: null }],
  ]) {
    const { got, reference } = await sameFate(`handleBearerAuth(${label})`, (lib) => lib.handleBearerAuth(config));
    assert.equal(got.error?.constructor?.name, reference.error?.constructor?.name, label);
    assert.equal(got.error?.message, reference.error?.message, label);
  }
  // Accepted by both; a request through each resolves or rejects with an Error.
  const info = { issuer: 'https://x', clientId: 'c', scopes: ['a'], token: 't' };
  for (const [label, config] of [
    ['huge issuer', { verifyAccessToken: () => ({ ...info, issuer: `https://${huge}` }), issuer: `https://${huge}` }],
    ['wrong-typed rest', { verifyAccessToken: () => info, issuer: 'https://x', requiredScopes: 'read', audience: {}, resource: 5, showErrorDetails: sym }],
    ['resource symbol', { verifyAccessToken: () => info, issuer: 'https://x', resource: sym }],
    ['verifier returns null', { verifyAccessToken: () => null, issuer: 'https://x' }],
    ['verifier returns symbols', { verifyAccessToken: () => ({ issuer: 'https://x', scopes: [sym, 5], audience: 10n }), issuer: 'https://x', requiredScopes: ['a'], audience: 'b' }],
    ['verifier returns scopes string', { verifyAccessToken: () => ({ issuer: 'https://x', scopes: 'a' }), issuer: 'https://x', requiredScopes: ['a'] }],
    ['verifier throws a symbol', { verifyAccessToken: () => { throw sym; }, issuer: 'https://x' }],
  ]) {
    const mw = rs.handleBearerAuth(config);
    const answer = await quietly(() => callMiddleware(mw, 'Bearer t'));
    assert.ok([401, 403, 'next', 'rejected'].includes(answer.status), `${label}: ${answer.status}`);
    if (answer.status === 'rejected' && label !== 'verifier throws a symbol') assert.ok(answer.error instanceof Error, `${label}: ${String(answer.error)}`);
  }
});

test('createVerifyJwt with bad keys, options and tokens: the verifier rejects with an Error', T, async () => {
  const jwt = `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from('{"iss":"x","sub":"y"}').toString('base64url')}.c2ln`;
  for (const [label, getKey, options, token] of [
    ['getKey null', null, undefined, jwt],
    ['getKey 5', 5, undefined, jwt],
    ['getKey symbol', sym, undefined, jwt],
    ['getKey huge string', huge, undefined, jwt],
    ['getKey returns a symbol', () => sym, undefined, jwt],
    ['getKey returns a bad JWK', () => ({ kty: 5, n: {}, e: sym }), undefined, jwt],
    ['getKey throws a symbol', () => { throw sym; }, undefined, jwt],
    ['options 5', () => ({}), 5, jwt],
    ['options of wrong types', () => ({}), { algorithms: 5, currentDate: sym, clockTolerance: {} }, jwt],
    ['token 123', () => ({}), undefined, 123],
    ['token null', () => ({}), undefined, null],
    ['token symbol', () => ({}), undefined, sym],
    ['token object', () => ({}), undefined, { toString: () => jwt }],
    ['token huge', () => ({}), undefined, huge],
    ['token huge JWT', () => ({}), undefined, `${jwt}${'A'.repeat(4 * 1024 * 1024)}`],
  ]) {
    const { got, reference } = await sameFate(`createVerifyJwt(${label})`, (lib) => lib.createVerifyJwt(getKey, options)(token));
    assert.equal(got.kind, 'rejected', label);
    assert.equal(got.error.constructor.name, reference.error.constructor.name, `${label}: ${got.error.message} / ${reference.error.message}`);
  }
});

test('the middleware with req.headers.authorization of the wrong type: the reference\'s outcome, never a crash', T, async () => {
  const values = [['number', 5], ['array', ['Bearer a.b.c']], ['object', { a: 1 }], ['symbol', sym], ['boolean', true], ['bigint', 10n], ['huge', `Bearer ${huge}`], ['null', null], ['zero', 0], ['false', false]];
  const summary = ({ status, body, error }) => (status === 'rejected' ? [status, error?.constructor?.name, error?.message] : [status, body?.error]);
  const outcomes = {};
  for (const [name, lib] of [['rs', rs], ['ref', ref]]) {
    const jwt = withResource(lib).bearerAuth('jwt', { resource: R });
    const custom = withResource(lib).bearerAuth(() => ({ issuer: dead, clientId: 'c', scopes: [], token: 't' }), { resource: R });
    for (const [value, headerValue] of values) {
      for (const [kind, mw] of [['jwt', jwt], ['custom', custom]]) {
        const answer = await quietly(() => callMiddleware(mw, undefined, { headers: { authorization: headerValue } }));
        (outcomes[`${kind} ${value}`] ??= {})[name] = summary(answer);
      }
    }
    // Not a request at all: rejected with a TypeError, as in the reference.
    const res = { set() { return this; }, get() {}, status() { return this; }, json() { return this; }, send() { return this; } };
    for (const req of [null, {}, { headers: null }]) {
      const settled = await outcome(() => jwt(req, res, () => {}));
      assert.equal(settled.kind, 'rejected', `${name} ${JSON.stringify(req)}`);
      assert.ok(settled.error instanceof TypeError, `${name} ${JSON.stringify(req)}`);
    }
  }
  for (const [key, { rs: got, ref: expected }] of Object.entries(outcomes)) assert.deepEqual(got, expected, key);
  // Truthy non-strings: the reference's `split` TypeError (Express answers 500); falsy: no header.
  assert.deepEqual(outcomes['jwt number'].rs, ['rejected', 'TypeError', 'authHeader.split is not a function or its return value is not iterable']);
  assert.deepEqual(outcomes['jwt null'].rs, [401, 'missing_auth_header']);
  assert.deepEqual(outcomes['custom huge'].rs, ['next', undefined]);
});

// ---------------------------------------------------------------------------------------------
// Event loop

test('200 requests waiting on a hanging JWKS fetch (timeoutDuration 2000): event-loop p99 delay < 50 ms', T, async () => {
  const keys = await createKeys();
  const as = await startAuthServer({ jwks: () => ({ keys: [keys.rsa.jwk] }) });
  closers.push(() => as.close());
  as.set({ jwks: 'hang' });
  const auth = new rs.MCPAuth({ protectedResources: { metadata: { resource: R, authorizationServers: [as.resolved()] } } });
  const mw = auth.bearerAuth('jwt', { resource: R, showErrorDetails: true, remoteJwkSet: { timeoutDuration: 2000 } });
  const tokens = await Promise.all(
    Array.from({ length: 200 }, (_, i) => signToken({ key: keys.ec, claims: { iss: as.issuer, sub: `u-${i}`, exp: nowSeconds() + 600 } })),
  );

  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const started = performance.now();
  const answers = await within(Promise.all(tokens.map((t) => callMiddleware(mw, `Bearer ${t}`))), 5000, '200 waiting requests');
  const elapsed = performance.now() - started;
  histogram.disable();

  const p99 = histogram.percentile(99) / 1e6;
  const max = histogram.max / 1e6;
  console.log(`event loop while 200 requests waited ${Math.round(elapsed)} ms on a hanging JWKS: p50 ${(histogram.percentile(50) / 1e6).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms`);
  assert.equal(as.count('jwks'), 1, 'one shared JWKS request');
  assert.ok(elapsed >= 1900 && elapsed < 3000, `answered after ${Math.round(elapsed)} ms`);
  for (const answer of answers) {
    assert.equal(answer.status, 401);
    assert.equal(answer.body.cause.code, 'ERR_JWKS_TIMEOUT');
  }
  assert.ok(p99 < 50, `event loop p99 delay ${p99.toFixed(1)} ms`);
});

test('no uncaught exception or unhandled rejection escaped', { timeout: 2000 }, () => {
  assert.deepEqual(crashes.map(String), []);
});
