// The HTTP benchmark's servers for the front doors other than Express (server.mjs --door <door>):
// node:http, Fastify and Hono (on @hono/node-server), each answering GET /mcp with {"ok":true},
// guarded (lib `mcp-auth-rs`, or `mcp-auth-rs (introspection)` for bench:paired's opaque cases) or
// not (lib `none`: a pass-through in the guard's place), or a floor (lib `floor (JSON.parse)`,
// `floor (addon verify)`: libraries.mjs) in the guard's place.
// mcp-auth-rs is configured as in libraries.mjs (resource-server mode, discovery config: metadata
// and JWKS fetched on the first request).
// A framework is imported only when used, so a server child's memory holds just its own.

import http from 'node:http';

export const DOORS = ['node', 'fastify', 'hono'];
export const DOOR_LIBS = ['none', 'mcp-auth-rs', 'mcp-auth-rs (introspection)'];
// The floor rows (libraries.mjs), on every door.
export const FLOOR_LIBS = ['floor (JSON.parse)', 'floor (addon verify)'];

const BODY = JSON.stringify({ ok: true });
const JSON_TYPE = 'application/json; charset=utf-8';

// Lib `none`: a pass-through of the guard's own shape (as Express's `none` is a pass-through
// middleware), so that a door's "added" figure is what mcp-auth-rs does, not what the framework
// charges for running one more (async) hook or middleware.
const PASS_THROUGH = {
  node: async () => true,
  fastify: async () => {},
  hono: async (c, next) => {
    await next();
  },
};

/** The door's bearer guard for lib `mcp-auth-rs` (or `mcp-auth-rs (introspection)`: 'introspection'
 * mode, configured as in libraries.mjs), or its pass-through for lib `none`. */
const guardOf = async (door, lib, context) => {
  const { issuer, resource, introspectionEndpoint } = context;
  if (lib === 'none') return PASS_THROUGH[door];
  if (FLOOR_LIBS.includes(lib)) return floorGuard(door, lib, context);
  if (!DOOR_LIBS.includes(lib)) throw new Error(`door ${door}: lib ${lib} is not benchmarked (${DOOR_LIBS.join(', ')})`);
  const { MCPAuth } = await import('mcp-auth-rs');
  const { bearerAuth } = await import(`mcp-auth-rs/${door}`);
  const mcpAuth = new MCPAuth({
    protectedResources: { metadata: { resource, authorizationServers: [{ issuer, type: 'oauth' }], scopesSupported: ['read', 'write'] } },
  });
  if (lib === 'mcp-auth-rs (introspection)') {
    const { INTROSPECTION_CLIENT } = await import('./libraries.mjs');
    const introspection = { ...INTROSPECTION_CLIENT, endpoint: introspectionEndpoint };
    return bearerAuth(mcpAuth, 'introspection', { resource, audience: resource, requiredScopes: ['read'], introspection });
  }
  return bearerAuth(mcpAuth, 'jwt', { resource, audience: resource, requiredScopes: ['read'] });
};

// The floors (libraries.mjs) behind a door, of the guard's (and the pass-through's) shape: the
// door's API is asynchronous (node: an async function resolving true; Fastify: an async
// preHandler; Hono: a middleware awaiting next()). Both set the door's auth slot to JSON.parse of
// the "same token"'s claims; `floor (addon verify)` first checks the request's token with the
// bench addon's bare signature check (401 when it fails).
const floorGuard = async (door, lib, context) => {
  const { floorClaims, floorVerifier } = await import('./libraries.mjs');
  const claims = floorClaims(context);
  const admits = lib === 'floor (addon verify)' ? await floorVerifier(context) : () => true;
  const UNAUTHORIZED = '{"error":"invalid_token"}';
  if (door === 'node') {
    return async (req, res) => {
      if (!admits(req.headers.authorization)) {
        res.writeHead(401, { 'Content-Type': JSON_TYPE }).end(UNAUTHORIZED);
        return false;
      }
      req.auth = JSON.parse(claims);
      return true;
    };
  }
  if (door === 'fastify') {
    return async (request, reply) => {
      if (!admits(request.headers.authorization)) return reply.code(401).type(JSON_TYPE).send(UNAUTHORIZED);
      request.auth = JSON.parse(claims);
    };
  }
  return async (c, next) => {
    if (!admits(c.req.header('authorization'))) return c.body(UNAUTHORIZED, 401, { 'Content-Type': JSON_TYPE });
    c.set('auth', JSON.parse(claims));
    await next();
  };
};

const listen = (server) =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });

const SERVERS = {
  node: async (guard) => {
    const answer = (res) => res.writeHead(200, { 'Content-Type': JSON_TYPE, 'Content-Length': Buffer.byteLength(BODY) }).end(BODY);
    return http.createServer((req, res) => {
      if (req.method !== 'GET' || req.url !== '/mcp') return res.writeHead(404).end();
      guard(req, res).then((authInfo) => authInfo && answer(res));
    });
  },
  fastify: async (guard) => {
    const { default: Fastify } = await import('fastify');
    let server;
    const app = Fastify({ serverFactory: (handler) => (server = http.createServer(handler)) });
    app.get('/mcp', { preHandler: guard }, async () => ({ ok: true }));
    await app.ready();
    return server;
  },
  hono: async (guard) => {
    const { Hono } = await import('hono');
    const { createAdaptorServer } = await import('@hono/node-server');
    const app = new Hono();
    app.use('/mcp', guard);
    app.get('/mcp', (c) => c.json({ ok: true }));
    return createAdaptorServer({ fetch: app.fetch });
  },
};

/** A listening node:http server on 127.0.0.1 (ephemeral port) for `door` and `lib`. */
export const startDoorServer = async (door, lib, context) => {
  if (!SERVERS[door]) throw new Error(`unknown door ${door} (${DOORS.join(', ')})`);
  return listen(await SERVERS[door](await guardOf(door, lib, context)));
};
