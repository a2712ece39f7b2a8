// Shared bits of the hardening suites: calling a middleware with a fake request/response, a real
// Express app on 127.0.0.1, fast token signing with node:crypto, timing.

import http from 'node:http';
import { createSign, sign as cryptoSign } from 'node:crypto';
import express from 'express';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A response stub recording what the middleware writes (`set/get/status/json/send`). */
export const fakeResponse = () => {
  const out = { status: undefined, headers: {}, body: undefined, sent: false };
  const res = {
    set(name, value) {
      out.headers[String(name).toLowerCase()] = value;
      return res;
    },
    get(name) {
      return out.headers[String(name).toLowerCase()];
    },
    status(code) {
      out.status = code;
      return res;
    },
    json(body) {
      out.body = body;
      out.sent = true;
      return res;
    },
    send(body) {
      out.body = typeof body === 'string' ? safeJson(body) : body;
      out.sent = true;
      return res;
    },
  };
  return { res, out };
};

const safeJson = (text) => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

/**
 * Calls `mw({ headers: { authorization } }, res, next)` and settles into
 * `{ status, headers, body, next, auth, error }` (`status: 'next'` when `next()` was called,
 * `'rejected'` when the middleware threw/rejected).
 */
export const callMiddleware = async (mw, authorization, { headers } = {}) => {
  const { res, out } = fakeResponse();
  const req = { headers: headers ?? (authorization === undefined ? {} : { authorization }) };
  let nextCalled = false;
  let error;
  try {
    await mw(req, res, (err) => {
      if (err) error = err;
      nextCalled = true;
    });
  } catch (err) {
    error = err;
  }
  return {
    status: error ? 'rejected' : nextCalled ? 'next' : out.status,
    headers: out.headers,
    body: out.body,
    auth: req.auth,
    error,
  };
};

/** `mw` mounted on `ALL /mcp` of an Express 5 app on 127.0.0.1 (200 `{ sub }` after it). */
export const startApp = async (mw, { maxHeaderSize } = {}) => {
  const app = express();
  // 'test' keeps Express's default error handler (HTML 500) but stops it logging stacks.
  app.set('env', 'test');
  app.all('/mcp', mw, (req, res) => res.json({ ok: true, sub: req.auth?.subject ?? null }));
  const server = http.createServer({ maxHeaderSize }, app);
  const sockets = new Set();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  /** GET /mcp with `Authorization: <authorization>` → `{ status, wwwAuthenticate, contentType, body }`. */
  const request = (authorization, { timeoutMs = 8000 } = {}) =>
    new Promise((resolve, reject) => {
      const headers = authorization === undefined ? {} : { authorization };
      const req = http.request(`${origin}/mcp`, { method: 'GET', headers, agent: false, timeout: timeoutMs }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode,
            wwwAuthenticate: res.headers['www-authenticate'],
            contentType: res.headers['content-type'],
            body: safeJson(text),
          });
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`request timed out after ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end();
    });
  return {
    origin,
    request,
    async close() {
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
};

const b64url = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/**
 * A fast signer over node:crypto `sign` (no jose, no WebCrypto round trips): `sign(header,
 * payload)` → compact JWS. `key` is a private `KeyObject` (or jose's private key, which in Node
 * is a `CryptoKey`: pass `KeyObject.from(cryptoKey)`).
 */
export const fastSigner = (privateKey, alg) => {
  const ec = alg.startsWith('ES');
  const hash = { 256: 'sha256', 384: 'sha384', 512: 'sha512' }[alg.slice(2)];
  return (header, payload) => {
    const input = `${b64url(header)}.${b64url(payload)}`;
    const signature = ec
      ? cryptoSign(hash, Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' })
      : createSign(hash).update(input).sign(privateKey);
    return `${input}.${signature.toString('base64url')}`;
  };
};

/** Milliseconds taken by `promise` together with its settled value. */
export const timed = async (promiseOrFn) => {
  const start = performance.now();
  try {
    const value = await (typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn);
    return { ok: true, value, ms: performance.now() - start };
  } catch (error) {
    return { ok: false, error, ms: performance.now() - start };
  }
};

/** Rejects after `ms` (the metadata-server helper's `within`, re-exported). */
export { within } from './metadata-server.mjs';

/** Runs `fn` with `console.warn` silenced; returns its value. */
export const quietly = async (fn) => {
  const original = console.warn;
  console.warn = () => {};
  try {
    return await fn();
  } finally {
    console.warn = original;
  }
};
