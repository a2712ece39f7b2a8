// The Express door: the bearer middleware (`req.auth`, `next()`) and the metadata routers (real
// Express routers with the `cors` package's defaults). Express and `cors` are loaded when a
// router is created, never by importing this module.
import { createRequire } from 'node:module';
import { bearerFlowOf, delegatedMetadataRoute, resourceMetadataRoutes } from '../mcp-auth.js';
import { callerVerifiedFlow } from '../bearer.js';
import { binding } from '../native.js';
import { Answer } from '../codec.js';
import { nodeOperation } from '../operation.js';
import { nodeSender } from '../sender.js';

const require = createRequire(import.meta.url);

const OVERWRITE_WARNING =
  'Request already contains auth info and will be overwritten. Please double-check if this is intended.';

/** Sets `req.auth` (warning when something set it before, as the reference does). */
export const setRequestAuth = (request, authInfo) => {
  if (request.auth) console.warn(OVERWRITE_WARNING);
  request.auth = authInfo;
};

// The body goes through `res.json` as the reference's does: the app's JSON settings and any
// wrapper of `res.json` (response envelopes, logging) apply to it.
const writeAnswer = ({ status, body, challenge, retryAfter }, response) => {
  if (challenge) response.set('WWW-Authenticate', challenge);
  if (retryAfter !== undefined) response.set('Retry-After', String(retryAfter));
  response.status(status).json(JSON.parse(body));
};

/** The scheme as Express reads it (`trust proxy` applies). */
const protocolOf = (request) => request.protocol;

/** A flow as Express middleware: one synchronous call into the core when keys are cached. */
export const expressMiddleware = (flow) =>
  async function bearerAuthHandler(request, response, next) {
    let outcome = flow.decide(
      request.headers.authorization,
      nodeOperation(flow, request),
      nodeSender(flow, request, protocolOf, request.originalUrl),
    );
    if (outcome instanceof Promise) outcome = await outcome;
    if (outcome instanceof Answer) return writeAnswer(outcome, response);
    setRequestAuth(request, outcome);
    // `next()` runs inside the reference's try block: what it throws is answered the same way.
    try {
      next();
    } catch (error) {
      writeAnswer(flow.answerThrown(error), response);
    }
  };

export const handleBearerAuth = (config) => expressMiddleware(callerVerifiedFlow(config, (settings) => binding.callerGuard(settings)));

/** `mcpAuth.bearerAuth(verify, config)`. */
export const bearerAuth = (mcpAuth, verify, config) => expressMiddleware(bearerFlowOf(mcpAuth, verify, config));

/** `mcpAuth.protectedResourceMetadataRouter()`. */
export const protectedResourceMetadata = (mcpAuth) => {
  const routes = resourceMetadataRoutes(mcpAuth);
  const { Router } = require('express');
  const cors = require('cors');
  const router = Router();
  for (const { path, document } of routes) {
    router.use(path, cors());
    router.get(path, (request, response) => {
      response.status(200).json(document());
    });
  }
  return router;
};

/** `mcpAuth.delegatedRouter()`: the document of a discovery config is fetched on first use. */
export const authorizationServerMetadata = (mcpAuth) => {
  const { path, document } = delegatedMetadataRoute(mcpAuth);
  const { Router } = require('express');
  const cors = require('cors');
  const router = Router();
  router.use(path, cors());
  router.get(path, async (request, response) => {
    response.status(200).json(await document());
  });
  return router;
};
