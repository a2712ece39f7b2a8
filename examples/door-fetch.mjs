// An MCP server guarded by mcp-auth-rs through its web-standard door (`mcp-auth-rs/fetch`:
// `Request` in, `Response` out), on the MCP SDK v2 (`@modelcontextprotocol/server`), with a
// `whoami` tool answering the AuthInfo the SDK hands it. The fetch handler runs as is on Deno, Bun
// or Workers; on Node, @hono/node-server's `getRequestListener` serves it on node:http.
//
//   node examples/door-fetch.mjs          # the demo (local OpenID provider, the SDK's client signs
//                                         # in and calls whoami), then keeps serving: Ctrl+C stops
//   node examples/door-fetch.mjs --demo   # the same, and exits (= npm run demo -- --door fetch)
import { getRequestListener } from '@hono/node-server';
import { createMcpHandler } from '@modelcontextprotocol/server';
import { MCPAuth, fetchServerConfig } from 'mcp-auth-rs';
import { bearerAuth, protectedResourceMetadata } from 'mcp-auth-rs/fetch';
import { runIfMain } from './demo.mjs';
import { whoamiServerV2 as whoamiServer } from './whoami-server.mjs'; // the MCP server: a `whoami` tool

export const about = 'web-standard fetch handler, MCP SDK v2';

/** Serves the MCP endpoint `/mcp` on `httpServer` (listening on 127.0.0.1), trusting `issuer`. */
export const serveMcp = async (httpServer, issuer) => {
  const resource = `http://127.0.0.1:${httpServer.address().port}/mcp`;
  const mcpAuth = new MCPAuth({
    protectedResources: {
      metadata: { resource, authorizationServers: [await fetchServerConfig(issuer, { type: 'oidc' })], scopesSupported: ['read', 'write'] },
    },
  });

  const metadata = protectedResourceMetadata(mcpAuth); // (request) => Response | undefined
  const authenticate = bearerAuth(mcpAuth, 'jwt', { resource, audience: resource, requiredScopes: ['read'] });
  const mcp = createMcpHandler(whoamiServer); // stateless
  const fetchHandler = async (request) => {
    const answered = await metadata(request); // /.well-known/oauth-protected-resource/mcp
    if (answered) return answered;
    if (new URL(request.url).pathname !== '/mcp') return new Response('Not Found', { status: 404 });
    const auth = await authenticate(request); // the AuthInfo, or the 401/403 answer
    if (auth instanceof Response) return auth;
    return mcp.fetch(request, { authInfo: auth }); // the SDK hands it to the tool
  };
  httpServer.on('request', getRequestListener(fetchHandler));
  return mcpAuth;
};

runIfMain(import.meta.url, { door: 'fetch', serveMcp, about });
