// The fake authorization server of the tests, the benchmark (bench/) and the soak script
// (scripts/soak.mjs), on 127.0.0.1 (ephemeral port), built on http-server.mjs:
//   - metadata: RFC 8414 at `/.well-known/oauth-authorization-server` (or, with `type: 'oidc'`,
//     OpenID Connect discovery at `/.well-known/openid-configuration`; never both, so a client
//     looking for the other document gets a 404);
//   - a JWKS at `/jwks` (the `keys` of tokens.mjs `createKeys()`, or any document `jwks()` returns);
//   - a token endpoint at `/token` (client credentials grant: `client_id` becomes `sub`,
//     `resource` the audience, `scope` the scope) and `token(claims)` to mint tokens in-process,
//     both signed with its keys;
//   - request counts per endpoint, and faults on demand for the metadata and JWKS endpoints.
//
//   const as = await startAuthServer({ keys });          // keys from tokens.mjs createKeys()
//   as.issuer, as.metadataUrl, as.jwksUri                // as.issuer = as.origin
//   as.resolved() / as.discovery()                       // MCPAuth authorization-server configs
//   as.camelMetadata()                                   // its document, camelCase (without set's changes)
//   as.token(claims, { key: 'ec', header, signer })      // compact JWS, synchronous (node:crypto)
//   as.set({ metadata: fault, jwks: fault, delayMs, metadataExtra: {...}, metadataOmit: ['jwks_uri'] })
//   as.rotate()                                          // the JWKS also publishes keys.next
//   as.count('jwks'), as.counts(), as.requests, as.streamed('jwks')
//   as.reset()                                           // no faults, keys unrotated, counts 0
//   await as.goDown(); await as.comeBack();              // connection refused, then the same port again
//   await as.close();
//
// Faults (`as.set({ metadata: fault })`, `as.set({ jwks: fault })`):
//   'ok'           the document
//   'hang'         never answers (the connection stays open until close)
//   'slow'         the document after `delayMs` (default 1000)
//   'drip'         200 + Content-Length of the full document, then one byte per second
//   a status       3xx: a redirect to /elsewhere (a 404); any other: that status with a small JSON body
//   'invalidJson'  200 with a body that is not JSON
//   'wrongShape'   200 with valid JSON of the wrong shape (metadata `{"hello":"world"}`,
//                  JWKS `{"keys":"not-an-array"}`)
//   'huge'         200, chunked (no Content-Length), a 50 MB body streamed with backpressure
//   'hugeDeclared' 200 with `Content-Length: 52428800`, then the same stream
//   'redirectLoop' 302 to itself (with a growing `?hop=` query) for ever
//   'reset'        the connection is destroyed before any answer
//   'resetMidBody' 200 + Content-Length of the full document, half the body, then a TCP reset
// A document that lacks a member is `metadataOmit` (e.g. `['jwks_uri']`, or
// `['code_challenge_methods_supported']` for no PKCE); `metadataExtra` adds or replaces members.

import { outageControls, startHttpServer } from './http-server.mjs';
import { camelKeys, snakeMetadata } from './fixtures.mjs';
import { nowSeconds, signJws } from './tokens.mjs';

const OAUTH_METADATA_PATH = '/.well-known/oauth-authorization-server';
const OIDC_METADATA_PATH = '/.well-known/openid-configuration';
const JWKS_PATH = '/jwks';
const TOKEN_PATH = '/token';
export const HUGE_BYTES = 50 * 1024 * 1024;

const WRONG_SHAPE = { metadata: { hello: 'world' }, jwks: { keys: 'not-an-array' } };

/**
 * `keys`: `createKeys()` keys (JWKS `[rsa, ec]`, plus `next` after `rotate()`; signing for
 * `token()` and `/token`). `jwks`: a function returning the JWKS document instead. `type`: 'oauth'
 * or 'oidc'. `keepAlive: false`: every answer carries `Connection: close`.
 */
export const startAuthServer = async ({ keys, jwks, type = 'oauth', keepAlive = true } = {}) => {
  const srv = await startHttpServer({}, { keepAlive });
  const { origin } = srv;
  const metadataPath = type === 'oidc' ? OIDC_METADATA_PATH : OAUTH_METADATA_PATH;
  const paths = { metadata: metadataPath, jwks: JWKS_PATH };
  const initial = () => ({ metadata: 'ok', jwks: 'ok', delayMs: 1000, metadataExtra: {}, metadataOmit: [], rotated: false });
  const state = initial();
  const streamed = { metadata: 0, jwks: 0 };
  const timers = new Set();

  // fixtures.mjs's snakeMetadata without its optional members scopes_supported and grant_types_supported.
  const { scopes_supported: _scopes, grant_types_supported: _grants, ...baseMetadata } = snakeMetadata(origin);
  const published = () => {
    const out = { ...baseMetadata, ...state.metadataExtra };
    for (const key of state.metadataOmit) delete out[key];
    return out;
  };
  const publishedKeys = () => {
    if (jwks) return jwks();
    if (!keys) return { keys: [] };
    return { keys: [keys.rsa.jwk, keys.ec.jwk, ...(state.rotated ? [keys.next.jwk] : [])] };
  };
  const documents = { metadata: published, jwks: publishedKeys };

  const later = (fn, ms) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  const sendJson = (res, status, body) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) });
    res.end(text);
  };

  // 50 MB of JSON whitespace, written with backpressure until done or the client goes away.
  const streamHuge = (endpoint, req, res, declared) => {
    const headers = { 'Content-Type': 'application/json' };
    if (declared) headers['Content-Length'] = String(HUGE_BYTES);
    res.writeHead(200, headers);
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    let stopped = false;
    const stop = () => {
      stopped = true;
    };
    res.on('close', stop);
    req.socket.on('close', stop);
    const pump = () => {
      while (!stopped && sent < HUGE_BYTES) {
        sent += chunk.length;
        streamed[endpoint] += chunk.length;
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
      if (!stopped) res.end();
    };
    pump();
  };

  const handler = (endpoint) => (req, res) => {
    const fault = state[endpoint];
    const document = documents[endpoint]();
    if (typeof fault === 'number') {
      if (fault >= 300 && fault < 400) {
        res.writeHead(fault, { Location: `${origin}/elsewhere`, 'Content-Length': '0' });
        res.end();
      } else sendJson(res, fault, { error: `status ${fault}` });
      return;
    }
    switch (fault) {
      case 'ok':
        sendJson(res, 200, document);
        return;
      case 'hang':
        return;
      case 'slow':
        later(() => {
          if (!res.destroyed && !res.writableEnded) sendJson(res, 200, document);
        }, state.delayMs);
        return;
      case 'drip': {
        const body = Buffer.from(JSON.stringify(document));
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(body.length) });
        let offset = 0;
        const tick = () => {
          if (res.destroyed || offset >= body.length) return;
          res.write(body.subarray(offset, offset + 1));
          offset += 1;
          later(tick, 1000);
        };
        tick();
        return;
      }
      case 'invalidJson':
        sendJson(res, 200, '{"not": json ');
        return;
      case 'wrongShape':
        sendJson(res, 200, WRONG_SHAPE[endpoint]);
        return;
      case 'huge':
      case 'hugeDeclared':
        streamHuge(endpoint, req, res, fault === 'hugeDeclared');
        return;
      case 'redirectLoop': {
        const hop = Number(new URL(req.url, origin).searchParams.get('hop') ?? 0) + 1;
        res.writeHead(302, { Location: `${paths[endpoint]}?hop=${hop}`, 'Content-Length': '0' });
        res.end();
        return;
      }
      case 'reset':
        req.socket.destroy();
        return;
      case 'resetMidBody': {
        const body = Buffer.from(JSON.stringify(document));
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(body.length) });
        res.write(body.subarray(0, body.length >> 1));
        later(() => req.socket.resetAndDestroy?.() ?? req.socket.destroy(), 50);
        return;
      }
      default:
        throw new Error(`unknown fault ${String(fault)}`);
    }
  };

  /** A compact JWS of `claims`: header `{ alg, kid }` of `keys[key]` (merged with `header`), signed by `keys[signer ?? key]`. */
  const token = (claims, { key = 'rsa', header = {}, signer } = {}) => {
    const { alg, kid } = keys[key];
    return signJws(keys[signer ?? key].keyObject, alg, { alg, kid, ...header }, claims);
  };

  // The client credentials grant of RFC 6749, with a resource indicator (RFC 8707).
  const tokenEndpoint = (req, res) => {
    let form = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      form += chunk;
    });
    req.on('end', () => {
      const params = new URLSearchParams(form);
      if (req.method !== 'POST' || params.get('grant_type') !== 'client_credentials') {
        sendJson(res, 400, { error: 'unsupported_grant_type' });
        return;
      }
      const clientId = params.get('client_id') ?? 'client';
      const now = nowSeconds();
      const claims = { iss: origin, sub: clientId, client_id: clientId, aud: params.get('resource') ?? undefined, scope: params.get('scope') ?? undefined, iat: now, exp: now + 300 };
      sendJson(res, 200, { access_token: token(claims), token_type: 'Bearer', expires_in: 300 });
    });
  };

  srv.route(metadataPath, handler('metadata'));
  srv.route(JWKS_PATH, handler('jwks'));
  srv.route(TOKEN_PATH, tokenEndpoint);

  const count = (endpoint) => srv.requests.filter((r) => r.url.split('?')[0] === paths[endpoint]).length;

  return {
    origin,
    issuer: origin,
    port: srv.port,
    keys,
    metadataUrl: `${origin}${metadataPath}`,
    jwksUri: `${origin}${JWKS_PATH}`,
    tokenEndpoint: `${origin}${TOKEN_PATH}`,
    /** Every request received: `{ method, url, headers }` (live array). */
    requests: srv.requests,
    camelMetadata: () => camelKeys(baseMetadata),
    token,
    /** Resolved config for MCPAuth (`{ metadata, type }`, camelCase, `overrides` merged over the metadata). */
    resolved: (overrides = {}) => ({ metadata: { ...camelKeys(baseMetadata), ...overrides }, type }),
    /** Discovery config for MCPAuth (`{ issuer, type }`). */
    discovery: () => ({ issuer: origin, type }),
    set(changes) {
      Object.assign(state, changes);
      return this;
    },
    rotate() {
      state.rotated = true;
    },
    count,
    counts: () => ({
      metadata: count('metadata'),
      jwks: count('jwks'),
      other: srv.requests.filter((r) => !Object.values(paths).includes(r.url.split('?')[0])).length,
    }),
    /** Body bytes written by the 'huge' faults of `endpoint` so far. */
    streamed: (endpoint) => streamed[endpoint],
    reset() {
      Object.assign(state, initial());
      srv.reset();
      streamed.metadata = 0;
      streamed.jwks = 0;
    },
    ...outageControls(srv, timers),
  };
};
