// Shared metadata fixtures (RFC 8414) and the exact description texts of the error and validation
// tables (as mcp-auth@0.2.0 has them; docs/behavior.md, error texts).

/** Snake_case metadata as an authorization server would publish it (all MCP checks pass). */
export const snakeMetadata = (issuer = 'https://idp.example.com') => ({
  issuer,
  authorization_endpoint: `${issuer}/authorize`,
  token_endpoint: `${issuer}/token`,
  jwks_uri: `${issuer}/jwks`,
  registration_endpoint: `${issuer}/register`,
  scopes_supported: ['openid', 'read'],
  response_types_supported: ['code'],
  grant_types_supported: ['authorization_code', 'refresh_token'],
  code_challenge_methods_supported: ['S256'],
});

export const toCamel = (key) => key.replace(/_([a-z])/g, (_, c) => c.toUpperCase());

/** `object` with its keys camelCased, in the same order. */
export const camelKeys = (object) => Object.fromEntries(Object.entries(object).map(([key, value]) => [toCamel(key), value]));

/** The same metadata with camelCase keys, in schema order (what the fetch functions resolve to). */
export const camelMetadata = (issuer = 'https://idp.example.com') => camelKeys(snakeMetadata(issuer));

/** Every snake_case key of the authorization-server schema, in schema order. */
export const AUTH_SERVER_SNAKE_KEYS = [
  'issuer',
  'authorization_endpoint',
  'token_endpoint',
  'jwks_uri',
  'registration_endpoint',
  'scopes_supported',
  'response_types_supported',
  'response_modes_supported',
  'grant_types_supported',
  'token_endpoint_auth_methods_supported',
  'token_endpoint_auth_signing_alg_values_supported',
  'service_documentation',
  'ui_locales_supported',
  'op_policy_uri',
  'op_tos_uri',
  'revocation_endpoint',
  'revocation_endpoint_auth_methods_supported',
  'revocation_endpoint_auth_signing_alg_values_supported',
  'introspection_endpoint',
  'introspection_endpoint_auth_methods_supported',
  'introspection_endpoint_auth_signing_alg_values_supported',
  'code_challenge_methods_supported',
  'userinfo_endpoint',
];

/** A body with every schema field set (snake_case, shuffled order) plus unknown keys. */
export const fullSnakeMetadata = (issuer = 'https://idp.example.com') => {
  const body = {
    end_session_endpoint: `${issuer}/logout`,
    claims_supported: ['sub'],
  };
  for (const key of [...AUTH_SERVER_SNAKE_KEYS].reverse()) {
    body[key] = key.endsWith('_supported') ? [`${key}-value`] : `${issuer}/${key}`;
  }
  body.issuer = issuer;
  body.response_types_supported = ['code'];
  body.code_challenge_methods_supported = ['S256'];
  return body;
};

/** Expected camelCase result of `fullSnakeMetadata`: known keys only, in schema order. */
export const fullCamelMetadata = (issuer = 'https://idp.example.com') => {
  const body = fullSnakeMetadata(issuer);
  return Object.fromEntries(AUTH_SERVER_SNAKE_KEYS.map((key) => [toCamel(key), body[key]]));
};

export const AUTH_SERVER_ERROR_DESCRIPTION = {
  invalid_server_metadata: 'The server metadata is invalid or malformed.',
  invalid_server_config: 'The server configuration does not match the MCP specification.',
  missing_jwks_uri: 'The server metadata does not contain a JWKS URI, which is required for JWT verification.',
};

export const BEARER_AUTH_ERROR_DESCRIPTION = {
  missing_auth_header: 'Missing `Authorization` header. Please provide a valid bearer token.',
  invalid_auth_header_format: 'Invalid `Authorization` header format. Expected "Bearer <token>".',
  missing_bearer_token: 'Missing bearer token in `Authorization` header. Please provide a valid token.',
  invalid_issuer: 'The token issuer does not match the expected issuer.',
  invalid_audience: 'The token audience does not match the expected audience.',
  missing_required_scopes: 'The token does not contain the necessary scopes for this request.',
  invalid_token: 'The provided token is not valid or has expired.',
};

export const TOKEN_VERIFICATION_ERROR_DESCRIPTION = {
  invalid_token: 'The provided token is invalid or malformed.',
  token_verification_failed: 'Token verification failed due to an error.',
};

/** console.warn texts of MCPAuth. */
export const DEPRECATION_WARNING = 'The authorization server mode is deprecated. Please use resource server mode instead.';
export const registrationWarning = (issuer) =>
  `The authorization server (issuer: \`${issuer}\`) configuration has warnings:\n\n  - Dynamic Client Registration (RFC 7591) is not supported by the server.\n`;

export const FALLBACK_MESSAGES = {
  MCPAuthAuthServerError: 'An error occurred with the authorization server.',
  MCPAuthBearerAuthError: 'An error occurred with the Bearer auth.',
  MCPAuthTokenVerificationError: 'An error occurred while verifying the token.',
};

/** validateServerConfig descriptions. */
export const SUCCESS = {
  server_metadata_valid: 'The server metadata is valid and conforms to the expected schema.',
  code_response_type_supported: 'The "code" response type is supported by the server.',
  authorization_code_grant_supported: 'The "authorization_code" grant type is supported by the server.',
  pkce_supported: 'Proof Key for Code Exchange (PKCE) is supported by the server.',
  s256_code_challenge_method_supported:
    'The "S256" code challenge method for Proof Key for Code Exchange (PKCE) is supported by the server.',
  dynamic_registration_supported: 'Dynamic Client Registration (RFC 7591) is supported by the server.',
};

export const ERROR = {
  invalid_server_metadata: 'The server metadata is not a valid object or does not conform to the expected schema.',
  code_response_type_not_supported:
    'The server does not support the "code" response type or the "code" response type is not included in one of the supported response types.',
  authorization_code_grant_not_supported: 'The server does not support the "authorization_code" grant type.',
  pkce_not_supported: 'The server does not support Proof Key for Code Exchange (PKCE).',
  s256_code_challenge_method_not_supported:
    'The server does not support the "S256" code challenge method for Proof Key for Code Exchange (PKCE).',
};

export const WARNING = {
  dynamic_registration_not_supported: 'Dynamic Client Registration (RFC 7591) is not supported by the server.',
};

export const success = (code) => ({ code, description: SUCCESS[code] });
export const error = (code, cause = undefined) => ({ code, description: ERROR[code], cause });
export const warning = (code) => ({ code, description: WARNING[code] });
