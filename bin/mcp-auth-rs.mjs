#!/usr/bin/env node
// mcp-auth-rs check <issuer> [--type oauth|oidc] [--json]
//
// Tells whether an authorization server can guard an MCP server with mcp-auth-rs: fetches its
// metadata the way `fetchServerConfig` does, runs `validateServerConfig`, and looks at what the
// library needs beyond that (issuer equality, a usable JWKS). Exit code: 0 when nothing failed,
// 1 when a check failed, 2 for a usage error.
import { parseArgs } from 'node:util';

const USAGE = `Usage: mcp-auth-rs check <issuer> [--type oauth|oidc] [--json]

Checks an OAuth 2.0 / OpenID Connect authorization server for use with mcp-auth-rs.
  --type oauth   RFC 8414 metadata at <origin>/.well-known/oauth-authorization-server<path> (default)
  --type oidc    OpenID Connect discovery at <issuer>/.well-known/openid-configuration
  --json         print one JSON object { issuer, type, ok, checks: [{ id, status, message }] }
Exit code: 0 when no check failed, 1 when one did, 2 for a usage error.`;

const SYMBOL = { pass: '✔', warn: '⚠', fail: '✖' };

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

function resourceIndicatorsCheck(document) {
  const flag = Object.keys(document ?? {}).find((key) => RESOURCE_FLAG.test(key) && document[key] === true);
  if (flag) return { status: 'pass', message: `${flag}: true (RFC 8707 resource indicators)` };
  return {
    status: 'warn',
    message:
      'not advertised: RFC 8707 has no standard metadata flag, so support cannot be seen from metadata; ' +
      "make sure tokens requested with resource=<your MCP server URL> carry it in 'aud'",
  };
}

async function check(issuer, type) {
  const { fetchServerConfig, validateServerConfig } = await import('../index.js');
  const { binding } = await import('../lib/native.js');
  const checks = [];
  const add = (id, status, message) => checks.push({ id, status, message });

  let metadataUrl;
  try {
    metadataUrl = binding.wellKnownUrl(issuer, type);
  } catch (error) {
    add('metadata', 'fail', `no metadata URL for ${issuer}: ${errorText(error)}`);
    return { issuer, type, ok: false, checks };
  }
  let document;
  let config;
  try {
    config = await fetchServerConfig(issuer, { type, transpileData: (data) => ((document = data), data) });
  } catch (error) {
    add('metadata', 'fail', `${metadataUrl}: ${errorText(error)}`);
    return { issuer, type, ok: false, checks };
  }
  const kind = type === 'oidc' ? 'OpenID Connect discovery' : 'RFC 8414';
  add('metadata', 'pass', `valid ${kind} metadata at ${metadataUrl}`);

  const { metadata } = config;
  if (metadata.issuer === issuer) add('issuer', 'pass', `metadata issuer equals ${issuer}`);
  else add('issuer', 'fail', `metadata issuer is ${JSON.stringify(metadata.issuer)}, expected ${JSON.stringify(issuer)} (RFC 8414 §3.3: must be identical)`);

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
  const resource = resourceIndicatorsCheck(document);
  add('resource_indicators', resource.status, resource.message);

  return { issuer, type, ok: checks.every((c) => c.status !== 'fail'), checks };
}

function render({ issuer, type, ok, checks }) {
  const width = Math.max(...checks.map((c) => c.id.length));
  const lines = [`mcp-auth-rs check ${issuer} (${type})`];
  for (const c of checks) lines.push(`${SYMBOL[c.status]} ${c.id.padEnd(width)}  ${c.message}`);
  const count = (status) => checks.filter((c) => c.status === status).length;
  const tally = `${count('pass')} ✔, ${count('warn')} ⚠, ${count('fail')} ✖`;
  lines.push(ok ? `Result: usable with mcp-auth-rs (${tally})` : `Result: NOT usable with mcp-auth-rs (${tally})`);
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
      options: { type: { type: 'string', default: 'oauth' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
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
  if (!URL.canParse(issuer)) return usageError(`<issuer> is not a URL: ${issuer}`);

  const report = await check(issuer, values.type);
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
