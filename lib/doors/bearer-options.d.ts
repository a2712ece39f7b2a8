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
