// End-to-end step-up (MCP 2026-07-28, SEP-2350) against a real OpenID provider (oidc-provider,
// examples/local-idp.mjs, granting the scopes asked for), an MCP notes server on the SDK v2 server
// (examples/notes-server.mjs: `list_notes`, `delete_note`, `createMcpHandler` + `toNodeHandler`)
// guarded by mcp-auth-rs under `profile: 'mcp-2026-07-28'` with `requiredScopes: ['notes:read']`
// and `operationScopes: { 'tools/call:delete_note': ['notes:write'] }`, and the SDK's own clients.
//
//   1. SDK v2 client pinned to 2026-07-28, headless (examples/headless-client.mjs
//      SelfAuthorizingOAuthProvider): 401 → discovery → registration → token with `notes:read` →
//      list_notes → delete_note → 403 insufficient_scope scope="notes:read notes:write" → the SDK
//      re-authorizes with both scopes by itself → retries → the note is deleted. The transcript
//      (requests, statuses, the challenge, authorization requests and token exchanges with their
//      scopes) is recorded and asserted; through the Express door (body parsed before the check)
//      and the node door (the operation from the Mcp-Method / Mcp-Name headers).
//   2. SDK v2 client with a redirect-based provider: the SDK makes the step-up authorization
//      request (both scopes) and, the redirect being the application's, rejects the call with
//      UnauthorizedError; finishAuth + a retry deletes the note.
//   3. SDK v1 client (@modelcontextprotocol/sdk): its sign-in against the profile, list_notes with
//      a `notes:read` token.
//
// Run: node --test --test-concurrency=1 __test__/e2e-stepup.test.mjs

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import * as jose from 'jose';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as ClientTransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError as UnauthorizedErrorV1 } from '@modelcontextprotocol/sdk/client/auth.js';
import {
  Client as ClientV2,
  StreamableHTTPClientTransport as ClientTransportV2,
  UnauthorizedError as UnauthorizedErrorV2,
} from '@modelcontextprotocol/client';
import { listenOnLoopback, startLocalIdp } from '../examples/local-idp.mjs';
import { HeadlessOAuthProvider, SelfAuthorizingOAuthProvider } from '../examples/headless-client.mjs';
import { NOTES_SCOPES, serveNotes } from '../examples/notes-server.mjs';
import { within } from './helpers/util.mjs';

const T = { timeout: 60_000 };
const MODERN = '2026-07-28';
const PINNED = { versionNegotiation: { mode: { pin: MODERN } } };
const redirectUri = 'http://127.0.0.1:53682/oauth/callback';
const prmPath = (resource) => `/.well-known/oauth-protected-resource${new URL(resource).pathname}`;

/** RFC 9110 auth-params of a `Bearer` challenge (quoted-strings unescaped). */
const challengeParams = (header) => {
  const params = {};
  const re = /([A-Za-z_]+)="((?:[^"\\]|\\.)*)"/g;
  for (let m = re.exec(header ?? ''); m; m = re.exec(header)) params[m[1]] = m[2].replace(/\\(.)/g, '$1');
  return params;
};

const scopeOfToken = (accessToken) => jose.decodeJwt(accessToken).scope;

/**
 * A `fetch` recording every exchange the SDK makes (MCP and OAuth) into `transcript`: the MCP
 * requests with their operation, status and challenge; the token requests with the scope the
 * access token carries. The provider adds its authorization requests.
 */
const recordingFetch = (transcript, { resource, issuer }) => async (input, init = {}) => {
  const request = new Request(input, init);
  const url = new URL(request.url);
  const response = await fetch(input, init);
  const entry = { method: request.method, url: url.origin === new URL(resource).origin ? url.pathname : `${url.origin}${url.pathname}`, status: response.status };
  if (url.href === resource) {
    entry.kind = 'mcp';
    const body = init.body ? JSON.parse(init.body) : undefined;
    entry.operation = body?.method ? (body.params?.name ? `${body.method}:${body.params.name}` : body.method) : undefined;
    entry.mcpMethod = request.headers.get('mcp-method') ?? undefined;
    entry.mcpName = request.headers.get('mcp-name') ?? undefined;
    entry.bearer = request.headers.has('authorization') ? scopeOfToken(request.headers.get('authorization').slice(7)) : null;
    const challenge = response.headers.get('www-authenticate');
    if (challenge) entry.challenge = challenge;
  } else if (url.pathname.startsWith('/.well-known/')) {
    entry.kind = 'discovery';
  } else if (url.origin === issuer && url.pathname === '/reg') {
    entry.kind = 'registration';
    entry.scope = JSON.parse(init.body).scope;
  } else if (url.origin === issuer && url.pathname === '/token') {
    entry.kind = 'token';
    const form = new URLSearchParams(init.body);
    entry.grantType = form.get('grant_type');
    const tokens = await response.clone().json();
    entry.grantedScope = tokens.scope;
    entry.accessTokenScope = tokens.access_token ? scopeOfToken(tokens.access_token) : undefined;
  }
  transcript.push(entry);
  return response;
};

const printable = (transcript) =>
  transcript
    .map((e) => {
      if (e.kind === 'mcp') {
        return `${e.method} ${e.url} ${e.operation ?? ''} [Mcp-Method ${e.mcpMethod ?? '-'}${e.mcpName ? ` Mcp-Name ${e.mcpName}` : ''}] token=${e.bearer ?? 'none'} → ${e.status}${e.challenge ? ` WWW-Authenticate: ${e.challenge}` : ''}`;
      }
      if (e.kind === 'authorization') return `authorization request scope="${e.scope}" resource=${e.resource} → code`;
      if (e.kind === 'registration') return `POST ${e.url} (registration, scope "${e.scope}") → ${e.status}`;
      if (e.kind === 'token') return `POST ${e.url} grant_type=${e.grantType} → ${e.status} scope "${e.grantedScope}" (access token scope "${e.accessTokenScope}")`;
      return `${e.method} ${e.url} → ${e.status}`;
    })
    .join('\n');

let idp;
const servers = {};
const cleanups = [];

const startNotes = async (door) => {
  const httpServer = http.createServer();
  const { close } = await listenOnLoopback(httpServer);
  cleanups.push(close);
  return { httpServer, door };
};

before(async () => {
  for (const door of ['express', 'node']) servers[door] = await startNotes(door);
  const resources = Object.values(servers).map(({ httpServer }) => `http://127.0.0.1:${httpServer.address().port}/mcp`);
  idp = await within(startLocalIdp({ resource: resources, scopes: NOTES_SCOPES, advisoryClientScope: true }), 10_000, 'start IdP');
  cleanups.push(() => idp.close());
  for (const door of ['express', 'node']) {
    const served = await serveNotes(servers[door].httpServer, idp.issuer, { door });
    Object.assign(servers[door], served);
    cleanups.push(served.close);
  }
});

after(async () => {
  await Promise.allSettled(cleanups.reverse().map((fn) => within(Promise.resolve().then(fn), 5000, 'close')));
});

const resetNotes = (notes) => {
  notes.clear();
  notes.set('n1', 'buy milk');
  notes.set('n2', 'call Bob');
};

/** The step-up with the SDK v2 client and the self-authorizing provider; returns the transcript. */
const stepUp = async (door) => {
  const { resource, notes } = servers[door];
  resetNotes(notes);
  const transcript = [];
  const provider = new SelfAuthorizingOAuthProvider(redirectUri, {
    onAuthorization: ({ url }) =>
      transcript.push({ kind: 'authorization', scope: url.searchParams.get('scope'), resource: url.searchParams.get('resource'), clientId: url.searchParams.get('client_id') }),
  });
  const client = new ClientV2({ name: 'e2e-stepup-v2', version: '1.0.0' }, PINNED);
  const transport = new ClientTransportV2(new URL(resource), {
    authProvider: provider,
    fetch: recordingFetch(transcript, { resource, issuer: idp.issuer }),
  });
  try {
    await within(client.connect(transport), 20_000, 'connect');
    assert.equal(client.getNegotiatedProtocolVersion(), MODERN);
    const listed = await client.callTool({ name: 'list_notes', arguments: {} }, { timeout: 10_000 });
    assert.deepEqual(JSON.parse(listed.content[0].text), [{ id: 'n1', body: 'buy milk' }, { id: 'n2', body: 'call Bob' }]);
    const readTranscriptLength = transcript.length;
    const deleted = await within(client.callTool({ name: 'delete_note', arguments: { id: 'n1' } }, { timeout: 20_000 }), 25_000, 'delete_note');
    const result = JSON.parse(deleted.content[0].text);
    return { transcript, readTranscriptLength, result, provider, notes, resource };
  } finally {
    await client.close().catch(() => {});
  }
};

const assertStepUpTranscript = ({ transcript, readTranscriptLength, result, provider, notes, resource }, { headersOnly }) => {
  const prm = String(new URL(prmPath(resource), resource));
  const mcp = transcript.filter((e) => e.kind === 'mcp');
  const tokens = transcript.filter((e) => e.kind === 'token');
  const authorizations = transcript.filter((e) => e.kind === 'authorization');
  const registrations = transcript.filter((e) => e.kind === 'registration');

  // 1. The first MCP request carries no token: 401 naming the resource metadata and notes:read.
  assert.equal(mcp[0].bearer, null);
  assert.equal(mcp[0].status, 401);
  assert.deepEqual(challengeParams(mcp[0].challenge), { resource_metadata: prm, scope: 'notes:read' });
  assert.ok(!/error=/.test(mcp[0].challenge), mcp[0].challenge);

  // 2. Discovery: the PRM document, then the authorization server's metadata.
  const discovery = transcript.filter((e) => e.kind === 'discovery');
  assert.ok(discovery.some((e) => e.url === prmPath(resource) && e.status === 200), printable(transcript));
  assert.ok(discovery.some((e) => e.url.startsWith(idp.issuer) && e.status === 200), printable(transcript));

  // 3. One registration (with the first challenge's scope), then a token with notes:read only.
  assert.equal(registrations.length, 1);
  assert.equal(registrations[0].status, 201);
  assert.deepEqual(registrations[0].scope.split(' ').sort(), ['notes:read', 'offline_access']);
  assert.equal(authorizations.length, 2, printable(transcript));
  assert.deepEqual(authorizations[0].scope.split(' ').sort(), ['notes:read', 'offline_access']);
  assert.equal(authorizations[0].resource, resource);
  assert.equal(tokens.length, 2, printable(transcript));
  assert.equal(tokens[0].grantType, 'authorization_code');
  assert.equal(tokens[0].status, 200);
  assert.equal(tokens[0].accessTokenScope, 'notes:read');

  // 4. With the read token: discovery/initialization and list_notes succeed.
  const beforeDelete = mcp.filter((e) => transcript.indexOf(e) < readTranscriptLength);
  assert.ok(beforeDelete.slice(1).every((e) => e.bearer === 'notes:read' && e.status === 200), printable(transcript));
  assert.ok(beforeDelete.some((e) => e.operation === 'tools/call:list_notes' && e.status === 200));

  // 5. delete_note with the read token: 403 insufficient_scope naming every scope it needs.
  const deletes = mcp.filter((e) => e.operation === 'tools/call:delete_note');
  assert.equal(deletes.length, 2, printable(transcript));
  assert.equal(deletes[0].bearer, 'notes:read');
  assert.equal(deletes[0].status, 403);
  const challenge = challengeParams(deletes[0].challenge);
  assert.equal(challenge.error, 'insufficient_scope');
  assert.equal(challenge.scope, 'notes:read notes:write');
  assert.equal(challenge.resource_metadata, prm);
  assert.ok(challenge.error_description, deletes[0].challenge);
  assert.equal(deletes[0].mcpMethod, 'tools/call');
  assert.equal(deletes[0].mcpName, 'delete_note');

  // 6. The SDK re-authorizes by itself with both scopes (same client), a new code exchange…
  const second = authorizations[1];
  assert.deepEqual(second.scope.split(' ').sort(), ['notes:read', 'notes:write', 'offline_access']);
  assert.equal(second.clientId, authorizations[0].clientId);
  assert.equal(tokens[1].grantType, 'authorization_code');
  assert.equal(tokens[1].status, 200);
  assert.deepEqual(tokens[1].accessTokenScope.split(' ').sort(), ['notes:read', 'notes:write']);
  const order = [deletes[0], second, tokens[1], deletes[1]].map((e) => transcript.indexOf(e));
  assert.deepEqual([...order].sort((a, b) => a - b), order, 'challenge → authorization → token → retry');

  // 7. … and retries: the delete succeeds with the new token.
  assert.deepEqual(deletes[1].bearer.split(' ').sort(), ['notes:read', 'notes:write']);
  assert.equal(deletes[1].status, 200);
  assert.equal(result.deleted, true);
  assert.deepEqual([...result.scopes].sort(), ['notes:read', 'notes:write']);
  assert.equal(result.by, idp.accountId);
  assert.equal(notes.has('n1'), false);
  assert.deepEqual(provider.tokens().access_token && scopeOfToken(provider.tokens().access_token).split(' ').sort(), ['notes:read', 'notes:write']);
  assert.equal(mcp.filter((e) => e.status === 403).length, 1, 'one 403, then success');

  // The pinned client names each operation in the headers (what the node door reads).
  if (headersOnly) assert.ok(mcp.every((e) => e.mcpMethod), printable(transcript));
};

describe('step-up (SDK v2 client, headless, pinned to 2026-07-28)', () => {
  for (const door of ['express', 'node']) {
    test(`${door} door: 401 → notes:read → list → 403 insufficient_scope → re-authorization → delete succeeds`, T, async (t) => {
      const run = await stepUp(door);
      t.diagnostic(`transcript (${door} door):`);
      for (const line of printable(run.transcript).split('\n')) t.diagnostic(`  ${line}`);
      assertStepUpTranscript(run, { headersOnly: door === 'node' });
    });
  }
});

/** The redirect-based v2 provider: persists the discovery state across the redirect (SEP-2352). */
class HeadlessOAuthProviderV2 extends HeadlessOAuthProvider {
  saveDiscoveryState(state) {
    this._discoveryState = state;
  }

  discoveryState() {
    return this._discoveryState;
  }
}

test('step-up with a redirect-based provider: the SDK asks for both scopes, the application finishes and retries', T, async () => {
  const { resource, notes } = servers.express;
  resetNotes(notes);
  const provider = new HeadlessOAuthProviderV2(redirectUri);
  const connect = async () => {
    const transport = new ClientTransportV2(new URL(resource), { authProvider: provider });
    const client = new ClientV2({ name: 'e2e-stepup-v2-redirect', version: '1.0.0' }, PINNED);
    await within(client.connect(transport), 15_000, 'connect');
    return { client, transport };
  };
  // Sign-in: the redirect is the application's (UnauthorizedError), then finishAuth.
  const probe = new ClientTransportV2(new URL(resource), { authProvider: provider });
  await assert.rejects(within(new ClientV2({ name: 'probe', version: '1.0.0' }, PINNED).connect(probe), 15_000, 'probe'), UnauthorizedErrorV2);
  await probe.finishAuth(provider.authorizationResponse.url.searchParams);
  assert.equal(scopeOfToken(provider.tokens().access_token), 'notes:read');
  const { client, transport } = await connect();
  try {
    await client.callTool({ name: 'list_notes', arguments: {} }, { timeout: 10_000 });
    await assert.rejects(client.callTool({ name: 'delete_note', arguments: { id: 'n2' } }, { timeout: 15_000 }), UnauthorizedErrorV2);
    const stepUpRequest = provider.authorizationUrls.at(-1);
    assert.equal(provider.authorizationUrls.length, 2);
    assert.deepEqual(stepUpRequest.searchParams.get('scope').split(' ').sort(), ['notes:read', 'notes:write', 'offline_access']);
    assert.equal(notes.has('n2'), true);
    await transport.finishAuth(provider.authorizationResponse.url.searchParams);
    assert.deepEqual(scopeOfToken(provider.tokens().access_token).split(' ').sort(), ['notes:read', 'notes:write']);
    const deleted = await client.callTool({ name: 'delete_note', arguments: { id: 'n2' } }, { timeout: 10_000 });
    assert.equal(JSON.parse(deleted.content[0].text).deleted, true);
    assert.equal(notes.has('n2'), false);
  } finally {
    await client.close().catch(() => {});
  }
});

test('SDK v1 client against the profile (Express door): signs in, lists notes with a notes:read token', T, async () => {
  const { resource, notes } = servers.express;
  resetNotes(notes);
  const provider = new HeadlessOAuthProvider(redirectUri);
  const first = new ClientTransportV1(new URL(resource), { authProvider: provider });
  await assert.rejects(within(new ClientV1({ name: 'e2e-stepup-v1', version: '1.0.0' }).connect(first), 15_000, 'first connect'), UnauthorizedErrorV1);
  const authz = provider.authorizationUrls[0];
  assert.equal(authz.searchParams.get('resource'), resource);
  assert.ok(authz.searchParams.get('scope').split(' ').includes('notes:read'), authz.searchParams.get('scope'));
  await within(first.finishAuth(provider.code), 10_000, 'finishAuth');
  await first.close().catch(() => {});
  assert.equal(scopeOfToken(provider.tokens().access_token), 'notes:read');
  const client = new ClientV1({ name: 'e2e-stepup-v1', version: '1.0.0' });
  await within(client.connect(new ClientTransportV1(new URL(resource), { authProvider: provider })), 10_000, 'second connect');
  try {
    const { tools } = await client.listTools(undefined, { timeout: 10_000 });
    assert.deepEqual(tools.map((t) => t.name).sort(), ['delete_note', 'list_notes']);
    const listed = await client.callTool({ name: 'list_notes', arguments: {} }, undefined, { timeout: 10_000 });
    assert.deepEqual(JSON.parse(listed.content[0].text).map((n) => n.id), ['n1', 'n2']);
  } finally {
    await client.close().catch(() => {});
  }
});

test('the deployer trap: oidc-provider keeping the registered scope as an allow list refuses the step-up (invalid_scope)', T, async () => {
  // Default startLocalIdp: oidc-provider's own rule, a client registered with `scope` may ask for no more.
  const httpServer = http.createServer();
  const { close } = await listenOnLoopback(httpServer);
  const resource = `http://127.0.0.1:${httpServer.address().port}/mcp`;
  const strictIdp = await within(startLocalIdp({ resource, scopes: NOTES_SCOPES }), 10_000, 'start strict IdP');
  const served = await serveNotes(httpServer, strictIdp.issuer, { door: 'express' });
  const provider = new SelfAuthorizingOAuthProvider(redirectUri);
  const client = new ClientV2({ name: 'e2e-stepup-trap', version: '1.0.0' }, PINNED);
  try {
    await within(client.connect(new ClientTransportV2(new URL(resource), { authProvider: provider })), 15_000, 'connect');
    assert.equal(provider.clientInformation().scope, 'notes:read offline_access', 'registered with the first challenge');
    await client.callTool({ name: 'list_notes', arguments: {} }, { timeout: 10_000 });
    await assert.rejects(client.callTool({ name: 'delete_note', arguments: { id: 'n1' } }, { timeout: 15_000 }), /invalid_scope: requested scope is not allowed/);
    assert.equal(served.notes.has('n1'), true);
  } finally {
    await client.close().catch(() => {});
    await served.close();
    await close();
    await strictIdp.close();
  }
});
