// The benchmark's verify floor (bench/libraries.mjs, `floor (addon verify)`) is the test addon's
// `SignatureProbe`: it must accept exactly the tokens whose signature the JWKS's key checks, so
// that the floor never passes a request the middleware would have to refuse for its signature.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testAddon } from './helpers/test-addon.mjs';
import { createKeys, rawToken, signToken } from './helpers/tokens.mjs';

const keys = await createKeys();
const probe = new testAddon.SignatureProbe(JSON.stringify({ keys: [keys.rsa.jwk, keys.ec.jwk] }));

test('SignatureProbe accepts RS256 and ES256 tokens signed by the set\'s keys, whatever their claims', async () => {
  assert.equal(probe.verify(await signToken({ key: keys.rsa, claims: { sub: 'a' } })), true);
  assert.equal(probe.verify(await signToken({ key: keys.ec, claims: { exp: 1 } })), true);
});

test('SignatureProbe refuses another key\'s signature, a tampered payload, an unknown kid and garbage', async () => {
  assert.equal(probe.verify(await signToken({ key: keys.stranger, header: { kid: 'rsa-1' } })), false);
  assert.equal(probe.verify(await signToken({ key: keys.ecStranger, header: { kid: 'ec-1' } })), false);
  const [header, , signature] = (await signToken({ key: keys.rsa, claims: { sub: 'a' } })).split('.');
  assert.equal(probe.verify(`${header}.${rawToken({}, { sub: 'b' }).split('.')[1]}.${signature}`), false);
  assert.equal(probe.verify(await signToken({ key: keys.next })), false);
  assert.equal(probe.verify(rawToken({ alg: 'none' }, {}, '')), false);
  assert.equal(probe.verify('not a token'), false);
});

test('SignatureProbe refuses a malformed key set with an error', () => {
  assert.throws(() => new testAddon.SignatureProbe('{}'), /JSON Web Key Set malformed/);
  assert.throws(() => new testAddon.SignatureProbe('not json'), Error);
});
