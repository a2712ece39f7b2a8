// Regenerates the committed seed corpus under fuzz/seeds/<target>/ and the fixed JWKS the
// `jwt_verify` target verifies against (fuzz/fuzz_targets/fixed_jwks.json).
//
//   node fuzz/tools/gen-seeds.mjs
//
// The signing keys live in fuzz/tools/test-keys.json (created on first run, reused afterwards so
// the seeds keep verifying). It is not committed (no private keys in the repository): without it a
// run makes new keys and rewrites the fixed JWKS together with every seed, which stays consistent.
//
// Tokens are dated around FIXED_NOW (the clock the `jwt_verify` target uses when the input sets no
// `currentDate`), so valid seeds stay valid.
//
// Metadata and JWKS seeds also include the real documents served by oidc-provider
// (examples/local-idp.mjs), fetched from a local instance bound to 127.0.0.1.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as jose from 'jose';

const here = path.dirname(fileURLToPath(import.meta.url));
const fuzzDir = path.resolve(here, '..');
const seedsDir = path.join(fuzzDir, 'seeds');
const keysFile = path.join(here, 'test-keys.json');

/** Must match FIXED_NOW_MS in fuzz_targets/common.rs. */
const FIXED_NOW = 1_750_000_000; // seconds

const b64 = (text) => Buffer.from(text).toString('base64url');

async function loadKeys() {
  if (fs.existsSync(keysFile)) return JSON.parse(fs.readFileSync(keysFile, 'utf8'));
  const rsa = await jose.generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  const ec = await jose.generateKeyPair('ES256', { extractable: true });
  const keys = {
    note: 'Throwaway keys for the fuzz seed corpus only. Not secret, trusted by nothing.',
    rsa: { ...(await jose.exportJWK(rsa.privateKey)), kid: 'fuzz-rsa-1' },
    ec: { ...(await jose.exportJWK(ec.privateKey)), kid: 'fuzz-ec-1' },
  };
  fs.writeFileSync(keysFile, JSON.stringify(keys, null, 2) + '\n');
  return keys;
}

const publicOf = ({ d, p, q, dp, dq, qi, ...pub }) => ({ ...pub, use: 'sig' });

function writeSeeds(target, seeds) {
  const dir = path.join(seedsDir, target);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(seeds)) {
    fs.writeFileSync(path.join(dir, name), content);
  }
  console.log(`${target}: ${Object.keys(seeds).length} seeds`);
}

const keys = await loadKeys();
const rsaPriv = await jose.importJWK(keys.rsa, 'RS256');
const rsaPrivPs = await jose.importJWK(keys.rsa, 'PS256');
const rsaPriv384 = await jose.importJWK(keys.rsa, 'RS384');
const ecPriv = await jose.importJWK(keys.ec, 'ES256');
const fixedJwks = { keys: [publicOf(keys.rsa), publicOf(keys.ec)] };
fs.writeFileSync(path.join(fuzzDir, 'fuzz_targets', 'fixed_jwks.json'), JSON.stringify(fixedJwks, null, 2) + '\n');

const ISS = 'https://idp.example.com';
const baseClaims = {
  iss: ISS,
  sub: 'user-123',
  aud: 'https://api.example.com/mcp',
  scope: 'read write',
  client_id: 'client-abc',
  iat: FIXED_NOW - 60,
  nbf: FIXED_NOW - 60,
  exp: FIXED_NOW + 3600,
  jti: 'jti-1',
};

const sign = (claims, key, header) => new jose.SignJWT(claims).setProtectedHeader(header).sign(key);

const tokens = {
  rs256_kid: await sign(baseClaims, rsaPriv, { alg: 'RS256', kid: 'fuzz-rsa-1', typ: 'at+jwt' }),
  rs256_nokid: await sign({ ...baseClaims, scope: undefined, scopes: ['read', 'admin'] }, rsaPriv, { alg: 'RS256' }),
  ps256: await sign(baseClaims, rsaPrivPs, { alg: 'PS256', kid: 'fuzz-rsa-1' }),
  es256_kid: await sign({ ...baseClaims, aud: ['https://api.example.com/mcp', 'other'], azp: 'azp-client', client_id: undefined }, ecPriv, { alg: 'ES256', kid: 'fuzz-ec-1', typ: 'JWT' }),
  es256_nokid: await sign({ iss: ISS, sub: 's' }, ecPriv, { alg: 'ES256' }),
  expired: await sign({ ...baseClaims, iat: FIXED_NOW - 7200, exp: FIXED_NOW - 3600 }, rsaPriv, { alg: 'RS256', kid: 'fuzz-rsa-1' }),
  not_yet: await sign({ ...baseClaims, nbf: FIXED_NOW + 600 }, ecPriv, { alg: 'ES256', kid: 'fuzz-ec-1' }),
  no_sub: await sign({ iss: ISS, exp: FIXED_NOW + 60 }, rsaPriv, { alg: 'RS256' }),
  crit_b64: await sign(baseClaims, rsaPriv, { alg: 'RS256', crit: ['b64'], b64: true }),
  numeric_claims: await sign({ iss: ISS, sub: 'x', exp: 1e300, iat: -1.5, nbf: 0, scope: '  a\u{feff}  b ' }, ecPriv, { alg: 'ES256' }),
};
// Signed payloads that are not a JWT Claims Set (jose's CompactSign signs any bytes).
const compact = (bytes, key, header) => new jose.CompactSign(bytes).setProtectedHeader(header).sign(key);
Object.assign(tokens, {
  signed_payload_array: await compact(Buffer.from('[1]'), rsaPriv, { alg: 'RS256' }),
  signed_payload_not_json: await compact(Buffer.from('not json'), ecPriv, { alg: 'ES256' }),
  signed_payload_bad_utf8: await compact(Buffer.from([0x7b, 0x22, 0x69, 0x73, 0x73, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]), ecPriv, { alg: 'ES256', kid: 'fuzz-ec-1' }),
  signed_payload_dup_keys: await compact(Buffer.from('{"iss":"a","sub":"b","iss":"' + ISS + '","exp":"soon"}'), rsaPriv384, { alg: 'RS384' }),
});
const [h, p, s] = tokens.rs256_kid.split('.');
const tampered = {
  bad_sig: `${h}.${p}.${s.slice(0, -4)}AAAA`,
  swapped_payload: `${h}.${b64(JSON.stringify({ ...baseClaims, sub: 'admin' }))}.${s}`,
  alg_none: `${b64('{"alg":"none"}')}.${p}.`,
  hs256_confusion: `${b64('{"alg":"HS256","kid":"fuzz-rsa-1"}')}.${p}.${s}`,
  rs256_on_ec_kid: `${b64('{"alg":"RS256","kid":"fuzz-ec-1"}')}.${p}.${s}`,
  es512: `${b64('{"alg":"ES512"}')}.${p}.${s}`,
  eddsa: `${b64('{"alg":"EdDSA"}')}.${p}.${s}`,
  kid_number: `${b64('{"alg":"RS256","kid":7}')}.${p}.${s}`,
  crit_unknown: `${b64('{"alg":"RS256","crit":["exp"],"exp":1}')}.${p}.${s}`,
  header_array: `${b64('[1,2]')}.${p}.${s}`,
  payload_array: `${b64('{"alg":"ES256"}')}.${b64('[1]')}.${s}`,
  padded: `${h}==.${p}.${s}`,
  two_parts: `${h}.${p}`,
  four_parts: `${h}.${p}.${s}.x`,
  empty: '',
};

// jwt_verify input: `<token>` or `<token>\n<VerifyOptions JSON>`.
const options = {
  strict: { issuer: ISS, audience: 'https://api.example.com/mcp', algorithms: ['RS256', 'ES256'], requiredClaims: ['exp', 'iat'], maxTokenAge: '2h', clockTolerance: '30 seconds', typ: 'at+jwt', subject: 'user-123' },
  tolerant: { clockTolerance: 7200, currentDate: FIXED_NOW * 1000 + 999 },
  bad_algs: { algorithms: 'RS256' },
  bad_tolerance: { clockTolerance: '5 fortnights' },
  crit: { crit: { exp: true } },
  ago: { maxTokenAge: '1 hour ago', audience: ['x', 'https://api.example.com/mcp'] },
};
const jwtSeeds = {};
for (const [name, token] of Object.entries({ ...tokens, ...tampered })) jwtSeeds[name] = token;
jwtSeeds.strict_ok = `${tokens.rs256_kid}\n${JSON.stringify(options.strict)}`;
jwtSeeds.strict_es = `${tokens.es256_kid}\n${JSON.stringify(options.strict)}`;
jwtSeeds.tolerant_expired = `${tokens.expired}\n${JSON.stringify(options.tolerant)}`;
jwtSeeds.bad_algs = `${tokens.ps256}\n${JSON.stringify(options.bad_algs)}`;
jwtSeeds.bad_tolerance = `${tokens.es256_nokid}\n${JSON.stringify(options.bad_tolerance)}`;
jwtSeeds.crit_opt = `${tampered.crit_unknown}\n${JSON.stringify(options.crit)}`;
jwtSeeds.ago = `${tokens.rs256_nokid}\n${JSON.stringify(options.ago)}`;
// serde_json stops at 128 levels of nesting: the deepest accepted options and payload.
const deep = '{"a":'.repeat(127) + '1' + '}'.repeat(127);
jwtSeeds.deep_options = `${tokens.rs256_kid}\n${deep}`;
jwtSeeds.options_not_object = `${tokens.rs256_kid}\n[1,"2"]`;
writeSeeds('jwt_verify', jwtSeeds);

writeSeeds('authorization_header', {
  bearer: `Bearer ${tokens.rs256_kid}`,
  bearer_upper: `BEARER ${tokens.es256_kid}`,
  bearer_no_iss: `bearer ${b64('{"alg":"RS256"}')}.${b64('{"sub":"x"}')}.${s}`,
  bearer_iss_falsy: `Bearer ${b64('{"alg":"RS256"}')}.${b64('{"iss":0}')}.${s}`,
  bearer_invalid_utf8_payload: Buffer.concat([Buffer.from(`Bearer ${h}.`), Buffer.from(Buffer.from([0x7b, 0x22, 0x69, 0x73, 0x73, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]).toString('base64url')), Buffer.from(`.${s}`)]),
  bearer_garbage: 'Bearer not.a.jwt',
  bearer_deep_payload: `Bearer ${h}.${b64('{"iss":"x","a":' + '['.repeat(126) + ']'.repeat(126) + '}')}.${s}`,
  bearer_only: 'Bearer',
  bearer_trailing_space: 'Bearer ',
  double_space: `Bearer  ${tokens.rs256_kid}`,
  tab: `Bearer\t${tokens.rs256_kid}`,
  basic: 'Basic dXNlcjpwYXNz',
  three_parts: 'Bearer a b',
  empty: '',
  non_utf8: Buffer.from([0x42, 0x65, 0x61, 0x72, 0x65, 0x72, 0x20, 0xc3, 0x28]),
});

// Real documents from oidc-provider (the local IdP of the examples).
const { startLocalIdp } = await import('../../examples/local-idp.mjs');
const idp = await startLocalIdp({ resource: 'http://127.0.0.1:3001/mcp' });
let oauthDoc, oidcDoc, idpJwks;
try {
  oauthDoc = await (await fetch(idp.metadataUrls.oauth)).text();
  oidcDoc = await (await fetch(idp.metadataUrls.oidc)).text();
  const meta = JSON.parse(oidcDoc);
  idpJwks = await (await fetch(meta.jwks_uri)).text();
} finally {
  await idp.close();
}

const minimal = { issuer: ISS, authorization_endpoint: `${ISS}/authorize`, token_endpoint: `${ISS}/token`, response_types_supported: ['code'] };
const minimalCamel = { issuer: ISS, authorizationEndpoint: `${ISS}/authorize`, tokenEndpoint: `${ISS}/token`, responseTypesSupported: ['code id_token'], codeChallengeMethodsSupported: ['S256', 'plain'], grantTypesSupported: ['authorization_code'], registrationEndpoint: `${ISS}/reg` };
writeSeeds('server_metadata', {
  oidc_provider_oauth: oauthDoc,
  oidc_provider_oidc: oidcDoc,
  minimal: JSON.stringify(minimal),
  minimal_bom: '\u{feff}' + JSON.stringify(minimal),
  camel_valid: JSON.stringify(minimalCamel),
  tenant_issuer: JSON.stringify({ ...minimal, issuer: 'https://login.example.com/tenant/v2.0/?q=1#frag' }),
  wrong_types: JSON.stringify({ ...minimal, jwks_uri: null, scopes_supported: ['a', 1], token_endpoint: 5 }),
  no_grant: JSON.stringify({ ...minimalCamel, grantTypesSupported: [], codeChallengeMethodsSupported: [] }),
  array: '[{"issuer":"x"}]',
  string: '"https://idp.example.com"',
  issuer_dotdot: JSON.stringify({ ...minimal, issuer: 'http://127.0.0.1:8080/a/./b/../../..//c/' }),
  issuer_opaque: JSON.stringify({ ...minimal, issuer: 'urn:example:idp' }),
  invalid_json: '{"issuer": "https://idp.example.com",',
  nested: '['.repeat(200) + ']'.repeat(200),
});

writeSeeds('resource_metadata', {
  basic: JSON.stringify({ resource: 'https://api.example.com/mcp', authorizationServers: [ISS], scopesSupported: ['read', 'write'], bearerMethodsSupported: ['header'] }),
  snake: JSON.stringify({ resource: 'https://api.example.com/', authorization_servers: [ISS], resource_name: 'Notes' }),
  custom_nested: JSON.stringify({ resource: 'http://127.0.0.1:3000/mcp/', customThing: { nestedKey: 1, XMLHttpRequest: [{ innerKey: true }] }, 'a-b c': 1, __x__: 2, version2Beta: 3 }),
  raw_marker: JSON.stringify({ someCause: { '\u0000raw': { camelKey: { '\u0000raw': { innerKey: 1 } } } } }),
  query_fragment: JSON.stringify({ resource: 'https://api.example.com/x?q=1#h', tlsClientCertificateBoundAccessTokens: true }),
  opaque: JSON.stringify({ resource: 'urn:example:res' }),
  not_url: JSON.stringify({ resource: 'not-a-url' }),
  unicode_keys: JSON.stringify({ 'ÄÖÜKey': 1, 'ǅungle': 2, 'İstanbul': 3, resource: 'https://xn--bcher-kva.example/ü' }),
  array: '[{"camelKey":1},{"otherKey":[{"deepKey":null}]}]',
  nested: '{"a":'.repeat(127) + '1' + '}'.repeat(127),
});

const ecPub = publicOf(keys.ec);
const rsaPub = publicOf(keys.rsa);
writeSeeds('jwks', {
  fixed: JSON.stringify(fixedJwks),
  oidc_provider: idpJwks,
  with_alg_ops: JSON.stringify({ keys: [{ ...rsaPub, alg: 'RS256', key_ops: ['verify'] }, { ...ecPub, alg: 'ES256', ext: true }] }),
  duplicate_kids: JSON.stringify({ keys: [rsaPub, { ...rsaPub }] }),
  dup_key_ops: JSON.stringify({ keys: [{ ...rsaPub, key_ops: ['verify', 'verify'] }] }),
  private_key: JSON.stringify({ keys: [keys.ec] }),
  oct: JSON.stringify({ keys: [{ kty: 'oct', k: 'c2VjcmV0', kid: 'h' }] }),
  small_rsa: JSON.stringify({ keys: [{ kty: 'RSA', n: 'AIAA', e: 'AQAB', kid: 'small' }] }),
  ec_bad_point: JSON.stringify({ keys: [{ ...ecPub, x: ecPub.y }] }),
  ec_p384_p521: JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-384', x: 'AA', y: 'AA' }, { kty: 'EC', crv: 'P-521', x: 'AA', y: 'AA', kid: 'p521' }] }),
  okp: JSON.stringify({ keys: [{ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', kid: 'ed' }] }),
  use_enc: JSON.stringify({ keys: [{ ...ecPub, use: 'enc' }] }),
  keys_not_array: '{"keys":{}}',
  keys_member_not_object: '{"keys":[1]}',
  empty: '{"keys":[]}',
  not_json: 'keys',
});
