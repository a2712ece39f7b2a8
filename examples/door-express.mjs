// An MCP server guarded by mcp-auth-rs through its Express door (`mcp-auth-rs/express`), on the MCP
// SDK v1 (`@modelcontextprotocol/sdk`), with a `whoami` tool answering the AuthInfo the SDK hands it.
//
//   node examples/door-express.mjs          # the demo (local OpenID provider, the SDK's client signs
//                                           # in and calls whoami), then keeps serving: Ctrl+C stops
//   node examples/door-express.mjs --demo   # the same, and exits (= npm run demo -- --door express)
import express from 'express';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { MCPAuth, fetchServerConfig } from 'mcp-auth-rs';
import { bearerAuth, protectedResourceMetadata } from 'mcp-auth-rs/express';
import { runIfMain } from './demo.mjs';
import { whoamiServerV1 as whoamiServer } from './whoami-server.mjs'; // the MCP server: a `whoami` tool

export const about = 'Express, MCP SDK v1';

/** Serves the MCP endpoint `/mcp` on `httpServer` (listening on 127.0.0.1), trusting `issuer`. */
export const serveMcp = async (httpServer, issuer) => {
  const resource = `http://127.0.0.1:${httpServer.address().port}/mcp`;
  const mcpAuth = new MCPAuth({
    protectedResources: {
      metadata: { resource, authorizationServers: [await fetchServerConfig(issuer, { type: 'oidc' })], scopesSupported: ['read', 'write'] },
    },
  });

  const app = express();
  app.use(protectedResourceMetadata(mcpAuth)); // GET /.well-known/oauth-protected-resource/mcp
  app.use('/mcp', bearerAuth(mcpAuth, 'jwt', { resource, audience: resource, requiredScopes: ['read'] })); // sets req.auth
  app.post('/mcp', express.json(), async (req, res) => {
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined }); // stateless
    res.on('close', () => transport.close());
    await whoamiServer().connect(transport);
    await transport.handleRequest(req, res, req.body); // the transport hands req.auth to the tool
  });
  app.all('/mcp', (req, res) => res.status(405).set('Allow', 'POST').end()); // stateless: no GET stream
  httpServer.on('request', app);
  return mcpAuth;
};

runIfMain(import.meta.url, { door: 'express', serveMcp, about });
