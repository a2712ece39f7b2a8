// ESM consumer of the node:http front door (`mcp-auth-rs/node`), with MCP SDK v1 and v2 Node
// transports. Type-checked only (never executed): `npx tsc -p __test__/types/tsconfig.json`.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import { McpServer as McpServerV2 } from '@modelcontextprotocol/server';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';

import { MCPAuth } from 'mcp-auth-rs';
import {
  authorizationServerMetadata,
  bearerAuth,
  protectedResourceMetadata,
  type NodeBearerAuthHandler,
  type NodeMetadataHandler,
} from 'mcp-auth-rs/node';
import { issuer, mcpAuth, resource } from './door-fixture.mjs';

const auth: NodeBearerAuthHandler = bearerAuth(mcpAuth, 'jwt', { resource, audience: resource, requiredScopes: ['read'] });
const metadata: NodeMetadataHandler = protectedResourceMetadata(mcpAuth);
const custom = bearerAuth(mcpAuth, async (token) => ({ token, issuer, clientId: 'c', scopes: [] }), { resource });

// MCP SDK v1: tools read `extra.authInfo` (with the added fields).
const v1 = new McpServer({ name: 'node-door', version: '1.0.0' });
v1.registerTool('whoami', { description: 'Who am I' }, async (extra) => ({
  content: [{ type: 'text', text: `${extra.authInfo?.issuer ?? ''} ${extra.authInfo?.subject ?? ''}` }],
}));

// MCP SDK v2: tools read `ctx.http.authInfo` (with the added fields).
const v2 = new McpServerV2({ name: 'node-door-v2', version: '1.0.0' });
v2.registerTool('whoami', { description: 'Who am I' }, async (ctx) => {
  const iss: string | undefined = ctx.http?.authInfo?.issuer;
  return { content: [{ type: 'text', text: iss ?? 'anonymous' }] };
});

createServer(async (req, res) => {
  if (await metadata(req, res)) return;
  const authInfo: AuthInfo | undefined = await auth(req, res);
  if (!authInfo) return; // already answered (401/403/500)
  const iss: string = authInfo.issuer;
  const claims: Record<string, unknown> | undefined = authInfo.claims;
  void iss;
  void claims;
  if (req.url === '/v1') {
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    await v1.connect(transport);
    await transport.handleRequest(req, res);
  } else {
    // The v2 Node transport reads `req.auth` too; the v1-typed AuthInfo fits v2's.
    const transport = new NodeStreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    await v2.connect(transport);
    await transport.handleRequest(Object.assign(req, { auth: authInfo }), res);
  }
});

// Handlers are plain (req, res) functions.
const asFunction: (req: IncomingMessage, res: ServerResponse) => Promise<boolean> = authorizationServerMetadata(
  new MCPAuth({ server: { issuer, type: 'oauth' } }),
);
void asFunction;
void custom;

// --- Things that must NOT compile ----------------------------------------------------------------

declare const req: IncomingMessage;
declare const res: ServerResponse;
// @ts-expect-error the AuthInfo is undefined when the request was answered
const notChecked: AuthInfo = await auth(req, res);
void notChecked;
// @ts-expect-error the metadata handler resolves a boolean, not a Response
const notResponse: Response = await metadata(req, res);
void notResponse;
// @ts-expect-error the handler needs the response too
await auth(req);
// @ts-expect-error only the 'jwt' and 'introspection' modes exist
bearerAuth(mcpAuth, 'opaque');
bearerAuth(mcpAuth, 'introspection', { resource: 'https://x/mcp', scopeClaims: ['scp'], introspection: { clientId: 'rs', clientSecret: 's' } });
// @ts-expect-error authMethod is one of the three client authentication methods
bearerAuth(mcpAuth, 'introspection', { introspection: { clientId: 'rs', authMethod: 'private_key_jwt' } });
// @ts-expect-error verifiedTokenCache takes a boolean or { maxEntries }
bearerAuth(mcpAuth, 'jwt', { verifiedTokenCache: 'yes' });
