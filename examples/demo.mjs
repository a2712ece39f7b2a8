// The demo: a local OpenID provider, an MCP server guarded by mcp-auth-rs (resource-server mode),
// and the MCP SDK's own client signing in (discovery, dynamic registration, authorization code +
// PKCE) and calling `whoami`. Everything runs on 127.0.0.1 and the process exits by itself;
// `--serve` keeps the servers up for your own MCP client.
//
//   node examples/demo.mjs [--door express|node|fetch|hono|fastify] [--serve]
//   node examples/demo.mjs --profile [--door express|node]
//
// `--door` picks the front door the MCP server is guarded through: the server is the one of
// examples/door-<door>.mjs (default: express). Each door file also runs this demo by itself.
// `--profile` runs the step-up story of the mcp-2026-07-28 profile instead (examples/stepup-demo.mjs):
// a notes server needing `notes:read`, and `notes:write` to delete a note; the SDK v2 client gets a
// read token, is refused the delete with 403 insufficient_scope, re-authorizes and retries.
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { startLocalIdp } from './local-idp.mjs';
import { HeadlessOAuthProvider } from './headless-client.mjs';

export const DOORS = ['express', 'node', 'fetch', 'hono', 'fastify'];

const step = (text) => console.log(`\n▶ ${text}`);
const detail = (text) => console.log(`  ${text}`);

const listen = (server) =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });

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
  const authProvider = new ReportingProvider(redirectUri, { clientName: 'mcp-auth-rs demo client' });
  const client = new Client({ name: 'mcp-auth-rs-demo-client', version: '1.0.0' });
  try {
    await client.connect(new StreamableHTTPClientTransport(new URL(resource), { authProvider }));
  } catch (error) {
    if (!(error instanceof UnauthorizedError)) throw error;
    const transport = new StreamableHTTPClientTransport(new URL(resource), { authProvider });
    await transport.finishAuth(authProvider.code);
    await client.connect(transport);
  }

  step('Calling the whoami tool');
  const result = await client.callTool({ name: 'whoami', arguments: {} });
  const whoami = JSON.parse(result.content[0].text);
  detail(`subject:   ${whoami.subject}`);
  detail(`scopes:    ${whoami.scopes.join(' ')}`);
  detail(`client id: ${whoami.clientId}`);
  detail(`issuer:    ${whoami.issuer}`);
  detail(`audience:  ${[].concat(whoami.audience).join(' ')}`);
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
    options: { door: { type: 'string', default: 'express' }, serve: { type: 'boolean', default: false }, profile: { type: 'boolean', default: false } },
    strict: false,
  });
  if (values.profile) {
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
