// The MCP server of the examples, the demo and the end-to-end tests, on both MCP SDK lines: a
// `whoami` tool answering the AuthInfo the SDK hands it. Create one per request (the examples
// serve statelessly).
//
//   import { whoamiServerV1, whoamiServerV2 } from './whoami-server.mjs';
//   await whoamiServerV1().connect(transport); // @modelcontextprotocol/sdk (v1): reads extra.authInfo
//   createMcpHandler(whoamiServerV2);           // @modelcontextprotocol/server (v2): reads ctx.http.authInfo
import crypto from 'node:crypto';
import { McpServer as McpServerV1 } from '@modelcontextprotocol/sdk/server/mcp.js';
import { McpServer as McpServerV2 } from '@modelcontextprotocol/server';

/** What `whoami` answers for an AuthInfo: all of it but the bearer token, plus the token's SHA-256 (base64url). */
export const whoamiReport = (authInfo) => {
  const { token, ...info } = authInfo ?? {};
  return { ...info, tokenSha256: token ? crypto.createHash('sha256').update(token).digest('base64url') : null };
};

const answer = (authInfo) => ({ content: [{ type: 'text', text: JSON.stringify(whoamiReport(authInfo)) }] });
const description = 'The AuthInfo of the caller';

/** SDK v1 (`@modelcontextprotocol/sdk`): the tool reads the AuthInfo as `extra.authInfo`. */
export const whoamiServerV1 = () => {
  const server = new McpServerV1({ name: 'whoami', version: '1.0.0' });
  server.registerTool('whoami', { description }, async (extra) => answer(extra.authInfo));
  return server;
};

/** SDK v2 (`@modelcontextprotocol/server`): the tool reads the AuthInfo as `ctx.http.authInfo`. */
export const whoamiServerV2 = () => {
  const server = new McpServerV2({ name: 'whoami', version: '1.0.0' });
  server.registerTool('whoami', { description }, async (ctx) => answer(ctx.http?.authInfo));
  return server;
};
