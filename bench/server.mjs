// The HTTP benchmark's server, run as a child of run.mjs (IPC channel required):
//   node bench/server.mjs --lib <name> --issuer <url> --resource <url> --jwks-uri <url> [--door <door>]
//     [--introspection-endpoint <url>]   (the introspecting libraries: introspection-endpoint.mjs)
// Express 5 (default; or the front door's framework: doors.mjs) on 127.0.0.1 (ephemeral port), the
// library's middleware on GET /mcp answering a small JSON; or (--door mcp) the MCP scenario of
// mcp.mjs: the library's middleware in front of an MCP SDK stateless Streamable HTTP endpoint.
// Sends { port } when listening; exits when the parent goes away.

import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    lib: { type: 'string' },
    issuer: { type: 'string' },
    resource: { type: 'string' },
    'jwks-uri': { type: 'string' },
    door: { type: 'string', default: 'express' },
    'introspection-endpoint': { type: 'string' },
  },
});
const context = { issuer: values.issuer, resource: values.resource, jwksUri: values['jwks-uri'], introspectionEndpoint: values['introspection-endpoint'] };

const expressServer = async () => {
  const { default: express } = await import('express');
  const { LIBRARIES } = await import('./libraries.mjs');
  const middleware = await LIBRARIES[values.lib](context);
  const app = express();
  app.get('/mcp', middleware, (req, res) => res.json({ ok: true }));
  // Errors passed to next(err) (express-oauth2-jwt-bearer) answered as JSON, without logging.
  app.use((err, req, res, _next) => res.status(err.status ?? 500).set(err.headers ?? {}).json({ error: err.code ?? 'server_error' }));
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server));
  });
};

// The MCP scenario (mcp.mjs): Express with the MCP SDK's stateless Streamable HTTP transport on POST /mcp.
const mcpServer = async () => {
  const { LIBRARIES } = await import('./libraries.mjs');
  const { mcpApp } = await import('./mcp.mjs');
  const app = await mcpApp(await LIBRARIES[values.lib](context));
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server));
  });
};

const server =
  values.door === 'express'
    ? await expressServer()
    : values.door === 'mcp'
      ? await mcpServer()
      : await (await import('./doors.mjs')).startDoorServer(values.door, values.lib, context);
process.send({ port: server.address().port });
process.on('disconnect', () => process.exit(0));
// The parent asks for this process's CPU time (getrusage: µs, every thread) over the IPC channel.
// Each question `{ cpuUsage: id }` is answered `{ id, cpuUs }`.
process.on('message', (message) => {
  if (message?.cpuUsage === undefined) return;
  const { user, system } = process.cpuUsage();
  process.send({ id: message.cpuUsage, cpuUs: user + system });
});
