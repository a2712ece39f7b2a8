// The MCP side of the end-to-end test (the demo runs examples/door-<door>.mjs): a Streamable HTTP
// endpoint (stateless: a new server and transport per request) with a `whoami` tool that reports
// the caller's AuthInfo.
import crypto from 'node:crypto';
import express from 'express';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

const createServer = () => {
  const server = new McpServer({ name: 'mcp-auth-rs-demo', version: '1.0.0' });
  server.tool('whoami', 'Who is calling, with which scopes (the AuthInfo mcp-auth-rs verified).', async ({ authInfo }) => {
    const { token, ...info } = authInfo ?? {};
    const tokenSha256 = token ? crypto.createHash('sha256').update(token).digest('base64url') : null;
    return { content: [{ type: 'text', text: JSON.stringify({ ...info, tokenSha256 }) }] };
  });
  return server;
};

/** Mounts the MCP endpoint at `path` (POST; GET/DELETE answer 405 in stateless mode). */
export const mountMcpEndpoint = (app, path) => {
  app.post(path, express.json(), async (req, res, next) => {
    try {
      const server = createServer();
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on('close', () => {
        transport.close().catch(() => {});
        server.close().catch(() => {});
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    } catch (error) {
      next(error);
    }
  });
  const methodNotAllowed = (_req, res) => {
    res.status(405).set('Allow', 'POST').json({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed.' }, id: null });
  };
  app.get(path, methodNotAllowed);
  app.delete(path, methodNotAllowed);
};
