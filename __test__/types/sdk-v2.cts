// CommonJS consumer of the MCP TypeScript SDK v2: its CommonJS build has its own `AuthInfo`
// (separate from the ESM build's), augmented too (by lib/doors/mcp-sdk-v2.d.cts).
// Type-checked only (never executed): `npx tsc -p __test__/types/tsconfig.json`.

import sdkServer = require('@modelcontextprotocol/server');
import mcpAuthRs = require('mcp-auth-rs');

const server = new sdkServer.McpServer({ name: 'sdk-v2-cjs', version: '1.0.0' });
server.registerTool('whoami', { description: 'Who am I' }, async (ctx) => {
  const iss: string | undefined = ctx.http?.authInfo?.issuer;
  const sub: string | undefined = ctx.http?.authInfo?.subject;
  const aud: string | string[] | undefined = ctx.http?.authInfo?.audience;
  const claims: Record<string, unknown> | undefined = ctx.http?.authInfo?.claims;
  // @ts-expect-error `issuer` is a string (proves `ctx` is not `any`)
  const wrong: number | undefined = ctx.http?.authInfo?.issuer;
  return { content: [{ type: 'text', text: JSON.stringify({ iss, sub, aud, claims, wrong }) }] };
});

const info: sdkServer.AuthInfo = { token: 't', clientId: 'c', scopes: [], issuer: 'https://auth.example.com' };
// @ts-expect-error `audience` is a string or a string array
const bad: sdkServer.AuthInfo = { token: 't', clientId: 'c', scopes: [], audience: 1 };
void info;
void bad;
void mcpAuthRs.MCPAuth;
