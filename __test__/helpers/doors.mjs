// The same routes behind every front door, each on a real server on 127.0.0.1 (ephemeral port),
// for the door-parity tests (__test__/doors.test.mjs):
//   - `reference`: an Express 5 app using the main entry (`mcpAuth.bearerAuth(verify, config)`,
//     `mcpAuth.protectedResourceMetadataRouter()`, `mcpAuth.delegatedRouter()`): the observation
//     every door is compared with;
//   - `express`: an Express 5 app using `mcp-auth-rs/express`;
//   - `node`: a node:http server using `mcp-auth-rs/node`;
//   - `fetch`: `mcp-auth-rs/fetch` in a `(Request) => Response` handler served by
//     @hono/node-server's `serve({ fetch })`;
//   - `hono`: a Hono app using `mcp-auth-rs/hono`, served by @hono/node-server;
//   - `fastify`: a Fastify app using `mcp-auth-rs/fastify`, listening on 127.0.0.1.
//
//   const servers = await startDoorServers({
//     bearer: [{ path: '/jwt', mcpAuth, verify: 'jwt', config: { resource } }],
//     metadata: [{ kind: 'resource' | 'delegated', mcpAuth }],
//     describeRethrown: (error) => ({ … }),   // optional, merged into the 599 body
//   });
//   servers.reference.origin, servers.node.origin, …   await closeDoorServers(servers);
//
// Every app answers the same way around the door:
//   - success: 200, JSON of the AuthInfo the route got (`req.auth`, the resolved value,
//     `c.get('auth')`, `request.auth`), plus `x-door-check: same` when the door's other copies of
//     it agree (node: `req.auth` is the resolved value; fastify: `request.raw.auth` is `request.auth`);
//   - an error the door rethrows: 599 `{ rethrown: { name, message, ...describeRethrown(error) } }`
//     (`describeRethrown` from the spec, e.g. to tell whether it is the very error thrown; Express: error handler
//     after `next(err)`; Hono: `app.onError`; Fastify: `setErrorHandler`; node/fetch: the test
//     server catches the rejected promise);
//   - a path no route takes (the metadata door fell through): 404 `{ fellThrough: true }`; the node
//     and fetch servers add `x-door-result` (what the metadata handler returned: `false` /
//     `undefined`);
//   - node: a bearer handler that resolves `undefined` without ending the response → 598.

import http from 'node:http';
import net from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import * as expressDoor from 'mcp-auth-rs/express';
import * as nodeDoor from 'mcp-auth-rs/node';
import * as fetchDoor from 'mcp-auth-rs/fetch';
import * as honoDoor from 'mcp-auth-rs/hono';
import * as fastifyDoor from 'mcp-auth-rs/fastify';
import { parseWwwAuthenticate } from './differential-runner.mjs';
import { within } from './util.mjs';

/** The doors compared with the reference, in the order the tests run them. */
export const DOORS = ['express', 'node', 'fetch', 'hono', 'fastify'];

export const REQUEST_LIMIT_MS = 8000;
/** Node's request-header limit for every server (the default, stated: the 8 KB rows fit). */
const MAX_HEADER_SIZE = 16 * 1024;

const rethrownBody = (spec, error) => ({ rethrown: { name: error?.name, message: error?.message, ...spec.describeRethrown?.(error) } });
const FELL_THROUGH = { fellThrough: true };

const metadataOf = (door, { kind, mcpAuth }) =>
  kind === 'resource' ? door.protectedResourceMetadata(mcpAuth) : door.authorizationServerMetadata(mcpAuth);

const listenNode = (server) =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve(server.address().port);
    });
  });

/** Wraps a node:http server: tracks sockets so `close()` never waits on a kept-alive one. */
const nodeServer = async (name, server) => {
  const sockets = new Set();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = server.listening ? server.address().port : await listenNode(server);
  return {
    name,
    port,
    origin: `http://127.0.0.1:${port}`,
    async close() {
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
};

const expressApp = (spec, { middleware, router }) => {
  const { bearer, metadata } = spec;
  const app = express();
  app.set('env', 'test');
  for (const entry of metadata) app.use(router(entry));
  for (const route of bearer) app.all(route.path, middleware(route), (req, res) => res.json(req.auth));
  app.use((req, res) => res.status(404).json(FELL_THROUGH));
  // eslint-disable-next-line no-unused-vars
  app.use((error, req, res, next) => res.status(599).json(rethrownBody(spec, error)));
  return nodeServer('express', http.createServer({ maxHeaderSize: MAX_HEADER_SIZE }, app));
};

const startReference = (spec) =>
  expressApp(spec, {
    middleware: ({ mcpAuth, verify, config }) => mcpAuth.bearerAuth(verify, config),
    router: ({ kind, mcpAuth }) => (kind === 'resource' ? mcpAuth.protectedResourceMetadataRouter() : mcpAuth.delegatedRouter()),
  });

const startExpress = (spec) =>
  expressApp(spec, {
    middleware: ({ mcpAuth, verify, config }) => expressDoor.bearerAuth(mcpAuth, verify, config),
    router: (entry) => metadataOf(expressDoor, entry),
  });

const sendJson = (res, status, value, headers = {}) => {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
};

const startNode = (spec) => {
  const { bearer, metadata } = spec;
  const handlers = metadata.map((entry) => metadataOf(nodeDoor, entry));
  const routes = new Map(bearer.map((route) => [route.path, nodeDoor.bearerAuth(route.mcpAuth, route.verify, route.config)]));
  const server = http.createServer({ maxHeaderSize: MAX_HEADER_SIZE }, async (req, res) => {
    try {
      let answered = false;
      for (const handler of handlers) {
        answered = await handler(req, res);
        if (answered !== false && answered !== true) throw new Error(`metadata handler returned ${String(answered)}`);
        if (answered) return;
      }
      const guard = routes.get(new URL(req.url, 'http://x').pathname);
      if (!guard) return sendJson(res, 404, FELL_THROUGH, { 'x-door-result': String(answered) });
      const authInfo = await guard(req, res);
      if (authInfo === undefined) {
        if (!res.writableEnded) sendJson(res, 598, { error: 'the door resolved undefined without ending the response' });
        return;
      }
      sendJson(res, 200, req.auth, { 'x-door-check': req.auth === authInfo ? 'same' : 'different' });
    } catch (error) {
      if (!res.headersSent) sendJson(res, 599, rethrownBody(spec, error));
      else res.destroy(error);
    }
  });
  return nodeServer('node', server);
};

/** Serves a `(Request) => Response` handler with @hono/node-server (its default options). */
const serveFetch = async (name, fetchHandler) => {
  let server;
  await new Promise((resolve) => {
    server = serve({ fetch: fetchHandler, port: 0, hostname: '127.0.0.1', serverOptions: { maxHeaderSize: MAX_HEADER_SIZE } }, resolve);
  });
  return nodeServer(name, server);
};

const jsonResponse = (status, value, headers = {}) =>
  new Response(JSON.stringify(value), { status, headers: { 'Content-Type': 'application/json', ...headers } });

const startFetch = (spec) => {
  const { bearer, metadata } = spec;
  const handlers = metadata.map((entry) => metadataOf(fetchDoor, entry));
  const routes = new Map(bearer.map((route) => [route.path, fetchDoor.bearerAuth(route.mcpAuth, route.verify, route.config)]));
  return serveFetch('fetch', async (request) => {
    try {
      let answer;
      for (const handler of handlers) {
        answer = await handler(request);
        if (answer !== undefined && !(answer instanceof Response)) throw new Error(`metadata handler returned ${String(answer)}`);
        if (answer) return answer;
      }
      const guard = routes.get(new URL(request.url).pathname);
      if (!guard) return jsonResponse(404, FELL_THROUGH, { 'x-door-result': String(answer) });
      const decided = await guard(request);
      if (decided instanceof Response) return decided;
      return jsonResponse(200, decided);
    } catch (error) {
      return jsonResponse(599, rethrownBody(spec, error));
    }
  });
};

const startHono = (spec) => {
  const { bearer, metadata } = spec;
  const app = new Hono();
  app.onError((error, c) => c.json(rethrownBody(spec, error), 599));
  app.notFound((c) => c.json(FELL_THROUGH, 404));
  for (const entry of metadata) app.use(metadataOf(honoDoor, entry));
  for (const route of bearer) {
    app.all(route.path, honoDoor.bearerAuth(route.mcpAuth, route.verify, route.config), (c) => c.json(c.get('auth')));
  }
  return serveFetch('hono', app.fetch);
};

const startFastify = async (spec) => {
  const { bearer, metadata } = spec;
  const app = Fastify({ logger: false, http: { maxHeaderSize: MAX_HEADER_SIZE } });
  app.setErrorHandler((error, request, reply) => reply.code(599).send(rethrownBody(spec, error)));
  app.setNotFoundHandler((request, reply) => reply.code(404).send(FELL_THROUGH));
  for (const { kind, mcpAuth } of metadata) {
    await app.register(kind === 'resource' ? fastifyDoor.protectedResourceMetadata : fastifyDoor.authorizationServerMetadata, { mcpAuth });
  }
  for (const route of bearer) {
    app.all(route.path, { preHandler: fastifyDoor.bearerAuth(route.mcpAuth, route.verify, route.config) }, async (request, reply) => {
      reply.header('x-door-check', request.raw.auth === request.auth ? 'same' : 'different');
      return request.auth;
    });
  }
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address();
  return {
    name: 'fastify',
    port,
    origin: `http://127.0.0.1:${port}`,
    app,
    async close() {
      app.server.closeAllConnections?.();
      await app.close();
    },
  };
};

const STARTERS = { reference: startReference, express: startExpress, node: startNode, fetch: startFetch, hono: startHono, fastify: startFastify };

/** `{ reference, express, node, fetch, hono, fastify }`, each `{ name, port, origin, close() }`. */
export const startDoorServers = async (spec) => {
  const full = { ...spec, bearer: spec.bearer ?? [], metadata: spec.metadata ?? [] };
  const servers = {};
  try {
    for (const [name, start] of Object.entries(STARTERS)) {
      servers[name] = await start(full);
      servers[name].name = name;
    }
  } catch (error) {
    await closeDoorServers(servers);
    throw error;
  }
  return servers;
};

export const closeDoorServers = async (servers) => {
  for (const server of Object.values(servers ?? {})) await server?.close();
};

/**
 * One request with node's HTTP client (no agent, so one connection per request): `headers` values
 * may be arrays, sent as that many header lines. Resolves `{ status, headers, text }`.
 */
export const send = (origin, { method = 'GET', path, headers = {}, body } = {}) =>
  within(
    new Promise((resolve, reject) => {
      const url = new URL(path, origin);
      const req = http.request(
        { host: url.hostname, port: url.port, method, path: `${url.pathname}${url.search}`, headers, agent: false, maxHeaderSize: 64 * 1024 },
        (res) => {
          const chunks = [];
          res.on('data', (chunk) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    }),
    REQUEST_LIMIT_MS,
    `${method} ${path}`,
  );

/**
 * Bytes written on a fresh TCP connection as they are (e.g. a request with no header at all), the
 * answer read until the server closes or the declared body is complete. Resolves
 * `{ status, headers, text }` (header names lowercased; a repeated header keeps the first value).
 */
export const sendRaw = (port, requestText) =>
  within(
    new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      const chunks = [];
      let settled = false;
      const finish = () => {
        if (settled) return;
        const parsed = parseResponse(Buffer.concat(chunks));
        if (!parsed) return;
        settled = true;
        socket.destroy();
        resolve(parsed);
      };
      socket.on('data', (chunk) => {
        chunks.push(chunk);
        finish();
      });
      socket.on('end', () => {
        finish();
        if (!settled) {
          settled = true;
          const parsed = parseResponse(Buffer.concat(chunks), { closed: true });
          if (parsed) resolve(parsed);
          else reject(new Error(`incomplete answer: ${Buffer.concat(chunks).toString('latin1').slice(0, 200)}`));
        }
      });
      socket.on('error', (error) => {
        if (!settled) {
          settled = true;
          reject(error);
        }
      });
      socket.write(requestText, 'latin1');
    }),
    REQUEST_LIMIT_MS,
    'raw request',
  );

/** An HTTP/1.x answer from its bytes; `undefined` while incomplete (`closed`: the body ends at EOF). */
const parseResponse = (bytes, { closed = false } = {}) => {
  const headEnd = bytes.indexOf('\r\n\r\n');
  if (headEnd === -1) return undefined;
  const [statusLine, ...lines] = bytes.subarray(0, headEnd).toString('latin1').split('\r\n');
  const status = Number(statusLine.split(' ')[1]);
  const headers = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const key = line.slice(0, colon).trim().toLowerCase();
    if (!(key in headers)) headers[key] = line.slice(colon + 1).trim();
  }
  const rest = bytes.subarray(headEnd + 4);
  if (headers['transfer-encoding']?.toLowerCase() === 'chunked') {
    const body = [];
    let offset = 0;
    for (let guard = 0; guard < 10_000; guard += 1) {
      const lineEnd = rest.indexOf('\r\n', offset);
      if (lineEnd === -1) return undefined;
      const size = parseInt(rest.subarray(offset, lineEnd).toString('latin1'), 16);
      if (size === 0) return { status, headers, text: Buffer.concat(body).toString('utf8') };
      if (rest.length < lineEnd + 2 + size + 2) return undefined;
      body.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
      offset = lineEnd + 2 + size + 2;
    }
    throw new Error('too many chunks');
  }
  if ('content-length' in headers) {
    const length = Number(headers['content-length']);
    if (rest.length < length) return undefined;
    return { status, headers, text: rest.subarray(0, length).toString('utf8') };
  }
  return closed ? { status, headers, text: rest.toString('utf8') } : undefined;
};

const parseBody = (text, contentType) => {
  if (text === '') return '';
  if (contentType?.includes('json')) {
    try {
      return JSON.parse(text);
    } catch {
      return { '<invalid json>': text };
    }
  }
  return text;
};

/**
 * What a client sees of a bearer answer: status, `WWW-Authenticate` (parsed into its parameters,
 * and raw), the JSON body. Content type and length are kept for the answers the door writes
 * itself (401/403/500; the length also on `HEAD`); the success and rethrow answers are the test
 * apps' own and each framework types its JSON its own way (Hono: `application/json`, Express:
 * `…; charset=utf-8`).
 */
export const observeBearer = ({ status, headers, text }) => {
  const contentType = headers['content-type'];
  const out = {
    status,
    wwwAuthenticate: parseWwwAuthenticate(headers['www-authenticate']),
    wwwAuthenticateRaw: headers['www-authenticate'] ?? null,
    body: parseBody(text, contentType),
  };
  if ([401, 403, 500].includes(status)) {
    out.contentType = contentType;
    out.contentLength = headers['content-length'];
  }
  return out;
};

/**
 * What a client sees of a metadata answer: status, body, type and length (also on `HEAD`), the
 * headers the Express routers' `cors()` sets. The length of a 204 is left out: Fastify removes
 * `Content-Length` from 204 answers (RFC 9110 §8.6), the others send `0` (the tests assert both).
 */
export const observeMetadata = ({ status, headers, text }) => ({
  status,
  body: parseBody(text, headers['content-type']),
  contentType: status === 200 ? headers['content-type'] : undefined,
  contentLength: status === 204 ? undefined : headers['content-length'],
  allowOrigin: headers['access-control-allow-origin'],
  allowMethods: headers['access-control-allow-methods'],
  allowHeaders: headers['access-control-allow-headers'],
  vary: headers.vary,
});
