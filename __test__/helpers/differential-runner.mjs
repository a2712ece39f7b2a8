// Side-by-side runner for the differential tests: the same scenario through the reference
// `mcp-auth@0.2.0` ("ref") and `mcp-auth-rs` ("rs"), each in its own Express 5 app on 127.0.0.1,
// each talking to its own fake authorization server (auth-server.mjs), so request counts can be
// compared.
//
//   const servers = authServerPerSide();                          // { ref, rs, keys }
//   const pair = await createPair((lib, env) => {
//     const auth = new lib.MCPAuth({ ... env.as.resolved() ... });
//     env.protect(auth.bearerAuth('jwt', { resource: R }));      // GET/ALL /protected
//   }, { servers });
//   const both = await pair.request((side) => ({ headers: { authorization: `Bearer ${tok[side.name]}` }, token: tok[side.name] }));
//   assertSameResults(both);                                      // rs vs ref, field by field
//   await pair.close();
//
// A result is { status, wwwAuthenticate: {error, error_description, resource_metadata} | null,
// wwwAuthenticateRaw, contentType, headers, body, reqAuth, nextCalled, error, warnings, asRequests }.
// Strings containing the side's AS origin or the side's token are normalized ('<AS>', '<TOKEN>'),
// so the two sides (different ports, different signatures) compare equal when behaviour is equal.

import assert from 'node:assert/strict';
import { after, before, beforeEach } from 'node:test';
import express from 'express';
import { createHash } from 'node:crypto';
import * as ref from 'mcp-auth';
import * as rs from 'mcp-auth-rs';
import { startAuthServer } from './auth-server.mjs';
import { startHttpServer } from './http-server.mjs';
import { createKeys } from './tokens.mjs';
import { within } from './util.mjs';

/** Express's default weak ETag of a response body (the `etag` package's algorithm). */
export const weakEtag = (text) => {
  const buffer = Buffer.from(text);
  if (buffer.length === 0) return 'W/"0-2jmj7l5rSw0yVb/vlWAYkK/YBwk"';
  return `W/"${buffer.length.toString(16)}-${createHash('sha1').update(buffer).digest('base64').substring(0, 27)}"`;
};

export const LIBS = [
  ['ref', ref],
  ['rs', rs],
];

export const REQUEST_LIMIT_MS = 8000;

/** Asserts `check(result, name)` on both sides of `{ ref, rs }` (expectations both must meet). */
export const forBoth = (both, check) => {
  for (const [name] of LIBS) check(both[name], name);
};

/**
 * One fake authorization server per side, both publishing the same `createKeys()` keys:
 * `{ ref, rs, keys }`, filled in by a `before` hook of the calling test file, reset before each of
 * its tests and closed after them. Pass it to `createPair(setup, { servers })`.
 */
export const authServerPerSide = () => {
  const servers = {};
  before(async () => {
    servers.keys = await createKeys();
    for (const [name] of LIBS) servers[name] = await startAuthServer({ keys: servers.keys });
  });
  after(async () => {
    for (const [name] of LIBS) await servers[name]?.close();
  });
  beforeEach(() => {
    for (const [name] of LIBS) servers[name].reset();
  });
  return servers;
};

/** Replaces console.warn with a recorder pushing the text of each call to `warnings`; returns the restore function. */
const recordWarnings = (warnings) => {
  const original = console.warn;
  console.warn = (...args) => warnings.push(args.map(String).join(' '));
  return () => {
    console.warn = original;
  };
};

/** Runs `fn` with console.warn recorded; returns `{ ok, value | error, warnings }` (never throws). */
export const withWarnings = async (fn) => {
  const warnings = [];
  const restore = recordWarnings(warnings);
  try {
    return { ok: true, value: await fn(), warnings };
  } catch (error) {
    return { ok: false, error, warnings };
  } finally {
    restore();
  }
};

/** Synchronous variant of `withWarnings`. */
export const withWarningsSync = (fn) => {
  const warnings = [];
  const restore = recordWarnings(warnings);
  try {
    return { ok: true, value: fn(), warnings };
  } catch (error) {
    return { ok: false, error, warnings };
  } finally {
    restore();
  }
};

/** Parses `Bearer k="v", …` (values are NOT escaped by the libraries, so split on known keys). */
export const parseWwwAuthenticate = (header) => {
  if (header === null || header === undefined) return null;
  const match = /^Bearer (.*)$/s.exec(header);
  if (!match) return { unparsed: header };
  const keys = ['error', 'error_description', 'resource_metadata', 'scope', 'realm', 'error_uri'];
  const alt = keys.join('|');
  const re = new RegExp(`(${alt})="(.*?)"(?=, (?:${alt})=|$)`, 'gs');
  const out = {};
  for (const [, key, value] of match[1].matchAll(re)) out[key] = value;
  return out;
};

/** Deep copy for comparison: `undefined` made visible, class instances described, order kept. */
export const describeValue = (value, seen = new Set()) => {
  if (value === undefined) return '<undefined>';
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'function') return `<function ${value.name}>`;
    if (typeof value === 'bigint') return `<bigint ${value}>`;
    return value;
  }
  if (seen.has(value)) return '<cycle>';
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => describeValue(v, seen));
    if (value instanceof URL) return { '<URL>': value.href };
    if (value instanceof Error) {
      return {
        '<Error>': value.constructor?.name,
        name: value.name,
        message: value.message,
        own: Object.fromEntries(Object.keys(value).map((k) => [k, describeValue(value[k], seen)])),
      };
    }
    const proto = Object.getPrototypeOf(value);
    const out = {};
    if (proto !== Object.prototype && proto !== null) out['<class>'] = value.constructor?.name;
    for (const key of Object.keys(value)) out[key] = describeValue(value[key], seen);
    return out;
  } finally {
    seen.delete(value);
  }
};

/** Summary of a thrown value for comparison (class, name, message, code, cause shape). */
export const describeError = (error, { cause = true } = {}) => {
  if (!(error instanceof Error)) return { thrownNonError: describeValue(error) };
  const out = {
    ctor: error.constructor?.name,
    name: error.name,
    message: error.message,
    code: error.code ?? '<none>',
    string: String(error),
  };
  if (cause) out.cause = 'cause' in error ? describeCause(error.cause) : '<no cause key>';
  return out;
};

// ZodErrors are compared by class name only (their issue texts are zod's business).
const describeCause = (cause) => {
  if (cause && typeof cause === 'object' && !Array.isArray(cause)) {
    if (cause.constructor?.name === 'ZodError') return { '<ZodError>': true };
    const out = {};
    for (const [key, value] of Object.entries(cause)) {
      if (value && typeof value === 'object' && value.constructor?.name === 'ZodError') out[key] = { '<ZodError>': true };
      else if (Array.isArray(value)) {
        out[key] = value.map((item) =>
          item && typeof item === 'object'
            ? Object.fromEntries(
                Object.entries(item).map(([k, v]) => [
                  k,
                  v && typeof v === 'object' && v.constructor?.name === 'ZodError' ? { '<ZodError>': v.constructor.name } : describeValue(v),
                ]),
              )
            : describeValue(item),
        );
      } else out[key] = describeValue(value);
    }
    return out;
  }
  return describeValue(cause);
};

/** Replaces every occurrence of the given strings in every string of `value` (deep). */
export const replaceStrings = (value, replacements) => {
  if (typeof value === 'string') {
    let out = value;
    for (const [from, to] of replacements) if (from) out = out.split(from).join(to);
    return out;
  }
  if (Array.isArray(value)) return value.map((v) => replaceStrings(v, replacements));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [replaceStrings(k, replacements), replaceStrings(v, replacements)]));
  }
  return value;
};

const IGNORED_HEADERS = new Set(['date', 'connection', 'keep-alive']);

/** Field-by-field comparison of two results; fails listing every differing field with both values. */
export const assertSameResults = (both, label = '') => {
  const { ref: a, rs: b } = both;
  const keys = [...new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})])];
  const diffs = [];
  for (const key of keys) {
    const x = JSON.stringify(a?.[key]);
    const y = JSON.stringify(b?.[key]);
    if (x !== y) diffs.push(`  ${key}:\n    ref: ${x}\n    rs:  ${y}`);
  }
  if (diffs.length) assert.fail(`${label ? `${label}: ` : ''}rs differs from ref\n${diffs.join('\n')}`);
  // Belt and braces: structural equality as well.
  assert.deepStrictEqual(b, a);
};

const terminal = (side) => (req, res) => {
  side.current.nextCalled = true;
  side.current.reqAuth =
    req.auth === undefined ? '<no req.auth>' : { keys: Object.keys(req.auth), value: describeValue(req.auth) };
  side.current.rawAuth = req.auth;
  res.status(200).json({ ok: true, route: 'reached' });
};

/**
 * Builds the two apps. `setup(lib, env)` registers routes on `env.app` (use `env.protect(...mws)`
 * for `ALL /protected` ending in the recording handler). Setup outcomes (`ok`, `error`, `warnings`)
 * are in `pair.setup`.
 */
export const createPair = async (setup, { servers = {} } = {}) => {
  const sides = {};
  const setupResults = {};
  for (const [name, lib] of LIBS) {
    const app = express();
    app.set('env', 'test'); // the default error handler then does not log to stderr
    const side = { name, lib, as: servers[name], app, current: {}, http: undefined };
    const env = {
      name,
      lib,
      as: servers[name],
      app,
      side,
      terminal: terminal(side),
      protect: (...handlers) => app.all('/protected', ...handlers, terminal(side)),
    };
    const result = await withWarnings(() => setup(lib, env));
    setupResults[name] = {
      ok: result.ok,
      error: result.ok ? undefined : describeError(result.error),
      warnings: result.warnings,
    };
    side.setupValue = result.value;
    side.setupError = result.error;
    // Record what reaches Express's error pipeline, then let the default handler answer.
    app.use((err, req, res, next) => {
      side.current.error = err;
      next(err);
    });
    side.http = await startHttpServer({ '*': app });
    side.origin = side.http.origin;
    sides[name] = side;
  }

  const normalizerFor = (side, token) => {
    const replacements = [];
    if (token) replacements.push([token, '<TOKEN>']);
    if (side.as) replacements.push([side.as.origin, '<AS>'], [side.as.origin.toUpperCase(), '<AS-UPPERCASE>']);
    replacements.push([side.origin, '<APP>']);
    return (value) => replaceStrings(value, replacements);
  };

  /** Metadata and JWKS requests the side's authorization server received since `before` (its `counts()`). */
  const asRequestsSince = (side, before) => {
    if (!side.as) return undefined;
    const now = side.as.counts();
    return { metadata: now.metadata - before.metadata, jwks: now.jwks - before.jwks };
  };

  const summarize = async (side, response, spec, countsBefore) => {
    const contentType = response.headers.get('content-type');
    const text = await response.text();
    let body;
    if (text === '') body = '';
    else if (contentType?.includes('json')) {
      try {
        body = JSON.parse(text);
      } catch {
        body = { '<invalid json>': text };
      }
    } else if (contentType?.includes('html')) {
      // Express's default error page contains a stack trace: only its nature is compared.
      body = response.status >= 500 ? { '<html error page>': true, isJson: false } : text;
    } else body = text;
    const headers = {};
    for (const [key, value] of response.headers) {
      if (IGNORED_HEADERS.has(key)) continue;
      if (key === 'content-length' && contentType?.includes('html') && response.status >= 500) continue;
      // Bodies can contain the side's own AS origin (different ports): length and ETag are
      // checked against the received bytes, then compared as "consistent".
      if (key === 'content-length' && spec.method !== 'HEAD') {
        headers[key] = Number(value) === Buffer.byteLength(text) ? '<length of body>' : `<inconsistent: ${value}>`;
        continue;
      }
      if (key === 'etag' && spec.method !== 'HEAD') {
        headers[key] = value === weakEtag(text) ? '<weak etag of body>' : `<other etag: ${value}>`;
        continue;
      }
      // HEAD: no body to check against; the ETag is compared by the GET of the same resource.
      if (key === 'etag' && spec.method === 'HEAD') {
        headers[key] = /^W\/"[0-9a-f]+-[A-Za-z0-9+/]{27}"$/.test(value) ? '<weak etag>' : `<other etag: ${value}>`;
        continue;
      }
      headers[key] = value;
    }
    const asRequests = asRequestsSince(side, countsBefore);
    const { current } = side;
    const out = {
      status: response.status,
      wwwAuthenticate: parseWwwAuthenticate(response.headers.get('www-authenticate')),
      wwwAuthenticateRaw: response.headers.get('www-authenticate'),
      contentType,
      headers,
      body,
      reqAuth: current.reqAuth ?? '<route not reached>',
      nextCalled: current.nextCalled ?? false,
      error: current.error === undefined ? '<none>' : describeError(current.error, { cause: spec.compareErrorCause ?? true }),
      warnings: current.warnings,
      asRequests,
    };
    if (spec.errorLevel === 'class' && current.error !== undefined) out.error = { ctor: current.error?.constructor?.name };
    return normalizerFor(side, spec.token)(out);
  };

  const specFor = (specOrFn, side) => (typeof specOrFn === 'function' ? specOrFn(side) : specOrFn) ?? {};

  const send = (side, spec) =>
    fetch(`${side.origin}${spec.path ?? '/protected'}`, {
      method: spec.method ?? 'GET',
      headers: spec.headers ?? {},
      redirect: 'manual',
    });

  const pair = {
    sides,
    setup: setupResults,
    /** One request per side (ref first, then rs); returns { ref, rs } normalized results. */
    async request(specOrFn) {
      const out = {};
      for (const [name] of LIBS) {
        const side = sides[name];
        const spec = specFor(specOrFn, side);
        side.current = { warnings: [] };
        const countsBefore = side.as?.counts();
        const restore = recordWarnings(side.current.warnings);
        try {
          const response = await within(send(side, spec), REQUEST_LIMIT_MS, `${name} request`);
          out[name] = await summarize(side, response, spec, countsBefore);
        } finally {
          restore();
        }
      }
      return out;
    },
    /** `n` concurrent requests per side; returns { ref: { results, asRequests, warnings }, rs: … }. */
    async concurrent(n, specOrFn) {
      const out = {};
      for (const [name] of LIBS) {
        const side = sides[name];
        const spec = specFor(specOrFn, side);
        const countsBefore = side.as?.counts();
        const warnings = [];
        const restore = recordWarnings(warnings);
        try {
          side.current = { warnings };
          const responses = await within(
            Promise.all(Array.from({ length: n }, () => send(side, spec))),
            REQUEST_LIMIT_MS,
            `${name} concurrent requests`,
          );
          const statuses = [];
          const bodies = [];
          for (const response of responses) {
            statuses.push(response.status);
            const text = await response.text();
            bodies.push(response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : '<non-json>');
          }
          out[name] = normalizerFor(side, spec.token)({
            statuses,
            bodies,
            asRequests: asRequestsSince(side, countsBefore),
            warnings,
          });
        } finally {
          restore();
        }
      }
      return out;
    },
    async close() {
      for (const side of Object.values(sides)) await side.http.close();
    },
  };
  return pair;
};

/**
 * Calls a middleware directly with a fake req/res (no Express). Returns what it did:
 * { settled: 'resolved'|'rejected'|'returned', error, nextCalled, nextArgs, writes, reqAuth, warnings }.
 */
export const callDirect = async (middleware, { headers = {}, auth, onNext } = {}) => {
  const writes = [];
  const req = { headers: { ...headers }, ...(auth !== undefined ? { auth } : {}) };
  const resHeaders = {};
  // Each method records its call in `writes` and returns `res` (chainable, as Express's).
  const header = (name) =>
    function (key, value) {
      writes.push([name, key, value]);
      resHeaders[String(key).toLowerCase()] = value;
      return this;
    };
  const write = (name) =>
    function (value) {
      writes.push([name, value]);
      return this;
    };
  const res = {
    headersSent: false,
    set: header('set'),
    setHeader: header('setHeader'),
    header(key, value) {
      return this.set(key, value);
    },
    get(key) {
      return resHeaders[String(key).toLowerCase()];
    },
    status: write('status'),
    json: write('json'),
    send: write('send'),
    end: write('end'),
  };
  let nextArgs;
  const result = await withWarnings(async () => {
    const returned = middleware(req, res, (...args) => {
      nextArgs = args;
      onNext?.(...args);
    });
    if (returned && typeof returned.then === 'function') {
      await within(returned, REQUEST_LIMIT_MS, 'middleware promise');
      return 'resolved';
    }
    return 'returned';
  });
  return {
    settled: result.ok ? result.value : 'rejected',
    error: result.ok ? undefined : result.error,
    nextCalled: nextArgs !== undefined,
    nextArgs,
    writes,
    reqAuth: req.auth,
    warnings: result.warnings,
  };
};
