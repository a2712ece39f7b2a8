// Hardening: floods of hostile or merely numerous tokens, sent straight into the middleware with a
// fake request (`mw({ headers: { authorization } }, res, next)`), must not turn into outbound
// requests (SSRF / amplification) and must not grow memory without bound.
//
// Sizes: 100,000 random-kid tokens; 100,000 untrusted-issuer tokens; 1,000 concurrent first
// requests; 1,000,000 distinct invalid tokens; 50,000 distinct validly signed tokens (EdDSA,
// signed here with node:crypto over the exact bytes; 200,000 would take ~40 s of signing +
// verifying on 2 cores, so the valid flood is 50,000 — fifty times the verified-token cache's
// 1,000 entries, so its eviction is exercised).

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import v8 from 'node:v8';
import vm from 'node:vm';
import { MCPAuth } from 'mcp-auth-rs';
import { startAuthServer } from '../helpers/auth-server.mjs';
import { nowSeconds, signJws } from '../helpers/tokens.mjs';
import { b64url } from '../helpers/util.mjs';

v8.setFlagsFromString('--expose-gc');
const gc = globalThis.gc ?? vm.runInNewContext('gc');

const R = 'https://api.example.com/mcp';

const ed = generateKeyPairSync('ed25519');
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwks = () => ({
  keys: [
    { ...ed.publicKey.export({ format: 'jwk' }), kid: 'ed-1', alg: 'EdDSA', use: 'sig' },
    { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
  ],
});

/** A validly signed EdDSA token (node:crypto over the exact header.payload bytes). */
const signEd = (payload) => signJws(ed.privateKey, 'EdDSA', { alg: 'EdDSA', kid: 'ed-1' }, payload);
const edHeader = b64url({ alg: 'EdDSA', kid: 'ed-1' });

const closers = [];
after(async () => {
  for (const close of closers.reverse()) await close().catch(() => {});
});

/** An authorization server publishing `jwks()`, recording the time of every JWKS fetch. */
const openServer = async () => {
  const fetchTimes = [];
  const as = await startAuthServer({
    jwks: () => {
      fetchTimes.push(performance.now());
      return jwks();
    },
  });
  closers.push(() => as.close());
  as.fetchTimes = fetchTimes;
  return as;
};

const middleware = (as, { discovery = false, remoteJwkSet = {}, showErrorDetails = true } = {}) => {
  const auth = new MCPAuth({
    protectedResources: { metadata: { resource: R, authorizationServers: [discovery ? as.discovery() : as.resolved()] } },
  });
  return auth.bearerAuth('jwt', { resource: R, showErrorDetails, remoteJwkSet });
};

/**
 * Sends `count` tokens `make(i)` through `mw`, `batch` at a time, and tallies the outcomes:
 * `next` or `<status>:<error code>`, plus `rejected:<message>` for a thrown error. The response
 * stub is as lean as possible (the flood measures the middleware, not the stub).
 */
const flood = async (mw, count, make, { batch = 1000 } = {}) => {
  const tally = {};
  const add = (key) => {
    tally[key] = (tally[key] ?? 0) + 1;
  };
  const errorCode = (body) => {
    if (typeof body !== 'string') return body?.error;
    const at = body.indexOf('"error":"');
    return at === -1 ? '?' : body.slice(at + 9, body.indexOf('"', at + 9));
  };
  const one = async (authorization) => {
    let status;
    let body;
    let nextCalled = false;
    const res = {
      set: () => res,
      get: () => undefined,
      status: (code) => {
        status = code;
        return res;
      },
      json: (b) => {
        body = b;
        return res;
      },
      send: (b) => {
        body = b;
        return res;
      },
    };
    try {
      await mw({ headers: { authorization } }, res, () => {
        nextCalled = true;
      });
      add(nextCalled ? 'next' : `${status}:${errorCode(body)}`);
    } catch (error) {
      add(`rejected:${error?.message}`);
    }
  };
  for (let start = 0; start < count; start += batch) {
    const pending = [];
    for (let i = start; i < Math.min(count, start + batch); i++) pending.push(one(`Bearer ${make(i)}`));
    await Promise.all(pending);
  }
  return tally;
};

const rssMb = () => process.memoryUsage().rss / 2 ** 20;
const settledRss = () => {
  gc();
  gc();
  return rssMb();
};

// ---------------------------------------------------------------------------------------------

test('100,000 tokens with random kids from a trusted issuer → at most one JWKS fetch per cooldown window (1 s)', { timeout: 20000 }, async () => {
  const as = await openServer();
  const mw = middleware(as, { remoteJwkSet: { cooldownDuration: 1000 } });
  const payload = b64url({ iss: as.issuer, sub: 'attacker' });
  const started = performance.now();
  const tally = await flood(mw, 100_000, (i) => `${b64url({ alg: 'RS256', kid: `kid-${i}-${Math.random().toString(36).slice(2)}` })}.${payload}.c2ln`);
  const elapsed = performance.now() - started;
  const fetches = as.count('jwks');
  console.log(`random kids: ${fetches} JWKS fetches in ${Math.round(elapsed)} ms; outcomes ${JSON.stringify(tally)}`);
  assert.deepEqual(tally, { '401:invalid_token': 100_000 });
  assert.ok(fetches >= 1);
  assert.ok(fetches <= 1 + Math.floor(elapsed / 1000), `${fetches} fetches in ${Math.round(elapsed)} ms`);
  const gaps = as.fetchTimes.slice(1).map((t, i) => t - as.fetchTimes[i]);
  for (const gap of gaps) assert.ok(gap >= 950, `two JWKS fetches only ${Math.round(gap)} ms apart`);
  assert.equal(as.count('metadata'), 0);
});

test('100,000 tokens naming untrusted issuers → zero outbound requests of any kind', { timeout: 20000 }, async () => {
  const as = await openServer();
  const mw = middleware(as, { discovery: true });
  const header = b64url({ alg: 'RS256', kid: 'rsa-1', jku: `${as.origin}/jwks` });
  const issuers = [
    (i) => `https://evil-${i}.example`,
    (i) => `${as.issuer}/${i}`, // a prefix of the trusted issuer is not the trusted issuer
    (i) => `http://127.0.0.1:${1 + (i % 65535) === as.port ? 0 : 1 + (i % 65535)}`, // never the trusted port
    (i) => `${as.issuer.replace('127.0.0.1', 'localhost')}?${i}`,
  ];
  const tally = await flood(mw, 100_000, (i) => `${header}.${b64url({ iss: issuers[i % issuers.length](i), sub: 'x' })}.c2ln`);
  assert.deepEqual(tally, { '401:invalid_issuer': 100_000 });
  assert.equal(as.requests.length, 0, `outbound requests: ${as.requests.length}`);
});

test('1,000 concurrent first requests (discovery config) → one metadata fetch, one JWKS fetch, 1,000 answers', { timeout: 20000 }, async () => {
  const as = await openServer();
  const mw = middleware(as, { discovery: true });
  const exp = nowSeconds() + 600;
  const tokens = Array.from({ length: 1000 }, (_, i) => signEd({ iss: as.issuer, sub: `user-${i}`, exp }));
  const tally = await flood(mw, 1000, (i) => tokens[i], { batch: 1000 });
  assert.deepEqual(tally, { next: 1000 });
  assert.equal(as.count('metadata'), 1);
  assert.equal(as.count('jwks'), 1);
});

// The memory floods share one middleware; RSS is taken (after GC) before the first part and after
// each part. The floods are split into parts to keep every test well under 20 s.
const memory = {};
const INVALID_PARTS = 4;
const INVALID_PER_PART = 250_000;
const VALID_PARTS = 2;
const VALID_PER_PART = 25_000;
const MAX_GROWTH_MB = 200;

const invalidKinds = (as) => {
  const trustedPayload = (i) => b64url({ iss: as.issuer, sub: `s-${i}` });
  const rsHeader = b64url({ alg: 'RS256', kid: 'rsa-1' });
  const badRsaSignature = Buffer.alloc(256, 7).toString('base64url');
  return [
    (i) => `opaque-${i}-${'x'.repeat(i % 64)}`, // not a JWT
    (i) => `${b64url({ alg: 'EdDSA' })}.${b64url(`{"iss":"${i}`)}.c2ln`, // payload not JSON
    (i) => `eyJ${i}.eyJ${i}.${i}`, // bad base64 / JSON
    (i) => `${b64url({ alg: 'EdDSA', kid: 'ed-1' })}.${b64url({ sub: `no-iss-${i}` })}.c2ln`, // no iss
    (i) => `${rsHeader}.${b64url({ iss: `https://evil-${i}.example`, sub: 'x' })}.c2ln`, // untrusted issuer
    (i) => `${rsHeader}.${b64url({ iss: `https://evil.example/${i}`, sub: 'x' })}.c2ln`,
    (i) => `${b64url({ alg: 'RS256', kid: `k-${i}` })}.${trustedPayload(i)}.c2ln`, // unknown kid
    (i) => `${b64url({ alg: 'HS256', kid: 'rsa-1' })}.${trustedPayload(i)}.c2ln`, // HMAC vs JWKS
    (i) => `${rsHeader}.${trustedPayload(i)}.${badRsaSignature}`, // bad signature, real RSA verify
    (i) => `${edHeader}.${trustedPayload(i)}.${b64url(`sig-${i}`)}`, // bad (short) signature
  ];
};

const reportRss = (label) => {
  const now = settledRss();
  console.log(`rss ${label}: ${now.toFixed(1)} MB (start ${memory.rss0.toFixed(1)} MB, growth ${(now - memory.rss0).toFixed(1)} MB)`);
  return now;
};

for (let part = 0; part < INVALID_PARTS; part++) {
  test(`1,000,000 distinct invalid tokens, part ${part + 1}/${INVALID_PARTS} (${INVALID_PER_PART.toLocaleString('en')}) → all 401, RSS bounded`, { timeout: 20000 }, async () => {
    if (part === 0) {
      const as = await openServer();
      memory.as = as;
      memory.mw = middleware(as, { remoteJwkSet: { cooldownDuration: 1000 }, showErrorDetails: false });
      memory.kinds = invalidKinds(as);
      const warm = await flood(memory.mw, 1, () => signEd({ iss: as.issuer, sub: 'warm', exp: nowSeconds() + 600 }));
      assert.deepEqual(warm, { next: 1 });
      memory.rss0 = settledRss();
      memory.invalidMs = 0;
      console.log(`rss before the floods: ${memory.rss0.toFixed(1)} MB`);
    }
    assert.ok(memory.mw, 'part 1 set up the middleware');
    const { kinds } = memory;
    const offset = part * INVALID_PER_PART;
    const started = performance.now();
    const tally = await flood(memory.mw, INVALID_PER_PART, (i) => kinds[(offset + i) % kinds.length](offset + i));
    memory.invalidMs += performance.now() - started;
    const rss = reportRss(`after ${((part + 1) * INVALID_PER_PART).toLocaleString('en')} invalid tokens (${Math.round(memory.invalidMs)} ms)`);
    assert.equal(tally.next, undefined, 'no invalid token accepted');
    assert.equal(Object.values(tally).reduce((a, b) => a + b, 0), INVALID_PER_PART);
    assert.deepEqual(Object.keys(tally).sort(), ['401:invalid_issuer', '401:invalid_token'], JSON.stringify(tally));
    assert.ok(rss - memory.rss0 < MAX_GROWTH_MB, `RSS grew by ${(rss - memory.rss0).toFixed(1)} MB`);
  });
}

for (let part = 0; part < VALID_PARTS; part++) {
  test(`${(VALID_PARTS * VALID_PER_PART).toLocaleString('en')} distinct validly signed tokens, part ${part + 1}/${VALID_PARTS} → all accepted, RSS bounded`, { timeout: 20000 }, async () => {
    assert.ok(memory.mw, 'runs after the invalid floods');
    const { as, mw } = memory;
    const exp = nowSeconds() + 600;
    const offset = part * VALID_PER_PART;
    const started = performance.now();
    const tally = await flood(mw, VALID_PER_PART, (i) => signEd({ iss: as.issuer, sub: `user-${offset + i}`, exp, jti: `j-${offset + i}` }), { batch: 500 });
    const rss = reportRss(`after ${((part + 1) * VALID_PER_PART).toLocaleString('en')} valid tokens (this part ${Math.round(performance.now() - started)} ms)`);
    assert.deepEqual(tally, { next: VALID_PER_PART });
    assert.ok(rss - memory.rss0 < MAX_GROWTH_MB, `RSS grew by ${(rss - memory.rss0).toFixed(1)} MB`);
    // The floods caused no metadata fetch (resolved config) and at most one JWKS fetch per second.
    assert.equal(as.count('metadata'), 0);
    const gaps = as.fetchTimes.slice(1).map((t, i) => t - as.fetchTimes[i]);
    for (const gap of gaps) assert.ok(gap >= 950, `two JWKS fetches only ${Math.round(gap)} ms apart`);
  });
}
