// A scripted RFC 7662 token introspection endpoint on 127.0.0.1 (ephemeral port), built on
// http-server.mjs like the fake authorization server (auth-server.mjs), for
// __test__/introspection.test.mjs and __test__/scope-claims.test.mjs:
//   - metadata: RFC 8414 at `/.well-known/oauth-authorization-server` (or, with `type: 'oidc'`,
//     `/.well-known/openid-configuration`) with `introspection_endpoint` (left out with
//     `introspectionEndpoint: false`) and a `jwks_uri`, so that `'jwt'` mode works too;
//   - a JWKS at `/jwks` (the `keys` of tokens.mjs `createKeys()`) and `token(claims)` to mint
//     JWTs signed with them;
//   - POST `/introspect` (and the same endpoint at `/introspect-alt`, for the `endpoint` option):
//     answers per token from a script, records every request, checks client authentication.
//
//   const is = await startIntrospectionServer({ keys, clients: [{ method: 'client_secret_basic', id, secret }] });
//   is.issuer, is.introspectionEndpoint, is.altEndpoint, is.resolved(), is.discovery()
//   is.answer(token, { active: true, scope: 'read' })     // 200 JSON; or (record) => body
//   is.answer(token, body, { fault: 'hang', delayMs })    // a fault for this token only
//   is.setDefault({ active: false })                      // unscripted tokens (this is the default)
//   is.set({ fault: 500, delayMs: 200 })                  // every introspection request (overrides per token)
//   is.setClients([...]) / is.setClients(null)            // null: no client authentication check
//   is.calls(), is.calls(token), is.introspections        // POSTs received, their records
//   await is.goDown(); await is.comeBack();               // connection refused, then the same port again
//   is.reset(); await is.close();
//
// Faults (`fault`, per token or for every request):
//   'ok'           the scripted answer (after `delayMs`, default 0: lets concurrent requests pile up)
//   'hang'         never answers (the connection stays open until close)
//   'slow'         the scripted answer after `delayMs` (default 1000)
//   a status       that status with a JSON body: 401 → `{"error":"invalid_client"}` (+ `WWW-Authenticate:
//                  Basic`), 400 → `{"error":"invalid_request"}`, 3xx → a redirect to `/introspect-redirected`
//                  (which answers `{"active":true}` and is counted apart), other → `{"error":"status N"}`
//   'invalidJson'  200 with a body that is not JSON
//   'notObject'    200 with JSON that is not an object (`notObjectBody`, default `[1]`)
//   'huge'         200, `Content-Length` 5 MB, a valid JSON object `{"active":true,"pad":"…"}` of 5 MB,
//                  written with backpressure until done or the client goes away
//   'hugeChunked'  the same, chunked (no Content-Length)
//   'drip'         200 + Content-Length of the answer, then one byte every `delayMs` (default 100)
//   'reset'        the connection is destroyed before any answer
// A connection refused is `goDown()` (and `comeBack()` on the same port).
//
// Client authentication (`clients`, a list of `{ method, id, secret }`; null: no check). What the
// request presents is read as RFC 6749 §2.3.1 has it:
//   - `Authorization: Basic base64(urlencode(id) ":" urlencode(secret))` → client_secret_basic: split at
//     the first `:` of the decoded text, each side form-urldecoded (`+` is a space, `%XX` a byte; a bad
//     `%` fails); also sending `client_secret` in the form is 400 invalid_request (one method only);
//   - `client_id` and `client_secret` in the form → client_secret_post;
//   - `client_id` alone in the form → none.
// It must match one configured client of that method exactly, else 401 `{"error":"invalid_client"}`
// with `WWW-Authenticate: Basic realm="introspection"`. Each record says what was presented.
//
// Records (`is.introspections`, live array): `{ at, method, path, headers, contentType, accept,
// authorization, rawBody, form, formKeys, token, client }`, `form` the last value of each key,
// `formKeys` every key in order (repeats kept), `client` `{ method, id, secret, rawId, rawSecret }` or
// `{ method: 'anonymous' }`, and `client.error` when it was refused.

import { outageControls, startHttpServer } from './http-server.mjs';
import { camelKeys, snakeMetadata } from './fixtures.mjs';
import { signJws } from './tokens.mjs';

const OAUTH_METADATA_PATH = '/.well-known/oauth-authorization-server';
const OIDC_METADATA_PATH = '/.well-known/openid-configuration';
const JWKS_PATH = '/jwks';
export const INTROSPECT_PATH = '/introspect';
export const ALT_INTROSPECT_PATH = '/introspect-alt';
export const REDIRECTED_PATH = '/introspect-redirected';
export const HUGE_INTROSPECTION_BYTES = 5 * 1024 * 1024;

/** Form-urldecoding (application/x-www-form-urlencoded): `+` is a space; throws on a bad `%`. */
export const formDecode = (text) => decodeURIComponent(text.replace(/\+/g, ' '));
/** Form-urlencoding as RFC 6749 Appendix B / WHATWG URLSearchParams does it (space → `+`). */
export const formEncode = (text) => new URLSearchParams({ v: text }).toString().slice(2);

export const startIntrospectionServer = async ({ keys, type = 'oauth', introspectionEndpoint = true, clients = null, keepAlive = true } = {}) => {
  const srv = await startHttpServer({}, { keepAlive });
  const { origin } = srv;
  const metadataPath = type === 'oidc' ? OIDC_METADATA_PATH : OAUTH_METADATA_PATH;

  const initial = () => ({
    fault: undefined,
    delayMs: undefined,
    notObjectBody: [1],
    metadataExtra: {},
    metadataOmit: [],
    clients,
    defaultAnswer: { active: false },
    record: true,
  });
  const state = initial();
  /** token → { body, fault, delayMs, notObjectBody } */
  const script = new Map();
  const introspections = [];
  let callCount = 0;
  const timers = new Set();
  const streamed = { bytes: 0 };
  let redirected = 0;

  const { scopes_supported: _scopes, grant_types_supported: _grants, ...base } = snakeMetadata(origin);
  const baseMetadata = {
    ...base,
    ...(introspectionEndpoint && {
      introspection_endpoint: `${origin}${INTROSPECT_PATH}`,
      introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    }),
  };
  const published = () => {
    const out = { ...baseMetadata, ...state.metadataExtra };
    for (const key of state.metadataOmit) delete out[key];
    return out;
  };

  const later = (fn, ms) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  const sendJson = (res, status, body, headers = {}) => {
    if (res.destroyed || res.writableEnded) return;
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)), 'Cache-Control': 'no-store', ...headers });
    res.end(text);
  };

  const readBody = (req) =>
    new Promise((resolve) => {
      const chunks = [];
      req.on('data', (chunk) => chunks.push(chunk));
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });

  /** What the request presents as client authentication (see the header comment). */
  const presentedClient = (req, params) => {
    const authorization = req.headers.authorization;
    if (authorization !== undefined) {
      const match = /^basic +([A-Za-z0-9+/]+=*) *$/i.exec(authorization);
      if (!match) return { method: 'unknown', error: `not Basic credentials: ${authorization}` };
      const decoded = Buffer.from(match[1], 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon === -1) return { method: 'client_secret_basic', error: 'no colon in the Basic credentials' };
      const rawId = decoded.slice(0, colon);
      const rawSecret = decoded.slice(colon + 1);
      let id;
      let secret;
      try {
        id = formDecode(rawId);
        secret = formDecode(rawSecret);
      } catch {
        return { method: 'client_secret_basic', rawId, rawSecret, error: 'Basic credentials not form-urlencoded (bad %)' };
      }
      const out = { method: 'client_secret_basic', id, secret, rawId, rawSecret };
      if (params.has('client_secret')) return { ...out, error: 'more than one client authentication method', status: 400 };
      return out;
    }
    if (params.has('client_secret')) return { method: 'client_secret_post', id: params.get('client_id'), secret: params.get('client_secret') };
    if (params.has('client_id')) return { method: 'none', id: params.get('client_id') };
    return { method: 'anonymous' };
  };

  const authenticate = (client) => {
    if (client.error) return false;
    if (state.clients === null) return true;
    return state.clients.some((c) => c.method === client.method && c.id === client.id && (c.method === 'none' || c.secret === client.secret));
  };

  // A 5 MB JSON object, written with backpressure until done or the client goes away.
  const streamHuge = (req, res, declared) => {
    const head = Buffer.from('{"active":true,"pad":"');
    const tail = Buffer.from('"}');
    const padBytes = HUGE_INTROSPECTION_BYTES - head.length - tail.length;
    const headers = { 'Content-Type': 'application/json' };
    if (declared) headers['Content-Length'] = String(HUGE_INTROSPECTION_BYTES);
    res.writeHead(200, headers);
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let stopped = false;
    const stop = () => {
      stopped = true;
    };
    res.on('close', stop);
    req.socket.on('close', stop);
    res.write(head);
    streamed.bytes += head.length;
    let left = padBytes;
    const pump = () => {
      while (!stopped && left > 0) {
        const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
        left -= piece.length;
        streamed.bytes += piece.length;
        if (!res.write(piece)) {
          res.once('drain', pump);
          return;
        }
      }
      if (!stopped) {
        streamed.bytes += tail.length;
        res.end(tail);
      }
    };
    pump();
  };

  const respond = (req, res, record, entry) => {
    const fault = state.fault ?? entry.fault ?? 'ok';
    const delayMs = state.delayMs ?? entry.delayMs;
    const bodyOf = () => (typeof entry.body === 'function' ? entry.body(record) : entry.body);
    const now = (fn) => {
      const wait = fault === 'slow' ? (delayMs ?? 1000) : (delayMs ?? 0);
      if (wait > 0) later(fn, wait);
      else fn();
    };
    if (fault === 'hang') return;
    if (typeof fault === 'number') {
      now(() => {
        if (fault >= 300 && fault < 400) {
          if (res.destroyed) return;
          res.writeHead(fault, { Location: `${origin}${REDIRECTED_PATH}`, 'Content-Length': '0' });
          res.end();
        } else if (fault === 401) sendJson(res, 401, { error: 'invalid_client' }, { 'WWW-Authenticate': 'Basic realm="introspection"' });
        else if (fault === 400) sendJson(res, 400, { error: 'invalid_request' });
        else sendJson(res, fault, { error: `status ${fault}` });
      });
      return;
    }
    switch (fault) {
      case 'ok':
      case 'slow':
        now(() => sendJson(res, 200, bodyOf()));
        return;
      case 'invalidJson':
        now(() => sendJson(res, 200, '{"active": true, '));
        return;
      case 'notObject':
        now(() => sendJson(res, 200, JSON.stringify('notObjectBody' in entry ? entry.notObjectBody : state.notObjectBody)));
        return;
      case 'huge':
      case 'hugeChunked':
        now(() => streamHuge(req, res, fault === 'huge'));
        return;
      case 'drip': {
        const body = Buffer.from(JSON.stringify(bodyOf()));
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(body.length) });
        let offset = 0;
        const tick = () => {
          if (res.destroyed) return;
          if (offset >= body.length) {
            res.end();
            return;
          }
          res.write(body.subarray(offset, offset + 1));
          offset += 1;
          later(tick, delayMs ?? 100);
        };
        tick();
        return;
      }
      case 'reset':
        req.socket.destroy();
        return;
      default:
        throw new Error(`unknown fault ${String(fault)}`);
    }
  };

  const introspect = (path) => async (req, res) => {
    // `record: false` (floods): count only; also drop the entry http-server.mjs has just pushed for
    // this request (synchronously before calling this route), so memory stays flat.
    if (!state.record) srv.requests.pop();
    const rawBody = await readBody(req);
    const params = new URLSearchParams(rawBody);
    const client = presentedClient(req, params);
    const record = {
      at: Date.now(),
      method: req.method,
      path,
      headers: { ...req.headers },
      contentType: req.headers['content-type'],
      accept: req.headers.accept,
      authorization: req.headers.authorization,
      rawBody,
      form: Object.fromEntries(params),
      formKeys: [...params.keys()],
      token: params.get('token') ?? undefined,
      client,
    };
    callCount += 1;
    if (state.record) introspections.push(record);
    if (req.method !== 'POST') {
      sendJson(res, 405, { error: 'invalid_request', error_description: 'POST only' }, { Allow: 'POST' });
      return;
    }
    if (!authenticate(client)) {
      if (client.status === 400) sendJson(res, 400, { error: 'invalid_request', error_description: client.error });
      else {
        client.error ??= 'unknown client or wrong secret';
        sendJson(res, 401, { error: 'invalid_client' }, { 'WWW-Authenticate': 'Basic realm="introspection"' });
      }
      return;
    }
    if (record.token === undefined) {
      sendJson(res, 400, { error: 'invalid_request', error_description: 'no token' });
      return;
    }
    const scripted = script.get(record.token);
    respond(req, res, record, scripted ?? { body: state.defaultAnswer });
  };

  srv.route(metadataPath, (req, res) => sendJson(res, 200, published()));
  srv.route(JWKS_PATH, (req, res) => sendJson(res, 200, { keys: keys ? [keys.rsa.jwk, keys.ec.jwk] : [] }));
  srv.route(INTROSPECT_PATH, introspect(INTROSPECT_PATH));
  srv.route(ALT_INTROSPECT_PATH, introspect(ALT_INTROSPECT_PATH));
  srv.route(REDIRECTED_PATH, (req, res) => {
    redirected += 1;
    sendJson(res, 200, { active: true, scope: 'read write' });
  });

  const countPath = (path) => srv.requests.filter((r) => r.url.split('?')[0] === path).length;

  const token = (claims, { key = 'rsa', header = {}, signer } = {}) => {
    const { alg, kid } = keys[key];
    return signJws(keys[signer ?? key].keyObject, alg, { alg, kid, ...header }, claims);
  };

  return {
    origin,
    issuer: origin,
    port: srv.port,
    keys,
    metadataUrl: `${origin}${metadataPath}`,
    jwksUri: `${origin}${JWKS_PATH}`,
    introspectionEndpoint: `${origin}${INTROSPECT_PATH}`,
    altEndpoint: `${origin}${ALT_INTROSPECT_PATH}`,
    /** Every introspection request received (both paths), in order (live array). */
    introspections,
    /** Every HTTP request received: `{ method, url, headers }` (live array). */
    requests: srv.requests,
    /** Introspection requests received (both paths); with `token`, the recorded ones for that token. */
    calls: (forToken) => (forToken === undefined ? callCount : introspections.filter((r) => r.token === forToken).length),
    count: (what) => ({ metadata: countPath(metadataPath), jwks: countPath(JWKS_PATH), introspect: countPath(INTROSPECT_PATH), alt: countPath(ALT_INTROSPECT_PATH), redirected })[what],
    /** Body bytes written by the 'huge' faults so far. */
    streamed: () => streamed.bytes,
    token,
    /** The metadata document as published now (snake_case). */
    metadata: published,
    /** Resolved config for MCPAuth (`{ metadata, type }`, camelCase, `overrides` merged). */
    resolved: (overrides = {}) => ({ metadata: { ...camelKeys(published()), ...overrides }, type }),
    /** Discovery config for MCPAuth (`{ issuer, type }`). */
    discovery: () => ({ issuer: origin, type }),
    /** Scripts the answer for `forToken`: `body` (object or `(record) => body`), optional `{ fault, delayMs, notObjectBody }`. */
    answer(forToken, body, options = {}) {
      script.set(forToken, { body, ...options });
      return this;
    },
    forget(forToken) {
      script.delete(forToken);
    },
    setDefault(body) {
      state.defaultAnswer = body;
      return this;
    },
    setClients(list) {
      state.clients = list;
      return this;
    },
    /**
     * `{ fault, delayMs, notObjectBody, metadataExtra, metadataOmit, record }`; `fault: undefined` back to the
     * script; `record: false` keeps no request records (only the count `calls()`), for floods.
     */
    set(changes) {
      Object.assign(state, changes);
      return this;
    },
    reset() {
      Object.assign(state, initial());
      script.clear();
      introspections.length = 0;
      callCount = 0;
      srv.reset();
      streamed.bytes = 0;
      redirected = 0;
    },
    ...outageControls(srv, timers),
  };
};
