// A real authorization server for the resource-server tests: opaque and JWT access tokens for the
// RFC 7662 introspection tests (__test__/introspection-oidc.test.mjs), and with `dpop: true`
// DPoP-bound ones (RFC 9449) for the DPoP tests (__test__/dpop.test.mjs). Built on `oidc-provider`
// (v9), bound to 127.0.0.1 on an ephemeral port, with the set-up it shares with
// examples/local-idp.mjs taken from there (`listenOnLoopback`, the signing key, the auto-consent
// login/consent, the ttl table, the authorization request), and:
//   - features.introspection (RFC 7662, `/token/introspection`), features.revocation (RFC 7009,
//     `/token/revocation`), features.clientCredentials, features.resourceIndicators (RFC 8707);
//   - two confidential resource-server clients (`rsClient`, and `specialRsClient` whose id and
//     secret Basic auth must urlencode; client_secret_basic), the only clients allowed to introspect
//     (`features.introspection.allowedPolicy`); they may introspect the tokens of every other client:
//     oidc-provider v9 authenticates the introspection endpoint with the client's
//     `token_endpoint_auth_method` (there is no separate introspection auth method; the metadata
//     advertises only `token_endpoint_auth_methods_supported`);
//   - token clients using real grants:
//       `opaque-app` (confidential, client_credentials): opaque tokens. Without a resource
//         indicator the token has no `aud`; with `resource` (one of the configured ones) its
//         introspection answer carries `aud` = that resource (oidc-provider's
//         `resourceServer.audience`), still opaque (accessTokenFormat 'opaque' for this client);
//       `jwt-app` (confidential, client_credentials): tokens for a configured resource are RS256
//         JWT access tokens (RFC 9068, `typ: at+jwt`, `aud` = the resource, `sub` = `client_id` =
//         'jwt-app'), verified through the JWKS; oidc-provider refuses to introspect them (400
//         unsupported_token_type);
//       `code-app` (public, PKCE, authorization code through a non-interactive login/consent):
//         opaque tokens carrying `sub` = `accountId`.
//   - an observable introspection endpoint: `introspections` records every HTTP request to it
//     (counted when the request arrives, at the node:http level, before oidc-provider sees it, so
//     refused and failed calls count too), with the request headers, the form parameters (minus
//     the token itself, replaced by its SHA-256), the answer status and the JSON answer.
//
// With `dpop: true` (then a resource is required): features.dPoP, proofs signed with ES256, ES384,
// EdDSA, Ed25519, RS256 or PS256 accepted. What oidc-provider does with DPoP (checked by
// __test__/dpop.test.mjs part 0): a token request carrying a valid proof (`htm` POST, `htu` = the
// token endpoint, fresh `iat`, unique `jti`) gets `token_type: 'DPoP'` and a token bound to the
// proof key: a JWT access token carries `cnf: { jkt: <RFC 7638 thumbprint> }`; the introspection
// answer of a bound opaque token carries `cnf: { jkt }` and `token_type: 'DPoP'`. Without a proof:
// `token_type: 'Bearer'`, no `cnf`.
//
//   import { startResourceIdp, startDpopIdp } from './helpers/resource-idp.mjs';
//   const idp = await startResourceIdp({ resource: 'http://127.0.0.1:3001/mcp', scopes: ['read', 'write'] });
//   const token = await idp.getOpaqueToken('read');            // opaque, client_credentials, no aud
//   await idp.getOpaqueToken('read', { resource: idp.resource }); // opaque, aud = the resource
//   await idp.getOpaqueToken('read', { flow: 'authorization_code' }); // opaque, sub = accountId
//   await idp.getJwtToken('read');                               // RS256 JWT, aud = the resource
//   await idp.getOpaqueToken('read', { ttl: 2, claims: { roles: ['admin'] } }); // lifetime, extra claims
//   await idp.introspect(token)   // the introspection answer, as the resource server gets it
//   await idp.revoke(token);      // RFC 7009 with the issuing client's credentials
//   idp.introspections.count()    // introspection requests seen so far (list() → the records)
//   idp.setIntrospectionDelay(200) // introspection answers wait 200 ms (to make callers overlap)
//   await idp.close();
//
//   const dpopIdp = await startDpopIdp({ resource: 'http://127.0.0.1:3001/mcp' }); // = { dpop: true }
//   const key = await createDpopKey();                 // ./helpers/dpop.mjs
//   await dpopIdp.getDpopJwt(key, 'read');        // JWT, cnf.jkt = key.thumbprint
//   await dpopIdp.getDpopOpaque(key, 'read');     // opaque, bound (introspection: cnf.jkt, token_type DPoP)
//   await dpopIdp.getBearerJwt('read');           // JWT, unbound
//   await dpopIdp.getBearerOpaque('read');        // opaque, unbound, aud = the resource
//   await dpopIdp.tokenRequest({ headers: { dpop: proof } }); // a raw token request: { status, json, text }

import http from 'node:http';
import crypto from 'node:crypto';
import Provider, { errors } from 'oidc-provider';
import {
  authorize,
  autoConsentApp,
  autoConsentOptions,
  findAccount,
  generateSigningKey,
  grantEverything,
  listenOnLoopback,
  toList,
  ttlTable,
} from '../../examples/local-idp.mjs';
import { dpopProof } from './dpop.mjs';
import { sha256 } from './mcp.mjs';

const TIMEOUT_MS = 10_000;
const TOKEN_PATH = '/token';
const INTROSPECTION_PATH = '/token/introspection';
const REVOCATION_PATH = '/token/revocation';
const CODE_REDIRECT_URI = 'http://127.0.0.1/callback';

const basic = (id, secret) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

/** `text` parsed as JSON; undefined if it is not JSON. */
const parseJson = (text) => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

const secret = () => crypto.randomBytes(24).toString('base64url');

/**
 * Starts the provider.
 *
 * @param {object} [options]
 * @param {string|string[]} [options.resource] resource indicator(s) tokens may be issued for (the
 *   first is `idp.resource`, the default of `getJwtToken` and of the DPoP helpers). Requests naming
 *   another resource get `invalid_target`.
 * @param {string[]} [options.scopes=['read','write']] the scopes of the resources (also provider scopes).
 * @param {string} [options.accountId='demo-user'] the `sub` of authorization-code tokens.
 * @param {number} [options.ttl=600] access-token lifetime in seconds.
 * @param {number} [options.port=0]
 * @param {boolean} [options.dpop=false] DPoP (RFC 9449) at the token endpoint (needs a resource).
 */
export async function startResourceIdp({ resource, scopes = ['read', 'write'], accountId = 'demo-user', ttl = 600, port = 0, dpop = false } = {}) {
  const resources = toList(resource);
  if (dpop && resources.length === 0) throw new TypeError('startDpopIdp needs a resource');
  const scopeList = [...new Set(scopes)];
  const resourceScope = scopeList.join(' ');
  /** Lifetime (seconds) of the next token issued (`getOpaqueToken(..., { ttl })`); callers are sequential. */
  let nextTtl;
  const tokenTtl = () => nextTtl ?? ttl;
  /** Extra claims of the next token issued (`getOpaqueToken(..., { claims })`): oidc-provider's
   * `extraTokenClaims`, which its introspection answer spreads at the top level (a JWT carries them
   * in its payload). */
  let nextClaims;

  const { kid, privateKey, privateJwk, publicJwk } = await generateSigningKey('resource-idp');

  const rsClient = { clientId: 'mcp-resource-server', clientSecret: secret() };
  // A resource-server client whose id and secret need form-urlencoding before Base64 (RFC 6749 §2.3.1):
  // oidc-provider decodes both halves of the Basic credentials with decodeURIComponent ('+' = space).
  const specialRsClient = {
    clientId: 'mcp rs:special+id',
    clientSecret: `p+s:w%rd &=/?${crypto.randomBytes(6).toString('hex')}`,
  };
  const opaqueClient = { clientId: 'opaque-app', clientSecret: secret() };
  const jwtClient = { clientId: 'jwt-app', clientSecret: secret() };
  const codeClient = { clientId: 'code-app' };
  const introspectors = new Set([rsClient.clientId, specialRsClient.clientId]);

  const server = http.createServer();
  const { port: boundPort, close } = await listenOnLoopback(server, port);
  const issuer = `http://127.0.0.1:${boundPort}`;

  /** A confidential client (client_secret_basic); `grantTypes` empty: a resource server's. */
  const confidentialClient = (client, grantTypes = []) => ({
    client_id: client.clientId,
    client_secret: client.clientSecret,
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: grantTypes,
    response_types: [],
    redirect_uris: [],
    ...(grantTypes.length > 0 ? { scope: resourceScope } : {}),
  });

  /** Auto-consent: the requested scopes as OIDC scopes (no resource) or for the requested resource. */
  const fill = (grant, params) =>
    grantEverything(grant, params, toList(params.resource).filter((r) => resources.includes(r)), scopeList);

  const ttls = ttlTable(tokenTtl);
  const provider = new Provider(issuer, {
    clients: [
      confidentialClient(rsClient),
      confidentialClient(specialRsClient),
      confidentialClient(opaqueClient, ['client_credentials']),
      confidentialClient(jwtClient, ['client_credentials']),
      {
        client_id: codeClient.clientId,
        token_endpoint_auth_method: 'none',
        application_type: 'native',
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: [CODE_REDIRECT_URI],
      },
    ],
    jwks: { keys: [privateJwk] },
    cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
    scopes: ['openid', ...scopeList],
    claims: { openid: ['sub'] },
    pkce: { required: () => true },
    async extraTokenClaims() {
      return nextClaims ? structuredClone(nextClaims) : undefined;
    },
    findAccount,
    responseTypes: ['code'],
    // oidc-provider's default accepts ES256 and EdDSA proofs only; the tests bind RSA and ES384 keys too.
    ...(dpop ? { enabledJWA: { dPoPSigningAlgValues: ['ES256', 'ES384', 'EdDSA', 'Ed25519', 'RS256', 'PS256'] } } : {}),
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // Only the resource-server clients may introspect (every client's tokens).
      introspection: { enabled: true, allowedPolicy: async (_ctx, client) => introspectors.has(client.clientId) },
      revocation: { enabled: true },
      ...(dpop ? { dPoP: { enabled: true } } : {}),
      resourceIndicators: {
        enabled: true,
        // No resource named → none (the token is opaque with no `aud`).
        async defaultResource(_ctx, _client, oneOf) {
          return oneOf;
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
            accessTokenTTL: tokenTtl(),
            ...(jwt ? { accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256', kid } } } : { accessTokenFormat: 'opaque' }),
          };
        },
      },
    },
    ...autoConsentOptions(fill),
    ttl: { ...ttls, ClientCredentials: ttls.AccessToken },
  });

  // Observe the introspection endpoint: one record per HTTP request, taken as it arrives.
  const records = [];
  const kRecord = Symbol('introspection record');
  server.prependListener('request', (req, res) => {
    if (req.method !== 'POST' || req.url.split('?')[0] !== INTROSPECTION_PATH) return;
    const record = { at: Date.now(), headers: { ...req.headers }, status: undefined, params: undefined, answer: undefined };
    records.push(record);
    req[kRecord] = record;
    res.on('finish', () => {
      record.status = res.statusCode;
    });
  });
  provider.use(async (ctx, next) => {
    await next();
    const record = ctx.req[kRecord];
    if (!record) return;
    const params = { ...(ctx.oidc?.params ?? {}) };
    if (typeof params.token === 'string') {
      params.tokenSha256 = sha256(params.token);
      delete params.token;
    }
    for (const key of Object.keys(params)) if (params[key] === undefined) delete params[key];
    record.params = params;
    record.answer = ctx.body && typeof ctx.body === 'object' ? JSON.parse(JSON.stringify(ctx.body)) : ctx.body;
  });

  const app = autoConsentApp(provider, { accountId, fill });
  // `setIntrospectionDelay(ms)`: introspection requests wait `ms` before oidc-provider handles them
  // (the request body stays buffered meanwhile), so concurrent callers overlap for certain.
  let introspectionDelayMs = 0;
  server.on('request', (req, res) => {
    if (introspectionDelayMs > 0 && req[kRecord]) setTimeout(() => app(req, res), introspectionDelayMs);
    else app(req, res);
  });

  const metadataRes = await fetch(`${issuer}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  const metadata = await metadataRes.json();
  const tokenEndpoint = `${issuer}${TOKEN_PATH}`;
  const introspectionEndpoint = `${issuer}${INTROSPECTION_PATH}`;
  if (metadata.token_endpoint !== tokenEndpoint) throw new Error(`unexpected token_endpoint: ${metadata.token_endpoint}`);
  if (metadata.introspection_endpoint !== introspectionEndpoint) {
    throw new Error(`unexpected introspection_endpoint: ${metadata.introspection_endpoint}`);
  }

  /** Which client issued a token (to revoke it with that client's credentials). */
  const issuedBy = new Map();

  const postForm = async (path, form, { client, headers: extra = {} } = {}) => {
    const headers = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...extra };
    const body = new URLSearchParams(form);
    if (client?.clientSecret) headers.authorization = basic(client.clientId, client.clientSecret);
    else if (client) body.set('client_id', client.clientId);
    const res = await fetch(`${issuer}${path}`, { method: 'POST', headers, body, signal: AbortSignal.timeout(TIMEOUT_MS) });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: parseJson(text) };
  };

  const scopeString = (scope) => (Array.isArray(scope) ? scope.join(' ') : (scope ?? resourceScope));
  const resourceParam = (indicator) => (indicator ? { resource: indicator } : {});

  /** Runs `request` with the lifetime and extra claims of the token it obtains; records its client. */
  const issue = async (client, lifetime, claims, request) => {
    nextTtl = lifetime;
    nextClaims = claims;
    try {
      const json = await request();
      issuedBy.set(json.access_token, client);
      return json;
    } finally {
      nextTtl = undefined;
      nextClaims = undefined;
    }
  };

  /** A client_credentials token response; with `key`, the request carries a DPoP proof of it. */
  const clientCredentials = (client, scope, { resource: indicator, ttl: lifetime, claims, key } = {}) =>
    issue(client, lifetime, claims, async () => {
      const headers = key ? { dpop: await dpopProof(key, { htm: 'POST', htu: tokenEndpoint }) } : {};
      const form = { grant_type: 'client_credentials', scope: scopeString(scope), ...resourceParam(indicator) };
      const r = await postForm(TOKEN_PATH, form, { client, headers });
      if (r.status !== 200) throw new Error(`client_credentials token request failed (${r.status}): ${r.text}`);
      const expected = key ? 'DPoP' : 'Bearer';
      if (r.json.token_type !== expected) throw new Error(`expected token_type ${expected}, got ${r.json.token_type}`);
      return r.json;
    });

  const authorizationCode = (scope, { resource: indicator, ttl: lifetime, claims } = {}) =>
    issue(codeClient, lifetime, claims, async () => {
      const { code, verifier } = await authorize(issuer, {
        clientId: codeClient.clientId,
        redirectUri: CODE_REDIRECT_URI,
        scope: scopeString(scope),
        resource: indicator,
      });
      const form = { grant_type: 'authorization_code', code, redirect_uri: CODE_REDIRECT_URI, code_verifier: verifier, ...resourceParam(indicator) };
      const r = await postForm(TOKEN_PATH, form, { client: codeClient });
      if (r.status !== 200) throw new Error(`authorization_code token request failed (${r.status}): ${r.text}`);
      return r.json;
    });

  const pick = (response, full) => (full ? response : response.access_token);

  /**
   * An opaque access token (a string that is not a JWT).
   * @param {string|string[]} [scope] requested scopes (default: all)
   * @param {object} [opts]
   * @param {string} [opts.resource] a configured resource indicator → the answer carries `aud` = it
   * @param {'client_credentials'|'authorization_code'} [opts.flow='client_credentials']
   * @param {number} [opts.ttl] lifetime in seconds of this token
   * @param {object} [opts.claims] extra claims of this token (top-level members of its introspection answer)
   * @param {object} [opts.key] a DPoP key (helpers/dpop.mjs) the token is bound to (client_credentials)
   * @param {boolean} [opts.full] resolve the whole token response instead of the token
   */
  const getOpaqueToken = async (scope, { flow = 'client_credentials', full = false, ...opts } = {}) =>
    pick(flow === 'authorization_code' ? await authorizationCode(scope, opts) : await clientCredentials(opaqueClient, scope, opts), full);

  /** An RS256 JWT access token for `resource` (default: the first configured one), client_credentials; `key`: DPoP-bound. */
  const getJwtToken = async (scope, { resource: indicator = resources[0], full = false, ...opts } = {}) => {
    if (!indicator) throw new Error('getJwtToken needs a configured resource');
    return pick(await clientCredentials(jwtClient, scope, { ...opts, resource: indicator }), full);
  };

  return {
    issuer,
    port: boundPort,
    provider,
    server,
    /** The first configured resource indicator. */
    resource: resources[0],
    resources: [...resources],
    scopes: [...scopeList],
    accountId,
    /** The discovery document (/.well-known/openid-configuration), fetched at start. */
    metadata,
    tokenEndpoint,
    introspectionEndpoint,
    /** The confidential client a resource server introspects with (client_secret_basic). */
    rsClient: { ...rsClient },
    /** Another resource-server client, its id and secret full of characters Basic auth must urlencode. */
    specialRsClient: { ...specialRsClient },
    /** The client ids behind the tokens (`client_id` of their introspection answers). */
    clientIds: { opaque: opaqueClient.clientId, jwt: jwtClient.clientId, code: codeClient.clientId },
    signingKey: { kid, alg: 'RS256', publicJwk, privateKey },

    getOpaqueToken,
    getJwtToken,

    /** A DPoP-bound RS256 JWT access token (`cnf.jkt` = key.thumbprint). `{ full: true }` → the token response. */
    async getDpopJwt(key, scope, opts = {}) {
      return getJwtToken(scope, { ...opts, key });
    },
    /** A DPoP-bound opaque access token for `resource` (default: the first configured one). */
    async getDpopOpaque(key, scope, { resource: indicator = resources[0], ...opts } = {}) {
      return getOpaqueToken(scope, { ...opts, resource: indicator, key });
    },
    /** An unbound (Bearer) RS256 JWT access token. */
    async getBearerJwt(scope, opts = {}) {
      return getJwtToken(scope, opts);
    },
    /** An unbound (Bearer) opaque access token for `resource` (default: the first configured one). */
    async getBearerOpaque(scope, { resource: indicator = resources[0], ...opts } = {}) {
      return getOpaqueToken(scope, { ...opts, resource: indicator });
    },
    /** A raw client_credentials token request (for checking what the IdP refuses): `{ status, json, text }`. */
    async tokenRequest({ client = 'jwt', scope, resource: indicator = resources[0], headers = {} } = {}) {
      const c = client === 'opaque' ? opaqueClient : jwtClient;
      return postForm(TOKEN_PATH, { grant_type: 'client_credentials', scope: scopeString(scope), ...resourceParam(indicator) }, { client: c, headers });
    },

    /** Introspects `token` as the resource server does (rsClient, client_secret_basic); counted in `introspections` too. */
    async introspect(token, { client = rsClient } = {}) {
      return postForm(INTROSPECTION_PATH, { token, token_type_hint: 'access_token' }, { client });
    },

    /** Revokes `token` (RFC 7009) with the credentials of the client that obtained it. */
    async revoke(token) {
      const client = issuedBy.get(token) ?? opaqueClient;
      const r = await postForm(REVOCATION_PATH, { token, token_type_hint: 'access_token' }, { client });
      if (r.status !== 200) throw new Error(`revocation failed (${r.status}): ${r.text}`);
    },

    /** Delays every later introspection request by `ms` (0: none). */
    setIntrospectionDelay(ms) {
      introspectionDelayMs = ms;
    },

    /** Every request to the introspection endpoint so far, oldest first. */
    introspections: {
      list: () => records,
      count: () => records.length,
      reset() {
        records.length = 0;
      },
    },

    close,
  };
}

/** The IdP of the DPoP tests: `startResourceIdp` with DPoP on. */
export const startDpopIdp = (options = {}) => startResourceIdp({ ...options, dpop: true });
