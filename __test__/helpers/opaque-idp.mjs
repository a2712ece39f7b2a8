// A real authorization server issuing OPAQUE access tokens, for the RFC 7662 introspection tests
// (__test__/introspection-oidc.test.mjs). Built on `oidc-provider` (v9), bound to 127.0.0.1 on an
// ephemeral port (examples/local-idp.mjs's `listenOnLoopback`), with:
//   - features.introspection (RFC 7662, `/token/introspection`), features.revocation (RFC 7009,
//     `/token/revocation`), features.clientCredentials, features.resourceIndicators (RFC 8707);
//   - a confidential resource-server client (`rsClient`: client_id + client_secret,
//     client_secret_basic) that may introspect the tokens of every other client: oidc-provider v9
//     authenticates the introspection endpoint with the client's `token_endpoint_auth_method`
//     (there is no separate introspection auth method; the metadata advertises only
//     `token_endpoint_auth_methods_supported`), and its default `features.introspection.allowedPolicy`
//     refuses another client's token only to a client authenticating with `none`;
//   - token clients using real grants:
//       `opaque-app` (confidential, client_credentials): opaque tokens. Without a resource
//         indicator the token has no `aud`; with `resource` (one of the configured ones) its
//         introspection answer carries `aud` = that resource (oidc-provider's
//         `resourceServer.audience`), still opaque (accessTokenFormat 'opaque' for this client);
//       `jwt-app` (confidential, client_credentials): tokens for a configured resource are RS256
//         JWT access tokens (RFC 9068, `typ: at+jwt`, `aud` = the resource), verified through the
//         JWKS; oidc-provider refuses to introspect them (400 unsupported_token_type);
//       `code-app` (public, PKCE, authorization code through a non-interactive login/consent):
//         opaque tokens carrying `sub` = `accountId`.
//   - an observable introspection endpoint: `introspections` records every HTTP request to it
//     (counted when the request arrives, at the node:http level, before oidc-provider sees it, so
//     refused and failed calls count too), with the request headers, the form parameters (minus
//     the token itself, replaced by its SHA-256), the answer status and the JSON answer.
//
//   import { startOpaqueIdp } from './helpers/opaque-idp.mjs';
//   const idp = await startOpaqueIdp({ resource: 'http://127.0.0.1:3001/mcp', scopes: ['read', 'write'] });
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

import http from 'node:http';
import crypto from 'node:crypto';
import express from 'express';
import * as jose from 'jose';
import Provider, { errors } from 'oidc-provider';
import { listenOnLoopback, followAuthorizationRedirects } from '../../examples/local-idp.mjs';

const TIMEOUT_MS = 10_000;
const INTROSPECTION_PATH = '/token/introspection';
const REVOCATION_PATH = '/token/revocation';
const CODE_REDIRECT_URI = 'http://127.0.0.1/callback';

const toList = (value) => {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? [...value] : [value];
};

const sha256 = (text) => crypto.createHash('sha256').update(text).digest('base64url');

const basic = (id, secret) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

const readBody = (req) =>
  new Promise((resolve) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(''));
  });

/**
 * Starts the provider.
 *
 * @param {object} [options]
 * @param {string|string[]} [options.resource] resource indicator(s) tokens may be issued for (the
 *   first is `idp.resource`, the default of `getJwtToken`). Requests naming another resource get
 *   `invalid_target`.
 * @param {string[]} [options.scopes=['read','write']] the scopes of the resources (also provider scopes).
 * @param {string} [options.accountId='demo-user'] the `sub` of authorization-code tokens.
 * @param {number} [options.ttl=600] access-token lifetime in seconds.
 * @param {number} [options.port=0]
 */
export async function startOpaqueIdp({ resource, scopes = ['read', 'write'], accountId = 'demo-user', ttl = 600, port = 0 } = {}) {
  const resources = toList(resource);
  const scopeList = [...new Set(scopes)];
  const resourceScope = scopeList.join(' ');
  /** Lifetime (seconds) of the next token issued (`getOpaqueToken(..., { ttl })`); callers are sequential. */
  let nextTtl;
  const tokenTtl = () => nextTtl ?? ttl;
  /** Extra claims of the next token issued (`getOpaqueToken(..., { claims })`): oidc-provider's
   * `extraTokenClaims`, which its introspection answer spreads at the top level (a JWT carries them
   * in its payload). */
  let nextClaims;

  const kid = `opaque-idp-${crypto.randomBytes(6).toString('hex')}`;
  const { privateKey, publicKey } = await jose.generateKeyPair('RS256', { extractable: true });
  const privateJwk = { ...(await jose.exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
  const publicJwk = { ...(await jose.exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };

  const rsClient = { clientId: 'mcp-resource-server', clientSecret: crypto.randomBytes(24).toString('base64url') };
  // A resource-server client whose id and secret need form-urlencoding before Base64 (RFC 6749 §2.3.1):
  // oidc-provider decodes both halves of the Basic credentials with decodeURIComponent ('+' = space).
  const specialRsClient = {
    clientId: 'mcp rs:special+id',
    clientSecret: `p+s:w%rd &=/?${crypto.randomBytes(6).toString('hex')}`,
  };
  const opaqueClient = { clientId: 'opaque-app', clientSecret: crypto.randomBytes(24).toString('base64url') };
  const jwtClient = { clientId: 'jwt-app', clientSecret: crypto.randomBytes(24).toString('base64url') };
  const codeClient = { clientId: 'code-app' };

  const server = http.createServer();
  const { port: boundPort, close } = await listenOnLoopback(server, port);
  const issuer = `http://127.0.0.1:${boundPort}`;

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
      {
        client_id: specialRsClient.clientId,
        client_secret: specialRsClient.clientSecret,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: [],
        response_types: [],
        redirect_uris: [],
      },
      {
        client_id: opaqueClient.clientId,
        client_secret: opaqueClient.clientSecret,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        scope: resourceScope,
      },
      {
        client_id: jwtClient.clientId,
        client_secret: jwtClient.clientSecret,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        scope: resourceScope,
      },
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
    async findAccount(_ctx, sub) {
      return { accountId: sub, async claims() { return { sub }; } };
    },
    responseTypes: ['code'],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
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
    async loadExistingGrant(ctx) {
      const { provider: p, session, client, params } = ctx.oidc;
      const grantId = ctx.oidc.result?.consent?.grantId || session.grantIdFor(client.clientId);
      let grant = grantId ? await p.Grant.find(grantId) : undefined;
      if (!grant) grant = new p.Grant({ accountId: session.accountId, clientId: client.clientId });
      grantEverything(grant, params);
      await grant.save();
      return grant;
    },
    interactions: {
      url(_ctx, interaction) {
        return `/interaction/${interaction.uid}`;
      },
    },
    async renderError(ctx, out) {
      ctx.type = 'json';
      ctx.body = out;
    },
    ttl: {
      AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? tokenTtl(),
      ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? tokenTtl(),
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 600,
      Session: 86400,
      Grant: 86400,
    },
  });

  /** Auto-consent: the requested scopes as OIDC scopes (no resource) or for the requested resource. */
  function grantEverything(grant, params) {
    const requested = typeof params.scope === 'string' ? params.scope.split(' ').filter(Boolean) : [];
    if (requested.length > 0) grant.addOIDCScope(requested.join(' '));
    for (const indicator of toList(params.resource).filter((r) => resources.includes(r))) {
      const allowed = requested.filter((s) => scopeList.includes(s));
      grant.addResourceScope(indicator, (allowed.length > 0 ? allowed : scopeList).join(' '));
    }
  }

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

  const app = express();
  app.disable('x-powered-by');
  app.get('/interaction/:uid', async (req, res, next) => {
    try {
      const details = await provider.interactionDetails(req, res);
      const { params, session, grantId } = details;
      const grant = grantId
        ? await provider.Grant.find(grantId)
        : new provider.Grant({ accountId: session?.accountId ?? accountId, clientId: params.client_id });
      grantEverything(grant, params);
      const result = { consent: { grantId: await grant.save() } };
      if (!session?.accountId) result.login = { accountId };
      await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
    } catch (err) {
      next(err);
    }
  });
  app.use(provider.callback());
  // `setIntrospectionDelay(ms)`: introspection requests wait `ms` before oidc-provider handles them
  // (the request body stays buffered meanwhile), so concurrent callers overlap for certain.
  let introspectionDelayMs = 0;
  server.on('request', (req, res) => {
    if (introspectionDelayMs > 0 && req[kRecord]) setTimeout(() => app(req, res), introspectionDelayMs);
    else app(req, res);
  });

  const metadataRes = await fetch(`${issuer}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  const metadata = await metadataRes.json();
  if (metadata.introspection_endpoint !== `${issuer}${INTROSPECTION_PATH}`) {
    throw new Error(`unexpected introspection_endpoint: ${metadata.introspection_endpoint}`);
  }

  /** Which client issued a token (to revoke it with that client's credentials). */
  const issuedBy = new Map();

  const postForm = async (path, form, { client } = {}) => {
    const headers = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    const body = new URLSearchParams(form);
    if (client?.clientSecret) headers.authorization = basic(client.clientId, client.clientSecret);
    else if (client) body.set('client_id', client.clientId);
    const res = await fetch(`${issuer}${path}`, { method: 'POST', headers, body, signal: AbortSignal.timeout(TIMEOUT_MS) });
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

  const clientCredentials = async (client, scope, indicator, lifetime, claims) => {
    nextTtl = lifetime;
    nextClaims = claims;
    try {
      const r = await postForm(
        '/token',
        { grant_type: 'client_credentials', scope: scopeString(scope), ...(indicator ? { resource: indicator } : {}) },
        { client },
      );
      if (r.status !== 200) throw new Error(`client_credentials token request failed (${r.status}): ${r.text}`);
      issuedBy.set(r.json.access_token, client);
      return r.json;
    } finally {
      nextTtl = undefined;
      nextClaims = undefined;
    }
  };

  const authorizationCode = async (scope, indicator, lifetime, claims) => {
    nextTtl = lifetime;
    nextClaims = claims;
    try {
      const verifier = crypto.randomBytes(32).toString('base64url');
      const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
      const state = crypto.randomBytes(8).toString('base64url');
      const authorizationUrl = new URL(`${issuer}/auth`);
      authorizationUrl.search = new URLSearchParams({
        response_type: 'code',
        client_id: codeClient.clientId,
        redirect_uri: CODE_REDIRECT_URI,
        scope: scopeString(scope),
        code_challenge: challenge,
        code_challenge_method: 'S256',
        state,
        ...(indicator ? { resource: indicator } : {}),
      }).toString();
      const { code, state: returnedState } = await followAuthorizationRedirects(authorizationUrl, { redirectUri: CODE_REDIRECT_URI });
      if (returnedState !== state) throw new Error('state mismatch in authorization response');
      const r = await postForm(
        '/token',
        {
          grant_type: 'authorization_code',
          code,
          redirect_uri: CODE_REDIRECT_URI,
          code_verifier: verifier,
          ...(indicator ? { resource: indicator } : {}),
        },
        { client: codeClient },
      );
      if (r.status !== 200) throw new Error(`authorization_code token request failed (${r.status}): ${r.text}`);
      issuedBy.set(r.json.access_token, codeClient);
      return r.json;
    } finally {
      nextTtl = undefined;
      nextClaims = undefined;
    }
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
    /** The confidential client a resource server introspects with (client_secret_basic). */
    rsClient: { ...rsClient },
    /** Another resource-server client, its id and secret full of characters Basic auth must urlencode. */
    specialRsClient: { ...specialRsClient },
    /** The client ids behind the tokens (`client_id` of their introspection answers). */
    clientIds: { opaque: opaqueClient.clientId, jwt: jwtClient.clientId, code: codeClient.clientId },
    signingKey: { kid, alg: 'RS256', publicJwk, privateKey },

    /**
     * An opaque access token (a string that is not a JWT).
     * @param {string|string[]} [scope] requested scopes (default: all)
     * @param {object} [opts]
     * @param {string} [opts.resource] a configured resource indicator → the answer carries `aud` = it
     * @param {'client_credentials'|'authorization_code'} [opts.flow='client_credentials']
     * @param {number} [opts.ttl] lifetime in seconds of this token
     * @param {object} [opts.claims] extra claims of this token (top-level members of its introspection answer)
     * @param {boolean} [opts.full] resolve the whole token response instead of the token
     */
    async getOpaqueToken(scope, { resource: indicator, flow = 'client_credentials', ttl: lifetime, claims, full = false } = {}) {
      const response =
        flow === 'authorization_code'
          ? await authorizationCode(scope, indicator, lifetime, claims)
          : await clientCredentials(opaqueClient, scope, indicator, lifetime, claims);
      return full ? response : response.access_token;
    },

    /** An RS256 JWT access token for `resource` (default: the first configured one), client_credentials. */
    async getJwtToken(scope, { resource: indicator = resources[0], ttl: lifetime, claims, full = false } = {}) {
      if (!indicator) throw new Error('getJwtToken needs a configured resource');
      const response = await clientCredentials(jwtClient, scope, indicator, lifetime, claims);
      return full ? response : response.access_token;
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
