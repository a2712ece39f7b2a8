// An MCP SDK `OAuthClientProvider` that completes the authorization request in code (no
// browser): it follows the local IdP's redirects (auto login + consent) to the redirect URI.
import crypto from 'node:crypto';
import { followAuthorizationRedirects } from './local-idp.mjs';

/** What both providers keep in memory for the SDK: the client registration and the tokens. */
class InMemoryCredentials {
  clientInformation() {
    return this._clientInformation;
  }

  saveClientInformation(info) {
    this._clientInformation = info;
  }

  tokens() {
    return this._tokens;
  }

  saveTokens(tokens) {
    this._tokens = tokens;
  }
}

export class HeadlessOAuthProvider extends InMemoryCredentials {
  constructor(redirectUrl, { clientName = 'mcp-auth-rs headless client' } = {}) {
    super();
    this._redirectUrl = redirectUrl;
    this._clientName = clientName;
    this.authorizationUrls = [];
  }

  get redirectUrl() {
    return this._redirectUrl;
  }

  get clientMetadata() {
    return {
      client_name: this._clientName,
      redirect_uris: [this._redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      application_type: 'native',
    };
  }

  state() {
    this._state = crypto.randomBytes(12).toString('base64url');
    return this._state;
  }

  saveCodeVerifier(verifier) {
    this._codeVerifier = verifier;
  }

  codeVerifier() {
    if (!this._codeVerifier) throw new Error('no code verifier saved');
    return this._codeVerifier;
  }

  /** Runs the authorization request; the code is then in `this.code` for `finishAuth`. */
  async redirectToAuthorization(url) {
    this.authorizationUrls.push(new URL(url));
    const response = await followAuthorizationRedirects(url, { redirectUri: this._redirectUrl, timeoutMs: 10_000 });
    if (response.state !== this._state) throw new Error('authorization response carries the wrong state');
    this.authorizationResponse = response;
    this.code = response.code;
  }
}

/**
 * For the SDK v2 client (`@modelcontextprotocol/client`): a headless provider that signs in by
 * itself, so the SDK's own loops run end to end without an `UnauthorizedError`: on a 401 it
 * authorizes and retries; on a 403 `insufficient_scope` (the step-up) it re-authorizes with the
 * scopes it holds plus the challenged ones and retries.
 *
 * It has no `redirectUrl`, so the SDK takes its non-interactive path and asks
 * `prepareTokenRequest(scope)` for the token request; that runs the authorization code request
 * (PKCE S256, the resource the SDK selected, the scope the SDK chose) against the authorization
 * endpoint the SDK discovered, follows the local IdP's redirects (auto login + consent) and
 * answers the `authorization_code` grant. `onAuthorization(event)` observes each run.
 */
export class SelfAuthorizingOAuthProvider extends InMemoryCredentials {
  constructor(redirectUri, { clientName = 'mcp-auth-rs headless client', onAuthorization } = {}) {
    super();
    this._redirectUri = redirectUri;
    this._clientName = clientName;
    this._onAuthorization = onAuthorization;
    this.authorizationUrls = [];
  }

  get clientMetadata() {
    return {
      client_name: this._clientName,
      redirect_uris: [this._redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      application_type: 'native',
    };
  }

  saveResourceUrl(resource) {
    this._resource = resource;
  }

  saveDiscoveryState(state) {
    this._discoveryState = state;
  }

  discoveryState() {
    return this._discoveryState;
  }

  async prepareTokenRequest(scope) {
    const metadata = this._discoveryState?.authorizationServerMetadata;
    const clientId = this._clientInformation?.client_id;
    if (!metadata?.authorization_endpoint || !clientId) throw new Error('authorization server or client registration unknown');
    const verifier = crypto.randomBytes(32).toString('base64url');
    const state = crypto.randomBytes(12).toString('base64url');
    const url = new URL(metadata.authorization_endpoint);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: this._redirectUri,
      code_challenge: crypto.createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      state,
      ...(scope ? { scope } : {}),
      ...(this._resource ? { resource: this._resource } : {}),
    }).toString();
    this.authorizationUrls.push(url);
    const response = await followAuthorizationRedirects(url, { redirectUri: this._redirectUri, timeoutMs: 10_000 });
    if (response.state !== state) throw new Error('authorization response carries the wrong state');
    if (response.iss !== null && response.iss !== metadata.issuer) throw new Error(`authorization response from another issuer: ${response.iss}`);
    this._onAuthorization?.({ url, scope, response });
    return new URLSearchParams({ grant_type: 'authorization_code', code: response.code, code_verifier: verifier, redirect_uri: this._redirectUri });
  }
}
