// A Rust panic must surface as a JS error (sync: thrown; async: rejected promise), never abort
// the Node process; the addon keeps working afterwards.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import * as rs from 'mcp-auth-rs';
import { within, startMetadataServer } from './helpers/metadata-server.mjs';

const require = createRequire(import.meta.url);
const binding = require('../binding.cjs');
const T = { timeout: 5000 };

test('the internal binding exposes the panic probes', T, () => {
  assert.equal(typeof binding.panicProbe, 'function');
  assert.equal(typeof binding.panicProbeAsync, 'function');
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

  const valid = rs.validateServerConfig({
    metadata: {
      issuer: 'https://idp.example.com',
      authorizationEndpoint: 'https://idp.example.com/authorize',
      tokenEndpoint: 'https://idp.example.com/token',
      responseTypesSupported: ['code'],
      codeChallengeMethodsSupported: ['S256'],
      registrationEndpoint: 'https://idp.example.com/register',
    },
    type: 'oauth',
  });
  assert.deepEqual(valid, { isValid: true, warnings: [] });

  // Async native path (URL derivation + fetch): an unparsable issuer rejects normally.
  const err = await within(
    rs.fetchServerConfig('not a url', { type: 'oauth' }).catch((e) => e),
    3000,
    'fetchServerConfig',
  );
  assert.ok(err instanceof TypeError);
  assert.equal(err.code, 'ERR_INVALID_URL');

  // A real fetch over the async runtime after the async panics.
  const srv = await startMetadataServer({
    '/.well-known/openid-configuration': {
      body: {
        issuer: 'https://idp.example.com',
        authorization_endpoint: 'a',
        token_endpoint: 't',
        response_types_supported: ['code'],
      },
    },
  });
  try {
    const resolved = await within(rs.fetchServerConfig(srv.origin, { type: 'oidc' }), 3000, 'fetch after panics');
    assert.deepEqual(resolved, {
      metadata: { issuer: 'https://idp.example.com', authorizationEndpoint: 'a', tokenEndpoint: 't', responseTypesSupported: ['code'] },
      type: 'oidc',
    });
  } finally {
    await srv.close();
  }

  assert.equal(new rs.MCPAuthAuthServerError('missing_jwks_uri').message,
    'The server metadata does not contain a JWKS URI, which is required for JWT verification.');
});
