// State shared by many server instances (BEYOND.md §7): `mcp-auth-rs/redis` and `new MCPAuth({ store })`,
// against a real redis-server (helpers/redis-server.mjs: its own process on 127.0.0.1, no persistence).
//
//   a. the adapter, `redisStore(client, { prefix })`, with a client of BOTH `redis` (node-redis) and
//      `ioredis`: get / set / add semantics, every key written with a TTL (PTTL > 0, ≤ the TTL asked), the
//      prefix applied, `add` atomic (50 concurrent adds of one key → exactly one true, also across the two
//      clients), neither client library imported by the adapter;
//   b. three instances (helpers/instance.mjs: three child processes, each an Express server on 127.0.0.1,
//      instances 1 and 3 on a `redis` client, 2 on an `ioredis` client) sharing one redis-server, one
//      introspection endpoint (helpers/introspection-server.mjs, which counts calls) and one fake
//      authorization server for JWTs (helpers/auth-server.mjs, tokens bound with `cnf.jkt`; DPoP proofs
//      from helpers/dpop.mjs). Every instance has the same `publicOrigin` (the load balancer's), so a
//      proof is valid on each of them:
//        - an opaque token used on all three → exactly 1 introspection call in total;
//        - a DPoP proof used on one instance → the same proof on the two others → 401 invalid_dpop_proof;
//        - Redis frozen (SIGSTOP: connections open, nothing answers) → DPoP refused within storeTimeout + 1 s,
//          introspection served by the provider; thawed → served and shared again;
//        - Redis stopped → DPoP requests (fresh proofs) refused, compat 500 `server_error` and profile 503 +
//          Retry-After, within storeTimeout + 1 s; introspection still served (the provider asked directly:
//          its call count rises); JWT verification unaffected; nothing hangs, no instance dies;
//        - Redis started again on the same port → service resumes (fresh proofs accepted; a new opaque token
//          costs one call shared by all three again; replays refused across instances again).
//
// Every process and server is bound to 127.0.0.1, every wait is bounded, and every child process
// (instances, redis-server) is ended by its PID in `after` hooks, also when a test fails.
//
// Run: node --test --test-concurrency=1 __test__/store.test.mjs

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from 'redis';
import { Redis } from 'ioredis';
import { redisStore } from 'mcp-auth-rs/redis';
import { redisTestsSkipped, startRedisServer } from './helpers/redis-server.mjs';
import { startIntrospectionServer } from './helpers/introspection-server.mjs';
import { startAuthServer } from './helpers/auth-server.mjs';
import { createKeys, nowSeconds } from './helpers/tokens.mjs';
import { createDpopKey, dpopProof } from './helpers/dpop.mjs';
import { parseChallenges } from './helpers/challenge.mjs';
import { send } from './helpers/doors.mjs';
import { sleep, within } from './helpers/util.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const INSTANCE = path.join(HERE, 'helpers', 'instance.mjs');

const T = { timeout: 60_000 };
const CLIENTS = ['redis', 'ioredis'];
const STORE_TIMEOUT = 300;
/** A refusal for want of the replay store: within storeTimeout + 1 s. */
const REFUSAL_LIMIT_MS = STORE_TIMEOUT + 1000;
/** An introspected request while the store is down: one store read and one store write, each bounded. */
const FALLBACK_LIMIT_MS = 2 * STORE_TIMEOUT + 1000;
const RESUME_LIMIT_MS = 20_000;
const PUBLIC_ORIGIN = 'https://mcp.example.com';
const R = `${PUBLIC_ORIGIN}/mcp`;
const PROFILE = 'mcp-2026-07-28';
const CLIENT_ID = 'rs-client';
const CLIENT_SECRET = 'rs-secret';
const PREFIX = 'mcp-auth:';

let counter = 0;
const unique = (label) => `${label}-${(counter += 1)}-${randomBytes(6).toString('base64url')}`;

// ---------------------------------------------------------------------------------------------
// Redis clients

/** A connected client of `kind` ('redis' | 'ioredis') on `url`, with `raw(...args)` (a raw command) and `close()`. */
const connectClient = async (kind, url) => {
  if (kind === 'ioredis') {
    const client = new Redis(url, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 1, retryStrategy: () => null });
    client.on('error', () => {});
    await within(client.connect(), 5000, 'ioredis connect');
    return { kind, client, raw: (...args) => client.call(...args), close: () => client.disconnect() };
  }
  const client = createClient({ url, socket: { connectTimeout: 2000, reconnectStrategy: false } });
  client.on('error', () => {});
  await within(client.connect(), 5000, 'redis connect');
  return {
    kind,
    client,
    raw: (...args) => client.sendCommand(args.map(String)),
    close: async () => {
      if (typeof client.destroy === 'function') client.destroy();
      else await client.disconnect();
    },
  };
};

// ---------------------------------------------------------------------------------------------
// a. The adapter

describe('a. redisStore against a real redis-server', { skip: redisTestsSkipped() }, () => {
  let redis;
  const clients = {};

  before(async () => {
    redis = await startRedisServer();
    for (const kind of CLIENTS) clients[kind] = await connectClient(kind, redis.url);
  });

  after(async () => {
    await Promise.allSettled(Object.values(clients).map((c) => within(Promise.resolve(c.close()), 3000, `close ${c.kind} client`)));
    await redis?.close();
  });

  test('the module: `mcp-auth-rs/redis` exports redisStore; it imports neither `redis` nor `ioredis`', T, () => {
    assert.equal(typeof redisStore, 'function');
    const source = readFileSync(path.join(ROOT, 'lib', 'redis.js'), 'utf8');
    assert.doesNotMatch(source, /^\s*(import|export)\b[^\n]*\bfrom\s*['"]/m, 'no static import in lib/redis.js');
    assert.doesNotMatch(source, /\bimport\s*\(/, 'no dynamic import in lib/redis.js');
    assert.doesNotMatch(source, /\brequire\s*\(/, 'no require in lib/redis.js');
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    assert.deepEqual(pkg.exports['./redis'], { types: './lib/redis.d.ts', default: './lib/redis.js' });
    for (const name of ['redis', 'ioredis']) {
      assert.ok(pkg.peerDependencies?.[name], `${name}: a peer dependency`);
      assert.equal(pkg.peerDependenciesMeta?.[name]?.optional, true, `${name}: an optional peer`);
      assert.equal(pkg.dependencies?.[name], undefined, `${name}: not a dependency`);
    }
    assert.throws(() => redisStore({}), TypeError, 'an object that is no client');
    assert.throws(() => redisStore(null), TypeError, 'null');
  });

  for (const kind of CLIENTS) {
    describe(`with a client of \`${kind}\``, () => {
      const prefix = `test-${kind}:`;
      let store;
      let raw;
      before(() => {
        raw = clients[kind].raw;
        store = redisStore(clients[kind].client, { prefix });
      });

      test('get: an absent key → undefined (not null)', T, async () => {
        const value = await store.get(unique('absent'));
        assert.equal(value, undefined);
      });

      test('set → get: the value, under prefix + key, with PX (0 < PTTL ≤ ttl)', T, async () => {
        const key = unique('set');
        const value = JSON.stringify({ active: true, scope: 'read write', note: 'é ✓ "quoted" \\ \n' });
        assert.equal(await store.set(key, value, 5000), undefined, 'set resolves undefined');
        assert.equal(await store.get(key), value);
        assert.equal(await raw('GET', prefix + key), value, 'stored under prefix + key');
        assert.equal(await raw('EXISTS', key), 0, 'nothing under the bare key');
        const pttl = Number(await raw('PTTL', prefix + key));
        assert.ok(pttl > 0 && pttl <= 5000, `PTTL ${pttl} in (0, 5000]`);
      });

      test('set overwrites the value and the TTL', T, async () => {
        const key = unique('overwrite');
        await store.set(key, 'one', 60_000);
        await store.set(key, 'two', 2000);
        assert.equal(await store.get(key), 'two');
        const pttl = Number(await raw('PTTL', prefix + key));
        assert.ok(pttl > 0 && pttl <= 2000, `PTTL ${pttl} in (0, 2000] after the second set`);
      });

      test('TTLs: fractional → whole milliseconds (rounded up, at least 1); non-finite → rejected, nothing written', T, async () => {
        const key = unique('frac');
        await store.set(key, 'v', 1500.2);
        const pttl = Number(await raw('PTTL', prefix + key));
        assert.ok(pttl > 1000 && pttl <= 1501, `PTTL ${pttl} in (1000, 1501]`);
        const tiny = unique('tiny');
        await store.set(tiny, 'v', 0.3); // PX 1: written, and gone almost at once
        await sleep(20);
        assert.equal(await store.get(tiny), undefined, 'a sub-millisecond TTL still expires');
        for (const bad of [Infinity, NaN]) {
          const k = unique('bad');
          await assert.rejects(store.set(k, 'v', bad), TypeError, `set with ttl ${bad}`);
          await assert.rejects(store.add(k, bad), TypeError, `add with ttl ${bad}`);
          assert.equal(await raw('EXISTS', prefix + k), 0, `nothing written with ttl ${bad}`);
        }
      });

      test('expiry: a value is gone after its TTL', T, async () => {
        const key = unique('expire');
        await store.set(key, 'short', 60);
        assert.equal(await store.get(key), 'short');
        await sleep(200);
        assert.equal(await store.get(key), undefined);
      });

      test('add: true when it added (value "1", PX), false while present (value and TTL untouched), true again after expiry', T, async () => {
        const key = unique('add');
        assert.equal(await store.add(key, 150), true);
        assert.equal(await raw('GET', prefix + key), '1');
        const pttl = Number(await raw('PTTL', prefix + key));
        assert.ok(pttl > 0 && pttl <= 150, `PTTL ${pttl} in (0, 150]`);
        assert.equal(await store.add(key, 60_000), false, 'present: not added');
        const after2 = Number(await raw('PTTL', prefix + key));
        assert.ok(after2 > 0 && after2 <= 150, `the TTL is not extended by a failed add (PTTL ${after2})`);
        await sleep(300);
        assert.equal(await store.add(key, 5000), true, 'added again once expired');
        const setKey = unique('add-over-set');
        await store.set(setKey, 'value', 5000);
        assert.equal(await store.add(setKey, 5000), false, 'a key written by set is present too');
        assert.equal(await store.get(setKey), 'value', 'and keeps its value');
      });

      test('the prefix: default `mcp-auth:`; stores with different prefixes do not see each other', T, async () => {
        const key = unique('prefix');
        const plain = redisStore(clients[kind].client);
        await plain.set(key, 'default', 5000);
        assert.equal(await raw('GET', `${PREFIX}${key}`), 'default');
        assert.equal(Number(await raw('PTTL', `${PREFIX}${key}`)) > 0, true);
        const other = redisStore(clients[kind].client, { prefix: `other-${kind}:` });
        assert.equal(await other.get(key), undefined, 'another prefix: absent');
        assert.equal(await other.add(key, 5000), true, 'another prefix: its own key');
        assert.equal(await plain.add(key, 5000), false);
        const empty = redisStore(clients[kind].client, { prefix: '' });
        assert.equal(await empty.get(`${PREFIX}${key}`), 'default', 'an empty prefix: the bare key');
      });

      test('add is atomic: 50 concurrent adds of one key → exactly one true', T, async () => {
        for (let round = 0; round < 5; round += 1) {
          const key = unique('race');
          const results = await Promise.all(Array.from({ length: 50 }, () => store.add(key, 10_000)));
          assert.equal(results.filter((r) => r === true).length, 1, `round ${round}: ${results.filter(Boolean).length} true`);
          assert.equal(results.filter((r) => r === false).length, 49, `round ${round}: the others false (booleans)`);
        }
      });

      test('every key written carries a TTL', T, async () => {
        const keys = [];
        let cursor = '0';
        do {
          const [next, batch] = await raw('SCAN', cursor, 'MATCH', `${prefix}*`, 'COUNT', '1000');
          cursor = String(next);
          keys.push(...batch.map(String));
        } while (cursor !== '0');
        assert.ok(keys.length > 0, 'keys were written');
        for (const key of keys) {
          const pttl = Number(await raw('PTTL', key));
          assert.ok(pttl > 0, `${key}: PTTL ${pttl}`);
        }
      });
    });
  }

  test('both clients on one key: 50 concurrent adds (25 through each) → exactly one true', T, async () => {
    const a = redisStore(clients.redis.client);
    const b = redisStore(clients.ioredis.client);
    for (let round = 0; round < 5; round += 1) {
      const key = unique('race-both');
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).add(key, 10_000)));
      assert.equal(results.filter((r) => r === true).length, 1, `round ${round}`);
    }
    const key = unique('cross');
    await a.set(key, 'from node-redis', 5000);
    assert.equal(await b.get(key), 'from node-redis', 'written by one client, read by the other');
  });
});

// ---------------------------------------------------------------------------------------------
// b. Three instances sharing one Redis

/** Starts helpers/instance.mjs with `config`; resolves `{ name, port, origin, pid, child, stderr(), exited }`. */
const startInstance = (config) =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [INSTANCE], {
      cwd: ROOT,
      env: { ...process.env, MCP_AUTH_INSTANCE: JSON.stringify(config) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let settled = false;
    const exited = new Promise((res) => child.once('exit', (code, signal) => res({ code, signal })));
    const instance = {
      name: config.name,
      client: config.client,
      pid: child.pid,
      child,
      exited,
      alive: true,
      stderr: () => err,
    };
    exited.then(() => {
      instance.alive = false;
    });
    const fail = (why) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(Object.assign(new Error(`instance ${config.name}: ${why}\nstderr: ${err.slice(-2000)}`), { instance }));
    };
    const timer = setTimeout(() => fail('not ready within 15 s'), 15_000);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      err += chunk;
      if (err.length > 100_000) err = err.slice(-50_000);
    });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const line = out.split('\n').find((l) => l.trim().startsWith('{'));
      if (!line || settled) return;
      let message;
      try {
        message = JSON.parse(line);
      } catch {
        return;
      }
      if (!message.ready) return fail(`failed to start: ${message.error}`);
      settled = true;
      clearTimeout(timer);
      instance.port = message.port;
      instance.origin = `http://127.0.0.1:${message.port}`;
      resolve(instance);
    });
    child.once('error', (error) => fail(`spawn error: ${error.message}`));
    exited.then(({ code, signal }) => fail(`exited (code ${code}, signal ${signal})`));
  });

/** Ends an instance by its PID: SIGTERM, SIGKILL after 3 s; bounded. */
const stopInstance = async (instance) => {
  if (!instance?.alive) return;
  const { pid } = instance;
  try {
    instance.child.stdin.end();
    process.kill(pid, 'SIGTERM');
  } catch {
    // gone already
  }
  const ended = await Promise.race([instance.exited.then(() => true), sleep(3000).then(() => false)]);
  if (ended) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone already
  }
  await Promise.race([instance.exited, sleep(3000)]);
};

describe('b. three instances, one Redis', { skip: redisTestsSkipped() }, () => {
  let redis;
  let is; // the introspection endpoint
  let as; // the authorization server for JWTs
  let inspector; // a client of the test's own, to look into Redis
  const instances = [];
  const CLIENT_OF = ['redis', 'ioredis', 'redis'];
  let key; // the DPoP key
  let jwt; // a JWT bound to `key` (cnf.jkt)
  let unbound; // a JWT bound to nothing

  const activeAnswer = () => {
    const now = nowSeconds();
    return { active: true, scope: 'read', client_id: 'app-1', sub: 'user-1', aud: R, iss: is.issuer, iat: now - 5, exp: now + 600 };
  };
  /** A new opaque token, scripted active on the introspection endpoint. */
  const opaque = (label) => {
    const token = `opq-${unique(label)}`;
    is.answer(token, activeAnswer());
    return token;
  };
  const proof = (p = '/mcp', token = jwt) => dpopProof(key, { htm: 'GET', htu: `${PUBLIC_ORIGIN}${p}`, accessToken: token });

  /** GET `path` on `instance`; `{ status, headers, body, text, ms }`. */
  const ask = async (instance, urlPath, headers) => {
    const start = performance.now();
    const r = await send(instance.origin, { path: urlPath, headers });
    const ms = performance.now() - start;
    let body;
    try {
      body = JSON.parse(r.text);
    } catch {
      body = undefined;
    }
    return { ...r, body, ms };
  };
  const withDpop = (instance, p, dpop, token = jwt) => ask(instance, p, { authorization: `DPoP ${token}`, dpop });
  const withBearer = (instance, p, token) => ask(instance, p, { authorization: `Bearer ${token}` });
  const detail = (r) => `${r.status} ${r.text?.slice(0, 300)} | WWW-Authenticate: ${r.headers?.['www-authenticate']} | ${r.ms?.toFixed(0)} ms`;

  const assertServed = (r, instance, where) => {
    assert.equal(r.status, 200, `${where} on ${instance.name}: ${detail(r)}`);
    assert.equal(r.body?.instance, instance.name, `${where}: answered by ${instance.name}`);
  };
  /** A new opaque token on every instance while Redis does not answer (`state`: 'frozen', 'down'):
   * each is served within the fallback limit, each instance asking the provider itself. */
  const introspectWithoutStore = async (state, times) => {
    const token = opaque(state);
    for (const instance of instances) {
      const r = await withBearer(instance, '/intro', token);
      assertServed(r, instance, `a new opaque token, Redis ${state}`);
      assert.ok(r.ms < FALLBACK_LIMIT_MS, `${instance.name}: introspected in ${r.ms.toFixed(0)} ms (limit ${FALLBACK_LIMIT_MS})`);
      times.push(r.ms);
    }
    assert.equal(is.calls(token), 3, `each instance asks the provider itself while the store does not answer: ${is.calls(token)}`);
  };
  const assertReplay = (r, instance, where) => {
    assert.equal(r.status, 401, `${where} on ${instance.name}: ${detail(r)}`);
    assert.equal(r.body?.error, 'invalid_dpop_proof', `${where} on ${instance.name}: body ${r.text}`);
    const challenges = parseChallenges(r.headers['www-authenticate'] ?? '');
    const dpopChallenge = challenges.find((c) => c.scheme.toLowerCase() === 'dpop');
    assert.ok(dpopChallenge, `${where} on ${instance.name}: a DPoP challenge (${r.headers['www-authenticate']})`);
    assert.equal(Object.fromEntries(dpopChallenge.params).error, 'invalid_dpop_proof', `${where} on ${instance.name}: ${r.headers['www-authenticate']}`);
  };
  const assertAlive = () => {
    for (const instance of instances) assert.ok(instance.alive, `${instance.name} is still running (stderr: ${instance.stderr().slice(-1000)})`);
  };

  /** Every key under the prefix, with its PTTL and value. */
  const storedKeys = async () => {
    const keys = [];
    let cursor = '0';
    do {
      const [next, batch] = await inspector.raw('SCAN', cursor, 'MATCH', `${PREFIX}*`, 'COUNT', '1000');
      cursor = String(next);
      keys.push(...batch.map(String));
    } while (cursor !== '0');
    return Promise.all(keys.map(async (k) => ({ key: k, pttl: Number(await inspector.raw('PTTL', k)), value: String((await inspector.raw('GET', k)) ?? '') })));
  };

  before(async () => {
    redis = await startRedisServer();
    const keys = await createKeys();
    is = await startIntrospectionServer({ keys, clients: [{ method: 'client_secret_basic', id: CLIENT_ID, secret: CLIENT_SECRET }] });
    as = await startAuthServer({ keys: await createKeys() });
    key = await createDpopKey('ES256');
    const now = nowSeconds();
    const claims = { iss: as.issuer, sub: 'user-1', client_id: 'app-1', aud: R, scope: 'read', iat: now, exp: now + 3600 };
    jwt = as.token({ ...claims, cnf: { jkt: key.thumbprint } });
    unbound = as.token(claims);
    const base = {
      redisUrl: redis.url,
      storeTimeout: STORE_TIMEOUT,
      resource: R,
      publicOrigin: PUBLIC_ORIGIN,
      profile: PROFILE,
      authorizationServers: [as.resolved(), is.resolved()],
      // Two authorization servers: introspection names its own (`issuer`), as §4 requires.
      introspection: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, issuer: is.issuer, endpoint: is.introspectionEndpoint },
    };
    const started = await Promise.allSettled(CLIENT_OF.map((client, i) => startInstance({ ...base, name: `instance-${i + 1}`, client })));
    for (const s of started) if (s.status === 'fulfilled') instances.push(s.value);
    else if (s.reason?.instance) instances.push(s.reason.instance);
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    inspector = await connectClient('ioredis', redis.url);
  });

  after(async () => {
    await Promise.allSettled(instances.map((instance) => stopInstance(instance)));
    if (inspector) await Promise.allSettled([within(Promise.resolve(inspector.close()), 3000, 'close inspector')]);
    await Promise.allSettled([redis?.close(), is?.close(), as?.close()].filter(Boolean).map((p) => within(p, 5000, 'close')));
  });

  test('setup: three instances (node-redis, ioredis, node-redis), each serving a DPoP request and an introspected one', T, async () => {
    assert.equal(instances.length, 3);
    assert.deepEqual(
      instances.map((i) => i.client),
      CLIENT_OF,
    );
    assert.equal(new Set(instances.map((i) => i.pid)).size, 3, 'three processes');
    for (const instance of instances) {
      assertServed(await withDpop(instance, '/mcp', await proof()), instance, 'a fresh proof');
      assertServed(await withBearer(instance, '/mcp', unbound), instance, 'an unbound JWT as Bearer');
    }
  });

  test('an opaque token used on all three → exactly 1 introspection call in total; the entries written have a TTL and never hold the token', T, async () => {
    const token = opaque('shared');
    for (let round = 0; round < 2; round += 1) {
      for (const instance of instances) {
        const r = await withBearer(instance, '/intro', token);
        assertServed(r, instance, `round ${round}`);
        assert.equal(r.body.auth?.token, token, 'AuthInfo.token');
        assert.deepEqual(r.body.auth?.scopes, ['read']);
      }
    }
    assert.equal(is.calls(token), 1, `introspection calls for one token on three instances: ${is.calls(token)}`);
    // Instance 2 first this time (its ioredis client writes, the node-redis ones read).
    const second = opaque('shared-2');
    for (const instance of [instances[1], instances[2], instances[0]]) assertServed(await withBearer(instance, '/intro', second), instance, 'second token');
    assert.equal(is.calls(second), 1, `introspection calls for the second token: ${is.calls(second)}`);

    const stored = await storedKeys();
    assert.ok(stored.length >= 2, `entries under ${PREFIX}: ${stored.map((s) => s.key).join(', ')}`);
    for (const entry of stored) {
      assert.ok(entry.pttl > 0, `${entry.key}: a TTL (PTTL ${entry.pttl})`);
      for (const t of [token, second, jwt]) {
        assert.ok(!entry.key.includes(t), `${entry.key}: the key never holds a token`);
        assert.ok(!entry.value.includes(t), `${entry.key}: the value never holds a token`);
      }
    }
  });

  test('a DPoP proof used on one instance → the same proof on the two others → 401 invalid_dpop_proof', T, async () => {
    for (const [first, ...others] of [
      [instances[0], instances[1], instances[2]],
      [instances[1], instances[2], instances[0]],
      [instances[2], instances[0], instances[1]],
    ]) {
      const p = await proof();
      assertServed(await withDpop(first, '/mcp', p), first, 'first use');
      for (const other of others) assertReplay(await withDpop(other, '/mcp', p), other, `replay after ${first.name}`);
      assertReplay(await withDpop(first, '/mcp', p), first, 'replay on the same instance');
    }
    // Under the profile too (another MCPAuth, the same store).
    const p = await proof('/p/mcp');
    assertServed(await withDpop(instances[1], '/p/mcp', p), instances[1], 'profile: first use');
    assertReplay(await withDpop(instances[0], '/p/mcp', p), instances[0], 'profile: replay');
    // Concurrent: one proof sent to the three instances at once → exactly one accepted.
    const q = await proof();
    const answers = await Promise.all(instances.map((instance) => withDpop(instance, '/mcp', q)));
    assert.equal(answers.filter((r) => r.status === 200).length, 1, `one accepted: ${answers.map(detail).join(' || ')}`);
    answers.forEach((r, i) => r.status !== 200 && assertReplay(r, instances[i], 'concurrent replay'));
  });

  test('Redis frozen (SIGSTOP: connections open, no answer): DPoP refused within storeTimeout + 1 s, introspection served; thawed → served again', T, async (t) => {
    const times = { refused: [], introspected: [] };
    redis.freeze();
    try {
      for (const instance of instances) {
        const r = await withDpop(instance, '/mcp', await proof());
        assert.equal(r.status, 500, `${instance.name} (${instance.client}), Redis frozen: ${detail(r)}`);
        assert.equal(r.body?.error, 'server_error', `body: ${r.text}`);
        assert.ok(r.ms < REFUSAL_LIMIT_MS, `${instance.name}: answered in ${r.ms.toFixed(0)} ms (limit ${REFUSAL_LIMIT_MS})`);
        times.refused.push(r.ms);
      }
      await introspectWithoutStore('frozen', times.introspected);
    } finally {
      redis.thaw();
    }
    const span = (list) => `${Math.min(...list).toFixed(0)}–${Math.max(...list).toFixed(0)} ms`;
    t.diagnostic(`Redis frozen: DPoP 500 ${span(times.refused)}; introspection fallback ${span(times.introspected)}`);
    // Thawed: the late replies to the abandoned calls arrive first; then every instance is served again.
    for (const instance of instances) {
      const deadline = Date.now() + RESUME_LIMIT_MS;
      let last;
      for (;;) {
        last = await withDpop(instance, '/mcp', await proof());
        if (last.status === 200) break;
        assert.ok(Date.now() < deadline, `${instance.name} not served within ${RESUME_LIMIT_MS} ms of the thaw: ${detail(last)}`);
        await sleep(100);
      }
    }
    const p = await proof();
    assertServed(await withDpop(instances[0], '/mcp', p), instances[0], 'after the thaw: first use');
    assertReplay(await withDpop(instances[1], '/mcp', p), instances[1], 'after the thaw: replay');
    const token = opaque('thawed');
    for (const instance of instances) assertServed(await withBearer(instance, '/intro', token), instance, 'after the thaw');
    assert.equal(is.calls(token), 1, `after the thaw, one introspection call for the three: ${is.calls(token)}`);
    assertAlive();
  });

  test('Redis stopped: DPoP refused (500 server_error; profile 503 + Retry-After) within storeTimeout + 1 s; introspection and JWTs still served; nothing hangs', T, async (t) => {
    const times = { refused: [], profile: [], burst: [], jwt: [], introspected: [] };
    const cached = opaque('before-outage');
    for (const instance of instances) assertServed(await withBearer(instance, '/intro', cached), instance, 'before the outage');
    assert.equal(is.calls(cached), 1);

    await redis.stop();
    assert.equal(redis.running, false);

    for (let round = 0; round < 2; round += 1) {
      for (const instance of instances) {
        const r = await withDpop(instance, '/mcp', await proof());
        assert.equal(r.status, 500, `round ${round}, ${instance.name} (${instance.client}), Redis down: ${detail(r)}`);
        assert.equal(r.body?.error, 'server_error', `body: ${r.text}`);
        assert.ok(r.ms < REFUSAL_LIMIT_MS, `${instance.name}: answered in ${r.ms.toFixed(0)} ms (limit ${REFUSAL_LIMIT_MS})`);
        times.refused.push(r.ms);

        const p = await withDpop(instance, '/p/mcp', await proof('/p/mcp'));
        assert.equal(p.status, 503, `profile, ${instance.name}, Redis down: ${detail(p)}`);
        assert.match(String(p.headers['retry-after']), /^[1-9][0-9]*$/, `Retry-After: ${p.headers['retry-after']}`);
        assert.ok(p.ms < REFUSAL_LIMIT_MS, `profile ${instance.name}: answered in ${p.ms.toFixed(0)} ms (limit ${REFUSAL_LIMIT_MS})`);
        times.profile.push(p.ms);
      }
    }

    // Concurrent refusals: nothing queues up behind a dead store.
    const burst = await Promise.all(instances.flatMap((instance) => Array.from({ length: 10 }, async () => withDpop(instance, '/mcp', await proof()))));
    for (const r of burst) {
      assert.equal(r.status, 500, `burst: ${detail(r)}`);
      assert.ok(r.ms < REFUSAL_LIMIT_MS + 500, `burst: answered in ${r.ms.toFixed(0)} ms`);
      times.burst.push(r.ms);
    }

    // JWT verification never touches the store.
    for (const instance of instances) {
      const r = await withBearer(instance, '/mcp', unbound);
      assertServed(r, instance, 'an unbound JWT, Redis down');
      assert.ok(r.ms < REFUSAL_LIMIT_MS, `unbound JWT: ${r.ms.toFixed(0)} ms`);
      times.jwt.push(r.ms);
    }

    // Introspection falls back to the provider: served, and the provider is asked (no shared level now).
    const before = is.calls();
    await introspectWithoutStore('down', times.introspected);
    assert.ok(is.calls() > before, `the provider was asked: ${before} → ${is.calls()}`);
    for (const instance of instances) assertServed(await withBearer(instance, '/intro', cached), instance, 'a token introspected before the outage');

    const span = (list) => `${Math.min(...list).toFixed(0)}–${Math.max(...list).toFixed(0)} ms`;
    t.diagnostic(`Redis down: DPoP 500 ${span(times.refused)}; profile 503 ${span(times.profile)}; burst of 30 ${span(times.burst)}; unbound JWT ${span(times.jwt)}; introspection fallback ${span(times.introspected)}`);
    assertAlive();
  });

  test('Redis started again (same port): service resumes — fresh proofs accepted, one introspection call per token across the three, replays refused again', T, async (t) => {
    const resumeStart = performance.now();
    if (!redis.running) await redis.start();
    // The test's own inspector never reconnects: a new one on the restarted server.
    await within(Promise.resolve(inspector.close()), 3000, 'close inspector');
    inspector = await connectClient('ioredis', redis.url);
    // The instances' clients reconnect on their own: poll each instance with fresh proofs (bounded).
    for (const instance of instances) {
      const deadline = Date.now() + RESUME_LIMIT_MS;
      let last;
      for (;;) {
        last = await withDpop(instance, '/mcp', await proof());
        if (last.status === 200) break;
        assert.ok(Date.now() < deadline, `${instance.name} (${instance.client}) did not resume within ${RESUME_LIMIT_MS} ms: ${detail(last)}`);
        assert.equal(last.status, 500, `while reconnecting: ${detail(last)}`);
        await sleep(200);
      }
      assertServed(last, instance, 'resumed');
    }
    t.diagnostic(`all three resumed ${(performance.now() - resumeStart).toFixed(0)} ms after redis-server answered PING again`);
    const p = await proof();
    assertServed(await withDpop(instances[2], '/mcp', p), instances[2], 'after recovery: first use');
    assertReplay(await withDpop(instances[1], '/mcp', p), instances[1], 'after recovery: replay (ioredis)');
    assertReplay(await withDpop(instances[0], '/mcp', p), instances[0], 'after recovery: replay (node-redis)');

    const token = opaque('after-outage');
    for (const instance of instances) assertServed(await withBearer(instance, '/intro', token), instance, 'after recovery');
    assert.equal(is.calls(token), 1, `after recovery, one introspection call for the three: ${is.calls(token)}`);

    for (const entry of await storedKeys()) assert.ok(entry.pttl > 0, `${entry.key}: a TTL (PTTL ${entry.pttl})`);
    assertAlive();
  });
});
