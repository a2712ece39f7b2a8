// Typings of `mcp-auth-rs/redis`: an AuthStore (BEYOND.md §7) on a connected client of the `redis`
// package (v4 or later) or of `ioredis` (v5 or later). Neither package is imported: the client types
// are structural, so this file compiles without either installed. `AuthStore` is the main entry's.

import type { AuthStore } from '../index.js';

export type { AuthStore };

/** A client of the `redis` package (node-redis v4+, `createClient()`, connected). */
export interface NodeRedisLikeClient {
  sendCommand(args: ReadonlyArray<string>, ...rest: any[]): Promise<unknown>;
}

/** A client of `ioredis` (`new Redis()`, `Cluster` too). */
export interface IoredisLikeClient {
  call(command: string, ...args: Array<string | number>): Promise<unknown>;
}

export type RedisStoreClient = NodeRedisLikeClient | IoredisLikeClient;

export interface RedisStoreOptions {
  /** Prepended to every key (default `'mcp-auth:'`). */
  prefix?: string;
}

/**
 * An {@link AuthStore} on a connected Redis client: `GET`, `SET … PX` and `SET … PX … NX`, every key
 * `prefix + key` with a TTL.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * import { MCPAuth } from 'mcp-auth-rs';
 * import { redisStore } from 'mcp-auth-rs/redis';
 *
 * const client = await createClient({ url: process.env.REDIS_URL }).connect();
 * const mcpAuth = new MCPAuth({ protectedResources, store: redisStore(client) });
 * ```
 */
export declare const redisStore: (client: RedisStoreClient, options?: RedisStoreOptions) => AuthStore;
