// A self-contained local OAuth 2.1 / OpenID Connect identity provider for tests and demos.
//
// Built on `oidc-provider` (v9) and bound to 127.0.0.1 on an ephemeral port. It does what an MCP
// client expects from a real authorization server:
//   - RFC 8414 metadata at /.well-known/oauth-authorization-server and OIDC discovery at
//     /.well-known/openid-configuration (both served by oidc-provider itself)
//   - dynamic client registration (RFC 7591) at /reg, public clients (token_endpoint_auth_method
//     'none') with loopback redirect URIs
//   - authorization code flow, PKCE S256 required for every client
//   - resource indicators (RFC 8707): access tokens for a configured resource are RS256 JWTs
//     (RFC 9068, `typ: at+jwt`) with `aud` = the resource and `scope` = the granted scopes
//   - a non-interactive login/consent flow: the interaction URL signs in `accountId` and grants
//     every requested scope, so following the redirects of an authorization request lands at the
//     client's redirect_uri with a `code`
//
//   import { startLocalIdp, followAuthorizationRedirects } from './examples/local-idp.mjs';
//   const idp = await startLocalIdp({ resource: 'http://127.0.0.1:3001/mcp' });
//   idp.issuer                       // 'http://127.0.0.1:<port>'
//   await idp.getAccessToken()       // full code flow with fetch → { access_token, ... }
//   await idp.close();
//
// The pieces it shares with the tests' own IdP (__test__/helpers/resource-idp.mjs) are exported:
// `toList`, `generateSigningKey`, `findAccount`, `grantEverything`, `autoConsentOptions`,
// `autoConsentApp`, `ttlTable`, `authorize`.
//
// Note: oidc-provider v9 prints an "Unsupported runtime" warning on Node 20; it works regardless.

import http from 'node:http';
import crypto from 'node:crypto';
import express from 'express';
import * as jose from 'jose';
import Provider, { errors } from 'oidc-provider';

const DEFAULT_TIMEOUT_MS = 10_000;

/** `value` as a new array: [] for undefined or null, a copy of an array, else `[value]`. */
export const toList = (value) => {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? [...value] : [value];
};

const isHttpUrl = (value) => {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
};

/**
 * Listens `server` on 127.0.0.1:`port` (0 = ephemeral), with a request timeout. Resolves the port
 * bound and `close()`, which stops the server (idempotent) and destroys its open connections.
 */
export const listenOnLoopback = async (server, port = 0) => {
  const sockets = new Set();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.requestTimeout = DEFAULT_TIMEOUT_MS;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  let closed;
  return {
    port: server.address().port,
    close() {
      closed ??= new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
        for (const socket of sockets) socket.destroy();
      });
      return closed;
    },
  };
};

/** A fresh RS256 signing key: `kid` (`<prefix>-<random hex>`), the key pair and both JWKs. */
export async function generateSigningKey(prefix) {
  const kid = `${prefix}-${crypto.randomBytes(6).toString('hex')}`;
  const { privateKey, publicKey } = await jose.generateKeyPair('RS256', { extractable: true });
  const privateJwk = { ...(await jose.exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
  const publicJwk = { ...(await jose.exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  return { kid, privateKey, publicKey, privateJwk, publicJwk };
}

/** oidc-provider `findAccount`: every account exists, with `sub` as its only claim. */
export async function findAccount(_ctx, sub) {
  return {
    accountId: sub,
    async claims() {
      return { sub };
    },
  };
}

/** Auto-consent: adds every requested scope to `grant`, and for each of `indicators` the requested ones among `scopes` (all `scopes` if none). */
export function grantEverything(grant, params, indicators, scopes) {
  const requested = typeof params.scope === 'string' ? params.scope.split(' ').filter(Boolean) : [];
  if (requested.length > 0) grant.addOIDCScope(requested.join(' '));
  for (const indicator of indicators) {
    const allowed = requested.filter((s) => scopes.includes(s));
    grant.addResourceScope(indicator, (allowed.length > 0 ? allowed : scopes).join(' '));
  }
}

/**
 * Provider options for a non-interactive IdP: `loadExistingGrant` (every signed-in authorization
 * request gets its grant completed by `fill(grant, params)`, so the consent prompt never blocks),
 * the interaction URL `/interaction/<uid>` (served by `autoConsentApp`), errors rendered as JSON.
 */
export const autoConsentOptions = (fill) => ({
  async loadExistingGrant(ctx) {
    const { provider: p, session, client, params } = ctx.oidc;
    const grantId = ctx.oidc.result?.consent?.grantId || session.grantIdFor(client.clientId);
    let grant = grantId ? await p.Grant.find(grantId) : undefined;
    if (!grant) grant = new p.Grant({ accountId: session.accountId, clientId: client.clientId });
    fill(grant, params);
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
});

/**
 * An Express app serving `provider` behind a non-interactive login + consent on its interaction URL:
 * `accountId` is signed in (unless a session has one) and the grant completed by `fill(grant, params)`.
 */
export function autoConsentApp(provider, { accountId, fill }) {
  const app = express();
  app.disable('x-powered-by');
  app.get('/interaction/:uid', async (req, res, next) => {
    try {
      const details = await provider.interactionDetails(req, res);
      const { params, session, grantId } = details;
      const grant = grantId
        ? await provider.Grant.find(grantId)
        : new provider.Grant({ accountId: session?.accountId ?? accountId, clientId: params.client_id });
      fill(grant, params);
      const result = { consent: { grantId: await grant.save() } };
      if (!session?.accountId) result.login = { accountId };
      await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
    } catch (err) {
      next(err);
    }
  });
  app.use(provider.callback());
  return app;
}

/** The provider's `ttl` table (seconds): an access token lives as its resource server says, else `accessTokenTtl()`. */
export const ttlTable = (accessTokenTtl) => ({
  AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? accessTokenTtl(),
  AuthorizationCode: 60,
  ClientCredentials: 600,
  DeviceCode: 600,
  BackchannelAuthenticationRequest: 600,
  PreAuthorizedCode: 600,
  IdToken: 3600,
  RefreshToken: 86400,
  Interaction: 600,
  Session: 86400,
  Grant: 86400,
});

/**
 * Runs an authorization request with PKCE (S256) and a state headlessly against `issuer`'s
 * auto-consent interaction (`followAuthorizationRedirects`); resolves the `code` and the PKCE
 * `verifier` for the token request.
 */
export async function authorize(issuer, { clientId, redirectUri, scope, resource }) {
  const verifier = crypto.randomBytes(32).toString('base64url');
  const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
  const state = crypto.randomBytes(8).toString('base64url');
  const authorizationUrl = new URL(`${issuer}/auth`);
  authorizationUrl.search = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    scope,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
    ...(resource ? { resource } : {}),
  }).toString();
  const { code, state: returnedState } = await followAuthorizationRedirects(authorizationUrl, { redirectUri });
  if (returnedState !== state) throw new Error('state mismatch in authorization response');
  return { code, verifier };
}

/**
 * Starts the identity provider.
 *
 * @param {object}   [options]
 * @param {number}   [options.port=0]          TCP port on 127.0.0.1 (0 = ephemeral).
 * @param {string|string[]} [options.resource] Resource indicator(s) (e.g. 'http://127.0.0.1:3001/mcp')
 *   the IdP issues JWT access tokens for. The first one is the default resource (used when a
 *   request names none). Omitted → any absolute http(s) URL is accepted as a resource indicator.
 * @param {string[]} [options.scopes=['read','write']] Scopes a resource server accepts; also
 *   registered as provider scopes so clients may register with them.
 * @param {string}   [options.accountId='demo-user'] The account every login signs in (`sub`).
 * @param {number}   [options.ttl=3600]         Access token lifetime in seconds.
 * @param {boolean}  [options.advisoryClientScope=false] Treat the `scope` a client registers with
 *   (RFC 7591) as advisory: it is dropped from the registration, so the client may later ask for
 *   any scope the provider supports. By default oidc-provider keeps it as an allow list and refuses
 *   an authorization request for more (`invalid_scope`, "requested scope is not allowed"), which
 *   breaks a step-up: an MCP client registers with the scopes of the first challenge and asks for
 *   more when a 403 `insufficient_scope` names them.
 * @param {boolean}  [options.dpop=false] DPoP (RFC 9449) at the token endpoint: `features.dPoP`
 *   on, proofs signed with ES256, EdDSA, RS256 or PS256 accepted (`enabledJWA.dPoPSigningAlgValues`,
 *   advertised as `dpop_signing_alg_values_supported`). A token request carrying a proof gets an
 *   access token bound to the proof's key (`token_type: 'DPoP'`, `cnf.jkt` in the JWT). Off, the
 *   provider keeps oidc-provider's defaults.
 * @returns {Promise<LocalIdp>}
 */
export async function startLocalIdp({
  port = 0,
  resource,
  scopes = ['read', 'write'],
  accountId = 'demo-user',
  ttl = 3600,
  advisoryClientScope = false,
  dpop = false,
} = {}) {
  const resources = new Set(toList(resource));
  const acceptAnyResource = resources.size === 0;
  const defaultResourceIndicator = toList(resource)[0];
  const resourceScope = [...new Set(scopes)].join(' ');
  /** Per-client access-token TTL overrides (client_id → seconds). */
  const clientTtls = new Map();

  // RS256 signing key generated at startup.
  const { kid, privateKey, privateJwk, publicJwk } = await generateSigningKey('local-idp');

  const server = http.createServer();
  const { port: boundPort, close } = await listenOnLoopback(server, port);
  const issuer = `http://127.0.0.1:${boundPort}`;

  const isKnownResource = (indicator) =>
    resources.has(indicator) || (acceptAnyResource && isHttpUrl(indicator));

  // The requested resources (a request naming none: the default). oidc-provider has already refused
  // a request naming an unknown one (`getResourceServerInfo` → invalid_target) before consent.
  const requestedResources = (params) => {
    const requested = toList(params?.resource);
    if (requested.length > 0) return requested.filter(isKnownResource);
    return defaultResourceIndicator ? [defaultResourceIndicator] : [];
  };

  /** Adds every requested scope and resource to `grant` (auto-consent). */
  const fill = (grant, params) => grantEverything(grant, params, requestedResources(params), scopes);

  const provider = new Provider(issuer, {
    clients: [],
    jwks: { keys: [privateJwk] },
    cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
    scopes: ['openid', 'offline_access', ...new Set(scopes)],
    claims: { openid: ['sub'] },
    pkce: { required: () => true },
    clientBasedCORS: () => true,
    // Step-up: the registered `scope` is not an allow list. oidc-provider (v9) checks a client's
    // registered `scope` on every authorization request; the extra-metadata validator runs on the
    // metadata before the schema does (on registration and on every load), so `scope` is dropped there.
    ...(advisoryClientScope
      ? {
          extraClientMetadata: {
            properties: ['scope'],
            validator(_ctx, key, _value, metadata) {
              if (key === 'scope') delete metadata.scope;
            },
          },
        }
      : {}),
    ...(dpop ? { enabledJWA: { dPoPSigningAlgValues: ['ES256', 'EdDSA', 'RS256', 'PS256'] } } : {}),
    findAccount,
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      id_token_signed_response_alg: 'RS256',
    },
    responseTypes: ['code'],
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true },
      revocation: { enabled: true },
      introspection: { enabled: true },
      ...(dpop ? { dPoP: { enabled: true } } : {}),
      resourceIndicators: {
        enabled: true,
        async defaultResource(_ctx, _client, oneOf) {
          return oneOf ?? defaultResourceIndicator;
        },
        async useGrantedResource() {
          return true;
        },
        async getResourceServerInfo(_ctx, indicator, client) {
          if (!isKnownResource(indicator)) throw new errors.InvalidTarget();
          return {
            scope: resourceScope,
            audience: indicator,
            accessTokenFormat: 'jwt',
            accessTokenTTL: clientTtls.get(client?.clientId) ?? ttl,
            jwt: { sign: { alg: 'RS256', kid } },
          };
        },
      },
    },
    // Auto-consent: every authorization request (once signed in) gets a grant covering all
    // requested scopes and resources, so the consent prompt never blocks.
    ...autoConsentOptions(fill),
    ttl: ttlTable(() => ttl),
  });

  // Non-interactive login + consent on the provider's interaction URL.
  server.on('request', autoConsentApp(provider, { accountId, fill }));

  return {
    issuer,
    port: boundPort,
    provider,
    /** The underlying `http.Server` (e.g. to observe requests). */
    server,
    accountId,
    scopes: [...scopes],
    /** Resource indicators tokens are issued for (mutable through `addResource`). */
    resources,
    /** The signing key: `kid`, public JWK and the private `CryptoKey`. */
    signingKey: { kid, alg: 'RS256', publicJwk, privateKey },
    jwks: { keys: [publicJwk] },
    metadataUrls: {
      oauth: `${issuer}/.well-known/oauth-authorization-server`,
      oidc: `${issuer}/.well-known/openid-configuration`,
    },

    /** Accepts another resource indicator. */
    addResource(indicator) {
      resources.add(indicator);
    },

    /** Overrides the access-token lifetime (seconds) for one registered client. */
    setClientTokenTtl(clientId, seconds) {
      clientTtls.set(clientId, seconds);
    },

    /**
     * Registers a public client (RFC 7591) with a loopback redirect URI.
     * @returns {Promise<object>} the registration response (`client_id`, ...)
     */
    async registerClient(metadata = {}) {
      const res = await fetch(`${issuer}/reg`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({
          application_type: 'native',
          redirect_uris: ['http://127.0.0.1/callback'],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          token_endpoint_auth_method: 'none',
          client_name: 'local-idp client',
          scope: scopes.join(' '),
          ...metadata,
        }),
        signal: AbortSignal.timeout(DEFAULT_TIMEOUT_MS),
      });
      const body = await res.json();
      if (res.status !== 201) throw new Error(`client registration failed (${res.status}): ${JSON.stringify(body)}`);
      return body;
    },

    /**
     * Runs the full authorization code flow with PKCE through HTTP (registration, authorization
     * request, auto login/consent, token request) and returns the token response.
     *
     * @param {object} [opts]
     * @param {string} [opts.resource] resource indicator (default: the first configured one)
     * @param {string|string[]} [opts.scope] requested scopes (default: all `scopes`)
     * @param {number} [opts.ttl] access-token lifetime in seconds for this token
     * @param {object} [opts.client] an existing registration (`client_id`, `redirect_uris`)
     */
    async getAccessToken({ resource: indicator = defaultResourceIndicator, scope = scopes, ttl: tokenTtl, client } = {}) {
      const scopeString = Array.isArray(scope) ? scope.join(' ') : scope;
      const registration = client ?? (await this.registerClient());
      const redirectUri = registration.redirect_uris[0];
      if (tokenTtl !== undefined) clientTtls.set(registration.client_id, tokenTtl);
      const { code, verifier } = await authorize(issuer, {
        clientId: registration.client_id,
        redirectUri,
        scope: scopeString,
        resource: indicator,
      });
      const res = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: redirectUri,
          client_id: registration.client_id,
          code_verifier: verifier,
          ...(indicator ? { resource: indicator } : {}),
        }),
        signal: AbortSignal.timeout(DEFAULT_TIMEOUT_MS),
      });
      const body = await res.json();
      if (!res.ok) throw new Error(`token request failed (${res.status}): ${JSON.stringify(body)}`);
      return { ...body, client_id: registration.client_id };
    },

    /**
     * Signs an arbitrary JWT with the IdP's own signing key (the key published in its JWKS).
     * Defaults make it look like one of the IdP's access tokens; `claims` override them
     * (a claim set to `undefined` is removed).
     */
    async signAccessToken(claims = {}, { expiresIn = 300, header = {} } = {}) {
      const now = Math.floor(Date.now() / 1000);
      const payload = {
        iss: issuer,
        sub: accountId,
        aud: defaultResourceIndicator,
        client_id: 'local-idp-signed',
        scope: scopes.join(' '),
        jti: crypto.randomUUID(),
        iat: now,
        exp: now + expiresIn,
        ...claims,
      };
      for (const key of Object.keys(payload)) if (payload[key] === undefined) delete payload[key];
      return new jose.CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
        .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid, ...header })
        .sign(privateKey);
    },

    /** Stops the server (idempotent); open connections are destroyed. */
    close,
  };
}

/**
 * Performs an authorization request headlessly: GETs `authorizationUrl` and follows every redirect
 * (manually, carrying cookies between requests) until the `Location` points at `redirectUri`,
 * then returns the authorization response parameters. Works against `startLocalIdp`'s
 * auto-login/consent interaction.
 *
 * @returns {Promise<{ code: string, state: string | null, iss: string | null, url: URL }>}
 */
export async function followAuthorizationRedirects(
  authorizationUrl,
  { redirectUri, maxHops = 20, timeoutMs = DEFAULT_TIMEOUT_MS, jar = new CookieJar() } = {},
) {
  const target = new URL(redirectUri);
  const deadline = AbortSignal.timeout(timeoutMs);
  let url = new URL(authorizationUrl);
  for (let hop = 0; hop < maxHops; hop++) {
    const cookie = jar.header(url);
    const res = await fetch(url, {
      redirect: 'manual',
      headers: { accept: 'text/html,application/json', ...(cookie ? { cookie } : {}) },
      signal: deadline,
    });
    jar.store(url, res.headers.getSetCookie());
    const location = res.headers.get('location');
    if (res.status < 300 || res.status >= 400 || !location) {
      const text = await res.text().catch(() => '');
      throw new Error(`authorization request stopped at ${url} with HTTP ${res.status}: ${text.slice(0, 500)}`);
    }
    await res.body?.cancel();
    const next = new URL(location, url);
    if (next.origin === target.origin && next.pathname === target.pathname) {
      const error = next.searchParams.get('error');
      if (error) {
        throw new Error(`authorization error: ${error}: ${next.searchParams.get('error_description') ?? ''}`);
      }
      const code = next.searchParams.get('code');
      if (!code) throw new Error(`redirect_uri reached without a code: ${next}`);
      return { code, state: next.searchParams.get('state'), iss: next.searchParams.get('iss'), url: next };
    }
    url = next;
  }
  throw new Error(`too many redirects (> ${maxHops}) following the authorization request`);
}

/** A minimal cookie jar (name + path scoped, host-only) for following redirects. */
export class CookieJar {
  #cookies = new Map(); // `${host}|${path}|${name}` → { host, path, name, value, expires }

  store(url, setCookieHeaders) {
    const { host } = new URL(url);
    for (const header of setCookieHeaders ?? []) {
      const [pair, ...attributes] = header.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let path = '/';
      let expires = Infinity;
      for (const attribute of attributes) {
        const [k, ...rest] = attribute.split('=');
        const key = k.trim().toLowerCase();
        const v = rest.join('=').trim();
        if (key === 'path' && v.startsWith('/')) path = v;
        else if (key === 'max-age') expires = Date.now() + Number(v) * 1000;
        else if (key === 'expires' && expires === Infinity) expires = Date.parse(v);
      }
      const id = `${host}|${path}|${name}`;
      if (value === '' || expires <= Date.now()) this.#cookies.delete(id);
      else this.#cookies.set(id, { host, path, name, value, expires });
    }
  }

  header(url) {
    const { host, pathname } = new URL(url);
    const now = Date.now();
    const pairs = [];
    for (const [id, c] of this.#cookies) {
      if (c.expires <= now) {
        this.#cookies.delete(id);
        continue;
      }
      const pathMatches =
        pathname === c.path || (pathname.startsWith(c.path) && (c.path.endsWith('/') || pathname[c.path.length] === '/'));
      if (c.host === host && pathMatches) pairs.push(`${c.name}=${c.value}`);
    }
    return pairs.join('; ');
  }
}
