// A real authorization server issuing DPoP-bound access tokens (RFC 9449), for the DPoP tests
// (__test__/dpop.test.mjs). Built on `oidc-provider` (v9), bound to 127.0.0.1 on an ephemeral port
// (examples/local-idp.mjs's `listenOnLoopback`), with:
//   - features.dPoP (RFC 9449: the token endpoint accepts a `DPoP` proof header and binds the token
//     it issues to the proof's key), features.clientCredentials, features.introspection (RFC 7662),
//     features.resourceIndicators (RFC 8707) for the one or more resources given;
//   - `jwt-app` (confidential, client_credentials): tokens for a resource are RS256 JWT access
//     tokens (RFC 9068, `typ: at+jwt`, `aud` = the resource, `sub` = `client_id` = 'jwt-app');
//   - `opaque-app` (confidential, client_credentials): tokens for a resource are opaque (`aud` =
//     the resource in their introspection answer);
//   - `rsClient`: a confidential resource-server client (client_secret_basic) allowed to introspect
//     every client's tokens.
//
// What oidc-provider does with DPoP (checked by __test__/dpop.test.mjs part 0): a token request
// carrying a valid proof (`htm` POST, `htu` = the token endpoint, fresh `iat`, unique `jti`) gets
// `token_type: 'DPoP'` and a token bound to the proof key: a JWT access token carries
// `cnf: { jkt: <RFC 7638 thumbprint> }`; the introspection answer of a bound opaque token carries
// `cnf: { jkt }` and `token_type: 'DPoP'`. Without a proof: `token_type: 'Bearer'`, no `cnf`.
// oidc-provider refuses to introspect JWT access tokens (400 unsupported_token_type).
//
//   import { startDpopIdp } from './helpers/dpop-idp.mjs';
//   import { createDpopKey } from './helpers/dpop.mjs';
//   const idp = await startDpopIdp({ resource: 'http://127.0.0.1:3001/mcp' });
//   const key = await createDpopKey();
//   await idp.getDpopJwt(key, 'read');        // JWT, cnf.jkt = key.thumbprint
//   await idp.getDpopOpaque(key, 'read');     // opaque, bound (introspection: cnf.jkt, token_type DPoP)
//   await idp.getBearerJwt('read');           // JWT, unbound
//   await idp.getBearerOpaque('read');        // opaque, unbound
//   await idp.introspect(token);              // { status, json } as the resource server gets it
//   await idp.close();

import http from 'node:http';
import crypto from 'node:crypto';
import * as jose from 'jose';
import Provider, { errors } from 'oidc-provider';
import { listenOnLoopback } from '../../examples/local-idp.mjs';
import { dpopProof } from './dpop.mjs';

const TIMEOUT_MS = 10_000;

const toList = (value) => {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? [...value] : [value];
};

const basic = (id, secret) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

/**
 * Starts the provider.
 *
 * @param {object} options
 * @param {string|string[]} options.resource resource indicator(s) tokens are issued for (the first
 *   is the default of the token helpers); requests naming another one get `invalid_target`.
 * @param {string[]} [options.scopes=['read','write']]
 * @param {number} [options.ttl=600] access-token lifetime (s)
 * @param {number} [options.port=0]
 */
export async function startDpopIdp({ resource, scopes = ['read', 'write'], ttl = 600, port = 0 } = {}) {
  const resources = toList(resource);
  if (resources.length === 0) throw new TypeError('startDpopIdp needs a resource');
  const scopeList = [...new Set(scopes)];
  const resourceScope = scopeList.join(' ');

  const kid = `dpop-idp-${crypto.randomBytes(6).toString('hex')}`;
  const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
  const privateJwk = { ...(await jose.exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };

  const rsClient = { clientId: 'mcp-resource-server', clientSecret: crypto.randomBytes(24).toString('base64url') };
  const jwtClient = { clientId: 'jwt-app', clientSecret: crypto.randomBytes(24).toString('base64url') };
  const opaqueClient = { clientId: 'opaque-app', clientSecret: crypto.randomBytes(24).toString('base64url') };

  const server = http.createServer();
  const { port: boundPort, close } = await listenOnLoopback(server, port);
  const issuer = `http://127.0.0.1:${boundPort}`;

  const tokenClient = (client) => ({
    client_id: client.clientId,
    client_secret: client.clientSecret,
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    scope: resourceScope,
  });

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: rsClient.clientId,
        client_secret: rsClient.clientSecret,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: [],
        response_types: [],
        redirect_uris: [],
      },
      tokenClient(jwtClient),
      tokenClient(opaqueClient),
    ],
    jwks: { keys: [privateJwk] },
    cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
    scopes: ['openid', ...scopeList],
    claims: { openid: ['sub'] },
    // The authorization code flow with PKCE is advertised (MCPAuth refuses metadata without it; no
    // client of this IdP uses it).
    responseTypes: ['code'],
    pkce: { required: () => true },
    // oidc-provider's default accepts ES256 and EdDSA proofs only; the tests bind RSA and ES384 keys too.
    enabledJWA: { dPoPSigningAlgValues: ['ES256', 'ES384', 'EdDSA', 'Ed25519', 'RS256', 'PS256'] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // The resource-server client may introspect every client's tokens (the default policy allows
      // it too, with a console notice).
      introspection: { enabled: true, allowedPolicy: async (_ctx, client) => client.clientId === rsClient.clientId },
      dPoP: { enabled: true },
      resourceIndicators: {
        enabled: true,
        async defaultResource() {
          return resources[0];
        },
        async useGrantedResource() {
          return true;
        },
        async getResourceServerInfo(_ctx, indicator, client) {
          if (!resources.includes(indicator)) throw new errors.InvalidTarget();
          const jwt = client?.clientId === jwtClient.clientId;
          return {
            scope: resourceScope,
            audience: indicator,
            accessTokenTTL: ttl,
            ...(jwt ? { accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256', kid } } } : { accessTokenFormat: 'opaque' }),
          };
        },
      },
    },
    async findAccount(_ctx, sub) {
      return { accountId: sub, async claims() { return { sub }; } };
    },
    async renderError(ctx, out) {
      ctx.type = 'json';
      ctx.body = out;
    },
    ttl: {
      AccessToken: ttl,
      ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? ttl,
      Grant: 86400,
      Session: 86400,
      Interaction: 600,
      IdToken: 3600,
    },
  });
  server.on('request', provider.callback());

  const metadataRes = await fetch(`${issuer}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  const metadata = await metadataRes.json();
  const tokenEndpoint = metadata.token_endpoint;
  const introspectionEndpoint = metadata.introspection_endpoint;
  if (!tokenEndpoint || !introspectionEndpoint) throw new Error('oidc-provider metadata lacks token or introspection endpoint');

  const postForm = async (url, form, { client, headers: extra = {} } = {}) => {
    const headers = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...extra };
    if (client) headers.authorization = basic(client.clientId, client.clientSecret);
    const res = await fetch(url, { method: 'POST', headers, body: new URLSearchParams(form), signal: AbortSignal.timeout(TIMEOUT_MS) });
    const text = await res.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  };

  const scopeString = (scope) => (Array.isArray(scope) ? scope.join(' ') : (scope ?? resourceScope));

  /** A client_credentials token response; with `key`, the request carries a DPoP proof of it. */
  const clientCredentials = async (client, key, scope, indicator) => {
    const headers = key ? { dpop: await dpopProof(key, { htm: 'POST', htu: tokenEndpoint }) } : {};
    const r = await postForm(tokenEndpoint, { grant_type: 'client_credentials', scope: scopeString(scope), resource: indicator }, { client, headers });
    if (r.status !== 200) throw new Error(`client_credentials token request failed (${r.status}): ${r.text}`);
    const expected = key ? 'DPoP' : 'Bearer';
    if (r.json.token_type !== expected) throw new Error(`expected token_type ${expected}, got ${r.json.token_type}`);
    return r.json;
  };

  const pick = (response, full) => (full ? response : response.access_token);

  return {
    issuer,
    port: boundPort,
    provider,
    /** The first resource indicator. */
    resource: resources[0],
    resources: [...resources],
    scopes: [...scopeList],
    /** The discovery document (/.well-known/openid-configuration), fetched at start. */
    metadata,
    tokenEndpoint,
    introspectionEndpoint,
    /** The confidential client a resource server introspects with (client_secret_basic). */
    rsClient: { ...rsClient },
    clientIds: { jwt: jwtClient.clientId, opaque: opaqueClient.clientId },

    /** A DPoP-bound RS256 JWT access token (`cnf.jkt` = key.thumbprint). `{ full: true }` → the token response. */
    async getDpopJwt(key, scope, { resource: indicator = resources[0], full = false } = {}) {
      return pick(await clientCredentials(jwtClient, key, scope, indicator), full);
    },
    /** A DPoP-bound opaque access token. */
    async getDpopOpaque(key, scope, { resource: indicator = resources[0], full = false } = {}) {
      return pick(await clientCredentials(opaqueClient, key, scope, indicator), full);
    },
    /** An unbound (Bearer) RS256 JWT access token. */
    async getBearerJwt(scope, { resource: indicator = resources[0], full = false } = {}) {
      return pick(await clientCredentials(jwtClient, undefined, scope, indicator), full);
    },
    /** An unbound (Bearer) opaque access token. */
    async getBearerOpaque(scope, { resource: indicator = resources[0], full = false } = {}) {
      return pick(await clientCredentials(opaqueClient, undefined, scope, indicator), full);
    },
    /** A raw token request (for checking what the IdP refuses): `{ status, json, text }`. */
    async tokenRequest({ client = 'jwt', scope, resource: indicator = resources[0], headers = {} } = {}) {
      const c = client === 'opaque' ? opaqueClient : jwtClient;
      return postForm(tokenEndpoint, { grant_type: 'client_credentials', scope: scopeString(scope), resource: indicator }, { client: c, headers });
    },
    /** Introspects `token` as the resource server does (rsClient, client_secret_basic). */
    async introspect(token) {
      return postForm(introspectionEndpoint, { token, token_type_hint: 'access_token' }, { client: rsClient });
    },
    close,
  };
}
