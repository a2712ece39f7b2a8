// Token factory for the differential bearer tests: RSA (RS256, 2048-bit) and EC (ES256) keys that
// the authorization-server fixture publishes, a "next" RSA key published only after a rotation,
// and a stranger key that is never published. Tokens are signed with jose's SignJWT with exactly
// the header and claims given (no defaults added).

import { SignJWT, exportJWK, generateKeyPair } from 'jose';

/** Seconds since the epoch, as jose computes "now". */
export const nowSeconds = () => Math.floor(Date.now() / 1000);

export const createKeys = async () => {
  const make = async (alg, kid, options = {}) => {
    const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, ...options });
    const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
    return { alg, kid, publicKey, privateKey, jwk };
  };
  const [rsa, ec, next, stranger] = await Promise.all([
    make('RS256', 'rsa-1', { modulusLength: 2048 }),
    make('ES256', 'ec-1'),
    make('RS256', 'rsa-2', { modulusLength: 2048 }),
    make('RS256', 'stranger', { modulusLength: 2048 }),
  ]);
  return {
    rsa,
    ec,
    next,
    stranger,
    hmacSecret: new TextEncoder().encode('an-hmac-secret-of-sufficient-length-0123456789'),
  };
};

/**
 * Signs a token. `key` is one of the keys of `createKeys()` (or `'hmac'` with `keys`);
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

/** An unsigned-looking token with the given header and payload objects (for decode-only cases). */
export const rawToken = (header, payload, signature = 'c2ln') => {
  const enc = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
  return `${enc(header)}.${enc(payload)}.${signature}`;
};
