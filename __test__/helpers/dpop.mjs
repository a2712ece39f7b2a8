// The client side of DPoP (RFC 9449) for the tests (__test__/dpop.test.mjs): a key pair with its
// public JWK and RFC 7638 thumbprint, and DPoP proofs (compact JWS, `typ: dpop+jwt`, the public key
// in the `jwk` header), well formed or with any one defect a test needs.
//
//   import { createDpopKey, dpopProof, ath } from './helpers/dpop.mjs';
//   const key = await createDpopKey();                  // ES256; 'EdDSA', 'RS256', 'PS256', 'ES384' too
//   key.thumbprint                                       // = the `cnf.jkt` of tokens bound to it
//   await dpopProof(key, { htm: 'GET', htu: 'http://127.0.0.1:3001/mcp', accessToken });
//   // defects:
//   await dpopProof(key, { ..., typ: 'JWT' })           // wrong typ (`typ: null` → no typ header)
//   await dpopProof(key, { ..., alg: 'none' })          // unsigned, built by hand (empty signature)
//   await dpopProof(key, { ..., alg: 'HS256' })         // HMAC by hand (`hmacSecret`, default random)
//   await dpopProof(key, { ..., privateJwk: true })     // the jwk header carries the private `d` (and RSA primes)
//   await dpopProof(key, { ..., signWith: otherKey })   // signed by another key than the header's jwk
//   await dpopProof(key, { ..., jwkOverride: other.publicJwk }) // header names another key (signature by `key`)
//   await dpopProof(key, { ..., iat: now - 301 })       // stale / future iat (seconds)
//   await dpopProof(key, { ..., ath: 'AAAA' })           // wrong ath (default: computed from accessToken)
//   await dpopProof(key, { ..., jti: 'fixed' })          // reuse a jti
//   await dpopProof(key, { ..., omit: ['ath', 'jti'] })  // leave claims (or 'jwk' / 'typ' header members) out
//   await dpopProof(key, { ..., extraHeader: { kid: 'x' }, extraClaims: { nonce: 'n' } })
//
// Every proof is built fresh; `jti` defaults to 16 random bytes (base64url), `iat` to now.

import crypto from 'node:crypto';
import * as jose from 'jose';

const JOSE_ALGS = {
  ES256: 'ES256',
  ES384: 'ES384',
  ES512: 'ES512',
  RS256: 'RS256',
  PS256: 'PS256',
  EdDSA: 'EdDSA',
  Ed25519: 'EdDSA',
};

const b64 = (value) =>
  (Buffer.isBuffer(value) ? value : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value))).toString('base64url');

/** base64url(SHA-256(token)): the `ath` of a proof sent with `token`. */
export const ath = (token) => crypto.createHash('sha256').update(token, 'ascii').digest('base64url');

/** Seconds since the epoch. */
export const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * A DPoP key pair.
 * @param {'ES256'|'ES384'|'EdDSA'|'Ed25519'|'RS256'|'PS256'} [alg='ES256']
 * @returns {Promise<{ alg, privateKey, publicKey, publicJwk, privateJwk, thumbprint }>}
 *   `publicJwk` is the bare public JWK (kty and key members only); `thumbprint` its RFC 7638
 *   SHA-256 thumbprint (base64url), i.e. the `cnf.jkt` of a token bound to this key.
 */
export async function createDpopKey(alg = 'ES256') {
  const joseAlg = JOSE_ALGS[alg] ?? alg;
  const options = { extractable: true };
  if (joseAlg === 'EdDSA') options.crv = 'Ed25519';
  if (joseAlg.startsWith('RS') || joseAlg.startsWith('PS')) options.modulusLength = 2048;
  const { privateKey, publicKey } = await jose.generateKeyPair(joseAlg, options);
  const publicJwk = await jose.exportJWK(publicKey);
  const privateJwk = await jose.exportJWK(privateKey);
  const thumbprint = await jose.calculateJwkThumbprint(publicJwk, 'sha256');
  return { alg: joseAlg, privateKey, publicKey, publicJwk, privateJwk, thumbprint };
}

/**
 * A DPoP proof (compact JWS).
 *
 * @param {object} key a `createDpopKey` result: its public JWK goes in the header, its private key signs
 * @param {object} opts
 * @param {string} opts.htm the HTTP method
 * @param {string} opts.htu the target URI
 * @param {string} [opts.accessToken] → `ath` = base64url(SHA-256(accessToken))
 * @param {string} [opts.ath] an explicit `ath` (wins over accessToken)
 * @param {number} [opts.iat] seconds (default now)
 * @param {string} [opts.jti] (default random)
 * @param {string|null} [opts.typ='dpop+jwt'] null → no `typ` header
 * @param {string} [opts.alg=key.alg] 'none' → unsigned, 'HS256'/'HS384'/'HS512' → HMAC with `hmacSecret`
 * @param {Buffer|string} [opts.hmacSecret] the HMAC secret (default 32 random bytes)
 * @param {object} [opts.extraHeader] merged into the protected header (after the defaults)
 * @param {object} [opts.extraClaims] merged into the payload (after the defaults)
 * @param {object} [opts.jwkOverride] the `jwk` header instead of key.publicJwk
 * @param {boolean} [opts.privateJwk] put the private JWK (with `d`) in the header
 * @param {object} [opts.signWith] another `createDpopKey` key to sign with (the header keeps `key`'s jwk)
 * @param {string[]} [opts.omit] claims (`htm`, `htu`, `iat`, `jti`, `ath`) or header members (`jwk`, `typ`) to leave out
 */
export async function dpopProof(key, opts = {}) {
  const {
    htm,
    htu,
    accessToken,
    iat = nowSeconds(),
    jti = crypto.randomBytes(16).toString('base64url'),
    typ = 'dpop+jwt',
    alg = key.alg,
    hmacSecret = crypto.randomBytes(32),
    extraHeader = {},
    extraClaims = {},
    jwkOverride,
    privateJwk = false,
    signWith,
    omit = [],
  } = opts;
  const omitted = new Set(omit);

  const jwk = jwkOverride ?? (privateJwk ? key.privateJwk : key.publicJwk);
  const header = { alg, ...(typ === null ? {} : { typ }), jwk, ...extraHeader };
  if (omitted.has('jwk')) delete header.jwk;
  if (omitted.has('typ')) delete header.typ;
  if (omitted.has('alg')) delete header.alg;

  const payload = {};
  if (htm !== undefined) payload.htm = htm;
  if (htu !== undefined) payload.htu = htu;
  payload.iat = iat;
  payload.jti = jti;
  const athValue = opts.ath ?? (accessToken !== undefined ? ath(accessToken) : undefined);
  if (athValue !== undefined) payload.ath = athValue;
  Object.assign(payload, extraClaims);
  for (const name of ['htm', 'htu', 'iat', 'jti', 'ath', 'nonce']) if (omitted.has(name)) delete payload[name];

  // Hand-built: unsigned, HMAC, or any header jose would refuse to produce.
  if (alg === 'none') return `${b64(header)}.${b64(payload)}.`;
  if (/^HS(256|384|512)$/.test(alg)) {
    const input = `${b64(header)}.${b64(payload)}`;
    const signature = crypto.createHmac(`sha${alg.slice(2)}`, hmacSecret).update(input).digest('base64url');
    return `${input}.${signature}`;
  }
  const signer = signWith ?? key;
  return new jose.CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader(header)
    .sign(signer.privateKey);
}

/** Decodes a compact JWS into `{ header, payload }` (no verification), for assertions. */
export const decodeProof = (proof) => {
  const [h, p] = proof.split('.');
  return { header: JSON.parse(Buffer.from(h, 'base64url').toString('utf8')), payload: JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) };
};
