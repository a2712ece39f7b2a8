// Public entry. ESM; `require('mcp-auth-rs')` loads this same module (Node's require(esm)), so
// both module systems share one copy of every class.
export {
  MCPAuthError,
  MCPAuthConfigError,
  MCPAuthAuthServerError,
  MCPAuthBearerAuthError,
  MCPAuthTokenVerificationError,
  authServerErrorDescription,
  bearerAuthErrorDescription,
  tokenVerificationErrorDescription,
} from './lib/errors.js';
export {
  authorizationServerMetadataSchema,
  camelCaseAuthorizationServerMetadataSchema,
  protectedResourceMetadataSchema,
  camelCaseProtectedResourceMetadataSchema,
} from './lib/schemas.js';
export {
  serverMetadataPaths,
  defaultValues,
  getIssuer,
  fetchServerConfig,
  fetchServerConfigByWellKnownUrl,
  validateServerConfig,
} from './lib/discovery.js';
export { handleBearerAuth } from './lib/doors/express.js';
export { createVerifyJwt } from './lib/verify-jwt.js';
export { MCPAuth } from './lib/mcp-auth.js';
