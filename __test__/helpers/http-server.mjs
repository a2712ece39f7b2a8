// HTTP and TCP doubles on 127.0.0.1 (ephemeral ports) for the tests: a server answering per path
// with a configurable status, reason phrase, headers and body, recording the exact request target
// (`req.url`, i.e. path + query as sent on the wire) of every request; a raw TCP server for answers
// Node's HTTP server cannot produce; a port nothing listens on. `close()` also destroys open (e.g.
// hanging) connections so suites never wait on them. The fake authorization server
// (auth-server.mjs) is built on `startHttpServer`.
//
// Usage:
//   const srv = await startHttpServer();
//   srv.route('/.well-known/openid-configuration', { body: { issuer: ... } });
//   srv.route('*', { body: ... });             // catch-all for any other path
//   ... srv.requests -> [{ method, url, headers }]
//   await srv.close();

import http from 'node:http';
import net from 'node:net';

/**
 * A route is either a function `(req, res) => void` or an object:
 *  - status      (default 200)
 *  - statusText  reason phrase (default: Node's standard text for `status`)
 *  - headers     extra response headers
 *  - body        string → sent verbatim; Buffer → sent verbatim; anything else → JSON.stringify
 *                (so `body: null` sends the JSON text `null`). Omit for an empty body.
 *  - redirect    a location; sends `status` (default 302) with `Location` and no body
 *  - hang        true → never answer (the connection stays open until `close()`)
 *  - hangBody    true → send the headers and part of the body, then never finish
 *  - delayMs     wait before answering
 */
const answer = (route, req, res) => {
  if (typeof route === 'function') {
    route(req, res);
    return;
  }
  if (route.hang) return;
  const send = () => {
    if (res.destroyed) return;
    if (route.redirect !== undefined) {
      res.writeHead(route.status ?? 302, { Location: route.redirect, 'Content-Length': '0' });
      res.end();
      return;
    }
    const status = route.status ?? 200;
    let payload;
    if (route.body === undefined) payload = Buffer.alloc(0);
    else if (Buffer.isBuffer(route.body)) payload = route.body;
    else if (typeof route.body === 'string') payload = Buffer.from(route.body);
    else payload = Buffer.from(JSON.stringify(route.body));
    const headers = { 'Content-Type': 'application/json', ...route.headers };
    if (route.hangBody) {
      res.writeHead(status, route.statusText ?? http.STATUS_CODES[status], headers);
      res.write(payload.subarray(0, Math.max(1, payload.length >> 1)));
      return;
    }
    if (!('Transfer-Encoding' in headers)) headers['Content-Length'] = String(payload.length);
    if (route.statusText === undefined) res.writeHead(status, headers);
    else res.writeHead(status, route.statusText, headers);
    res.end(payload);
  };
  if (route.delayMs) setTimeout(send, route.delayMs);
  else send();
};

/**
 * An outage of `srv` (a `startHttpServer` result): `goDown()` stops listening and drops every
 * connection (new ones are refused), `comeBack()` listens again on the same port, `close()` stops
 * for good and clears `timers` (a Set of the server's pending timeouts).
 */
export const outageControls = (srv, timers) => {
  let down = false;
  return {
    async goDown() {
      if (down) return;
      down = true;
      await srv.close();
    },
    async comeBack() {
      if (!down) return;
      await new Promise((resolve, reject) => {
        srv.server.once('error', reject);
        srv.server.listen(srv.port, '127.0.0.1', () => {
          srv.server.off('error', reject);
          resolve();
        });
      });
      down = false;
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      if (!down) await srv.close();
      down = true;
    },
  };
};

/** `keepAlive: false` answers every request with `Connection: close`; `maxHeaderSize` goes to Node. */
export const startHttpServer = async (initialRoutes = {}, { keepAlive = true, maxHeaderSize } = {}) => {
  const routes = new Map(Object.entries(initialRoutes));
  const requests = [];
  const sockets = new Set();
  const server = http.createServer({ maxHeaderSize }, (req, res) => {
    requests.push({ method: req.method, url: req.url, headers: { ...req.headers } });
    if (!keepAlive) res.setHeader('Connection', 'close');
    // Exact target (path + query) first, then the path alone, then the catch-all route '*'.
    const pathOnly = req.url.split('?')[0];
    const route = routes.get(req.url) ?? routes.get(pathOnly) ?? routes.get('*');
    if (route === undefined) {
      res.writeHead(404, { 'Content-Type': 'text/plain', 'Content-Length': '9' });
      res.end('not found');
      return;
    }
    answer(route, req, res);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  const origin = `http://127.0.0.1:${port}`;
  return {
    server,
    port,
    origin,
    requests,
    /** The request targets received so far (`req.url`). */
    paths: () => requests.map((r) => r.url),
    route(path, spec) {
      routes.set(path, spec);
      return this;
    },
    clearRoutes() {
      routes.clear();
    },
    reset() {
      requests.length = 0;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
};

/**
 * A raw TCP server answering every connection with `responseText` verbatim (for responses Node's
 * HTTP server cannot produce, such as an empty reason phrase), or with `null` closing it unanswered
 * once the request has arrived. Records the request lines.
 */
export const startRawServer = async (responseText) => {
  const requestLines = [];
  const sockets = new Set();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      const end = buffered.indexOf('\r\n\r\n');
      if (end === -1) return;
      requestLines.push(buffered.slice(0, buffered.indexOf('\r\n')));
      buffered = '';
      if (responseText === null) socket.destroy();
      else socket.end(responseText);
    });
    socket.on('error', () => {});
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    requestLines,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
};

/** A port on 127.0.0.1 that nothing listens on any more (connections are refused). */
export const closedPort = async () => {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
};
