// The demo: a local OpenID provider, an MCP server guarded by mcp-auth-rs (resource-server mode),
// and the MCP SDK's own client signing in (discovery, dynamic registration, authorization code +
// PKCE) and calling `whoami`. Everything runs on 127.0.0.1 and the process exits by itself;
// `--serve` keeps the servers up for your own MCP client.
import http from 'node:http';
import express from 'express';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { MCPAuth, fetchServerConfig } from 'mcp-auth-rs';
import { startLocalIdp } from './local-idp.mjs';
import { HeadlessOAuthProvider } from './headless-client.mjs';
import { mountMcpEndpoint } from './mcp-endpoint.mjs';

const serve = process.argv.includes('--serve');
const step = (text) => console.log(`\n▶ ${text}`);
const detail = (text) => console.log(`  ${text}`);

const listen = (server) =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });

// 1. The MCP server's address first: the resource identifier names it.
const mcpHttp = http.createServer();
const mcpPort = await listen(mcpHttp);
const resource = `http://127.0.0.1:${mcpPort}/mcp`;

step('Starting a local OpenID provider (oidc-provider, auto-approving login and consent)');
const idp = await startLocalIdp({ resource, scopes: ['read', 'write'], accountId: 'demo-user' });
detail(`issuer: ${idp.issuer}`);

step('Starting the MCP server, guarded by mcp-auth-rs');
const authServerConfig = await fetchServerConfig(idp.issuer, { type: 'oidc' });
detail(`fetchServerConfig: jwks_uri ${authServerConfig.metadata.jwksUri}`);
const mcpAuth = new MCPAuth({
  protectedResources: {
    metadata: { resource, authorizationServers: [authServerConfig], scopesSupported: ['read', 'write'] },
  },
});
const app = express();
app.use(mcpAuth.protectedResourceMetadataRouter());
app.use('/mcp', mcpAuth.bearerAuth('jwt', { resource, audience: resource, requiredScopes: ['read'] }));
mountMcpEndpoint(app, '/mcp');
mcpHttp.on('request', app);
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
