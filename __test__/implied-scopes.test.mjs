// `impliedScopes` (both profiles): a granted scope grants the scopes it implies, transitively,
// cycles included; `AuthInfo.scopes` stays the token's own list. Through the Express middleware
// and the node:http door, with real servers on 127.0.0.1.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { MCPAuth } from 'mcp-auth-rs';
import * as nodeDoor from 'mcp-auth-rs/node';
import { startAuthServer } from './helpers/auth-server.mjs';
import { callMiddleware } from './helpers/hardening.mjs';
import { createKeys } from './helpers/tokens.mjs';

const RESOURCE = 'https://api.example.com/notes';
const HIERARCHY = { 'notes:admin': ['notes:write'], 'notes:write': ['notes:read'], 'a': ['b'], 'b': ['a'] };
const T = { timeout: 10_000 };

let as;
before(async () => {
  as = await startAuthServer({ keys: await createKeys() });
});
after(() => as?.close());

const token = (scope) =>
  as.token({ iss: as.issuer, sub: 'alice', aud: RESOURCE, scope, exp: Math.floor(Date.now() / 1000) + 600, iat: Math.floor(Date.now() / 1000) });
const mcpAuth = (profile) => new MCPAuth({ profile, protectedResources: { metadata: { resource: RESOURCE, authorizationServers: [as.resolved()] } } });
const config = (requiredScopes) => ({ resource: RESOURCE, audience: RESOURCE, requiredScopes, impliedScopes: HIERARCHY });

for (const profile of ['compat', 'mcp-2026-07-28']) {
  test(`${profile}: an implying scope passes a requirement it implies (transitively); AuthInfo keeps the token's scopes`, T, async () => {
    const middleware = mcpAuth(profile).bearerAuth('jwt', config(['notes:read']));
    const passed = await callMiddleware(middleware, `Bearer ${token('notes:admin')}`);
    assert.equal(passed.status, 'next');
    assert.deepEqual(passed.auth.scopes, ['notes:admin']);
    const cycle = await callMiddleware(mcpAuth(profile).bearerAuth('jwt', config(['b'])), `Bearer ${token('a')}`);
    assert.equal(cycle.status, 'next', 'a cycle is fine');
  });

  test(`${profile}: an implied scope does not grant what implies it`, T, async () => {
    const middleware = mcpAuth(profile).bearerAuth('jwt', config(['notes:admin']));
    const refused = await callMiddleware(middleware, `Bearer ${token('notes:read notes:write')}`);
    assert.equal(refused.status, 403);
    if (profile === 'compat') assert.deepEqual(refused.body.missing_scopes, ['notes:admin']);
    else assert.match(refused.headers['www-authenticate'], /error="insufficient_scope", scope="notes:admin"/);
  });
}

test('a custom verify function and the node door get the hierarchy too', T, async () => {
  const verify = async () => ({ issuer: as.issuer, clientId: 'c', scopes: ['notes:write'], token: 't', audience: RESOURCE });
  const handler = nodeDoor.bearerAuth(mcpAuth('compat'), verify, config(['notes:read']));
  const server = http.createServer(async (req, res) => {
    const authInfo = await handler(req, res);
    if (authInfo) res.end(JSON.stringify(authInfo.scopes));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const answer = await fetch(`http://127.0.0.1:${server.address().port}/`, { headers: { authorization: 'Bearer t' } });
    assert.equal(answer.status, 200);
    assert.deepEqual(await answer.json(), ['notes:write']);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test('a malformed hierarchy is refused when the middleware is created', T, () => {
  for (const impliedScopes of [['notes:read'], { 'notes:admin': 'notes:write' }, { 'notes:admin': [1] }]) {
    assert.throws(() => mcpAuth('compat').bearerAuth('jwt', { resource: RESOURCE, impliedScopes }), TypeError);
  }
  assert.doesNotThrow(() => mcpAuth('compat').bearerAuth('jwt', { resource: RESOURCE, impliedScopes: undefined }));
});
