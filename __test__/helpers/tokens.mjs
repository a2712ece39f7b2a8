// Keys and tokens. `createKeys()` makes the keys the fake authorization server (auth-server.mjs)
// publishes: RSA (RS256, 2048-bit) and EC (ES256), a "next" RSA key published only after a
// rotation, and two stranger keys (RSA and EC) that are never published. Tokens are signed either
// with jose's SignJWT (`signToken`: exactly the header and claims given, no defaults added) or
// synchronously with node:crypto over the exact bytes (`signJws`: header and payload may be
// objects, JSON text or raw bytes, for tokens jose would not build and for large pools).

import { KeyObject, createHmac, sign as cryptoSign } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { b64url } from './util.mjs';

/** Seconds since the epoch, as jose computes "now". */
export const nowSeconds = () => Math.floor(Date.now() / 1000);

export const createKeys = async () => {
  const make = async (alg, kid, options = {}) => {
    const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, ...options });
    const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
    return { alg, kid, publicKey, privateKey, jwk, keyObject: KeyObject.from(privateKey) };
  };
  const [rsa, ec, next, stranger, ecStranger] = await Promise.all([
    make('RS256', 'rsa-1', { modulusLength: 2048 }),
    make('ES256', 'ec-1'),
    make('RS256', 'rsa-2', { modulusLength: 2048 }),
    make('RS256', 'stranger', { modulusLength: 2048 }),
    make('ES256', 'ec-stranger'),
  ]);
  return {
    rsa,
    ec,
    next,
    stranger,
    ecStranger,
    hmacSecret: new TextEncoder().encode('an-hmac-secret-of-sufficient-length-0123456789'),
  };
};

/**
 * Signs a token with jose. `key` is one of the keys of `createKeys()` (or `'hmac'` with `keys`);
 * `header` is merged over `{ alg: key.alg, kid: key.kid }` (a `kid: undefined` removes it);
 * `signOptions` goes to jose's `sign` (e.g. `{ crit: { 'x-custom': true } }`).
 */
export const signToken = async ({ key, claims = {}, header = {}, keys, signOptions }) => {
  if (key === 'hmac') {
    const protectedHeader = { alg: 'HS256', kid: 'rsa-1', ...header };
    return new SignJWT(claims).setProtectedHeader(dropUndefined(protectedHeader)).sign(keys.hmacSecret, signOptions);
  }
  const protectedHeader = dropUndefined({ alg: key.alg, kid: key.kid, ...header });
  return new SignJWT(claims).setProtectedHeader(protectedHeader).sign(key.privateKey, signOptions);
};

const dropUndefined = (object) => Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));

const HASHES = { 256: 'sha256', 384: 'sha384', 512: 'sha512' };

/**
 * A compact JWS over the exact bytes of `header` and `payload` (objects → JSON, strings → their
 * UTF-8 bytes, Buffers as they are), signed with node:crypto under `alg`: RS*, ES* and EdDSA with
 * a private KeyObject (`createKeys()` keys carry one as `keyObject`), HS* with a secret. The
 * header is not checked against `alg`: a token may claim one algorithm and be signed under another.
 */
export const signJws = (key, alg, header, payload) => {
  const input = `${b64url(header)}.${b64url(payload)}`;
  const data = Buffer.from(input);
  const hash = HASHES[alg.slice(2)];
  let signature;
  if (alg === 'EdDSA') signature = cryptoSign(null, data, key);
  else if (alg.startsWith('HS')) signature = createHmac(hash, key).update(data).digest();
  else if (alg.startsWith('ES')) signature = cryptoSign(hash, data, { key, dsaEncoding: 'ieee-p1363' });
  else signature = cryptoSign(hash, data, key);
  return `${input}.${signature.toString('base64url')}`;
};

/** An unsigned-looking token with the given header and payload (for decode-only cases). */
export const rawToken = (header, payload, signature = 'c2ln') => `${b64url(header)}.${b64url(payload)}.${signature}`;
