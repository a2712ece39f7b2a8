// The benchmark's RFC 7662 introspection endpoint, run as a child of run.mjs / paired.mjs (IPC
// channel required):
//   node bench/introspection-endpoint.mjs --issuer <url> --resource <url> --client-id <id> --client-secret <secret>
// node:http on 127.0.0.1 (ephemeral port), POST /introspect: checks the client's Basic credentials
// (401 invalid_client otherwise) and that the form has a `token`, then answers every token active:
//   { active: true, iss, sub, aud: resource, client_id, scope: 'read write', token_type: 'Bearer', iat, exp: now + 1 h }
// Sends { port } when listening; answers { introspectionCalls: id } with { calls, id } (the tokens
// introspected so far: active answers sent); exits when the parent goes away. A process of its own, so that
// the micro benchmark's CPU figure (the benchmark process's CPU time) does not include the
// endpoint's work, and so that it answers while the micro loop keeps the parent's event loop busy.

import http from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    issuer: { type: 'string' },
    resource: { type: 'string' },
    'client-id': { type: 'string' },
    'client-secret': { type: 'string' },
  },
});
const urlencode = (text) => new URLSearchParams({ v: text }).toString().slice(2);
const expectedAuthorization = `Basic ${Buffer.from(`${urlencode(values['client-id'])}:${urlencode(values['client-secret'])}`).toString('base64')}`;
// Bodies above this are refused (the library sends about 100 bytes).
const MAX_BODY = 64 * 1024;

const send = (res, status, body, headers = {}) => {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store', ...headers });
  res.end(text);
};

let calls = 0;
const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/introspect') return send(res, 404, { error: 'not_found' });
  const chunks = [];
  let size = 0;
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size > MAX_BODY) req.destroy();
    else chunks.push(chunk);
  });
  req.on('end', () => {
    if (req.headers.authorization !== expectedAuthorization) return send(res, 401, { error: 'invalid_client' }, { 'WWW-Authenticate': 'Basic realm="introspection"' });
    if (!new URLSearchParams(Buffer.concat(chunks).toString()).get('token')) return send(res, 400, { error: 'invalid_request' });
    const now = Math.floor(Date.now() / 1000);
    calls++;
    send(res, 200, {
      active: true,
      iss: values.issuer,
      sub: 'bench-user',
      aud: values.resource,
      client_id: 'bench-client',
      scope: 'read write',
      token_type: 'Bearer',
      iat: now,
      exp: now + 3600,
    });
  });
});
// Node's default keep-alive (5 s) outlives the library's idle connections (dropped after 4 s).
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('message', (message) => {
  if (message?.introspectionCalls !== undefined) process.send({ calls, id: message.introspectionCalls });
});
process.on('disconnect', () => process.exit(0));
