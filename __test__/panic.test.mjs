// A Rust panic must surface as a JS error (sync: thrown; async: rejected promise), never abort
// the Node process; the addon keeps working afterwards. The panic probes exist only in the test
// addon (the shipped one has none).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { testAddon as binding } from './helpers/test-addon.mjs';
import { within } from './helpers/util.mjs';
import { startHttpServer } from './helpers/http-server.mjs';

const require = createRequire(import.meta.url);
const T = { timeout: 5000 };

test('the test addon exposes the panic probes; the shipped addon does not', T, () => {
  assert.equal(typeof binding.panicProbe, 'function');
  assert.equal(typeof binding.panicProbeAsync, 'function');
  const shipped = require('../binding.cjs');
  assert.equal(shipped.panicProbe, undefined);
  assert.equal(shipped.codecProbeDecisions, undefined);
  assert.equal(shipped.SignatureProbe, undefined);
});

test('panicProbe (sync) throws an Error; the process stays alive; a later call throws again', T, () => {
  assert.throws(() => binding.panicProbe('first sync panic'), (err) => {
    assert.ok(err instanceof Error, `expected an Error, got ${typeof err}`);
    return true;
  });
  assert.throws(() => binding.panicProbe('second sync panic'), Error);
  assert.equal(process.exitCode ?? 0, 0);
});

test('panicProbe: the error message carries the panic message', T, () => {
  try {
    binding.panicProbe('distinctive-sync-marker');
    assert.fail('panicProbe returned');
  } catch (err) {
    assert.ok(err instanceof Error);
    assert.match(String(err.message), /distinctive-sync-marker/);
  }
});

test('panicProbeAsync rejects (a promise is returned, nothing thrown synchronously)', T, async () => {
  let promise;
  assert.doesNotThrow(() => {
    promise = binding.panicProbeAsync('async panic');
  });
  assert.ok(promise instanceof Promise || typeof promise?.then === 'function');
  await assert.rejects(within(promise, 3000, 'panicProbeAsync'), (err) => {
    assert.ok(err instanceof Error, `expected an Error, got ${typeof err}`);
    return true;
  });
  // And again: the async runtime survived the first panic.
  await assert.rejects(within(binding.panicProbeAsync('async panic 2'), 3000, 'panicProbeAsync'), Error);
});

test('several concurrent async panics all reject', T, async () => {
  const results = await within(
    Promise.allSettled(Array.from({ length: 8 }, (_, i) => binding.panicProbeAsync(`concurrent ${i}`))),
    3000,
    'concurrent panics',
  );
  assert.deepEqual(results.map((r) => r.status), Array(8).fill('rejected'));
  for (const r of results) assert.ok(r.reason instanceof Error);
});

test('after the panics, normal exports still work (sync and async native paths)', T, async () => {
  assert.throws(() => binding.panicProbe('one more'), Error);
  await assert.rejects(binding.panicProbeAsync('one more'), Error);

  // The same addon's sync and async exports, called as the JS layer calls them.
  const metadata = {
    issuer: 'https://idp.example.com',
    authorizationEndpoint: 'https://idp.example.com/authorize',
    tokenEndpoint: 'https://idp.example.com/token',
    responseTypesSupported: ['code'],
    codeChallengeMethodsSupported: ['S256'],
    registrationEndpoint: 'https://idp.example.com/register',
  };
  assert.deepEqual(JSON.parse(binding.validateServerConfig(JSON.stringify(metadata), false)), { isValid: true, warnings: [] });
  assert.throws(() => binding.wellKnownUrl('not a url', 'oauth'), /ERR_INVALID_URL/);

  // A real fetch over the async runtime after the async panics.
  const document = { issuer: 'https://idp.example.com', authorization_endpoint: 'a' };
  const srv = await startHttpServer({ '/.well-known/openid-configuration': { body: document } });
  try {
    const text = await within(binding.fetchMetadataText(`${srv.origin}/.well-known/openid-configuration`), 3000, 'fetch after panics');
    assert.deepEqual(JSON.parse(text), document);
  } finally {
    await srv.close();
  }
});

test('a malformed TOKIO_WORKER_THREADS (even empty) does not abort Node on the first async call', { timeout: 20_000 }, async () => {
  const { spawnSync } = await import('node:child_process');
  const script = `
    const { fetchServerConfig } = await import('./index.js');
    try { await fetchServerConfig('http://127.0.0.1:9/x', { type: 'oauth' }); } catch (error) { console.log('rejected: ' + error.message); }
  `;
  for (const value of ['', 'many']) {
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: new URL('..', import.meta.url),
      env: { ...process.env, TOKIO_WORKER_THREADS: value },
      encoding: 'utf8',
      timeout: 15_000,
    });
    assert.equal(child.status, 0, `TOKIO_WORKER_THREADS=${JSON.stringify(value)}: ${child.stderr.slice(-500)}`);
    assert.match(child.stdout, /rejected: fetch failed/);
  }
});
