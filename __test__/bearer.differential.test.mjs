// Differential tests of the bearer middleware: the same HTTP scenarios through the reference
// `mcp-auth@0.2.0` and `mcp-auth-rs`, each in its own Express 5 app with its own fake
// authorization server, comparing everything a user can observe (status, WWW-Authenticate,
// headers, body, what the route saw in `req.auth`, whether `next()` ran, what reached Express's
// error pipeline, console.warn calls, requests made to the authorization server). Where the
// documented behavior (docs/behavior.md, bearer answers) states a value, it is asserted for both
// libraries too.
//
// Deliberate differences: every field is compared everywhere, except the number of requests that
// reach the authorization server when several verifiers or routers of one MCPAuth trust one
// issuer: mcp-auth-rs shares one metadata cache and one JWKS cache per MCPAuth instance (README,
// "Differences from mcp-auth"), the reference keeps them per verifier and per router. The tests of
// "caches shared per MCPAuth instance" assert both counts.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as ref from 'mcp-auth';
import * as rs from 'mcp-auth-rs';
import { signToken, rawToken, nowSeconds } from './helpers/tokens.mjs';
import {
  LIBS,
  authServerPerSide,
  createPair,
  forBoth,
  assertSameResults,
  callDirect,
  describeError,
  describeValue,
  withWarningsSync,
} from './helpers/differential-runner.mjs';
import { sleep, within } from './helpers/util.mjs';
import {
  camelMetadata,
  BEARER_AUTH_ERROR_DESCRIPTION as BEARER,
  TOKEN_VERIFICATION_ERROR_DESCRIPTION as TOKEN,
  AUTH_SERVER_ERROR_DESCRIPTION as AUTH_SERVER,
  DEPRECATION_WARNING,
  registrationWarning,
} from './helpers/fixtures.mjs';

const T = { timeout: 10000 };
const R = 'https://api.example.com/notes';
const RM = 'https://api.example.com/.well-known/oauth-protected-resource/notes';
const SECOND = 'https://second.example';
const ROW1_HEADER =
  'Bearer error="missing_auth_header", error_description="Missing `Authorization` header. Please provide a valid bearer token.", resource_metadata="https://api.example.com/.well-known/oauth-protected-resource/notes"';
const DEPRECATION = DEPRECATION_WARNING;
const OVERWRITE = 'Request already contains auth info and will be overwritten. Please double-check if this is intended.';
const SERVER_ERROR = 'An error occurred with the authorization server.';

const servers = authServerPerSide();
let NOW;

before(() => {
  NOW = nowSeconds();
});

// ---------------------------------------------------------------------------------------------
// Scenario building blocks

const secondServer = () => ({ metadata: camelMetadata(SECOND), type: 'oauth' });

/** Auth-server config of this side: resolved (default), discovery, or resolved with overrides. */
const authServerOf = (env, { discovery = false, resolvedOverrides } = {}) => {
  if (discovery) return env.as.discovery();
  const config = env.as.resolved(resolvedOverrides ?? {});
  for (const [key, value] of Object.entries(resolvedOverrides ?? {})) if (value === undefined) delete config.metadata[key];
  return config;
};

const newAuth = (lib, env, { mode = 'resource', extra = [], ...rest } = {}) =>
  mode === 'resource'
    ? new lib.MCPAuth({ protectedResources: { metadata: { resource: R, authorizationServers: [authServerOf(env, rest), ...extra] } } })
    : new lib.MCPAuth({ server: authServerOf(env, rest) });

/**
 * Pair of apps protecting `ALL /protected` with `bearerAuth('jwt', options)`.
 * `options` may be a function of env; in resource mode `resource: R` is added.
 */
const jwtPair = (options = {}, { mode = 'resource', pre = [], ...rest } = {}) =>
  createPair(
    (lib, env) => {
      const auth = newAuth(lib, env, { mode, ...rest });
      const opts = typeof options === 'function' ? options(env) : options;
      env.protect(...pre, auth.bearerAuth('jwt', mode === 'resource' ? { resource: R, ...opts } : opts));
    },
    { servers },
  );

const dropUndefined = (object) => Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined));

/** Standard claims for `as` merged with `extra` (an `undefined` value removes the claim). */
const claimsFor = (as, extra = {}) =>
  dropUndefined({ iss: as.issuer, sub: 'user-1', client_id: 'client-1', scope: 'read write', aud: R, iat: NOW, exp: NOW + 3600, ...extra });

/** One token per side: `claims` is an object merged over the standard claims or a function of `as`. */
const mint = async ({ claims = {}, key = 'rsa', header = {}, signOptions } = {}) => {
  const out = {};
  for (const [name] of LIBS) {
    const as = servers[name];
    const payload = typeof claims === 'function' ? claims(as) : claimsFor(as, claims);
    const { keys } = servers;
    out[name] = await signToken({ key: key === 'hmac' ? 'hmac' : keys[key], keys, header, claims: payload, signOptions });
  }
  return out;
};

const withToken = (tokens) => (side) => ({ headers: { authorization: `Bearer ${tokens[side.name]}` }, token: tokens[side.name] });
const withHeader = (value) => ({ headers: value === undefined ? {} : { authorization: value } });

/** Common documented expectations for an error answer. */
const expectAnswer = (both, { status, error, description, resourceMetadata, body }) => {
  forBoth(both, (r, name) => {
    assert.equal(r.status, status, `${name} status`);
    assert.equal(r.nextCalled, false, `${name} next() not called`);
    if (status === 500) {
      assert.equal(r.wwwAuthenticateRaw, null, `${name}: no WWW-Authenticate on 500`);
      assert.equal(r.body.error, 'server_error', `${name} body.error`);
      assert.equal(r.body.error_description, SERVER_ERROR, `${name} body.error_description`);
    } else {
      assert.equal(r.wwwAuthenticate?.error, error, `${name} header error`);
      assert.equal(r.wwwAuthenticate?.error_description, description, `${name} header description`);
      assert.equal(r.wwwAuthenticate?.resource_metadata, resourceMetadata, `${name} header resource_metadata`);
      assert.equal(r.body.error, error, `${name} body.error`);
      assert.equal(r.body.error_description, description, `${name} body.error_description`);
    }
    assert.equal(r.contentType, 'application/json; charset=utf-8', `${name} content type`);
    if (body) body(r.body, name);
  });
};

/**
 * A 401 `invalid_token` from the JWT verifier: with `details`, the body's `cause.code` is `code`
 * (and `more(body, name)` holds); without, the body has no cause.
 */
const expectVerifierRejection = (both, details, code, more) =>
  expectAnswer(both, {
    status: 401,
    error: 'invalid_token',
    description: TOKEN.invalid_token,
    resourceMetadata: RM,
    body: (body, name) => {
      if (!details) return assert.equal('cause' in body, false, `${name}: no cause`);
      assert.equal(body.cause?.code, code, `${name} cause.code`);
      more?.(body, name);
    },
  });

const expectSuccess = (both) =>
  forBoth(both, (r, name) => {
    assert.equal(r.status, 200, `${name} status (body ${JSON.stringify(r.body)})`);
    assert.equal(r.nextCalled, true, `${name} next() called`);
    assert.equal(r.wwwAuthenticateRaw, null, `${name} no WWW-Authenticate`);
  });

/** One request per side, compared; returns both results. */
const compare = async (pair, spec, label) => {
  const both = await pair.request(spec);
  assertSameResults(both, label);
  return both;
};

/** Builds a pair, sends the requests in order (each compared), closes, returns the results. */
const scenario = async (pairPromise, ...specs) => {
  const pair = await pairPromise;
  try {
    const results = [];
    for (const spec of specs) results.push(await compare(pair, spec, `request ${results.length + 1}`));
    return { results, setup: pair.setup };
  } finally {
    await pair.close();
  }
};

// ---------------------------------------------------------------------------------------------

describe('header parsing', () => {
  const CASES = [
    ['no Authorization header', undefined, 'missing_auth_header'],
    ['empty Authorization header', '', 'missing_auth_header'],
    ['"Bearer"', 'Bearer', 'missing_bearer_token'],
    ['"bearer"', 'bearer', 'missing_bearer_token'],
    ['"Bearer  tok" (two spaces)', 'Bearer  tok', 'invalid_auth_header_format'],
    ['"Bearer\\ttok" (tab)', 'Bearer\ttok', 'invalid_auth_header_format'],
    ['"Basic abc"', 'Basic abc', 'invalid_auth_header_format'],
    ['"invalid-header"', 'invalid-header', 'invalid_auth_header_format'],
    ['"Bearer a b"', 'Bearer a b', 'invalid_auth_header_format'],
    ['"BEARER tok" (accepted scheme, opaque token)', 'BEARER tok', 'invalid_token'],
    ['"Bearer tok " (trailing space trimmed by Node)', 'Bearer tok ', 'invalid_token'],
  ];
  const VARIANTS = [
    ['resource mode, resource set, details off', { showErrorDetails: false }, { mode: 'resource' }, RM],
    ['resource mode, resource set, details on', { showErrorDetails: true }, { mode: 'resource' }, RM],
    ['authorization-server mode, no resource, details off', {}, { mode: 'server' }, undefined],
    ['authorization-server mode, no resource, details on', { showErrorDetails: true }, { mode: 'server' }, undefined],
  ];
  for (const [variant, options, pairOptions, resourceMetadata] of VARIANTS) {
    describe(variant, () => {
      let pair;
      before(async () => {
        pair = await jwtPair(options, pairOptions);
      });
      after(async () => {
        await pair?.close();
      });
      for (const [label, header, code] of CASES) {
        test(label, T, async () => {
          const both = await compare(pair, withHeader(header));
          const description = BEARER[code];
          expectAnswer(both, { status: 401, error: code, description, resourceMetadata });
          forBoth(both, (r, name) => {
            assert.deepEqual(r.asRequests, { metadata: 0, jwks: 0 }, `${name}: no network`);
            if (code === 'invalid_token' && options.showErrorDetails) {
              assert.deepEqual(r.body.cause, { cause: 'The JWT is malformed or invalid.' }, `${name} cause`);
            } else {
              assert.equal('cause' in r.body, false, `${name}: no cause`);
            }
            if (code === 'invalid_auth_header_format') {
              assert.match(r.wwwAuthenticateRaw, /error_description="Invalid `Authorization` header format\. Expected "Bearer <token>"\."/);
            }
          });
          if (code === 'missing_auth_header' && resourceMetadata) {
            forBoth(both, (r, name) => assert.equal(r.wwwAuthenticateRaw, ROW1_HEADER, `${name} exact row-1 header`));
          }
        });
      }
    });
  }

  test('setup warnings: authorization-server mode warns deprecation once, resource mode none', T, async () => {
    for (const [mode, expected] of [
      ['server', [DEPRECATION]],
      ['resource', []],
    ]) {
      const pair = await jwtPair({}, { mode });
      try {
        assert.deepEqual(pair.setup.rs, pair.setup.ref, `${mode}: setup outcome`);
        assert.deepEqual(pair.setup.ref.warnings, expected, `${mode}: ref warnings`);
      } finally {
        await pair.close();
      }
    }
  });
});

describe('JWT pre-checks: decode, iss, trust', () => {
  const CASES = [
    ['opaque token', () => 'invalid-token', 'invalid_token', { cause: 'The JWT is malformed or invalid.' }],
    ['5-segment token (JWE shape)', () => 'a.b.c.d.e', 'invalid_token', { cause: 'The JWT is malformed or invalid.' }],
    ['2-segment token', () => 'eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0', 'invalid_token', { cause: 'The JWT is malformed or invalid.' }],
    ['payload not JSON', () => rawToken({ alg: 'RS256' }, 'not json'), 'invalid_token', { cause: 'The JWT is malformed or invalid.' }],
    ['payload a JSON array', () => rawToken({ alg: 'RS256' }, [1]), 'invalid_token', { cause: 'The JWT is malformed or invalid.' }],
    ['payload JSON null', () => rawToken({ alg: 'RS256' }, 'null'), 'invalid_token', { cause: 'The JWT is malformed or invalid.' }],
    ['no iss', (as) => rawToken({ alg: 'RS256' }, { sub: 'u' }), 'invalid_token', { cause: 'The JWT payload does not contain the `iss` field.' }],
    ['iss ""', (as) => rawToken({ alg: 'RS256' }, { iss: '', sub: 'u' }), 'invalid_token', { cause: 'The JWT payload does not contain the `iss` field.' }],
    ['iss 0', (as) => rawToken({ alg: 'RS256' }, { iss: 0, sub: 'u' }), 'invalid_token', { cause: 'The JWT payload does not contain the `iss` field.' }],
    ['iss 123 (non-string)', (as) => rawToken({ alg: 'RS256' }, { iss: 123 }), 'invalid_issuer', (as) => ({ expected: `${as.issuer}, ${SECOND}`, actual: 123 })],
    ['untrusted iss https://evil', (as) => rawToken({ alg: 'RS256' }, { iss: 'https://evil' }), 'invalid_issuer', (as) => ({ expected: `${as.issuer}, ${SECOND}`, actual: 'https://evil' })],
    ['trailing-slash iss', (as) => rawToken({ alg: 'RS256' }, { iss: `${as.issuer}/` }), 'invalid_issuer', (as) => ({ expected: `${as.issuer}, ${SECOND}`, actual: `${as.issuer}/` })],
    ['case-different iss', (as) => rawToken({ alg: 'RS256' }, { iss: as.issuer.toUpperCase() }), 'invalid_issuer', (as) => ({ expected: `${as.issuer}, ${SECOND}`, actual: '<AS-UPPERCASE>' })],
  ];
  for (const details of [false, true]) {
    describe(`showErrorDetails ${details}`, () => {
      let pair;
      before(async () => {
        pair = await jwtPair({ showErrorDetails: details }, { extra: [secondServer()] });
      });
      after(async () => {
        await pair?.close();
      });
      for (const [label, make, code, cause] of CASES) {
        test(label, T, async () => {
          const tokens = { ref: make(servers.ref), rs: make(servers.rs) };
          const both = await compare(pair, withToken(tokens));
          expectAnswer(both, { status: 401, error: code, description: BEARER[code], resourceMetadata: RM });
          forBoth(both, (r, name) => {
            assert.deepEqual(r.asRequests, { metadata: 0, jwks: 0 }, `${name}: no network request`);
            if (details) {
              const expected = typeof cause === 'function' ? cause({ issuer: '<AS>' }) : cause;
              assert.deepEqual(r.body.cause, expected, `${name} cause`);
            } else assert.equal('cause' in r.body, false, `${name}: no cause`);
          });
        });
      }
    });
  }
});

describe('metadata without jwks_uri', () => {
  for (const discovery of [false, true]) {
    for (const details of [false, true]) {
      test(`${discovery ? 'discovery' : 'resolved'} config, details ${details} → 500 missing_jwks_uri`, T, async () => {
        const tokens = await mint();
        const pairPromise = jwtPair(
          { showErrorDetails: details },
          discovery ? { discovery: true } : { resolvedOverrides: { jwksUri: undefined } },
        );
        if (discovery) {
          servers.ref.set({ metadataOmit: ['jwks_uri'] });
          servers.rs.set({ metadataOmit: ['jwks_uri'] });
        }
        const { results } = await scenario(pairPromise, withToken(tokens), withToken(tokens));
        for (const both of results) {
          expectAnswer(both, {
            status: 500,
            body: (body, name) => {
              if (details) {
                assert.deepEqual(
                  body.cause,
                  { error: 'missing_jwks_uri', error_description: AUTH_SERVER.missing_jwks_uri },
                  `${name} cause`,
                );
              } else assert.equal('cause' in body, false);
            },
          });
        }
        // Discovery: fetched once, cached (the metadata is valid for MCP).
        forBoth(results[0], (r, name) => assert.deepEqual(r.asRequests, { metadata: discovery ? 1 : 0, jwks: 0 }, name));
        forBoth(results[1], (r, name) => assert.deepEqual(r.asRequests, { metadata: 0, jwks: 0 }, name));
      });
    }
  }
});

const AUTH_INFO_KEYS = ['issuer', 'clientId', 'scopes', 'token', 'audience', 'claims', 'expiresAt', 'subject'];

describe('valid tokens and req.auth', () => {
  test('RS256 token → next(), req.auth keys/values in order', T, async () => {
    const tokens = await mint();
    const { results } = await scenario(jwtPair(), withToken(tokens), withToken(tokens));
    const [first, second] = results;
    expectSuccess(first);
    forBoth(first, (r, name) => {
      assert.deepEqual(r.reqAuth.keys, AUTH_INFO_KEYS, `${name} key order`);
      assert.deepEqual(r.reqAuth.value.scopes, ['read', 'write']);
      assert.equal(r.reqAuth.value.clientId, 'client-1');
      assert.equal(r.reqAuth.value.token, '<TOKEN>');
      assert.deepEqual(r.asRequests, { metadata: 0, jwks: 1 }, `${name}: one JWKS fetch`);
    });
    expectSuccess(second);
    forBoth(second, (r, name) => assert.deepEqual(r.asRequests, { metadata: 0, jwks: 0 }, `${name}: JWKS cached`));
  });

  test('ES256 token, scope "read  write", azp c1', T, async () => {
    const tokens = await mint({ key: 'ec', claims: { client_id: undefined, azp: 'c1', scope: 'read  write' } });
    const { results } = await scenario(jwtPair(), withToken(tokens));
    expectSuccess(results[0]);
    forBoth(results[0], (r, name) => {
      assert.deepEqual(r.reqAuth.keys, AUTH_INFO_KEYS, `${name} key order`);
      assert.equal(r.reqAuth.value.clientId, 'c1');
      assert.deepEqual(r.reqAuth.value.scopes, ['read', 'write']);
      assert.equal(r.reqAuth.value.subject, 'user-1');
      assert.equal(r.reqAuth.value.audience, R);
    });
  });

  test('token without kid (key chosen by alg) → accepted', T, async () => {
    const tokens = await mint({ header: { kid: undefined } });
    const { results } = await scenario(jwtPair(), withToken(tokens));
    expectSuccess(results[0]);
  });

  test('token without exp → accepted, expiresAt key present and undefined', T, async () => {
    const tokens = await mint({ claims: { exp: undefined } });
    const { results } = await scenario(jwtPair(), withToken(tokens));
    expectSuccess(results[0]);
    forBoth(results[0], (r) => {
      assert.ok(r.reqAuth.keys.includes('expiresAt'));
      assert.equal(r.reqAuth.value.expiresAt, '<undefined>');
    });
  });

  test('minimal token: only iss and sub → audience undefined, scopes [], clientId ""', T, async () => {
    const tokens = await mint({ claims: (as) => ({ iss: as.issuer, sub: 's' }) });
    const { results } = await scenario(jwtPair(), withToken(tokens));
    expectSuccess(results[0]);
    forBoth(results[0], (r) => {
      assert.deepEqual(r.reqAuth.keys, AUTH_INFO_KEYS);
      assert.equal(r.reqAuth.value.audience, '<undefined>');
      assert.deepEqual(r.reqAuth.value.scopes, []);
      assert.equal(r.reqAuth.value.clientId, '');
    });
  });

  test('two valid tokens with different claims on one middleware → each req.auth its own', T, async () => {
    const a = await mint({ claims: { sub: 'alice' } });
    const b = await mint({ key: 'ec', claims: { sub: 'bob', scope: 'x' } });
    const { results } = await scenario(jwtPair(), withToken(a), withToken(b), withToken(a));
    forBoth(results[1], (r) => assert.equal(r.reqAuth.value.subject, 'bob'));
    forBoth(results[2], (r) => assert.equal(r.reqAuth.value.subject, 'alice'));
  });
});

describe('jose verification failures', () => {
  // [label, mint options (function of now), bearer options, expected cause.code | null for success]
  const CASES = [
    ['exp = now → ERR_JWT_EXPIRED', (now) => ({ claims: { exp: now } }), {}, 'ERR_JWT_EXPIRED'],
    ['exp = now − 30 → ERR_JWT_EXPIRED', (now) => ({ claims: { exp: now - 30 } }), {}, 'ERR_JWT_EXPIRED'],
    ['exp = now − 30, clockTolerance 60 → accepted', (now) => ({ claims: { exp: now - 30 } }), { jwtVerify: { clockTolerance: 60 } }, null],
    ["exp = now − 30, clockTolerance '1m' → accepted", (now) => ({ claims: { exp: now - 30 } }), { jwtVerify: { clockTolerance: '1m' } }, null],
    ["exp = now − 120, clockTolerance '1m' → expired", (now) => ({ claims: { exp: now - 120 } }), { jwtVerify: { clockTolerance: '1m' } }, 'ERR_JWT_EXPIRED'],
    ['nbf = now + 120 → ERR_JWT_CLAIM_VALIDATION_FAILED', (now) => ({ claims: { nbf: now + 120 } }), {}, 'ERR_JWT_CLAIM_VALIDATION_FAILED'],
    ['nbf = now + 30, clockTolerance 60 → accepted', (now) => ({ claims: { nbf: now + 30 } }), { jwtVerify: { clockTolerance: 60 } }, null],
    ['exp as a string → ERR_JWT_CLAIM_VALIDATION_FAILED', () => ({ claims: { exp: 'soon' } }), {}, 'ERR_JWT_CLAIM_VALIDATION_FAILED'],
    ['iat as a string → ERR_JWT_CLAIM_VALIDATION_FAILED', () => ({ claims: { iat: 'then' } }), {}, 'ERR_JWT_CLAIM_VALIDATION_FAILED'],
    ['HS256 token with trusted iss → ERR_JOSE_NOT_SUPPORTED', () => ({ key: 'hmac' }), {}, 'ERR_JOSE_NOT_SUPPORTED'],
    ['alg none header → ERR_JOSE_NOT_SUPPORTED or similar', null, {}, 'compare-only'],
    ['stranger key, own kid → ERR_JWKS_NO_MATCHING_KEY', () => ({ key: 'stranger' }), {}, 'ERR_JWKS_NO_MATCHING_KEY'],
    ['stranger key, kid rsa-1 → ERR_JWS_SIGNATURE_VERIFICATION_FAILED', () => ({ key: 'stranger', header: { kid: 'rsa-1' } }), {}, 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED'],
    ['RS256 token signed by the RSA key but kid ec-1 → ERR_JWKS_NO_MATCHING_KEY', () => ({ header: { kid: 'ec-1' } }), {}, 'ERR_JWKS_NO_MATCHING_KEY'],
    ['jwtVerify.algorithms [ES256] with RS256 → ERR_JOSE_ALG_NOT_ALLOWED', () => ({}), { jwtVerify: { algorithms: ['ES256'] } }, 'ERR_JOSE_ALG_NOT_ALLOWED'],
    ['jwtVerify.audience mismatch → invalid_token', () => ({ claims: { aud: 'other' } }), { jwtVerify: { audience: R } }, 'ERR_JWT_CLAIM_VALIDATION_FAILED'],
    ['jwtVerify.audience match (array aud) → accepted', () => ({ claims: { aud: ['x', R] } }), { jwtVerify: { audience: R } }, null],
    ['jwtVerify.requiredClaims [exp] without exp', () => ({ claims: { exp: undefined } }), { jwtVerify: { requiredClaims: ['exp'] } }, 'ERR_JWT_CLAIM_VALIDATION_FAILED'],
    ['jwtVerify.issuer mismatch', () => ({}), { jwtVerify: { issuer: 'https://someone-else' } }, 'ERR_JWT_CLAIM_VALIDATION_FAILED'],
    ['jwtVerify.subject mismatch', () => ({}), { jwtVerify: { subject: 'other' } }, 'ERR_JWT_CLAIM_VALIDATION_FAILED'],
    ['jwtVerify.typ at+jwt with no typ header', () => ({}), { jwtVerify: { typ: 'at+jwt' } }, 'ERR_JWT_CLAIM_VALIDATION_FAILED'],
    ['jwtVerify.typ at+jwt with typ application/at+jwt → accepted', () => ({ header: { typ: 'application/at+jwt' } }), { jwtVerify: { typ: 'at+jwt' } }, null],
    ['jwtVerify.maxTokenAge 10 with iat now − 60', (now) => ({ claims: { iat: now - 60 } }), { jwtVerify: { maxTokenAge: 10 } }, 'ERR_JWT_EXPIRED'],
    ['jwtVerify.maxTokenAge without iat', () => ({ claims: { iat: undefined } }), { jwtVerify: { maxTokenAge: '1h' } }, 'ERR_JWT_CLAIM_VALIDATION_FAILED'],
    ['unrecognized crit header → ERR_JOSE_NOT_SUPPORTED', () => ({ header: { crit: ['x-custom'], 'x-custom': 1 }, signOptions: { crit: { 'x-custom': true } } }), {}, 'ERR_JOSE_NOT_SUPPORTED'],
    ['crit recognized via jwtVerify.crit → accepted', () => ({ header: { crit: ['x-custom'], 'x-custom': 1 }, signOptions: { crit: { 'x-custom': true } } }), { jwtVerify: { crit: { 'x-custom': true } } }, null],
  ];
  for (const details of [true, false]) {
    describe(`showErrorDetails ${details}`, () => {
      for (const [label, makeOptions, bearerOptions, code] of CASES) {
        test(label, T, async () => {
          const now = nowSeconds();
          let tokens;
          if (makeOptions === null) {
            // alg none: header {alg:'none'} and an empty signature, trusted iss.
            tokens = {};
            for (const [name] of LIBS) tokens[name] = `${rawToken({ alg: 'none' }, claimsFor(servers[name])).split('.').slice(0, 2).join('.')}.`;
          } else tokens = await mint(makeOptions(now));
          const { results } = await scenario(jwtPair({ showErrorDetails: details, ...bearerOptions }), withToken(tokens));
          const [both] = results;
          if (code === null) {
            expectSuccess(both);
            return;
          }
          if (code === 'compare-only') {
            forBoth(both, (r) => assert.equal(r.status, 401));
            return;
          }
          expectVerifierRejection(both, details, code, (body, name) => {
            assert.equal(body.cause?.cause?.code, code, `${name} cause.cause.code (jose error)`);
            assert.equal(typeof body.cause?.cause?.name, 'string', `${name} cause.cause.name`);
          });
        });
      }
    });
  }
});

describe('JWKS fetching', () => {
  const failing = [
    ['JWKS 500 → ERR_JOSE_GENERIC', { jwks: 500 }, {}, 'ERR_JOSE_GENERIC'],
    ['JWKS 302 → ERR_JOSE_GENERIC (redirects not followed)', { jwks: 302 }, {}, 'ERR_JOSE_GENERIC'],
    ['JWKS body not a key set → ERR_JWKS_INVALID', { jwks: 'wrongShape' }, {}, 'ERR_JWKS_INVALID'],
    ['JWKS body not JSON → ERR_JOSE_GENERIC', { jwks: 'invalidJson' }, {}, 'ERR_JOSE_GENERIC'],
    ['JWKS slower than timeoutDuration 300 → ERR_JWKS_TIMEOUT', { jwks: 'slow', delayMs: 1000 }, { remoteJwkSet: { timeoutDuration: 300 } }, 'ERR_JWKS_TIMEOUT'],
    ['JWKS connection reset → JWT_VERIFICATION_FAILED', { jwks: 'reset' }, {}, 'JWT_VERIFICATION_FAILED'],
  ];
  for (const details of [true, false]) {
    for (const [label, state, options, code] of failing) {
      test(`${label}, details ${details}`, T, async () => {
        servers.ref.set(state);
        servers.rs.set(state);
        const tokens = await mint();
        const { results } = await scenario(jwtPair({ showErrorDetails: details, ...options }), withToken(tokens), withToken(tokens));
        for (const both of results) {
          expectVerifierRejection(both, details, code);
          // Failures are not cached: every request refetches.
          forBoth(both, (r, name) => assert.equal(r.asRequests.jwks, 1, `${name} JWKS requests`));
        }
      });
    }
  }

  test('JWKS slow (1 s) with the default 5 s timeout → accepted', T, async () => {
    servers.ref.set({ jwks: 'slow', delayMs: 1000 });
    servers.rs.set({ jwks: 'slow', delayMs: 1000 });
    const tokens = await mint();
    const { results } = await scenario(jwtPair(), withToken(tokens));
    expectSuccess(results[0]);
  });

  test('JWKS 500 then healthy → second request fetches again and passes', T, async (t) => {
    servers.ref.set({ jwks: 500 });
    servers.rs.set({ jwks: 500 });
    const tokens = await mint();
    const pair = await jwtPair();
    t.after(() => pair.close());
    const first = await compare(pair, withToken(tokens), 'failing');
    forBoth(first, (r) => assert.equal(r.status, 401));
    servers.ref.set({ jwks: 'ok' });
    servers.rs.set({ jwks: 'ok' });
    const second = await compare(pair, withToken(tokens), 'healthy');
    expectSuccess(second);
    forBoth(second, (r) => assert.equal(r.asRequests.jwks, 1));
  });

  test('unknown kid within the default cooldown → no refetch → ERR_JWKS_NO_MATCHING_KEY', T, async (t) => {
    const good = await mint();
    const rotated = await mint({ key: 'next' });
    const pair = await jwtPair({ showErrorDetails: true });
    t.after(() => pair.close());
    const first = await compare(pair, withToken(good), 'prime');
    expectSuccess(first);
    servers.ref.rotate();
    servers.rs.rotate();
    const second = await compare(pair, withToken(rotated), 'unknown kid');
    forBoth(second, (r, name) => {
      assert.equal(r.status, 401);
      assert.equal(r.body.cause.code, 'ERR_JWKS_NO_MATCHING_KEY', name);
      assert.deepEqual(r.asRequests, { metadata: 0, jwks: 0 }, `${name}: no refetch in cooldown`);
    });
  });

  test('unknown kid after cooldownDuration (1000 ms) → exactly one refetch → accepted', T, async (t) => {
    const good = await mint();
    const rotated = await mint({ key: 'next' });
    const pair = await jwtPair({ showErrorDetails: true, remoteJwkSet: { cooldownDuration: 1000 } });
    t.after(() => pair.close());
    expectSuccess(await compare(pair, withToken(good), 'prime'));
    servers.ref.rotate();
    servers.rs.rotate();
    const inCooldown = await compare(pair, withToken(rotated), 'within cooldown');
    forBoth(inCooldown, (r, name) => {
      assert.equal(r.status, 401, name);
      assert.equal(r.asRequests.jwks, 0, `${name}: no refetch within cooldown`);
    });
    await sleep(1100);
    const afterCooldown = await compare(pair, withToken(rotated), 'after cooldown');
    expectSuccess(afterCooldown);
    forBoth(afterCooldown, (r, name) => assert.equal(r.asRequests.jwks, 1, `${name}: one refetch`));
    const again = await compare(pair, withToken(rotated), 'again');
    forBoth(again, (r, name) => assert.equal(r.asRequests.jwks, 0, `${name}: cached`));
  });

  test('two bearerAuth("jwt") for one resource with different remoteJwkSet.headers → one fetch, headers of the first middleware used', T, async (t) => {
    const tokens = await mint();
    const pair = await createPair(
      (lib, env) => {
        const auth = newAuth(lib, env);
        env.app.all('/a', auth.bearerAuth('jwt', { resource: R, remoteJwkSet: { headers: { 'x-which': 'first' } } }), env.terminal);
        env.app.all('/b', auth.bearerAuth('jwt', { resource: R, remoteJwkSet: { headers: { 'x-which': 'second' } } }), env.terminal);
      },
      { servers },
    );
    t.after(() => pair.close());
    const b = await compare(pair, (side) => ({ ...withToken(tokens)(side), path: '/b' }), '/b first');
    expectSuccess(b);
    const a = await compare(pair, (side) => ({ ...withToken(tokens)(side), path: '/a' }), '/a second');
    expectSuccess(a);
    const seen = {};
    for (const [name] of LIBS) {
      const jwksRequests = servers[name].requests.filter((r) => r.url === '/jwks');
      seen[name] = jwksRequests.map((r) => ({ which: r.headers['x-which'], accept: r.headers.accept }));
    }
    assert.deepEqual(seen.rs, seen.ref, 'JWKS request headers');
    assert.deepEqual(seen.ref, [{ which: 'second', accept: 'application/json, application/jwk-set+json' }], 'one JWKS fetch, /b used first');
  });

  test('JWKS request headers (defaults: Accept, User-Agent jose)', T, async () => {
    const tokens = await mint();
    await scenario(jwtPair(), withToken(tokens));
    const seen = {};
    for (const [name] of LIBS) {
      const [request] = servers[name].requests.filter((r) => r.url === '/jwks');
      seen[name] = { method: request.method, accept: request.headers.accept, userAgent: request.headers['user-agent'] };
    }
    assert.match(seen.ref.userAgent, /^jose\/v6\./, "jose's default User-Agent jose/v6.x.y");
    // Deliberate: ours keeps jose's product token and names itself (`jose/v6 (mcp-auth-rs/x.y.z)`).
    assert.match(seen.rs.userAgent, /^jose\/v6 \(mcp-auth-rs\/\d+\.\d+\.\d+\)$/);
    assert.deepEqual({ ...seen.rs, userAgent: undefined }, { ...seen.ref, userAgent: undefined });
  });

  test('remoteJwkSet.headers can override User-Agent and add headers', T, async () => {
    const tokens = await mint();
    await scenario(jwtPair({ remoteJwkSet: { headers: { 'User-Agent': 'custom/1', 'X-Extra': 'y' } } }), withToken(tokens));
    const seen = {};
    for (const [name] of LIBS) {
      const [request] = servers[name].requests.filter((r) => r.url === '/jwks');
      seen[name] = { accept: request.headers.accept, userAgent: request.headers['user-agent'], extra: request.headers['x-extra'] };
    }
    assert.deepEqual(seen.rs, seen.ref);
    assert.deepEqual(seen.ref, { accept: 'application/json, application/jwk-set+json', userAgent: 'custom/1', extra: 'y' });
  });
});

describe('claims mapping', () => {
  const SUB_CASES = [
    ['sub missing', { sub: undefined }],
    ['sub ""', { sub: '' }],
    ['sub 5', { sub: 5 }],
  ];
  for (const details of [true, false]) {
    for (const [label, claims] of SUB_CASES) {
      test(`${label}, details ${details} → 401 invalid_token with the sub cause`, T, async () => {
        const tokens = await mint({ claims });
        const { results } = await scenario(jwtPair({ showErrorDetails: details }), withToken(tokens));
        expectAnswer(results[0], {
          status: 401,
          error: 'invalid_token',
          description: TOKEN.invalid_token,
          resourceMetadata: RM,
          body: (body) =>
            details
              ? assert.deepEqual(body.cause, { cause: 'The JWT payload does not contain the `sub` field or it is malformed.' })
              : assert.equal('cause' in body, false),
        });
      });
    }
  }

  const MAPPING = [
    ['client_id 5, azp c → clientId ""', { client_id: 5, azp: 'c' }, { clientId: '' }],
    ['client_id absent, azp c → "c"', { client_id: undefined, azp: 'c' }, { clientId: 'c' }],
    ['client_id "" → ""', { client_id: '', azp: 'c' }, { clientId: '' }],
    ['client_id null, azp c → "c"', { client_id: null, azp: 'c' }, { clientId: 'c' }],
    ['client_id absent, azp 7 → ""', { client_id: undefined, azp: 7 }, { clientId: '' }],
    ['scope "" with scopes [read] → []', { scope: '', scopes: ['read'] }, { scopes: [] }],
    ['scope null with scopes "a b" → [a, b]', { scope: null, scopes: 'a b' }, { scopes: ['a', 'b'] }],
    ["scope ['a', 3, ''] → ['a', '']", { scope: ['a', 3, ''] }, { scopes: ['a', ''] }],
    ['scope "a\\tb" → ["a\\tb"]', { scope: 'a\tb' }, { scopes: ['a\tb'] }],
    ['scope "a \\t b" → whitespace-only items dropped', { scope: 'a \t b' }, { scopes: ['a', 'b'] }],
    ['scope " a  b " → [a, b]', { scope: ' a  b ' }, { scopes: ['a', 'b'] }],
    ['scope absent, scopes [x, 1] → [x]', { scope: undefined, scopes: ['x', 1] }, { scopes: ['x'] }],
    ['scope absent, scopes absent → []', { scope: undefined }, { scopes: [] }],
    ['scope 5, scopes "q" → [q]', { scope: 5, scopes: 'q' }, { scopes: ['q'] }],
    ['scope {}, scopes absent → []', { scope: {} }, { scopes: [] }],
    ['aud number 7 → audience 7', { aud: 7 }, { audience: 7 }],
    ['aud object → audience object', { aud: { x: 1 } }, { audience: { x: 1 } }],
    ['exp non-integer (now + 3600.5) → expiresAt raw number', { exp: 'NOW_FLOAT' }, {}],
  ];
  for (const [label, claims, expected] of MAPPING) {
    test(label, T, async () => {
      const resolvedClaims = Object.fromEntries(
        Object.entries(claims).map(([k, v]) => [k, v === 'NOW_FLOAT' ? nowSeconds() + 3600.5 : v]),
      );
      const tokens = await mint({ claims: resolvedClaims });
      const { results } = await scenario(jwtPair(), withToken(tokens));
      expectSuccess(results[0]);
      forBoth(results[0], (r, name) => {
        for (const [key, value] of Object.entries(expected)) assert.deepEqual(r.reqAuth.value[key], value, `${name} ${key}`);
      });
    });
  }

  test("scope '' with requiredScopes ['read'] → 403 (scopes fallback blocked)", T, async () => {
    const tokens = await mint({ claims: { scope: '', scopes: ['read'] } });
    const { results } = await scenario(jwtPair({ requiredScopes: ['read'] }), withToken(tokens));
    forBoth(results[0], (r) => {
      assert.equal(r.status, 403);
      assert.deepEqual(r.body.missing_scopes, ['read']);
    });
  });
});

describe('audience and scopes', () => {
  const AUD = [
    ['audience R, aud [x, R] → passes', { aud: ['x', R] }, null],
    ['audience R, aud R → passes', { aud: R }, null],
    ['audience R, aud other → invalid_audience', { aud: 'other' }, { expected: R, actual: 'other' }],
    ['audience R, aud [x] → invalid_audience', { aud: ['x'] }, { expected: R, actual: ['x'] }],
    ['audience R, aud absent → invalid_audience, no actual', { aud: undefined }, { expected: R }],
    ['audience R, aud R/ (trailing slash) → invalid_audience', { aud: `${R}/` }, { expected: R, actual: `${R}/` }],
  ];
  for (const details of [true, false]) {
    for (const [label, claims, cause] of AUD) {
      test(`${label}, details ${details}`, T, async () => {
        const tokens = await mint({ claims });
        const { results } = await scenario(jwtPair({ audience: R, showErrorDetails: details }), withToken(tokens));
        if (cause === null) return expectSuccess(results[0]);
        expectAnswer(results[0], {
          status: 401,
          error: 'invalid_audience',
          description: BEARER.invalid_audience,
          resourceMetadata: RM,
          body: (body) => (details ? assert.deepEqual(body.cause, cause) : assert.equal('cause' in body, false)),
        });
      });
    }
  }

  const SCOPES = [
    ["requiredScopes ['read','write'], token 'read' → 403 missing ['write']", ['read', 'write'], 'read', ['write']],
    ["requiredScopes ['a','b','c'], token 'b' → missing ['a','c'] in order", ['a', 'b', 'c'], 'b', ['a', 'c']],
    ["requiredScopes ['read'], token 'read write' → passes", ['read'], 'read write', null],
    ['requiredScopes [] → passes', [], '', null],
    ["requiredScopes ['rea'], token 'read' → 403 (no substring match)", ['rea'], 'read', ['rea']],
  ];
  for (const details of [true, false]) {
    for (const [label, requiredScopes, scope, missing] of SCOPES) {
      test(`${label}, details ${details}`, T, async () => {
        const tokens = await mint({ claims: { scope } });
        const { results } = await scenario(jwtPair({ requiredScopes, showErrorDetails: details }), withToken(tokens));
        if (missing === null) return expectSuccess(results[0]);
        expectAnswer(results[0], {
          status: 403,
          error: 'missing_required_scopes',
          description: BEARER.missing_required_scopes,
          resourceMetadata: undefined,
          body: (body) => {
            assert.deepEqual(body.missing_scopes, missing);
            if (details) {
              assert.deepEqual(Object.keys(body), ['error', 'error_description', 'cause', 'missing_scopes']);
              assert.deepEqual(body.cause, { missing_scopes: missing });
            } else assert.deepEqual(Object.keys(body), ['error', 'error_description', 'missing_scopes']);
          },
        });
      });
    }
  }

  test('audience + requiredScopes both failing → audience reported first', T, async () => {
    const tokens = await mint({ claims: { aud: 'other', scope: '' } });
    const { results } = await scenario(jwtPair({ audience: R, requiredScopes: ['x'] }), withToken(tokens));
    forBoth(results[0], (r) => assert.equal(r.body.error, 'invalid_audience'));
  });

  test('audience in authorization-server mode without resource → no resource_metadata', T, async () => {
    const tokens = await mint({ claims: { aud: 'other' } });
    const { results } = await scenario(jwtPair({ audience: R }, { mode: 'server' }), withToken(tokens));
    expectAnswer(results[0], { status: 401, error: 'invalid_audience', description: BEARER.invalid_audience, resourceMetadata: undefined });
  });
});

describe('upstream req.auth', () => {
  test('upstream sets req.auth → overwrite warning, req.auth replaced', T, async () => {
    const tokens = await mint();
    const pre = (req, res, next) => {
      req.auth = { upstream: true };
      next();
    };
    const { results } = await scenario(jwtPair({}, { pre: [pre] }), withToken(tokens), withToken(tokens));
    for (const both of results) {
      expectSuccess(both);
      forBoth(both, (r, name) => {
        assert.deepEqual(r.warnings, [OVERWRITE], `${name} warnings`);
        assert.equal(r.reqAuth.value.subject, 'user-1');
      });
    }
  });

  test('upstream sets a falsy req.auth (0) → no warning', T, async () => {
    const tokens = await mint();
    const pre = (req, res, next) => {
      req.auth = 0;
      next();
    };
    const { results } = await scenario(jwtPair({}, { pre: [pre] }), withToken(tokens));
    forBoth(results[0], (r) => assert.deepEqual(r.warnings, []));
  });

  test('upstream req.auth and a failing token → answer unchanged, no warning, req.auth untouched', T, async () => {
    const pre = (req, res, next) => {
      req.auth = { upstream: true };
      next();
    };
    const { results } = await scenario(jwtPair({}, { pre: [pre] }), withHeader('Bearer bad'));
    forBoth(results[0], (r) => {
      assert.equal(r.status, 401);
      assert.deepEqual(r.warnings, []);
    });
  });
});

describe('authorization-server mode and discovery configs', () => {
  for (const discovery of [false, true]) {
    test(`authorization-server mode (legacy server:), ${discovery ? 'discovery' : 'resolved'} → valid token passes`, T, async () => {
      const tokens = await mint();
      const { results, setup } = await scenario(jwtPair({}, { mode: 'server', discovery }), withToken(tokens), withToken(tokens));
      assert.deepEqual(setup.rs, setup.ref);
      assert.deepEqual(setup.ref.warnings, [DEPRECATION]);
      expectSuccess(results[0]);
      forBoth(results[0], (r, name) => assert.deepEqual(r.asRequests, { metadata: discovery ? 1 : 0, jwks: 1 }, name));
      forBoth(results[1], (r, name) => assert.deepEqual(r.asRequests, { metadata: 0, jwks: 0 }, name));
    });

    test(`authorization-server mode, ${discovery ? 'discovery' : 'resolved'}, untrusted iss → 401 invalid_issuer, nothing fetched`, T, async () => {
      const tokens = await mint({ claims: { iss: 'https://evil' } });
      const { results } = await scenario(jwtPair({ showErrorDetails: true }, { mode: 'server', discovery }), withToken(tokens));
      expectAnswer(results[0], {
        status: 401,
        error: 'invalid_issuer',
        description: BEARER.invalid_issuer,
        resourceMetadata: undefined,
        body: (body) => assert.deepEqual(body.cause, { expected: '<AS>', actual: 'https://evil' }),
      });
      forBoth(results[0], (r) => assert.deepEqual(r.asRequests, { metadata: 0, jwks: 0 }));
    });
  }

  test('resource mode, discovery: three concurrent first requests → one metadata GET, one JWKS GET, 3×200', T, async (t) => {
    const tokens = await mint();
    const pair = await jwtPair({}, { discovery: true });
    t.after(() => pair.close());
    const both = await pair.concurrent(3, withToken(tokens));
    assert.deepEqual(both.rs, both.ref);
    forBoth(both, (r, name) => {
      assert.deepEqual(r.statuses, [200, 200, 200], name);
      assert.deepEqual(r.asRequests, { metadata: 1, jwks: 1 }, name);
    });
  });

  test('authorization-server mode, discovery: three concurrent first requests → one metadata GET, one JWKS GET', T, async (t) => {
    const tokens = await mint();
    const pair = await jwtPair({}, { mode: 'server', discovery: true });
    t.after(() => pair.close());
    const both = await pair.concurrent(3, withToken(tokens));
    assert.deepEqual(both.rs, both.ref);
    forBoth(both, (r) => assert.deepEqual(r.asRequests, { metadata: 1, jwks: 1 }));
  });

  test('discovery: untrusted/malformed tokens never trigger the metadata fetch', T, async () => {
    const evil = await mint({ claims: { iss: 'https://evil' } });
    const { results } = await scenario(jwtPair({}, { discovery: true }), withToken(evil), withHeader('Bearer opaque'));
    for (const both of results) forBoth(both, (r) => assert.deepEqual(r.asRequests, { metadata: 0, jwks: 0 }));
  });

  for (const details of [true, false]) {
    test(`discovery: metadata 503 → 500 fetch_server_config_error, refetched next request, then recovers (details ${details})`, T, async (t) => {
      servers.ref.set({ metadata: 503 });
      servers.rs.set({ metadata: 503 });
      const tokens = await mint();
      const pair = await jwtPair({ showErrorDetails: details }, { discovery: true });
      t.after(() => pair.close());
      for (let i = 0; i < 2; i += 1) {
        const both = await compare(pair, withToken(tokens), `503 #${i + 1}`);
        expectAnswer(both, {
          status: 500,
          body: (body) =>
            details
              ? assert.deepEqual(body.cause, {
                  error: 'fetch_server_config_error',
                  error_description: 'Failed to fetch server config from <AS>/.well-known/oauth-authorization-server: Service Unavailable',
                })
              : assert.equal('cause' in body, false),
        });
        forBoth(both, (r, name) => assert.deepEqual(r.asRequests, { metadata: 1, jwks: 0 }, `${name} refetched`));
      }
      servers.ref.set({ metadata: 'ok' });
      servers.rs.set({ metadata: 'ok' });
      const healed = await compare(pair, withToken(tokens), 'after recovery');
      expectSuccess(healed);
      forBoth(healed, (r) => assert.deepEqual(r.asRequests, { metadata: 1, jwks: 1 }));
    });
  }

  test('discovery: metadata without PKCE → 500 invalid_server_config on every request, refetched each time', T, async () => {
    servers.ref.set({ metadataOmit: ['code_challenge_methods_supported'] });
    servers.rs.set({ metadataOmit: ['code_challenge_methods_supported'] });
    const tokens = await mint();
    const { results } = await scenario(jwtPair({ showErrorDetails: true }, { discovery: true }), withToken(tokens), withToken(tokens), withToken(tokens));
    for (const both of results) {
      expectAnswer(both, {
        status: 500,
        body: (body) =>
          assert.deepEqual(body.cause, { error: 'invalid_server_config', error_description: AUTH_SERVER.invalid_server_config }),
      });
      forBoth(both, (r) => {
        assert.deepEqual(r.asRequests, { metadata: 1, jwks: 0 });
        assert.deepEqual(r.warnings, []);
      });
    }
  });

  test('discovery: metadata not an object (schema failure) → 500 invalid_server_metadata', T, async () => {
    servers.ref.set({ metadata: 'ok', metadataOmit: ['token_endpoint'] });
    servers.rs.set({ metadata: 'ok', metadataOmit: ['token_endpoint'] });
    const tokens = await mint();
    const { results } = await scenario(jwtPair({ showErrorDetails: true }, { discovery: true }), withToken(tokens));
    expectAnswer(results[0], {
      status: 500,
      body: (body) =>
        assert.deepEqual(body.cause, { error: 'invalid_server_metadata', error_description: AUTH_SERVER.invalid_server_metadata }),
    });
  });

  test('discovery: metadata connection reset → rejection reaches Express (non-JSON 500)', T, async (t) => {
    servers.ref.set({ metadata: 'reset' });
    servers.rs.set({ metadata: 'reset' });
    const tokens = await mint();
    const pair = await jwtPair({ showErrorDetails: true }, { discovery: true });
    t.after(() => pair.close());
    const both = await pair.request((side) => ({ ...withToken(tokens)(side), errorLevel: 'class' }));
    assertSameResults(both, 'metadata reset');
    forBoth(both, (r, name) => {
      assert.equal(r.status, 500, name);
      assert.equal(r.body.isJson, false, `${name}: Express HTML error page`);
      assert.deepEqual(r.error, { ctor: 'TypeError' }, `${name}: error reaching Express`);
    });
  });

  test('discovery: metadata without registration_endpoint → warnings logged once per successful fetch', T, async () => {
    servers.ref.set({ metadataOmit: ['registration_endpoint'] });
    servers.rs.set({ metadataOmit: ['registration_endpoint'] });
    const tokens = await mint();
    const { results } = await scenario(jwtPair({}, { discovery: true }), withToken(tokens), withToken(tokens));
    expectSuccess(results[0]);
    forBoth(results[0], (r, name) => assert.deepEqual(r.warnings, [registrationWarning('<AS>')], name));
    forBoth(results[1], (r) => assert.deepEqual(r.warnings, []));
  });

  test('discovery: fetched issuer differs from the configured one → tokens carry the configured issuer', T, async () => {
    servers.ref.set({ metadataExtra: { issuer: 'https://different.example' } });
    servers.rs.set({ metadataExtra: { issuer: 'https://different.example' } });
    const configured = await mint();
    const fetched = await mint({ claims: { iss: 'https://different.example' } });
    const { results } = await scenario(jwtPair({ showErrorDetails: true }, { discovery: true }), withToken(configured), withToken(fetched));
    expectSuccess(results[0]);
    forBoth(results[1], (r) => {
      assert.equal(r.status, 401);
      assert.equal(r.body.error, 'invalid_issuer');
    });
  });

  test('resource mode: two trusted servers (resolved + discovery of the same fixture path differs) → both usable', T, async () => {
    const tokens = await mint();
    const second = await mint({ claims: { iss: SECOND } });
    const { results } = await scenario(jwtPair({ showErrorDetails: true }, { extra: [secondServer()] }), withToken(tokens), withToken(second));
    expectSuccess(results[0]);
    // SECOND's JWKS (https://second.example/jwks) is unreachable: a JWKS network failure.
    forBoth(results[1], (r) => assert.equal(r.status, 401));
  });
});

describe('caches shared per MCPAuth instance; repeated tokens', () => {
  // mcp-auth-rs keeps one metadata cache and one JWKS cache per MCPAuth instance, shared by every
  // verifier and router, with single-flight fetches (README, "Differences from mcp-auth"); the
  // reference keeps one per verifier, plus one for the delegated router. These tests compare
  // everything else and assert each library's request counts.

  /** One request per side: every field compared except `asRequests`, which is returned per side. */
  const compareButRequests = async (pair, spec, label) => {
    const both = await pair.request(spec);
    const { asRequests: refRequests, ...refRest } = both.ref;
    const { asRequests: rsRequests, ...rsRest } = both.rs;
    assertSameResults({ ref: refRest, rs: rsRest }, label);
    return { both, asRequests: { ref: refRequests, rs: rsRequests } };
  };

  const R2 = 'https://api.example.com/other';
  /** Two resources trusting the same discovery issuer: `/one` guards R, `/two` guards R2. */
  const twoResourcesPair = () =>
    createPair(
      (lib, env) => {
        const auth = new lib.MCPAuth({
          protectedResources: [
            { metadata: { resource: R, authorizationServers: [env.as.discovery()] } },
            { metadata: { resource: R2, authorizationServers: [env.as.discovery()] } },
          ],
        });
        env.app.all('/one', auth.bearerAuth('jwt', { resource: R }), env.terminal);
        env.app.all('/two', auth.bearerAuth('jwt', { resource: R2 }), env.terminal);
      },
      { servers },
    );

  test('two resources trusting the same discovery issuer → mcp-auth-rs fetches metadata and JWKS once; the reference once per resource', T, async (t) => {
    const tokens = await mint();
    const pair = await twoResourcesPair();
    t.after(() => pair.close());
    const one = await compareButRequests(pair, (side) => ({ ...withToken(tokens)(side), path: '/one' }), '/one');
    const two = await compareButRequests(pair, (side) => ({ ...withToken(tokens)(side), path: '/two' }), '/two');
    expectSuccess(one.both);
    expectSuccess(two.both);
    forBoth(one.asRequests, (r, name) => assert.deepEqual(r, { metadata: 1, jwks: 1 }, `${name}: first resource`));
    assert.deepEqual(two.asRequests.ref, { metadata: 1, jwks: 1 }, 'ref: the second resource fetches both again');
    assert.deepEqual(two.asRequests.rs, { metadata: 0, jwks: 0 }, 'rs: the second resource uses the shared caches');
  });

  test('two resources, concurrent first requests → mcp-auth-rs fetches metadata and JWKS once (single flight); the reference twice', T, async (t) => {
    const tokens = await mint();
    const pair = await twoResourcesPair();
    t.after(() => pair.close());
    const fetched = {};
    for (const [name] of LIBS) {
      const before = servers[name].counts();
      const statuses = await within(
        Promise.all(
          ['/one', '/two'].map(async (path) => {
            const response = await fetch(`${pair.sides[name].origin}${path}`, { headers: { authorization: `Bearer ${tokens[name]}` } });
            await response.arrayBuffer();
            return response.status;
          }),
        ),
        8000,
        `${name} concurrent requests`,
      );
      assert.deepEqual(statuses, [200, 200], name);
      const after = servers[name].counts();
      fetched[name] = { metadata: after.metadata - before.metadata, jwks: after.jwks - before.jwks };
    }
    assert.deepEqual(fetched.ref, { metadata: 2, jwks: 2 }, 'ref: one metadata and one JWKS fetch per resource');
    assert.deepEqual(fetched.rs, { metadata: 1, jwks: 1 }, 'rs: one of each, shared');
  });

  test('authorization-server mode, discovery: delegated router then bearer verifier → mcp-auth-rs fetches the metadata once; the reference once for each', T, async (t) => {
    const tokens = await mint();
    const pair = await createPair(
      (lib, env) => {
        const auth = new lib.MCPAuth({ server: env.as.discovery() });
        env.app.use(auth.delegatedRouter());
        env.protect(auth.bearerAuth('jwt'));
      },
      { servers },
    );
    t.after(() => pair.close());
    const router = await compareButRequests(pair, { path: '/.well-known/oauth-authorization-server' }, 'router');
    const bearer = await compareButRequests(pair, withToken(tokens), 'bearer');
    forBoth(router.asRequests, (r, name) => assert.deepEqual(r, { metadata: 1, jwks: 0 }, `${name}: router`));
    expectSuccess(bearer.both);
    assert.deepEqual(bearer.asRequests.ref, { metadata: 1, jwks: 1 }, 'ref: the verifier fetches the metadata again');
    assert.deepEqual(bearer.asRequests.rs, { metadata: 0, jwks: 1 }, "rs: the verifier uses the router's metadata");
  });

  test('route mutates req.auth → the next request with the same token gets a fresh, unmutated req.auth', T, async (t) => {
    const tokens = await mint();
    const pair = await createPair(
      (lib, env) => {
        const auth = newAuth(lib, env);
        env.app.all(
          '/protected',
          auth.bearerAuth('jwt', { resource: R }),
          (req, res, next) => {
            req.auth.scopes.push('mutated');
            req.auth.claims.injected = true;
            next();
          },
          env.terminal,
        );
      },
      { servers },
    );
    t.after(() => pair.close());
    const first = await compare(pair, withToken(tokens), 'first');
    const auths = { ref: pair.sides.ref.current.rawAuth, rs: pair.sides.rs.current.rawAuth };
    const second = await compare(pair, withToken(tokens), 'second');
    forBoth(second, (r) => {
      assert.deepEqual(r.reqAuth.value.scopes, ['read', 'write', 'mutated']);
      assert.equal(r.reqAuth.value.claims.injected, true);
    });
    for (const [name] of LIBS) assert.notEqual(pair.sides[name].current.rawAuth, auths[name], `${name}: a new object per request`);
    forBoth(first, (r) => assert.equal(r.status, 200));
  });

  test('verified token expires between two requests → second request 401 ERR_JWT_EXPIRED', T, async (t) => {
    const now = nowSeconds();
    const tokens = await mint({ claims: { exp: now + 2 } });
    const pair = await jwtPair({ showErrorDetails: true });
    t.after(() => pair.close());
    expectSuccess(await compare(pair, withToken(tokens), 'fresh'));
    await sleep((now + 2) * 1000 - Date.now() + 50);
    const expired = await compare(pair, withToken(tokens), 'expired');
    forBoth(expired, (r) => {
      assert.equal(r.status, 401);
      assert.equal(r.body.cause.code, 'ERR_JWT_EXPIRED');
    });
  });

  test('JWKS older than cacheMaxAge (300 ms) and now failing → repeated valid token is rejected (no stale fallback)', T, async (t) => {
    const tokens = await mint();
    const pair = await jwtPair({ showErrorDetails: true, remoteJwkSet: { cacheMaxAge: 300 } });
    t.after(() => pair.close());
    expectSuccess(await compare(pair, withToken(tokens), 'fresh'));
    servers.ref.set({ jwks: 500 });
    servers.rs.set({ jwks: 500 });
    await sleep(450);
    const stale = await compare(pair, withToken(tokens), 'stale JWKS, refetch fails');
    forBoth(stale, (r) => {
      assert.equal(r.status, 401);
      assert.equal(r.body.cause.code, 'ERR_JOSE_GENERIC');
      assert.equal(r.asRequests.jwks, 1);
    });
  });

  test('JWKS older than cacheMaxAge and healthy → refetched once, token accepted', T, async (t) => {
    const tokens = await mint();
    const pair = await jwtPair({ remoteJwkSet: { cacheMaxAge: 300 } });
    t.after(() => pair.close());
    expectSuccess(await compare(pair, withToken(tokens), 'fresh'));
    await sleep(450);
    const again = await compare(pair, withToken(tokens), 'refetched');
    expectSuccess(again);
    forBoth(again, (r) => assert.equal(r.asRequests.jwks, 1));
  });

  test('key removed from the JWKS (rotation away) after cacheMaxAge → repeated token rejected', T, async (t) => {
    const tokens = await mint({ key: 'ec' });
    const pair = await jwtPair({ showErrorDetails: true, remoteJwkSet: { cacheMaxAge: 300 } });
    t.after(() => pair.close());
    expectSuccess(await compare(pair, withToken(tokens), 'fresh'));
    servers.ref.set({ jwks: 'wrongShape' });
    servers.rs.set({ jwks: 'wrongShape' });
    await sleep(450);
    const after = await compare(pair, withToken(tokens), 'after');
    forBoth(after, (r) => assert.equal(r.status, 401));
  });
});

describe('non-URL resource', () => {
  test('authorization-server mode, resource "not-a-url", no header → promise rejects with TypeError (direct call)', T, async () => {
    const out = {};
    for (const [name, lib] of LIBS) {
      const made = withWarningsSync(() => newAuth(lib, { as: servers[name] }, { mode: 'server' }).bearerAuth('jwt', { resource: 'not-a-url' }));
      assert.equal(made.ok, true, `${name}: creation succeeds`);
      const result = await callDirect(made.value, { headers: {} });
      out[name] = {
        settled: result.settled,
        error: result.error ? describeError(result.error) : undefined,
        writes: describeValue(result.writes),
        nextCalled: result.nextCalled,
        warnings: result.warnings,
      };
    }
    assert.deepEqual(out.rs, out.ref);
    forBoth(out, (r, name) => {
      assert.equal(r.settled, 'rejected', name);
      assert.equal(r.error.ctor, 'TypeError');
      assert.equal(r.error.message, 'Invalid resource identifier URI: not-a-url');
      assert.deepEqual(r.writes, []);
    });
  });

  test('same through Express → HTML 500 with the TypeError; a valid token still passes', T, async () => {
    const tokens = await mint();
    const { results } = await scenario(jwtPair({ resource: 'not-a-url' }, { mode: 'server' }), withHeader(undefined), withToken(tokens), withHeader('Bearer x'));
    forBoth(results[0], (r) => {
      assert.equal(r.status, 500);
      assert.equal(r.error.message, 'Invalid resource identifier URI: not-a-url');
    });
    expectSuccess(results[1]);
    forBoth(results[2], (r) => assert.equal(r.status, 500));
  });

  test('urn resource (origin "null"), failing request → TypeError Invalid URL reaches Express', T, async () => {
    const { results } = await scenario(jwtPair({ resource: 'urn:example:res' }, { mode: 'server' }), withHeader(undefined));
    forBoth(results[0], (r) => {
      assert.equal(r.status, 500);
      assert.equal(r.error.ctor, 'TypeError');
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Custom verify functions

/** Pair protecting /protected with `auth.bearerAuth(verify(lib, env), options)`. */
const customPair = (verify, options = {}, { mode = 'resource', ...rest } = {}) =>
  createPair(
    (lib, env) => {
      const auth = newAuth(lib, env, { mode, ...rest });
      const opts = typeof options === 'function' ? options(env) : options;
      env.protect(auth.bearerAuth(verify(lib, env), mode === 'resource' ? { resource: R, ...opts } : opts));
    },
    { servers },
  );

/** A scenario whose custom verifier throws `makeError(lib)`: one request with `Bearer x`. */
const throwingVerifier = (makeError, options = {}) =>
  scenario(
    customPair((lib) => () => {
      throw makeError(lib);
    }, options),
    withHeader('Bearer x'),
  );

const authInfo = (env, extra = {}) => ({
  issuer: env.as.issuer,
  clientId: 'c',
  scopes: ['read'],
  token: 't',
  subject: 's',
  ...extra,
});

describe('custom verify functions', () => {
  test('returns a trusted AuthInfo → next(), req.auth is that object (same reference)', T, async (t) => {
    const returned = {};
    const pair = await customPair((lib, env) => async (token) => {
      returned[env.name] = { ...authInfo(env), token };
      return returned[env.name];
    });
    t.after(() => pair.close());
    const both = await compare(pair, withHeader('Bearer anything'));
    expectSuccess(both);
    for (const [name] of LIBS) assert.equal(pair.sides[name].current.rawAuth, returned[name], `${name}: same reference`);
  });

  test('synchronous verifier works the same', T, async () => {
    const { results } = await scenario(customPair((lib, env) => (token) => authInfo(env, { token })), withHeader('Bearer abc'));
    expectSuccess(results[0]);
    forBoth(results[0], (r) => assert.equal(r.reqAuth.value.token, 'abc'));
  });

  test('verifier receives the raw token ("BEARER tok" → "tok")', T, async () => {
    const seen = {};
    const { results } = await scenario(
      customPair((lib, env) => (token) => {
        seen[env.name] = token;
        return authInfo(env);
      }),
      withHeader('BEARER tok'),
    );
    expectSuccess(results[0]);
    assert.deepEqual(seen, { ref: 'tok', rs: 'tok' });
  });

  for (const details of [true, false]) {
    test(`untrusted issuer from a custom verifier → 401 invalid_issuer (details ${details})`, T, async () => {
      const { results } = await scenario(
        customPair((lib, env) => () => authInfo(env, { issuer: 'https://other' }), { showErrorDetails: details }, { extra: [secondServer()] }),
        withHeader('Bearer x'),
      );
      expectAnswer(results[0], {
        status: 401,
        error: 'invalid_issuer',
        description: BEARER.invalid_issuer,
        resourceMetadata: RM,
        body: (body) =>
          details
            ? assert.deepEqual(body.cause, { expected: `<AS>, ${SECOND}`, actual: 'https://other' })
            : assert.equal('cause' in body, false),
      });
    });
  }

  test('throws new Error("x") → Express error pipeline gets it, nothing written', T, async (t) => {
    const thrown = {};
    const pair = await customPair((lib, env) => () => {
      thrown[env.name] = new Error('x');
      throw thrown[env.name];
    });
    t.after(() => pair.close());
    const both = await compare(pair, withHeader('Bearer x'));
    forBoth(both, (r, name) => {
      assert.equal(r.status, 500);
      assert.equal(r.body.isJson, false);
      assert.equal(r.error.message, 'x', name);
      assert.equal(r.wwwAuthenticateRaw, null);
    });
    for (const [name] of LIBS) assert.equal(pair.sides[name].current.error, thrown[name], `${name}: same error object`);
  });

  test('throws new Error("x") → middleware promise rejects with it (direct call)', T, async () => {
    const out = {};
    for (const [name, lib] of LIBS) {
      const error = new Error('x');
      const mw = newAuth(lib, { as: servers[name] }).bearerAuth(() => {
        throw error;
      }, { resource: R });
      const result = await callDirect(mw, { headers: { authorization: 'Bearer t' } });
      assert.equal(result.error, error, `${name}: same error object`);
      out[name] = { settled: result.settled, writes: result.writes, nextCalled: result.nextCalled };
    }
    assert.deepEqual(out.rs, out.ref);
    assert.deepEqual(out.ref, { settled: 'rejected', writes: [], nextCalled: false });
  });

  for (const details of [true, false]) {
    test(`throws MCPAuthTokenVerificationError('token_verification_failed') (same library) → 401 (details ${details})`, T, async () => {
      const { results } = await throwingVerifier((lib) => new lib.MCPAuthTokenVerificationError('token_verification_failed', { reason: 'r' }), { showErrorDetails: details });
      expectAnswer(results[0], {
        status: 401,
        error: 'token_verification_failed',
        description: 'Token verification failed due to an error.',
        resourceMetadata: RM,
        body: (body) => (details ? assert.deepEqual(body.cause, { reason: 'r' }) : assert.equal('cause' in body, false)),
      });
    });

    test(`throws MCPAuthConfigError('x_code','msg') → 500 (details ${details})`, T, async () => {
      const { results } = await throwingVerifier((lib) => new lib.MCPAuthConfigError('x_code', 'msg'), { showErrorDetails: details });
      expectAnswer(results[0], {
        status: 500,
        body: (body) =>
          details
            ? assert.deepEqual(body, { error: 'server_error', error_description: SERVER_ERROR, cause: { error: 'x_code', error_description: 'msg' } })
            : assert.deepEqual(body, { error: 'server_error', error_description: SERVER_ERROR }),
      });
    });

    test(`throws MCPAuthAuthServerError with a cause → 500, inner cause never shown (details ${details})`, T, async () => {
      const { results } = await throwingVerifier((lib) => new lib.MCPAuthAuthServerError('invalid_server_metadata', { secret: 'inner' }), { showErrorDetails: details });
      expectAnswer(results[0], {
        status: 500,
        body: (body) =>
          details
            ? assert.deepEqual(body.cause, { error: 'invalid_server_metadata', error_description: AUTH_SERVER.invalid_server_metadata })
            : assert.equal('cause' in body, false),
      });
    });

    test(`throws MCPAuthBearerAuthError with uri and missingScopes → error_uri/missing_scopes regardless of details (details ${details})`, T, async () => {
      const { results } = await throwingVerifier((lib) => new lib.MCPAuthBearerAuthError('invalid_token', { uri: new URL('https://docs.example/e'), missingScopes: ['a'], cause: 'c' }), { showErrorDetails: details });
      forBoth(results[0], (r) => {
        assert.equal(r.status, 401);
        assert.equal(r.body.error_uri, 'https://docs.example/e');
        assert.deepEqual(r.body.missing_scopes, ['a']);
      });
    });

    test(`throws MCPAuthBearerAuthError('missing_required_scopes') → 403 without resource_metadata (details ${details})`, T, async () => {
      const { results } = await throwingVerifier((lib) => new lib.MCPAuthBearerAuthError('missing_required_scopes', { missingScopes: ['z'] }), { showErrorDetails: details });
      expectAnswer(results[0], {
        status: 403,
        error: 'missing_required_scopes',
        description: BEARER.missing_required_scopes,
        resourceMetadata: undefined,
      });
    });

    test(`throws MCPAuthBearerAuthError with an unknown code → fallback message, 401 (details ${details})`, T, async () => {
      const { results } = await throwingVerifier((lib) => new lib.MCPAuthBearerAuthError('weird_code'), { showErrorDetails: details });
      expectAnswer(results[0], {
        status: 401,
        error: 'weird_code',
        description: 'An error occurred with the Bearer auth.',
        resourceMetadata: RM,
      });
    });
  }

  test('throws a bare MCPAuthError → rethrown to Express', T, async () => {
    const { results } = await throwingVerifier((lib) => new lib.MCPAuthError('c', 'm'));
    forBoth(results[0], (r) => {
      assert.equal(r.status, 500);
      assert.equal(r.body.isJson, false);
      assert.equal(r.error.ctor, 'MCPAuthError');
    });
  });

  test("throws the OTHER library's MCPAuthTokenVerificationError → not instanceof → rethrown", T, async (t) => {
    const other = { ref: rs, rs: ref };
    const pair = await customPair((lib, env) => () => {
      throw new other[env.name].MCPAuthTokenVerificationError('token_verification_failed');
    });
    t.after(() => pair.close());
    const both = await compare(pair, withHeader('Bearer x'));
    forBoth(both, (r) => {
      assert.equal(r.status, 500);
      assert.equal(r.error.ctor, 'MCPAuthTokenVerificationError');
    });
  });

  test('returns undefined → TypeError rethrown', T, async () => {
    const { results } = await scenario(customPair(() => () => undefined), withHeader('Bearer x'));
    forBoth(results[0], (r) => {
      assert.equal(r.status, 500);
      assert.equal(r.error.ctor, 'TypeError');
    });
  });

  test('scopes as a string with requiredScopes (substring semantics of the reference)', T, async () => {
    // The reference calls `authInfo.scopes.includes(scope)`: on a string that is a substring test.
    for (const [required, label, status] of [
      [['read'], 'exact', 200],
      [['rea'], 'substring', 200],
      [['x'], 'absent', 403],
    ]) {
      const { results } = await scenario(
        customPair((lib, env) => () => authInfo(env, { scopes: 'read write' }), { requiredScopes: required, showErrorDetails: true }),
        withHeader('Bearer x'),
      );
      forBoth(results[0], (r, name) => assert.equal(r.status, status, `${label} ${name}`));
    }
  });

  test('scopes undefined with requiredScopes → TypeError rethrown', T, async () => {
    const { results } = await scenario(
      customPair((lib, env) => () => authInfo(env, { scopes: undefined }), { requiredScopes: ['read'] }),
      withHeader('Bearer x'),
    );
    forBoth(results[0], (r) => {
      assert.equal(r.status, 500);
      assert.equal(r.error.ctor, 'TypeError');
    });
  });

  test('scopes undefined without requiredScopes → passes', T, async () => {
    const { results } = await scenario(customPair((lib, env) => () => authInfo(env, { scopes: undefined })), withHeader('Bearer x'));
    expectSuccess(results[0]);
  });

  test('audience option with custom verifier audience array / string / missing', T, async () => {
    for (const [audience, status] of [
      [['x', R], 200],
      [R, 200],
      [undefined, 401],
      ['other', 401],
      [[R.toUpperCase()], 401],
    ]) {
      const { results } = await scenario(
        customPair((lib, env) => () => authInfo(env, { audience }), { audience: R, showErrorDetails: true }),
        withHeader('Bearer x'),
      );
      forBoth(results[0], (r) => assert.equal(r.status, status, JSON.stringify(audience)));
    }
  });

  test('jwtVerify/remoteJwkSet and the misspelled remoteJwtSet are ignored for custom functions', T, async () => {
    const { results } = await scenario(
      customPair((lib, env) => () => authInfo(env), { jwtVerify: { audience: 'zzz' }, remoteJwkSet: { timeoutDuration: 1 }, remoteJwtSet: {} }),
      withHeader('Bearer x'),
    );
    expectSuccess(results[0]);
  });

  test('runtime issuer override: bearerAuth(fn, {resource, issuer: "https://x"}) replaces the trusted list', T, async () => {
    for (const [issuer, expectStatus] of [
      ['https://x', 200],
      ['AS', 401],
    ]) {
      const { results } = await scenario(
        customPair((lib, env) => () => authInfo(env, { issuer: issuer === 'AS' ? env.as.issuer : issuer }), { issuer: 'https://x', showErrorDetails: true }),
        withHeader('Bearer x'),
      );
      forBoth(results[0], (r) => {
        assert.equal(r.status, expectStatus);
        if (expectStatus === 401) assert.deepEqual(r.body.cause, { expected: 'https://x', actual: '<AS>' });
      });
    }
  });

  test('runtime issuer override with a function that accepts everything', T, async () => {
    const { results } = await scenario(
      customPair((lib, env) => () => authInfo(env, { issuer: 'https://anyone' }), { issuer: () => {} }),
      withHeader('Bearer x'),
    );
    expectSuccess(results[0]);
  });

  test("runtime issuer override on bearerAuth('jwt'): pre-check still uses the trusted list", T, async () => {
    const evil = await mint({ claims: { iss: 'https://evil' } });
    const good = await mint();
    const { results } = await scenario(
      jwtPair({ issuer: () => {}, showErrorDetails: true }),
      withToken(evil),
      withToken(good),
    );
    forBoth(results[0], (r) => assert.equal(r.status, 401));
    expectSuccess(results[1]);
  });

  test("runtime issuer string override on bearerAuth('jwt') → valid token rejected by the string comparison", T, async () => {
    const good = await mint();
    const { results } = await scenario(jwtPair({ issuer: 'https://x', showErrorDetails: true }), withToken(good));
    forBoth(results[0], (r) => {
      assert.equal(r.status, 401);
      assert.equal(r.body.error, 'invalid_issuer');
    });
  });

  test("runtime verifyAccessToken override on bearerAuth('jwt') replaces the JWT verifier", T, async () => {
    const { results } = await scenario(
      jwtPair((env) => ({ verifyAccessToken: () => authInfo(env) })),
      withHeader('Bearer not-a-jwt'),
    );
    expectSuccess(results[0]);
  });
});

describe('middleware shape and creation errors', () => {
  test("bearerAuth('jwt') / bearerAuth(fn) / handleBearerAuth → name bearerAuthHandler, length 3, returns a Promise", T, async () => {
    const out = {};
    for (const [name, lib] of LIBS) {
      const auth = newAuth(lib, { as: servers[name] });
      const handlers = {
        jwt: auth.bearerAuth('jwt', { resource: R }),
        fn: auth.bearerAuth(() => ({}), { resource: R }),
        handle: lib.handleBearerAuth({ verifyAccessToken: () => ({}), issuer: 'https://x' }),
      };
      out[name] = {};
      for (const [key, mw] of Object.entries(handlers)) {
        const direct = await callDirect(mw, { headers: {} });
        out[name][key] = { name: mw.name, length: mw.length, type: typeof mw, settled: direct.settled, isAsync: mw.constructor.name };
      }
    }
    assert.deepEqual(out.rs, out.ref);
    for (const key of ['jwt', 'fn', 'handle']) {
      assert.equal(out.ref[key].name, 'bearerAuthHandler');
      assert.equal(out.ref[key].length, 3);
      assert.equal(out.ref[key].settled, 'resolved');
    }
  });

  const CREATION = [
    ['verifyAccessToken "x", issuer 123 → verifyAccessToken TypeError first', { verifyAccessToken: 'x', issuer: 123 }],
    ['verifyAccessToken missing', { issuer: 'https://x' }],
    ['issuer 123', { verifyAccessToken: () => ({}), issuer: 123 }],
    ['issuer missing', { verifyAccessToken: () => ({}) }],
    ['issuer null', { verifyAccessToken: () => ({}), issuer: null }],
    ["issuer 'not a valid url'", { verifyAccessToken: () => ({}), issuer: 'not a valid url' }],
    ["issuer ''", { verifyAccessToken: () => ({}), issuer: '' }],
    ['issuer a URL object', { verifyAccessToken: () => ({}), issuer: new URL('https://x') }],
    ["issuer 'urn:x:y' (valid URL)", { verifyAccessToken: () => ({}), issuer: 'urn:x:y' }],
    ['issuer function', { verifyAccessToken: () => ({}), issuer: () => {} }],
    ['resource not a URL (accepted at creation)', { verifyAccessToken: () => ({}), issuer: 'https://x', resource: 'nope' }],
  ];
  for (const [label, config] of CREATION) {
    test(`handleBearerAuth: ${label}`, T, () => {
      const out = {};
      for (const [name, lib] of LIBS) {
        const r = withWarningsSync(() => lib.handleBearerAuth(config));
        out[name] = { ok: r.ok, error: r.ok ? undefined : describeError(r.error), type: r.ok ? typeof r.value : undefined, warnings: r.warnings };
      }
      assert.deepEqual(out.rs, out.ref);
    });
  }

  test('handleBearerAuth: the reference messages', T, () => {
    for (const [name, lib] of LIBS) {
      assert.throws(() => lib.handleBearerAuth({ verifyAccessToken: 'x', issuer: 123 }), {
        name: 'TypeError',
        message: '`verifyAccessToken` must be a function that takes a token and returns an `AuthInfo` object.',
      }, name);
      assert.throws(() => lib.handleBearerAuth({ verifyAccessToken: () => ({}), issuer: 123 }), {
        name: 'TypeError',
        message: '`issuer` must be either a string or a function that validates the token issuer.',
      }, name);
      assert.throws(() => lib.handleBearerAuth({ verifyAccessToken: () => ({}), issuer: 'not a valid url' }), {
        name: 'TypeError',
        message: '`issuer` must be a valid URL.',
      }, name);
    }
  });

  const BEARER_CREATION = [
    ["authorization-server mode, bearerAuth() → verifyAccessToken TypeError", 'server', (auth) => auth.bearerAuth()],
    ["authorization-server mode, bearerAuth('opaque') → verifyAccessToken TypeError", 'server', (auth) => auth.bearerAuth('opaque')],
    ["authorization-server mode, bearerAuth('JWT') (case-sensitive)", 'server', (auth) => auth.bearerAuth('JWT')],
    ["authorization-server mode, bearerAuth('jwt') with a resource → accepted", 'server', (auth) => auth.bearerAuth('jwt', { resource: 'https://anything' })],
    ["resource mode, bearerAuth('jwt') without resource", 'resource', (auth) => auth.bearerAuth('jwt')],
    ["resource mode, bearerAuth(fn) without resource", 'resource', (auth) => auth.bearerAuth(() => ({}))],
    ["resource mode, bearerAuth('jwt', {resource: ''})", 'resource', (auth) => auth.bearerAuth('jwt', { resource: '' })],
    ["resource mode, bearerAuth('jwt', {resource: 'x'}) unknown resource", 'resource', (auth) => auth.bearerAuth('jwt', { resource: 'x' })],
    ["resource mode, bearerAuth('jwt', {resource: R + '/'}) (exact match only)", 'resource', (auth) => auth.bearerAuth('jwt', { resource: `${R}/` })],
    ["resource mode, bearerAuth('opaque', {resource: R})", 'resource', (auth) => auth.bearerAuth('opaque', { resource: R })],
    ["resource mode, bearerAuth('opaque') without resource → resource error first", 'resource', (auth) => auth.bearerAuth('opaque')],
    ["resource mode, bearerAuth('jwt', {resource: R, issuer: 5}) → issuer TypeError", 'resource', (auth) => auth.bearerAuth('jwt', { resource: R, issuer: 5 })],
    ["resource mode, bearerAuth(fn, {resource: R, verifyAccessToken: 'x'}) → TypeError", 'resource', (auth) => auth.bearerAuth(() => ({}), { resource: R, verifyAccessToken: 'x' })],
  ];
  for (const [label, mode, call] of BEARER_CREATION) {
    test(label, T, () => {
      const out = {};
      for (const [name, lib] of LIBS) {
        const auth = withWarningsSync(() => newAuth(lib, { as: servers[name] }, { mode })).value;
        const r = withWarningsSync(() => call(auth));
        out[name] = { ok: r.ok, error: r.ok ? undefined : describeError(r.error), type: r.ok ? typeof r.value : undefined, warnings: r.warnings };
      }
      assert.deepEqual(out.rs, out.ref);
    });
  }
});

describe('handleBearerAuth used directly', () => {
  const handlePair = (config) =>
    createPair(
      (lib, env) => {
        const c = typeof config === 'function' ? config(lib, env) : config;
        env.protect(lib.handleBearerAuth(c));
      },
      { servers },
    );

  test('string issuer match → next(); mismatch → invalid_issuer with expected/actual', T, async () => {
    for (const [tokenIssuer, status] of [
      ['https://idp.example', 200],
      ['https://idp.example/', 401],
    ]) {
      const { results } = await scenario(
        handlePair((lib) => ({
          verifyAccessToken: () => ({ issuer: tokenIssuer, clientId: 'c', scopes: [], token: 't' }),
          issuer: 'https://idp.example',
          resource: R,
          showErrorDetails: true,
        })),
        withHeader('Bearer x'),
      );
      forBoth(results[0], (r) => {
        assert.equal(r.status, status);
        if (status === 401) assert.deepEqual(r.body.cause, { expected: 'https://idp.example', actual: tokenIssuer });
      });
    }
  });

  test('issuer function that throws a plain Error → rethrown', T, async () => {
    const { results } = await scenario(
      handlePair(() => ({
        verifyAccessToken: () => ({ issuer: 'i', scopes: [] }),
        issuer: () => {
          throw new Error('nope');
        },
      })),
      withHeader('Bearer x'),
    );
    forBoth(results[0], (r) => {
      assert.equal(r.status, 500);
      assert.equal(r.error.message, 'nope');
    });
  });

  test('issuer function that throws MCPAuthBearerAuthError(invalid_issuer) → 401', T, async () => {
    const { results } = await scenario(
      handlePair((lib) => ({
        verifyAccessToken: () => ({ issuer: 'i', scopes: [] }),
        issuer: () => {
          throw new lib.MCPAuthBearerAuthError('invalid_issuer', { expected: 'a', actual: 'i' });
        },
        showErrorDetails: true,
      })),
      withHeader('Bearer x'),
    );
    forBoth(results[0], (r) => {
      assert.equal(r.status, 401);
      assert.deepEqual(r.body.cause, { expected: 'a', actual: 'i' });
    });
  });

  test('resource with query/fragment and trailing slash → resource_metadata derivation', T, async () => {
    for (const resource of ['https://api.example.com', 'https://api.example.com/', 'https://api.example.com/x/?q=1#h', 'https://API.example.com:443/A%20b', 'http://localhost:3000/mcp']) {
      const { results } = await scenario(
        handlePair(() => ({ verifyAccessToken: () => ({}), issuer: 'https://x', resource })),
        withHeader(undefined),
      );
      forBoth(results[0], (r) => assert.equal(r.status, 401));
    }
  });

  test('async verifier resolving a TokenVerificationError rejection → 401', T, async () => {
    const { results } = await scenario(
      handlePair((lib) => ({
        verifyAccessToken: async () => {
          await sleep(5);
          throw new lib.MCPAuthTokenVerificationError('invalid_token');
        },
        issuer: 'https://x',
      })),
      withHeader('Bearer x'),
    );
    expectAnswer(results[0], { status: 401, error: 'invalid_token', description: TOKEN.invalid_token, resourceMetadata: undefined });
  });

  test('unknown TokenVerificationError code → fallback message', T, async () => {
    const { results } = await scenario(
      handlePair((lib) => ({
        verifyAccessToken: () => {
          throw new lib.MCPAuthTokenVerificationError('odd');
        },
        issuer: 'https://x',
      })),
      withHeader('Bearer x'),
    );
    expectAnswer(results[0], { status: 401, error: 'odd', description: 'An error occurred while verifying the token.', resourceMetadata: undefined });
  });

  test('json spaces app setting → same body bytes as the reference', T, async (t) => {
    const pair = await createPair(
      (lib, env) => {
        env.app.set('json spaces', 2);
        env.protect(lib.handleBearerAuth({ verifyAccessToken: () => ({}), issuer: 'https://x', resource: R }));
      },
      { servers },
    );
    t.after(() => pair.close());
    await compare(pair, withHeader(undefined));
  });

  test('HEAD and POST requests → same answers', T, async () => {
    const { results } = await scenario(
      handlePair(() => ({ verifyAccessToken: () => ({}), issuer: 'https://x', resource: R })),
      { method: 'HEAD' },
      { method: 'POST' },
    );
    forBoth(results[0], (r) => assert.equal(r.status, 401));
  });
});

describe('next() runs inside the try block, in the jwt mode too', () => {
  const thrown = {
    'MCPAuthBearerAuthError missing_required_scopes': (lib) => new lib.MCPAuthBearerAuthError('missing_required_scopes', { missingScopes: ['x'] }),
    'MCPAuthTokenVerificationError invalid_token': (lib) => new lib.MCPAuthTokenVerificationError('invalid_token'),
    'MCPAuthConfigError': (lib) => new lib.MCPAuthConfigError('invalid_server_config', 'bad config'),
    'a plain Error': () => new Error('boom'),
  };
  for (const [name, make] of Object.entries(thrown)) {
    for (const showErrorDetails of [false, true]) {
      test(`bearerAuth('jwt'), next() throws ${name}${showErrorDetails ? ', showErrorDetails' : ''} → as the reference`, T, async () => {
        const tokens = await mint();
        const outcomes = {};
        for (const [side, lib] of [['ref', ref], ['rs', rs]]) {
          const mw = newAuth(lib, { as: servers[side] }).bearerAuth('jwt', { resource: R, showErrorDetails });
          const r = await callDirect(mw, {
            headers: { authorization: `Bearer ${tokens[side]}` },
            onNext: () => {
              throw make(lib);
            },
          });
          // Status, header and body as the client sees them (json vs send is an implementation detail).
          const write = (kind) => r.writes.find(([k]) => kind.includes(k));
          const body = write(['json', 'send'])?.[1];
          outcomes[side] = {
            settled: r.settled === 'rejected' ? `rejected: ${r.error.message}` : r.settled,
            status: write(['status'])?.[1],
            challenge: r.writes.find(([k, key]) => k === 'set' && String(key).toLowerCase() === 'www-authenticate')?.[2],
            body: typeof body === 'string' ? JSON.parse(body) : body,
          };
        }
        assert.deepEqual(outcomes.rs, outcomes.ref);
      });
    }
  }
});
