// Differential tests of `MCPAuth`: constructor rules, `bearerAuth` creation rules, and the two
// metadata routers, run through the reference `mcp-auth@0.2.0` and `mcp-auth-rs` side by side. Thrown errors are
// compared by class, name, code, message, String(), and cause (ZodErrors by class name);
// console.warn calls are compared; HTTP answers are compared field by field (status, headers,
// body, what reached Express's error pipeline, requests made to the authorization server).
//
// Deliberate differences: none are expected in this area; every field is compared.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import express from 'express';
import {
  LIBS,
  authServerPerSide,
  createPair,
  forBoth,
  assertSameResults,
  describeError,
  withWarningsSync,
  weakEtag,
} from './helpers/differential-runner.mjs';
import {
  camelMetadata,
  registrationWarning,
  AUTH_SERVER_ERROR_DESCRIPTION as AUTH_SERVER,
  DEPRECATION_WARNING,
} from './helpers/fixtures.mjs';

const T = { timeout: 10000 };
const R = 'https://api.example.com/notes';
const IDP = 'https://idp.example.com';
const IDP2 = 'https://idp2.example.com';
const DEPRECATION = DEPRECATION_WARNING;
const PRM = '/.well-known/oauth-protected-resource';
const ASM = '/.well-known/oauth-authorization-server';

const servers = authServerPerSide();

const classOnly = Symbol('compare the error class only');

const resolved = (issuer = IDP, overrides = {}) => {
  const metadata = { ...camelMetadata(issuer), ...overrides };
  for (const [key, value] of Object.entries(overrides)) if (value === undefined) delete metadata[key];
  return { metadata, type: 'oauth' };
};
const discovery = (issuer = IDP2, type = 'oauth') => ({ issuer, type });

/** Outcome of `new lib.MCPAuth(config)` (+ optional follow-up `then(auth)`), comparable. */
const construct = (lib, config, then) => {
  const made = withWarningsSync(() => new lib.MCPAuth(config));
  const out = { ok: made.ok, warnings: made.warnings };
  if (!made.ok) {
    out.error = describeError(made.error);
    out.errorOwnKeys = Object.keys(made.error);
    out.instanceofMCPAuthError = made.error instanceof lib.MCPAuthError;
    out.instanceofAuthServerError = made.error instanceof lib.MCPAuthAuthServerError;
    out.causeKeys = made.error?.cause && typeof made.error.cause === 'object' ? Object.keys(made.error.cause) : '<none>';
    return out;
  }
  out.configIsSameObject = made.value.config === config;
  if (then) {
    const next = withWarningsSync(() => then(made.value, lib));
    out.then = next.ok ? { ok: true, value: next.value, warnings: next.warnings } : { ok: false, error: describeError(next.error), warnings: next.warnings };
  }
  return out;
};

/** Runs `construct` for both libraries with configs from `makeConfig()` (fresh per library). */
const constructBoth = (makeConfig, then) => {
  const out = {};
  for (const [name, lib] of LIBS) out[name] = construct(lib, makeConfig(name), then);
  return out;
};

const assertSame = (both, label) => {
  const diffs = [];
  for (const key of new Set([...Object.keys(both.ref), ...Object.keys(both.rs)])) {
    const a = JSON.stringify(both.ref[key]);
    const b = JSON.stringify(both.rs[key]);
    if (a !== b) diffs.push(`  ${key}:\n    ref: ${a}\n    rs:  ${b}`);
  }
  if (diffs.length) assert.fail(`${label ? `${label}: ` : ''}rs differs from ref\n${diffs.join('\n')}`);
};

// ---------------------------------------------------------------------------------------------

describe('MCPAuth constructor', () => {
  const noPkce = () => resolved(IDP, { codeChallengeMethodsSupported: undefined });
  const CASES = [
    ['{} → invalid_server_config "No authorization server or protected resource metadata is provided."', () => ({}),
      (r) => {
        assert.equal(r.error.code, 'invalid_server_config');
        assert.equal(r.error.ctor, 'MCPAuthAuthServerError');
        assert.deepEqual(r.error.cause, { cause: 'No authorization server or protected resource metadata is provided.' });
        assert.equal(r.error.string, 'MCPAuthAuthServerError: The server configuration does not match the MCP specification.');
      }],
    ['{ foo: 1 } → same error', () => ({ foo: 1 })],
    ['authorization-server mode, resolved without PKCE → deprecation warning, then invalid_server_config {errors, warnings}', () => ({ server: noPkce() }),
      (r) => {
        assert.deepEqual(r.warnings, [DEPRECATION]);
        assert.deepEqual(r.causeKeys, ['errors', 'warnings']);
        assert.equal(r.error.cause.errors[0].code, 'pkce_not_supported');
      }],
    ['resource mode, resolved without PKCE → invalid_server_config, cause keys [errors, warnings]', () => ({ protectedResources: { metadata: { resource: R, authorizationServers: [noPkce()] } } }),
      (r) => {
        assert.deepEqual(r.warnings, []);
        assert.deepEqual(r.causeKeys, ['errors', 'warnings']);
        assert.equal(r.error.cause.errors[0].code, 'pkce_not_supported');
      }],
    ['resource mode, resolved metadata {} → invalid_server_metadata error with a ZodError cause', () => ({ protectedResources: { metadata: { resource: R, authorizationServers: [{ metadata: {}, type: 'oauth' }] } } }),
      (r) => {
        assert.equal(r.error.cause.errors[0].code, 'invalid_server_metadata');
        assert.deepEqual(r.error.cause.errors[0].cause, { '<ZodError>': 'ZodError' });
      }],
    ['resource mode, resolved metadata with jwksUri null → schema error', () => ({ protectedResources: { metadata: { resource: R, authorizationServers: [resolved(IDP, { jwksUri: null })] } } })],
    ['resource mode, responseTypes [token] and no PKCE → errors in order + warnings', () => ({ protectedResources: { metadata: { resource: R, authorizationServers: [resolved(IDP, { responseTypesSupported: ['token'], codeChallengeMethodsSupported: undefined, registrationEndpoint: undefined })] } } }),
      (r) => {
        assert.deepEqual(r.error.cause.errors.map((e) => e.code), ['code_response_type_not_supported', 'pkce_not_supported']);
        assert.deepEqual(r.error.cause.warnings.map((w) => w.code), ['dynamic_registration_not_supported']);
      }],
    ['resource mode, grantTypesSupported [] → authorization_code_grant_not_supported', () => ({ protectedResources: { metadata: { resource: R, authorizationServers: [resolved(IDP, { grantTypesSupported: [] })] } } })],
    ['resource mode, codeChallengeMethodsSupported [plain] → s256 error', () => ({ protectedResources: { metadata: { resource: R, authorizationServers: [resolved(IDP, { codeChallengeMethodsSupported: ['plain'] })] } } })],
    ['duplicated resources [A, A]', () => ({ protectedResources: [{ metadata: { resource: R } }, { metadata: { resource: R } }] }),
      (r) => assert.deepEqual(r.error.cause, { cause: `The resource metadata (\`${R}\`) is duplicated.` })],
    ['resources differing only by trailing slash → accepted', () => ({ protectedResources: [{ metadata: { resource: R } }, { metadata: { resource: `${R}/` } }] }),
      (r) => assert.equal(r.ok, true)],
    ['resolved + discovery with the same issuer under one resource → duplicated', () => ({ protectedResources: { metadata: { resource: R, authorizationServers: [resolved(IDP), discovery(IDP)] } } }),
      (r) => assert.deepEqual(r.error.cause, { cause: `The authorization server (\`${IDP}\`) for resource \`${R}\` is duplicated.` })],
    ['same issuer under two resources → OK', () => ({ protectedResources: [{ metadata: { resource: R, authorizationServers: [resolved(IDP)] } }, { metadata: { resource: `${R}2`, authorizationServers: [resolved(IDP)] } }] }),
      (r) => assert.equal(r.ok, true)],
    ['first resource invalid AS, then duplicate resource → validation error first', () => ({ protectedResources: [{ metadata: { resource: R, authorizationServers: [noPkce()] } }, { metadata: { resource: R } }] })],
    ['duplicate issuer where the first is invalid → validation error first', () => ({ protectedResources: { metadata: { resource: R, authorizationServers: [noPkce(), resolved(IDP)] } } })],
    ['valid server, then duplicate issuer (invalid second copy) → duplicate error', () => ({ protectedResources: { metadata: { resource: R, authorizationServers: [resolved(IDP), noPkce()] } } })],
    ['protectedResources [] → OK', () => ({ protectedResources: [] }), (r) => assert.equal(r.ok, true)],
    ['protectedResources single object → OK', () => ({ protectedResources: { metadata: { resource: R, authorizationServers: [resolved()] } } })],
    ['resource without authorizationServers → OK', () => ({ protectedResources: { metadata: { resource: R } } })],
    ['authorizationServers null → OK', () => ({ protectedResources: { metadata: { resource: R, authorizationServers: null } } })],
    ['resource mode, resolved without registrationEndpoint → one warning', () => ({ protectedResources: { metadata: { resource: R, authorizationServers: [resolved(IDP, { registrationEndpoint: undefined })] } } }),
      (r) => assert.deepEqual(r.warnings, [registrationWarning(IDP)])],
    ["resolved with registrationEndpoint '' → warning", () => ({ protectedResources: { metadata: { resource: R, authorizationServers: [resolved(IDP, { registrationEndpoint: '' })] } } })],
    ['two servers without registration → two warnings in order', () => ({ protectedResources: [{ metadata: { resource: R, authorizationServers: [resolved(IDP2, { registrationEndpoint: undefined }), resolved(IDP, { registrationEndpoint: undefined })] } }] }),
      (r) => assert.deepEqual(r.warnings, [registrationWarning(IDP2), registrationWarning(IDP)])],
    ['authorization-server mode without registration → deprecation then registration warning', () => ({ server: resolved(IDP, { registrationEndpoint: undefined }) }),
      (r) => assert.deepEqual(r.warnings, [DEPRECATION, registrationWarning(IDP)])],
    ['authorization-server mode, discovery with a non-URL issuer → OK (not checked)', () => ({ server: discovery('not a url') }),
      (r) => assert.deepEqual(r.warnings, [DEPRECATION])],
    ['resource mode, discovery with a non-URL issuer → OK', () => ({ protectedResources: { metadata: { resource: R, authorizationServers: [discovery('not a url', 'weird')] } } })],
    ['resource "not-a-url" → OK at construction', () => ({ protectedResources: { metadata: { resource: 'not-a-url' } } })],
    ['{server, protectedResources} → authorization-server mode', () => ({ server: resolved(), protectedResources: [{ metadata: { resource: R } }] }),
      (r) => assert.deepEqual(r.warnings, [DEPRECATION])],
    ['{server: invalid, protectedResources: invalid} → the server is validated', () => ({ server: noPkce(), protectedResources: [{ metadata: { resource: R } }, { metadata: { resource: R } }] })],
    ['{server: undefined} → authorization-server mode with an undefined server', () => ({ server: undefined })],
    // Garbage input: V8's destructuring message names the reference's internals ('.for'), so
    // only the error class is compared for these two.
    ['{protectedResources: undefined} (error class only)', () => ({ protectedResources: undefined }), classOnly],
    ['{protectedResources: [null]} (error class only)', () => ({ protectedResources: [null] }), classOnly],
    ["resolved config with 'metadata' key undefined (still 'resolved')", () => ({ protectedResources: { metadata: { resource: R, authorizationServers: [{ metadata: undefined, issuer: IDP, type: 'oauth' }] } } })],
    ['resolved config with type "oidc" and a registration endpoint → OK', () => ({ protectedResources: { metadata: { resource: R, authorizationServers: [{ metadata: camelMetadata(IDP), type: 'oidc' }] } } })],
    ['resolved metadata with extra unknown keys → OK', () => ({ protectedResources: { metadata: { resource: R, authorizationServers: [resolved(IDP, { endSessionEndpoint: 'x', custom: { a: 1 } })] } } })],
  ];
  for (const [label, makeConfig, check] of CASES) {
    test(label, T, () => {
      const both = constructBoth(makeConfig);
      if (check === classOnly) {
        forBoth(both, (r) => assert.equal(r.ok, false));
        assert.equal(both.rs.error.ctor, both.ref.error.ctor, 'error class');
        assert.deepEqual(both.rs.warnings, both.ref.warnings, 'warnings');
        return;
      }
      assertSame(both, label);
      if (check) forBoth(both, (r, name) => check(r, name));
    });
  }

  test('config is stored by reference (auth.config === argument)', T, () => {
    const both = constructBoth(() => ({ protectedResources: [] }));
    forBoth(both, (r) => assert.equal(r.configIsSameObject, true));
  });

  test('no network I/O at construction (discovery configs untouched)', T, () => {
    const both = constructBoth((name) => ({ protectedResources: { metadata: { resource: R, authorizationServers: [servers[name].discovery()] } } }));
    assertSame(both);
    forBoth(both, (r, name) => assert.deepEqual(servers[name].counts(), { metadata: 0, jwks: 0, other: 0 }));
  });
});

describe('bearerAuth creation rules', () => {
  const CASES = [
    ['protectedResources [] + bearerAuth("jwt", {resource: "x"}) → no token verifier', () => ({ protectedResources: [] }), (auth) => auth.bearerAuth('jwt', { resource: 'x' }),
      (r) => assert.deepEqual(r.then.error.cause, {
        cause: 'No token verifier found for the specified resource: `x`. Please ensure that this resource is correctly configured in the `protectedResources` array in the MCPAuth constructor.',
      })],
    ['{server, protectedResources} + bearerAuth("jwt") without resource → resource required', () => ({ server: resolved(), protectedResources: [] }), (auth) => auth.bearerAuth('jwt'),
      (r) => assert.deepEqual(r.then.error.cause, {
        cause: 'A `resource` must be specified in the `bearerAuth` configuration when using a `protectedResources` configuration.',
      })],
    ['{server, protectedResources} + bearerAuth(fn) without resource → resource required', () => ({ server: resolved(), protectedResources: [] }), (auth) => auth.bearerAuth(() => ({}))],
    ['{server, protectedResources} + bearerAuth("jwt", {resource: any}) → accepted (AS verifier)', () => ({ server: resolved(), protectedResources: [] }), (auth) => typeof auth.bearerAuth('jwt', { resource: 'https://any' })],
    ['{server, protectedResources} → delegatedRouter works', () => ({ server: resolved(), protectedResources: [] }), (auth) => typeof auth.delegatedRouter()],
    ['{server, protectedResources} → protectedResourceMetadataRouter throws', () => ({ server: resolved(), protectedResources: [] }), (auth) => auth.protectedResourceMetadataRouter()],
    ['authorization-server mode: bearerAuth() → verifyAccessToken TypeError', () => ({ server: resolved() }), (auth) => auth.bearerAuth(),
      (r) => assert.equal(r.then.error.message, '`verifyAccessToken` must be a function that takes a token and returns an `AuthInfo` object.')],
    ["authorization-server mode: bearerAuth('opaque') → verifyAccessToken TypeError", () => ({ server: resolved() }), (auth) => auth.bearerAuth('opaque'),
      (r) => assert.equal(r.then.error.ctor, 'TypeError')],
    ['authorization-server mode: bearerAuth(null) → TypeError', () => ({ server: resolved() }), (auth) => auth.bearerAuth(null)],
    ["authorization-server mode: bearerAuth('jwt', null) → destructuring TypeError (error class only)", () => ({ server: resolved() }), (auth) => auth.bearerAuth('jwt', null), classOnly],
    ["resource mode: bearerAuth('jwt') → resource required", () => ({ protectedResources: { metadata: { resource: R } } }), (auth) => auth.bearerAuth('jwt')],
    ["resource mode: bearerAuth('jwt', {resource: R.toUpperCase()}) → no verifier (case-sensitive)", () => ({ protectedResources: { metadata: { resource: R } } }), (auth) => auth.bearerAuth('jwt', { resource: R.toUpperCase() })],
    ["resource mode: bearerAuth('jwt', {resource: new URL(R)}) → truthy non-string resource", () => ({ protectedResources: { metadata: { resource: R } } }), (auth) => typeof auth.bearerAuth('jwt', { resource: new URL(R) })],
    ["resource mode: bearerAuth('jwt', {resource: R}) → a function", () => ({ protectedResources: { metadata: { resource: R } } }), (auth) => typeof auth.bearerAuth('jwt', { resource: R })],
    ['resource mode: delegatedRouter() → not available in resource server mode', () => ({ protectedResources: [] }), (auth) => auth.delegatedRouter(),
      (r) => assert.deepEqual(r.then.error.cause, { cause: '`delegatedRouter` is not available in `resource server` mode.' })],
    ['authorization-server mode: protectedResourceMetadataRouter() → not available', () => ({ server: resolved() }), (auth) => auth.protectedResourceMetadataRouter(),
      (r) => assert.deepEqual(r.then.error.cause, { cause: '`protectedResourceMetadataRouter` is not available in `authorization server` mode.' })],
  ];
  for (const [label, makeConfig, then, check] of CASES) {
    test(label, T, () => {
      const both = constructBoth(makeConfig, then);
      if (check === classOnly) {
        forBoth(both, (r) => assert.equal(r.then.ok, false));
        assert.equal(both.rs.then.error.ctor, both.ref.then.error.ctor, 'error class');
        return;
      }
      assertSame(both, label);
      if (check) forBoth(both, (r, name) => check(r, name));
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Routers

/** Pair whose apps mount the router returned by `makeRouter(auth, lib, env)` (or whatever setup does). */
const routerPair = (makeConfig, makeRouter = (auth) => auth.protectedResourceMetadataRouter()) =>
  createPair(
    (lib, env) => {
      const auth = new lib.MCPAuth(makeConfig(env));
      env.auth = auth;
      env.app.use(makeRouter(auth, lib, env));
    },
    { servers },
  );

const compareRequests = async (pair, specs) => {
  const results = [];
  for (const spec of specs) {
    const both = await pair.request(spec);
    assertSameResults(both, `${spec.method ?? 'GET'} ${spec.path}`);
    results.push(both);
  }
  return results;
};

describe('protectedResourceMetadataRouter', () => {
  const config = () => ({
    protectedResources: [
      {
        metadata: {
          resource: R,
          authorizationServers: [resolved(IDP), discovery(IDP2)],
          scopesSupported: ['read', 'write'],
          resourceName: 'Notes',
          bearerMethodsSupported: ['header'],
        },
      },
      { metadata: { resource: 'https://api.example.com', scopesSupported: ['a'], authorizationServers: [resolved(IDP)] } },
      { metadata: { resource: 'https://api.example.com/x?q=1#h', authorizationServers: [] } },
      {
        metadata: {
          resource: 'https://api.example.com/custom',
          customThing: { nestedKey: 1, deepArray: [{ innerKey: true }] },
          authorizationServers: [],
          tlsClientCertificateBoundAccessTokens: true,
          dpopBoundAccessTokensRequired: false,
          resourceSigningAlgValuesSupported: ['RS256'],
          undefinedValue: undefined,
          nullValue: null,
          someHTTPKey: 'acronym',
          'key-with-dash': 1,
          already_snake: 2,
          ABC: 3,
          a1B2: 4,
        },
      },
      { metadata: { resource: 'https://api.example.com/a%20b' } },
      { metadata: { resource: 'https://api.example.com/ä' } },
    ],
  });
  let pair;
  before(async () => {
    pair = await routerPair(config);
  });
  after(async () => {
    await pair?.close();
  });

  const notesBody = {
    resource: R,
    scopes_supported: ['read', 'write'],
    resource_name: 'Notes',
    bearer_methods_supported: ['header'],
    authorization_servers: [IDP, IDP2],
  };

  const REQUESTS = [
    ['GET notes → 200 body, authorizationServers last', { path: `${PRM}/notes` }, (r) => {
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, notesBody);
      assert.deepEqual(Object.keys(r.body), Object.keys(notesBody));
      assert.equal(r.headers['access-control-allow-origin'], '*');
    }],
    ['GET /.WELL-KNOWN/oauth-protected-resource/NOTES → 200 (case-insensitive)', { path: '/.WELL-KNOWN/oauth-protected-resource/NOTES' }, (r) => assert.equal(r.status, 200)],
    ['GET notes/ → 200 (trailing slash)', { path: `${PRM}/notes/` }, (r) => assert.equal(r.status, 200)],
    ['GET notes/extra → 404 with ACAO *', { path: `${PRM}/notes/extra` }, (r) => {
      assert.equal(r.status, 404);
      assert.equal(r.headers['access-control-allow-origin'], '*');
    }],
    ['HEAD notes → 200, no body', { path: `${PRM}/notes`, method: 'HEAD' }, (r) => {
      assert.equal(r.status, 200);
      assert.equal(r.body, '');
    }],
    ['OPTIONS notes preflight with Access-Control-Request-Headers → 204',
      { path: `${PRM}/notes`, method: 'OPTIONS', headers: { origin: 'https://client.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'mcp-protocol-version' } },
      (r) => {
        assert.equal(r.status, 204);
        assert.equal(r.headers['access-control-allow-origin'], '*');
        assert.equal(r.headers['access-control-allow-methods'], 'GET,HEAD,PUT,PATCH,POST,DELETE');
        assert.equal(r.headers['access-control-allow-headers'], 'mcp-protocol-version');
        assert.equal(r.headers.vary, 'Access-Control-Request-Headers');
        assert.equal(r.headers['content-length'], '<length of body>');
      }],
    ['OPTIONS notes without preflight headers → 204', { path: `${PRM}/notes`, method: 'OPTIONS' }, (r) => {
      assert.equal(r.status, 204);
      assert.equal(r.headers['access-control-allow-headers'], undefined);
    }],
    ['OPTIONS on a sub-path → 204 (CORS prefix-mounted)', { path: `${PRM}/notes/deeper/path`, method: 'OPTIONS' }, (r) => assert.equal(r.status, 204)],
    ['POST notes → ACAO * then 404', { path: `${PRM}/notes`, method: 'POST' }, (r) => {
      assert.equal(r.status, 404);
      assert.equal(r.headers['access-control-allow-origin'], '*');
    }],
    ['GET root resource → /.well-known/oauth-protected-resource', { path: PRM }, (r) => {
      assert.equal(r.status, 200);
      assert.equal(JSON.stringify(r.body), JSON.stringify({ resource: 'https://api.example.com', scopes_supported: ['a'], authorization_servers: [IDP] }));
    }],
    ['GET resource with query/fragment → served at path, resource echoed', { path: `${PRM}/x` }, (r) => {
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, { resource: 'https://api.example.com/x?q=1#h' });
    }],
    ['GET custom keys → snake_cased deep, no authorization_servers', { path: `${PRM}/custom` }, (r) => {
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.custom_thing, { nested_key: 1, deep_array: [{ inner_key: true }] });
      assert.equal('authorization_servers' in r.body, false);
      assert.equal(r.body.tls_client_certificate_bound_access_tokens, true);
      assert.equal(r.body.dpop_bound_access_tokens_required, false);
    }],
    ['GET percent-encoded resource path /a%20b', { path: `${PRM}/a%20b` }],
    ['GET percent-encoded resource path as /a b (decoded)', { path: `${PRM}/a b` }],
    ['GET non-ASCII resource path /%C3%A4', { path: `${PRM}/%C3%A4` }],
    ['GET unknown path → 404 without ACAO', { path: '/nothing-here' }, (r) => {
      assert.equal(r.status, 404);
      assert.equal(r.headers['access-control-allow-origin'], undefined);
    }],
    ['GET oauth-authorization-server path → 404 (no delegated route in resource mode)', { path: ASM }, (r) => assert.equal(r.status, 404)],
    ['GET notes with Origin header → ACAO *', { path: `${PRM}/notes`, headers: { origin: 'https://x.example' } }],
    ['GET notes with If-None-Match of the body → 304', { path: `${PRM}/notes`, headers: { 'if-none-match': weakEtag(JSON.stringify(notesBody)), 'cache-control': 'max-age=0' } }, (r) => assert.equal(r.status, 304)],
  ];
  for (const [label, spec, check] of REQUESTS) {
    test(label, T, async () => {
      const [both] = await compareRequests(pair, [spec]);
      if (check) forBoth(both, (r, name) => check(r, name));
    });
  }

  test('router identity: each call returns a new router with the same layer count', T, () => {
    const out = {};
    for (const [name, lib] of LIBS) {
      const auth = new lib.MCPAuth(config());
      const a = auth.protectedResourceMetadataRouter();
      const b = auth.protectedResourceMetadataRouter();
      out[name] = { distinct: a !== b, type: typeof a, layers: a.stack?.length, isRouterLike: typeof a.use === 'function' && typeof a.get === 'function' };
    }
    assert.deepEqual(out.rs, out.ref);
  });
});

describe('protectedResourceMetadataRouter edge cases', () => {
  test('two resources with the same path (different origins) → one route, first wins', T, async (t) => {
    const pair = await routerPair(() => ({
      protectedResources: [{ metadata: { resource: 'https://a.example/x', scopesSupported: ['first'] } }, { metadata: { resource: 'https://b.example/x', scopesSupported: ['second'] } }],
    }));
    t.after(() => pair.close());
    const [both] = await compareRequests(pair, [{ path: `${PRM}/x` }]);
    forBoth(both, (r) => assert.deepEqual(r.body, { resource: 'https://a.example/x', scopes_supported: ['first'] }));
  });

  test('resources differing only by trailing slash → first wins for both paths', T, async (t) => {
    const pair = await routerPair(() => ({
      protectedResources: [{ metadata: { resource: 'https://a.example/x/', resourceName: 'slash' } }, { metadata: { resource: 'https://a.example/x', resourceName: 'plain' } }],
    }));
    t.after(() => pair.close());
    await compareRequests(pair, [{ path: `${PRM}/x` }, { path: `${PRM}/x/` }]);
  });

  test('resource path /:id → matches any single segment', T, async (t) => {
    const pair = await routerPair(() => ({ protectedResources: [{ metadata: { resource: 'https://a.example/:id' } }] }));
    t.after(() => pair.close());
    const results = await compareRequests(pair, [{ path: `${PRM}/anything` }, { path: `${PRM}/:id` }, { path: `${PRM}/a/b` }]);
    forBoth(results[0], (r) => assert.equal(r.status, 200));
  });

  test('resource path *rest and {optional} → Express 5 route syntax is live', T, async (t) => {
    const pair = await routerPair(() => ({
      protectedResources: [{ metadata: { resource: 'https://a.example/w/*rest' } }, { metadata: { resource: 'https://a.example/o{/opt}' } }],
    }));
    t.after(() => pair.close());
    await compareRequests(pair, [{ path: `${PRM}/w/a/b/c` }, { path: `${PRM}/o` }, { path: `${PRM}/o/opt` }, { path: `${PRM}/o/other` }]);
  });

  const THROWING = [
    ['path /a(b) → router call throws TypeError', 'https://a.example/a(b)'],
    ['path /a[b] → TypeError', 'https://a.example/a[b]'],
    ['path /a? → query stripped, OK', 'https://a.example/a?'],
    ['path /a+ → TypeError', 'https://a.example/a+'],
    ['path /a! → TypeError', 'https://a.example/a!'],
    ['urn resource → TypeError Invalid URL', 'urn:example:res'],
    ['non-URL resource → TypeError Invalid resource identifier URI', 'not-a-url'],
    ['resource "" → TypeError Invalid resource identifier URI', ''],
    ['file: URL resource (origin "null") → TypeError', 'file:///tmp/x'],
  ];
  for (const [label, resource] of THROWING) {
    test(label, T, () => {
      const out = {};
      for (const [name, lib] of LIBS) {
        const auth = new lib.MCPAuth({ protectedResources: [{ metadata: { resource } }] });
        const r = withWarningsSync(() => auth.protectedResourceMetadataRouter());
        out[name] = r.ok ? { ok: true, layers: r.value.stack?.length } : { ok: false, error: describeError(r.error) };
      }
      assertSame(out, label);
      if (resource === 'urn:example:res') forBoth(out, (r) => {
        assert.equal(r.error.ctor, 'TypeError');
        assert.equal(r.error.code, 'ERR_INVALID_URL');
      });
      if (resource === 'not-a-url') forBoth(out, (r) => assert.equal(r.error.message, 'Invalid resource identifier URI: not-a-url'));
      if (resource === 'https://a.example/a(b)') forBoth(out, (r) => {
        assert.equal(r.error.name, 'TypeError'); // path-to-regexp's PathError extends TypeError
        assert.match(r.error.message, /Unexpected \( at index/);
      });
    });
  }

  test('a throwing resource after valid ones → the whole call throws', T, () => {
    const out = {};
    for (const [name, lib] of LIBS) {
      const auth = new lib.MCPAuth({ protectedResources: [{ metadata: { resource: R } }, { metadata: { resource: 'urn:x:y' } }] });
      const r = withWarningsSync(() => auth.protectedResourceMetadataRouter());
      out[name] = r.ok ? { ok: true } : { ok: false, error: describeError(r.error) };
    }
    assertSame(out);
  });

  test('protectedResources [] → router with no routes', T, async (t) => {
    const pair = await routerPair(() => ({ protectedResources: [] }));
    t.after(() => pair.close());
    const [both] = await compareRequests(pair, [{ path: PRM }]);
    forBoth(both, (r) => assert.equal(r.status, 404));
  });

  test('unusual values: Date, URL instance, nested arrays, numbers', T, async (t) => {
    const pair = await routerPair(() => ({
      protectedResources: [
        {
          metadata: {
            resource: R,
            when: new Date(0),
            docs: new URL('https://docs.example/x'),
            matrix: [[{ innerKey: 1 }], []],
            count: 0,
            flag: false,
            empty: '',
          },
        },
      ],
    }));
    t.after(() => pair.close());
    await compareRequests(pair, [{ path: `${PRM}/notes` }]);
  });

  test('metadata mutated after the router was created (nested array shared) → same visibility as the reference', T, async (t) => {
    const pair = await routerPair(
      () => ({ protectedResources: [{ metadata: { resource: R, scopesSupported: ['a'] } }] }),
      (auth) => {
        const router = auth.protectedResourceMetadataRouter();
        const { metadata } = auth.config.protectedResources[0];
        metadata.scopesSupported.push('pushed-later');
        metadata.resourceName = 'set-later';
        return router;
      },
    );
    t.after(() => pair.close());
    await compareRequests(pair, [{ path: `${PRM}/notes` }]);
  });

  test('router created twice with the config array extended in between (config kept by reference)', T, async (t) => {
    const pair = await routerPair(
      () => ({ protectedResources: [{ metadata: { resource: R } }] }),
      (auth) => {
        auth.config.protectedResources.push({ metadata: { resource: 'https://api.example.com/late' } });
        return auth.protectedResourceMetadataRouter();
      },
    );
    t.after(() => pair.close());
    await compareRequests(pair, [{ path: `${PRM}/notes` }, { path: `${PRM}/late` }]);
  });

  test('router mounted under a prefix → paths relative to the mount point', T, async (t) => {
    const pair = await createPair(
      (lib, env) => {
        const auth = new lib.MCPAuth({ protectedResources: [{ metadata: { resource: R } }] });
        env.app.use('/mcp', auth.protectedResourceMetadataRouter());
      },
      { servers },
    );
    t.after(() => pair.close());
    await compareRequests(pair, [{ path: `/mcp${PRM}/notes` }, { path: `${PRM}/notes` }]);
  });

  test('app settings (json spaces, case sensitive routing, strict routing) → same answers', T, async (t) => {
    const pair = await createPair(
      (lib, env) => {
        env.app.set('json spaces', 2);
        env.app.set('case sensitive routing', true);
        env.app.set('strict routing', true);
        env.app.set('etag', false);
        const auth = new lib.MCPAuth({ protectedResources: [{ metadata: { resource: R, scopesSupported: ['s'] } }] });
        env.app.use(auth.protectedResourceMetadataRouter());
      },
      { servers },
    );
    t.after(() => pair.close());
    await compareRequests(pair, [{ path: `${PRM}/notes` }, { path: `${PRM}/NOTES` }, { path: `${PRM}/notes/` }]);
  });
});

describe('delegatedRouter', () => {
  test('resolved metadata with extra keys → snake_cased as given, remote never contacted', T, async (t) => {
    const pair = await routerPair(
      (env) => ({
        server: env.as.resolved({
          revocationEndpoint: `${env.as.origin}/revoke`,
          customThing: { nestedKey: 1 },
          endSessionEndpoint: `${env.as.origin}/logout`,
          undefinedValue: undefined,
        }),
      }),
      (auth) => auth.delegatedRouter(),
    );
    t.after(() => pair.close());
    assert.deepEqual(pair.setup.rs, pair.setup.ref);
    const results = await compareRequests(pair, [
      { path: ASM },
      { path: ASM.toUpperCase() },
      { path: `${ASM}/` },
      { path: ASM, method: 'HEAD' },
      { path: ASM, method: 'OPTIONS', headers: { 'access-control-request-headers': 'mcp-protocol-version' } },
      { path: `${ASM}/sub`, method: 'OPTIONS' },
      { path: `${ASM}/sub` },
      { path: ASM, method: 'POST' },
      { path: '/.well-known/openid-configuration' },
    ]);
    forBoth(results[0], (r) => {
      assert.equal(r.status, 200);
      assert.equal(r.body.revocation_endpoint, '<AS>/revoke');
      assert.deepEqual(r.body.custom_thing, { nested_key: 1 });
      assert.equal(r.body.end_session_endpoint, '<AS>/logout');
      assert.equal(r.headers['access-control-allow-origin'], '*');
    });
    forBoth(results[4], (r) => {
      assert.equal(r.status, 204);
      assert.equal(r.headers['access-control-allow-headers'], 'mcp-protocol-version');
    });
    forBoth(results[8], (r) => assert.equal(r.status, 404));
    for (const both of results) forBoth(both, (r) => assert.deepEqual(r.asRequests, { metadata: 0, jwks: 0 }));
  });

  test('resolved metadata mutated after router creation → same visibility as the reference', T, async (t) => {
    const pair = await routerPair(
      (env) => ({ server: env.as.resolved() }),
      (auth) => {
        const router = auth.delegatedRouter();
        auth.config.server.metadata.scopesSupported = ['later'];
        return router;
      },
    );
    t.after(() => pair.close());
    await compareRequests(pair, [{ path: ASM }]);
  });

  test('discovery: fetched on first request, cached, end_session_endpoint dropped, warnings once', T, async (t) => {
    servers.ref.set({ metadataExtra: { end_session_endpoint: 'x', claims_supported: ['sub'] }, metadataOmit: ['registration_endpoint'] });
    servers.rs.set({ metadataExtra: { end_session_endpoint: 'x', claims_supported: ['sub'] }, metadataOmit: ['registration_endpoint'] });
    const pair = await routerPair((env) => ({ server: env.as.discovery() }), (auth) => auth.delegatedRouter());
    t.after(() => pair.close());
    assert.deepEqual(pair.setup.rs, pair.setup.ref);
    forBoth(pair.setup, (s) => assert.deepEqual(s.warnings, [DEPRECATION]));
    forBoth({ ref: servers.ref.counts(), rs: servers.rs.counts() }, (c) => assert.equal(c.metadata, 0, 'nothing fetched at router creation'));
    const results = await compareRequests(pair, [{ path: ASM }, { path: ASM }, { path: ASM, method: 'HEAD' }]);
    forBoth(results[0], (r) => {
      assert.equal(r.status, 200);
      assert.equal('end_session_endpoint' in r.body, false);
      assert.equal('claims_supported' in r.body, false);
      assert.equal(r.body.issuer, '<AS>');
      assert.deepEqual(r.asRequests, { metadata: 1, jwks: 0 });
      assert.deepEqual(r.warnings, [registrationWarning('<AS>')]);
    });
    forBoth(results[1], (r) => {
      assert.deepEqual(r.asRequests, { metadata: 0, jwks: 0 });
      assert.deepEqual(r.warnings, []);
    });
  });

  test('discovery: router and bearer verifiers of one MCPAuth; a malformed token fetches nothing, the router fetches once', T, async (t) => {
    const pair = await createPair(
      (lib, env) => {
        const auth = new lib.MCPAuth({ server: env.as.discovery() });
        env.app.use(auth.delegatedRouter());
        env.protect(auth.bearerAuth((token) => ({ issuer: env.as.issuer, clientId: '', scopes: [], token })));
        env.app.all('/jwt', auth.bearerAuth('jwt'), env.terminal);
      },
      { servers },
    );
    t.after(() => pair.close());
    const results = await compareRequests(pair, [
      { path: ASM },
      { path: '/jwt', headers: { authorization: 'Bearer not-a-jwt' } },
      { path: ASM },
    ]);
    forBoth(results[0], (r) => assert.deepEqual(r.asRequests, { metadata: 1, jwks: 0 }));
  });

  test('discovery: three concurrent first requests → one metadata fetch', T, async (t) => {
    const pair = await routerPair((env) => ({ server: env.as.discovery() }), (auth) => auth.delegatedRouter());
    t.after(() => pair.close());
    const both = await pair.concurrent(3, { path: ASM });
    assert.deepEqual(both.rs, both.ref);
    forBoth(both, (r) => {
      assert.deepEqual(r.statuses, [200, 200, 200]);
      assert.deepEqual(r.asRequests, { metadata: 1, jwks: 0 });
    });
  });

  test('discovery: two routers from one MCPAuth share the instance cache', T, async (t) => {
    const pair = await createPair(
      (lib, env) => {
        const auth = new lib.MCPAuth({ server: env.as.discovery() });
        env.app.use('/one', auth.delegatedRouter());
        env.app.use('/two', auth.delegatedRouter());
      },
      { servers },
    );
    t.after(() => pair.close());
    const results = await compareRequests(pair, [{ path: `/one${ASM}` }, { path: `/two${ASM}` }]);
    forBoth(results[1], (r) => assert.deepEqual(r.asRequests, { metadata: 0, jwks: 0 }));
  });

  const FAILURES = [
    ['503 → MCPAuthConfigError reaches Express (HTML 500), refetched', { metadata: 503 }, 'full'],
    ['no PKCE → MCPAuthAuthServerError invalid_server_config reaches Express, refetched', { metadataOmit: ['code_challenge_methods_supported'] }, 'full'],
    ['schema failure → invalid_server_metadata reaches Express', { metadataOmit: ['token_endpoint'] }, 'code'],
    ['connection reset → TypeError reaches Express', { metadata: 'reset' }, 'class'],
  ];
  for (const [label, state, level] of FAILURES) {
    test(`discovery failure: ${label}`, T, async (t) => {
      servers.ref.set(state);
      servers.rs.set(state);
      const pair = await routerPair((env) => ({ server: env.as.discovery() }), (auth) => auth.delegatedRouter());
      t.after(() => pair.close());
      const spec = { path: ASM, ...(level === 'class' ? { errorLevel: 'class' } : {}), ...(level === 'code' ? { compareErrorCause: false } : {}) };
      const results = await compareRequests(pair, [spec, spec]);
      for (const both of results) {
        forBoth(both, (r, name) => {
          assert.equal(r.status, 500, name);
          assert.equal(r.body.isJson, false, `${name}: HTML error page`);
          assert.deepEqual(r.asRequests, { metadata: 1, jwks: 0 }, `${name}: refetched every request`);
        });
      }
      if (state.metadata === 503) {
        forBoth(results[0], (r) => {
          assert.equal(r.error.ctor, 'MCPAuthConfigError');
          assert.equal(r.error.code, 'fetch_server_config_error');
          assert.equal(r.error.message, 'Failed to fetch server config from <AS>/.well-known/oauth-authorization-server: Service Unavailable');
        });
      }
      if (state.metadataOmit?.includes('code_challenge_methods_supported')) {
        forBoth(results[0], (r) => {
          assert.equal(r.error.ctor, 'MCPAuthAuthServerError');
          assert.equal(r.error.code, 'invalid_server_config');
          assert.equal(r.error.message, AUTH_SERVER.invalid_server_config);
        });
      }
    });
  }

  test('discovery failure then recovery → 200', T, async (t) => {
    servers.ref.set({ metadata: 503 });
    servers.rs.set({ metadata: 503 });
    const pair = await routerPair((env) => ({ server: env.as.discovery() }), (auth) => auth.delegatedRouter());
    t.after(() => pair.close());
    await compareRequests(pair, [{ path: ASM }]);
    servers.ref.set({ metadata: 'ok' });
    servers.rs.set({ metadata: 'ok' });
    const [both] = await compareRequests(pair, [{ path: ASM }]);
    forBoth(both, (r) => assert.equal(r.status, 200));
  });

  test('discovery with type oidc → fetches openid-configuration, serves it at the OAuth path', T, async (t) => {
    const pair = await routerPair((env) => ({ server: { issuer: env.as.issuer, type: 'oidc' } }), (auth) => auth.delegatedRouter());
    t.after(() => pair.close());
    const [both] = await compareRequests(pair, [{ path: ASM }]);
    // The fake authorization server (type oauth) does not serve openid-configuration: 404 → fetch error → Express 500.
    forBoth(both, (r) => assert.equal(r.status, 500));
  });

  test('router identity: new router per call, same layer count', T, () => {
    const out = {};
    for (const [name, lib] of LIBS) {
      const auth = withWarningsSync(() => new lib.MCPAuth({ server: resolved() })).value;
      const a = auth.delegatedRouter();
      const b = auth.delegatedRouter();
      out[name] = { distinct: a !== b, type: typeof a, layers: a.stack?.length };
    }
    assert.deepEqual(out.rs, out.ref);
  });

  test('Express app without the router: express.Router identity is the host express', T, () => {
    const out = {};
    for (const [name, lib] of LIBS) {
      const auth = withWarningsSync(() => new lib.MCPAuth({ server: resolved() })).value;
      const router = auth.delegatedRouter();
      out[name] = { sameProtoAsHostRouter: Object.getPrototypeOf(router) === Object.getPrototypeOf(express.Router()) };
    }
    assert.deepEqual(out.rs, out.ref);
  });
});
