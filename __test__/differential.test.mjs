// Differential tests: the same inputs through the reference `mcp-auth@0.2.0` and `mcp-auth-rs`,
// asserting equal observable outcomes.
//
// Deliberate differences, EXCLUDED from comparison (documented improvements of mcp-auth-rs):
//  - An async `transpileData` is awaited by us (the reference validates the returned Promise and
//    rejects with invalid_server_metadata; docs/behavior.md, differences from mcp-auth). Only sync hooks are
//    compared here; discovery.test.mjs covers the async case.
//  - `requestTimeout` / `maxResponseBytes` options and their defaults (10 s, 1 MiB): the reference
//    has no limits. Only small, prompt responses are compared here.
//  - Network failures (connection refused, unsupported scheme, unparsable well-known URL string
//    given to fetchServerConfigByWellKnownUrl): both reject with a TypeError, but the message
//    text (undici's "fetch failed" / "Failed to parse URL …") is not reproduced; only the error
//    class is compared for those.
//  - Only http(s) URLs are fetched (a `data:` URL is rejected), and a lone UTF-16 surrogate inside
//    a *known* metadata field is rejected (Rust strings are UTF-8); both are off any real path.
//  - MCPAuth / bearerAuth / handleBearerAuth / createVerifyJwt are not compared (not part of
//    this package yet).

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import * as ref from 'mcp-auth';
import * as rs from 'mcp-auth-rs';
import { startHttpServer, startRawServer, closedPort } from './helpers/http-server.mjs';
import { within, settle } from './helpers/util.mjs';
import { snakeMetadata, camelMetadata, fullSnakeMetadata } from './helpers/fixtures.mjs';

const T = { timeout: 10000 };
const IMPLS = [
  ['ref', ref],
  ['rs', rs],
];

let srv;
let o;

before(async () => {
  srv = await startHttpServer();
  o = srv.origin;
});
after(async () => {
  await srv?.close();
});

/** Order-sensitive comparison: equal as values AND as JSON text (key order included). */
const assertSame = (actual, expected, message) => {
  assert.deepEqual(actual, expected, message);
  assert.equal(JSON.stringify(actual), JSON.stringify(expected), `${message ?? ''} (key order)`);
};

const describeError = (e, level) => {
  if (level === 'class') return { ctor: e?.constructor?.name };
  // JSON SyntaxErrors: class compared here; the message text has its own test below.
  if (e instanceof SyntaxError) return { ctor: e.constructor.name, name: e.name };
  const out = { ctor: e?.constructor?.name, name: e?.name, code: e?.code, message: e?.message };
  if (e instanceof ref.MCPAuthAuthServerError || e instanceof rs.MCPAuthAuthServerError) {
    out.causeKeys = e.cause && typeof e.cause === 'object' ? Object.keys(e.cause) : e.cause;
    out.causeMetadata = e.cause?.metadata;
    out.causeMessage = e.cause?.message;
    if (e.cause?.parseError) {
      out.parseErrorName = e.cause.parseError.name;
      out.parseErrorIssues = e.cause.parseError.issues;
    }
  }
  return out;
};

/**
 * Runs `call(impl)` for both implementations against the shared server; returns, per
 * implementation, the request targets received and the normalized outcome.
 */
const runBoth = async (call, level = 'full') => {
  const out = {};
  for (const [label, impl] of IMPLS) {
    srv.reset();
    const outcome = await within(settle(() => call(impl)), 8000, `${label} call`);
    out[label] = {
      paths: srv.paths(),
      outcome: outcome.ok ? { ok: true, value: outcome.value } : { ok: false, error: describeError(outcome.error, level) },
    };
  }
  return out;
};

const assertBothSame = (both) => {
  assertSame(both.rs.paths, both.ref.paths, 'requested paths');
  assertSame(both.rs.outcome, both.ref.outcome, 'outcome');
};

describe('fetchServerConfig: derived well-known URL and result', () => {
  before(() => {
    srv.clearRoutes();
    // Any path: valid metadata whose issuer records the target, so results differ per path.
    srv.route('*', (req, res) => {
      const body = JSON.stringify({ ...fullSnakeMetadata(`${o}${req.url}`), end_session_endpoint: 'x' });
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    });
  });

  const suffixes = [
    '',
    '/',
    '/tenant',
    '/tenant/',
    '/a//b/',
    '/t/?x=1#f',
    '/p/?x=1',
    '/a/./b',
    '/a/../b',
    '/a/.../b',
    '/a/b/..',
    '/a/b/.',
    '/%2e%2e/x',
    '/a/%2E/b',
    '/ä/ö',
    '/a b',
    '/a%20b',
    '/A/B',
    '/x?',
    '/x#',
    '/x?a=1&a=2',
    '/?q',
    '//double',
    '///',
    '/a/b/c/d/e/',
    '/a;b',
    '/a:b',
    '/%2F',
    '/.well-known/x',
    '/t\tx',
    '/a?b#c?d',
    '/a?x=%20y&z=ä',
    '/~user/%7E',
  ];
  const issuers = () => [
    ...suffixes.map((s) => `${o}${s}`),
    `HTTP://127.0.0.1:${srv.port}/T`,
    `http://127.0.0.1:${srv.port}\\a\\b`,
    `  http://127.0.0.1:${srv.port}/trimmed  `,
    `http://127.1:${srv.port}/short-ip`,
  ];

  for (const type of ['oauth', 'oidc', 'OIDC', 'other']) {
    test(`type ${type}: every issuer shape → same GET target and same result`, T, async () => {
      // Collect every mismatch first, so one failure lists all differing issuers.
      const mismatches = [];
      for (const issuer of issuers()) {
        const both = await runBoth((impl) => impl.fetchServerConfig(issuer, { type }));
        assert.equal(both.ref.outcome.ok, true, `reference failed for ${JSON.stringify(issuer)}`);
        if (JSON.stringify(both.rs) !== JSON.stringify(both.ref)) {
          mismatches.push({ issuer, refPaths: both.ref.paths, rsPaths: both.rs.paths, sameResult: JSON.stringify(both.rs.outcome) === JSON.stringify(both.ref.outcome) });
        }
      }
      assert.deepEqual(mismatches, []);
    });
  }

  test('type undefined: OIDC rule, type returned as undefined', T, async () => {
    const both = await runBoth((impl) => impl.fetchServerConfig(`${o}/u`, {}));
    assertBothSame(both);
  });

  test('unparsable issuers → same error', T, async () => {
    for (const issuer of ['not a url', '', '/relative', 'http://', 'http://[::1', 'http://exa mple.com/']) {
      for (const type of ['oauth', 'oidc']) {
        const both = await runBoth((impl) => impl.fetchServerConfig(issuer, { type }));
        assert.equal(both.ref.outcome.ok, false);
        assertSame(both.rs.paths, both.ref.paths, `paths for ${JSON.stringify(issuer)}`);
        assert.equal(both.rs.outcome.error.ctor, both.ref.outcome.error.ctor, `ctor for ${JSON.stringify(issuer)}`);
        assert.equal(both.rs.outcome.error.code, both.ref.outcome.error.code, `code for ${JSON.stringify(issuer)}`);
      }
    }
  });
});

describe('fetchServerConfigByWellKnownUrl: responses and error cases', () => {
  const long = (depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
  const validText = JSON.stringify(snakeMetadata());
  const withExtra = (rawValue) => `${validText.slice(0, -1)},"extra":${rawValue}}`;

  // [label, route spec]
  const CASES = [
    ['200 valid', { body: snakeMetadata() }],
    ['200 full + unknown keys', { body: fullSnakeMetadata() }],
    ['404', { status: 404 }],
    ['500', { status: 500, body: 'oops' }],
    ['503', { status: 503 }],
    ['401', { status: 401 }],
    ['418', { status: 418 }],
    ['429', { status: 429 }],
    ['custom reason phrase', { status: 404, statusText: 'Nope Not Here' }],
    ['lower-case reason phrase', { status: 500, statusText: 'internal error' }],
    ['304', { status: 304 }],
    ['body null', { body: 'null' }],
    ['body 42', { body: '42' }],
    ['body "str"', { body: '"str"' }],
    ['body true', { body: 'true' }],
    ['body [1]', { body: '[1]' }],
    ['body []', { body: '[]' }],
    ['body {}', { body: '{}' }],
    ["body 'not json'", { body: 'not json' }],
    ['empty body', { body: '' }],
    ['204 no content', { status: 204 }],
    ['jwks_uri null', { body: { ...snakeMetadata(), jwks_uri: null } }],
    ['missing token_endpoint', { body: { ...snakeMetadata(), token_endpoint: undefined } }],
    ['issuer number', { body: { ...snakeMetadata(), issuer: 7 } }],
    ['BOM prefix', { body: `\uFEFF${validText}` }],
    ['text/html content type', { body: validText, headers: { 'Content-Type': 'text/html' } }],
    ['trailing garbage', { body: `${validText}x` }],
    ['surrounding whitespace', { body: `\n\t ${validText} \n` }],
    ['duplicate key (last wins)', { body: `${validText.slice(0, -1)},"issuer":"https://second.example"}` }],
    ['__proto__ key', { body: withExtra('1').replace('"extra"', '"__proto__"') }],
    ['huge number in an unknown key', { body: withExtra('1e400') }],
    ['big integer in an unknown key', { body: withExtra('123456789012345678901234567890') }],
    ['lone surrogate escape in an unknown key', { body: withExtra('"\\ud800"') }],
    ['deeply nested unknown value (depth 200)', { body: withExtra(long(200)) }],
    ['invalid UTF-8 byte in a value', { body: Buffer.concat([Buffer.from(validText.split('openid')[0]), Buffer.from('open\xffid', 'latin1'), Buffer.from(validText.split('openid')[1])]) }],
    ['non-ASCII values', { body: { ...snakeMetadata(), service_documentation: 'https://dökü.example/ñ' } }],
  ];

  for (const [label, spec] of CASES) {
    test(`${label} → same outcome`, T, async () => {
      srv.clearRoutes();
      srv.route('/case', spec);
      const both = await runBoth((impl) => impl.fetchServerConfigByWellKnownUrl(`${o}/case`, { type: 'oauth' }));
      assertBothSame(both);
    });
  }

  test('non-JSON bodies: the SyntaxError message is the one JSON.parse gives', T, async () => {
    for (const text of ['not json', '', `${validText}x`]) {
      srv.clearRoutes();
      srv.route('/case', { body: text });
      const out = {};
      for (const [label, impl] of IMPLS) {
        const r = await within(settle(() => impl.fetchServerConfigByWellKnownUrl(`${o}/case`, { type: 'oauth' })), 4000);
        out[label] = { ctor: r.error?.constructor?.name, message: r.error?.message };
      }
      assertSame(out.rs, out.ref, `body ${JSON.stringify(text.slice(0, 12))}`);
    }
  });

  test('empty reason phrase (raw socket) → same message ending in ": "', T, async () => {
    const raw = await startRawServer('HTTP/1.1 404 \r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    try {
      const out = {};
      for (const [label, impl] of IMPLS) {
        const r = await within(settle(() => impl.fetchServerConfigByWellKnownUrl(`${raw.origin}/x`, { type: 'oauth' })), 4000);
        out[label] = describeError(r.error);
      }
      assertSame(out.rs, out.ref);
    } finally {
      await raw.close();
    }
  });

  test('unknown status code with reason "unknown" → same message', T, async () => {
    srv.clearRoutes();
    srv.route('/case', { status: 599 });
    assertBothSame(await runBoth((impl) => impl.fetchServerConfigByWellKnownUrl(`${o}/case`, { type: 'oauth' })));
  });

  test('URL object argument → same', T, async () => {
    srv.clearRoutes();
    srv.route('/u', { body: snakeMetadata() });
    assertBothSame(await runBoth((impl) => impl.fetchServerConfigByWellKnownUrl(new URL(`${o}/u?q=1#h`), { type: 'oidc' })));
    assertBothSame(await runBoth((impl) => impl.fetchServerConfigByWellKnownUrl(new URL(`${o}/missing#h`), { type: 'oidc' })));
  });

  test('redirects (302 relative, 301 absolute, chain, to a 404) → same', T, async () => {
    srv.clearRoutes();
    srv.route('/r1', { redirect: '/r2' });
    srv.route('/r2', { status: 301, redirect: `${o}/r3` });
    srv.route('/r3', { status: 307, redirect: 'final?x=1' });
    srv.route('/final', { body: snakeMetadata() });
    srv.route('/r404', { redirect: '/nowhere' });
    assertBothSame(await runBoth((impl) => impl.fetchServerConfigByWellKnownUrl(`${o}/r1`, { type: 'oauth' })));
    assertBothSame(await runBoth((impl) => impl.fetchServerConfigByWellKnownUrl(`${o}/r404`, { type: 'oauth' })));
  });

  test('network failure (connection refused) → both TypeError', T, async () => {
    const port = await closedPort();
    const both = await runBoth(
      (impl) => impl.fetchServerConfigByWellKnownUrl(`http://127.0.0.1:${port}/x`, { type: 'oauth' }),
      'class',
    );
    assertSame(both.rs.outcome, { ok: false, error: { ctor: 'TypeError' } });
    assertSame(both.rs.outcome, both.ref.outcome);
  });

  test('unparsable well-known URL string → both TypeError', T, async () => {
    const both = await runBoth((impl) => impl.fetchServerConfigByWellKnownUrl('not a url', { type: 'oauth' }), 'class');
    assertSame(both.rs.outcome, both.ref.outcome);
  });

  test('URL with credentials → same outcome class', T, async () => {
    srv.clearRoutes();
    srv.route('/cred', { body: snakeMetadata() });
    const url = `http://user:pass@127.0.0.1:${srv.port}/cred`;
    const both = await runBoth((impl) => impl.fetchServerConfigByWellKnownUrl(url, { type: 'oauth' }), 'class');
    assertSame(both.rs.outcome.ok, both.ref.outcome.ok, 'resolved vs rejected');
    assertSame(both.rs.paths, both.ref.paths, 'requests sent');
  });

  describe('sync transpileData', () => {
    const odd = { issuer: 'i', authorization_endpoint: 'a', token_endpoint: 't', response_types: ['code'], x: 1 };
    before(() => {
      srv.clearRoutes();
      srv.route('/odd', { body: odd });
      srv.route('/ok', { body: snakeMetadata() });
    });

    const HOOKS = [
      ['fixes the body', (d) => ({ ...d, response_types_supported: d.response_types })],
      ['returns undefined', () => undefined],
      ['returns null', () => null],
      ['returns 0', () => 0],
      ['returns a string', () => 'metadata'],
      ['returns an array', () => []],
      ['returns an invalid object', () => ({ issuer: 5 })],
      ['mutates and returns nothing', (d) => {
        d.response_types_supported = d.response_types;
        delete d.x;
      }],
      ['mutates into an invalid body', (d) => {
        delete d.issuer;
      }],
    ];

    for (const [label, hook] of HOOKS) {
      for (const path of ['/odd', '/ok']) {
        test(`hook ${label} on ${path} → same outcome and same argument`, T, async () => {
          const seen = {};
          const out = {};
          for (const [name, impl] of IMPLS) {
            const r = await within(
              settle(() =>
                impl.fetchServerConfigByWellKnownUrl(`${o}${path}`, {
                  type: 'oauth',
                  transpileData: (d) => {
                    seen[name] = structuredClone(d);
                    return hook(d);
                  },
                }),
              ),
              4000,
            );
            out[name] = r.ok ? { ok: true, value: r.value } : { ok: false, error: describeError(r.error) };
          }
          assertSame(seen.rs, seen.ref, 'argument given to transpileData');
          assertSame(out.rs, out.ref);
        });
      }
    }

    test('a throwing hook → the same thrown value from both', T, async () => {
      const boom = new Error('boom');
      for (const [, impl] of IMPLS) {
        const r = await within(
          settle(() =>
            impl.fetchServerConfigByWellKnownUrl(`${o}/ok`, {
              type: 'oauth',
              transpileData: () => {
                throw boom;
              },
            }),
          ),
          4000,
        );
        assert.equal(r.error, boom);
      }
    });
  });
});

describe('validateServerConfig: same result for a table of metadata', () => {
  const noReg = () => {
    const m = camelMetadata();
    delete m.registrationEndpoint;
    return m;
  };
  const without = (key) => {
    const m = camelMetadata();
    delete m[key];
    return m;
  };
  const VARIANTS = [
    ['fully valid', camelMetadata()],
    ['no registration endpoint', noReg()],
    ['registrationEndpoint ""', { ...camelMetadata(), registrationEndpoint: '' }],
    ['{}', {}],
    ['null', null],
    ['undefined', undefined],
    ['array', []],
    ['snake_case metadata', snakeMetadata()],
    ['jwksUri null', { ...camelMetadata(), jwksUri: null }],
    ['issuer number', { ...camelMetadata(), issuer: 1 }],
    ['codeChallengeMethodsSupported []', { ...camelMetadata(), codeChallengeMethodsSupported: [] }],
    ["codeChallengeMethodsSupported ['plain']", { ...camelMetadata(), codeChallengeMethodsSupported: ['plain'] }],
    ['no PKCE', without('codeChallengeMethodsSupported')],
    ['grantTypesSupported absent', without('grantTypesSupported')],
    ['grantTypesSupported []', { ...camelMetadata(), grantTypesSupported: [] }],
    ["responseTypesSupported ['token'], no PKCE, no registration", { ...without('codeChallengeMethodsSupported'), registrationEndpoint: undefined, responseTypesSupported: ['token'] }],
    ["responseTypesSupported ['code id_token']", { ...camelMetadata(), responseTypesSupported: ['code id_token'] }],
    ["responseTypesSupported ['codex']", { ...camelMetadata(), responseTypesSupported: ['codex'] }],
    ['everything wrong but schema-valid', { issuer: 'i', authorizationEndpoint: 'a', tokenEndpoint: 't', responseTypesSupported: [], grantTypesSupported: ['implicit'], codeChallengeMethodsSupported: ['plain'] }],
    ['unknown keys', { ...camelMetadata(), endSessionEndpoint: 'e', nested: { a: [1] } }],
    ['undefined-valued optional keys', { ...camelMetadata(), jwksUri: undefined, codeChallengeMethodsSupported: undefined }],
    ['String object issuer', { ...camelMetadata(), issuer: new String('https://idp.example.com') }], // eslint-disable-line no-new-wrappers
    ['BigInt in an unknown key', { ...camelMetadata(), extra: 1n }],
  ];

  const normalize = (result) =>
    JSON.parse(
      JSON.stringify(result, (key, value) => {
        if (value && typeof value === 'object' && 'code' in value && 'description' in value && 'cause' in value) {
          return { ...value, cause: value.cause === undefined ? '<undefined>' : value.cause?.constructor?.name };
        }
        return value;
      }),
    );

  for (const [label, metadata] of VARIANTS) {
    for (const verbose of [false, true]) {
      test(`${label} (verbose ${verbose}) → same result`, T, () => {
        const out = {};
        for (const [name, impl] of IMPLS) {
          const r = (() => {
            try {
              return { ok: true, value: impl.validateServerConfig({ metadata, type: 'oauth' }, verbose) };
            } catch (e) {
              return { ok: false, error: describeError(e) };
            }
          })();
          out[name] = r.ok ? { ok: true, value: normalize(r.value), raw: r.value } : r;
        }
        assertSame(out.rs.ok, out.ref.ok, 'threw vs returned');
        assertSame(out.rs.value, out.ref.value);
        if (out.ref.ok) {
          for (let i = 0; i < (out.ref.raw.errors?.length ?? 0); i += 1) {
            assert.equal(Object.hasOwn(out.rs.raw.errors[i], 'cause'), true, 'own cause key');
            if (out.ref.raw.errors[i].cause) {
              assert.deepEqual(out.rs.raw.errors[i].cause.issues, out.ref.raw.errors[i].cause.issues, 'ZodError issues');
            }
          }
        }
      });
    }
  }
});

describe('static exports', () => {
  test('every export of mcp-auth-rs exists in mcp-auth with the same kind', T, () => {
    for (const name of Object.keys(rs)) {
      assert.ok(name in ref, `${name} is not a reference export`);
      assert.equal(typeof rs[name], typeof ref[name], name);
    }
  });

  for (const name of [
    'authServerErrorDescription',
    'bearerAuthErrorDescription',
    'tokenVerificationErrorDescription',
    'serverMetadataPaths',
    'defaultValues',
  ]) {
    test(`${name}: same content, order and frozenness`, T, () => {
      assertSame(rs[name], ref[name]);
      assert.equal(Object.isFrozen(rs[name]), Object.isFrozen(ref[name]));
      assert.equal(Object.getPrototypeOf(rs[name]), Object.getPrototypeOf(ref[name]));
      for (const key of Object.keys(ref[name])) {
        if (typeof ref[name][key] === 'object') {
          assert.equal(Object.isFrozen(rs[name][key]), Object.isFrozen(ref[name][key]), `${name}.${key} frozen`);
        }
      }
    });
  }
});

describe('zod schemas: same safeParse outcomes', () => {
  const SCHEMAS = [
    'authorizationServerMetadataSchema',
    'camelCaseAuthorizationServerMetadataSchema',
    'protectedResourceMetadataSchema',
    'camelCaseProtectedResourceMetadataSchema',
  ];
  const INPUTS = [
    ['valid snake AS', snakeMetadata()],
    ['valid camel AS', camelMetadata()],
    ['full snake AS + unknown', fullSnakeMetadata()],
    ['{}', {}],
    ['null', null],
    ['undefined', undefined],
    ['array', []],
    ['string', 'x'],
    ['AS jwks_uri null', { ...snakeMetadata(), jwks_uri: null }],
    ['AS jwksUri null', { ...camelMetadata(), jwksUri: null }],
    ['AS scopes [1]', { ...snakeMetadata(), scopes_supported: [1] }],
    ['AS issuer empty', { ...snakeMetadata(), issuer: '' }],
    ['resource only', { resource: 'https://r' }],
    ['resource number', { resource: 1 }],
    ['PR full snake', { resource: 'r', authorization_servers: ['a'], jwks_uri: 'j', scopes_supported: ['s'], bearer_methods_supported: ['header'], resource_signing_alg_values_supported: ['RS256'], resource_name: 'n', resource_documentation: 'd', resource_policy_uri: 'p', resource_tos_uri: 't', tls_client_certificate_bound_access_tokens: true, authorization_details_types_supported: ['x'], dpop_signing_alg_values_supported: ['ES256'], dpop_bound_access_tokens_required: false, signed_metadata: 's', extra: 1 }],
    ['PR full camel', { resource: 'r', authorizationServers: ['a'], jwksUri: 'j', scopesSupported: ['s'], bearerMethodsSupported: ['header'], resourceSigningAlgValuesSupported: ['RS256'], resourceName: 'n', resourceDocumentation: 'd', resourcePolicyUri: 'p', resourceTosUri: 't', tlsClientCertificateBoundAccessTokens: true, authorizationDetailsTypesSupported: ['x'], dpopSigningAlgValuesSupported: ['ES256'], dpopBoundAccessTokensRequired: false, signedMetadata: 's', extra: 1 }],
    ['PR boolean as string', { resource: 'r', tls_client_certificate_bound_access_tokens: 'true', tlsClientCertificateBoundAccessTokens: 'true' }],
    ['PR null optional', { resource: 'r', resource_name: null, resourceName: null }],
    ['PR authorization_servers string', { resource: 'r', authorization_servers: 'a', authorizationServers: 'a' }],
    ['mixed', { ...snakeMetadata(), ...camelMetadata(), resource: 'r' }],
    ['String object', { resource: new String('r') }], // eslint-disable-line no-new-wrappers
  ];

  for (const schema of SCHEMAS) {
    test(`${schema}: same success, data (with key order) and issues`, T, () => {
      for (const [label, input] of INPUTS) {
        const a = ref[schema].safeParse(input);
        const b = rs[schema].safeParse(input);
        assert.equal(b.success, a.success, `${schema} / ${label}: success`);
        if (a.success) assertSame(b.data, a.data, `${schema} / ${label}: data`);
        else assert.deepEqual(b.error.issues, a.error.issues, `${schema} / ${label}: issues`);
      }
    });
  }

  test('both sets of schemas are zod objects of the same kind', T, () => {
    for (const schema of SCHEMAS) {
      assert.equal(rs[schema].constructor.name, ref[schema].constructor.name);
      assert.equal(rs[schema] instanceof z.ZodObject, ref[schema] instanceof z.ZodObject, `${schema} instanceof z.ZodObject`);
      assert.equal(rs[schema]._def.unknownKeys, ref[schema]._def.unknownKeys);
    }
  });

  test('parse errors are the same kind of ZodError', T, () => {
    const a = ref.authorizationServerMetadataSchema.safeParse({}).error;
    const b = rs.authorizationServerMetadataSchema.safeParse({}).error;
    assert.equal(b.name, a.name);
    assert.equal(b instanceof z.ZodError, a instanceof z.ZodError, 'instanceof z.ZodError');
    assert.equal(b.message, a.message);
  });
});

describe('error classes: same observable shape', () => {
  const cases = [
    ['MCPAuthError', ['c', 'm']],
    ['MCPAuthError', ['', '']],
    ['MCPAuthConfigError', ['fetch_server_config_error', 'Failed to fetch server config from x: Not Found']],
    ['MCPAuthConfigError', ['x_code', 'msg']],
    ['MCPAuthAuthServerError', ['invalid_server_metadata', { metadata: null, message: 'm' }]],
    ['MCPAuthAuthServerError', ['invalid_server_config']],
    ['MCPAuthAuthServerError', ['missing_jwks_uri', 'string cause']],
    ['MCPAuthAuthServerError', ['nope']],
    ['MCPAuthAuthServerError', ['']],
    ['MCPAuthAuthServerError', ['constructor']],
    ['MCPAuthBearerAuthError', ['missing_auth_header']],
    ['MCPAuthBearerAuthError', ['invalid_issuer', { expected: 'a, b', actual: 'c' }]],
    ['MCPAuthBearerAuthError', ['missing_required_scopes', { missingScopes: ['write'] }]],
    ['MCPAuthBearerAuthError', ['missing_required_scopes', { missingScopes: [] }]],
    ['MCPAuthBearerAuthError', ['invalid_token', { uri: new URL('https://docs.example/e'), missingScopes: ['a'], cause: 'x' }]],
    ['MCPAuthBearerAuthError', ['invalid_token', { uri: 'https://not-a-url-object' }]],
    ['MCPAuthBearerAuthError', ['unknown']],
    ['MCPAuthTokenVerificationError', ['invalid_token']],
    ['MCPAuthTokenVerificationError', ['token_verification_failed', new Error('inner')]],
    ['MCPAuthTokenVerificationError', ['other', 0]],
  ];

  for (const [cls, args] of cases) {
    test(`new ${cls}(${args.map((a) => (typeof a === 'string' ? JSON.stringify(a) : typeof a)).join(', ')})`, T, () => {
      const a = new ref[cls](...args);
      const b = new rs[cls](...args);
      const shape = (e) => ({
        name: e.name,
        code: e.code,
        message: e.message,
        string: String(e),
        keys: Object.keys(e),
        ownCause: Object.hasOwn(e, 'cause'),
        json: JSON.stringify(e),
        stackHead: e.stack.split('\n')[0],
        toJson: e.toJson(),
        toJsonTrue: e.toJson(true),
        toJsonKeys: Object.keys(e.toJson()),
        toJsonTrueKeys: Object.keys(e.toJson(true)),
      });
      assertSame(shape(b), shape(a));
      assert.equal(b.cause, a.cause, 'same cause reference');
    });
  }
});
