// The MCP side of the end-to-end test (the demo runs examples/door-<door>.mjs): a Streamable HTTP
// endpoint (stateless: a new server and transport per request) with the `whoami` tool of
// examples/whoami-server.mjs, which reports the caller's AuthInfo.
import express from 'express';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { whoamiServerV1 } from './whoami-server.mjs';

/**
 * Serves one request statelessly: connects `server` to `transport` (a Node transport of either
 * SDK line, new for this request) and hands it the request; both close when the response does.
 */
export const serveStateless = async (server, transport, req, res, parsedBody) => {
  res.on('close', () => {
    transport.close().catch(() => {});
    server.close().catch(() => {});
  });
  await server.connect(transport);
  await transport.handleRequest(req, res, parsedBody);
};

/** Mounts the MCP endpoint at `path` (POST; GET/DELETE answer 405 in stateless mode). */
export const mountMcpEndpoint = (app, path) => {
  app.post(path, express.json(), async (req, res, next) => {
    try {
      await serveStateless(whoamiServerV1(), new StreamableHTTPServerTransport({ sessionIdGenerator: undefined }), req, res, req.body);
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
