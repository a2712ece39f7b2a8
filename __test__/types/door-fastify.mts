// ESM consumer of the Fastify front door (`mcp-auth-rs/fastify`), with an MCP SDK v1 server.
// Type-checked only (never executed): `npx tsc -p __test__/types/tsconfig.json`.

import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import Fastify, { type FastifyPluginAsync, type FastifyReply, type FastifyRequest } from 'fastify';

import { MCPAuth } from 'mcp-auth-rs';
import {
  authorizationServerMetadata,
  bearerAuth,
  protectedResourceMetadata,
  type FastifyBearerAuthHook,
  type McpAuthPluginOptions,
} from 'mcp-auth-rs/fastify';
import { issuer, mcpAuth, resource } from './door-fixture.mjs';

const app = Fastify();

// The metadata plugins take the MCPAuth instance as their options.
await app.register(protectedResourceMetadata, { mcpAuth });
await app.register(authorizationServerMetadata, { mcpAuth: new MCPAuth({ server: { issuer, type: 'oidc' } }) });
app.register(protectedResourceMetadata, { mcpAuth, prefix: '/v1' });
const plugin: FastifyPluginAsync<McpAuthPluginOptions> = protectedResourceMetadata;
void plugin;

// The bearer hook: route-level preHandler.
const server = new McpServer({ name: 'fastify-door', version: '1.0.0' });
server.registerTool('whoami', { description: 'Who am I' }, async (extra) => ({
  content: [{ type: 'text', text: extra.authInfo?.issuer ?? 'anonymous' }],
}));
const jwtAuth: FastifyBearerAuthHook = bearerAuth(mcpAuth, 'jwt', { resource, requiredScopes: ['read'] });
app.post('/mcp', { preHandler: jwtAuth }, async (request, reply) => {
  const authInfo: AuthInfo | undefined = request.auth;
  const iss: string | undefined = request.auth?.issuer;
  void authInfo;
  void iss;
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  await server.connect(transport);
  await transport.handleRequest(request.raw, reply.raw, request.body);
  return reply;
});

// Typed routes (route generics) accept the hook too.
app.post<{ Body: { name: string }; Querystring: { q?: string } }>(
  '/typed',
  { preHandler: [bearerAuth(mcpAuth, async (token) => ({ token, issuer, clientId: 'c', scopes: [] }), { resource })] },
  async (request) => ({ name: request.body.name, subject: request.auth?.subject, claims: request.auth?.claims }),
);

// Global hook, within an encapsulated plugin.
await app.register(async (scoped) => {
  scoped.addHook('preHandler', bearerAuth(mcpAuth, 'jwt', { resource, verifiedTokenCache: false }));
  scoped.get('/me', async (request: FastifyRequest, reply: FastifyReply) => reply.send({ sub: request.auth?.subject }));
});

// The hook called directly.
declare const someRequest: FastifyRequest;
declare const someReply: FastifyReply;
const hookResult: FastifyReply | undefined = await jwtAuth(someRequest, someReply);
void hookResult;

// --- Things that must NOT compile ----------------------------------------------------------------

// @ts-expect-error the plugins need the `mcpAuth` option
app.register(protectedResourceMetadata, {});
// @ts-expect-error the plugins need their options
app.register(authorizationServerMetadata);
// @ts-expect-error `mcpAuth` must be an MCPAuth instance
app.register(protectedResourceMetadata, { mcpAuth: { protectedResources: [] } });
// @ts-expect-error only the 'jwt' and 'introspection' modes exist
bearerAuth(mcpAuth, 'opaque');
// @ts-expect-error the verification function takes the token string
bearerAuth(mcpAuth, (token: Buffer) => ({ token: token.toString(), issuer, clientId: 'c', scopes: [] }));
app.get('/wrong', async (request) => {
  // @ts-expect-error `request.auth` may be undefined
  const iss: string = request.auth.issuer;
  return iss;
});
