// The provider checker: `mcp-auth-rs check <issuer> [--type oauth|oidc] [--json] [--profile compat|mcp-2026-07-28]`
// (bin/mcp-auth-rs.mjs),
// spawned with this Node against the local oidc-provider and against deliberately broken
// authorization servers on 127.0.0.1.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalIdp } from '../examples/local-idp.mjs';
import { startAuthServer } from './helpers/auth-server.mjs';
import { closedPort } from './helpers/http-server.mjs';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'mcp-auth-rs.mjs');

/** Runs the CLI (async: the servers live in this process). */
const cli = (...args) =>
  new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (error.code ?? error.signal) : 0, stdout, stderr });
    });
  });

/** The human output's line for a check id: `[symbol, message]`. */
const line = (stdout, id) => {
  const found = stdout.split('\n').find((l) => new RegExp(`^[✔⚠✖ℹ] ${id} `).test(l));
  assert.ok(found, `no line for ${id} in:\n${stdout}`);
  return [found[0], found.slice(found.indexOf(id) + id.length).trim()];
};

const rsaJwk = (bits, kid) => ({ ...generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' });
const GOOD_KEY = rsaJwk(2048, 'good');
const SMALL_KEY = rsaJwk(1024, 'small');

describe('mcp-auth-rs check: the local OpenID provider', { timeout: 60_000 }, () => {
  let idp;
  before(async () => {
    idp = await startLocalIdp({ resource: 'http://127.0.0.1:3001/mcp' });
  });
  after(async () => {
    await idp?.close();
  });

  test('--type oidc: every check passes, resource indicators are a warning', async () => {
    const { code, stdout, stderr } = await cli('check', idp.issuer, '--type', 'oidc');
    assert.equal(code, 0, stderr + stdout);
    assert.match(stdout, /^mcp-auth-rs check http:\/\/127\.0\.0\.1:\d+ \(oidc\)$/m);
    for (const id of ['metadata', 'issuer', 'authorization_code_grant', 'code_response_type', 'pkce_s256', 'dynamic_client_registration', 'jwks', 'introspection_endpoint']) {
      assert.equal(line(stdout, id)[0], '✔', id);
    }
    assert.match(line(stdout, 'metadata')[1], /openid-configuration/);
    assert.match(line(stdout, 'pkce_s256')[1], /S256/);
    assert.match(line(stdout, 'dynamic_client_registration')[1], /registration_endpoint: http:\/\/127\.0\.0\.1:\d+\/reg/);
    assert.match(line(stdout, 'jwks')[1], /1 usable key \(RS256 2048-bit/);
    // oidc-provider advertises its introspection endpoint without introspection_endpoint_auth_methods_supported
    const introspection = line(stdout, 'introspection_endpoint')[1];
    assert.ok(introspection.startsWith(`${idp.issuer}/token/introspection; no introspection_endpoint_auth_methods_supported (RFC 8414: `), introspection);
    assert.match(introspection, /; authMethod 'client_secret_basic' picked from token_endpoint_auth_methods_supported: \[client_secret_basic, .*none\] \(the token endpoint's, only a hint\); /);
    assert.ok(introspection.includes("bearerAuth('introspection', { resource, introspection: { clientId, clientSecret, authMethod: 'client_secret_basic' } })"), introspection);
    const [symbol, message] = line(stdout, 'resource_indicators');
    assert.equal(symbol, '⚠');
    assert.match(message, /not advertised/);
    assert.match(stdout, /^Result: usable with mcp-auth-rs \(8 ✔, 1 ⚠, 0 ✖\)$/m);
  });

  test('--json: a machine-readable report', async () => {
    const { code, stdout } = await cli('check', idp.issuer, '--type', 'oidc', '--json');
    assert.equal(code, 0);
    const report = JSON.parse(stdout);
    assert.deepEqual(Object.keys(report), ['issuer', 'type', 'profile', 'ok', 'checks']);
    assert.equal(report.issuer, idp.issuer);
    assert.equal(report.type, 'oidc');
    assert.equal(report.profile, 'compat');
    assert.equal(report.ok, true);
    const byId = Object.fromEntries(report.checks.map((c) => [c.id, c]));
    assert.equal(byId.pkce_s256.status, 'pass');
    assert.equal(byId.dynamic_client_registration.status, 'pass');
    assert.equal(byId.jwks.status, 'pass');
    assert.equal(byId.introspection_endpoint.status, 'pass');
    assert.equal(byId.resource_indicators.status, 'warn');
    for (const c of report.checks) {
      assert.deepEqual(Object.keys(c), ['id', 'status', 'message']);
      assert.ok(['pass', 'warn', 'fail'].includes(c.status));
      assert.equal(typeof c.message, 'string');
    }
  });

  test('--profile compat is the default: same output, no profile checks', async () => {
    const implicit = await cli('check', idp.issuer, '--type', 'oidc');
    const explicit = await cli('check', idp.issuer, '--type', 'oidc', '--profile', 'compat');
    assert.equal(explicit.code, 0);
    assert.equal(explicit.stdout, implicit.stdout);
    assert.doesNotMatch(implicit.stdout, /profile|^. (scopes|step_up) |ℹ/m);
  });

  test('--profile mcp-2026-07-28: scopes listed (offline_access never challenged), step-up advice', async () => {
    const { code, stdout, stderr } = await cli('check', idp.issuer, '--type', 'oidc', '--profile', 'mcp-2026-07-28');
    assert.equal(code, 0, stderr + stdout);
    assert.match(stdout, /^mcp-auth-rs check http:\/\/127\.0\.0\.1:\d+ \(oidc, profile mcp-2026-07-28\)$/m);
    assert.deepEqual(line(stdout, 'issuer'), ['✔', `metadata issuer equals ${idp.issuer} (required by the mcp-2026-07-28 profile)`]);
    const [riSymbol, riMessage] = line(stdout, 'resource_indicators');
    assert.equal(riSymbol, '⚠');
    assert.match(riMessage, /^not advertised: .*mcp-2026-07-28 profile rejects every token whose 'aud' does not name your MCP server URL/);
    const [scopesSymbol, scopesMessage] = line(stdout, 'scopes');
    assert.equal(scopesSymbol, '✔');
    assert.match(scopesMessage, /^scopes_supported: \[openid, offline_access, read, write\]: challenges \(scope= in 401\/403\) can ask for \[openid, read, write\]; offline_access is never challenged/);
    const [stepSymbol, stepMessage] = line(stdout, 'step_up');
    assert.equal(stepSymbol, 'ℹ');
    assert.match(stepMessage, /403 insufficient_scope .*oidc-provider .*invalid_scope: let clients request scopes beyond their registration/);
    assert.match(stdout, /^Result: usable with mcp-auth-rs under the mcp-2026-07-28 profile \(9 ✔, 1 ⚠, 0 ✖, 1 ℹ\)$/m);

    const json = await cli('check', idp.issuer, '--type', 'oidc', '--profile', 'mcp-2026-07-28', '--json');
    assert.equal(json.code, 0);
    const report = JSON.parse(json.stdout);
    assert.deepEqual(Object.keys(report), ['issuer', 'type', 'profile', 'ok', 'checks']);
    assert.equal(report.profile, 'mcp-2026-07-28');
    assert.equal(report.ok, true);
    assert.deepEqual(
      report.checks.map((c) => [c.id, c.status]),
      [
        ['metadata', 'pass'],
        ['issuer', 'pass'],
        ['authorization_code_grant', 'pass'],
        ['code_response_type', 'pass'],
        ['pkce_s256', 'pass'],
        ['dynamic_client_registration', 'pass'],
        ['jwks', 'pass'],
        ['introspection_endpoint', 'pass'],
        ['resource_indicators', 'warn'],
        ['scopes', 'pass'],
        ['step_up', 'info'],
      ],
    );
  });
});

describe('mcp-auth-rs check: broken authorization servers', { timeout: 60_000 }, () => {
  let as;
  let issuer;
  let published = [GOOD_KEY];
  /**
   * Metadata that passes every check (the fake server's, with grant types and an introspection
   * endpoint), with `overrides` applied (undefined deletes); a JWKS of `keys`, or the JWKS fault
   * `jwks` (e.g. 404).
   */
  const serve = (overrides = {}, { keys = [GOOD_KEY], jwks = 'ok' } = {}) => {
    const changes = {
      grant_types_supported: ['authorization_code', 'refresh_token'],
      introspection_endpoint: `${issuer}/introspect`,
      introspection_endpoint_auth_methods_supported: ['client_secret_basic'],
      ...overrides,
    };
    published = keys;
    as.set({
      jwks,
      metadataExtra: Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)),
      metadataOmit: Object.keys(changes).filter((key) => changes[key] === undefined),
    });
  };

  before(async () => {
    as = await startAuthServer({ jwks: () => ({ keys: published }) });
    issuer = as.issuer;
  });
  after(async () => {
    await as?.close();
  });

  test('a compliant server that advertises resource indicators: all ✔, exit 0', async () => {
    serve({ resource_indicators_supported: true });
    const { code, stdout } = await cli('check', issuer);
    assert.equal(code, 0, stdout);
    assert.match(stdout, /\(oauth\)$/m);
    assert.deepEqual(line(stdout, 'resource_indicators'), ['✔', 'resource_indicators_supported: true (RFC 8707 resource indicators)']);
    assert.match(stdout, /\(9 ✔, 0 ⚠, 0 ✖\)/);
  });

  test('no PKCE', async () => {
    serve({ code_challenge_methods_supported: undefined });
    const { code, stdout } = await cli('check', issuer);
    assert.equal(code, 1);
    const [symbol, message] = line(stdout, 'pkce_s256');
    assert.equal(symbol, '✖');
    assert.match(message, /Proof Key for Code Exchange.*code_challenge_methods_supported: absent/);
    assert.match(stdout, /^Result: NOT usable with mcp-auth-rs \(7 ✔, 1 ⚠, 1 ✖\)$/m);
  });

  test('PKCE without S256, no code flow, no registration endpoint', async () => {
    serve({ code_challenge_methods_supported: ['plain'], response_types_supported: ['token'], grant_types_supported: ['client_credentials'], registration_endpoint: undefined });
    const { code, stdout } = await cli('check', issuer);
    assert.equal(code, 1);
    assert.deepEqual(line(stdout, 'pkce_s256')[0], '✖');
    assert.match(line(stdout, 'pkce_s256')[1], /S256.*\[plain\]/);
    assert.deepEqual(line(stdout, 'code_response_type')[0], '✖');
    assert.deepEqual(line(stdout, 'authorization_code_grant')[0], '✖');
    assert.deepEqual(line(stdout, 'dynamic_client_registration')[0], '⚠');
  });

  test('issuer mismatch (RFC 8414 §3.3)', async () => {
    serve({ issuer: 'https://login.example.com' });
    const { code, stdout } = await cli('check', issuer);
    assert.equal(code, 1);
    const [symbol, message] = line(stdout, 'issuer');
    assert.equal(symbol, '✖');
    assert.ok(message.includes(`"https://login.example.com", expected "${issuer}"`), message);
    assert.match(message, /RFC 8414 §3\.3/);
  });

  test('JWKS answers 404', async () => {
    serve({}, { jwks: 404 });
    const { code, stdout } = await cli('check', issuer);
    assert.equal(code, 1);
    const [symbol, message] = line(stdout, 'jwks');
    assert.equal(symbol, '✖');
    assert.match(message, /\/jwks could not be used: Expected 200 OK/);
  });

  test('no jwks_uri', async () => {
    serve({ jwks_uri: undefined });
    const { code, stdout } = await cli('check', issuer);
    assert.equal(code, 1);
    assert.deepEqual(line(stdout, 'jwks'), ['✖', "no jwks_uri in the metadata: bearerAuth('jwt') cannot verify tokens"]);
  });

  test('only an RSA-1024 key: ✖; next to a good key: ⚠', async () => {
    serve({}, { keys: [SMALL_KEY] });
    const only = await cli('check', issuer);
    assert.equal(only.code, 1);
    const [symbol, message] = line(only.stdout, 'jwks');
    assert.equal(symbol, '✖');
    assert.match(message, /no usable key .*RS256 1024-bit kid small: RSA keys under 2048 bits are rejected/);

    serve({}, { keys: [GOOD_KEY, SMALL_KEY] });
    const mixed = await cli('check', issuer);
    assert.equal(mixed.code, 0, mixed.stdout);
    assert.equal(line(mixed.stdout, 'jwks')[0], '⚠');
    assert.match(line(mixed.stdout, 'jwks')[1], /1 usable key \(RS256 2048-bit kid good\); unusable: RS256 1024-bit kid small/);
  });

  /** The `introspection_endpoint` check of a run, from the human output and from `--json`. */
  const introspectionOf = async (...args) => {
    const human = await cli('check', issuer, ...args);
    const json = await cli('check', issuer, ...args, '--json');
    const report = JSON.parse(json.stdout);
    const entry = report.checks.find((c) => c.id === 'introspection_endpoint');
    assert.ok(entry, json.stdout);
    const [symbol, message] = line(human.stdout, 'introspection_endpoint');
    assert.equal(entry.message, message);
    assert.equal(symbol, { pass: '✔', warn: '⚠' }[entry.status], `${entry.status} ${symbol}`);
    assert.equal(json.code, human.code);
    // after jwks, before resource_indicators
    const ids = report.checks.map((c) => c.id);
    assert.equal(ids.indexOf('introspection_endpoint'), ids.indexOf('jwks') + 1, ids.join());
    return { code: human.code, ok: report.ok, status: entry.status, message, stdout: human.stdout };
  };
  const BASIC = "bearerAuth('introspection', { resource, introspection: { clientId, clientSecret, authMethod: 'client_secret_basic' } })";
  const POST = "bearerAuth('introspection', { resource, introspection: { clientId, clientSecret, authMethod: 'client_secret_post' } })";
  const NONE = "bearerAuth('introspection', { resource, introspection: { clientId, authMethod: 'none' } })";
  const FALLBACK = "(or bearerAuth('jwt', { resource, introspection }): JWTs verified locally, other tokens introspected)";

  test('introspection: endpoint and methods advertised: ✔ with the authMethod to use (basic first, then post, then none)', async () => {
    for (const [methods, use] of [
      [['client_secret_basic'], BASIC],
      [['client_secret_post', 'client_secret_basic'], BASIC],
      [['private_key_jwt', 'client_secret_post'], POST],
      [['tls_client_auth', 'none'], NONE],
      [['none', 'client_secret_post'], POST],
    ]) {
      serve({ introspection_endpoint: `${issuer}/oauth2/introspect`, introspection_endpoint_auth_methods_supported: methods, resource_indicators_supported: true });
      const { code, ok, status, message, stdout } = await introspectionOf();
      assert.equal(code, 0, stdout);
      assert.equal(ok, true);
      assert.equal(status, 'pass', message);
      assert.equal(message, `${issuer}/oauth2/introspect, introspection_endpoint_auth_methods_supported: [${methods.join(', ')}]: for opaque access tokens use ${use} ${FALLBACK}`);
    }
    assert.match((await cli('check', issuer)).stdout, /\(9 ✔, 0 ⚠, 0 ✖\)/);
  });

  test('introspection: endpoint without introspection_endpoint_auth_methods_supported: ✔, the token endpoint list is only a hint', async () => {
    const lead = `${issuer}/introspect; no introspection_endpoint_auth_methods_supported (RFC 8414: learn the methods elsewhere, e.g. from the provider's documentation); `;
    const cases = [
      [undefined, `authMethod 'client_secret_basic' is bearerAuth's default with a clientSecret; for opaque access tokens use ${BASIC}`],
      [['private_key_jwt', 'client_secret_post'], `authMethod 'client_secret_post' picked from token_endpoint_auth_methods_supported: [private_key_jwt, client_secret_post] (the token endpoint's, only a hint); for opaque access tokens use ${POST}`],
      [['private_key_jwt'], `token_endpoint_auth_methods_supported: [private_key_jwt] (the token endpoint's, only a hint) names none of bearerAuth's methods; authMethod 'client_secret_basic' is bearerAuth's default with a clientSecret; for opaque access tokens use ${BASIC}`],
    ];
    for (const [tokenMethods, rest] of cases) {
      serve({ introspection_endpoint_auth_methods_supported: undefined, token_endpoint_auth_methods_supported: tokenMethods });
      const { code, status, message, stdout } = await introspectionOf();
      assert.equal(code, 0, stdout);
      assert.equal(status, 'pass', message);
      assert.equal(message, `${lead}${rest} ${FALLBACK}`);
    }
  });

  test('introspection: no introspection_endpoint is a warning, not a failure (JWTs do not need it)', async () => {
    serve({ introspection_endpoint: undefined, introspection_endpoint_auth_methods_supported: undefined, resource_indicators_supported: true });
    const { code, ok, status, message, stdout } = await introspectionOf();
    assert.equal(code, 0, stdout);
    assert.equal(ok, true);
    assert.equal(status, 'warn');
    assert.equal(
      message,
      "no introspection_endpoint (RFC 7662): fine when the provider issues JWT access tokens (bearerAuth('jwt')); " +
        'opaque access tokens cannot be checked unless the provider has an introspection endpoint it does not advertise (then set introspection.endpoint)',
    );
    assert.match(stdout, /^Result: usable with mcp-auth-rs \(8 ✔, 1 ⚠, 0 ✖\)$/m);
    // a method list without an endpoint says nothing
    serve({ introspection_endpoint: undefined, resource_indicators_supported: true });
    assert.equal((await introspectionOf()).status, 'warn');
  });

  test('introspection: methods that are none of client_secret_basic, client_secret_post, none: a warning', async () => {
    for (const methods of [['private_key_jwt', 'client_secret_jwt', 'tls_client_auth'], ['Bearer'], []]) {
      serve({ introspection_endpoint_auth_methods_supported: methods, resource_indicators_supported: true });
      const { code, ok, status, message, stdout } = await introspectionOf();
      assert.equal(code, 0, stdout);
      assert.equal(ok, true);
      assert.equal(status, 'warn', message);
      assert.equal(
        message,
        `${issuer}/introspect, introspection_endpoint_auth_methods_supported: [${methods.join(', ')}]: none of the methods bearerAuth's introspection can use ` +
          "(client_secret_basic, client_secret_post, none): opaque access tokens cannot be introspected; JWT access tokens (bearerAuth('jwt')) are not affected",
      );
      assert.match(stdout, /^Result: usable with mcp-auth-rs \(8 ✔, 1 ⚠, 0 ✖\)$/m);
    }
  });

  test('introspection: the check runs under the profile too, and never fails it', async () => {
    serve({ introspection_endpoint: undefined, resource_indicators_supported: true, scopes_supported: ['read'] });
    const { code, status } = await introspectionOf('--profile', 'mcp-2026-07-28');
    assert.equal(code, 0);
    assert.equal(status, 'warn');
  });

  const PROFILE = ['--profile', 'mcp-2026-07-28'];

  test('profile: scopes_supported and resource indicators advertised: all ✔ but the step-up advice, exit 0', async () => {
    serve({ resource_indicators_supported: true, scopes_supported: ['read', 'write'] });
    const { code, stdout } = await cli('check', issuer, ...PROFILE);
    assert.equal(code, 0, stdout);
    assert.match(stdout, /\(oauth, profile mcp-2026-07-28\)$/m);
    assert.match(line(stdout, 'resource_indicators')[1], /^resource_indicators_supported: true \(RFC 8707 resource indicators\): .*as the mcp-2026-07-28 profile requires$/);
    assert.deepEqual(line(stdout, 'scopes'), ['✔', 'scopes_supported: [read, write]: challenges (scope= in 401/403) can ask for [read, write]; requiredScopes should be among them']);
    assert.equal(line(stdout, 'step_up')[0], 'ℹ');
    assert.match(stdout, /^Result: usable with mcp-auth-rs under the mcp-2026-07-28 profile \(10 ✔, 0 ⚠, 0 ✖, 1 ℹ\)$/m);
  });

  test('profile: no scopes_supported is a warning', async () => {
    serve({ resource_indicators_supported: true });
    const { code, stdout } = await cli('check', issuer, ...PROFILE, '--json');
    assert.equal(code, 0, stdout);
    const report = JSON.parse(stdout);
    assert.equal(report.ok, true);
    const scopes = report.checks.find((c) => c.id === 'scopes');
    assert.equal(scopes.status, 'warn');
    assert.match(scopes.message, /^no scopes_supported: the scopes the provider can grant cannot be seen from metadata; .*requiredScopes/);
  });

  test('profile: only offline_access (or no scope at all) is a warning: no challenge can ask for it', async () => {
    for (const [advertised, text] of [[['offline_access'], '[offline_access]'], [[], '[]']]) {
      serve({ resource_indicators_supported: true, scopes_supported: advertised });
      const { code, stdout } = await cli('check', issuer, ...PROFILE);
      assert.equal(code, 0, stdout);
      const [symbol, message] = line(stdout, 'scopes');
      assert.equal(symbol, '⚠', text);
      assert.ok(message.startsWith(`scopes_supported: ${text}: no scope a challenge can ask for (offline_access is never challenged)`), message);
      assert.match(stdout, /\(9 ✔, 1 ⚠, 0 ✖, 1 ℹ\)$/m);
    }
  });

  test('profile: resource indicators declared unsupported is a warning naming the consequence', async () => {
    serve({ resource_indicators_supported: false, scopes_supported: ['read'] });
    const strict = await cli('check', issuer, ...PROFILE);
    assert.equal(strict.code, 0, strict.stdout);
    const [symbol, message] = line(strict.stdout, 'resource_indicators');
    assert.equal(symbol, '⚠');
    assert.match(message, /^resource_indicators_supported: false: the mcp-2026-07-28 profile rejects every token whose 'aud' does not name your MCP server URL; .*every token will fail$/);
    // compat: as before, "not advertised"
    const compat = await cli('check', issuer);
    assert.deepEqual(line(compat.stdout, 'resource_indicators')[0], '⚠');
    assert.match(line(compat.stdout, 'resource_indicators')[1], /^not advertised: /);
    assert.doesNotMatch(compat.stdout, /^. (scopes|step_up) /m);
  });

  test('profile: issuer mismatch fails and says the profile refuses the metadata', async () => {
    serve({ issuer: 'https://login.example.com', scopes_supported: ['read'] });
    const { code, stdout } = await cli('check', issuer, ...PROFILE);
    assert.equal(code, 1);
    const [symbol, message] = line(stdout, 'issuer');
    assert.equal(symbol, '✖');
    assert.ok(message.includes(`"https://login.example.com", expected "${issuer}"`), message);
    assert.match(message, /RFC 8414 §3\.3: must be identical\); the mcp-2026-07-28 profile refuses this metadata/);
    assert.match(stdout, /^Result: NOT usable with mcp-auth-rs under the mcp-2026-07-28 profile \(8 ✔, 1 ⚠, 1 ✖, 1 ℹ\)$/m);
    // the profile's checks still run
    assert.equal(line(stdout, 'scopes')[0], '✔');
    const compat = await cli('check', issuer);
    assert.doesNotMatch(line(compat.stdout, 'issuer')[1], /profile/);
  });

  test('profile: invalid metadata stops at the metadata check', async () => {
    serve({ authorization_endpoint: undefined });
    const { code, stdout } = await cli('check', issuer, ...PROFILE, '--json');
    assert.equal(code, 1);
    const report = JSON.parse(stdout);
    assert.deepEqual(
      { profile: report.profile, ok: report.ok, ids: report.checks.map((c) => [c.id, c.status]) },
      { profile: 'mcp-2026-07-28', ok: false, ids: [['metadata', 'fail']] },
    );
  });

  test('invalid metadata document', async () => {
    serve({ authorization_endpoint: undefined });
    const { code, stdout } = await cli('check', issuer, '--json');
    assert.equal(code, 1);
    const report = JSON.parse(stdout);
    assert.equal(report.ok, false);
    assert.equal(report.checks.length, 1);
    assert.equal(report.checks[0].id, 'metadata');
    assert.equal(report.checks[0].status, 'fail');
    assert.match(report.checks[0].message, /authorization_endpoint/);
  });

  test('unreachable server', async () => {
    const deadIssuer = `http://127.0.0.1:${await closedPort()}`;
    const human = await cli('check', deadIssuer);
    assert.equal(human.code, 1);
    const [symbol, message] = line(human.stdout, 'metadata');
    assert.equal(symbol, '✖');
    assert.match(message, /oauth-authorization-server: .*(refused|connect)/i);
    const json = await cli('check', deadIssuer, '--type', 'oidc', '--json');
    assert.equal(json.code, 1);
    const report = JSON.parse(json.stdout);
    assert.deepEqual(
      { issuer: report.issuer, type: report.type, profile: report.profile, ok: report.ok, ids: report.checks.map((c) => [c.id, c.status]) },
      { issuer: deadIssuer, type: 'oidc', profile: 'compat', ok: false, ids: [['metadata', 'fail']] },
    );
  });
});

describe('mcp-auth-rs: usage errors exit 2', () => {
  for (const args of [[], ['check'], ['inspect', 'https://a.example'], ['check', 'not a url'], ['check', 'https://a.example', '--type', 'saml'], ['check', 'https://a.example', '--bogus'], ['check', 'https://a.example', 'extra'], ['check', 'https://a.example', '--profile', 'mcp-2025-06-18'], ['check', 'https://a.example', '--profile', ''], ['check', 'https://a.example', '--profile']]) {
    test(JSON.stringify(args), async () => {
      const { code, stdout, stderr } = await cli(...args);
      assert.equal(code, 2);
      assert.equal(stdout, '');
      assert.match(stderr, /^mcp-auth-rs: .*\n\nUsage: mcp-auth-rs check <issuer>/);
    });
  }

  test('--help exits 0', async () => {
    const { code, stdout } = await cli('--help');
    assert.equal(code, 0);
    assert.match(stdout, /^Usage: mcp-auth-rs check <issuer> \[--type oauth\|oidc\] \[--json\] \[--profile compat\|mcp-2026-07-28\]/);
    assert.match(stdout, /--profile mcp-2026-07-28 /);
  });

  test('unknown profile: exit 2 naming the profiles, nothing fetched', async () => {
    const { code, stdout, stderr } = await cli('check', 'http://127.0.0.1:9', '--profile', 'strict');
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.match(stderr, /^mcp-auth-rs: --profile must be compat or mcp-2026-07-28, not 'strict'\n/);
  });
});
