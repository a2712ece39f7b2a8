// End-to-end: a real OAuth/OIDC provider (oidc-provider, examples/local-idp.mjs), a real Express 5
// MCP server (@modelcontextprotocol/sdk, Streamable HTTP, stateless) guarded by mcp-auth-rs in
// resource-server mode, and the SDK's own client doing discovery (RFC 9728 → RFC 8414), dynamic
// client registration, PKCE and the token request. The authorization request itself is performed
// headlessly by following the IdP's redirects (auto login + consent).
//
// Run: node --test --test-concurrency=1 __test__/e2e.test.mjs

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import express from 'express';
import * as jose from 'jose';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { MCPAuth, fetchServerConfig } from 'mcp-auth-rs';
import { startLocalIdp } from '../examples/local-idp.mjs';
import { HeadlessOAuthProvider } from '../examples/headless-client.mjs';
import { mountMcpEndpoint } from '../examples/mcp-endpoint.mjs';
import { startHttpServer } from './helpers/http-server.mjs';
import { postInitialize, sha256 } from './helpers/mcp.mjs';
import { b64url, sleep, within } from './helpers/util.mjs';

const T = { timeout: 20_000 };
const OIDC_PATH = '/.well-known/openid-configuration';
const PRM_PATH = '/.well-known/oauth-protected-resource/mcp';

/** An HTTP server on 127.0.0.1 whose app is attached later (`srv.route('*', app)`): its port is known up front. */
const listenLater = async () => {
  const srv = await startHttpServer();
  srv.server.requestTimeout = 10_000;
  return srv;
};

/** The MCP server app: PRM router, bearer auth on /mcp (read), /mcp-admin (read + admin), /mcp-debug. */
const buildMcpApp = ({ mcpAuth, resource }) => {
  const app = express();
  app.use(mcpAuth.protectedResourceMetadataRouter());
  app.use('/mcp', mcpAuth.bearerAuth('jwt', { resource, audience: resource, requiredScopes: ['read'] }));
  app.use('/mcp-admin', mcpAuth.bearerAuth('jwt', { resource, audience: resource, requiredScopes: ['read', 'admin'] }));
  // Same checks as /mcp, with error details in the body (to assert *why* a token was rejected).
  app.use(
    '/mcp-debug',
    mcpAuth.bearerAuth('jwt', { resource, audience: resource, requiredScopes: ['read'], showErrorDetails: true }),
  );
  app.post('/mcp-debug', (req, res) => res.json({ ok: true, subject: req.auth?.subject }));
  mountMcpEndpoint(app, '/mcp');
  app.get('/mcp-admin', (req, res) => res.json({ sub: req.auth?.subject }));
  return app;
};

/** The jose error code behind a 401 `invalid_token`, via the showErrorDetails route. */
const rejectionCode = async (origin, token) => {
  const r = await postInitialize(`${origin}/mcp-debug`, `Bearer ${token}`);
  assert.equal(r.status, 401, JSON.stringify(r.body));
  assert.equal(r.body.error, 'invalid_token');
  return r.body.cause?.code;
};

// ---------------------------------------------------------------------------------------------

let idp; // the trusted IdP
let rogueIdp; // an untrusted IdP
let resolvedSrv; // MCP server with a resolved AS config (fetchServerConfig up front)
let discoverySrv; // MCP server with a discovery AS config (lazy)
let otherResource;
const cleanups = [];

const idpRequests = [];

before(async () => {
  resolvedSrv = await listenLater();
  discoverySrv = await listenLater();
  cleanups.push(() => resolvedSrv.close(), () => discoverySrv.close());
  resolvedSrv.resource = `${resolvedSrv.origin}/mcp`;
  discoverySrv.resource = `${discoverySrv.origin}/mcp`;
  otherResource = `${resolvedSrv.origin}/other`;

  idp = await within(
    startLocalIdp({ resource: [resolvedSrv.resource, discoverySrv.resource, otherResource] }),
    10_000,
    'start IdP',
  );
  cleanups.push(() => idp.close());
  idp.server.prependListener('request', (req) => idpRequests.push({ method: req.method, url: req.url }));

  rogueIdp = await within(
    startLocalIdp({ resource: [resolvedSrv.resource, discoverySrv.resource] }),
    10_000,
    'start rogue IdP',
  );
  cleanups.push(() => rogueIdp.close());

  // Resolved config: metadata fetched before the server starts.
  const resolvedConfig = await within(fetchServerConfig(idp.issuer, { type: 'oidc' }), 5000, 'fetchServerConfig');
  resolvedSrv.mcpAuth = new MCPAuth({
    protectedResources: {
      metadata: {
        resource: resolvedSrv.resource,
        authorizationServers: [resolvedConfig],
        scopesSupported: ['read', 'write'],
      },
    },
  });
  resolvedSrv.route('*', buildMcpApp({ mcpAuth: resolvedSrv.mcpAuth, resource: resolvedSrv.resource }));

  // Discovery config: nothing fetched until the first token has to be verified.
  discoverySrv.mcpAuth = new MCPAuth({
    protectedResources: {
      metadata: {
        resource: discoverySrv.resource,
        authorizationServers: [{ issuer: idp.issuer, type: 'oidc' }],
        scopesSupported: ['read', 'write'],
      },
    },
  });
  discoverySrv.route('*', buildMcpApp({ mcpAuth: discoverySrv.mcpAuth, resource: discoverySrv.resource }));
});

after(async () => {
  await Promise.allSettled(cleanups.reverse().map((fn) => within(fn(), 5000, 'close')));
});

const oidcMetadataFetches = () => idpRequests.filter((r) => r.url.split('?')[0] === OIDC_PATH).length;

for (const mode of ['resolved', 'discovery']) {
  const srv = () => (mode === 'resolved' ? resolvedSrv : discoverySrv);

  describe(`${mode} authorization server config`, () => {
    let fullToken; // a real IdP token (read write) for this resource, via the code flow
    let shortToken; // a real IdP token with a 1 s lifetime

    test('protected resource metadata is served (RFC 9728)', T, async () => {
      const res = await fetch(`${srv().origin}${PRM_PATH}`, { signal: AbortSignal.timeout(5000) });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('access-control-allow-origin'), '*');
      assert.deepEqual(await res.json(), {
        resource: srv().resource,
        scopes_supported: ['read', 'write'],
        authorization_servers: [idp.issuer],
      });
    });

    test('no token → 401 with resource_metadata pointing at the PRM document', T, async () => {
      const before = oidcMetadataFetches();
      const r = await postInitialize(`${srv().origin}/mcp`);
      assert.equal(r.status, 401);
      assert.ok(r.wwwAuthenticate, 'WWW-Authenticate header present');
      assert.match(r.wwwAuthenticate, /^Bearer /);
      assert.ok(
        r.wwwAuthenticate.includes(`resource_metadata="${srv().origin}${PRM_PATH}"`),
        `WWW-Authenticate: ${r.wwwAuthenticate}`,
      );
      assert.ok(r.wwwAuthenticate.includes('error="missing_auth_header"'), r.wwwAuthenticate);
      assert.equal(r.body.error, 'missing_auth_header');
      assert.equal(oidcMetadataFetches(), before, 'no metadata fetch for a request without a token');
    });

    test('SDK client: discovery, dynamic registration, PKCE, token, then whoami', T, async () => {
      const fetchesBefore = oidcMetadataFetches();
      const redirectUri = 'http://127.0.0.1:53682/oauth/callback';
      const provider = new HeadlessOAuthProvider(redirectUri);
      const mcpUrl = new URL(`${srv().origin}/mcp`);

      // 1st connect: 401 → the SDK discovers, registers, and "redirects" (we follow headlessly).
      const transport1 = new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider });
      const client1 = new Client({ name: 'e2e-client', version: '1.0.0' });
      await assert.rejects(within(client1.connect(transport1), 15_000, 'first connect'), UnauthorizedError);
      await transport1.close().catch(() => {});
      assert.ok(provider.code, 'authorization code obtained');
      assert.equal(provider.authorizationResponse.iss, idp.issuer, 'RFC 9207 iss in the authorization response');

      // The SDK read the PRM document and used it.
      assert.ok(srv().requests.some((r) => r.url === PRM_PATH), 'PRM fetched by the SDK');
      const authzUrl = provider.authorizationUrls[0];
      assert.equal(authzUrl.origin + authzUrl.pathname, `${idp.issuer}/auth`);
      assert.equal(authzUrl.searchParams.get('resource'), srv().resource);
      assert.equal(authzUrl.searchParams.get('code_challenge_method'), 'S256');
      assert.equal(authzUrl.searchParams.get('scope'), 'read write');
      const clientId = provider.clientInformation()?.client_id;
      assert.ok(clientId, 'client registered dynamically');
      assert.equal(authzUrl.searchParams.get('client_id'), clientId);

      await within(transport1.finishAuth(provider.code), 10_000, 'finishAuth');
      const tokens = provider.tokens();
      assert.ok(tokens?.access_token, 'access token saved');
      assert.equal(tokens.token_type.toLowerCase(), 'bearer');

      // 2nd connect with the token, then call the tool.
      const transport2 = new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider });
      const client2 = new Client({ name: 'e2e-client', version: '1.0.0' });
      try {
        await within(client2.connect(transport2), 10_000, 'second connect');
        const { tools } = await client2.listTools(undefined, { timeout: 10_000 });
        assert.ok(tools.some((t) => t.name === 'whoami'));
        const result = await client2.callTool({ name: 'whoami', arguments: {} }, undefined, { timeout: 10_000 });
        assert.ok(!result.isError, `tool error: ${JSON.stringify(result)}`);
        const info = JSON.parse(result.content[0].text);
        const claims = jose.decodeJwt(tokens.access_token);

        assert.equal(info.subject, idp.accountId);
        assert.equal(info.subject, 'demo-user');
        assert.ok(info.scopes.includes('read'), `scopes: ${info.scopes}`);
        assert.deepEqual(info.scopes, ['read', 'write']);
        assert.equal(info.clientId, clientId);
        assert.equal(info.audience, srv().resource);
        assert.equal(info.issuer, idp.issuer);
        assert.equal(info.expiresAt, claims.exp);
        assert.deepEqual(info.claims, claims);
        assert.equal(info.tokenSha256, sha256(tokens.access_token), 'the bearer token reached the tool');
        assert.equal(info.token, undefined);
      } finally {
        await client2.close().catch(() => {});
      }

      if (mode === 'resolved') {
        assert.equal(oidcMetadataFetches(), fetchesBefore, 'resolved config: no metadata fetch by mcp-auth-rs');
      } else {
        assert.equal(oidcMetadataFetches(), fetchesBefore + 1, 'discovery config: fetched lazily, once');
      }
      fullToken = tokens.access_token;
    });

    test('obtain extra tokens from the IdP (code flow over HTTP)', T, async () => {
      fullToken ??= (await within(idp.getAccessToken({ resource: srv().resource }), 10_000, 'token')).access_token;
      shortToken = (await within(idp.getAccessToken({ resource: srv().resource, ttl: 1 }), 10_000, 'token')).access_token;
      const { exp, iat } = jose.decodeJwt(shortToken);
      assert.equal(exp - iat, 1);
      // Baseline: the short-lived token is accepted while still valid (fresh: exp > now).
      if (Math.floor(Date.now() / 1000) < exp) {
        const r = await postInitialize(`${srv().origin}/mcp`, `Bearer ${shortToken}`);
        if (Math.floor(Date.now() / 1000) < exp) assert.equal(r.status, 200, JSON.stringify(r.body));
      }
    });

    test('valid token via plain fetch → passes the middleware (200)', T, async () => {
      const r = await postInitialize(`${srv().origin}/mcp`, `Bearer ${fullToken}`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.wwwAuthenticate, null);
    });

    test('token without the required scope → 403 (write-only token on /mcp)', T, async () => {
      const { access_token: writeOnly } = await within(
        idp.getAccessToken({ resource: srv().resource, scope: ['write'] }),
        10_000,
        'token',
      );
      assert.equal(jose.decodeJwt(writeOnly).scope, 'write');
      const r = await postInitialize(`${srv().origin}/mcp`, `Bearer ${writeOnly}`);
      assert.equal(r.status, 403);
      assert.equal(r.body.error, 'missing_required_scopes');
      assert.deepEqual(r.body.missing_scopes, ['read']);
      assert.ok(r.wwwAuthenticate.includes('error="missing_required_scopes"'), r.wwwAuthenticate);
      assert.ok(!r.wwwAuthenticate.includes('resource_metadata='), '403 carries no resource_metadata');
    });

    test('token without the required scope → 403 (route requiring admin)', T, async () => {
      const res = await fetch(`${srv().origin}/mcp-admin`, {
        headers: { authorization: `Bearer ${fullToken}` },
        signal: AbortSignal.timeout(5000),
      });
      assert.equal(res.status, 403);
      const body = await res.json();
      assert.equal(body.error, 'missing_required_scopes');
      assert.deepEqual(body.missing_scopes, ['admin']);
    });

    test('token for another resource (wrong audience) → 401', T, async () => {
      const { access_token: other } = await within(idp.getAccessToken({ resource: otherResource }), 10_000, 'token');
      assert.equal(jose.decodeJwt(other).aud, otherResource);
      const r = await postInitialize(`${srv().origin}/mcp`, `Bearer ${other}`);
      assert.equal(r.status, 401);
      assert.equal(r.body.error, 'invalid_audience');
      assert.ok(r.wwwAuthenticate.includes('error="invalid_audience"'), r.wwwAuthenticate);
      assert.ok(r.wwwAuthenticate.includes(`resource_metadata="${srv().origin}${PRM_PATH}"`), r.wwwAuthenticate);
      const d = await postInitialize(`${srv().origin}/mcp-debug`, `Bearer ${other}`);
      assert.equal(d.status, 401);
      assert.deepEqual(d.body.cause, { expected: srv().resource, actual: otherResource });
    });

    test('expired token signed with the IdP key → 401', T, async () => {
      const now = Math.floor(Date.now() / 1000);
      const expired = await idp.signAccessToken({ aud: srv().resource, iat: now - 120, exp: now - 60 });
      const r = await postInitialize(`${srv().origin}/mcp`, `Bearer ${expired}`);
      assert.equal(r.status, 401);
      assert.equal(r.body.error, 'invalid_token');
      assert.ok(r.wwwAuthenticate.includes('error="invalid_token"'), r.wwwAuthenticate);
      assert.equal(await rejectionCode(srv().origin, expired), 'ERR_JWT_EXPIRED');

      // Control: the same construction, not expired, is accepted (the key is in the JWKS).
      const fresh = await idp.signAccessToken({ aud: srv().resource });
      assert.equal((await postInitialize(`${srv().origin}/mcp`, `Bearer ${fresh}`)).status, 200);
    });

    test('expired real IdP token (1 s lifetime) → 401', T, async () => {
      const { exp } = jose.decodeJwt(shortToken);
      const wait = exp * 1000 + 100 - Date.now();
      if (wait > 0) await sleep(wait);
      const r = await postInitialize(`${srv().origin}/mcp`, `Bearer ${shortToken}`);
      assert.equal(r.status, 401);
      assert.equal(r.body.error, 'invalid_token');
      assert.equal(await rejectionCode(srv().origin, shortToken), 'ERR_JWT_EXPIRED');
    });

    for (const [label, kid, code] of [
      ['same kid as the IdP key', () => idp.signingKey.kid, 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED'],
      ['unknown kid', () => 'attacker-key', 'ERR_JWKS_NO_MATCHING_KEY'],
    ]) {
      test(`token signed by a different key (${label}) → 401`, T, async () => {
        const { privateKey } = await jose.generateKeyPair('RS256');
        const forged = await new jose.SignJWT(jose.decodeJwt(fullToken))
          .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: kid() })
          .sign(privateKey);
        const r = await postInitialize(`${srv().origin}/mcp`, `Bearer ${forged}`);
        assert.equal(r.status, 401);
        assert.equal(r.body.error, 'invalid_token');
        assert.equal(await rejectionCode(srv().origin, forged), code);
      });
    }

    test('token from an untrusted IdP (valid signature, other issuer) → 401', T, async () => {
      const { access_token: rogue } = await within(rogueIdp.getAccessToken({ resource: srv().resource }), 10_000, 'token');
      assert.equal(jose.decodeJwt(rogue).iss, rogueIdp.issuer);
      let rogueHits = 0;
      const count = () => rogueHits++;
      rogueIdp.server.on('request', count);
      try {
        const r = await postInitialize(`${srv().origin}/mcp`, `Bearer ${rogue}`);
        assert.equal(r.status, 401);
        assert.equal(r.body.error, 'invalid_issuer');
        assert.ok(r.wwwAuthenticate.includes('error="invalid_issuer"'), r.wwwAuthenticate);
        const d = await postInitialize(`${srv().origin}/mcp-debug`, `Bearer ${rogue}`);
        assert.deepEqual(d.body.cause, { expected: idp.issuer, actual: rogueIdp.issuer });
      } finally {
        rogueIdp.server.off('request', count);
      }
      assert.equal(rogueHits, 0, 'no request to an untrusted issuer');
    });

    test('tampered payload (scope / sub changed, original signature) → 401', T, async () => {
      const [header, payload, signature] = fullToken.split('.');
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
      for (const changed of [
        { ...claims, scope: 'read write admin' },
        { ...claims, sub: 'someone-else' },
        { ...claims, exp: claims.exp + 3600 },
      ]) {
        const tampered = `${header}.${b64url(changed)}.${signature}`;
        const r = await postInitialize(`${srv().origin}/mcp`, `Bearer ${tampered}`);
        assert.equal(r.status, 401, `tampered ${JSON.stringify(changed)}`);
        assert.equal(r.body.error, 'invalid_token');
        assert.equal(await rejectionCode(srv().origin, tampered), 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
      }
      // The untampered token still works.
      assert.equal((await postInitialize(`${srv().origin}/mcp`, `Bearer ${fullToken}`)).status, 200);
    });

    test('malformed Authorization headers → 401', T, async () => {
      for (const [authorization, error] of [
        ['Basic abc', 'invalid_auth_header_format'],
        ['Bearer', 'missing_bearer_token'],
        ['Bearer not-a-jwt', 'invalid_token'],
      ]) {
        const r = await postInitialize(`${srv().origin}/mcp`, authorization);
        assert.equal(r.status, 401, authorization);
        assert.equal(r.body.error, error, authorization);
        assert.ok(r.wwwAuthenticate.includes(`resource_metadata="${srv().origin}${PRM_PATH}"`), r.wwwAuthenticate);
      }
    });
  });
}
