// The node:http door: `bearerAuth` answers a failed request itself and resolves `undefined`, or
// sets `req.auth` (what the MCP SDK's Node transport reads) and resolves the AuthInfo.
import { bearerFlowOf } from '../mcp-auth.js';
import { Answer } from '../codec.js';
import { nodeOperation } from '../operation.js';
import { nodeSender } from '../sender.js';
import { setRequestAuth } from './express.js';
import { answerHeaders, authorizationServerMetadataServer, resourceMetadataServer, targetPath } from './shared.js';

/** The scheme of the connection itself (a proxy's is `publicOrigin`'s business). */
const protocolOf = (request) => (request.socket?.encrypted ? 'https' : 'http');

export const bearerAuth = (mcpAuth, verify, config) => {
  const flow = bearerFlowOf(mcpAuth, verify, config);
  return async function bearerAuthHandler(request, response) {
    let outcome = flow.decide(
      request.headers.authorization,
      nodeOperation(flow, request),
      nodeSender(flow, request, protocolOf, request.url),
    );
    if (outcome instanceof Promise) outcome = await outcome;
    if (outcome instanceof Answer) {
      response.writeHead(outcome.status, answerHeaders(outcome));
      response.end(outcome.body);
      return undefined;
    }
    setRequestAuth(request, outcome);
    return outcome;
  };
};

/** `(req, res) => Promise<boolean>`: true when it answered (a metadata path). */
const nodeMetadataHandler = (serve) =>
  async function metadataHandler(request, response) {
    const answer = await serve(request.method, targetPath(request.url), request.headers['access-control-request-headers']);
    if (!answer) return false;
    response.writeHead(answer.status, answer.headers);
    response.end(answer.body);
    return true;
  };

export const protectedResourceMetadata = (mcpAuth) => nodeMetadataHandler(resourceMetadataServer(mcpAuth));

export const authorizationServerMetadata = (mcpAuth) => nodeMetadataHandler(authorizationServerMetadataServer(mcpAuth));
