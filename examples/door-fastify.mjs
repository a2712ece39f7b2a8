// An MCP server guarded by mcp-auth-rs through its Fastify door (`mcp-auth-rs/fastify`), on the MCP
// SDK v1 (`@modelcontextprotocol/sdk`), with a `whoami` tool answering the AuthInfo the SDK hands it.
//
//   node examples/door-fastify.mjs          # the demo (local OpenID provider, the SDK's client signs
//                                           # in and calls whoami), then keeps serving: Ctrl+C stops
//   node examples/door-fastify.mjs --demo   # the same, and exits (= npm run demo -- --door fastify)
import Fastify from 'fastify';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { MCPAuth, fetchServerConfig } from 'mcp-auth-rs';
import { bearerAuth, protectedResourceMetadata } from 'mcp-auth-rs/fastify';
import { runIfMain } from './demo.mjs';
import { whoamiServerV1 as whoamiServer } from './whoami-server.mjs'; // the MCP server: a `whoami` tool

export const about = 'Fastify, MCP SDK v1';

/** Serves the MCP endpoint `/mcp` on `httpServer` (listening on 127.0.0.1), trusting `issuer`. */
export const serveMcp = async (httpServer, issuer) => {
  const resource = `http://127.0.0.1:${httpServer.address().port}/mcp`;
  const mcpAuth = new MCPAuth({
    protectedResources: {
      metadata: { resource, authorizationServers: [await fetchServerConfig(issuer, { type: 'oidc' })], scopesSupported: ['read', 'write'] },
    },
  });

  // On a server of its own: `Fastify()` … `await app.listen({ port, host: '127.0.0.1' })`.
  const app = Fastify({ serverFactory: (handler) => httpServer.on('request', handler) });
  await app.register(protectedResourceMetadata, { mcpAuth }); // GET /.well-known/oauth-protected-resource/mcp
  const authenticate = bearerAuth(mcpAuth, 'jwt', { resource, audience: resource, requiredScopes: ['read'] }); // sets request.auth, request.raw.auth
  app.post('/mcp', { preHandler: authenticate }, async (request, reply) => {
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined }); // stateless
    reply.raw.on('close', () => transport.close());
    await whoamiServer().connect(transport);
    reply.hijack(); // the transport writes the answer
    await transport.handleRequest(request.raw, reply.raw, request.body); // it hands request.raw.auth to the tool
  });
  app.route({ method: ['GET', 'DELETE'], url: '/mcp', preHandler: authenticate, handler: (request, reply) => reply.code(405).header('Allow', 'POST').send() });
  await app.ready();
  return mcpAuth;
};

runIfMain(import.meta.url, { door: 'fastify', serveMcp, about });
