// Types shared by the front-door typings (`mcp-auth-rs/express`, `/node`, `/fetch`, `/hono`,
// `/fastify`). Internal: this file is not a package entry point and has no runtime counterpart.

import type { MCPAuth, VerifyAccessTokenFunction, VerifyAccessTokenMode } from '../../index.js';

export type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
export type { MCPAuth, VerifyAccessTokenFunction, VerifyAccessTokenMode } from '../../index.js';

/** The two overloads of `MCPAuth#bearerAuth`, whose option types every door reuses as-is. */
type BearerAuthOverloads = MCPAuth['bearerAuth'] extends {
  (verifyAccessToken: VerifyAccessTokenFunction, config?: infer Custom): unknown;
  (mode: VerifyAccessTokenMode, config?: infer Jwt): unknown;
}
  ? { custom: Exclude<Custom, undefined>; jwt: Exclude<Jwt, undefined> }
  : never;

/**
 * Options of a door's `bearerAuth(mcpAuth, verifyAccessToken, config)` with a custom verification
 * function: those of `mcpAuth.bearerAuth(verifyAccessToken, config)` (`resource`, `audience`,
 * `requiredScopes`, `showErrorDetails`).
 */
export type BearerAuthOptions = BearerAuthOverloads['custom'];

/**
 * Options of a door's `bearerAuth(mcpAuth, 'jwt', config)`: those of
 * `mcpAuth.bearerAuth('jwt', config)` (the above plus `jwtVerify`, `remoteJwkSet`,
 * `verifiedTokenCache`).
 */
export type JwtBearerAuthOptions = BearerAuthOverloads['jwt'];

/**
 * A door's `bearerAuth(mcpAuth, verify, config?)`: the two overloads of `mcpAuth.bearerAuth`, with
 * the `MCPAuth` instance first, each returning the door's `Handler`.
 */
export interface DoorBearerAuth<Handler> {
  /**
   * Authenticates requests with an `Authorization: Bearer` token verified by a custom function
   * (the checks of `mcpAuth.bearerAuth(verifyAccessToken, config)`).
   *
   * @param mcpAuth The `MCPAuth` instance holding the trusted authorization servers / resources.
   * @param verifyAccessToken Verifies the token and returns its `AuthInfo`.
   * @param config Options; `resource` is required in resource server mode.
   * @throws {MCPAuthAuthServerError} `invalid_server_config` when `resource` is missing or unknown.
   */
  (mcpAuth: MCPAuth, verifyAccessToken: VerifyAccessTokenFunction, config?: BearerAuthOptions): Handler;
  /**
   * Verifies JWT access tokens against the JWK Set of the trusted authorization server that issued
   * them (the checks of `mcpAuth.bearerAuth('jwt', config)`).
   *
   * @param mcpAuth The `MCPAuth` instance holding the trusted authorization servers / resources.
   * @param mode The verification mode (`'jwt'`).
   * @param config Options, plus `jwtVerify` / `remoteJwkSet` / `verifiedTokenCache`.
   * @throws {MCPAuthAuthServerError} `invalid_server_config` when `resource` is missing or unknown.
   */
  (mcpAuth: MCPAuth, mode: VerifyAccessTokenMode, config?: JwtBearerAuthOptions): Handler;
}
