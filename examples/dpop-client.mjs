// The client side of DPoP (RFC 9449) for the examples, on `jose`: a key pair, proofs, and a `fetch`
// for an MCP SDK client that gets DPoP-bound tokens and presents them.
//
//   import { DpopKey, dpopFetch } from './dpop-client.mjs';
//   const key = await DpopKey.generate();              // ES256 by default
//   const transport = new StreamableHTTPClientTransport(new URL(resource), { authProvider, fetch: dpopFetch(key) });
//
// `dpopFetch(key)` watches what the SDK fetches: it learns the token endpoint from the
// authorization server metadata the SDK discovers, adds a proof (`htm` POST, `htu` the token
// endpoint) to every token request, so the authorization server binds the access token to the key
// (`token_type: 'DPoP'`, `cnf.jkt` = the key's thumbprint), and remembers the tokens it binds. A
// request the SDK sends with `Authorization: Bearer <one of those tokens>` leaves as
// `Authorization: DPoP <token>` with a fresh proof (`htm`, `htu`, `iat`, a random `jti`, and `ath`
// = base64url(SHA-256(token))). Server-provided nonces (`use_dpop_nonce`) are not handled: the
// local IdP and mcp-auth-rs ask for none.
import crypto from 'node:crypto';
import * as jose from 'jose';

/** base64url(SHA-256(`text`)): a proof's `ath` for an access token. */
export const accessTokenHash = (text) => crypto.createHash('sha256').update(text).digest('base64url');

/** A proof's `htu`: the request URL without query and fragment. */
export const htuOf = (url) => {
  const htu = new URL(url);
  htu.search = '';
  htu.hash = '';
  return htu.href;
};

/** A DPoP key pair: `publicJwk`, its RFC 7638 SHA-256 `thumbprint`, and `proof(...)`. */
export class DpopKey {
  /** A new key pair for `alg` (ES256, EdDSA, RS256, PS256, ...). */
  static async generate(alg = 'ES256') {
    const { privateKey, publicKey } = await jose.generateKeyPair(alg);
    const publicJwk = await jose.exportJWK(publicKey);
    return new DpopKey(alg, privateKey, publicJwk, await jose.calculateJwkThumbprint(publicJwk, 'sha256'));
  }

  constructor(alg, privateKey, publicJwk, thumbprint) {
    this.alg = alg;
    this.privateKey = privateKey;
    this.publicJwk = publicJwk;
    this.thumbprint = thumbprint;
  }

  /** A fresh proof for one request; `accessToken` adds `ath` (for a resource server). */
  proof({ method, url, accessToken }) {
    return new jose.SignJWT({
      htm: method.toUpperCase(),
      htu: htuOf(url),
      jti: crypto.randomUUID(),
      ...(accessToken ? { ath: accessTokenHash(accessToken) } : {}),
    })
      .setProtectedHeader({ typ: 'dpop+jwt', alg: this.alg, jwk: this.publicJwk })
      .setIssuedAt()
      .sign(this.privateKey);
  }
}

const METADATA_PATHS = ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration'];

/**
 * A `fetch` for the MCP SDK's client transport (`fetch` option) that does the client side of DPoP
 * with `key`. `onExchange({ kind, url, method, headers, body, proof, response })` observes each
 * request it adds a proof to (`kind`: 'token' or 'resource'; `headers` as sent).
 */
export const dpopFetch = (key, { fetch: baseFetch = globalThis.fetch, onExchange } = {}) => {
  const tokenEndpoints = new Set();
  const boundTokens = new Set();
  return async (input, init = {}) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = (init.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    const headers = new Headers(init.headers ?? (input instanceof Request ? input.headers : undefined));
    const [scheme, token] = (headers.get('authorization') ?? '').split(' ');

    let kind;
    if (method === 'POST' && tokenEndpoints.has(htuOf(url))) {
      kind = 'token';
      headers.set('DPoP', await key.proof({ method, url }));
    } else if (scheme?.toLowerCase() === 'bearer' && boundTokens.has(token)) {
      kind = 'resource';
      headers.set('Authorization', `DPoP ${token}`);
      headers.set('DPoP', await key.proof({ method, url, accessToken: token }));
    }
    const response = await baseFetch(input, { ...init, method, headers });

    if (response.ok && METADATA_PATHS.some((path) => url.pathname.startsWith(path))) {
      const metadata = await response.clone().json().catch(() => ({}));
      if (typeof metadata.token_endpoint === 'string') tokenEndpoints.add(htuOf(metadata.token_endpoint));
    }
    if (kind === 'token' && response.ok) {
      const tokens = await response.clone().json().catch(() => ({}));
      if (/^dpop$/i.test(tokens.token_type ?? '') && tokens.access_token) boundTokens.add(tokens.access_token);
    }
    if (kind) onExchange?.({ kind, url, method, headers, body: init.body, proof: headers.get('DPoP'), response });
    return response;
  };
};
