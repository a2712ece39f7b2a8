// Micro benchmark: a library's middleware called in-process (no HTTP) with a fake req/res/next;
// the figure is the process CPU time (user + system, all threads) per call (and, recorded too, the
// wall time per call).

import { ANSWERS, LIBRARIES } from './libraries.mjs';

// Express's request fields the middlewares read (express-oauth2-jwt-bearer needs more than headers).
// `authorization` is the Authorization value (undefined = none) or, for DPoP, { authorization, dpop }.
const headersOf = (authorization) => {
  if (authorization !== null && typeof authorization === 'object') return { host: '127.0.0.1', ...authorization };
  return authorization === undefined ? { host: '127.0.0.1' } : { host: '127.0.0.1', authorization };
};
const fakeRequest = (authorization) => ({
  headers: headersOf(authorization),
  method: 'GET',
  url: '/mcp',
  originalUrl: '/mcp',
  protocol: 'http',
  query: {},
  get(name) {
    return this.headers[name.toLowerCase()];
  },
  is: () => false,
});

class FakeResponse {
  statusCode = undefined;
  headers = {};
  set(name, value) {
    if (typeof name === 'object') Object.assign(this.headers, name);
    else this.headers[name.toLowerCase()] = value;
    return this;
  }
  setHeader(name, value) {
    this.set(name, value);
  }
  get(name) {
    return this.headers[name.toLowerCase()];
  }
  status(code) {
    this.statusCode = code;
    return this;
  }
  json(body) {
    this.body = body;
    return this;
  }
  send(body) {
    this.body = body;
    return this;
  }
}

/** One call; resolves to the status it decided (200 = `next()` without an error), or with
 * `answer` to { status, res }. */
export const call = async (middleware, authorization, answer = false) => {
  const res = new FakeResponse();
  let passed = false;
  let error;
  await middleware(fakeRequest(authorization), res, (err) => {
    if (err) error = err;
    else passed = true;
  });
  const status = passed ? 200 : (error?.status ?? res.statusCode);
  return answer ? { status, res } : status;
};

/** Checks one answer of `lib` to a case against ANSWERS (libraries.mjs); throws if it differs. */
const checkAnswer = async (lib, middleware, id, status, authorization) => {
  const expected = ANSWERS[lib]?.[id];
  if (!expected) return;
  const { status: got, res } = await call(middleware, authorization, true);
  const challenge = res.get('www-authenticate');
  if (got !== status || !expected.challenge.test(challenge ?? '') || res.body?.error !== expected.error) {
    throw new Error(`${lib} / ${id}: answered ${got}, WWW-Authenticate ${challenge}, body ${JSON.stringify(res.body)}`);
  }
};

/**
 * Builds a fresh middleware of `lib` and awaits its first call (the metadata/JWKS fetch); checks
 * the answers ANSWERS declares for it (libraries.mjs: the challenge and body's `error`); warms it
 * up with `warmup` calls of every case (so the first case measured pays no more JIT compilation
 * than the others), then times each case: at least `iterations` calls, and more (checked every
 * 100 calls, at most `maxCalls`) until `minCpuMs` of CPU time are spent, so that a cheap case is
 * not measured over a few milliseconds where one GC pause weighs as much as the calls.
 * `authorizations()` starts a case's sequence of Authorization values (a rotation through the
 * token pools); each case's sequence continues from its warm-up.
 */
export const runMicro = async ({ lib, context, cases, warmup, iterations, minCpuMs, maxCalls }) => {
  const middleware = await LIBRARIES[lib](context);
  const firstStatus = await call(middleware, `Bearer ${context.tokens.same}`);
  if (firstStatus !== 200) throw new Error(`${lib}: first request answered ${firstStatus}`);
  // A case's sequence may be built asynchronously (shared-store.mjs: proofs signed, tokens
  // introspected by another instance), always before anything is timed.
  const sequences = [];
  for (const testCase of cases) sequences.push(await testCase.authorizations());
  // Two calls each: "bad signature" alternates an RS256 and an ES256 token.
  for (const [c, { id, status }] of cases.entries()) for (let i = 0; i < 2; i++) await checkAnswer(lib, middleware, id, status, sequences[c]());
  for (const next of sequences) for (let i = 0; i < warmup; i++) await call(middleware, next());
  const cpuUs = (since) => {
    const { user, system } = process.cpuUsage(since);
    return user + system;
  };
  const results = [];
  for (const [c, { id, status }] of cases.entries()) {
    const next = sequences[c];
    // A case with a finite pool bounds its own calls; `probe` (optional) is read before and after
    // the timed loop (the introspection endpoint's call count).
    const limit = Math.min(maxCalls, cases[c].maxCalls ?? Infinity);
    const probeBefore = cases[c].probe ? await cases[c].probe() : undefined;
    let unexpected = 0;
    let calls = 0;
    const wallStart = performance.now();
    const start = process.cpuUsage();
    while (calls < limit && (calls < iterations || calls % 100 !== 0 || cpuUs(start) < minCpuMs * 1000)) {
      if ((await call(middleware, next())) !== status) unexpected++;
      calls++;
    }
    const usPerOp = cpuUs(start) / calls;
    // Wall time per call: each call is awaited before the next, so for an introspection miss it
    // is the round trip to the endpoint (the CPU figure leaves out the time spent waiting).
    const wallUsPerOp = (1000 * (performance.now() - wallStart)) / calls;
    const probed = {};
    if (cases[c].probe) {
      const probeAfter = await cases[c].probe();
      probed.probeDelta = probeBefore === null || probeAfter === null ? null : probeAfter - probeBefore;
    }
    results.push({ kind: 'micro', lib, case: id, usPerOp, opsPerSec: 1e6 / usPerOp, wallUsPerOp, iterations: calls, unexpected, ...probed });
  }
  return results;
};
