// Typings of `mcp-auth-rs/express`: the Express front door. Same middleware and routers as the
// `MCPAuth` methods (`mcpAuth.bearerAuth(...)`, `mcpAuth.protectedResourceMetadataRouter()`,
// `mcpAuth.delegatedRouter()`), as functions taking the `MCPAuth` instance.
//
// Needs `@types/express` (Express 5). Loading this entry also loads the main typings, which add
// `auth?: AuthInfo` to Express's `Request`.

import type { RequestHandler, Router } from 'express';

import type { DoorBearerAuth, MCPAuth } from './bearer-options.js';

/**
 * Creates an Express middleware that authenticates requests with an `Authorization: Bearer`
 * token, verified by a custom function or (`'jwt'`) against the JWK Set of the trusted
 * authorization server that issued it: the same middleware as `mcpAuth.bearerAuth(...)`. On
 * success `req.auth` holds the `AuthInfo`; auth failures are answered with 401/403 (500 for
 * authorization server problems).
 *
 * @example
 * ```ts
 * import { bearerAuth, protectedResourceMetadata } from 'mcp-auth-rs/express';
 * app.use(protectedResourceMetadata(mcpAuth));
 * app.post('/mcp', bearerAuth(mcpAuth, 'jwt', { resource, audience: resource }), handler);
 * ```
 */
export declare const bearerAuth: DoorBearerAuth<RequestHandler>;

/**
 * Returns a new Express router serving the protected resource metadata (RFC 9728) of every
 * configured resource at `/.well-known/oauth-protected-resource<resource path>`, with CORS: the
 * same router as `mcpAuth.protectedResourceMetadataRouter()`.
 *
 * @throws {MCPAuthAuthServerError} `invalid_server_config` in authorization server mode.
 */
export declare function protectedResourceMetadata(mcpAuth: MCPAuth): Router;

/**
 * Returns a new Express router serving the authorization server metadata at
 * `/.well-known/oauth-authorization-server`, with CORS (legacy authorization server mode): the same
 * router as `mcpAuth.delegatedRouter()`.
 *
 * @throws {MCPAuthAuthServerError} `invalid_server_config` in resource server mode.
 */
export declare function authorizationServerMetadata(mcpAuth: MCPAuth): Router;
