// `mcp-auth-rs/redis`: an AuthStore (BEYOND.md §7) on a connected Redis client, shared by every
// server instance that uses the same Redis.
//
// Works with a client of the `redis` package (node-redis v4 or later) and of `ioredis` (v5 or later).
// It sends raw commands — `client.sendCommand([...])` for node-redis, `client.call(...)` for ioredis —
// rather than the typed helpers, whose signatures and option shapes differ between the two libraries
// (and between their majors): one code path, three commands (GET, SET … PX, SET … PX NX), the same
// replies from both. Neither library is imported here; the caller brings its own client.

const DEFAULT_PREFIX = 'mcp-auth:';

const isIoredis = (client) => typeof client.call === 'function';

const textOf = (reply) => (reply == null ? reply : Buffer.isBuffer(reply) ? reply.toString('utf8') : String(reply));

/** Milliseconds as Redis `PX` wants them: a positive integer (at least 1 ms, rounded up). */
const pxOf = (ttlMs) => {
  const ms = Number(ttlMs);
  if (!Number.isFinite(ms)) throw new TypeError(`redisStore: the TTL must be a finite number of milliseconds, got ${String(ttlMs)}`);
  return String(Math.max(1, Math.ceil(ms)));
};

/**
 * An AuthStore on `client`, a connected client of `redis` (v4+, `createClient`) or of `ioredis`.
 * Every key is `prefix + key` and is written with a TTL.
 *
 * @param {object} client
 * @param {{ prefix?: string }} [options]
 * @returns {{ get(key: string): Promise<string | undefined>, set(key: string, value: string, ttlMs: number): Promise<void>, add(key: string, ttlMs: number): Promise<boolean> }}
 */
export const redisStore = (client, { prefix = DEFAULT_PREFIX } = {}) => {
  if (client === null || (typeof client !== 'object' && typeof client !== 'function')) {
    throw new TypeError('redisStore: expected a client of the `redis` or `ioredis` package');
  }
  if (typeof prefix !== 'string') throw new TypeError('redisStore: `prefix` must be a string');
  let command;
  if (isIoredis(client)) command = (...args) => client.call(...args);
  else if (typeof client.sendCommand === 'function') command = (...args) => client.sendCommand(args);
  else throw new TypeError('redisStore: expected a client of the `redis` package (sendCommand) or of `ioredis` (call)');

  return {
    async get(key) {
      const reply = await command('GET', prefix + key);
      return reply == null ? undefined : textOf(reply);
    },
    async set(key, value, ttlMs) {
      await command('SET', prefix + key, String(value), 'PX', pxOf(ttlMs));
    },
    async add(key, ttlMs) {
      const reply = await command('SET', prefix + key, '1', 'PX', pxOf(ttlMs), 'NX');
      return textOf(reply) === 'OK';
    },
  };
};
