// ESM consumer of the Express front door (`mcp-auth-rs/express`), with an MCP SDK v1 server.
// Type-checked only (never executed): `npx tsc -p __test__/types/tsconfig.json`.

import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import express, { type RequestHandler, type Router } from 'express';

import { MCPAuth, MCPAuthTokenVerificationError, type VerifyAccessTokenFunction } from 'mcp-auth-rs';
import { authorizationServerMetadata, bearerAuth, protectedResourceMetadata } from 'mcp-auth-rs/express';
import { issuer, mcpAuth, resource } from './door-fixture.mjs';

const app = express();
app.use(express.json());

// The metadata router, as `mcpAuth.protectedResourceMetadataRouter()`.
const router: Router = protectedResourceMetadata(mcpAuth);
app.use(router);

// JWT mode, with every option of `mcpAuth.bearerAuth('jwt', ...)`.
const jwtAuth: RequestHandler = bearerAuth(mcpAuth, 'jwt', {
  resource,
  audience: resource,
  requiredScopes: ['read'],
  showErrorDetails: true,
  jwtVerify: { clockTolerance: 30, algorithms: ['RS256'] },
  remoteJwkSet: { timeoutDuration: 2_000, staleIfError: 60_000 },
  verifiedTokenCache: { maxEntries: 500 },
});

// Custom verification function (contextually typed: `token` is a string).
const customAuth = bearerAuth(
  mcpAuth,
  async (token) => {
    if (!token) throw new MCPAuthTokenVerificationError('invalid_token');
    return { token, issuer, clientId: 'c', scopes: ['read'], subject: 'user' };
  },
  { resource, requiredScopes: ['read'] },
);
const verify: VerifyAccessTokenFunction = (token) => ({ token, issuer, clientId: 'c', scopes: [] });
bearerAuth(mcpAuth, verify);

// Same type as the MCPAuth method.
const sameAsMethod: ReturnType<typeof mcpAuth.bearerAuth> = bearerAuth(mcpAuth, 'jwt', { resource });
void sameAsMethod;

// `req.auth` (added to Express's Request by the main typings).
app.get('/whoami', customAuth, (req, res) => {
  const iss: string | undefined = req.auth?.issuer;
  const subject: string | undefined = req.auth?.subject;
  const claims: Record<string, unknown> | undefined = req.auth?.claims;
  res.json({ iss, subject, claims, scopes: req.auth?.scopes });
});

// MCP SDK v1: the tool handler reads the AuthInfo as `extra.authInfo`, with the added fields.
const server = new McpServer({ name: 'express-door', version: '1.0.0' });
server.registerTool('whoami', { description: 'Who am I' }, async (extra) => {
  const iss: string | undefined = extra.authInfo?.issuer;
  const sub: string | undefined = extra.authInfo?.subject;
  const aud: string | string[] | undefined = extra.authInfo?.audience;
  const claims: Record<string, unknown> | undefined = extra.authInfo?.claims;
  return { content: [{ type: 'text', text: JSON.stringify({ iss, sub, aud, claims }) }] };
});
app.post('/mcp', jwtAuth, async (req, res) => {
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  await server.connect(transport);
  await transport.handleRequest(req, res, req.body);
});

// Legacy authorization server mode.
const legacy = new MCPAuth({ server: { issuer, type: 'oidc' } });
const delegated: Router = authorizationServerMetadata(legacy);
app.use(delegated);
app.use('/legacy', bearerAuth(legacy, 'jwt'));

// The AuthInfo type seen by Express handlers is the SDK's (augmented) one.
app.use((req, _res, next) => {
  const info: AuthInfo | undefined = req.auth;
  void info;
  next();
});

// --- Things that must NOT compile ----------------------------------------------------------------

// @ts-expect-error only the 'jwt' and 'introspection' modes exist
bearerAuth(mcpAuth, 'opaque');
// @ts-expect-error the verification function takes the token string
bearerAuth(mcpAuth, (token: number) => ({ token: String(token), issuer, clientId: 'c', scopes: [] }));
// @ts-expect-error a verification function must return an AuthInfo (with `issuer`)
bearerAuth(mcpAuth, (token: string) => ({ token, clientId: 'c', scopes: [] }));
// @ts-expect-error the MCPAuth instance comes first
bearerAuth('jwt', { resource });
// @ts-expect-error jwtVerify options are only for the 'jwt' mode
bearerAuth(mcpAuth, verify, { jwtVerify: { clockTolerance: 1 } });
// @ts-expect-error `issuer` is not a bearerAuth option (the MCPAuth config decides it)
bearerAuth(mcpAuth, 'jwt', { issuer });
// @ts-expect-error the metadata routers take the MCPAuth instance
protectedResourceMetadata();
// @ts-expect-error not an MCPAuth instance
authorizationServerMetadata({ server: { issuer, type: 'oidc' } });
// Runtime internals of the module are not part of the typings.
// @ts-expect-error not declared
type NoExpressMiddleware = typeof import('mcp-auth-rs/express').expressMiddleware;
// @ts-expect-error not declared
type NoSetRequestAuth = typeof import('mcp-auth-rs/express').setRequestAuth;
