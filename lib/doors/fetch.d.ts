// Typings of `mcp-auth-rs/fetch`: the web-standard front door (`Request` in, `Response` out), for
// Next.js route handlers, Deno / Bun / Workers-style servers and the MCP SDK's web-standard
// transport (hand it the AuthInfo as `{ authInfo }`).

import type { AuthInfo, DoorBearerAuth, MCPAuth } from './bearer-options.js';

/**
 * Authenticates one web `Request`: resolves its `AuthInfo` after a successful verification, or
 * the `Response` to send back (401/403/500 with a JSON body and, where due, a `WWW-Authenticate`
 * challenge). Test the result with `instanceof Response`.
 */
export type FetchBearerAuthHandler = (request: Request) => Promise<AuthInfo | Response>;

/**
 * Answers a metadata request (`GET`/`HEAD` the document, `OPTIONS` a CORS preflight), or resolves
 * `undefined` for any other path or method.
 */
export type FetchMetadataHandler = (request: Request) => Promise<Response | undefined>;

/**
 * Creates a web-standard bearer auth handler with a custom verification function, or (`'jwt'`)
 * verifying JWT access tokens against the JWK Set of the trusted authorization server that issued
 * them (the checks of `mcpAuth.bearerAuth(...)`).
 *
 * @example
 * ```ts
 * const auth = bearerAuth(mcpAuth, verify, { resource });
 * export async function POST(request: Request) {
 *   const authInfo = await auth(request);
 *   if (authInfo instanceof Response) return authInfo;
 *   return transport.handleRequest(request, { authInfo });
 * }
 * ```
 */
export declare const bearerAuth: DoorBearerAuth<FetchBearerAuthHandler>;

/**
 * Creates a handler answering the protected resource metadata (RFC 9728) requests of every
 * configured resource (`/.well-known/oauth-protected-resource<resource path>`), with CORS.
 *
 * @throws {MCPAuthAuthServerError} `invalid_server_config` in authorization server mode.
 */
export declare function protectedResourceMetadata(mcpAuth: MCPAuth): FetchMetadataHandler;

/**
 * Creates a handler answering the authorization server metadata requests
 * (`/.well-known/oauth-authorization-server`), with CORS (legacy authorization server mode).
 *
 * @throws {MCPAuthAuthServerError} `invalid_server_config` in resource server mode.
 */
export declare function authorizationServerMetadata(mcpAuth: MCPAuth): FetchMetadataHandler;
