// validateServerConfig, getIssuer, serverMetadataPaths, defaultValues and the four zod schemas.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ZodError, z } from 'zod';
import * as rs from 'mcp-auth-rs';
import { camelMetadata, snakeMetadata, success, error, warning, ERROR, AUTH_SERVER_SNAKE_KEYS, toCamel } from './helpers/fixtures.mjs';

const T = { timeout: 5000 };
const validate = (metadata, verbose) => rs.validateServerConfig({ metadata, type: 'oauth' }, verbose);

/** Valid camelCase metadata without a registration endpoint (one warning). */
const base = () => {
  const m = camelMetadata();
  delete m.registrationEndpoint;
  return m;
};
const ALL_SUCCESSES = [
  success('server_metadata_valid'),
  success('code_response_type_supported'),
  success('authorization_code_grant_supported'),
  success('pkce_supported'),
  success('s256_code_challenge_method_supported'),
  success('dynamic_registration_supported'),
];

describe('validateServerConfig', () => {
  test('fully valid → exactly { isValid: true, warnings: [] }', T, () => {
    const result = validate(camelMetadata());
    assert.deepEqual(result, { isValid: true, warnings: [] });
    assert.deepEqual(Object.keys(result), ['isValid', 'warnings']);
  });

  test('fully valid, verbose → all six successes in step order', T, () => {
    const result = validate(camelMetadata(), true);
    assert.deepEqual(result, { isValid: true, warnings: [], successes: ALL_SUCCESSES });
    assert.deepEqual(Object.keys(result), ['isValid', 'warnings', 'successes']);
    for (const entry of result.successes) assert.deepEqual(Object.keys(entry), ['code', 'description']);
  });

  test('verbose defaults to false; verbose is truthiness-based', T, () => {
    assert.deepEqual(rs.validateServerConfig({ metadata: camelMetadata(), type: 'oauth' }), { isValid: true, warnings: [] });
    assert.deepEqual(validate(camelMetadata(), false), { isValid: true, warnings: [] });
    assert.deepEqual(validate(camelMetadata(), 0), { isValid: true, warnings: [] });
    assert.deepEqual(validate(camelMetadata(), 1).successes, ALL_SUCCESSES);
  });

  test('`type` is ignored', T, () => {
    for (const type of ['oauth', 'oidc', 'anything', undefined]) {
      assert.deepEqual(rs.validateServerConfig({ metadata: camelMetadata(), type }, true), validate(camelMetadata(), true));
    }
  });

  test('{} metadata, verbose → schema error with ZodError cause, no isValid key', T, () => {
    const result = validate({}, true);
    assert.equal('isValid' in result, false);
    assert.deepEqual(Object.keys(result), ['errors', 'warnings', 'successes']);
    assert.deepEqual(result.warnings, []);
    assert.deepEqual(result.successes, []);
    assert.equal(result.errors.length, 1);
    const [entry] = result.errors;
    assert.deepEqual(Object.keys(entry), ['code', 'description', 'cause']);
    assert.equal(entry.code, 'invalid_server_metadata');
    assert.equal(entry.description, ERROR.invalid_server_metadata);
    assert.equal(entry.cause?.name, 'ZodError');
    assert.deepEqual(entry.cause.issues, rs.camelCaseAuthorizationServerMetadataSchema.safeParse({}).error.issues);
    assert.deepEqual(
      entry.cause.issues.map((i) => i.path[0]),
      ['issuer', 'authorizationEndpoint', 'tokenEndpoint', 'responseTypesSupported'],
    );
  });

  test('the schema error cause is instanceof ZodError imported from "zod"', T, () => {
    const [entry] = validate({}, true).errors;
    assert.ok(entry.cause instanceof ZodError, 'cause must be instanceof ZodError from "zod"');
  });

  test('{} metadata, not verbose → { errors, warnings: [] }', T, () => {
    const result = validate({});
    assert.deepEqual(Object.keys(result), ['errors', 'warnings']);
    assert.equal(result.errors[0].code, 'invalid_server_metadata');
  });

  test('a schema failure returns immediately (no other checks run)', T, () => {
    // Would also fail the code / grant / PKCE checks and the registration warning.
    const result = validate({ issuer: 'x', responseTypesSupported: ['token'], grantTypesSupported: [] }, true);
    assert.deepEqual(result.errors.map((e) => e.code), ['invalid_server_metadata']);
    assert.deepEqual(result.warnings, []);
    assert.deepEqual(result.successes, []);
  });

  for (const [label, metadata] of [
    ['null', null],
    ['undefined', undefined],
    ['a string', 'metadata'],
    ['an array', []],
    ['snake_case keys', snakeMetadata()],
    ['jwksUri: null (null is not "optional")', { ...camelMetadata(), jwksUri: null }],
    ['codeChallengeMethodsSupported: null', { ...camelMetadata(), codeChallengeMethodsSupported: null }],
    ['issuer: 5', { ...camelMetadata(), issuer: 5 }],
    ['responseTypesSupported: "code"', { ...camelMetadata(), responseTypesSupported: 'code' }],
    ['scopesSupported: [1]', { ...camelMetadata(), scopesSupported: [1] }],
  ]) {
    test(`invalid metadata (${label}) → invalid_server_metadata`, T, () => {
      const result = validate(metadata);
      assert.deepEqual(Object.keys(result), ['errors', 'warnings']);
      assert.deepEqual(result.warnings, []);
      assert.equal(result.errors.length, 1);
      assert.equal(result.errors[0].code, 'invalid_server_metadata');
      assert.equal(result.errors[0].description, ERROR.invalid_server_metadata);
      assert.equal(result.errors[0].cause?.name, 'ZodError');
      assert.deepEqual(
        result.errors[0].cause.issues,
        rs.camelCaseAuthorizationServerMetadataSchema.safeParse(metadata).error.issues,
      );
    });
  }

  test('missing registrationEndpoint → valid with the registration warning', T, () => {
    assert.deepEqual(validate(base()), { isValid: true, warnings: [warning('dynamic_registration_not_supported')] });
    const verbose = validate(base(), true);
    assert.deepEqual(verbose, {
      isValid: true,
      warnings: [warning('dynamic_registration_not_supported')],
      successes: ALL_SUCCESSES.slice(0, 5),
    });
    assert.deepEqual(Object.keys(verbose.warnings[0]), ['code', 'description']);
  });

  test("registrationEndpoint: '' → warning (falsy)", T, () => {
    assert.deepEqual(validate({ ...camelMetadata(), registrationEndpoint: '' }), {
      isValid: true,
      warnings: [warning('dynamic_registration_not_supported')],
    });
  });

  test('registrationEndpoint: undefined → warning', T, () => {
    assert.deepEqual(validate({ ...camelMetadata(), registrationEndpoint: undefined }), {
      isValid: true,
      warnings: [warning('dynamic_registration_not_supported')],
    });
  });

  test('codeChallengeMethodsSupported: [] → pkce_supported + s256 error', T, () => {
    const result = validate({ ...camelMetadata(), codeChallengeMethodsSupported: [] }, true);
    assert.deepEqual(result, {
      errors: [error('s256_code_challenge_method_not_supported')],
      warnings: [],
      successes: [
        success('server_metadata_valid'),
        success('code_response_type_supported'),
        success('authorization_code_grant_supported'),
        success('pkce_supported'),
        success('dynamic_registration_supported'),
      ],
    });
    assert.equal('isValid' in result, false);
    assert.deepEqual(Object.keys(result), ['errors', 'warnings', 'successes']);
  });

  test("codeChallengeMethodsSupported: ['plain'] → s256 error; ['plain','S256'] → ok; ['s256'] → error (case-sensitive)", T, () => {
    assert.deepEqual(validate({ ...camelMetadata(), codeChallengeMethodsSupported: ['plain'] }), {
      errors: [error('s256_code_challenge_method_not_supported')],
      warnings: [],
    });
    assert.deepEqual(validate({ ...camelMetadata(), codeChallengeMethodsSupported: ['plain', 'S256'] }), {
      isValid: true,
      warnings: [],
    });
    assert.deepEqual(validate({ ...camelMetadata(), codeChallengeMethodsSupported: ['s256'] }).errors, [
      error('s256_code_challenge_method_not_supported'),
    ]);
  });

  test('codeChallengeMethodsSupported absent → pkce_not_supported (no pkce success)', T, () => {
    const m = camelMetadata();
    delete m.codeChallengeMethodsSupported;
    assert.deepEqual(validate(m, true), {
      errors: [error('pkce_not_supported')],
      warnings: [],
      successes: [
        success('server_metadata_valid'),
        success('code_response_type_supported'),
        success('authorization_code_grant_supported'),
        success('dynamic_registration_supported'),
      ],
    });
  });

  test('grantTypesSupported absent → default includes authorization_code; [] → error', T, () => {
    const absent = camelMetadata();
    delete absent.grantTypesSupported;
    assert.deepEqual(validate(absent), { isValid: true, warnings: [] });
    assert.deepEqual(validate(absent, true).successes, ALL_SUCCESSES);
    assert.deepEqual(validate({ ...camelMetadata(), grantTypesSupported: [] }, true), {
      errors: [error('authorization_code_grant_not_supported')],
      warnings: [],
      successes: [
        success('server_metadata_valid'),
        success('code_response_type_supported'),
        success('pkce_supported'),
        success('s256_code_challenge_method_supported'),
        success('dynamic_registration_supported'),
      ],
    });
  });

  test("grantTypesSupported: ['implicit', 'client_credentials'] → error", T, () => {
    assert.deepEqual(validate({ ...camelMetadata(), grantTypesSupported: ['implicit', 'client_credentials'] }), {
      errors: [error('authorization_code_grant_not_supported')],
      warnings: [],
    });
  });

  test("responseTypesSupported: ['token'], no PKCE → two errors in order + warning", T, () => {
    const m = base();
    delete m.codeChallengeMethodsSupported;
    m.responseTypesSupported = ['token'];
    const result = validate(m);
    assert.deepEqual(result, {
      errors: [error('code_response_type_not_supported'), error('pkce_not_supported')],
      warnings: [warning('dynamic_registration_not_supported')],
    });
    for (const entry of result.errors) {
      assert.deepEqual(Object.keys(entry), ['code', 'description', 'cause']);
      assert.equal(Object.hasOwn(entry, 'cause'), true, 'own cause key');
      assert.equal(entry.cause, undefined);
    }
  });

  test('all three MCP errors at once, in step order', T, () => {
    const m = base();
    delete m.codeChallengeMethodsSupported;
    m.responseTypesSupported = ['token', 'id_token'];
    m.grantTypesSupported = ['implicit'];
    assert.deepEqual(validate(m, true), {
      errors: [
        error('code_response_type_not_supported'),
        error('authorization_code_grant_not_supported'),
        error('pkce_not_supported'),
      ],
      warnings: [warning('dynamic_registration_not_supported')],
      successes: [success('server_metadata_valid')],
    });
  });

  for (const [types, supported] of [
    [['code id_token'], true],
    [['id_token code'], true],
    [['token', 'code token'], true],
    [[' code'], true],
    [['codex'], false],
    [['Code'], false],
    [['code\tid_token'], false],
    [['code_id_token'], false],
    [[], false],
  ]) {
    test(`responseTypesSupported ${JSON.stringify(types)} → code ${supported ? 'supported' : 'not supported'}`, T, () => {
      const result = validate({ ...camelMetadata(), responseTypesSupported: types });
      if (supported) assert.deepEqual(result, { isValid: true, warnings: [] });
      else assert.deepEqual(result, { errors: [error('code_response_type_not_supported')], warnings: [] });
    });
  }

  test('unknown keys do not matter', T, () => {
    assert.deepEqual(validate({ ...camelMetadata(), endSessionEndpoint: 'x', custom: { deep: [1] } }), {
      isValid: true,
      warnings: [],
    });
  });

  test('returns fresh objects each call (no shared state)', T, () => {
    const a = validate(base());
    a.warnings.push('junk');
    a.warnings[0].code = 'mutated';
    assert.deepEqual(validate(base()), { isValid: true, warnings: [warning('dynamic_registration_not_supported')] });
  });

  test('metadata holding non-JSON values in unknown keys (BigInt, cycles) validates like any other', T, () => {
    const withBigInt = { ...camelMetadata(), extra: 10n };
    assert.deepEqual(validate(withBigInt), { isValid: true, warnings: [] });
    const cyclic = camelMetadata();
    cyclic.self = cyclic;
    assert.deepEqual(validate(cyclic), { isValid: true, warnings: [] });
  });

  test('a String object is not a string (zod rejects it) → invalid_server_metadata', T, () => {
    // eslint-disable-next-line no-new-wrappers
    const result = validate({ ...camelMetadata(), issuer: new String('https://idp.example.com') });
    assert.equal(result.errors?.[0]?.code, 'invalid_server_metadata');
  });
});

describe('getIssuer', () => {
  test("'metadata' in cfg → cfg.metadata.issuer; else cfg.issuer", T, () => {
    assert.equal(rs.getIssuer({ metadata: camelMetadata('https://a.example'), type: 'oauth' }), 'https://a.example');
    assert.equal(rs.getIssuer({ issuer: 'https://b.example', type: 'oidc' }), 'https://b.example');
    assert.equal(rs.getIssuer({ metadata: { issuer: 'https://m' }, issuer: 'https://i', type: 'oauth' }), 'https://m');
    assert.equal(rs.getIssuer({ type: 'oauth' }), undefined);
  });

  test('a metadata key whose value is undefined still counts as resolved (→ TypeError)', T, () => {
    assert.throws(() => rs.getIssuer({ metadata: undefined, issuer: 'https://i', type: 'oauth' }), TypeError);
  });

  test('inherited metadata counts too (the `in` operator)', T, () => {
    const cfg = Object.create({ metadata: { issuer: 'https://proto' } });
    cfg.issuer = 'https://own';
    assert.equal(rs.getIssuer(cfg), 'https://proto');
  });
});

describe('serverMetadataPaths and defaultValues', () => {
  test('serverMetadataPaths: frozen, exact', T, () => {
    assert.deepEqual(rs.serverMetadataPaths, {
      oauth: '/.well-known/oauth-authorization-server',
      oidc: '/.well-known/openid-configuration',
    });
    assert.deepEqual(Object.keys(rs.serverMetadataPaths), ['oauth', 'oidc']);
    assert.equal(Object.isFrozen(rs.serverMetadataPaths), true);
    assert.throws(() => {
      rs.serverMetadataPaths.oauth = '/x';
    }, TypeError);
  });

  test('defaultValues: exact; outer object frozen, inner arrays not frozen', T, () => {
    assert.deepEqual(rs.defaultValues, {
      grantTypesSupported: ['authorization_code', 'implicit'],
      responseModesSupported: ['query', 'fragment'],
    });
    assert.deepEqual(Object.keys(rs.defaultValues), ['grantTypesSupported', 'responseModesSupported']);
    assert.equal(Object.isFrozen(rs.defaultValues), true);
    assert.throws(() => {
      rs.defaultValues.grantTypesSupported = [];
    }, TypeError);
    assert.equal(Array.isArray(rs.defaultValues.grantTypesSupported), true);
    assert.equal(Object.isFrozen(rs.defaultValues.grantTypesSupported), false);
    assert.equal(Object.isFrozen(rs.defaultValues.responseModesSupported), false);
  });
});

describe('zod schemas', () => {
  const PR_SNAKE_KEYS = [
    'resource',
    'authorization_servers',
    'jwks_uri',
    'scopes_supported',
    'bearer_methods_supported',
    'resource_signing_alg_values_supported',
    'resource_name',
    'resource_documentation',
    'resource_policy_uri',
    'resource_tos_uri',
    'tls_client_certificate_bound_access_tokens',
    'authorization_details_types_supported',
    'dpop_signing_alg_values_supported',
    'dpop_bound_access_tokens_required',
    'signed_metadata',
  ];

  test('shapes: exact keys in order, snake_case and camelCase', T, () => {
    assert.deepEqual(Object.keys(rs.authorizationServerMetadataSchema.shape), AUTH_SERVER_SNAKE_KEYS);
    assert.deepEqual(Object.keys(rs.camelCaseAuthorizationServerMetadataSchema.shape), AUTH_SERVER_SNAKE_KEYS.map(toCamel));
    assert.deepEqual(Object.keys(rs.protectedResourceMetadataSchema.shape), PR_SNAKE_KEYS);
    assert.deepEqual(Object.keys(rs.camelCaseProtectedResourceMetadataSchema.shape), PR_SNAKE_KEYS.map(toCamel));
  });

  test('the schemas are real zod objects (instanceof z.ZodObject from "zod")', T, () => {
    for (const name of [
      'authorizationServerMetadataSchema',
      'camelCaseAuthorizationServerMetadataSchema',
      'protectedResourceMetadataSchema',
      'camelCaseProtectedResourceMetadataSchema',
    ]) {
      assert.equal(typeof rs[name].safeParse, 'function', name);
      assert.ok(rs[name] instanceof z.ZodObject, `${name} instanceof z.ZodObject`);
    }
  });

  test('the schemas compose with zod methods (strict, extend, partial)', T, () => {
    const strict = rs.authorizationServerMetadataSchema.strict();
    assert.equal(strict.safeParse({ ...snakeMetadata(), extra: 1 }).success, false);
    assert.equal(strict.safeParse(snakeMetadata()).success, true);
    const extended = rs.authorizationServerMetadataSchema.extend({ end_session_endpoint: z.string() });
    assert.equal(extended.safeParse(snakeMetadata()).success, false);
    assert.equal(rs.authorizationServerMetadataSchema.partial().safeParse({}).success, true);
  });

  test('authorizationServerMetadataSchema: parse keeps known keys in schema order and strips unknown keys', T, () => {
    const input = { end_session_endpoint: 'x', ...snakeMetadata() };
    const parsed = rs.authorizationServerMetadataSchema.parse(input);
    assert.deepEqual(parsed, snakeMetadata());
    assert.equal('end_session_endpoint' in parsed, false);
    assert.deepEqual(Object.keys(parsed), AUTH_SERVER_SNAKE_KEYS.filter((k) => k in snakeMetadata()));
  });

  const AS_CASES = [
    ['valid', snakeMetadata(), true],
    ['required only', { issuer: 'i', authorization_endpoint: 'a', token_endpoint: 't', response_types_supported: [] }, true],
    ['missing issuer', { ...snakeMetadata(), issuer: undefined }, false],
    ['null optional (jwks_uri)', { ...snakeMetadata(), jwks_uri: null }, false],
    ['undefined optional (jwks_uri)', { ...snakeMetadata(), jwks_uri: undefined }, true],
    ['no URL-format checks', { ...snakeMetadata(), jwks_uri: 'not a url', issuer: '' }, true],
    ['array of non-strings', { ...snakeMetadata(), scopes_supported: ['a', 1] }, false],
    ['string where array expected', { ...snakeMetadata(), grant_types_supported: 'authorization_code' }, false],
    ['camelCase keys', camelMetadata(), false],
    ['null', null, false],
    ['array', [], false],
  ];

  for (const [label, input, ok] of AS_CASES) {
    test(`authorizationServerMetadataSchema: ${label} → ${ok ? 'accepted' : 'rejected'}`, T, () => {
      const result = rs.authorizationServerMetadataSchema.safeParse(input);
      assert.equal(result.success, ok);
      if (!ok) assert.ok(result.error instanceof Error);
    });
  }

  test('camelCaseAuthorizationServerMetadataSchema: camel accepted, snake rejected, null optional rejected', T, () => {
    const s = rs.camelCaseAuthorizationServerMetadataSchema;
    assert.deepEqual(s.parse({ ...camelMetadata(), unknownKey: 1 }), camelMetadata());
    assert.equal(s.safeParse(snakeMetadata()).success, false);
    assert.equal(s.safeParse({ ...camelMetadata(), userinfoEndpoint: null }).success, false);
    assert.equal(s.safeParse({ ...camelMetadata(), userinfoEndpoint: 'u' }).success, true);
  });

  test('protectedResourceMetadataSchema: resource required, booleans typed, unknown keys stripped', T, () => {
    const s = rs.protectedResourceMetadataSchema;
    assert.deepEqual(s.parse({ resource: 'https://r', extra: 1 }), { resource: 'https://r' });
    assert.equal(s.safeParse({}).success, false);
    assert.equal(s.safeParse({ resource: 'r', tls_client_certificate_bound_access_tokens: true }).success, true);
    assert.equal(s.safeParse({ resource: 'r', tls_client_certificate_bound_access_tokens: 'true' }).success, false);
    assert.equal(s.safeParse({ resource: 'r', dpop_bound_access_tokens_required: false }).success, true);
    assert.equal(s.safeParse({ resource: 'r', dpop_bound_access_tokens_required: null }).success, false);
    assert.equal(s.safeParse({ resource: 'r', authorization_servers: ['https://a'] }).success, true);
    assert.equal(s.safeParse({ resource: 'r', authorization_servers: 'https://a' }).success, false);
    assert.equal(s.safeParse({ resource: 'r', signed_metadata: 1 }).success, false);
  });

  test('camelCaseProtectedResourceMetadataSchema: camelCase keys', T, () => {
    const s = rs.camelCaseProtectedResourceMetadataSchema;
    const full = {
      resource: 'https://r',
      authorizationServers: ['https://a'],
      scopesSupported: ['read'],
      tlsClientCertificateBoundAccessTokens: true,
      dpopBoundAccessTokensRequired: false,
      resourceName: 'R',
    };
    assert.deepEqual(s.parse({ ...full, authorization_servers: ['x'] }), full);
    assert.equal(s.safeParse({ resource: 'r', resourceName: null }).success, false);
    assert.equal(s.safeParse({ resource: 'r', dpopBoundAccessTokensRequired: 1 }).success, false);
  });
});
