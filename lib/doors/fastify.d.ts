// Typings of `mcp-auth-rs/fastify`: the Fastify front door. Needs `fastify` 5 (its own typings).
// Loading this entry adds `auth?: AuthInfo` to Fastify's `FastifyRequest`.

import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';

import type { AuthInfo, DoorBearerAuth, MCPAuth } from './bearer-options.js';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * Set by the `bearerAuth` hook of `mcp-auth-rs/fastify` after a successful verification: the
     * `AuthInfo` of the access token (also set on `request.raw.auth`, where the MCP SDK's Node
     * transports read it).
     */
    auth?: AuthInfo;
  }
}

/**
 * An async Fastify `preHandler` hook: on success it sets `request.auth` (and `request.raw.auth`)
 * and resolves `undefined`; otherwise it sends the 401/403/500 reply and resolves it.
 */
export type FastifyBearerAuthHook = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;

/** Options of the metadata plugins: `app.register(protectedResourceMetadata, { mcpAuth })`. */
export type McpAuthPluginOptions = {
  /** The `MCPAuth` instance whose metadata is served. */
  mcpAuth: MCPAuth;
};

/**
 * Creates a Fastify `preHandler` hook that authenticates requests with a custom verification
 * function, or (`'jwt'`) verifies JWT access tokens against the JWK Set of the trusted
 * authorization server that issued them (the checks of `mcpAuth.bearerAuth(...)`).
 *
 * @example
 * ```ts
 * app.post('/mcp', { preHandler: bearerAuth(mcpAuth, verify, { resource }) }, async (request) => request.auth);
 * ```
 */
export declare const bearerAuth: DoorBearerAuth<FastifyBearerAuthHook>;

/**
 * A Fastify plugin serving the protected resource metadata (RFC 9728) of every configured
 * resource at `/.well-known/oauth-protected-resource<resource path>` (`GET`/`HEAD`, and `OPTIONS`
 * for CORS preflights): `app.register(protectedResourceMetadata, { mcpAuth })`.
 *
 * @throws {MCPAuthAuthServerError} `invalid_server_config` (when registered) in authorization
 * server mode.
 */
export declare const protectedResourceMetadata: FastifyPluginAsync<McpAuthPluginOptions>;

/**
 * A Fastify plugin serving the authorization server metadata at
 * `/.well-known/oauth-authorization-server`, with CORS (legacy authorization server mode):
 * `app.register(authorizationServerMetadata, { mcpAuth })`.
 *
 * @throws {MCPAuthAuthServerError} `invalid_server_config` (when registered) in resource server mode.
 */
export declare const authorizationServerMetadata: FastifyPluginAsync<McpAuthPluginOptions>;
