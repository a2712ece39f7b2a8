// The HTTP benchmark's server, run as a child of run.mjs (IPC channel required):
//   node bench/server.mjs --lib <name> --issuer <url> --resource <url> --jwks-uri <url>
// Express 5 on 127.0.0.1 (ephemeral port), the library's middleware on GET /mcp answering a small
// JSON. Sends { port } when listening; exits when the parent goes away.

import { parseArgs } from 'node:util';
import express from 'express';
import { LIBRARIES } from './libraries.mjs';

const { values } = parseArgs({
  options: { lib: { type: 'string' }, issuer: { type: 'string' }, resource: { type: 'string' }, 'jwks-uri': { type: 'string' } },
});
const middleware = await LIBRARIES[values.lib]({ issuer: values.issuer, resource: values.resource, jwksUri: values['jwks-uri'] });

const app = express();
app.get('/mcp', middleware, (req, res) => res.json({ ok: true }));
// Errors passed to next(err) (express-oauth2-jwt-bearer) answered as JSON, without logging.
app.use((err, req, res, _next) => res.status(err.status ?? 500).set(err.headers ?? {}).json({ error: err.code ?? 'server_error' }));

const server = app.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('disconnect', () => process.exit(0));
// The parent asks for this process's CPU time (getrusage: µs, every thread) over the IPC channel.
process.on('message', (message) => {
  if (message !== 'cpu-usage') return;
  const { user, system } = process.cpuUsage();
  process.send({ cpuUs: user + system });
});
