// `operationScopes` (both profiles): scopes per JSON-RPC method or method and name, read from the
// parsed body or the `Mcp-Method` / `Mcp-Name` headers; a header that contradicts the body, an
// undecodable one, or a POST whose operation cannot be known is 400 `invalid_request`. Real
// servers on 127.0.0.1: Express (with and without a JSON body parser), node:http, fetch.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import express from 'express';
import { serve } from '@hono/node-server';
import { MCPAuth, MCPAuthAuthServerError } from 'mcp-auth-rs';
import * as nodeDoor from 'mcp-auth-rs/node';
import * as fetchDoor from 'mcp-auth-rs/fetch';
import { startAuthServer } from './helpers/auth-server.mjs';
import { parseBearerChallenge as parseChallenge } from './helpers/challenge.mjs';
import { createKeys } from './helpers/tokens.mjs';

const RESOURCE = 'https://api.example.com/notes';
const T = { timeout: 10_000 };
const OPERATIONS = { 'tools/call:delete_note': ['notes:write'], 'resources/read': ['notes:list'] };
const listen = (server) => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`)));
const rpc = (method, params, id = 1) => ({ jsonrpc: '2.0', id, method, params });
const base64 = (text) => `=?base64?${Buffer.from(text).toString('base64')}?=`;

let as;
const servers = [];
before(async () => {
  as = await startAuthServer({ keys: await createKeys() });
});
after(async () => {
  for (const server of servers) await new Promise((resolve) => server.close(resolve));
  await as?.close();
});

const token = (scope) => {
  const now = Math.floor(Date.now() / 1000);
  return `Bearer ${as.token({ iss: as.issuer, sub: 'alice', aud: RESOURCE, scope, exp: now + 600, iat: now })}`;
};
const mcpAuth = (profile) => new MCPAuth({ profile, protectedResources: { metadata: { resource: RESOURCE, authorizationServers: [as.resolved()] } } });
const options = { resource: RESOURCE, audience: RESOURCE, requiredScopes: ['notes:read'], operationScopes: OPERATIONS };

/** Express apps (JSON body parsed, and not), a node:http server and a fetch server, one profile. */
const start = async (profile) => {
  const auth = mcpAuth(profile);
  const parsed = express().use(express.json()).use(auth.bearerAuth('jwt', options)).use((req, res) => res.json({ ok: true }));
  const unparsed = express().use(auth.bearerAuth('jwt', options)).use((req, res) => res.json({ ok: true }));
  const nodeAuth = nodeDoor.bearerAuth(auth, 'jwt', options);
  const node = http.createServer(async (req, res) => {
    if (await nodeAuth(req, res)) res.end('{"ok":true}');
  });
  const fetchAuth = fetchDoor.bearerAuth(auth, 'jwt', options);
  const fetchServer = serve({
    fetch: async (request) => {
      const decided = await fetchAuth(request);
      if (decided instanceof Response) return decided;
      return Response.json({ ok: true, bodyStillReadable: request.method !== 'POST' || (await request.text()).length > 0 });
    },
    port: 0,
    hostname: '127.0.0.1',
  });
  await new Promise((resolve) => fetchServer.once('listening', resolve));
  const made = [http.createServer(parsed), http.createServer(unparsed), node];
  servers.push(...made, fetchServer);
  const [parsedUrl, unparsedUrl, nodeUrl] = await Promise.all(made.map(listen));
  return { parsedUrl, unparsedUrl, nodeUrl, fetchUrl: `http://127.0.0.1:${fetchServer.address().port}` };
};

const send = async (url, { method = 'POST', authorization, body, headers = {} }) => {
  const response = await fetch(`${url}/mcp`, {
    method,
    headers: { ...(authorization && { authorization }), ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, challenge: response.headers.get('www-authenticate'), body: await response.json().catch(() => undefined) };
};

for (const profile of ['compat', 'mcp-2026-07-28']) {
  describe(profile, () => {
    let urls;
    before(async () => {
      urls = await start(profile);
    });
    const reader = () => token('notes:read');
    const refusedFor = (answer, missing) => {
      assert.equal(answer.status, 403);
      if (profile === 'compat') assert.deepEqual(answer.body.missing_scopes, missing);
      else {
        const challenge = parseChallenge(answer.challenge);
        assert.equal(challenge.params.error, 'insufficient_scope');
        assert.equal(challenge.params.scope, ['notes:read', ...missing].join(' '), 'every scope the operation needs');
      }
    };

    test('from the parsed body: tools/list passes, tools/call delete_note needs notes:write (every door)', T, async () => {
      for (const url of [urls.parsedUrl, urls.fetchUrl]) {
        assert.equal((await send(url, { authorization: reader(), body: rpc('tools/list') })).status, 200);
        refusedFor(await send(url, { authorization: reader(), body: rpc('tools/call', { name: 'delete_note' }) }), ['notes:write']);
        const writer = token('notes:read notes:write');
        assert.equal((await send(url, { authorization: writer, body: rpc('tools/call', { name: 'delete_note' }) })).status, 200);
      }
      const fetched = await send(urls.fetchUrl, { authorization: reader(), body: rpc('tools/list') });
      assert.equal(fetched.body.bodyStillReadable, true, 'the fetch door reads a clone');
    });

    test('from the headers (plain and base64) when no body was parsed', T, async () => {
      for (const url of [urls.unparsedUrl, urls.nodeUrl]) {
        const headers = { 'mcp-method': 'tools/call', 'mcp-name': base64('delete_note') };
        refusedFor(await send(url, { authorization: reader(), body: rpc('tools/call', { name: 'delete_note' }), headers }), ['notes:write']);
        const list = await send(url, { authorization: reader(), body: rpc('tools/list'), headers: { 'mcp-method': 'tools/list' } });
        assert.equal(list.status, 200);
      }
    });

    test('a batch needs the union of its requests', T, async () => {
      const batch = [rpc('tools/list', {}, 1), rpc('resources/read', { uri: 'notes://all' }, 2), rpc('tools/call', { name: 'delete_note' }, 3)];
      refusedFor(await send(urls.parsedUrl, { authorization: reader(), body: batch }), ['notes:list', 'notes:write']);
    });

    test('400 invalid_request: headers that contradict the body, an undecodable header, an unknown POST operation', T, async () => {
      const cases = [
        [urls.parsedUrl, { body: rpc('tools/call', { name: 'delete_note' }), headers: { 'mcp-method': 'tools/call', 'mcp-name': 'read_note' } }],
        [urls.unparsedUrl, { body: rpc('tools/list'), headers: { 'mcp-method': 'tools/call', 'mcp-name': '=?base64?***?=' } }],
        [urls.unparsedUrl, { body: rpc('tools/list') }],
      ];
      for (const [url, request] of cases) {
        const answer = await send(url, { authorization: reader(), ...request });
        assert.equal(answer.status, 400, JSON.stringify(request));
        assert.equal(answer.body.error, 'invalid_request');
        assert.equal(parseChallenge(answer.challenge).params.error, 'invalid_request');
      }
      const unknown = await send(urls.nodeUrl, { authorization: reader(), body: rpc('tools/list') });
      assert.match(unknown.body.error_description, /parse the JSON body/);
    });

    test('requests without an operation (GET, a notification) need requiredScopes only', T, async () => {
      assert.equal((await send(urls.unparsedUrl, { method: 'GET', authorization: reader() })).status, 200);
      const notification = { jsonrpc: '2.0', method: 'notifications/initialized' };
      assert.equal((await send(urls.parsedUrl, { authorization: reader(), body: notification })).status, 200);
    });
  });
}

test('the function form: called with { method, name } for each request of the operation, awaited; undefined adds nothing; a throw or a non-list is rethrown', T, async () => {
  const calls = [];
  const operationScopes = async (op) => {
    calls.push(op);
    if (op.name === 'boom') throw new Error('scope lookup failed');
    if (op.name === 'odd') return 'notes:write';
    return op.name === 'delete_note' ? ['notes:write'] : undefined;
  };
  const app = express()
    .use(express.json())
    .use(mcpAuth('mcp-2026-07-28').bearerAuth('jwt', { resource: RESOURCE, requiredScopes: ['notes:read'], operationScopes }))
    .use((req, res) => res.json({ ok: true }))
    .use((error, req, res, next) => res.status(599).json({ rethrown: error.message }));
  const server = http.createServer(app);
  servers.push(server);
  const url = await listen(server);
  const reader = token('notes:read');
  assert.equal((await send(url, { authorization: reader, body: rpc('tools/list') })).status, 200);
  const refused = await send(url, { authorization: reader, body: rpc('tools/call', { name: 'delete_note' }) });
  assert.equal(refused.status, 403);
  assert.equal(parseChallenge(refused.challenge).params.scope, 'notes:read notes:write');
  assert.deepEqual(calls.slice(0, 2), [{ method: 'tools/list' }, { method: 'tools/call', name: 'delete_note' }]);
  assert.deepEqual(await send(url, { authorization: reader, body: rpc('tools/call', { name: 'boom' }) }), {
    status: 599,
    challenge: null,
    body: { rethrown: 'scope lookup failed' },
  });
  const odd = await send(url, { authorization: reader, body: rpc('tools/call', { name: 'odd' }) });
  assert.equal(odd.status, 599);
  assert.match(odd.body.rethrown, /must return a list of scopes/);
  const before = calls.length;
  assert.equal((await send(url, { method: 'GET', authorization: reader })).status, 200);
  assert.equal(calls.length, before, 'not called for a request without an operation');
});

test('malformed maps are a TypeError at setup; offline_access is refused under the profile', T, () => {
  assert.throws(() => mcpAuth('compat').bearerAuth('jwt', { ...options, operationScopes: { 'tools/list': 'x' } }), TypeError);
  assert.throws(
    () => mcpAuth('mcp-2026-07-28').bearerAuth('jwt', { ...options, operationScopes: { 'tools/call': ['offline_access'] } }),
    (error) => error instanceof MCPAuthAuthServerError && error.code === 'invalid_server_config',
  );
});
