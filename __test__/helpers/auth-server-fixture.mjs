// An authorization-server fixture for the differential bearer/router tests: RFC 8414 metadata at
// `/.well-known/oauth-authorization-server` and a JWKS at `/jwks`, on 127.0.0.1 (ephemeral port),
// counting requests per path, with switchable behaviours. Built on `metadata-server.mjs`.
//
//   const as = await startAuthServer(keys);          // keys from tokens.mjs createKeys()
//   as.issuer                                         // = as.origin (http://127.0.0.1:PORT)
//   as.camelMetadata() / as.snakeMetadata()           // the metadata it serves (resolved config)
//   as.set({ jwks: 500 | 302 | 'slow' | 'reset' | 'invalid' | 'notJson' | 'ok', jwksDelayMs,
//            metadata: 503 | 'noJwksUri' | 'noPkce' | 'reset' | 'ok',
//            metadataExtra: {...}, metadataOmit: ['registration_endpoint', …] })
//   as.rotate()                                       // JWKS now also publishes keys.next
//   as.counts()                                       // { metadata, jwks, other }
//   as.reset()                                        // behaviours back to 'ok', keys unrotated, counts 0

import { startMetadataServer } from './metadata-server.mjs';

export const METADATA_PATH = '/.well-known/oauth-authorization-server';
export const JWKS_PATH = '/jwks';

export const startAuthServer = async (keys) => {
  const initial = () => ({ jwks: 'ok', jwksDelayMs: 1000, metadata: 'ok', metadataExtra: {}, metadataOmit: [], rotated: false });
  const state = initial();
  const srv = await startMetadataServer();
  const origin = srv.origin;

  const snakeMetadata = () => ({
    issuer: origin,
    authorization_endpoint: `${origin}/authorize`,
    token_endpoint: `${origin}/token`,
    jwks_uri: `${origin}${JWKS_PATH}`,
    registration_endpoint: `${origin}/register`,
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
  });
  const camelMetadata = () => ({
    issuer: origin,
    authorizationEndpoint: `${origin}/authorize`,
    tokenEndpoint: `${origin}/token`,
    jwksUri: `${origin}${JWKS_PATH}`,
    registrationEndpoint: `${origin}/register`,
    responseTypesSupported: ['code'],
    codeChallengeMethodsSupported: ['S256'],
  });
  const jwks = () => ({ keys: [keys.rsa.jwk, keys.ec.jwk, ...(state.rotated ? [keys.next.jwk] : [])] });

  const sendJson = (res, status, body, statusText) => {
    const text = JSON.stringify(body);
    const headers = { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) };
    if (statusText) res.writeHead(status, statusText, headers);
    else res.writeHead(status, headers);
    res.end(text);
  };

  const published = (body) => {
    const out = { ...body, ...state.metadataExtra };
    for (const key of state.metadataOmit) delete out[key];
    return out;
  };

  srv.route(METADATA_PATH, (req, res) => {
    switch (state.metadata) {
      case 503:
        sendJson(res, 503, { error: 'unavailable' });
        return;
      case 'reset':
        req.socket.destroy();
        return;
      case 'noJwksUri': {
        const { jwks_uri: _, ...rest } = snakeMetadata();
        sendJson(res, 200, published(rest));
        return;
      }
      case 'noPkce': {
        const { code_challenge_methods_supported: _, ...rest } = snakeMetadata();
        sendJson(res, 200, published(rest));
        return;
      }
      default:
        sendJson(res, 200, published(snakeMetadata()));
    }
  });

  srv.route(JWKS_PATH, (req, res) => {
    switch (state.jwks) {
      case 500:
        sendJson(res, 500, { error: 'boom' });
        return;
      case 302:
        res.writeHead(302, { Location: `${origin}/elsewhere`, 'Content-Length': '0' });
        res.end();
        return;
      case 'reset':
        req.socket.destroy();
        return;
      case 'invalid':
        sendJson(res, 200, { notKeys: true });
        return;
      case 'notJson':
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '8' });
        res.end('not json');
        return;
      case 'slow':
        setTimeout(() => {
          if (!res.destroyed && !res.writableEnded) sendJson(res, 200, jwks());
        }, state.jwksDelayMs);
        return;
      default:
        sendJson(res, 200, jwks());
    }
  });

  const countPath = (path) => srv.requests.filter((r) => r.url.split('?')[0] === path).length;

  return {
    origin,
    issuer: origin,
    port: srv.port,
    server: srv,
    metadataUrl: `${origin}${METADATA_PATH}`,
    jwksUri: `${origin}${JWKS_PATH}`,
    snakeMetadata,
    camelMetadata,
    jwks,
    /** Resolved config for MCPAuth (`{ metadata, type: 'oauth' }`). */
    resolved: (overrides = {}) => ({ metadata: { ...camelMetadata(), ...overrides }, type: 'oauth' }),
    /** Discovery config for MCPAuth (`{ issuer, type: 'oauth' }`). */
    discovery: () => ({ issuer: origin, type: 'oauth' }),
    set(changes) {
      Object.assign(state, changes);
      return this;
    },
    rotate() {
      state.rotated = true;
    },
    counts: () => ({
      metadata: countPath(METADATA_PATH),
      jwks: countPath(JWKS_PATH),
      other: srv.requests.filter((r) => ![METADATA_PATH, JWKS_PATH].includes(r.url.split('?')[0])).length,
    }),
    requests: () => srv.requests.map((r) => ({ method: r.method, url: r.url, headers: r.headers })),
    reset() {
      Object.assign(state, initial());
      srv.reset();
    },
    close: () => srv.close(),
  };
};
