// A misbehaving authorization server for the hardening suites: RFC 8414 metadata at
// `/.well-known/oauth-authorization-server` and a JWKS at `/jwks` on 127.0.0.1, each endpoint with
// a switchable fault. Built on `metadata-server.mjs` (request recording, `close()` destroys open
// connections).
//
//   const fs = await startFaultServer({ jwks: () => ({ keys: [...] }) });
//   fs.set('metadata', 'hang');        // or fs.set('jwks', 'drip'), …
//   fs.count('jwks')                   // requests received on that endpoint
//   fs.streamed('jwks')                // body bytes written by the 'huge' fault so far
//   await fs.goDown(); await fs.comeBack();   // connection refused, then listening again (same port)
//   await fs.close();
//
// Faults (`fs.set(endpoint, fault)`):
//   'ok'          the document (metadata: RFC 8414 with jwks_uri; jwks: the `jwks()` option)
//   'hang'        never answers (connection kept open until close)
//   'drip'        200 + Content-Length of the full document, then one byte per second
//   500 / 404     that status with a small JSON body
//   'invalidJson' 200 with a body that is not JSON
//   'wrongShape'  200 with valid JSON of the wrong shape (metadata: `{"hello":"world"}`,
//                 jwks: `{"keys":"not-an-array"}`)
//   'huge'        200, chunked (no Content-Length), a 50 MB body streamed with backpressure
//   'hugeDeclared' 200 with `Content-Length: 52428800`, then the same stream
//   'redirectLoop' 302 to itself (with a growing `?hop=` query) for ever
//   'resetMidBody' 200 + Content-Length of the full document, half the body, then a TCP reset

import { startMetadataServer } from './metadata-server.mjs';

export const METADATA_PATH = '/.well-known/oauth-authorization-server';
export const JWKS_PATH = '/jwks';
export const HUGE_BYTES = 50 * 1024 * 1024;

const ENDPOINTS = { metadata: METADATA_PATH, jwks: JWKS_PATH };

export const startFaultServer = async ({ jwks = () => ({ keys: [] }), metadataExtra = {} } = {}) => {
  const srv = await startMetadataServer();
  const origin = srv.origin;
  const state = { metadata: 'ok', jwks: 'ok' };
  const streamed = { metadata: 0, jwks: 0 };
  const timers = new Set();

  const documents = {
    metadata: () => ({
      issuer: origin,
      authorization_endpoint: `${origin}/authorize`,
      token_endpoint: `${origin}/token`,
      jwks_uri: `${origin}${JWKS_PATH}`,
      registration_endpoint: `${origin}/register`,
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      ...metadataExtra,
    }),
    jwks,
  };
  const wrongShape = { metadata: { hello: 'world' }, jwks: { keys: 'not-an-array' } };

  const sendJson = (res, status, body) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) });
    res.end(text);
  };

  const later = (fn, ms) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
    return timer;
  };

  // 50 MB of JSON-ish filler, written with backpressure until done or the client goes away.
  const streamHuge = (endpoint, req, res, declared) => {
    const headers = { 'Content-Type': 'application/json' };
    if (declared) headers['Content-Length'] = String(HUGE_BYTES);
    res.writeHead(200, headers);
    const chunk = Buffer.alloc(64 * 1024, 0x20); // spaces: valid JSON whitespace
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
    switch (fault) {
      case 'ok':
        sendJson(res, 200, document);
        return;
      case 'hang':
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
      case 500:
      case 404:
        sendJson(res, fault, { error: `status ${fault}` });
        return;
      case 'invalidJson':
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '13' });
        res.end('{"not": json ');
        return;
      case 'wrongShape':
        sendJson(res, 200, wrongShape[endpoint]);
        return;
      case 'huge':
      case 'hugeDeclared':
        streamHuge(endpoint, req, res, fault === 'hugeDeclared');
        return;
      case 'redirectLoop': {
        const hop = Number(new URL(req.url, origin).searchParams.get('hop') ?? 0) + 1;
        res.writeHead(302, { Location: `${ENDPOINTS[endpoint]}?hop=${hop}`, 'Content-Length': '0' });
        res.end();
        return;
      }
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

  srv.route(METADATA_PATH, handler('metadata'));
  srv.route(JWKS_PATH, handler('jwks'));

  const count = (endpoint) => srv.requests.filter((r) => r.url.split('?')[0] === ENDPOINTS[endpoint]).length;
  let down = false;

  return {
    origin,
    issuer: origin,
    port: srv.port,
    metadataUrl: `${origin}${METADATA_PATH}`,
    jwksUri: `${origin}${JWKS_PATH}`,
    requests: srv.requests,
    metadata: documents.metadata,
    /** Resolved config (`{ metadata, type: 'oauth' }`), camelCase, pointing at this server. */
    resolved: () => ({
      metadata: {
        issuer: origin,
        authorizationEndpoint: `${origin}/authorize`,
        tokenEndpoint: `${origin}/token`,
        jwksUri: `${origin}${JWKS_PATH}`,
        registrationEndpoint: `${origin}/register`,
        responseTypesSupported: ['code'],
        codeChallengeMethodsSupported: ['S256'],
      },
      type: 'oauth',
    }),
    discovery: () => ({ issuer: origin, type: 'oauth' }),
    set(endpoint, fault) {
      state[endpoint] = fault;
      return this;
    },
    count,
    streamed: (endpoint) => streamed[endpoint],
    reset() {
      srv.reset();
      streamed.metadata = 0;
      streamed.jwks = 0;
    },
    /** Stops listening and drops every connection: new connections are refused. */
    async goDown() {
      if (down) return;
      down = true;
      await srv.close();
    },
    /** Listens again on the same port. */
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
