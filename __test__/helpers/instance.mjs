// One server instance of a deployment behind a load balancer, as a child process (for
// __test__/store.test.mjs): an Express server on 127.0.0.1 (ephemeral port) whose MCPAuth shares its
// state through `redisStore(client)` (mcp-auth-rs/redis) on a client of `redis` or `ioredis`.
//
//   node __test__/helpers/instance.mjs            with MCP_AUTH_INSTANCE='<json config>' in the environment
//
// Config: { name, client: 'redis' | 'ioredis', redisUrl, prefix?, storeTimeout, resource, publicOrigin,
//           authorizationServers: [resolved configs], introspection: { clientId, clientSecret, issuer, endpoint },
//           profile? (the profile of the `/p/*` routes) }
// Routes (each answers `{ instance, auth }` once past its guard):
//   GET /intro    bearerAuth('introspection', { resource, introspection })
//   GET /mcp      bearerAuth('jwt', { resource, dpop: { publicOrigin } })
//   GET /p/mcp    the same under `profile` (audience: resource)
// Every instance is configured with the same `publicOrigin` (the origin clients use, the load balancer's),
// so one DPoP proof is valid on every instance: only the shared replay store tells them apart.
//
// It writes one JSON line on stdout once listening: { ready: true, name, port, pid, client } — or
// { ready: false, error } and exits 1. It exits when its stdin closes (the parent went away) or on SIGTERM.
// Redis client errors (connection lost, reconnecting) are counted and written to stderr, never fatal.

import express from 'express';
import { MCPAuth } from 'mcp-auth-rs';
import { redisStore } from 'mcp-auth-rs/redis';

const config = JSON.parse(process.env.MCP_AUTH_INSTANCE ?? '{}');
const RECONNECT_CAP_MS = 250;

const say = (object) => process.stdout.write(`${JSON.stringify(object)}\n`);
let clientErrors = 0;
const clientError = (error) => {
  clientErrors += 1;
  if (clientErrors <= 5 || clientErrors % 50 === 0) process.stderr.write(`[${config.name}] redis client error #${clientErrors}: ${error?.message ?? error}\n`);
};

const connect = async () => {
  if (config.client === 'ioredis') {
    const { Redis } = await import('ioredis');
    const client = new Redis(config.redisUrl, {
      lazyConnect: true,
      connectTimeout: 1000,
      retryStrategy: (times) => Math.min(times * 50, RECONNECT_CAP_MS),
    });
    client.on('error', clientError);
    await client.connect();
    return { client, close: () => client.disconnect() };
  }
  const { createClient } = await import('redis');
  const client = createClient({
    url: config.redisUrl,
    socket: { connectTimeout: 1000, reconnectStrategy: (retries) => Math.min(50 + retries * 50, RECONNECT_CAP_MS) },
  });
  client.on('error', clientError);
  await client.connect();
  return {
    client,
    close: async () => {
      if (typeof client.destroy === 'function') client.destroy(); // redis v5+
      else await client.disconnect(); // redis v4
    },
  };
};

const main = async () => {
  const { client, close } = await connect();
  const store = redisStore(client, config.prefix === undefined ? undefined : { prefix: config.prefix });
  const protectedResources = { metadata: { resource: config.resource, authorizationServers: config.authorizationServers, scopesSupported: ['read', 'write'] } };
  const mcpAuth = new MCPAuth({ protectedResources, store, storeTimeout: config.storeTimeout });
  const profileAuth = new MCPAuth({ protectedResources, store, storeTimeout: config.storeTimeout, profile: config.profile ?? 'mcp-2026-07-28' });

  const app = express();
  const answer = (req, res) => res.json({ instance: config.name, auth: req.auth });
  const dpop = { publicOrigin: config.publicOrigin };
  app.get('/intro', mcpAuth.bearerAuth('introspection', { resource: config.resource, introspection: config.introspection }), answer);
  app.get('/mcp', mcpAuth.bearerAuth('jwt', { resource: config.resource, dpop }), answer);
  app.get('/p/mcp', profileAuth.bearerAuth('jwt', { resource: config.resource, audience: config.resource, dpop }), answer);
  app.get('/health', (req, res) => res.json({ instance: config.name, clientErrors }));

  const server = await new Promise((resolve, reject) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
  server.requestTimeout = 10_000;

  const shutdown = () => {
    server.closeAllConnections?.();
    server.close();
    Promise.resolve()
      .then(close)
      .catch(() => {})
      .finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 1000).unref();
  };
  process.once('SIGTERM', shutdown);
  process.stdin.on('end', shutdown);
  process.stdin.on('error', shutdown);
  process.stdin.resume();

  say({ ready: true, name: config.name, port: server.address().port, pid: process.pid, client: config.client });
};

main().catch((error) => {
  say({ ready: false, name: config.name, error: `${error?.name}: ${error?.message}` });
  process.exit(1);
});
