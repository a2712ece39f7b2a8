// The benchmark's requests and their tokens, shared by run.mjs and paired.mjs.

import { randomBytes } from 'node:crypto';
import { startAuthServer } from '../__test__/helpers/auth-server.mjs';
import { createKeys } from '../__test__/helpers/tokens.mjs';
import { claimsOf } from './claims.mjs';

// Larger than mcp-auth-rs's verified-token cache (1,000 entries, oldest out first) and fast-jwt's
// (1,000, LRU): rotating through a pool never hits a cache (a token comes back only after 12,000
// others, long gone from both caches).
export const POOL_SIZE = 12_000;
export const RESOURCE = 'https://bench.example/mcp';

/** A never-ending sequence of distinct opaque tokens (no dots: never taken for a JWT), 43
 * characters like a 256-bit random base64url token: a random prefix per sequence, then a counter. */
const opaqueTokens = () => {
  const prefix = randomBytes(24).toString('base64url');
  let n = 0;
  return () => `Bearer ${prefix}${(n++).toString(36).padStart(11, '0')}`;
};

const rotate = (list) => {
  let i = 0;
  return () => `Bearer ${list[i++ % list.length]}`;
};
/** `authorization(tokens)` makes a fresh sequence: each call returns the next request's
 * Authorization value (undefined = no header). `status` is the expected answer. */
export const CASES = [
  { id: 'no-auth', label: 'no auth (baseline)', status: 200, authorization: () => () => undefined },
  // The baseline's requests carry no token; this one sends the "same token" request and ignores
  // it: the difference is Node's cost of the bigger request, before any library runs.
  { id: 'no-auth-token', label: 'no auth, token sent', status: 200, authorization: (t) => () => `Bearer ${t.same}` },
  { id: 'same-token', label: 'same token', status: 200, authorization: (t) => () => `Bearer ${t.same}` },
  { id: 'rs256-new', label: 'RS256, new token', status: 200, authorization: (t) => rotate(t.rs256) },
  { id: 'es256-new', label: 'ES256, new token', status: 200, authorization: (t) => rotate(t.es256) },
  { id: 'bad-signature', label: 'bad signature', status: 401, authorization: (t) => rotate([t.badRs256, t.badEs256]) },
  { id: 'no-header', label: 'no Authorization', status: 401, authorization: () => () => undefined },
  // Opaque tokens (`opaque: true`), for the libraries that introspect (RFC 7662) only: the
  // benchmark's endpoint answers every token active. "Same token" is a cache hit after the first
  // call; "new token" never repeats a token, so every request is an introspection call.
  { id: 'introspect-hit', label: 'introspection, same token', status: 200, opaque: true, authorization: (t) => () => `Bearer ${t.opaqueSame}` },
  { id: 'introspect-miss', label: 'introspection, new token', status: 200, opaque: true, authorization: () => opaqueTokens() },
  // Issue 16 item 6, micro only (`microOnly`: no `authorization` here; run.mjs builds each run's
  // sequence with shared-store.mjs, a finite pool that bounds the timed loop). "DPoP": the same
  // DPoP-bound RS256 token with a fresh ES256 proof each call ({ authorization, dpop } headers).
  // "Introspection, other instance's answer": a new opaque token each call, already introspected by
  // another MCPAuth instance sharing the Redis store (a local miss, a Redis hit).
  { id: 'dpop', label: 'DPoP, fresh proof', status: 200, microOnly: true },
  { id: 'introspect-shared', label: "introspection, other instance's answer", status: 200, opaque: true, microOnly: true },
];

/**
 * Token pools for `audience`, signed with the keys of the fake authorization server `as`
 * (__test__/helpers/auth-server.mjs): `rs256` and `es256` hold `size` distinct valid tokens each
 * (unique `jti`), `same` is one more valid RS256 token, `badRs256`/`badEs256` carry the published
 * `kid` but are signed by a key the JWKS does not hold; `opaqueSame` is an opaque token. Signed synchronously with node:crypto: the
 * pools are large, and this is about 2x faster than jose's SignJWT for RSA.
 */
export const signTokens = (as, audience, size) => {
  const now = Math.floor(Date.now() / 1000);
  const claims = (jti) => claimsOf(as.issuer, audience, jti, now);
  const header = { typ: 'JWT' };
  const pool = (key, prefix) => Array.from({ length: size }, (_, i) => as.token(claims(`${prefix}-${i}`), { key, header }));
  return {
    rs256: pool('rsa', 'rs'),
    es256: pool('ec', 'es'),
    same: as.token(claims('same'), { key: 'rsa', header }),
    badRs256: as.token(claims('bad-rs'), { key: 'rsa', signer: 'stranger', header }),
    badEs256: as.token(claims('bad-es'), { key: 'ec', signer: 'ecStranger', header }),
    // The opaque "same token" (43 characters, as a 256-bit random base64url token).
    opaqueSame: randomBytes(32).toString('base64url'),
  };
};

/**
 * The fake authorization server of the tests, answering with `Connection: close`: it shares the
 * benchmark's event loop, which the micro benchmark keeps busy for seconds, and an idle pooled
 * connection whose keep-alive timeout expired meanwhile would be closed only when the next request
 * has already been sent on it (a reset).
 */
export const startBenchAuthServer = async () => startAuthServer({ keys: await createKeys(), keepAlive: false });
