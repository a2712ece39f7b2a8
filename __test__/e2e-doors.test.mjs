// End-to-end through each front door other than Express: a real OpenID provider (oidc-provider,
// examples/local-idp.mjs), an MCP server whose protected resource metadata and bearer check go
// through the door (`mcp-auth-rs/hono`, `mcp-auth-rs/fastify`, `mcp-auth-rs/node`), and the MCP
// SDK's own client doing discovery (401 → RFC 9728 resource metadata → authorization server
// metadata), dynamic client registration, authorization code + PKCE (headless: the IdP's redirects
// are followed in code) and the token request, then calling a `whoami` tool that returns the
// AuthInfo its SDK handed it. That AuthInfo must be exactly the one the door produced.
//
//   1. Hono + @hono/node-server + the SDK v1 web-standard transport, SDK v1 client
//   2. Fastify + the SDK v1 Node transport (hijacked reply), SDK v1 client
//   3. node:http + the SDK v2 server, SDK v2 client:
//      a. `NodeStreamableHTTPServerTransport` (@modelcontextprotocol/node), default client
//         (2025 `initialize` handshake)
//      b. `createMcpHandler` (@modelcontextprotocol/server) behind `toNodeHandler`
//         (@modelcontextprotocol/node), client pinned to protocol 2026-07-28 (the v2 Node
//         transport of (a) does not answer `server/discover`, so it cannot serve a pinned client)
//
// Run: node --test --test-concurrency=1 __test__/e2e-doors.test.mjs

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import * as jose from 'jose';
import { Hono } from 'hono';
import { createAdaptorServer } from '@hono/node-server';
import Fastify from 'fastify';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as ClientTransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError as UnauthorizedErrorV1 } from '@modelcontextprotocol/sdk/client/auth.js';
import { createMcpHandler } from '@modelcontextprotocol/server';
import { NodeStreamableHTTPServerTransport, toNodeHandler } from '@modelcontextprotocol/node';
import {
  Client as ClientV2,
  StreamableHTTPClientTransport as ClientTransportV2,
  UnauthorizedError as UnauthorizedErrorV2,
} from '@modelcontextprotocol/client';
import { MCPAuth, fetchServerConfig } from 'mcp-auth-rs';
import * as honoDoor from 'mcp-auth-rs/hono';
import * as fastifyDoor from 'mcp-auth-rs/fastify';
import * as nodeDoor from 'mcp-auth-rs/node';
import { listenOnLoopback, startLocalIdp } from '../examples/local-idp.mjs';
import { HeadlessOAuthProvider } from '../examples/headless-client.mjs';
import { serveStateless } from '../examples/mcp-endpoint.mjs';
import { whoamiReport, whoamiServerV1, whoamiServerV2 } from '../examples/whoami-server.mjs';
import { postInitialize, sha256 } from './helpers/mcp.mjs';
import { within } from './helpers/util.mjs';

const T = { timeout: 30_000 };
const SCOPES = ['read', 'write'];
const MODERN = '2026-07-28';

const prmPath = (resource) => `/.well-known/oauth-protected-resource${new URL(resource).pathname}`;

// ---------------------------------------------------------------------------------------------
// Servers on 127.0.0.1 whose port is known before their app exists (the resource names the port).

/**
 * Listens `server` (default: a new node:http server) on 127.0.0.1:0. `attach`: route requests to
 * the handler given later with `setHandler` (off when the server already has its listener).
 */
const listenEarly = async (server = http.createServer(), { attach = true } = {}) => {
  let handler = (_req, res) => {
    res.writeHead(503, { 'Content-Length': '0' });
    res.end();
  };
  const requests = [];
  server.prependListener('request', (req) =>
    requests.push({
      method: req.method,
      url: req.url,
      protocolVersion: req.headers['mcp-protocol-version'],
      bearer: /^Bearer /i.test(req.headers.authorization ?? ''),
    }),
  );
  if (attach) server.on('request', (req, res) => handler(req, res));
  const { port, close } = await listenOnLoopback(server);
  return {
    server,
    origin: `http://127.0.0.1:${port}`,
    requests,
    setHandler(next) {
      handler = next;
    },
    close,
  };
};

// ---------------------------------------------------------------------------------------------
// The MCP servers are the examples' (examples/whoami-server.mjs), one per SDK generation: a `whoami`
// tool answering the AuthInfo the SDK hands it (v1: `extra.authInfo`, v2: `ctx.http.authInfo`).

const methodNotAllowed = () =>
  JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed.' }, id: null });

// ---------------------------------------------------------------------------------------------
// The doors.

/** 1. Hono: PRM middleware, bearer middleware on /mcp, the SDK v1 web-standard transport. */
const buildHono = ({ mcpAuth, resource, seen }) => {
  const app = new Hono();
  app.use(honoDoor.protectedResourceMetadata(mcpAuth));
  app.use('/mcp', honoDoor.bearerAuth(mcpAuth, 'jwt', { resource, audience: resource, requiredScopes: ['read'] }));
  app.use('/mcp', async (c, next) => {
    seen.push(c.get('auth'));
    await next();
  });
  app.post('/mcp', async (c) => {
    const server = whoamiServerV1();
    // Stateless, answers as JSON: the whole answer is in the Response when handleRequest resolves.
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    await server.connect(transport);
    try {
      return await transport.handleRequest(c.req.raw, { authInfo: c.get('auth') });
    } finally {
      await server.close().catch(() => {});
    }
  });
  app.on(['GET', 'DELETE'], '/mcp', (c) => c.body(methodNotAllowed(), 405, { Allow: 'POST', 'Content-Type': 'application/json' }));
  return app;
};

/** 2. Fastify: the PRM plugin, the bearer preHandler on /mcp, the SDK v1 Node transport. */
const buildFastify = async ({ mcpAuth, resource, seen, listening }) => {
  const app = Fastify({
    logger: false,
    // The server is already listening (its port names the resource): Fastify routes its requests.
    serverFactory: (handler) => {
      listening.setHandler(handler);
      return listening.server;
    },
  });
  await app.register(fastifyDoor.protectedResourceMetadata, { mcpAuth });
  const bearer = fastifyDoor.bearerAuth(mcpAuth, 'jwt', { resource, audience: resource, requiredScopes: ['read'] });
  app.route({
    method: ['GET', 'POST', 'DELETE'],
    url: '/mcp',
    preHandler: bearer,
    handler: async (request, reply) => {
      seen.push({ request: request.auth, raw: request.raw.auth });
      if (request.method !== 'POST') {
        return reply.code(405).header('Allow', 'POST').type('application/json').send(methodNotAllowed());
      }
      reply.hijack();
      // The transport reads `request.raw.auth`, which the door set.
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      await serveStateless(whoamiServerV1(), transport, request.raw, reply.raw, request.body);
    },
  });
  await app.ready();
  return app;
};

/**
 * 3. node:http: the PRM handler, then per resource the bearer handler and an SDK v2 server:
 * `/mcp` through `NodeStreamableHTTPServerTransport`, `/mcp-modern` through `createMcpHandler`
 * wrapped by `toNodeHandler` (both read `req.auth`).
 */
const buildNode = ({ mcpAuth, legacyResource, modernResource, seen }) => {
  const metadata = nodeDoor.protectedResourceMetadata(mcpAuth);
  const legacyGate = nodeDoor.bearerAuth(mcpAuth, 'jwt', { resource: legacyResource, audience: legacyResource, requiredScopes: ['read'] });
  const modernGate = nodeDoor.bearerAuth(mcpAuth, 'jwt', { resource: modernResource, audience: modernResource, requiredScopes: ['read'] });
  const modernHandler = createMcpHandler(whoamiServerV2);
  const modernNode = toNodeHandler(modernHandler);

  const serveLegacy = async (req, res) => {
    if (req.method !== 'POST') {
      const body = methodNotAllowed();
      res.writeHead(405, { Allow: 'POST', 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    await serveStateless(whoamiServerV2(), new NodeStreamableHTTPServerTransport({ sessionIdGenerator: undefined }), req, res);
  };

  const handler = async (req, res) => {
    try {
      if (await metadata(req, res)) return;
      const { pathname } = new URL(req.url, 'http://localhost');
      const [gate, serve, label] =
        pathname === '/mcp' ? [legacyGate, serveLegacy, 'legacy'] : pathname === '/mcp-modern' ? [modernGate, modernNode, 'modern'] : [];
      if (!gate) {
        res.writeHead(404, { 'Content-Length': '0' });
        res.end();
        return;
      }
      const authInfo = await gate(req, res);
      if (!authInfo) return;
      seen.push({ label, resolved: authInfo, reqAuth: req.auth });
      await serve(req, res);
    } catch (error) {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(String(error?.stack ?? error));
    }
  };
  return { handler, close: () => modernHandler.close() };
};

// ---------------------------------------------------------------------------------------------
// Clients.

/** SDK v1 client: connect (401 → discovery, registration, headless authorization), finishAuth, reconnect. */
const signInV1 = async (mcpUrl, provider) => {
  const first = new ClientTransportV1(mcpUrl, { authProvider: provider });
  const probe = new ClientV1({ name: 'e2e-doors-v1-client', version: '1.0.0' });
  await assert.rejects(within(probe.connect(first), 15_000, 'first connect'), UnauthorizedErrorV1);
  await within(first.finishAuth(provider.code), 10_000, 'finishAuth');
  await first.close().catch(() => {});
  const client = new ClientV1({ name: 'e2e-doors-v1-client', version: '1.0.0' });
  await within(client.connect(new ClientTransportV1(mcpUrl, { authProvider: provider })), 10_000, 'second connect');
  return client;
};

/**
 * For the SDK v2 client: the headless provider plus the discovery state the v2 SDK persists across
 * the redirect (SEP-2352: the code and verifier are bound to the authorization server found).
 */
class HeadlessOAuthProviderV2 extends HeadlessOAuthProvider {
  saveDiscoveryState(state) {
    this._discoveryState = state;
  }

  discoveryState() {
    return this._discoveryState;
  }
}

/** SDK v2 client: the same dance; `clientOptions` may pin the protocol version. */
const signInV2 = async (mcpUrl, provider, clientOptions = {}) => {
  const first = new ClientTransportV2(mcpUrl, { authProvider: provider });
  const probe = new ClientV2({ name: 'e2e-doors-v2-client', version: '1.0.0' }, clientOptions);
  await assert.rejects(within(probe.connect(first), 15_000, 'first connect'), UnauthorizedErrorV2);
  // The whole authorization response (code, state, iss): the v2 transport takes the RFC 9207 `iss` along.
  await within(first.finishAuth(provider.authorizationResponse.url.searchParams), 10_000, 'finishAuth');
  await first.close().catch(() => {});
  const client = new ClientV2({ name: 'e2e-doors-v2-client', version: '1.0.0' }, clientOptions);
  await within(client.connect(new ClientTransportV2(mcpUrl, { authProvider: provider })), 10_000, 'second connect');
  return client;
};

// ---------------------------------------------------------------------------------------------

let idp;
let authServerConfig;
const cleanups = [];
const servers = {};

before(async () => {
  servers.hono = await listenEarly(createAdaptorServer({ fetch: (request, env) => servers.hono.app.fetch(request, env) }), { attach: false });
  cleanups.push(() => servers.hono.close());
  servers.fastify = await listenEarly();
  cleanups.push(() => servers.fastify.close());
  servers.node = await listenEarly();
  cleanups.push(() => servers.node.close());

  const resources = {
    hono: `${servers.hono.origin}/mcp`,
    fastify: `${servers.fastify.origin}/mcp`,
    node: `${servers.node.origin}/mcp`,
    nodeModern: `${servers.node.origin}/mcp-modern`,
  };
  idp = await within(startLocalIdp({ resource: Object.values(resources), scopes: SCOPES }), 10_000, 'start IdP');
  cleanups.push(() => idp.close());
  authServerConfig = await within(fetchServerConfig(idp.issuer, { type: 'oidc' }), 5000, 'fetchServerConfig');

  // Hono: a resolved authorization server config.
  servers.hono.resource = resources.hono;
  servers.hono.seen = [];
  servers.hono.mcpAuth = new MCPAuth({
    protectedResources: { metadata: { resource: resources.hono, authorizationServers: [authServerConfig], scopesSupported: SCOPES } },
  });
  servers.hono.app = buildHono({ mcpAuth: servers.hono.mcpAuth, resource: resources.hono, seen: servers.hono.seen });

  // Fastify: a discovery config (the IdP's metadata is fetched on the first token).
  servers.fastify.resource = resources.fastify;
  servers.fastify.seen = [];
  servers.fastify.mcpAuth = new MCPAuth({
    protectedResources: {
      metadata: { resource: resources.fastify, authorizationServers: [{ issuer: idp.issuer, type: 'oidc' }], scopesSupported: SCOPES },
    },
  });
  const fastifyApp = await buildFastify({
    mcpAuth: servers.fastify.mcpAuth,
    resource: resources.fastify,
    seen: servers.fastify.seen,
    listening: servers.fastify,
  });
  cleanups.push(() => fastifyApp.close());

  // node:http: two resources on one MCPAuth (one PRM handler serves both documents).
  servers.node.resource = resources.node;
  servers.node.modernResource = resources.nodeModern;
  servers.node.seen = [];
  servers.node.mcpAuth = new MCPAuth({
    protectedResources: [
      { metadata: { resource: resources.node, authorizationServers: [authServerConfig], scopesSupported: SCOPES } },
      { metadata: { resource: resources.nodeModern, authorizationServers: [authServerConfig], scopesSupported: SCOPES } },
    ],
  });
  const node = buildNode({
    mcpAuth: servers.node.mcpAuth,
    legacyResource: resources.node,
    modernResource: resources.nodeModern,
    seen: servers.node.seen,
  });
  servers.node.setHandler(node.handler);
  cleanups.push(() => node.close());
});

after(async () => {
  await Promise.allSettled(cleanups.reverse().map((fn) => within(Promise.resolve().then(fn), 5000, 'close')));
});

/** The checks every door shares: PRM document, 401 challenge, 403 for a token lacking `read`. */
const commonChecks = (name, resourceOf) => {
  test(`${name}: protected resource metadata served through the door`, T, async () => {
    const resource = resourceOf();
    const res = await fetch(new URL(prmPath(resource), resource), { signal: AbortSignal.timeout(5000) });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.match(res.headers.get('content-type'), /^application\/json/);
    assert.deepEqual(await res.json(), { resource, scopes_supported: SCOPES, authorization_servers: [idp.issuer] });
  });

  test(`${name}: no token → 401 with a challenge naming the resource metadata`, T, async () => {
    const resource = resourceOf();
    const r = await postInitialize(resource);
    assert.equal(r.status, 401, JSON.stringify(r.body));
    assert.match(r.wwwAuthenticate ?? '', /^Bearer /);
    assert.ok(r.wwwAuthenticate.includes(`resource_metadata="${new URL(prmPath(resource), resource)}"`), r.wwwAuthenticate);
    assert.ok(r.wwwAuthenticate.includes('error="missing_auth_header"'), r.wwwAuthenticate);
    assert.match(r.headers.get('content-type'), /^application\/json/);
    assert.equal(r.body.error, 'missing_auth_header');
  });

  test(`${name}: a token without the required scope → 403`, T, async () => {
    const resource = resourceOf();
    const { access_token: writeOnly } = await within(idp.getAccessToken({ resource, scope: ['write'] }), 10_000, 'token');
    assert.equal(jose.decodeJwt(writeOnly).scope, 'write');
    const r = await postInitialize(resource, `Bearer ${writeOnly}`);
    assert.equal(r.status, 403, JSON.stringify(r.body));
    assert.equal(r.body.error, 'missing_required_scopes');
    assert.deepEqual(r.body.missing_scopes, ['read']);
    assert.ok(r.wwwAuthenticate?.includes('error="missing_required_scopes"'), r.wwwAuthenticate);
  });
};

/** Asserts the tool's report against the token, the registration and the door's AuthInfo. */
const assertWhoami = ({ result, tokens, clientId, resource, doorAuthInfo }) => {
  assert.ok(!result.isError, `tool error: ${JSON.stringify(result)}`);
  const info = JSON.parse(result.content[0].text);
  const claims = jose.decodeJwt(tokens.access_token);
  assert.equal(info.subject, idp.accountId);
  assert.equal(info.issuer, idp.issuer);
  assert.equal(info.clientId, clientId);
  assert.deepEqual(info.scopes, SCOPES);
  assert.equal(info.audience, resource);
  assert.equal(info.expiresAt, claims.exp);
  assert.deepEqual(info.claims, claims);
  assert.equal(info.tokenSha256, sha256(tokens.access_token), 'the bearer token reached the tool');
  // Exactly what the door produced (as JSON: what the tool could report of it).
  assert.ok(doorAuthInfo, 'the door recorded an AuthInfo');
  assert.equal(doorAuthInfo.token, tokens.access_token);
  assert.deepEqual(info, JSON.parse(JSON.stringify(whoamiReport(doorAuthInfo))));
};

/** Asserts what the client's sign-in went through: PRM fetched, the authorization request it made. */
const assertSignIn = ({ srv, resource, provider, scope = SCOPES.join(' ') }) => {
  assert.ok(
    srv.requests.some((r) => r.method === 'GET' && r.url === prmPath(resource)),
    `PRM fetched by the SDK: ${JSON.stringify(srv.requests)}`,
  );
  const authzUrl = provider.authorizationUrls[0];
  assert.ok(authzUrl, 'authorization request made');
  assert.equal(authzUrl.origin + authzUrl.pathname, `${idp.issuer}/auth`);
  assert.equal(authzUrl.searchParams.get('resource'), resource);
  assert.equal(authzUrl.searchParams.get('code_challenge_method'), 'S256');
  assert.ok(authzUrl.searchParams.get('code_challenge'), 'PKCE challenge sent');
  assert.equal(authzUrl.searchParams.get('scope'), scope);
  const clientId = provider.clientInformation()?.client_id;
  assert.ok(clientId, 'client registered dynamically');
  assert.equal(authzUrl.searchParams.get('client_id'), clientId);
  assert.ok(provider.tokens()?.access_token, 'access token saved');
  return clientId;
};

/**
 * The v2 client's sign-in: as v1's, plus `offline_access` in the scope it asks for (the IdP
 * supports refresh tokens; the token's resource scopes stay `read write`) and the discovery state
 * it recorded (the PRM document the door served, the IdP it names).
 */
const assertSignInV2 = ({ resource, provider }) => {
  const clientId = assertSignIn({ srv: servers.node, resource, provider, scope: [...SCOPES, 'offline_access'].join(' ') });
  const state = provider.discoveryState();
  assert.equal(state?.resourceMetadataUrl, String(new URL(prmPath(resource), resource)));
  assert.equal(new URL(state.authorizationServerUrl).origin, idp.issuer);
  assert.equal(state.resourceMetadata?.resource, resource);
  assert.deepEqual(state.resourceMetadata?.authorization_servers, [idp.issuer]);
  return clientId;
};

/**
 * The MCP requests a v2 sign-in sent to `path`: the first without a token (answered 401 by the
 * door), the ones after the token with it, all naming `protocolVersion` (the header the client
 * sends from its first request on; for the pinned client that first request is `server/discover`).
 */
const assertMcpTraffic = (requests, path, protocolVersion) => {
  const mcp = requests.filter((r) => r.url === path);
  assert.ok(mcp.length >= 2, JSON.stringify(mcp));
  assert.equal(mcp[0].bearer, false, 'the first request carries no token');
  assert.ok(mcp.slice(1).every((r) => r.bearer), `every request after sign-in carries the token: ${JSON.stringify(mcp)}`);
  const versions = new Set(mcp.map((r) => r.protocolVersion).filter(Boolean));
  assert.deepEqual([...versions], [protocolVersion], JSON.stringify(mcp));
};

const redirectUri = 'http://127.0.0.1:53682/oauth/callback';

describe('hono door + SDK v1 web-standard transport', () => {
  commonChecks('hono', () => servers.hono.resource);

  test('hono: SDK v1 client signs in and whoami reports the door AuthInfo (c.get("auth"))', T, async () => {
    const { resource, seen } = servers.hono;
    seen.length = 0;
    const provider = new HeadlessOAuthProvider(redirectUri);
    const client = await signInV1(new URL(resource), provider);
    try {
      const clientId = assertSignIn({ srv: servers.hono, resource, provider });
      const { tools } = await client.listTools(undefined, { timeout: 10_000 });
      assert.ok(tools.some((t) => t.name === 'whoami'));
      const result = await client.callTool({ name: 'whoami', arguments: {} }, undefined, { timeout: 10_000 });
      assert.ok(seen.length >= 3, `authenticated requests: ${seen.length}`);
      assertWhoami({ result, tokens: provider.tokens(), clientId, resource, doorAuthInfo: seen.at(-1) });
    } finally {
      await client.close().catch(() => {});
    }
  });
});

describe('fastify door + SDK v1 Node transport', () => {
  commonChecks('fastify', () => servers.fastify.resource);

  test('fastify: SDK v1 client signs in and whoami reports the door AuthInfo (request.raw.auth)', T, async () => {
    const { resource, seen } = servers.fastify;
    seen.length = 0;
    const provider = new HeadlessOAuthProvider(redirectUri);
    const client = await signInV1(new URL(resource), provider);
    try {
      const clientId = assertSignIn({ srv: servers.fastify, resource, provider });
      const result = await client.callTool({ name: 'whoami', arguments: {} }, undefined, { timeout: 10_000 });
      const last = seen.at(-1);
      assert.ok(last, 'an authenticated request reached the route');
      assert.equal(last.request, last.raw, 'request.auth and request.raw.auth are the same AuthInfo');
      assertWhoami({ result, tokens: provider.tokens(), clientId, resource, doorAuthInfo: last.raw });
    } finally {
      await client.close().catch(() => {});
    }
  });
});

describe('node:http door + SDK v2', () => {
  commonChecks('node', () => servers.node.resource);
  commonChecks('node (second resource)', () => servers.node.modernResource);

  test('node: SDK v2 client (default handshake) → NodeStreamableHTTPServerTransport, whoami reads ctx.http.authInfo', T, async () => {
    const { resource, seen } = servers.node;
    seen.length = 0;
    const from = servers.node.requests.length;
    const provider = new HeadlessOAuthProviderV2(redirectUri);
    const client = await signInV2(new URL(resource), provider);
    try {
      assert.equal(client.getNegotiatedProtocolVersion(), '2025-11-25');
      assertMcpTraffic(servers.node.requests.slice(from), '/mcp', '2025-11-25');
      const clientId = assertSignInV2({ resource, provider });
      const result = await client.callTool({ name: 'whoami', arguments: {} }, { timeout: 10_000 });
      const last = seen.at(-1);
      assert.equal(last?.label, 'legacy');
      assert.equal(last.reqAuth, last.resolved, 'req.auth is the AuthInfo bearerAuth resolved');
      assertWhoami({ result, tokens: provider.tokens(), clientId, resource, doorAuthInfo: last.resolved });
    } finally {
      await client.close().catch(() => {});
    }
  });

  test(`node: SDK v2 client pinned to ${MODERN} → createMcpHandler via toNodeHandler, whoami reads ctx.http.authInfo`, T, async () => {
    const { modernResource: resource, seen } = servers.node;
    seen.length = 0;
    const from = servers.node.requests.length;
    const provider = new HeadlessOAuthProviderV2(redirectUri);
    const client = await signInV2(new URL(resource), provider, { versionNegotiation: { mode: { pin: MODERN } } });
    try {
      assert.equal(client.getNegotiatedProtocolVersion(), MODERN);
      assert.equal(client.getProtocolEra(), 'modern');
      assertMcpTraffic(servers.node.requests.slice(from), '/mcp-modern', MODERN);
      const clientId = assertSignInV2({ resource, provider });
      const result = await client.callTool({ name: 'whoami', arguments: {} }, { timeout: 10_000 });
      const last = seen.at(-1);
      assert.equal(last?.label, 'modern');
      assert.equal(last.reqAuth, last.resolved, 'req.auth is the AuthInfo bearerAuth resolved');
      assertWhoami({ result, tokens: provider.tokens(), clientId, resource, doorAuthInfo: last.resolved });
    } finally {
      await client.close().catch(() => {});
    }
  });

  test('node: a token for the other resource → 401 invalid_audience', T, async () => {
    const { access_token: other } = await within(idp.getAccessToken({ resource: servers.node.modernResource }), 10_000, 'token');
    const r = await postInitialize(servers.node.resource, `Bearer ${other}`);
    assert.equal(r.status, 401, JSON.stringify(r.body));
    assert.equal(r.body.error, 'invalid_audience');
    assert.ok(r.wwwAuthenticate.includes(`resource_metadata="${new URL(prmPath(servers.node.resource), servers.node.resource)}"`), r.wwwAuthenticate);
  });
});
