// Hardening: a misbehaving authorization server (metadata endpoint and JWKS endpoint) never hangs
// a request past its deadline, never buffers an unbounded body, never crashes the process, and a
// failure is never cached: the next request after the server recovers succeeds.
//
// Deadlines: metadata fetched by MCPAuth (discovery config) 10 s (fixed default); metadata fetched
// by `fetchServerConfig` here with `requestTimeout: 1000`; JWKS with `timeoutDuration: 500`.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { MCPAuth, MCPAuthAuthServerError, MCPAuthConfigError, fetchServerConfig } from 'mcp-auth-rs';
import { HUGE_BYTES, startAuthServer } from '../helpers/auth-server.mjs';
import { callMiddleware, startApp } from '../helpers/hardening.mjs';
import { createKeys, nowSeconds, signToken } from '../helpers/tokens.mjs';
import { sleep, timed } from '../helpers/util.mjs';

const R = 'https://api.example.com/mcp';
const keys = await createKeys();

// Everything opened is closed at the end, even when a test fails half-way.
const closers = [];
after(async () => {
  for (const close of closers.reverse()) await close().catch(() => {});
});

const crashes = [];
const onCrash = (error) => crashes.push(error);
process.on('uncaughtException', onCrash);
process.on('unhandledRejection', onCrash);

const open = async (options) => {
  const server = await startAuthServer({ keys, ...options });
  closers.push(() => server.close());
  return server;
};

const protect = async (as, endpoint) => {
  const auth = new MCPAuth({
    protectedResources: {
      metadata: { resource: R, authorizationServers: [endpoint === 'metadata' ? as.discovery() : as.resolved()] },
    },
  });
  const app = await startApp(auth.bearerAuth('jwt', { resource: R, showErrorDetails: true, remoteJwkSet: { timeoutDuration: 500 } }));
  closers.push(() => app.close());
  return app;
};

const tokenFor = (as, key = keys.rsa, extra = {}) =>
  signToken({ key, claims: { iss: as.issuer, sub: 'user-1', exp: nowSeconds() + 600, ...extra } });

const breakServer = async (as, endpoint, fault) => {
  if (fault === 'down') await as.goDown();
  else as.set({ [endpoint]: fault });
};
const repairServer = async (as, endpoint, fault) => {
  if (fault === 'down') await as.comeBack();
  else as.set({ [endpoint]: 'ok' });
};

const FAULTS = ['hang', 'drip', 500, 404, 'invalidJson', 'wrongShape', 'huge', 'hugeDeclared', 'redirectLoop', 'resetMidBody', 'down'];
const MAX_STREAMED = 16 * 1024 * 1024; // the 1 MiB cap + socket buffers; far below the 50 MB offered

// ---------------------------------------------------------------------------------------------
// Metadata endpoint, discovery config in MCPAuth, through a real Express app.

const htmlRethrow = { status: 500, html: true };
const metadataViaMcpAuth = (as) => ({
  hang: { status: 500, causeError: 'fetch_server_config_error', description: /no complete response within 10000 ms$/, minMs: 9500, maxMs: 11000 },
  drip: { status: 500, causeError: 'fetch_server_config_error', description: /no complete response within 10000 ms$/, minMs: 9500, maxMs: 11000 },
  500: { status: 500, causeError: 'fetch_server_config_error', description: `Failed to fetch server config from ${as.metadataUrl}: Internal Server Error` },
  404: { status: 500, causeError: 'fetch_server_config_error', description: `Failed to fetch server config from ${as.metadataUrl}: Not Found` },
  // Always answered (README, Differences): the reference rethrows the SyntaxError.
  invalidJson: { status: 500, causeError: 'invalid_server_metadata' },
  wrongShape: { status: 500, causeError: 'invalid_server_metadata' },
  huge: { status: 500, causeError: 'fetch_server_config_error', description: /response body larger than 1048576 bytes$/, maxMs: 2000 },
  hugeDeclared: { status: 500, causeError: 'fetch_server_config_error', description: /response body larger than 1048576 bytes$/, maxMs: 2000 },
  redirectLoop: { ...htmlRethrow, requests: 21 }, // the first request + 20 redirects followed
  resetMidBody: htmlRethrow,
  down: { ...htmlRethrow, requests: 0 },
});

const checkMetadataAnswer = (answer, expected, ms, as, label) => {
  assert.equal(answer.status, expected.status, `${label}: status`);
  assert.equal(answer.wwwAuthenticate, undefined, `${label}: no WWW-Authenticate on a 500`);
  if (expected.html) {
    assert.match(answer.contentType ?? '', /text\/html/, `${label}: the error reached Express's default handler`);
  } else {
    assert.match(answer.contentType ?? '', /application\/json/, `${label}: JSON answer`);
    assert.equal(answer.body.error, 'server_error');
    assert.equal(answer.body.cause?.error, expected.causeError, `${label}: cause.error`);
    if (typeof expected.description === 'string') assert.equal(answer.body.cause.error_description, expected.description);
    else if (expected.description) assert.match(answer.body.cause.error_description, expected.description);
  }
  assert.ok(ms <= (expected.maxMs ?? 1000), `${label}: answered in ${Math.round(ms)} ms (limit ${expected.maxMs ?? 1000})`);
  if (expected.minMs) assert.ok(ms >= expected.minMs, `${label}: waited for the deadline (${Math.round(ms)} ms)`);
  if (expected.requests !== undefined) assert.equal(as.count('metadata'), expected.requests, `${label}: metadata requests`);
  if (as.streamed('metadata') > 0) {
    assert.ok(as.streamed('metadata') < MAX_STREAMED, `${label}: server wrote ${as.streamed('metadata')} of ${HUGE_BYTES} bytes before the client gave up`);
  }
};

/** One fault on the metadata endpoint seen through MCPAuth; then the server recovers. */
const metadataScenario = async (fault) => {
  const as = await open();
  const app = await protect(as, 'metadata');
  const token = await tokenFor(as);
  await breakServer(as, 'metadata', fault);
  const { ok, value: answer, error, ms } = await timed(app.request(`Bearer ${token}`, { timeoutMs: 15000 }));
  assert.ok(ok, `request failed: ${error}`);
  checkMetadataAnswer(answer, metadataViaMcpAuth(as)[fault], ms, as, `metadata ${fault}`);
  assert.equal(as.count('jwks'), 0, 'no JWKS request without metadata');

  // Not cached: once the server is fine again, the very next request fetches and succeeds.
  await repairServer(as, 'metadata', fault);
  const before = as.count('metadata');
  const recovered = await app.request(`Bearer ${token}`);
  assert.equal(recovered.status, 200, `metadata ${fault}: recovered (${JSON.stringify(recovered.body)})`);
  assert.equal(as.count('metadata'), before + 1, 'the failure was not cached: one new metadata fetch');
  assert.equal(as.count('jwks'), 1);
  await as.close();
};

test('metadata (MCPAuth discovery): never answers / one byte per second → JSON 500 fetch_server_config_error at the 10 s deadline', { timeout: 20000 }, async () => {
  // Both at once: each waits the full fixed 10 s deadline.
  await Promise.all([metadataScenario('hang'), metadataScenario('drip')]);
});

for (const fault of FAULTS.filter((f) => f !== 'hang' && f !== 'drip')) {
  test(`metadata (MCPAuth discovery): ${fault}`, { timeout: 10000 }, () => metadataScenario(fault));
}

// ---------------------------------------------------------------------------------------------
// Metadata endpoint, `fetchServerConfig` with `requestTimeout`.

const fetchExpectations = (as) => ({
  hang: { error: MCPAuthConfigError, code: 'fetch_server_config_error', message: /no complete response within 1000 ms$/, minMs: 950, maxMs: 2000 },
  drip: { error: MCPAuthConfigError, code: 'fetch_server_config_error', message: /no complete response within 1000 ms$/, minMs: 950, maxMs: 2000 },
  500: { error: MCPAuthConfigError, code: 'fetch_server_config_error', message: `Failed to fetch server config from ${as.metadataUrl}: Internal Server Error` },
  404: { error: MCPAuthConfigError, code: 'fetch_server_config_error', message: `Failed to fetch server config from ${as.metadataUrl}: Not Found` },
  invalidJson: { error: SyntaxError },
  wrongShape: { error: MCPAuthAuthServerError, code: 'invalid_server_metadata' },
  huge: { error: MCPAuthConfigError, code: 'fetch_server_config_error', message: /response body larger than 1048576 bytes$/, maxMs: 2000 },
  hugeDeclared: { error: MCPAuthConfigError, code: 'fetch_server_config_error', message: /response body larger than 1048576 bytes$/, maxMs: 2000 },
  redirectLoop: { error: TypeError, message: 'fetch failed', cause: /too many redirects/, requests: 21 },
  resetMidBody: { error: TypeError, message: 'fetch failed' },
  down: { error: TypeError, message: 'fetch failed', cause: /refused/i, requests: 0 },
});

for (const fault of FAULTS) {
  test(`metadata (fetchServerConfig, requestTimeout 1000): ${fault}`, { timeout: 10000 }, async () => {
    const as = await open();
    await breakServer(as, 'metadata', fault);
    const expected = fetchExpectations(as)[fault];
    const { ok, error, ms } = await timed(fetchServerConfig(as.issuer, { type: 'oauth', requestTimeout: 1000 }));
    assert.equal(ok, false, 'must reject');
    assert.ok(error instanceof expected.error, `expected ${expected.error.name}, got ${error?.name}: ${error?.message}`);
    if (expected.code) assert.equal(error.code, expected.code);
    if (typeof expected.message === 'string') assert.equal(error.message, expected.message);
    else if (expected.message) assert.match(error.message, expected.message);
    if (expected.cause) assert.match(String(error.cause?.message), expected.cause);
    assert.ok(ms <= (expected.maxMs ?? 1000), `rejected in ${Math.round(ms)} ms (limit ${expected.maxMs ?? 1000})`);
    if (expected.minMs) assert.ok(ms >= expected.minMs, `waited for the deadline (${Math.round(ms)} ms)`);
    if (expected.requests !== undefined) assert.equal(as.count('metadata'), expected.requests);
    assert.ok(as.streamed('metadata') < MAX_STREAMED, `server wrote ${as.streamed('metadata')} bytes`);

    await repairServer(as, 'metadata', fault);
    const config = await fetchServerConfig(as.issuer, { type: 'oauth', requestTimeout: 1000 });
    assert.equal(config.metadata.jwksUri, as.jwksUri, 'recovered');
  });
}

// ---------------------------------------------------------------------------------------------
// JWKS endpoint (resolved metadata), `remoteJwkSet: { timeoutDuration: 500 }`.

const jwksExpectations = {
  hang: { code: 'ERR_JWKS_TIMEOUT', minMs: 450, maxMs: 1500 },
  drip: { code: 'ERR_JWKS_TIMEOUT', minMs: 450, maxMs: 1500 },
  500: { code: 'ERR_JOSE_GENERIC' },
  404: { code: 'ERR_JOSE_GENERIC' },
  invalidJson: { code: 'ERR_JOSE_GENERIC' },
  wrongShape: { code: 'ERR_JWKS_INVALID' },
  huge: { code: 'ERR_JOSE_GENERIC', maxMs: 1500 },
  hugeDeclared: { code: 'ERR_JOSE_GENERIC', maxMs: 1500 },
  redirectLoop: { code: 'ERR_JOSE_GENERIC', requests: 1 }, // redirects are refused, not followed
  resetMidBody: { code: 'JWT_VERIFICATION_FAILED' },
  down: { code: 'JWT_VERIFICATION_FAILED', requests: 0 },
};

for (const fault of FAULTS) {
  test(`JWKS (timeoutDuration 500): ${fault}`, { timeout: 10000 }, async () => {
    const as = await open();
    const app = await protect(as, 'jwks');
    const token = await tokenFor(as);
    await breakServer(as, 'jwks', fault);
    const expected = jwksExpectations[fault];
    const { ok, value: answer, error, ms } = await timed(app.request(`Bearer ${token}`));
    assert.ok(ok, `request failed: ${error}`);
    assert.equal(answer.status, 401, JSON.stringify(answer.body));
    assert.match(answer.wwwAuthenticate, /^Bearer error="invalid_token"/);
    assert.equal(answer.body.error, 'invalid_token');
    assert.equal(answer.body.error_description, 'The provided token is invalid or malformed.');
    assert.equal(answer.body.cause?.code, expected.code);
    assert.ok(ms <= (expected.maxMs ?? 1000), `answered in ${Math.round(ms)} ms (limit ${expected.maxMs ?? 1000})`);
    if (expected.minMs) assert.ok(ms >= expected.minMs, `waited for the deadline (${Math.round(ms)} ms)`);
    if (expected.requests !== undefined) assert.equal(as.count('jwks'), expected.requests);
    assert.ok(as.streamed('jwks') < MAX_STREAMED, `server wrote ${as.streamed('jwks')} of ${HUGE_BYTES} bytes`);
    assert.equal(as.count('metadata'), 0, 'resolved config: no metadata request');

    await repairServer(as, 'jwks', fault);
    const before = as.count('jwks');
    const recovered = await app.request(`Bearer ${token}`);
    assert.equal(recovered.status, 200, `recovered (${JSON.stringify(recovered.body)})`);
    assert.equal(as.count('jwks'), before + 1, 'the failure was not cached: one new JWKS fetch');
  });
}

// ---------------------------------------------------------------------------------------------
// The server goes down after the caches are warm; then it rotates its keys.

test('server goes down after warm-up: cached tokens and cached keys keep working; a new kid fails cleanly; recovery', { timeout: 10000 }, async () => {
  let published = [keys.rsa.jwk, keys.ec.jwk];
  const as = await open({ jwks: () => ({ keys: published }) });
  const auth = new MCPAuth({ protectedResources: { metadata: { resource: R, authorizationServers: [as.discovery()] } } });
  const mw = auth.bearerAuth('jwt', {
    resource: R,
    showErrorDetails: true,
    remoteJwkSet: { timeoutDuration: 500, cooldownDuration: 300 },
  });
  const bearer = async (token) => callMiddleware(mw, `Bearer ${token}`);

  const warm = await tokenFor(as);
  assert.equal((await bearer(warm)).status, 'next');
  assert.deepEqual([as.count('metadata'), as.count('jwks')], [1, 1]);

  await as.goDown();

  // The same token (verified-token cache) and new tokens for both cached keys.
  assert.equal((await bearer(warm)).status, 'next', 'cached token');
  assert.equal((await bearer(await tokenFor(as, keys.rsa, { jti: 'a' }))).status, 'next', 'cached RSA key');
  assert.equal((await bearer(await tokenFor(as, keys.ec, { jti: 'b' }))).status, 'next', 'cached EC key');

  // A new kid within the cooldown: no fetch, NO_MATCHING_KEY.
  const rotated = await tokenFor(as, keys.next);
  let answer = await bearer(rotated);
  assert.equal(answer.status, 401);
  assert.equal(answer.body.cause.code, 'ERR_JWKS_NO_MATCHING_KEY');

  // After the cooldown: a refetch is attempted, fails (connection refused) → a clean 401, fast.
  await sleep(350);
  const { value, ms } = await timed(bearer(rotated));
  answer = value;
  assert.equal(answer.status, 401, JSON.stringify(answer.body));
  assert.equal(answer.body.error, 'invalid_token');
  assert.equal(answer.body.cause.code, 'JWT_VERIFICATION_FAILED');
  assert.ok(ms < 1500, `${Math.round(ms)} ms`);

  // The failed refetch did not drop the cache: cached token and cached keys still work.
  assert.equal((await bearer(warm)).status, 'next', 'cached token after a failed refetch');
  assert.equal((await bearer(await tokenFor(as, keys.ec, { jti: 'c' }))).status, 'next', 'cached key after a failed refetch');

  // Back up, with the new key published: the new kid works (failure not cached).
  published = [keys.rsa.jwk, keys.ec.jwk, keys.next.jwk];
  await as.comeBack();
  await sleep(350);
  assert.equal((await bearer(rotated)).status, 'next', 'new kid after recovery');
  assert.equal(as.count('metadata'), 1, 'metadata fetched once in all');
  assert.equal(as.count('jwks'), 2);
  assert.equal(crashes.length, 0);
});

test('key rotation: new kid works after the cooldown; the removed kid fails (fresh and previously cached tokens)', { timeout: 10000 }, async () => {
  let published = [keys.rsa.jwk, keys.ec.jwk];
  const as = await open({ jwks: () => ({ keys: published }) });
  const auth = new MCPAuth({ protectedResources: { metadata: { resource: R, authorizationServers: [as.resolved()] } } });
  const mw = auth.bearerAuth('jwt', { resource: R, showErrorDetails: true, remoteJwkSet: { timeoutDuration: 500, cooldownDuration: 1000 } });
  const bearer = async (token) => callMiddleware(mw, `Bearer ${token}`);

  const oldToken = await tokenFor(as, keys.rsa);
  assert.equal((await bearer(oldToken)).status, 'next');
  assert.equal(as.count('jwks'), 1);

  // Rotation: rsa-2 added, rsa-1 removed.
  published = [keys.next.jwk, keys.ec.jwk];
  const newToken = await tokenFor(as, keys.next);
  let answer = await bearer(newToken);
  assert.equal(answer.status, 401, 'within the cooldown the new kid is unknown');
  assert.equal(answer.body.cause.code, 'ERR_JWKS_NO_MATCHING_KEY');
  assert.equal(as.count('jwks'), 1, 'no refetch within the cooldown');

  await sleep(1100);
  assert.equal((await bearer(newToken)).status, 'next', 'new kid after the cooldown');
  assert.equal(as.count('jwks'), 2, 'exactly one refetch');

  answer = await bearer(await tokenFor(as, keys.rsa, { jti: 'fresh-old-kid' }));
  assert.equal(answer.status, 401, 'a fresh token with the removed kid');
  assert.equal(answer.body.cause.code, 'ERR_JWKS_NO_MATCHING_KEY');

  answer = await bearer(oldToken);
  assert.equal(answer.status, 401, 'the previously verified (cached) token with the removed kid');
  assert.equal(answer.body.cause.code, 'ERR_JWKS_NO_MATCHING_KEY');
  assert.equal(as.count('jwks'), 2, 'still within the cooldown of the refetch');
});

test('the process survived every fault: no uncaught exception or unhandled rejection', { timeout: 2000 }, () => {
  assert.deepEqual(crashes.map(String), []);
  assert.ok(process.memoryUsage().rss > 0);
});
