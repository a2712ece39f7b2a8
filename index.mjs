// ESM entry: re-exports the CommonJS module, so both module systems share one copy of each class.
import api from './index.js';

export const {
  MCPAuthError,
  MCPAuthConfigError,
  MCPAuthAuthServerError,
  MCPAuthBearerAuthError,
  MCPAuthTokenVerificationError,
  authServerErrorDescription,
  bearerAuthErrorDescription,
  tokenVerificationErrorDescription,
  authorizationServerMetadataSchema,
  camelCaseAuthorizationServerMetadataSchema,
  protectedResourceMetadataSchema,
  camelCaseProtectedResourceMetadataSchema,
  serverMetadataPaths,
  defaultValues,
  getIssuer,
  fetchServerConfig,
  fetchServerConfigByWellKnownUrl,
  validateServerConfig,
} = api;
