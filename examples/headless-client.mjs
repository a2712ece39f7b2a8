// An MCP SDK `OAuthClientProvider` that completes the authorization request in code (no
// browser): it follows the local IdP's redirects (auto login + consent) to the redirect URI.
import crypto from 'node:crypto';
import { followAuthorizationRedirects } from './local-idp.mjs';

export class HeadlessOAuthProvider {
  constructor(redirectUrl, { clientName = 'mcp-auth-rs headless client' } = {}) {
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
