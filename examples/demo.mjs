// The demo: a local OpenID provider, an MCP server guarded by mcp-auth-rs (resource-server mode),
// and the MCP SDK's own client signing in (discovery, dynamic registration, authorization code +
// PKCE) and calling `whoami`. Everything runs on 127.0.0.1 and the process exits by itself;
// `--serve` keeps the servers up for your own MCP client.
//
//   node examples/demo.mjs [--door express|node|fetch|hono|fastify] [--serve]
//   node examples/demo.mjs --profile [--door express|node]
//   node examples/demo.mjs --dpop
//
// `--door` picks the front door the MCP server is guarded through: the server is the one of
// examples/door-<door>.mjs (default: express). Each door file also runs this demo by itself.
// `--profile` runs the step-up story of the mcp-2026-07-28 profile instead (examples/stepup-demo.mjs):
// a notes server needing `notes:read`, and `notes:write` to delete a note; the SDK v2 client gets a
// read token, is refused the delete with 403 insufficient_scope, re-authorizes and retries.
// `--dpop` runs the MCP flow with a DPoP-bound token (RFC 9449) instead: the local IdP binds the token
// to the client's key (a proof on the token request), the server (Express, `mcpAuth.bearerAuth('jwt',
// { ..., dpop: { required: true } })`) checks a fresh proof on every request, and the demo shows a
// replayed proof, the token sent as a plain bearer token and a proof from another key refused.
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import express from 'express';
import * as jose from 'jose';
import { MCPAuth, fetchServerConfig } from 'mcp-auth-rs';
import { listenOnLoopback, startLocalIdp } from './local-idp.mjs';
import { HeadlessOAuthProvider } from './headless-client.mjs';
import { DpopKey, dpopFetch } from './dpop-client.mjs';
import { mountMcpEndpoint } from './mcp-endpoint.mjs';

export const DOORS = ['express', 'node', 'fetch', 'hono', 'fastify'];

const step = (text) => console.log(`\n▶ ${text}`);
const detail = (text) => console.log(`  ${text}`);

const listen = (server) =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });

/** The SDK v1 client's OAuth provider (headless), narrating registration, authorization and the token. */
class ReportingProvider extends HeadlessOAuthProvider {
  saveClientInformation(info) {
    detail(`registered client ${info.client_id} (dynamic client registration)`);
    super.saveClientInformation(info);
  }
  async redirectToAuthorization(url) {
    detail(`authorization request: PKCE ${url.searchParams.get('code_challenge_method')}, scope "${url.searchParams.get('scope')}", resource ${url.searchParams.get('resource')}`);
    await super.redirectToAuthorization(url);
    detail('authorization code received (login and consent auto-approved)');
  }
  saveTokens(tokens) {
    detail(`access token received (${tokens.token_type}, expires in ${tokens.expires_in} s)`);
    super.saveTokens(tokens);
  }
}

/** Connects `client` (SDK v1) to `resource`: the first attempt gets the code, `finishAuth` the token. */
const connectSignedIn = async (client, resource, options) => {
  try {
    await client.connect(new StreamableHTTPClientTransport(new URL(resource), options));
  } catch (error) {
    if (!(error instanceof UnauthorizedError)) throw error;
    const transport = new StreamableHTTPClientTransport(new URL(resource), options);
    await transport.finishAuth(options.authProvider.code);
    await client.connect(transport);
  }
};

const printWhoami = (whoami) => {
  detail(`subject:   ${whoami.subject}`);
  detail(`scopes:    ${whoami.scopes.join(' ')}`);
  detail(`client id: ${whoami.clientId}`);
  detail(`issuer:    ${whoami.issuer}`);
  detail(`audience:  ${[].concat(whoami.audience).join(' ')}`);
};

/**
 * Runs the demo against the MCP server of a door file: `serveMcp(httpServer, issuer)` serves the
 * guarded endpoint `/mcp` on `httpServer` (already listening) and resolves its `MCPAuth`;
 * `about` names the framework and the MCP SDK. `serve`: keep serving after the demo.
 */
export async function runDemo({ door, serveMcp, about, serve = false }) {
  // 1. The MCP server's address first: the resource identifier names it.
  const mcpHttp = http.createServer();
  const mcpPort = await listen(mcpHttp);
  const resource = `http://127.0.0.1:${mcpPort}/mcp`;

  step('Starting a local OpenID provider (oidc-provider, auto-approving login and consent)');
  const idp = await startLocalIdp({ resource, scopes: ['read', 'write'], accountId: 'demo-user' });
  detail(`issuer: ${idp.issuer}`);

  step(door === 'express' ? 'Starting the MCP server, guarded by mcp-auth-rs' : `Starting the MCP server, guarded by mcp-auth-rs/${door} (${about})`);
  const mcpAuth = await serveMcp(mcpHttp, idp.issuer);
  const [authServerConfig] = mcpAuth.config.protectedResources.metadata.authorizationServers;
  detail(`fetchServerConfig: jwks_uri ${authServerConfig.metadata.jwksUri}`);
  detail(`MCP endpoint: ${resource}`);
  detail(`protected resource metadata: http://127.0.0.1:${mcpPort}/.well-known/oauth-protected-resource/mcp`);

  step('A request without a token');
  const anonymous = await fetch(resource, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  });
  detail(`HTTP ${anonymous.status}`);
  detail(`WWW-Authenticate: ${anonymous.headers.get('www-authenticate')}`);

  step('The MCP client connects: discovery, dynamic client registration, authorization code + PKCE');
  const redirectUri = `http://127.0.0.1:${mcpPort}/oauth/callback`;
  const authProvider = new ReportingProvider(redirectUri, { clientName: 'mcp-auth-rs demo client' });
  const client = new Client({ name: 'mcp-auth-rs-demo-client', version: '1.0.0' });
  await connectSignedIn(client, resource, { authProvider });

  step('Calling the whoami tool');
  const result = await client.callTool({ name: 'whoami', arguments: {} });
  printWhoami(JSON.parse(result.content[0].text));
  await client.close();

  if (serve) {
    step('Serving (Ctrl+C to stop)');
    detail(`Point an MCP client at ${resource}; it discovers ${idp.issuer} through the protected resource metadata.`);
  } else {
    await new Promise((resolve) => mcpHttp.close(resolve));
    mcpHttp.closeAllConnections();
    await idp.close();
    step('Done');
  }
}

/** A proof, summarized: its header (the public key's type and curve) and its claims. */
const describeProof = (proof) => {
  const { typ, alg, jwk } = jose.decodeProtectedHeader(proof);
  const { htm, htu, iat, jti, ath } = jose.decodeJwt(proof);
  detail(`  proof header: typ ${typ}, alg ${alg}, jwk { kty ${jwk.kty}${jwk.crv ? `, crv ${jwk.crv}` : ''} } (public key only: ${'d' in jwk ? 'no' : 'yes'})`);
  detail(`  proof claims: htm ${htm}, htu ${htu}, iat ${iat} (${Math.floor(Date.now() / 1000) - iat} s ago), jti ${jti}${ath ? `, ath ${ath}` : ', no ath'}`);
};

/** The operation of an MCP request body (`tools/call whoami`), or the method for a GET. */
const operationOf = ({ method, body }) => {
  if (method !== 'POST') return `${method} (the SDK opens its SSE stream; a stateless server has none)`;
  const message = JSON.parse(body);
  return message.params?.name ? `${message.method} ${message.params.name}` : message.method;
};

/** Prints a refused request's answer; throws unless it is a 401 with error `expected`. */
const expectRefused = async (response, expected) => {
  const challenge = response.headers.get('www-authenticate') ?? '';
  detail(`HTTP ${response.status}`);
  detail(`WWW-Authenticate: ${challenge}`);
  detail(`body: ${await response.text()}`);
  const error = /error="([^"]*)"/.exec(challenge)?.[1];
  if (response.status !== 401 || error !== expected) throw new Error(`expected 401 ${expected}, got ${response.status} ${error}`);
  detail(`→ refused: 401 ${expected}, as expected`);
};

/**
 * The DPoP demo (`--dpop`): the local IdP binds the access token to the client's key, the MCP server
 * (Express, `bearerAuth('jwt', { ..., dpop: { required: true } })`) accepts it with a fresh proof per
 * request, and refuses a replayed proof, the token as a bearer token and a proof from another key.
 */
export async function runDpopDemo() {
  const mcpHttp = http.createServer();
  const { port: mcpPort, close: closeMcp } = await listenOnLoopback(mcpHttp);
  const resource = `http://127.0.0.1:${mcpPort}/mcp`;

  step('Starting a local OpenID provider with DPoP (oidc-provider features.dPoP, auto-approving login and consent)');
  const idp = await startLocalIdp({ resource, scopes: ['read', 'write'], accountId: 'demo-user', dpop: true });
  let client;
  try {
    detail(`issuer: ${idp.issuer}`);
    const asMetadata = await (await fetch(idp.metadataUrls.oauth)).json();
    detail(`dpop_signing_alg_values_supported: ${asMetadata.dpop_signing_alg_values_supported.join(' ')}`);

    step("Starting the MCP server, guarded by mcp-auth-rs: bearerAuth('jwt', { resource, dpop: { required: true } })");
    const mcpAuth = new MCPAuth({
      protectedResources: {
        metadata: { resource, authorizationServers: [await fetchServerConfig(idp.issuer, { type: 'oidc' })], scopesSupported: ['read', 'write'] },
      },
    });
    const app = express();
    app.use(mcpAuth.protectedResourceMetadataRouter());
    app.use('/mcp', mcpAuth.bearerAuth('jwt', { resource, audience: resource, requiredScopes: ['read'], dpop: { required: true } }));
    mountMcpEndpoint(app, '/mcp');
    mcpHttp.on('request', app);
    detail(`MCP endpoint: ${resource}`);

    step('A request without a token');
    const anonymous = await fetch(resource, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    await anonymous.body?.cancel();
    detail(`HTTP ${anonymous.status}`);
    detail(`WWW-Authenticate: ${anonymous.headers.get('www-authenticate')}`);

    step("The client's DPoP key (examples/dpop-client.mjs, on jose)");
    const key = await DpopKey.generate('ES256');
    detail(`ES256 key pair; JWK thumbprint (RFC 7638, SHA-256): ${key.thumbprint}`);

    step('The MCP client connects: discovery, registration, authorization code + PKCE, a token request with a DPoP proof');
    const calls = []; // the MCP requests sent with the DPoP-bound token
    let describeNext = false;
    const fetchWithDpop = dpopFetch(key, {
      onExchange(exchange) {
        if (exchange.kind === 'token') {
          detail(`token request: POST ${exchange.url.href} with a DPoP proof → HTTP ${exchange.response.status}`);
          describeProof(exchange.proof);
          return;
        }
        calls.push(exchange);
        detail(`${operationOf(exchange)}: Authorization: DPoP <token>, a fresh proof (jti ${jose.decodeJwt(exchange.proof).jti}) → HTTP ${exchange.response.status}`);
        if (describeNext && exchange.method === 'POST') describeProof(exchange.proof);
      },
    });
    const authProvider = new ReportingProvider(`http://127.0.0.1:${mcpPort}/oauth/callback`, { clientName: 'mcp-auth-rs DPoP demo client' });
    client = new Client({ name: 'mcp-auth-rs-dpop-demo-client', version: '1.0.0' });
    await connectSignedIn(client, resource, { authProvider, fetch: fetchWithDpop });

    step('The token is bound to the key');
    const { access_token: token, token_type: tokenType } = authProvider.tokens();
    const jkt = jose.decodeJwt(token).cnf?.jkt;
    detail(`token_type: ${tokenType}`);
    detail(`cnf.jkt of the access token: ${jkt}`);
    detail(`thumbprint of the client key: ${key.thumbprint}`);
    if (jkt !== key.thumbprint) throw new Error('the access token is not bound to the client key');
    detail('→ they match: the token is usable only with proofs signed by this key');

    step('Calling the whoami tool (Authorization: DPoP <token>, a fresh proof for this request)');
    describeNext = true;
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    describeNext = false;
    const whoami = JSON.parse(result.content[0].text);
    printWhoami(whoami);
    if (whoami.claims?.cnf?.jkt) detail(`cnf.jkt:   ${whoami.claims.cnf.jkt}`);
    const call = calls.findLast((exchange) => exchange.method === 'POST' && operationOf(exchange) === 'tools/call whoami');

    step('The same request replayed with the same proof (someone who captured both)');
    await expectRefused(await fetch(call.url, { method: call.method, headers: call.headers, body: call.body }), 'invalid_dpop_proof');

    step('The token sent as a plain bearer token (no proof)');
    const asBearer = new Headers(call.headers);
    asBearer.set('authorization', `Bearer ${token}`);
    asBearer.delete('dpop');
    await expectRefused(await fetch(call.url, { method: call.method, headers: asBearer, body: call.body }), 'invalid_token');

    step('A fresh proof signed by another key (the token stolen, not the key)');
    const otherKey = await DpopKey.generate('ES256');
    detail(`other key's thumbprint: ${otherKey.thumbprint} (≠ cnf.jkt)`);
    const withOtherKey = new Headers(call.headers);
    withOtherKey.set('dpop', await otherKey.proof({ method: call.method, url: call.url, accessToken: token }));
    await expectRefused(await fetch(call.url, { method: call.method, headers: withOtherKey, body: call.body }), 'invalid_token');

    step("The client's next call, with a fresh proof from its key, still succeeds");
    const again = await client.callTool({ name: 'whoami', arguments: {} });
    detail(`whoami: subject ${JSON.parse(again.content[0].text).subject}`);
  } finally {
    await client?.close().catch(() => {});
    await closeMcp();
    await idp.close();
  }
  step('Done');
}

const isMain = (moduleUrl) => Boolean(process.argv[1]) && path.resolve(process.argv[1]) === fileURLToPath(moduleUrl);
// A failed demo stops the process (servers still open would keep it alive).
const fail = (error) => {
  console.error(error);
  process.exit(1);
};

/** For a door file (`door`: `{ door, serveMcp, about }`) started as the script: the demo through
 * that door, then it keeps serving (Ctrl+C stops it); with `--demo` it exits after the demo. */
export const runIfMain = (moduleUrl, door) => {
  if (isMain(moduleUrl)) runDemo({ ...door, serve: !process.argv.includes('--demo') }).catch(fail);
};

// Run as a script. No top-level await in this module: the door files import it, and it imports
// the door file; its evaluation must not wait for the demo.
if (isMain(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      door: { type: 'string', default: 'express' },
      serve: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      dpop: { type: 'boolean', default: false },
    },
    strict: false,
  });
  if (values.dpop) {
    if (values.profile || values.serve || values.door !== 'express') {
      console.error('--dpop runs on its own (Express, mcpAuth.bearerAuth): no --profile, --serve or --door');
      process.exit(2);
    }
    runDpopDemo().catch(fail);
  } else if (values.profile) {
    import('./stepup-demo.mjs').then(({ runStepUpDemo }) => runStepUpDemo({ door: values.door })).catch(fail);
  } else if (!DOORS.includes(values.door)) {
    console.error(`--door takes one of ${DOORS.join(', ')}`);
    process.exit(2);
  } else {
    import(`./door-${values.door}.mjs`)
      .then(({ serveMcp, about }) => runDemo({ door: values.door, serveMcp, about, serve: values.serve }))
      .catch(fail);
  }
}
