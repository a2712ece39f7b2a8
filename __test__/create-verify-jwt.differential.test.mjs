// createVerifyJwt(getKey, options) through mcp-auth and mcp-auth-rs: the key comes from JS in every
// form jose accepts (KeyObject, JWK, CryptoKey, HMAC secret, a getKey function that throws), and
// the outcome (AuthInfo, or error class/code/jose code) must be the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import * as jose from 'jose';
import * as ref from 'mcp-auth';
import * as rs from 'mcp-auth-rs';

const { privateKey, publicKey } = await jose.generateKeyPair('RS256', { extractable: true });
const { publicKey: strangerKey } = await jose.generateKeyPair('RS256');
const ecKeys = await jose.generateKeyPair('ES256', { extractable: true });
const p521Keys = await jose.generateKeyPair('ES512', { extractable: true });
const edKeys = await jose.generateKeyPair('EdDSA', { extractable: true });
const psKeys = await jose.generateKeyPair('PS384', { extractable: true });
const publicJwk = await jose.exportJWK(publicKey);
const secret = new TextEncoder().encode('0123456789abcdef0123456789abcdef');
const now = Math.floor(Date.now() / 1000);
const sign = (claims, { alg = 'RS256', key = privateKey, header = {} } = {}) =>
  new jose.SignJWT(claims).setProtectedHeader({ alg, kid: 'k', ...header }).sign(key);
const claims = { iss: 'https://issuer.example', sub: 'user', scope: 'read write', azp: 'client', exp: now + 600, aud: 'api' };

const withSignature = (token, change) => {
  const end = token.lastIndexOf('.') + 1;
  return token.slice(0, end) + change(token.slice(end));
};
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
// A 32-byte signature is 43 characters; the last one carries 4 bits of it and 2 unused bits.
const flipLastUnusedBit = (sig) => sig.slice(0, -1) + B64URL[B64URL.indexOf(sig.at(-1)) ^ 1];

const outcome = async (lib, getKey, token, options) => {
  try {
    const { token: _token, ...info } = await lib.createVerifyJwt(getKey, options)(token);
    return { ok: info };
  } catch (error) {
    return { error: [error.constructor.name, error.code, error.cause?.code ?? error.cause?.cause] };
  }
};

const CASES = [
  ['KeyObject', () => createPublicKey({ key: publicJwk, format: 'jwk' }), () => sign(claims)],
  ['public JWK', () => publicJwk, () => sign(claims)],
  ['CryptoKey', () => publicKey, () => sign(claims)],
  ['key given directly (not a function)', publicJwk, () => sign(claims)],
  ['HS256 with a Uint8Array secret', () => secret, () => sign(claims, { alg: 'HS256', key: secret })],
  ['ES256 with a JWK', async () => jose.exportJWK(ecKeys.publicKey), () => sign(claims, { alg: 'ES256', key: ecKeys.privateKey })],
  ['ES512 (P-521)', () => p521Keys.publicKey, () => sign(claims, { alg: 'ES512', key: p521Keys.privateKey })],
  ['EdDSA', () => edKeys.publicKey, () => sign(claims, { alg: 'EdDSA', key: edKeys.privateKey })],
  ['PS384', () => psKeys.publicKey, () => sign(claims, { alg: 'PS384', key: psKeys.privateKey })],
  ['audience option mismatch', () => publicJwk, () => sign(claims), { audience: 'other' }],
  ['expired by currentDate', () => publicJwk, () => sign(claims), { currentDate: new Date((now + 1200) * 1000) }],
  ['clockTolerance string', () => publicJwk, () => sign({ ...claims, exp: now - 30 }), { clockTolerance: '1 minute' }],
  ['algorithms allowlist', () => publicJwk, () => sign(claims), { algorithms: ['ES256'] }],
  ['getKey throws', () => { throw new Error('no key'); }, () => sign(claims)],
  ['wrong key', () => strangerKey, () => sign(claims)],
  ['RS256 token, EC key', async () => jose.exportJWK(ecKeys.publicKey), () => sign(claims)],
  ['missing sub', () => publicJwk, () => sign({ ...claims, sub: undefined })],
  ['malformed token', () => publicJwk, () => 'not.a.jwt'],
  // The HMAC signature is compared as the bytes jose's forgiving base64url decoder gives.
  ['HS256, signature padded with "="', () => secret, async () => `${await sign(claims, { alg: 'HS256', key: secret })}=`],
  ['HS256, whitespace inside the signature', () => secret, async () => withSignature(await sign(claims, { alg: 'HS256', key: secret }), (sig) => `${sig.slice(0, 10)} \n${sig.slice(10)}`)],
  ['HS256, unused trailing bits set', () => secret, async () => withSignature(await sign(claims, { alg: 'HS256', key: secret }), flipLastUnusedBit)],
  ['HS256, signature one byte short', () => secret, async () => withSignature(await sign(claims, { alg: 'HS256', key: secret }), (sig) => sig.slice(0, -3))],
];

for (const [label, getKey, makeToken, options] of CASES) {
  test(`createVerifyJwt: ${label}`, { timeout: 10_000 }, async () => {
    const token = await makeToken();
    const [expected, actual] = [await outcome(ref, getKey, token, options), await outcome(rs, getKey, token, options)];
    assert.deepEqual(actual, expected);
  });
}
