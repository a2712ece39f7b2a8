// Hardening: hostile tokens through a real Express 5 app. Each is rejected (401 `invalid_token`,
// or `invalid_issuer` for an untrusted issuer: docs/behavior.md, bearer answers), nothing crashes,
// no token-named URL is contacted, and each outcome is compared with `mcp-auth@0.2.0` (same app,
// same authorization server).
//
// Differences from the reference found here (asserted as such; README, "Differences from mcp-auth"):
//  - JSON nested deeper than 126 levels inside a member mcp-auth-rs reads (`iss`, `sub`, `aud`,
//    `exp`, `nbf`, `iat`, `client_id`, `azp`, `scope`, `scopes`; `alg`, `kid`, `typ`, `crit`,
//    `b64` in the header): the token is malformed (its JSON parser's depth limit). Any other
//    member is only syntax-checked, at any depth, and JS parses it — as in the reference.
//  - Numbers out of the f64 range (`exp: 1e400`): mcp-auth-rs rejects the token as malformed; the
//    reference parses `Infinity` (so `exp: 1e400` never expires, `nbf: 1e400` never becomes valid).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import * as rs from 'mcp-auth-rs';
import * as ref from 'mcp-auth';
import { startAuthServer } from '../helpers/auth-server.mjs';
import { BEARER_AUTH_ERROR_DESCRIPTION, TOKEN_VERIFICATION_ERROR_DESCRIPTION } from '../helpers/fixtures.mjs';
import { startHttpServer } from '../helpers/http-server.mjs';
import { startApp } from '../helpers/hardening.mjs';
import { nowSeconds, signJws } from '../helpers/tokens.mjs';
import { b64url } from '../helpers/util.mjs';

const R = 'https://api.example.com/mcp';
const T = { timeout: 10000 };
const MALFORMED = 'The JWT is malformed or invalid.';
const NOT_VALID = BEARER_AUTH_ERROR_DESCRIPTION.invalid_token; // not decodable (checked before the issuer)
const INVALID = TOKEN_VERIFICATION_ERROR_DESCRIPTION.invalid_token; // the verifier refused it

const crashes = [];
process.on('uncaughtException', (e) => crashes.push(e));
process.on('unhandledRejection', (e) => crashes.push(e));

// ---------------------------------------------------------------------------------------------
// Keys, servers, apps

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaJwk = { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'rsa-1', alg: 'RS256', use: 'sig' };
const ecJwk = { ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec-1', alg: 'ES256', use: 'sig' };
const weakJwk = { ...weak.publicKey.export({ format: 'jwk' }), kid: 'weak-1024', alg: 'RS256', use: 'sig' };
const strangerJwk = { ...stranger.publicKey.export({ format: 'jwk' }), kid: 'rsa-1', alg: 'RS256' };

let as; // the trusted authorization server (metadata + JWKS)
let evil; // a server named by the tokens' jku/x5u: must never be contacted
const apps = {};

before(async () => {
  as = await startAuthServer({ jwks: () => ({ keys: [rsaJwk, ecJwk, weakJwk] }) });
  evil = await startHttpServer({ '*': { body: { keys: [strangerJwk] } } });
  for (const [name, lib] of [['rs', rs], ['ref', ref]]) {
    const auth = new lib.MCPAuth({ protectedResources: { metadata: { resource: R, authorizationServers: [as.resolved()] } } });
    // 2 MB header limit so a 1 MB token reaches the middleware.
    apps[name] = await startApp(auth.bearerAuth('jwt', { resource: R, showErrorDetails: true }), { maxHeaderSize: 2 * 1024 * 1024 });
  }
});

after(async () => {
  for (const app of Object.values(apps)) await app.close().catch(() => {});
  await as?.close().catch(() => {});
  await evil?.close().catch(() => {});
});

// ---------------------------------------------------------------------------------------------
// Token building over exact bytes

const claims = (extra = {}) => ({ iss: as.issuer, sub: 'user-1', exp: nowSeconds() + 600, ...extra });
const RS = { alg: 'RS256', kid: 'rsa-1' };
const nested = (depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

// ---------------------------------------------------------------------------------------------
// Sending one token to both apps

/** `{ status, error, description, cause, sub }` of one app's answer (`cause`: jose code or text). */
const send = async (side, token) => {
  const answer = await apps[side].request(`Bearer ${token}`);
  const body = answer.body ?? {};
  const cause = body.cause === undefined ? undefined : (body.cause.code ?? body.cause.cause ?? (body.cause.expected ? 'issuer mismatch' : JSON.stringify(body.cause)));
  return {
    status: answer.status,
    error: body.error,
    description: body.error_description,
    challenge: answer.wwwAuthenticate?.match(/^Bearer error="([^"]*)"/)?.[1],
    cause,
    sub: answer.status === 200 ? body.sub : undefined,
  };
};
const both = async (token) => ({ rs: await send('rs', token), ref: await send('ref', token) });

/** Rejected by mcp-auth-rs as `expected` (error, and cause code/text when given). */
const assertRejected = (result, { error = 'invalid_token', cause, description } = {}) => {
  assert.equal(result.status, 401, JSON.stringify(result));
  assert.equal(result.error, error, JSON.stringify(result));
  assert.equal(result.challenge, error);
  if (cause !== undefined) assert.equal(result.cause, cause, JSON.stringify(result));
  if (description !== undefined) assert.equal(result.description, description);
};

/** A rejection, identical in mcp-auth-rs and the reference. */
const rejectedLikeReference = async (token, expected) => {
  const { rs: got, ref: reference } = await both(token);
  assertRejected(got, expected);
  assert.deepEqual(got, reference, 'same outcome as mcp-auth@0.2.0');
};

// ---------------------------------------------------------------------------------------------

test('baseline: a valid RS256 token passes in both', T, async () => {
  const { rs: got, ref: reference } = await both(signJws(rsa.privateKey, 'RS256', RS, claims()));
  assert.equal(got.status, 200);
  assert.deepEqual(got, reference);
});

test('alg "none" (unsigned), with and without a kid → ERR_JOSE_NOT_SUPPORTED', T, async () => {
  await rejectedLikeReference(`${b64url({ alg: 'none' })}.${b64url(claims())}.`, { cause: 'ERR_JOSE_NOT_SUPPORTED', description: INVALID });
  await rejectedLikeReference(`${b64url({ alg: 'none', kid: 'rsa-1' })}.${b64url(claims())}.`, { cause: 'ERR_JOSE_NOT_SUPPORTED' });
  await rejectedLikeReference(`${b64url({ alg: 'None', kid: 'rsa-1' })}.${b64url(claims())}.`, { cause: 'ERR_JOSE_NOT_SUPPORTED' });
});

test('HS256 signed with the RSA public key as HMAC secret (PEM, JWK n bytes, n text) → ERR_JOSE_NOT_SUPPORTED', T, async () => {
  const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' });
  const der = rsa.publicKey.export({ type: 'spki', format: 'der' });
  for (const secret of [pem, der, Buffer.from(rsaJwk.n, 'base64url'), rsaJwk.n]) {
    await rejectedLikeReference(signJws(secret, 'HS256', { alg: 'HS256', kid: 'rsa-1' }, claims()), { cause: 'ERR_JOSE_NOT_SUPPORTED' });
  }
});

test('algorithm/key-type confusion: RS256 header over an EC signature, ES256 header over an RSA signature', T, async () => {
  // RS256 naming the EC key: no RSA key with that kid.
  await rejectedLikeReference(signJws(ec.privateKey, 'ES256', { alg: 'RS256', kid: 'ec-1' }, claims()), { cause: 'ERR_JWKS_NO_MATCHING_KEY' });
  // RS256 naming the RSA key, EC signature bytes: verification fails.
  await rejectedLikeReference(signJws(ec.privateKey, 'ES256', RS, claims()), { cause: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
  // ES256 naming the EC key, RSA signature bytes.
  await rejectedLikeReference(signJws(rsa.privateKey, 'RS256', { alg: 'ES256', kid: 'ec-1' }, claims()), { cause: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
  // ES256 naming the RSA key.
  await rejectedLikeReference(signJws(rsa.privateKey, 'RS256', { alg: 'ES256', kid: 'rsa-1' }, claims()), { cause: 'ERR_JWKS_NO_MATCHING_KEY' });
});

test('hostile kid values (path traversal, SQL, 10 KB) → ERR_JWKS_NO_MATCHING_KEY', T, async () => {
  for (const kid of ['../../etc/passwd', "' OR 1=1 --", 'k'.repeat(10 * 1024), '\u0000', 'rsa-1\u0000']) {
    await rejectedLikeReference(signJws(rsa.privateKey, 'RS256', { alg: 'RS256', kid }, claims()), { cause: 'ERR_JWKS_NO_MATCHING_KEY' });
  }
  // A non-string kid.
  await rejectedLikeReference(signJws(rsa.privateKey, 'RS256', { alg: 'RS256', kid: { $ne: null } }, claims()), { cause: 'ERR_JWKS_NO_MATCHING_KEY' });
});

test('unknown crit header (validly signed) → ERR_JOSE_NOT_SUPPORTED', T, async () => {
  await rejectedLikeReference(signJws(rsa.privateKey, 'RS256', { ...RS, crit: ['x-unknown'], 'x-unknown': true }, claims()), { cause: 'ERR_JOSE_NOT_SUPPORTED' });
  // b64:false is recognized and always rejected.
  const b64false = await both(signJws(rsa.privateKey, 'RS256', { ...RS, crit: ['b64'], b64: false }, claims()));
  assertRejected(b64false.rs);
  assert.deepEqual(b64false.rs, b64false.ref);
});

test('jku / x5u / jwk headers naming another server or embedding a key: rejected, that server gets zero requests', T, async () => {
  const signStranger = (header) => signJws(stranger.privateKey, 'RS256', header, claims());
  const before = evil.requests.length;
  await rejectedLikeReference(signStranger({ ...RS, jku: `${evil.origin}/jwks` }), { cause: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
  await rejectedLikeReference(signStranger({ ...RS, x5u: `${evil.origin}/cert.pem` }), { cause: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
  await rejectedLikeReference(signStranger({ ...RS, jwk: strangerJwk }), { cause: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
  await rejectedLikeReference(signStranger({ alg: 'RS256', jwk: strangerJwk, jku: `${evil.origin}/jwks` }), { cause: 'ERR_JWKS_MULTIPLE_MATCHING_KEYS' });
  await rejectedLikeReference(signStranger({ alg: 'RS256', kid: 'stranger', jku: `${evil.origin}/jwks` }), { cause: 'ERR_JWKS_NO_MATCHING_KEY' });
  // Even from an untrusted issuer naming the other server as its issuer.
  const untrusted = signJws(stranger.privateKey, 'RS256', { ...RS, jku: `${evil.origin}/jwks` }, claims({ iss: evil.origin }));
  await rejectedLikeReference(untrusted, { error: 'invalid_issuer' });
  assert.equal(evil.requests.length - before, 0, `requests to the jku/x5u server: ${JSON.stringify(evil.requests)}`);
});

test('a 1 MB token (bad signature) reaches the middleware and is rejected; a 1 MB validly signed one passes as in the reference', T, async () => {
  const big = `${b64url(RS)}.${b64url(claims({ pad: 'x'.repeat(768 * 1024) }))}.${b64url('not a signature')}`;
  assert.ok(big.length >= 1024 * 1024, `${big.length} bytes`);
  await rejectedLikeReference(big, { cause: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
  // Validly signed by the trusted issuer: not an attack; accepted by both (never cached: > 8 KiB).
  const signed = signJws(rsa.privateKey, 'RS256', RS, claims({ pad: 'y'.repeat(768 * 1024) }));
  const { rs: got, ref: reference } = await both(signed);
  assert.equal(got.status, 200);
  assert.deepEqual(got, reference);
  assert.equal((await send('rs', signed)).status, 200, 'and again');
});

test('10,000 nested JSON levels in the payload (bad signature) → 401 invalid_token, as the reference', T, async () => {
  const token = `${b64url(RS)}.${b64url(`{"iss":"${as.issuer}","sub":"u","x":${nested(10000)}}`)}.${b64url('sig')}`;
  const { rs: got, ref: reference } = await both(token);
  assertRejected(got);
  assert.deepEqual(got, reference);
  assert.equal(got.cause, 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
});

test('deep nesting validly signed, in a member the checks do not read: accepted at any depth, as the reference', T, async () => {
  const token = (depth) => signJws(rsa.privateKey, 'RS256', RS, `{"iss":"${as.issuer}","sub":"u","x":${nested(depth)}}`);
  for (const depth of [126, 127, 10000]) {
    const deep = await both(token(depth));
    assert.equal(deep.rs.status, 200, `depth ${depth}`);
    assert.deepEqual(deep.rs, deep.ref);
  }
  const header = signJws(rsa.privateKey, 'RS256', `{"alg":"RS256","kid":"rsa-1","x":${nested(10000)}}`, claims());
  const inHeader = await both(header);
  assert.equal(inHeader.rs.status, 200);
  assert.deepEqual(inHeader.rs, inHeader.ref);
});

test('deep nesting in a member the checks read (aud): rs stops at its parser depth limit (noted difference)', T, async () => {
  const token = signJws(rsa.privateKey, 'RS256', RS, `{"iss":"${as.issuer}","sub":"u","aud":${nested(200)}}`);
  const { rs: got, ref: reference } = await both(token);
  assertRejected(got, { cause: MALFORMED, description: NOT_VALID });
  assert.equal(reference.status, 200, 'the reference accepts it (this app checks no audience)');
});

test('duplicate JSON keys: the last one wins, as with JS JSON.parse (and the reference)', T, async () => {
  const payloadEvilLast = `{"iss":"${as.issuer}","iss":"https://evil.example","sub":"u"}`;
  assert.equal(JSON.parse(payloadEvilLast).iss, 'https://evil.example');
  // Trusted first, evil last → the evil one is the issuer: invalid_issuer.
  const evilLast = await both(signJws(rsa.privateKey, 'RS256', RS, payloadEvilLast));
  assertRejected(evilLast.rs, { error: 'invalid_issuer' });
  assert.deepEqual(evilLast.rs, evilLast.ref);

  // Evil first, trusted last → trusted (and validly signed): accepted by both.
  const trustedLast = await both(signJws(rsa.privateKey, 'RS256', RS, `{"iss":"https://evil.example","iss":"${as.issuer}","sub":"u"}`));
  assert.equal(trustedLast.rs.status, 200);
  assert.deepEqual(trustedLast.rs, trustedLast.ref);

  // sub: last wins.
  const sub = await both(signJws(rsa.privateKey, 'RS256', RS, `{"iss":"${as.issuer}","sub":"first","sub":"second"}`));
  assert.equal(sub.rs.sub, 'second');
  assert.deepEqual(sub.rs, sub.ref);

  // Header: {"alg":"RS256",…,"alg":"none"} → none → rejected; {"alg":"none",…,"alg":"RS256"} → RS256 → valid.
  const algNoneLast = await both(signJws(rsa.privateKey, 'RS256', '{"alg":"RS256","kid":"rsa-1","alg":"none"}', claims()));
  assertRejected(algNoneLast.rs, { cause: 'ERR_JOSE_NOT_SUPPORTED' });
  assert.deepEqual(algNoneLast.rs, algNoneLast.ref);
  const algRsLast = await both(signJws(rsa.privateKey, 'RS256', '{"alg":"none","kid":"rsa-1","alg":"RS256"}', claims()));
  assert.equal(algRsLast.rs.status, 200);
  assert.deepEqual(algRsLast.rs, algRsLast.ref);
});

test('non-UTF-8 bytes in the protected header (validly signed) → ERR_JWS_INVALID', T, async () => {
  const header = Buffer.concat([Buffer.from('{"alg":"RS256","kid":"rsa-1","x":"'), Buffer.from([0xff, 0xc0, 0x80]), Buffer.from('"}')]);
  await rejectedLikeReference(signJws(rsa.privateKey, 'RS256', header, claims()), { cause: 'ERR_JWS_INVALID' });
});

const badUtf8Payload = (before, after) => Buffer.concat([Buffer.from(before), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(after)]);

test('non-UTF-8 bytes in the payload, bad signature → 401 invalid_token', T, async () => {
  const token = `${b64url(RS)}.${b64url(badUtf8Payload(`{"iss":"${as.issuer}","sub":"u`, '"}'))}.${b64url('sig')}`;
  const { rs: got } = await both(token);
  assertRejected(got);
});

// jose 6.2 (what mcp-auth@0.2.0 installs) decodes the payload with a fatal UTF-8 decoder: such a
// token is "not decodable" before any issuer check or JWKS fetch.
test('non-UTF-8 bytes in a claim (validly signed) → not decodable: "not valid or has expired", malformed', T, async () => {
  const token = signJws(rsa.privateKey, 'RS256', RS, badUtf8Payload(`{"iss":"${as.issuer}","sub":"u","x":"`, '"}'));
  const { rs: got, ref: reference } = await both(token);
  assert.deepEqual(reference, { status: 401, error: 'invalid_token', description: NOT_VALID, challenge: 'invalid_token', cause: MALFORMED, sub: undefined });
  assertRejected(got);
  assert.deepEqual(got, reference);
});

test('non-UTF-8 bytes inside iss (validly signed) → 401 invalid_token (malformed), not invalid_issuer', T, async () => {
  const token = signJws(rsa.privateKey, 'RS256', RS, badUtf8Payload(`{"iss":"${as.issuer}`, '","sub":"u"}'));
  const { rs: got, ref: reference } = await both(token);
  assert.equal(reference.error, 'invalid_token');
  assertRejected(got, { error: 'invalid_token', cause: MALFORMED, description: NOT_VALID });
});

test('a JWKS serving an RSA-1024 key: a token signed with it is rejected (JWT_VERIFICATION_FAILED)', T, async () => {
  await rejectedLikeReference(signJws(weak.privateKey, 'RS256', { alg: 'RS256', kid: 'weak-1024' }, claims()), { cause: 'JWT_VERIFICATION_FAILED' });
});

test('exp / nbf / iat as strings, null, ±1e300: outcomes identical to the reference (jose semantics)', T, async () => {
  const cases = [
    // [claim, value, expected rs outcome: a cause code for 401, or 200]
    ['exp', '9999999999', 'ERR_JWT_CLAIM_VALIDATION_FAILED'],
    ['exp', null, 'ERR_JWT_CLAIM_VALIDATION_FAILED'],
    ['exp', -1e300, 'ERR_JWT_EXPIRED'],
    ['exp', 1e300, 200], // a number far in the future: not expired (jose)
    ['nbf', '0', 'ERR_JWT_CLAIM_VALIDATION_FAILED'],
    ['nbf', null, 'ERR_JWT_CLAIM_VALIDATION_FAILED'],
    ['nbf', 1e300, 'ERR_JWT_CLAIM_VALIDATION_FAILED'],
    ['nbf', -1e300, 200],
    ['iat', '0', 'ERR_JWT_CLAIM_VALIDATION_FAILED'],
    ['iat', null, 'ERR_JWT_CLAIM_VALIDATION_FAILED'],
    ['iat', 1e300, 200], // no maxTokenAge: only "is a number" is checked
    ['iat', -1e300, 200],
  ];
  for (const [claim, value, expected] of cases) {
    const token = signJws(rsa.privateKey, 'RS256', RS, { iss: as.issuer, sub: 'u', [claim]: value });
    const { rs: got, ref: reference } = await both(token);
    const label = `${claim}: ${JSON.stringify(value)}`;
    if (expected === 200) assert.equal(got.status, 200, label);
    else assertRejected(got, { cause: expected });
    assert.deepEqual(got, reference, `${label}: same as the reference`);
  }
});

test('exp / nbf / iat = 1e400 (beyond f64): rs rejects as malformed; the reference reads Infinity (noted difference)', T, async () => {
  const expected = { exp: 200, nbf: 'ERR_JWT_CLAIM_VALIDATION_FAILED', iat: 200 };
  for (const claim of ['exp', 'nbf', 'iat']) {
    const token = signJws(rsa.privateKey, 'RS256', RS, `{"iss":"${as.issuer}","sub":"u","${claim}":1e400}`);
    const { rs: got, ref: reference } = await both(token);
    assertRejected(got, { cause: MALFORMED, description: NOT_VALID });
    if (expected[claim] === 200) assert.equal(reference.status, 200, `reference ${claim}`);
    else assert.equal(reference.cause, expected[claim], `reference ${claim}`);
  }
});

test('after every attack: no crash, the app still serves a valid token', T, async () => {
  assert.equal((await send('rs', signJws(rsa.privateKey, 'RS256', RS, claims({ jti: 'final' })))).status, 200);
  assert.deepEqual(crashes.map(String), []);
});
