// The realistic scenario (HTTP only, server.mjs --door mcp): an MCP `tools/call` through the MCP
// TypeScript SDK v1 (`@modelcontextprotocol/sdk`) Streamable HTTP transport in stateless mode, on
// Express 5, as the SDK's stateless example serves it: per request a new McpServer with one tool
// (`echo`) and a new StreamableHTTPServerTransport ({ sessionIdGenerator: undefined,
// enableJsonResponse: true }: one POST, one JSON answer), connected, then handleRequest. The
// library's middleware (libraries.mjs, as on the Express rows; `none` = a pass-through) runs
// before `express.json()`, as in examples/door-express.mjs.

// The request autocannon sends (and the first timed request): a JSON-RPC `tools/call` of `echo`.
export const MCP_TEXT = 'hello';
export const MCP_REQUEST = {
  method: 'POST',
  path: '/mcp',
  headers: { accept: 'application/json, text/event-stream', 'content-type': 'application/json' },
  body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: MCP_TEXT } } }),
};

/** Throws unless `text` (an answer's body) is the JSON-RPC result of the echo call. */
export const checkMcpAnswer = (text) => {
  const answer = JSON.parse(text);
  if (answer?.result?.content?.[0]?.text !== MCP_TEXT) throw new Error(`MCP tools/call answered ${text.slice(0, 300)}`);
};

/** The Express app of the MCP scenario with `middleware` in front of the MCP endpoint. */
export const mcpApp = async (middleware) => {
  const { default: express } = await import('express');
  const { McpServer } = await import('@modelcontextprotocol/sdk/server/mcp.js');
  const { StreamableHTTPServerTransport } = await import('@modelcontextprotocol/sdk/server/streamableHttp.js');
  const z = await import('zod/v4');
  const mcpServer = () => {
    const server = new McpServer({ name: 'bench', version: '1.0.0' });
    server.registerTool('echo', { description: 'Echoes its text', inputSchema: { text: z.string() } }, async ({ text }) => ({ content: [{ type: 'text', text }] }));
    return server;
  };
  const app = express();
  app.post('/mcp', middleware, express.json(), async (req, res) => {
    const server = mcpServer();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      transport.close();
      server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });
  app.use((err, req, res, _next) => res.status(err.status ?? 500).set(err.headers ?? {}).json({ error: err.code ?? 'server_error' }));
  return app;
};
