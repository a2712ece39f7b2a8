// The Hono door: middleware over the web-standard door. On success `c.get('auth')` holds the
// AuthInfo (hand it to the MCP SDK's web-standard transport as `{ authInfo }`).
import { bearerFlowOf } from '../mcp-auth.js';
import { decideRequest, serveRequest } from './fetch.js';
import { authorizationServerMetadataServer, resourceMetadataServer } from './shared.js';

export const bearerAuth = (mcpAuth, verify, config) => {
  const flow = bearerFlowOf(mcpAuth, verify, config);
  return async function bearerAuthMiddleware(c, next) {
    let decided = decideRequest(flow, c.req.raw);
    if (decided instanceof Promise) decided = await decided;
    if (decided instanceof Response) return decided;
    c.set('auth', decided);
    await next();
  };
};

const honoMetadataMiddleware = (serve) =>
  async function metadataMiddleware(c, next) {
    const answer = await serveRequest(serve, c.req.raw);
    if (answer) return answer;
    await next();
  };

export const protectedResourceMetadata = (mcpAuth) => honoMetadataMiddleware(resourceMetadataServer(mcpAuth));

export const authorizationServerMetadata = (mcpAuth) => honoMetadataMiddleware(authorizationServerMetadataServer(mcpAuth));
