// The web-standard door (`Request` in, `Response` out): Hono, Next.js route handlers, Deno-style
// servers, the MCP SDK's web-standard transport (hand it the AuthInfo as `{ authInfo }`).
import { bearerFlowOf } from '../mcp-auth.js';
import { Answer } from '../codec.js';
import { webOperation } from '../operation.js';
import { webSender } from '../sender.js';
import { answerHeaders, authorizationServerMetadataServer, resourceMetadataServer } from './shared.js';

const responseOf = (outcome) =>
  outcome instanceof Answer ? new Response(outcome.body, { status: outcome.status, headers: answerHeaders(outcome) }) : outcome;

const decideWith = (flow, request, operation) => {
  const outcome = flow.decide(request.headers.get('authorization'), operation, webSender(flow, request));
  return outcome instanceof Promise ? outcome.then(responseOf) : responseOf(outcome);
};

/** The outcome of a flow for a web `Request`: the AuthInfo, or the answer as a `Response`; a
 * Promise of it only when something must be awaited (the body's operation, a first fetch). What
 * the flow rethrows is thrown (or rejected). */
export const decideRequest = (flow, request) =>
  flow.readsOperation
    ? webOperation(flow, request).then((operation) => decideWith(flow, request, operation))
    : decideWith(flow, request, undefined);

/** `(request) => Promise<AuthInfo | Response>` (a rethrown error rejects it). */
export const bearerAuth = (mcpAuth, verify, config) => {
  const flow = bearerFlowOf(mcpAuth, verify, config);
  return async (request) => decideRequest(flow, request);
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
