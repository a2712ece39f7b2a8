// Issue 16 item 6: DPoP requests (with the memory replay store and with Redis) and an introspection
// answer served to a second instance through Redis, for the micro benchmark (run.mjs, micro.mjs).
//
// - DPoP: one RS256 access token bound to an ES256 key (`cnf.jkt` = the key's RFC 7638 thumbprint,
//   signed by the fake authorization server's RSA key) and, per request, a fresh ES256 proof of that
//   key (`htm: GET`, `htu: http://127.0.0.1/mcp` — the URL the Express door derives from micro.mjs's
//   fake request —, `iat` = signing time, a random 16-byte `jti`, `ath` of the token). A proof is
//   accepted once, so every request needs a new one: `proofPool(n)` signs n of them synchronously
//   with node:crypto before a case starts (outside the timed loop), and the sequence throws if the
//   pool runs out rather than send a proof again.
// - Redis: a throwaway redis-server (__test__/helpers/redis-server.mjs: 127.0.0.1, a free port, no
//   persistence; stopped by its PID, and SIGKILLed by PID on every abnormal exit through
//   http.mjs's clean-up) and node-redis clients (`createClient` of the `redis` devDependency): one
//   per "instance", as two processes would have.
// - Second-instance introspection hit: instance A (its own MCPAuth and Redis client) introspects a
//   pool of new opaque tokens first (untimed), each answer written to Redis before A's request is
//   answered; instance B (another MCPAuth, another client, the same store) then sees each token
//   once: its local cache misses, Redis has the answer, the endpoint is not called (its call count
//   is read over IPC before and after the timed part).

import { KeyObject, createHash, randomBytes, sign } from 'node:crypto';
import { createClient } from 'redis';
import { createDpopKey } from '../__test__/helpers/dpop.mjs';
import { startRedisServer } from '../__test__/helpers/redis-server.mjs';
import { claimsOf } from './claims.mjs';
import { onCleanup } from './http.mjs';

// The URL the Express door derives from micro.mjs's fake request (protocol, Host, originalUrl).
export const DPOP_HTM = 'GET';
export const DPOP_HTU = 'http://127.0.0.1/mcp';
const REDIS_CONNECT_TIMEOUT_MS = 5_000;

const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * The DPoP key (ES256, helpers/dpop.mjs), a token bound to it and a proof signer.
 * @returns {{ thumbprint, token, proofPool(n): string[] }}
 */
export const dpopSetup = async (as, resource) => {
  const key = await createDpopKey('ES256');
  const privateKey = KeyObject.from(key.privateKey);
  const now = Math.floor(Date.now() / 1000);
  const token = as.token({ ...claimsOf(as.issuer, resource, 'dpop-bound', now), cnf: { jkt: key.thumbprint } }, { key: 'rsa', header: { typ: 'JWT' } });
  const ath = createHash('sha256').update(token, 'ascii').digest('base64url');
  const header = b64({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.publicJwk });
  const proof = (iat) => {
    const input = `${header}.${b64({ htm: DPOP_HTM, htu: DPOP_HTU, iat, jti: randomBytes(16).toString('base64url'), ath })}`;
    return `${input}.${sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
  };
  const proofPool = (n) => {
    const iat = Math.floor(Date.now() / 1000);
    return Array.from({ length: n }, () => proof(iat));
  };
  return { thumbprint: key.thumbprint, token, proofPool };
};

/** Each element once, in order; throws when the pool is exhausted (never repeats an element). */
export const once = (list, what) => {
  let i = 0;
  return () => {
    if (i >= list.length) throw new Error(`${what}: pool of ${list.length} exhausted`);
    return list[i++];
  };
};

/** A redis-server on 127.0.0.1 and `clients` connected node-redis clients; `close()` ends them. */
export const startBenchRedis = async (clients = 2) => {
  const server = await startRedisServer();
  // Killed by its PID on any abnormal exit (deadline, signal, error): http.mjs's clean-up.
  const forget = onCleanup(() => {
    const pid = server.pid;
    if (pid) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  });
  const connected = [];
  try {
    for (let i = 0; i < clients; i++) {
      const client = createClient({ url: server.url, socket: { connectTimeout: REDIS_CONNECT_TIMEOUT_MS, reconnectStrategy: false } });
      client.on('error', () => {}); // failures surface as rejected commands
      connected.push(await client.connect());
    }
  } catch (error) {
    await Promise.allSettled(connected.map((c) => c.destroy()));
    await server.close();
    forget();
    throw error;
  }
  return {
    url: server.url,
    pid: server.pid,
    clients: connected,
    dbsize: () => connected[0].sendCommand(['DBSIZE']),
    close: async () => {
      await Promise.allSettled(connected.map((c) => c.destroy()));
      await server.close();
      forget();
    },
  };
};

/** New opaque tokens (43 characters: a random prefix, then a counter), `n` of them. */
export const opaquePool = (n) => {
  const prefix = randomBytes(24).toString('base64url');
  return Array.from({ length: n }, (_, i) => `${prefix}${i.toString(36).padStart(11, '0')}`);
};

/** Runs `fn` over `items`, `concurrency` at a time (bounded: items.length calls). */
export const eachLimited = async (items, concurrency, fn) => {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
};
