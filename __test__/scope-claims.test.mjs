// `scopeClaims` (BEYOND.md §5, every profile) on `bearerAuth('jwt')` and `bearerAuth('introspection')`: the
// claims AuthInfo.scopes are read from, for the shapes real providers give them:
//   - Microsoft Entra ID: `scp: 'a b'` (delegated), `roles: ['r1']` (application roles);
//   - Auth0: `permissions: [...]` (RBAC), a namespaced custom claim `https://example.com/roles`;
//   - Keycloak: `realm_access: { roles }`, `resource_access.<client>.roles` (dotted paths).
// Each entry names a top-level claim exactly or, when there is none, a dotted path; string values are
// space-separated, arrays keep their string members; the union in order of first appearance without
// duplicates; requiredScopes are checked against it; unset → the reference's rule (`scope`, else `scopes`);
// an empty list or scopeClaims with a custom verify function → TypeError at setup.
//
// JWTs come from the fake authorization server (helpers/auth-server.mjs `as.token(claims)`), introspection
// answers from helpers/introspection-server.mjs; real servers on 127.0.0.1 (helpers/doors.mjs).
//
// Run: node --test --test-concurrency=1 __test__/scope-claims.test.mjs

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { MCPAuth } from 'mcp-auth-rs';
import * as expressDoor from 'mcp-auth-rs/express';
import * as nodeDoor from 'mcp-auth-rs/node';
import * as fetchDoor from 'mcp-auth-rs/fetch';
import * as honoDoor from 'mcp-auth-rs/hono';
import * as fastifyDoor from 'mcp-auth-rs/fastify';
import { startAuthServer } from './helpers/auth-server.mjs';
import { startIntrospectionServer } from './helpers/introspection-server.mjs';
import { createKeys, nowSeconds } from './helpers/tokens.mjs';
import { DOORS, closeDoorServers, send, startDoorServers } from './helpers/doors.mjs';
import { parseBearerChallenge } from './helpers/challenge.mjs';
import { BEARER_AUTH_ERROR_DESCRIPTION as BEARER } from './helpers/fixtures.mjs';

const T = { timeout: 60_000 };
const PROFILE = 'mcp-2026-07-28';
const PROFILES = ['compat', PROFILE];
const SERVERS = ['reference', ...DOORS];
const DOOR_MODULES = { express: expressDoor, node: nodeDoor, fetch: fetchDoor, hono: honoDoor, fastify: fastifyDoor };

/** The resource whose tokens are JWTs of the fake authorization server, and the one whose tokens are introspected. */
const R_JWT = 'https://mcp.example.com/jwt';
const R_INT = 'https://mcp.example.com/int';
const MODES = { jwt: R_JWT, introspection: R_INT };

/** Route name → the bearerAuth options besides `resource` (and `introspection`). */
const CONFIGS = {
  entra: { scopeClaims: ['scp', 'roles'] },
  auth0: { scopeClaims: ['permissions', 'https://example.com/roles'] },
  keycloak: { scopeClaims: ['scope', 'realm_access.roles', 'resource_access.mcp-server.roles'] },
  union: { scopeClaims: ['b', 'a', 'c'] },
  dotted: { scopeClaims: ['realm_access.roles'] },
  roles: { scopeClaims: ['roles'] },
  rolesRequired: { scopeClaims: ['roles'], requiredScopes: ['Notes.Admin'] },
  entraRequired: { scopeClaims: ['scp', 'roles'], requiredScopes: ['notes.read', 'Notes.Admin'] },
  unset: {},
};

const env = {};
let counter = 0;

/** A token of `mode` carrying `claims`: a JWT signed by the fake authorization server, or an opaque token
 * whose introspection answer is scripted. Returns `{ token, claims }` (claims: the JWT payload / the answer). */
const tokenWith = (mode, claims) => {
  const now = nowSeconds();
  counter += 1;
  if (mode === 'jwt') {
    const payload = { iss: env.as.issuer, sub: 'user-1', client_id: 'app-1', aud: R_JWT, iat: now, exp: now + 600, jti: `j${counter}`, ...claims };
    return { token: env.as.token(payload), claims: payload };
  }
  const answer = { active: true, sub: 'user-1', client_id: 'app-1', aud: R_INT, iat: now, exp: now + 600, ...claims };
  const token = `opaque-scope-claims-${counter}-${Math.random().toString(36).slice(2)}`;
  env.is.answer(token, answer);
  return { token, claims: answer };
};

const ask = async (profile, server, path, token) => {
  const response = await send(env.servers[profile][server].origin, { path, headers: { authorization: `Bearer ${token}` } });
  return { ...response, body: JSON.parse(response.text) };
};

/** `claims` through `/<mode>/<route>`: 200, AuthInfo.scopes === `scopes`, AuthInfo.claims the whole payload / answer. */
const expectScopes = async ({ profile = 'compat', server = 'reference', mode, route, claims, scopes, label }) => {
  const { token, claims: sent } = tokenWith(mode, claims);
  const where = `${label} — ${profile} ${server} ${mode} /${route}`;
  const response = await ask(profile, server, `/${mode}/${route}`, token);
  assert.equal(response.status, 200, `${where}: status (${response.text.slice(0, 300)})`);
  assert.deepEqual(response.body.scopes, scopes, `${where}: scopes`);
  assert.deepEqual(response.body.claims, sent, `${where}: claims untouched`);
  return response.body;
};

before(async () => {
  const keys = await createKeys();
  env.as = await startAuthServer({ keys });
  env.is = await startIntrospectionServer({ keys });
  env.servers = {};
  env.auth = {};
  for (const profile of PROFILES) {
    const auth = new MCPAuth({
      ...(profile === PROFILE && { profile }),
      protectedResources: [
        { metadata: { resource: R_JWT, authorizationServers: [env.as.resolved()], scopesSupported: ['read'] } },
        { metadata: { resource: R_INT, authorizationServers: [env.is.resolved()], scopesSupported: ['read'] } },
      ],
    });
    env.auth[profile] = auth;
    const bearer = [];
    for (const [mode, resource] of Object.entries(MODES)) {
      for (const [route, config] of Object.entries(CONFIGS)) {
        bearer.push({
          path: `/${mode}/${route}`,
          mcpAuth: auth,
          verify: mode,
          config: { resource, ...(mode === 'introspection' && { introspection: { clientId: 'rs' } }), ...config },
        });
      }
    }
    env.servers[profile] = await startDoorServers({ bearer });
  }
});

after(async () => {
  for (const servers of Object.values(env.servers ?? {})) await closeDoorServers(servers);
  await env.as?.close();
  await env.is?.close();
});

// ---------------------------------------------------------------------------------------------
// Provider shapes

const PROVIDER_ROWS = [
  {
    label: 'Entra ID: scp (space-separated) then roles (an array)',
    route: 'entra',
    claims: { scp: 'notes.read notes.write', roles: ['Notes.Admin'], tid: 'tenant-1', azp: 'app-1' },
    scopes: ['notes.read', 'notes.write', 'Notes.Admin'],
  },
  {
    label: 'Entra ID: an app-only token (roles, no scp)',
    route: 'entra',
    claims: { roles: ['Notes.Read.All', 'Notes.Admin'] },
    scopes: ['Notes.Read.All', 'Notes.Admin'],
  },
  {
    label: 'Auth0: permissions, then the namespaced claim (exact name, its dots are no path); scope not listed',
    route: 'auth0',
    claims: { permissions: ['read:notes', 'write:notes'], 'https://example.com/roles': ['admin', 'read:notes'], scope: 'openid profile' },
    scopes: ['read:notes', 'write:notes', 'admin'],
  },
  {
    label: 'Keycloak: scope, realm_access.roles, resource_access.<client>.roles (other clients ignored)',
    route: 'keycloak',
    claims: {
      scope: 'profile email',
      realm_access: { roles: ['offline_access', 'user'] },
      resource_access: { 'mcp-server': { roles: ['notes-reader', 'user'] }, account: { roles: ['manage-account'] } },
    },
    scopes: ['profile', 'email', 'offline_access', 'user', 'notes-reader'],
  },
  {
    label: 'Keycloak: a claim missing (no resource_access) adds nothing',
    route: 'keycloak',
    claims: { scope: 'profile', realm_access: { roles: ['user'] } },
    scopes: ['profile', 'user'],
  },
];

const RULE_ROWS = [
  { label: 'union in the order of scopeClaims, then of the values; duplicates removed', route: 'union', claims: { a: 'x y x', b: ['y', 'z', 'y'], c: 'z w' }, scopes: ['y', 'z', 'x', 'w'] },
  { label: 'a top-level claim named exactly wins over the dotted path', route: 'dotted', claims: { 'realm_access.roles': ['top'], realm_access: { roles: ['nested'] } }, scopes: ['top'] },
  { label: 'a top-level claim named exactly, a string', route: 'dotted', claims: { 'realm_access.roles': 'top1 top2', realm_access: { roles: ['nested'] } }, scopes: ['top1', 'top2'] },
  { label: 'no such top-level claim: the dotted path', route: 'dotted', claims: { realm_access: { roles: ['nested', 'other'] } }, scopes: ['nested', 'other'] },
  { label: 'a dotted path through a string leads nowhere', route: 'dotted', claims: { realm_access: 'roles' }, scopes: [] },
  { label: 'a dotted path through null leads nowhere', route: 'dotted', claims: { realm_access: null }, scopes: [] },
  { label: 'a dotted path to an object is no value', route: 'dotted', claims: { realm_access: { roles: { admin: true } } }, scopes: [] },
  { label: 'non-string members are ignored', route: 'roles', claims: { roles: ['r1', 5, null, true, { r: 'r9' }, ['r8'], 'r2'] }, scopes: ['r1', 'r2'] },
  { label: 'a space-separated string', route: 'roles', claims: { roles: 'r1 r2 r1' }, scopes: ['r1', 'r2'] },
  { label: 'a value that is neither a string nor an array adds nothing', route: 'roles', claims: { roles: 7 }, scopes: [] },
  { label: 'the claim missing: no scopes', route: 'roles', claims: {}, scopes: [] },
  { label: 'scope counts only if listed', route: 'roles', claims: { scope: 'read write', roles: ['r1'] }, scopes: ['r1'] },
];

const UNSET_ROWS = [
  { label: 'unset: scope (space-separated)', claims: { scope: 'a b', scopes: ['c'], roles: ['r'] }, scopes: ['a', 'b'] },
  { label: 'unset: extra spaces in scope are no scopes', claims: { scope: ' a  b ' }, scopes: ['a', 'b'] },
  { label: 'unset: scope as an array (non-strings dropped)', claims: { scope: ['x', 1, 'y'] }, scopes: ['x', 'y'] },
  { label: 'unset: scopes when there is no scope', claims: { scopes: ['c', 5, 'd'] }, scopes: ['c', 'd'] },
  { label: 'unset: scp and roles are not read', claims: { scp: 'a', roles: ['r'] }, scopes: [] },
];

for (const mode of Object.keys(MODES)) {
  describe(`${mode}: scopeClaims`, () => {
    test('provider shapes (Entra ID, Auth0, Keycloak), compat and profile', T, async () => {
      for (const profile of PROFILES) {
        for (const row of PROVIDER_ROWS) await expectScopes({ ...row, profile, mode });
      }
    });

    test('the rules: union, order, duplicates, exact names before dotted paths, non-strings', T, async () => {
      for (const row of RULE_ROWS) await expectScopes({ ...row, mode });
      // The same through the fetch and node doors (the core computes it once for every door).
      for (const server of ['node', 'fetch']) await expectScopes({ ...RULE_ROWS[0], server, mode });
    });

    test('unset: the reference rule (`scope`, else `scopes`)', T, async () => {
      for (const row of UNSET_ROWS) await expectScopes({ ...row, route: 'unset', mode });
    });

    test('every door: the same scopes', T, async () => {
      for (const server of SERVERS) await expectScopes({ ...PROVIDER_ROWS[0], server, mode });
    });

    test('requiredScopes are checked against the scopes read (compat 403 missing_required_scopes, profile 403 insufficient_scope)', T, async () => {
      for (const profile of PROFILES) {
        await expectScopes({ label: 'the role granted', profile, mode, route: 'rolesRequired', claims: { roles: ['Notes.Admin'] }, scopes: ['Notes.Admin'] });
        await expectScopes({
          label: 'two claims make up the required set',
          profile,
          mode,
          route: 'entraRequired',
          claims: { scp: 'notes.read', roles: ['Notes.Admin'] },
          scopes: ['notes.read', 'Notes.Admin'],
        });
        for (const [label, route, claims, missing] of [
          ['the role missing', 'rolesRequired', { roles: ['Notes.Reader'] }, ['Notes.Admin']],
          ['the role only in an unlisted scope claim', 'rolesRequired', { scope: 'Notes.Admin' }, ['Notes.Admin']],
          ['the role only in a non-string member', 'rolesRequired', { roles: [{ name: 'Notes.Admin' }] }, ['Notes.Admin']],
          ['one of two claims missing', 'entraRequired', { scp: 'notes.read' }, ['Notes.Admin']],
        ]) {
          const { token } = tokenWith(mode, claims);
          const where = `${profile} ${mode} ${label}`;
          const response = await ask(profile, 'reference', `/${mode}/${route}`, token);
          assert.equal(response.status, 403, `${where}: ${response.text}`);
          const challenge = parseBearerChallenge(response.headers['www-authenticate']);
          if (profile === 'compat') {
            assert.equal(challenge.params.error, 'missing_required_scopes', where);
            assert.deepEqual(response.body, { error: 'missing_required_scopes', error_description: BEARER.missing_required_scopes, missing_scopes: missing }, where);
          } else {
            assert.equal(challenge.params.error, 'insufficient_scope', where);
            assert.equal(challenge.params.scope, CONFIGS[route].requiredScopes.join(' '), where);
            assert.equal(response.body.error, 'insufficient_scope', where);
          }
          assert.ok(!response.text.includes(token), `${where}: the body never holds the token`);
        }
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Setup errors

describe('scopeClaims: setup errors (TypeError, thrown by bearerAuth)', () => {
  const MAKERS = {
    main: (auth, verify, config) => auth.bearerAuth(verify, config),
    ...Object.fromEntries(Object.entries(DOOR_MODULES).map(([name, door]) => [name, (auth, verify, config) => door.bearerAuth(auth, verify, config)])),
  };
  const isTypeError = (what) => (error) => {
    assert.ok(error instanceof TypeError, `${what}: ${error?.name}: ${error?.message}`);
    return true;
  };

  test('an empty list, for jwt and introspection, every door and profile', () => {
    for (const profile of PROFILES) {
      const auth = env.auth[profile];
      for (const [mode, resource] of Object.entries(MODES)) {
        const config = { resource, scopeClaims: [], ...(mode === 'introspection' && { introspection: { clientId: 'rs' } }) };
        for (const [name, make] of Object.entries(MAKERS)) {
          const what = `${profile} ${name} ${mode}`;
          assert.throws(() => make(auth, mode, config), isTypeError(what), what);
        }
      }
    }
  });

  test('scopeClaims with a custom verify function (it builds its own AuthInfo)', () => {
    const verify = async (token) => ({ token, issuer: env.as.issuer, clientId: 'c', scopes: [] });
    for (const profile of PROFILES) {
      for (const scopeClaims of [['roles'], []]) {
        for (const [name, make] of Object.entries(MAKERS)) {
          const what = `${profile} ${name} ${JSON.stringify(scopeClaims)}`;
          assert.throws(() => make(env.auth[profile], verify, { resource: R_JWT, scopeClaims }), isTypeError(what), what);
        }
      }
      // Without scopeClaims the custom verify function is fine.
      assert.equal(typeof env.auth[profile].bearerAuth(verify, { resource: R_JWT }), 'function');
    }
  });
});
