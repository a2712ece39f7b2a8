// Shared bits of the hardening suites: calling a middleware with a fake request/response, a real
// Express app on 127.0.0.1.

import http from 'node:http';
import express from 'express';
import { startHttpServer } from './http-server.mjs';
import { jsonOrText } from './util.mjs';

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
      out.body = typeof body === 'string' ? jsonOrText(body) : body;
      out.sent = true;
      return res;
    },
  };
  return { res, out };
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
  const { origin, close } = await startHttpServer({ '*': app }, { maxHeaderSize });
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
            body: jsonOrText(text),
          });
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`request timed out after ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end();
    });
  return { origin, request, close };
};

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
