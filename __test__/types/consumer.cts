// CommonJS consumer: the same typings seen through `require('mcp-auth-rs')`.
// Type-checked only (never executed): `npx tsc -p __test__/types/tsconfig.json`.
//
// In a TypeScript CommonJS file, `import x = require('...')` is the typed form of `require`
// (a bare `const x = require('...')` would be `any`); it compiles to a plain `require` call.

import express = require('express');
import sdkMcp = require('@modelcontextprotocol/sdk/server/mcp.js');
import mcpAuthRs = require('mcp-auth-rs');
import type {
  AuthServerDiscoveryConfig,
  AuthServerErrorCode,
  AuthServerModeConfig,
  BearerAuthConfig,
  BearerAuthErrorCode,
  MCPAuthConfig,
  MCPAuthTokenVerificationErrorCode,
  ResolvedAuthServerConfig,
  ResourceServerModeConfig,
  VerifyAccessTokenFunction,
} from 'mcp-auth-rs';

const {
  MCPAuth,
  MCPAuthAuthServerError,
  MCPAuthBearerAuthError,
  MCPAuthConfigError,
  MCPAuthError,
  MCPAuthTokenVerificationError,
  fetchServerConfig,
  fetchServerConfigByWellKnownUrl,
  handleBearerAuth,
  validateServerConfig,
} = mcpAuthRs;

const resource = 'https://api.example.com/mcp';

async function main(): Promise<void> {
  const server: ResolvedAuthServerConfig = await fetchServerConfigByWellKnownUrl(
    'https://auth.example.com/.well-known/oauth-authorization-server',
    { type: 'oauth', requestTimeout: 5_000 },
  );
  const result = validateServerConfig(server);
  if (!result.isValid) {
    throw new MCPAuthAuthServerError('invalid_server_config', result.errors);
  }

  const lazy: AuthServerDiscoveryConfig = { issuer: 'https://auth.example.com', type: 'oauth' };
  const mcpAuth = new MCPAuth({
    protectedResources: { metadata: { resource, authorizationServers: [server, lazy] } },
  });

  const app = express();
  app.use(mcpAuth.protectedResourceMetadataRouter());
  app.get('/mcp', mcpAuth.bearerAuth('jwt', { resource, requiredScopes: ['read'] }), (req, res) => {
    res.json({ subject: req.auth?.subject, scopes: req.auth?.scopes ?? [] });
  });

  // The SDK's CommonJS build has its own AuthInfo (augmented only in its ESM build, as with
  // mcp-auth, whose typings are ESM); its own fields work.
  const mcpServer = new sdkMcp.McpServer({ name: 'cjs', version: '1.0.0' });
  mcpServer.tool('whoami', {}, async (_args, { authInfo }) => ({
    content: [{ type: 'text', text: `${authInfo?.clientId ?? ''} ${(authInfo?.scopes ?? []).join(' ')}` }],
  }));

  try {
    new MCPAuth({ server: lazy }).protectedResourceMetadataRouter();
  } catch (error) {
    if (error instanceof mcpAuthRs.MCPAuthError) {
      console.log(error.code, error.toJson(true));
    }
  }

  // Config objects, typed through the CommonJS view.
  const rsConfig: ResourceServerModeConfig = {
    protectedResources: [{ metadata: { resource, authorizationServers: [await fetchServerConfig('https://auth.example.com', { type: 'oidc' })] } }],
  };
  const asConfig: AuthServerModeConfig = { server: lazy };
  const configs: MCPAuthConfig[] = [rsConfig, asConfig];
  void configs;
  app.use(
    '/mcp2',
    new MCPAuth(rsConfig).bearerAuth('jwt', {
      resource,
      audience: resource,
      jwtVerify: { clockTolerance: 5 },
      remoteJwkSet: { timeoutDuration: 2_000, staleIfError: 30_000 },
      verifiedTokenCache: { maxEntries: 1_000 },
    }),
  );
  const verify: VerifyAccessTokenFunction = async (token) => {
    if (!token) throw new MCPAuthTokenVerificationError('invalid_token', new Error('empty'));
    return { token, issuer: lazy.issuer, clientId: 'c', scopes: ['read'] };
  };
  const bearerConfig: BearerAuthConfig = { verifyAccessToken: verify, issuer: lazy.issuer, audience: resource, requiredScopes: ['read'] };
  app.use(handleBearerAuth(bearerConfig));

  // Error classes: construction, codes and instanceof narrowing.
  const errors = [
    new MCPAuthConfigError('fetch_server_config_error', 'boom'),
    new MCPAuthAuthServerError('missing_jwks_uri'),
    new MCPAuthBearerAuthError('missing_required_scopes', { missingScopes: ['write'] }),
    new MCPAuthTokenVerificationError('token_verification_failed', new Error('jwks down')),
  ];
  for (const error of errors as unknown[]) {
    if (error instanceof MCPAuthBearerAuthError) {
      const code: BearerAuthErrorCode = error.code;
      console.log(code, error.cause?.missingScopes, error.toJson());
    } else if (error instanceof MCPAuthTokenVerificationError) {
      const code: MCPAuthTokenVerificationErrorCode = error.code;
      console.log(code, error.cause);
    } else if (error instanceof MCPAuthAuthServerError) {
      const code: AuthServerErrorCode = error.code;
      console.log(code, error.cause);
    } else if (error instanceof MCPAuthError) {
      const asError: Error = error;
      console.log(error.code, error.name, asError.message);
    }
  }

  // @ts-expect-error only the 'jwt' mode exists
  mcpAuth.bearerAuth('opaque', { resource });
  // @ts-expect-error not a bearer auth error code
  new MCPAuthBearerAuthError('invalid_server_metadata');
  // @ts-expect-error the details are an object, not a message
  new MCPAuthBearerAuthError('invalid_token', 'message');
  // @ts-expect-error the config must be one of the two modes
  new MCPAuth({ resource });
  // @ts-expect-error unknown authorization server type
  await fetchServerConfigByWellKnownUrl('https://x', { type: 'saml' });
}

export = main;
