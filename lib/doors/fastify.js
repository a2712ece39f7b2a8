// The Fastify door: `bearerAuth` is an async `preHandler` hook; on success `request.auth` holds the
// AuthInfo (also set on `request.raw`, where the MCP SDK's Node transport reads it). The metadata
// documents are plugins: `app.register(protectedResourceMetadata, { mcpAuth })`.
import { bearerFlowOf, delegatedMetadataRoute, resourceMetadataRoutes } from '../mcp-auth.js';
import { answerHeaders, metadataServer, pathKey } from './shared.js';
import { Answer } from '../codec.js';
import { nodeOperation } from '../operation.js';
import { nodeSender } from '../sender.js';

/** The scheme as Fastify reads it (`trustProxy` applies). */
const protocolOf = (request) => request.protocol;

export const bearerAuth = (mcpAuth, verify, config) => {
  const flow = bearerFlowOf(mcpAuth, verify, config);
  return async function bearerAuthHook(request, reply) {
    let outcome = flow.decide(
      request.headers.authorization,
      nodeOperation(flow, request),
      nodeSender(flow, request, protocolOf, request.raw.url),
    );
    if (outcome instanceof Promise) outcome = await outcome;
    if (outcome instanceof Answer) return reply.code(outcome.status).headers(answerHeaders(outcome)).send(outcome.body);
    request.auth = outcome;
    request.raw.auth = outcome;
  };
};

/**
 * Routes `GET`, `HEAD` and `OPTIONS` for each metadata path (`routes`: `[{ path, document() }]`).
 * Each handler answers for its own route's path, whatever prefix the plugin is registered under.
 * Paths Express would match as one route (case, trailing slash: two resources on one path) are
 * registered once, the first resource winning as with the Express routers (registering both
 * would make Fastify throw `FST_ERR_DUPLICATED_ROUTE`). `HEAD` is routed explicitly: Fastify's
 * automatic HEAD route would replace the document's `Content-Length` with that of the empty body
 * (and exists only with `exposeHeadRoutes`).
 */
const registerMetadata = (app, routes) => {
  const serve = metadataServer(routes);
  const registered = new Set();
  for (const { path } of routes) {
    if (registered.has(pathKey(path))) continue;
    registered.add(pathKey(path));
    const handler = async (request, reply) => {
      const answer = await serve(request.method, path, request.headers['access-control-request-headers']);
      return reply.code(answer.status).headers(answer.headers).send(answer.body);
    };
    app.route({ method: ['GET', 'HEAD'], url: path, handler });
    app.options(path, handler);
  }
};

/** A Fastify plugin: `app.register(protectedResourceMetadata, { mcpAuth })`. */
export const protectedResourceMetadata = async (app, { mcpAuth }) => {
  registerMetadata(app, resourceMetadataRoutes(mcpAuth));
};

export const authorizationServerMetadata = async (app, { mcpAuth }) => {
  registerMetadata(app, [delegatedMetadataRoute(mcpAuth)]);
};
