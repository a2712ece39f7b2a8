// CommonJS consumer of the front doors (`require('mcp-auth-rs/<door>')`, Node's require(esm)).
// Type-checked only (never executed): `npx tsc -p __test__/types/tsconfig.json`.

import http = require('node:http');
import express = require('express');
import Fastify = require('fastify');
import hono = require('hono');
import mcpAuthRs = require('mcp-auth-rs');
import expressDoor = require('mcp-auth-rs/express');
import nodeDoor = require('mcp-auth-rs/node');
import fetchDoor = require('mcp-auth-rs/fetch');
import honoDoor = require('mcp-auth-rs/hono');
import fastifyDoor = require('mcp-auth-rs/fastify');

const resource = 'https://api.example.com/mcp';
const mcpAuth = new mcpAuthRs.MCPAuth({
  protectedResources: { metadata: { resource, authorizationServers: [{ issuer: 'https://auth.example.com', type: 'oidc' }] } },
});

async function main(): Promise<void> {
  // Express.
  const app = express();
  app.use(expressDoor.protectedResourceMetadata(mcpAuth));
  app.get('/me', expressDoor.bearerAuth(mcpAuth, 'jwt', { resource }), (req, res) => {
    res.json({ issuer: req.auth?.issuer });
  });

  // node:http.
  const nodeAuth = nodeDoor.bearerAuth(mcpAuth, 'jwt', { resource });
  const nodeMetadata = nodeDoor.protectedResourceMetadata(mcpAuth);
  http.createServer(async (req, res) => {
    if (await nodeMetadata(req, res)) return;
    const authInfo = await nodeAuth(req, res);
    if (!authInfo) return;
    res.end(authInfo.issuer);
  });

  // fetch.
  const fetchAuth: fetchDoor.FetchBearerAuthHandler = fetchDoor.bearerAuth(mcpAuth, 'jwt', { resource });
  const handle = async (request: Request): Promise<Response> => {
    const authInfo = await fetchAuth(request);
    return authInfo instanceof Response ? authInfo : new Response(authInfo.issuer);
  };
  void handle;

  // Hono.
  const honoApp = new hono.Hono<{ Variables: honoDoor.McpAuthVariables }>();
  honoApp.use(honoDoor.protectedResourceMetadata(mcpAuth));
  honoApp.use('/mcp', honoDoor.bearerAuth(mcpAuth, 'jwt', { resource }));
  honoApp.get('/mcp', (c) => c.text(c.get('auth').issuer));

  // Fastify.
  const fastifyApp = Fastify();
  await fastifyApp.register(fastifyDoor.protectedResourceMetadata, { mcpAuth });
  fastifyApp.get('/me', { preHandler: fastifyDoor.bearerAuth(mcpAuth, 'jwt', { resource }) }, async (request) => ({
    issuer: request.auth?.issuer,
  }));

  // @ts-expect-error only the 'jwt' mode exists
  nodeDoor.bearerAuth(mcpAuth, 'opaque');
  // @ts-expect-error the plugins need the `mcpAuth` option
  fastifyApp.register(fastifyDoor.authorizationServerMetadata, { prefix: '/x' });
  // @ts-expect-error the variable is the AuthInfo
  honoApp.get('/x', (c) => c.text(c.get('auth')));
}

export = main;
