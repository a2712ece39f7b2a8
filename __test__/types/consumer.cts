// CommonJS consumer: the same typings seen through `require('mcp-auth-rs')`.
// Type-checked only (never executed): `npx tsc -p __test__/types/tsconfig.json`.
//
// In a TypeScript CommonJS file, `import x = require('...')` is the typed form of `require`
// (a bare `const x = require('...')` would be `any`); it compiles to a plain `require` call.

import express = require('express');
import sdkMcp = require('@modelcontextprotocol/sdk/server/mcp.js');
import mcpAuthRs = require('mcp-auth-rs');
import type { AuthServerDiscoveryConfig, ResolvedAuthServerConfig } from 'mcp-auth-rs';

const { MCPAuth, MCPAuthAuthServerError, fetchServerConfigByWellKnownUrl, validateServerConfig } = mcpAuthRs;

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

  // @ts-expect-error only the 'jwt' mode exists
  mcpAuth.bearerAuth('opaque', { resource });
  // @ts-expect-error unknown authorization server type
  await fetchServerConfigByWellKnownUrl('https://x', { type: 'saml' });
}

export = main;
