// The web-standard door (`Request` in, `Response` out): Hono, Next.js route handlers, Deno-style
// servers, the MCP SDK's web-standard transport (hand it the AuthInfo as `{ authInfo }`).
import { bearerFlowOf } from '../mcp-auth.js';
import { Answer } from '../codec.js';
import { webOperation } from '../operation.js';
import { webSender } from '../sender.js';
import { answerHeaders, authorizationServerMetadataServer, resourceMetadataServer } from './shared.js';

/** The outcome of a flow for a web `Request`: the AuthInfo, or the answer as a `Response`. */
export const decideRequest = async (flow, request) => {
  const operation = flow.readsOperation ? await webOperation(flow, request) : undefined;
  let outcome = flow.decide(request.headers.get('authorization'), operation, webSender(flow, request));
  if (outcome instanceof Promise) outcome = await outcome;
  if (outcome instanceof Answer) return new Response(outcome.body, { status: outcome.status, headers: answerHeaders(outcome) });
  return outcome;
};

/** `(request) => Promise<AuthInfo | Response>`. */
export const bearerAuth = (mcpAuth, verify, config) => {
  const flow = bearerFlowOf(mcpAuth, verify, config);
  return (request) => decideRequest(flow, request);
};

/** The metadata answer for a web `Request`, or undefined when it is not for a metadata path. */
export const serveRequest = async (serve, request) => {
  const answer = await serve(request.method, new URL(request.url).pathname, request.headers.get('access-control-request-headers'));
  return answer && new Response(answer.body || null, { status: answer.status, headers: answer.headers });
};

/** `(request) => Promise<Response | undefined>`. */
export const protectedResourceMetadata = (mcpAuth) => {
  const serve = resourceMetadataServer(mcpAuth);
  return (request) => serveRequest(serve, request);
};

export const authorizationServerMetadata = (mcpAuth) => {
  const serve = authorizationServerMetadataServer(mcpAuth);
  return (request) => serveRequest(serve, request);
};
