// A tiny real HTTP server for discovery tests: it records the exact request target (`req.url`,
// i.e. path + query as sent on the wire) of every request and answers per path with a configurable
// status, reason phrase, headers and body. Bound to 127.0.0.1 on an ephemeral port; `close()`
// also destroys open (e.g. hanging) connections so suites never wait on them.
//
// Usage:
//   const srv = await startMetadataServer();
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

export const startMetadataServer = async (initialRoutes = {}) => {
  const routes = new Map(Object.entries(initialRoutes));
  const requests = [];
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method, url: req.url, headers: { ...req.headers } });
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
 * HTTP server cannot produce, such as an empty reason phrase). Records the request lines.
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
      socket.end(responseText);
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

/** Rejects after `ms` so a test can bound a promise that must settle. */
export const within = (promise, ms, what = 'operation') => {
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
};

/** Settles a promise into `{ ok, value }` / `{ ok: false, error }` (never throws). */
export const settle = async (promiseOrFn) => {
  try {
    const value = await (typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn);
    return { ok: true, value };
  } catch (error) {
    return { ok: false, error };
  }
};
