// Typings of `mcp-auth-rs/hono`: the Hono front door (middleware over the web-standard door).
// Needs `hono` 4 (its own typings).

import type { MiddlewareHandler } from 'hono';

import type { AuthInfo, DoorBearerAuth, MCPAuth } from './bearer-options.js';

/**
 * The Hono context variables set by {@link bearerAuth}: after it, `c.get('auth')` is the
 * verified `AuthInfo` (hand it to the MCP SDK's web-standard transport as `{ authInfo }`).
 *
 * Handlers chained after the middleware in the same route get this typing automatically; for
 * handlers registered separately, declare it on the app:
 *
 * @example
 * ```ts
 * const app = new Hono<{ Variables: McpAuthVariables }>(); // or `new Hono<McpAuthEnv>()`
 * app.use('/mcp', bearerAuth(mcpAuth, 'jwt', { resource }));
 * app.post('/mcp', (c) => transport.handleRequest(c.req.raw, { authInfo: c.get('auth') }));
 * ```
 */
export type McpAuthVariables = {
  /** The `AuthInfo` of the verified access token. */
  auth: AuthInfo;
};

/** A Hono `Env` with {@link McpAuthVariables}; intersect it with your own `Bindings` / `Variables`. */
export type McpAuthEnv = {
  Variables: McpAuthVariables;
};

/**
 * Creates a Hono middleware that authenticates requests with a custom verification function, or
 * (`'jwt'`) verifies JWT access tokens against the JWK Set of the trusted authorization server
 * that issued them (the checks of `mcpAuth.bearerAuth(...)`). On success it sets
 * `c.set('auth', authInfo)` and calls `next()`; otherwise it returns the 401/403/500 response.
 */
export declare const bearerAuth: DoorBearerAuth<MiddlewareHandler<McpAuthEnv>>;

/**
 * Creates a Hono middleware answering the protected resource metadata (RFC 9728) requests of
 * every configured resource (`/.well-known/oauth-protected-resource<resource path>`), with CORS;
 * other requests go on to `next()`. Mount it with `app.use(...)` (any path).
 *
 * @throws {MCPAuthAuthServerError} `invalid_server_config` in authorization server mode.
 */
export declare function protectedResourceMetadata(mcpAuth: MCPAuth): MiddlewareHandler;

/**
 * Creates a Hono middleware answering the authorization server metadata requests
 * (`/.well-known/oauth-authorization-server`), with CORS (legacy authorization server mode);
 * other requests go on to `next()`.
 *
 * @throws {MCPAuthAuthServerError} `invalid_server_config` in resource server mode.
 */
export declare function authorizationServerMetadata(mcpAuth: MCPAuth): MiddlewareHandler;
