#!/usr/bin/env node
// mcp-auth-rs check <issuer> [--type oauth|oidc] [--json] [--profile compat|mcp-2026-07-28]
//
// Tells whether an authorization server can guard an MCP server with mcp-auth-rs: fetches its
// metadata the way `fetchServerConfig` does, runs `validateServerConfig`, and looks at what the
// library needs beyond that (issuer equality, a usable JWKS, an RFC 7662 introspection endpoint for
// opaque tokens). `--profile mcp-2026-07-28` looks at what that opt-in profile needs besides
// (resource indicators for `aud`, the scopes the provider can grant, step-up). Exit code: 0 when
// nothing failed, 1 when a check failed, 2 for a usage error.
import { parseArgs } from 'node:util';

const PROFILES = ['compat', 'mcp-2026-07-28'];
const MCP_PROFILE = 'mcp-2026-07-28';

const USAGE = `Usage: mcp-auth-rs check <issuer> [--type oauth|oidc] [--json] [--profile compat|mcp-2026-07-28]

Checks an OAuth 2.0 / OpenID Connect authorization server for use with mcp-auth-rs.
  --type oauth              RFC 8414 metadata at <origin>/.well-known/oauth-authorization-server<path> (default)
  --type oidc               OpenID Connect discovery at <issuer>/.well-known/openid-configuration
  --profile compat          what MCPAuth needs by default (default)
  --profile mcp-2026-07-28  what new MCPAuth({ profile: 'mcp-2026-07-28' }) needs: also resource indicators
                            (tokens' 'aud'), the scopes the provider can grant, and step-up advice (ℹ)
  --json                    print one JSON object { issuer, type, profile, ok, checks: [{ id, status, message }] }
Exit code: 0 when no check failed (⚠ and ℹ do not fail), 1 when one did, 2 for a usage error.`;

/** `info` is advice that holds for any provider (nothing in the metadata can confirm it): never a failure. */
const SYMBOL = { pass: '✔', warn: '⚠', fail: '✖', info: 'ℹ' };

/** Checks answered by `validateServerConfig(config, true)`: which result codes mean what. */
const VALIDATION_CHECKS = [
  {
    id: 'authorization_code_grant',
    label: 'authorization_code grant supported',
    pass: ['authorization_code_grant_supported'],
    fail: ['authorization_code_grant_not_supported'],
    detail: (m) => `grant_types_supported: ${list(m.grantTypesSupported, 'absent (defaults to authorization_code, implicit)')}`,
  },
  {
    id: 'code_response_type',
    label: '"code" response type supported',
    pass: ['code_response_type_supported'],
    fail: ['code_response_type_not_supported'],
    detail: (m) => `response_types_supported: ${list(m.responseTypesSupported)}`,
  },
  {
    id: 'pkce_s256',
    label: 'PKCE with S256 supported',
    pass: ['s256_code_challenge_method_supported'],
    fail: ['pkce_not_supported', 's256_code_challenge_method_not_supported'],
    detail: (m) => `code_challenge_methods_supported: ${list(m.codeChallengeMethodsSupported, 'absent')}`,
  },
  {
    id: 'dynamic_client_registration',
    label: 'dynamic client registration (RFC 7591) supported',
    pass: ['dynamic_registration_supported'],
    warn: ['dynamic_registration_not_supported'],
    detail: (m) =>
      m.registrationEndpoint
        ? `registration_endpoint: ${m.registrationEndpoint}`
        : 'no registration_endpoint: MCP clients must be registered with the server by hand',
  },
];

const list = (value, absent = 'absent') => (Array.isArray(value) ? `[${value.join(', ')}]` : absent);

const errorText = (error) => {
  const cause = error?.cause;
  const issues = cause?.parseError?.issues ?? cause?.issues;
  if (Array.isArray(issues) && issues.length > 0) {
    return `${error.message} (${issues.slice(0, 3).map((i) => `${i.path.join('.') || '(document)'}: ${i.message}`).join('; ')})`;
  }
  const causeText = typeof cause === 'string' ? cause : cause?.message;
  return causeText ? `${error.message}: ${causeText}` : String(error?.message ?? error);
};

const keyText = (key) =>
  [key.alg ?? key.kty, key.kty === 'RSA' && key.bits ? `${key.bits}-bit` : key.crv, key.kid && `kid ${key.kid}`]
    .filter(Boolean)
    .join(' ');

/** ✔ when every key is usable, ⚠ when some are, ✖ when none is (or the set cannot be fetched). */
async function jwksCheck(binding, jwksUri) {
  if (!jwksUri) return { status: 'fail', message: "no jwks_uri in the metadata: bearerAuth('jwt') cannot verify tokens" };
  let report;
  try {
    report = JSON.parse(await binding.inspectJwks(jwksUri));
  } catch (error) {
    return { status: 'fail', message: `${jwksUri}: ${errorText(error)}` };
  }
  if (report.error) return { status: 'fail', message: `${jwksUri} could not be used: ${report.error.message}` };
  const keys = report.keys ?? [];
  const usable = keys.filter((key) => key.usable);
  const unusable = keys.filter((key) => !key.usable).map((key) => `${keyText(key)}: ${key.problem ?? 'unusable'}`);
  if (keys.length === 0) return { status: 'fail', message: `${jwksUri} has no keys` };
  if (usable.length === 0) return { status: 'fail', message: `no usable key in ${jwksUri} (${unusable.join('; ')})` };
  const usableText = `${usable.length} usable key${usable.length > 1 ? 's' : ''} (${usable.map(keyText).join(', ')})`;
  if (unusable.length > 0) return { status: 'warn', message: `${usableText}; unusable: ${unusable.join('; ')}` };
  return { status: 'pass', message: `${usableText} at ${jwksUri}` };
}

const RESOURCE_FLAG = /^resource_\w*supported$/;

function resourceIndicatorsCheck(document, profile) {
  const flags = Object.keys(document ?? {}).filter((key) => RESOURCE_FLAG.test(key));
  const flag = flags.find((key) => document[key] === true);
  if (profile !== MCP_PROFILE) {
    if (flag) return { status: 'pass', message: `${flag}: true (RFC 8707 resource indicators)` };
    return {
      status: 'warn',
      message:
        'not advertised: RFC 8707 has no standard metadata flag, so support cannot be seen from metadata; ' +
        "make sure tokens requested with resource=<your MCP server URL> carry it in 'aud'",
    };
  }
  const rejected = "the mcp-2026-07-28 profile rejects every token whose 'aud' does not name your MCP server URL";
  if (flag) {
    return {
      status: 'pass',
      message: `${flag}: true (RFC 8707 resource indicators): tokens requested with resource=<your MCP server URL> should carry it in 'aud', as the mcp-2026-07-28 profile requires`,
    };
  }
  const denied = flags.find((key) => document[key] === false);
  if (denied) {
    return {
      status: 'warn',
      message: `${denied}: false: ${rejected}; unless the provider puts that URL in 'aud' some other way (an API or audience configured to it), every token will fail`,
    };
  }
  return {
    status: 'warn',
    message:
      `not advertised: RFC 8707 has no standard metadata flag, so support cannot be seen from metadata; ${rejected}: ` +
      "make sure tokens requested with resource=<your MCP server URL> carry it in 'aud'",
  };
}

/** The client authentication methods `bearerAuth`'s `introspection` option can use, in the order we advise them. */
const INTROSPECTION_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'];

/** The `introspection` option for `method` (none: a public client, no secret). */
const introspectionOption = (method) =>
  method === 'none' ? "{ clientId, authMethod: 'none' }" : `{ clientId, clientSecret, authMethod: '${method}' }`;

const introspectionUse = (method) =>
  `for opaque access tokens use bearerAuth('introspection', { resource, introspection: ${introspectionOption(method)} }) ` +
  "(or bearerAuth('jwt', { resource, introspection }): JWTs verified locally, other tokens introspected)";

/**
 * RFC 7662 token introspection, for opaque access tokens: whether the metadata names an
 * `introspection_endpoint` (RFC 8414 §2) and which of the client authentication methods
 * `bearerAuth`'s `introspection` option supports it accepts. Never ✖: JWT access tokens don't need it.
 * ✔ endpoint and a usable method (or no method list: RFC 8414 leaves it to "other means");
 * ⚠ no endpoint, or a method list without any method the library can use.
 */
function introspectionCheck(metadata, document) {
  const endpoint = metadata.introspectionEndpoint ?? document?.introspection_endpoint;
  if (typeof endpoint !== 'string' || endpoint === '') {
    return {
      status: 'warn',
      message:
        "no introspection_endpoint (RFC 7662): fine when the provider issues JWT access tokens (bearerAuth('jwt')); " +
        'opaque access tokens cannot be checked unless the provider has an introspection endpoint it does not advertise ' +
        '(then set introspection.endpoint)',
    };
  }
  const methods = metadata.introspectionEndpointAuthMethodsSupported ?? document?.introspection_endpoint_auth_methods_supported;
  if (Array.isArray(methods)) {
    const pick = INTROSPECTION_AUTH_METHODS.find((method) => methods.includes(method));
    const listed = `${endpoint}, introspection_endpoint_auth_methods_supported: ${list(methods)}`;
    if (!pick) {
      return {
        status: 'warn',
        message:
          `${listed}: none of the methods bearerAuth's introspection can use (${INTROSPECTION_AUTH_METHODS.join(', ')}): ` +
          "opaque access tokens cannot be introspected; JWT access tokens (bearerAuth('jwt')) are not affected",
      };
    }
    return { status: 'pass', message: `${listed}: ${introspectionUse(pick)}` };
  }
  const tokenMethods = metadata.tokenEndpointAuthMethodsSupported ?? document?.token_endpoint_auth_methods_supported;
  const hinted = Array.isArray(tokenMethods) ? INTROSPECTION_AUTH_METHODS.find((method) => tokenMethods.includes(method)) : undefined;
  const tokenList = Array.isArray(tokenMethods) ? `token_endpoint_auth_methods_supported: ${list(tokenMethods)} (the token endpoint's, only a hint)` : '';
  const basis = hinted
    ? `authMethod '${hinted}' picked from ${tokenList}`
    : `${tokenList ? `${tokenList} names none of bearerAuth's methods; ` : ''}authMethod 'client_secret_basic' is bearerAuth's default with a clientSecret`;
  return {
    status: 'pass',
    message:
      `${endpoint}; no introspection_endpoint_auth_methods_supported (RFC 8414: learn the methods elsewhere, e.g. from the ` +
      `provider's documentation); ${basis}; ${introspectionUse(hinted ?? 'client_secret_basic')}`,
  };
}

const OFFLINE_ACCESS = 'offline_access';

/**
 * The scopes the provider says it can grant, as the profile's challenges (`scope=` of a 401/403)
 * could ask for them: never `offline_access`. Only ⚠ at worst: RFC 8414 lets a server leave
 * supported scopes out of `scopes_supported`, and a resource without `requiredScopes` needs none.
 */
function scopesCheck(document) {
  const advertised = document?.scopes_supported;
  if (!Array.isArray(advertised)) {
    return {
      status: 'warn',
      message:
        'no scopes_supported: the scopes the provider can grant cannot be seen from metadata; ' +
        "the profile's challenges (scope= in 401/403) ask for your requiredScopes: make sure the provider grants them",
    };
  }
  const challengeable = advertised.filter((scope) => scope !== OFFLINE_ACCESS);
  const offline = challengeable.length < advertised.length;
  if (challengeable.length === 0) {
    return {
      status: 'warn',
      message:
        `scopes_supported: ${list(advertised)}: no scope a challenge can ask for (${OFFLINE_ACCESS} is never challenged); ` +
        'fine for a resource without requiredScopes, otherwise make sure the provider grants the scopes you require',
    };
  }
  return {
    status: 'pass',
    message:
      `scopes_supported: ${list(advertised)}: challenges (scope= in 401/403) can ask for ${list(challengeable)}` +
      (offline ? `; ${OFFLINE_ACCESS} is never challenged (clients request it themselves)` : '') +
      '; requiredScopes should be among them',
  };
}

/** Advice only (`info`): whether a provider lets clients ask for more scopes is not in its metadata. */
const STEP_UP = {
  status: 'info',
  message:
    "not visible in metadata: a 403 insufficient_scope (scope=…) makes clients re-authorize asking for more scopes; " +
    "a provider that keeps each client to the scopes it registered (oidc-provider does, for a client registered with 'scope') " +
    'refuses that with invalid_scope: let clients request scopes beyond their registration',
};

async function check(issuer, type, profile) {
  const { fetchServerConfig, validateServerConfig } = await import('../index.js');
  const { binding } = await import('../lib/native.js');
  const checks = [];
  const add = (id, status, message) => checks.push({ id, status, message });

  let metadataUrl;
  try {
    metadataUrl = binding.wellKnownUrl(issuer, type);
  } catch (error) {
    add('metadata', 'fail', `no metadata URL for ${issuer}: ${errorText(error)}`);
    return { issuer, type, profile, ok: false, checks };
  }
  let document;
  let config;
  try {
    config = await fetchServerConfig(issuer, { type, transpileData: (data) => ((document = data), data) });
  } catch (error) {
    add('metadata', 'fail', `${metadataUrl}: ${errorText(error)}`);
    return { issuer, type, profile, ok: false, checks };
  }
  const kind = type === 'oidc' ? 'OpenID Connect discovery' : 'RFC 8414';
  add('metadata', 'pass', `valid ${kind} metadata at ${metadataUrl}`);

  const { metadata } = config;
  const strict = profile === MCP_PROFILE;
  if (metadata.issuer === issuer) add('issuer', 'pass', `metadata issuer equals ${issuer}${strict ? ' (required by the mcp-2026-07-28 profile)' : ''}`);
  else {
    const consequence = strict ? '; the mcp-2026-07-28 profile refuses this metadata, so no token can be verified' : '';
    add('issuer', 'fail', `metadata issuer is ${JSON.stringify(metadata.issuer)}, expected ${JSON.stringify(issuer)} (RFC 8414 §3.3: must be identical)${consequence}`);
  }

  const result = validateServerConfig(config, true);
  const findings = new Map();
  for (const [status, entries] of [['pass', result.successes], ['warn', result.warnings], ['fail', result.errors]]) {
    for (const entry of entries ?? []) findings.set(entry.code, { status, description: entry.description });
  }
  for (const spec of VALIDATION_CHECKS) {
    const code = [...(spec.fail ?? []), ...(spec.warn ?? []), ...spec.pass].find((c) => findings.has(c));
    const finding = findings.get(code) ?? { status: 'fail', description: 'not reported by validateServerConfig' };
    const text = finding.status === 'pass' ? spec.label : finding.description.replace(/\.$/, '');
    add(spec.id, finding.status, `${text} — ${spec.detail(metadata)}`);
  }

  const jwks = await jwksCheck(binding, metadata.jwksUri);
  add('jwks', jwks.status, jwks.message);
  const introspection = introspectionCheck(metadata, document);
  add('introspection_endpoint', introspection.status, introspection.message);
  const resource = resourceIndicatorsCheck(document, profile);
  add('resource_indicators', resource.status, resource.message);
  if (strict) {
    const scopes = scopesCheck(document);
    add('scopes', scopes.status, scopes.message);
    add('step_up', STEP_UP.status, STEP_UP.message);
  }

  return { issuer, type, profile, ok: checks.every((c) => c.status !== 'fail'), checks };
}

function render({ issuer, type, profile, ok, checks }) {
  const width = Math.max(...checks.map((c) => c.id.length));
  const strict = profile === MCP_PROFILE;
  const lines = [`mcp-auth-rs check ${issuer} (${type}${strict ? `, profile ${profile}` : ''})`];
  for (const c of checks) lines.push(`${SYMBOL[c.status]} ${c.id.padEnd(width)}  ${c.message}`);
  const count = (status) => checks.filter((c) => c.status === status).length;
  const infos = count('info');
  const tally = `${count('pass')} ✔, ${count('warn')} ⚠, ${count('fail')} ✖${infos > 0 ? `, ${infos} ℹ` : ''}`;
  const target = strict ? `mcp-auth-rs under the ${profile} profile` : 'mcp-auth-rs';
  lines.push(ok ? `Result: usable with ${target} (${tally})` : `Result: NOT usable with ${target} (${tally})`);
  return lines.join('\n');
}

function usageError(message) {
  process.stderr.write(`mcp-auth-rs: ${message}\n\n${USAGE}\n`);
  process.exit(2);
}

async function main(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        type: { type: 'string', default: 'oauth' },
        profile: { type: 'string', default: 'compat' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    return usageError(error.message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const [command, issuer, ...extra] = positionals;
  if (command !== 'check') return usageError(command ? `unknown command '${command}'` : 'missing command');
  if (!issuer) return usageError('missing <issuer>');
  if (extra.length > 0) return usageError(`unexpected argument '${extra[0]}'`);
  if (values.type !== 'oauth' && values.type !== 'oidc') return usageError(`--type must be oauth or oidc, not '${values.type}'`);
  if (!PROFILES.includes(values.profile)) return usageError(`--profile must be ${PROFILES.join(' or ')}, not '${values.profile}'`);
  if (!URL.canParse(issuer)) return usageError(`<issuer> is not a URL: ${issuer}`);

  const report = await check(issuer, values.type, values.profile);
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : `${render(report)}\n`);
  return report.ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`mcp-auth-rs: ${error?.message ?? error}\n`);
    process.exitCode = 1;
  },
);
