// ESM consumer of the Hono front door (`mcp-auth-rs/hono`), with the MCP SDK v2 web-standard
// transport. Type-checked only (never executed): `npx tsc -p __test__/types/tsconfig.json`.

import { McpServer, WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { Hono, type MiddlewareHandler } from 'hono';

import { MCPAuth } from 'mcp-auth-rs';
import {
  authorizationServerMetadata,
  bearerAuth,
  protectedResourceMetadata,
  type McpAuthEnv,
  type McpAuthVariables,
} from 'mcp-auth-rs/hono';
import { issuer, mcpAuth, resource } from './door-fixture.mjs';

const server = new McpServer({ name: 'hono-door', version: '1.0.0' });
server.registerTool('whoami', { description: 'Who am I' }, async (ctx) => ({
  content: [{ type: 'text', text: ctx.http?.authInfo?.issuer ?? 'anonymous' }],
}));

// 1. An app that declares the variables: `c.get('auth')` is typed in every handler.
const app = new Hono<{ Variables: McpAuthVariables }>();
app.use(protectedResourceMetadata(mcpAuth));
app.use('/mcp', bearerAuth(mcpAuth, 'jwt', { resource, audience: resource }));
app.post('/mcp', async (c) => {
  const authInfo: AuthInfo = c.get('auth');
  const iss: string = authInfo.issuer;
  const sub: string | undefined = c.get('auth').subject;
  void iss;
  void sub;
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  await server.connect(transport);
  return transport.handleRequest(c.req.raw, { authInfo });
});

// 2. Route-level middleware: the handlers after it get the typing without any declaration.
const plain = new Hono();
plain.post('/mcp', bearerAuth(mcpAuth, async (token) => ({ token, issuer, clientId: 'c', scopes: [] }), { resource }), (c) => {
  const claims: Record<string, unknown> | undefined = c.get('auth').claims;
  return c.json({ issuer: c.get('auth').issuer, claims });
});

// 3. Combined with the app's own bindings and variables.
type AppEnv = { Bindings: { TENANT: string }; Variables: McpAuthVariables & { requestId: string } };
const combined = new Hono<AppEnv>();
combined.use('*', bearerAuth(mcpAuth, 'jwt', { resource }));
combined.get('/me', (c) => c.text(`${c.env.TENANT} ${c.get('requestId')} ${c.get('auth').clientId}`));
const envAlias = new Hono<McpAuthEnv>();
envAlias.get('/me', (c) => c.text(c.get('auth').scopes.join(' ')));

// Legacy mode metadata, and the middleware types.
const legacy: MiddlewareHandler = authorizationServerMetadata(new MCPAuth({ server: { issuer, type: 'oauth' } }));
const typed: MiddlewareHandler<McpAuthEnv> = bearerAuth(mcpAuth, 'jwt');
app.use(legacy);
void typed;

// --- Things that must NOT compile ----------------------------------------------------------------

app.get('/wrong', (c) => {
  // @ts-expect-error `issuer` is a string
  const wrong: number = c.get('auth').issuer;
  // @ts-expect-error only `auth` is declared
  c.get('user');
  return c.text(String(wrong));
});
new Hono().get('/undeclared', (c) => {
  // @ts-expect-error an app that declares nothing has no typed `auth` variable
  const info: AuthInfo = c.get('auth');
  return c.json(info);
});
// @ts-expect-error only the 'jwt' and 'introspection' modes exist
bearerAuth(mcpAuth, 'opaque');
// @ts-expect-error the verification function must return an AuthInfo with `issuer`
bearerAuth(mcpAuth, async (token: string) => ({ token, clientId: 'c', scopes: [] }));
// @ts-expect-error the metadata middleware takes the MCPAuth instance
app.use(protectedResourceMetadata({ protectedResources: [] }));
