// Seeds of the `dpop_proof` fuzz target (fuzz/seeds/dpop_proof/). The target also checks fuzzed
// request URLs against the `es256` seed (include_str!), so it must stay a valid proof.
//
//   node fuzz/tools/gen-dpop-seeds.mjs
//
// Fresh throwaway keys each run: a proof carries its own public key, so nothing else has to match.
// Proofs are dated FIXED_NOW and bound to TOKEN and URL, as the target expects.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as jose from 'jose';

const here = path.dirname(fileURLToPath(import.meta.url));
const seedsDir = path.resolve(here, '..', 'seeds', 'dpop_proof');

/** Must match the target: FIXED_NOW_MS / 1000, TOKEN, URL. */
const FIXED_NOW = 1_750_000_000;
const TOKEN = 'fuzz-access-token';
const URL = 'https://api.example.com/mcp';

const ath = crypto.createHash('sha256').update(TOKEN).digest('base64url');
const b64 = (text) => Buffer.from(text).toString('base64url');

async function proof(alg, { header = {}, claims = {}, keyAlg = alg } = {}) {
  const { publicKey, privateKey } = await jose.generateKeyPair(keyAlg, { extractable: true });
  const jwk = await jose.exportJWK(publicKey);
  const payload = { jti: crypto.randomUUID(), htm: 'POST', htu: URL, iat: FIXED_NOW, ath, ...claims };
  return new jose.SignJWT(payload).setProtectedHeader({ alg, typ: 'dpop+jwt', jwk, ...header }).sign(privateKey);
}

fs.mkdirSync(seedsDir, { recursive: true });
const seeds = {
  es256: await proof('ES256'),
  eddsa: await proof('EdDSA'),
  rs256: await proof('RS256'),
  ps256: await proof('PS256'),
  es384_not_allowed: await proof('ES384'),
  typ_jwt: await proof('ES256', { header: { typ: 'JWT' } }),
  htu_query: await proof('ES256', { claims: { htu: `${URL}?a=b#c` } }),
  htu_port: await proof('ES256', { claims: { htu: 'https://API.example.com:443/mcp' } }),
  htu_other: await proof('ES256', { claims: { htu: 'https://other.example/mcp' } }),
  iat_old: await proof('ES256', { claims: { iat: FIXED_NOW - 3600 } }),
  no_ath: await proof('ES256', { claims: { ath: undefined } }),
  no_jti: await proof('ES256', { claims: { jti: '' } }),
  htm_get: await proof('ES256', { claims: { htm: 'GET' } }),
  alg_none: `${b64(JSON.stringify({ alg: 'none', typ: 'dpop+jwt', jwk: { kty: 'EC' } }))}.${b64('{}')}.`,
  two_segments: 'eyJhbGciOiJFUzI1NiJ9.e30',
};
const withUrl = await proof('ES256', { claims: { htu: 'http://127.0.0.1:3000/mcp' } });
seeds.with_url = `${withUrl}\nhttp://127.0.0.1:3000/mcp?x=1`;
seeds.url_only = 'https://api.example.com:443/mcp?session=1#f';
for (const [name, text] of Object.entries(seeds)) fs.writeFileSync(path.join(seedsDir, name), text);
console.log(`${Object.keys(seeds).length} seeds in ${seedsDir}`);
