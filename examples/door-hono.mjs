// An MCP server guarded by mcp-auth-rs through its Hono door (`mcp-auth-rs/hono`), on the MCP SDK
// v1's web-standard transport (`@modelcontextprotocol/sdk`), with a `whoami` tool answering the
// AuthInfo the SDK hands it.
//
//   node examples/door-hono.mjs          # the demo (local OpenID provider, the SDK's client signs
//                                        # in and calls whoami), then keeps serving: Ctrl+C stops
//   node examples/door-hono.mjs --demo   # the same, and exits (= npm run demo -- --door hono)
import { Hono } from 'hono';
import { getRequestListener } from '@hono/node-server';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { MCPAuth, fetchServerConfig } from 'mcp-auth-rs';
import { bearerAuth, protectedResourceMetadata } from 'mcp-auth-rs/hono';
import { runIfMain } from './demo.mjs';
import { whoamiServerV1 as whoamiServer } from './whoami-server.mjs'; // the MCP server: a `whoami` tool

export const about = 'Hono, MCP SDK v1';

/** Serves the MCP endpoint `/mcp` on `httpServer` (listening on 127.0.0.1), trusting `issuer`. */
export const serveMcp = async (httpServer, issuer) => {
  const resource = `http://127.0.0.1:${httpServer.address().port}/mcp`;
  const mcpAuth = new MCPAuth({
    protectedResources: {
      metadata: { resource, authorizationServers: [await fetchServerConfig(issuer, { type: 'oidc' })], scopesSupported: ['read', 'write'] },
    },
  });

  const app = new Hono();
  app.use(protectedResourceMetadata(mcpAuth)); // GET /.well-known/oauth-protected-resource/mcp
  app.use('/mcp', bearerAuth(mcpAuth, 'jwt', { resource, audience: resource, requiredScopes: ['read'] })); // c.set('auth', …)
  app.post('/mcp', async (c) => {
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined }); // stateless
    await whoamiServer().connect(transport);
    return transport.handleRequest(c.req.raw, { authInfo: c.get('auth') }); // the SDK hands it to the tool
  });
  app.all('/mcp', (c) => c.body(null, 405, { Allow: 'POST' })); // stateless: no GET stream
  httpServer.on('request', getRequestListener(app.fetch)); // what @hono/node-server's serve() runs
  return mcpAuth;
};

runIfMain(import.meta.url, { door: 'hono', serveMcp, about });
