// An MCP server guarded by mcp-auth-rs through its node:http door (`mcp-auth-rs/node`), on the MCP
// SDK v2 (`@modelcontextprotocol/server` + `@modelcontextprotocol/node`), with a `whoami` tool
// answering the AuthInfo the SDK hands it.
//
//   node examples/door-node.mjs          # the demo (local OpenID provider, the SDK's client signs
//                                        # in and calls whoami), then keeps serving: Ctrl+C stops
//   node examples/door-node.mjs --demo   # the same, and exits (= npm run demo -- --door node)
import { createMcpHandler } from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { MCPAuth, fetchServerConfig } from 'mcp-auth-rs';
import { bearerAuth, protectedResourceMetadata } from 'mcp-auth-rs/node';
import { runIfMain } from './demo.mjs';
import { whoamiServerV2 as whoamiServer } from './whoami-server.mjs'; // the MCP server: a `whoami` tool

export const about = 'node:http, MCP SDK v2';

/** Serves the MCP endpoint `/mcp` on `httpServer` (listening on 127.0.0.1), trusting `issuer`. */
export const serveMcp = async (httpServer, issuer) => {
  const resource = `http://127.0.0.1:${httpServer.address().port}/mcp`;
  const mcpAuth = new MCPAuth({
    protectedResources: {
      metadata: { resource, authorizationServers: [await fetchServerConfig(issuer, { type: 'oidc' })], scopesSupported: ['read', 'write'] },
    },
  });

  const metadata = protectedResourceMetadata(mcpAuth); // (req, res) => true when it answered
  const authenticate = bearerAuth(mcpAuth, 'jwt', { resource, audience: resource, requiredScopes: ['read'] });
  const mcp = toNodeHandler(createMcpHandler(whoamiServer)); // stateless; hands req.auth to the tool
  const handle = async (req, res) => {
    if (await metadata(req, res)) return; // /.well-known/oauth-protected-resource/mcp
    if (new URL(req.url, resource).pathname !== '/mcp') return res.writeHead(404).end();
    if (!(await authenticate(req, res))) return; // it answered 401/403; else req.auth is set
    await mcp(req, res);
  };
  httpServer.on('request', (req, res) =>
    handle(req, res).catch((error) => {
      console.error(error);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    }),
  );
  return mcpAuth;
};

runIfMain(import.meta.url, { door: 'node', serveMcp, about });
