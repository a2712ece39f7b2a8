// ESM consumer of the web-standard front door (`mcp-auth-rs/fetch`), with the MCP SDK v2
// web-standard transport. Type-checked only (never executed): `npx tsc -p __test__/types/tsconfig.json`.

import { McpServer, WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';

import { MCPAuth } from 'mcp-auth-rs';
import {
  authorizationServerMetadata,
  bearerAuth,
  protectedResourceMetadata,
  type FetchBearerAuthHandler,
  type FetchMetadataHandler,
} from 'mcp-auth-rs/fetch';
import { issuer, mcpAuth, resource } from './door-fixture.mjs';

const auth: FetchBearerAuthHandler = bearerAuth(mcpAuth, 'jwt', { resource, jwtVerify: { maxTokenAge: '1h' } });
const metadata: FetchMetadataHandler = protectedResourceMetadata(mcpAuth);

const server = new McpServer({ name: 'fetch-door', version: '1.0.0' });
server.registerTool('whoami', { description: 'Who am I' }, async (ctx) => ({
  content: [{ type: 'text', text: `${ctx.http?.authInfo?.issuer ?? ''} ${ctx.http?.authInfo?.subject ?? ''}` }],
}));

// A fetch-style handler (Next.js route handler, Deno.serve, Bun.serve, Workers...).
export async function handle(request: Request): Promise<Response> {
  const served: Response | undefined = await metadata(request);
  if (served) return served;
  const authInfo = await auth(request);
  if (authInfo instanceof Response) return authInfo;
  const info: AuthInfo = authInfo;
  const iss: string = info.issuer;
  void iss;
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  await server.connect(transport);
  return transport.handleRequest(request, { authInfo });
}

// Custom verification, legacy mode.
const custom = bearerAuth(mcpAuth, (token) => ({ token, issuer, clientId: 'c', scopes: ['read'] }), { resource });
const legacyMetadata = authorizationServerMetadata(new MCPAuth({ server: { issuer, type: 'oidc' } }));
void custom;
void legacyMetadata;

// --- Things that must NOT compile ----------------------------------------------------------------

declare const request: Request;
// @ts-expect-error the result may be the error Response: narrow it first
const unchecked: AuthInfo = await auth(request);
void unchecked;
// @ts-expect-error the metadata handler resolves undefined for other requests
const always: Response = await metadata(request);
void always;
// @ts-expect-error the handler takes a web Request, not a URL
await auth('https://api.example.com/mcp');
// @ts-expect-error the verification function must return an AuthInfo
bearerAuth(mcpAuth, async (token: string) => token);
// Runtime internals of the module are not part of the typings.
// @ts-expect-error not declared
type NoDecideRequest = typeof import('mcp-auth-rs/fetch').decideRequest;
// @ts-expect-error not declared
type NoServeRequest = typeof import('mcp-auth-rs/fetch').serveRequest;
