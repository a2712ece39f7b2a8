// Typings of `mcp-auth-rs/node`: the `node:http` front door (plain `IncomingMessage` /
// `ServerResponse` handlers, usable from `http.createServer` or any framework exposing them).

import type { IncomingMessage, ServerResponse } from 'node:http';

import type { AuthInfo, DoorBearerAuth, MCPAuth } from './bearer-options.js';

/**
 * Authenticates one `node:http` request. Resolves the `AuthInfo` after a successful verification
 * (also stored as `req.auth`, where the MCP SDK's Node transports read it), or `undefined` after
 * it has answered the request itself (401/403/500 with a JSON body and, where due, a
 * `WWW-Authenticate` challenge): then the caller must not write to `res` any more.
 */
export type NodeBearerAuthHandler = (req: IncomingMessage, res: ServerResponse) => Promise<AuthInfo | undefined>;

/**
 * Serves a metadata document when the request is for it (`GET`/`HEAD` the document, `OPTIONS` a
 * CORS preflight) and resolves `true`; resolves `false`, without touching `res`, for any other
 * path or method.
 */
export type NodeMetadataHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/**
 * Creates a `node:http` bearer auth handler with a custom verification function, or (`'jwt'`)
 * verifying JWT access tokens against the JWK Set of the trusted authorization server that issued
 * them (the checks of `mcpAuth.bearerAuth(...)`).
 *
 * @example
 * ```ts
 * const auth = bearerAuth(mcpAuth, verify, { resource });
 * http.createServer(async (req, res) => {
 *   const authInfo = await auth(req, res);
 *   if (!authInfo) return; // already answered
 *   await transport.handleRequest(req, res);
 * });
 * ```
 */
export declare const bearerAuth: DoorBearerAuth<NodeBearerAuthHandler>;

/**
 * Creates a handler serving the protected resource metadata (RFC 9728) of every configured
 * resource at `/.well-known/oauth-protected-resource<resource path>`, with CORS.
 *
 * @throws {MCPAuthAuthServerError} `invalid_server_config` in authorization server mode.
 */
export declare function protectedResourceMetadata(mcpAuth: MCPAuth): NodeMetadataHandler;

/**
 * Creates a handler serving the authorization server metadata at
 * `/.well-known/oauth-authorization-server`, with CORS (legacy authorization server mode).
 *
 * @throws {MCPAuthAuthServerError} `invalid_server_config` in resource server mode.
 */
export declare function authorizationServerMetadata(mcpAuth: MCPAuth): NodeMetadataHandler;
