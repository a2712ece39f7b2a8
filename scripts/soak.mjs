#!/usr/bin/env node
// Soak test: `npm run soak -- <seconds>` (default 30, at most 3600).
//
// The parent process runs the authorization server (the tests' fake one,
// __test__/helpers/auth-server.mjs: RFC 8414 metadata + a JWKS on 127.0.0.1) and the load generator. A child process runs an Express 5 app guarding `/mcp` with
// `mcpAuth.bearerAuth('jwt', …)` (discovery config pointing at the parent). For N seconds the
// parent sends, with ~20 requests in flight, a mix of tokens and checks every answer against the
// expected outcome:
//
//   valid          signed with the current key, scope "read"          → 200
//   noScope        signed with the current key, no scope             → 403 (requiredScopes: ['read'])
//   expired        signed with the current key, exp in the past      → 401
//   badSignature   current key, signature bytes altered              → 401
//   malformed      not a JWT / broken segments / bad JSON            → 401
//
// Key rotation every 10 s: at each period a new key is published; the signing key switches to the
// key published one period earlier; the key before that is removed. So the JWKS always holds two
// keys. The child uses `remoteJwkSet: { cooldownDuration: 5000 }` (shorter than the 20 s between
// the moments it meets an unknown kid; with jose's default 30 s cooldown a valid token with a
// 10-s-old kid would be refused for up to 20 s, which is jose's documented behaviour, not a bug).
//
// Reports: requests served, status counts by class, outcome per token kind vs expectation (and any
// mismatch), the authorization server's request counts, latency percentiles, and the RSS of the
// server child at start (after warm-up) and at the end. Exit code 1 on any mismatch, 5xx or
// transport error. The child is killed by PID at the end, on error and on SIGINT/SIGTERM.

import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { startAuthServer } from '../__test__/helpers/auth-server.mjs';
import { nowSeconds, signJws } from '../__test__/helpers/tokens.mjs';
import { b64url } from '../__test__/helpers/util.mjs';

const RESOURCE = 'https://soak.example.com/mcp';
const ROTATION_MS = 10_000;
const CONCURRENCY = 20;
const REQUEST_TIMEOUT_MS = 5_000;

// ---------------------------------------------------------------------------------------------
// Child: the protected Express app.

const runServer = async () => {
  const { default: express } = await import('express');
  const { MCPAuth } = await import('mcp-auth-rs');
  const issuer = process.env.SOAK_ISSUER;
  const auth = new MCPAuth({
    protectedResources: { metadata: { resource: RESOURCE, authorizationServers: [{ issuer, type: 'oauth' }], scopesSupported: ['read'] } },
  });
  const app = express();
  app.set('env', 'test'); // default error handler without stack logging
  app.get('/soak/rss', (_req, res) => {
    const { rss, heapUsed, external } = process.memoryUsage();
    res.json({ rss, heapUsed, external });
  });
  app.use(auth.protectedResourceMetadataRouter());
  app.all(
    '/mcp',
    auth.bearerAuth('jwt', { resource: RESOURCE, audience: RESOURCE, requiredScopes: ['read'], remoteJwkSet: { cooldownDuration: 5000 } }),
    (req, res) => res.json({ sub: req.auth.subject }),
  );
  const server = app.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // Die with the parent.
  process.on('disconnect', stop);
};

// ---------------------------------------------------------------------------------------------
// Parent: authorization server, load generator, report.

const makeKey = (index) => {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = `soak-${index}-${randomBytes(3).toString('hex')}`;
  return { index, kid, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' } };
};

const signJwt = (key, payload) => signJws(key.privateKey, 'ES256', { alg: 'ES256', kid: key.kid, typ: 'at+jwt' }, payload);

/** The key ring: JWKS = { previous-period key (signing), current-period key (published next) }. */
const createKeyRing = () => {
  let counter = 0;
  let published = [makeKey(counter++)];
  let signing = published[0];
  const retired = new Set();
  let rotations = 0;
  return {
    rotations: () => rotations,
    published: () => published,
    signing: () => signing,
    isPublished: (kid) => published.some((k) => k.kid === kid),
    retired: () => retired.size,
    rotate() {
      const fresh = makeKey(counter++);
      // The newest already-published key becomes the signing key; older ones are removed.
      const newest = published[published.length - 1];
      for (const key of published) if (key !== newest) retired.add(key.kid);
      published = [newest, fresh];
      signing = newest;
      rotations += 1;
    },
  };
};

const KINDS = [
  // [name, weight, expected status]
  ['valid', 50, 200],
  ['noScope', 5, 403],
  ['expired', 15, 401],
  ['badSignature', 15, 401],
  ['malformed', 15, 401],
];
const TOTAL_WEIGHT = KINDS.reduce((sum, [, weight]) => sum + weight, 0);
const pickKind = () => {
  let roll = Math.random() * TOTAL_WEIGHT;
  for (const kind of KINDS) {
    roll -= kind[1];
    if (roll < 0) return kind;
  }
  return KINDS[0];
};

const makeToken = (kind, ring, issuer, n) => {
  const key = ring.signing();
  const base = { iss: issuer, sub: `user-${n % 1000}`, aud: RESOURCE, client_id: 'soak', jti: `${n}` };
  switch (kind) {
    case 'valid':
      return { token: signJwt(key, { ...base, scope: 'read write', exp: nowSeconds() + 300, iat: nowSeconds() }), kid: key.kid };
    case 'noScope':
      return { token: signJwt(key, { ...base, scope: 'write', exp: nowSeconds() + 300 }), kid: key.kid };
    case 'expired':
      return { token: signJwt(key, { ...base, scope: 'read', exp: nowSeconds() - 60 - (n % 3600) }), kid: key.kid };
    case 'badSignature': {
      const token = signJwt(key, { ...base, scope: 'read', exp: nowSeconds() + 300 });
      const cut = token.lastIndexOf('.') + 1;
      const signature = Buffer.from(token.slice(cut), 'base64url');
      signature[n % signature.length] ^= 0x5a;
      return { token: `${token.slice(0, cut)}${signature.toString('base64url')}`, kid: key.kid };
    }
    default: {
      const variants = [
        () => `opaque-${randomBytes(12).toString('hex')}`,
        () => `${b64url({ alg: 'ES256' })}.${b64url('{"iss":')}.c2ln`,
        () => `a.b.c.d.e`,
        () => `${b64url({ alg: 'ES256', kid: key.kid })}.${b64url({ sub: 'no-issuer' })}.${randomBytes(64).toString('base64url')}`,
        () => randomBytes(48).toString('base64url'),
      ];
      return { token: variants[n % variants.length](), kid: undefined };
    }
  }
};

const percentile = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN);

const runParent = async () => {
  const requested = Number(process.argv[2] ?? 30);
  const seconds = Math.min(3600, Math.max(1, Number.isFinite(requested) ? requested : 30));
  const ring = createKeyRing();
  const as = await startAuthServer({ jwks: () => ({ keys: ring.published().map((k) => k.jwk) }) });

  // Child: same script, server role.
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--server'], {
    env: { ...process.env, SOAK_ROLE: 'server', SOAK_ISSUER: as.issuer },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  let childExited = false;
  child.on('exit', () => {
    childExited = true;
  });
  const killChild = () => {
    if (childExited || child.pid === undefined) return;
    try {
      process.kill(child.pid, 'SIGTERM');
    } catch {
      return;
    }
    const hard = setTimeout(() => {
      if (!childExited) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {}
      }
    }, 2000);
    hard.unref();
  };
  process.on('exit', killChild);
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      killChild();
      process.exit(130);
    });
  }

  let rotation;
  try {
    const port = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the server child did not start within 10 s')), 10_000);
      let buffered = '';
      child.stdout.on('data', (chunk) => {
        buffered += chunk;
        const line = buffered.split('\n').find((l) => l.startsWith('{'));
        if (line) {
          clearTimeout(timer);
          resolve(JSON.parse(line).port);
        }
      });
      child.once('exit', (code) => reject(new Error(`the server child exited early (code ${code})`)));
    });
    const origin = `http://127.0.0.1:${port}`;
    const mb = (bytes) => bytes / 2 ** 20;
    const childMemory = async () => {
      const m = await (await fetch(`${origin}/soak/rss`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })).json();
      return { rss: mb(m.rss), heapUsed: mb(m.heapUsed), external: mb(m.external) };
    };

    // Warm-up: one valid request (metadata + JWKS fetched), then the starting RSS.
    const warm = await fetch(`${origin}/mcp`, { headers: { authorization: `Bearer ${makeToken('valid', ring, as.issuer, 0).token}` } });
    if (warm.status !== 200) throw new Error(`warm-up request answered ${warm.status}: ${await warm.text()}`);
    const memStart = await childMemory();

    console.log(`soak: ${seconds} s against ${origin} (pid ${child.pid}), ${CONCURRENCY} in flight, JWKS rotation every ${ROTATION_MS / 1000} s`);
    rotation = setInterval(() => ring.rotate(), ROTATION_MS);

    const stats = {
      served: 0,
      byClass: { '2xx': 0, '401': 0, '403': 0, '4xx other': 0, '5xx': 0, 'transport error': 0 },
      byKind: Object.fromEntries(KINDS.map(([name]) => [name, { sent: 0, asExpected: 0, tolerated: 0, statuses: {} }])),
      mismatches: [],
      latencies: [],
    };
    const deadline = Date.now() + seconds * 1000;
    let sequence = 1;
    let lastProgress = Date.now();

    const worker = async () => {
      while (Date.now() < deadline) {
        const [kind, , expected] = pickKind();
        const n = sequence++;
        const { token, kid } = makeToken(kind, ring, as.issuer, n);
        const started = performance.now();
        let status;
        let detail = '';
        try {
          const response = await fetch(`${origin}/mcp`, {
            headers: { authorization: `Bearer ${token}` },
            signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
          });
          status = response.status;
          detail = status === 200 ? '' : (await response.text()).slice(0, 200);
          if (status === 200) await response.arrayBuffer().catch(() => {});
        } catch (error) {
          status = 'transport error';
          detail = String(error?.cause?.message ?? error?.message);
        }
        stats.latencies.push(performance.now() - started);
        stats.served += 1;
        const cls = typeof status !== 'number' ? 'transport error' : status >= 500 ? '5xx' : status === 401 ? '401' : status === 403 ? '403' : status < 300 ? '2xx' : '4xx other';
        stats.byClass[cls] += 1;
        const entry = stats.byKind[kind];
        entry.sent += 1;
        entry.statuses[status] = (entry.statuses[status] ?? 0) + 1;
        if (status === expected) {
          entry.asExpected += 1;
        } else if (kind === 'valid' && status === 401 && kid && !ring.isPublished(kid)) {
          // Signed just before a rotation removed its key: a race at the period boundary.
          entry.tolerated += 1;
        } else {
          stats.mismatches.push({ kind, expected, status, kid, at: new Date().toISOString(), detail });
        }
        if (Date.now() - lastProgress >= 10_000) {
          lastProgress = Date.now();
          console.log(`  … ${stats.served} requests, ${stats.mismatches.length} mismatches, JWKS fetches ${as.count('jwks')}`);
        }
      }
    };
    const wallStart = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const wall = (performance.now() - wallStart) / 1000;
    clearInterval(rotation);
    const memEnd = await childMemory();

    // Report
    const sorted = stats.latencies.sort((a, b) => a - b);
    console.log(`\nrequests served: ${stats.served} in ${wall.toFixed(1)} s (${Math.round(stats.served / wall)} req/s)`);
    console.log(`latency ms: p50 ${percentile(sorted, 50).toFixed(2)}, p99 ${percentile(sorted, 99).toFixed(2)}, max ${sorted[sorted.length - 1]?.toFixed(2)}`);
    console.log(`status classes: ${Object.entries(stats.byClass).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    console.log('by token kind (expected → observed):');
    for (const [name, , expected] of KINDS) {
      const e = stats.byKind[name];
      const statuses = Object.entries(e.statuses).map(([s, c]) => `${s}×${c}`).join(' ');
      console.log(`  ${name.padEnd(13)} expect ${expected}: sent ${e.sent}, as expected ${e.asExpected}${e.tolerated ? `, rotation-boundary 401 ${e.tolerated}` : ''}  [${statuses}]`);
    }
    const asCounts = as.counts();
    console.log(`authorization server: metadata fetches ${asCounts.metadata}, JWKS fetches ${asCounts.jwks}, other ${asCounts.other}; rotations ${ring.rotations()}, keys retired ${ring.retired()}`);
    const delta = (a, b) => `${b >= a ? '+' : ''}${(b - a).toFixed(1)}`;
    console.log(`server child RSS: start ${memStart.rss.toFixed(1)} MB, end ${memEnd.rss.toFixed(1)} MB (${delta(memStart.rss, memEnd.rss)} MB); JS heap used ${memStart.heapUsed.toFixed(1)} → ${memEnd.heapUsed.toFixed(1)} MB`);
    if (stats.mismatches.length) {
      console.log(`MISMATCHES: ${stats.mismatches.length}; first ones:`);
      for (const m of stats.mismatches.slice(0, 10)) console.log(`  ${JSON.stringify(m)}`);
    } else {
      console.log('mismatches: none');
    }
    const failed = stats.mismatches.length > 0 || stats.byClass['5xx'] > 0 || stats.byClass['transport error'] > 0;
    process.exitCode = failed ? 1 : 0;
  } catch (error) {
    console.error(`soak failed: ${error?.stack ?? error}`);
    process.exitCode = 1;
  } finally {
    if (rotation) clearInterval(rotation);
    killChild();
    await new Promise((resolve) => {
      if (childExited) resolve();
      else child.once('exit', resolve);
      setTimeout(resolve, 3000).unref();
    });
    await as.close();
  }
};

if (process.env.SOAK_ROLE === 'server' || process.argv.includes('--server')) await runServer();
else await runParent();
