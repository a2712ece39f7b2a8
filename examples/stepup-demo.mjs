// The step-up story of the mcp-2026-07-28 profile (`npm run demo -- --profile [--door express|node]`):
// a local OpenID provider granting the scopes asked for, the notes server of
// examples/notes-server.mjs (`notes:read` for everything, `notes:write` as well for `delete_note`),
// and the MCP SDK v2 client pinned to 2026-07-28, headless. It prints each step the client goes
// through: 401 → discovery → a token with notes:read → list_notes → delete_note refused with 403
// insufficient_scope → the SDK re-authorizes with both scopes → the retried delete succeeds.
// Everything runs on 127.0.0.1 and the process exits by itself.
import http from 'node:http';
import * as jose from 'jose';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { listenOnLoopback, startLocalIdp } from './local-idp.mjs';
import { SelfAuthorizingOAuthProvider } from './headless-client.mjs';
import { NOTES_SCOPES, STEPUP_DOORS, serveNotes } from './notes-server.mjs';

const step = (text) => console.log(`\n▶ ${text}`);
const detail = (text) => console.log(`  ${text}`);
const scopeOf = (token) => jose.decodeJwt(token).scope;

/** A `fetch` for the SDK's client that narrates the exchanges it makes. */
const narratingFetch = ({ resource, issuer }) => async (input, init = {}) => {
  const request = new Request(input, init);
  const url = new URL(request.url);
  const response = await fetch(input, init);
  if (url.href === resource) {
    const body = init.body ? JSON.parse(init.body) : {};
    const operation = body.params?.name ? `${body.method} ${body.params.name}` : body.method;
    const auth = request.headers.get('authorization');
    detail(`POST /mcp ${operation} (${auth ? `token with ${scopeOf(auth.slice(7))}` : 'no token'}) → HTTP ${response.status}`);
    const challenge = response.headers.get('www-authenticate');
    if (challenge) detail(`  WWW-Authenticate: ${challenge}`);
    if (response.status === 403) step('The SDK client steps up: it re-authorizes with the scopes it holds plus the challenged ones');
  } else if (url.pathname.startsWith('/.well-known/')) {
    detail(`discovery: GET ${url.href} → HTTP ${response.status}`);
  } else if (url.origin === issuer && url.pathname === '/reg') {
    detail(`dynamic client registration (scope "${JSON.parse(init.body).scope}") → HTTP ${response.status}`);
  } else if (url.origin === issuer && url.pathname === '/token') {
    const tokens = await response.clone().json();
    detail(`token request (${new URLSearchParams(init.body).get('grant_type')}) → HTTP ${response.status}: access token with scope "${tokens.access_token ? scopeOf(tokens.access_token) : '—'}"`);
  }
  return response;
};

export async function runStepUpDemo({ door = 'express' } = {}) {
  if (!STEPUP_DOORS.includes(door)) {
    console.error(`--profile runs with --door ${STEPUP_DOORS.join(' or ')}`);
    process.exit(2);
  }
  const mcpHttp = http.createServer();
  const { port, close: closeMcp } = await listenOnLoopback(mcpHttp);
  const resource = `http://127.0.0.1:${port}/mcp`;

  step('Starting a local OpenID provider (oidc-provider, auto-approving login and consent, registered scope advisory)');
  const idp = await startLocalIdp({ resource, scopes: NOTES_SCOPES, advisoryClientScope: true });
  detail(`issuer: ${idp.issuer}`);

  step(`Starting the notes MCP server (SDK v2), guarded by mcp-auth-rs${door === 'express' ? '/express' : '/node'} under profile mcp-2026-07-28`);
  const notesServer = await serveNotes(mcpHttp, idp.issuer, { door });
  detail(`MCP endpoint: ${resource}`);
  detail(`requiredScopes: notes:read; operationScopes: tools/call:delete_note → notes:write`);

  step('The SDK v2 client (pinned to 2026-07-28) connects: 401 → discovery → registration → authorization code + PKCE');
  const provider = new SelfAuthorizingOAuthProvider(`http://127.0.0.1:${port}/oauth/callback`, {
    clientName: 'mcp-auth-rs step-up demo',
    onAuthorization: ({ url }) =>
      detail(`authorization request: scope "${url.searchParams.get('scope')}", resource ${url.searchParams.get('resource')} → code (auto-approved)`),
  });
  const client = new Client({ name: 'mcp-auth-rs-stepup-demo', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  try {
    await client.connect(
      new StreamableHTTPClientTransport(new URL(resource), { authProvider: provider, fetch: narratingFetch({ resource, issuer: idp.issuer }) }),
    );
    detail(`connected, protocol ${client.getNegotiatedProtocolVersion()}`);

    step('Listing the notes (needs notes:read)');
    const listed = await client.callTool({ name: 'list_notes', arguments: {} });
    detail(`notes: ${listed.content[0].text}`);

    step('Deleting note n1 (needs notes:write as well)');
    const deleted = await client.callTool({ name: 'delete_note', arguments: { id: 'n1' } });
    const result = JSON.parse(deleted.content[0].text);
    step('The delete succeeded after the step-up');
    detail(`result: deleted ${result.deleted} by ${result.by} with scopes ${result.scopes.join(' ')}`);
    detail(`notes left: ${[...notesServer.notes.keys()].join(', ')}`);
  } finally {
    await client.close().catch(() => {});
    await notesServer.close();
    await closeMcp();
    await idp.close();
  }
  step('Done');
}
