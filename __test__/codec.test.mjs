// The boundary formats between the addon and the JS layer (src/codec.rs, lib/codec.js): what one
// half encodes, the other decodes to the same values. The Rust half is reached through the test
// addon's codec probes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testAddon } from './helpers/test-addon.mjs';
import { Tag, answerOf, authInfoFrom, authInfoOfPayload, decodeDecision, decodeJwksRequest, encodeJwksAnswer, errorData, jsonArg } from '../lib/codec.js';
import { decodeError } from '../lib/errors.js';
import { MCPAuthTokenVerificationError } from 'mcp-auth-rs';

const TAG_NAMES = Object.fromEntries(Object.entries(Tag).map(([name, tag]) => [tag, name]));

test('every decision the Rust half encodes decodes to what it stands for', () => {
  const cases = JSON.parse(testAddon.codecProbeDecisions());
  assert.equal(cases.length, 8);
  for (const { encoded, warning, expected } of cases) {
    if (expected === null) {
      assert.equal(encoded, null, 'fetch first is not a string');
      continue;
    }
    const decided = decodeDecision(encoded);
    assert.equal(decided.warning, warning ?? undefined);
    assert.equal(TAG_NAMES[decided.tag], expected.tag);
    if (expected.tag === 'authenticated') {
      assert.equal(decided.payload, `${expected.authInfoId ?? ''}${expected.authInfo ?? ''}`);
      if (expected.authInfo) assert.deepEqual(authInfoOfPayload(decided.payload, 't').claims, JSON.parse(expected.authInfo).claims);
    }
    if (expected.tag === 'verifyToken') assert.equal(decided.payload, '');
    if (expected.tag === 'answer') {
      const { status, body, challenge, retryAfter } = answerOf(decided.payload);
      assert.deepEqual(
        { status, body, challenge, retryAfter },
        { status: expected.status, body: expected.body, challenge: expected.challenge ?? '', retryAfter: expected.retryAfter ?? undefined },
      );
      if (status === 401) assert.deepEqual(JSON.parse(body), { a: '\u0000b' }, 'a NUL inside a body is escaped JSON');
    }
    if (expected.tag === 'rethrow') {
      if (expected.error === null) assert.equal(decided.payload, '', 'rethrow the caller’s own error');
      else assert.deepEqual(errorData(decided.payload), expected.error);
    }
  }
});

test('an encoded error with an error object inside becomes the reference’s error classes', () => {
  const cases = JSON.parse(testAddon.codecProbeDecisions());
  const { payload } = decodeDecision(cases.find((c) => c.expected?.error).encoded);
  const error = decodeError(payload);
  assert.ok(error instanceof MCPAuthTokenVerificationError);
  assert.equal(error.cause.code, 'ERR_JWT_EXPIRED');
  assert.ok(error.cause.cause instanceof Error, 'the marked object is revived as an Error');
  assert.equal(error.cause.cause.message, 'expired');
  assert.deepEqual({ ...error.cause.cause }, { code: 'ERR_JWT_EXPIRED', name: 'JWTExpired' });
  assert.equal(errorData('not encoded'), undefined);
});

test('JS error objects in a JSON argument keep their own keys in the Rust half', () => {
  const error = Object.assign(new TypeError('x'), { someCode: 1 });
  const body = JSON.parse(testAddon.codecProbeBody(jsonArg({ outerKey: { innerError: error }, when: new Date(0) })));
  assert.deepEqual(body, { outer_key: { inner_error: { someCode: 1 } }, when: '1970-01-01T00:00:00.000Z' });
  assert.equal(jsonArg(undefined), 'null');
});

test('a JWKS request of the Rust half decodes; every JWKS answer of the JS half decodes in Rust', () => {
  assert.deepEqual(decodeJwksRequest(testAddon.codecProbeJwksRequest('https://idp.example.com/jwks', 1500)), {
    url: 'https://idp.example.com/jwks',
    headers: { accept: 'application/json' },
    timeoutMs: 1500,
  });
  const rust = (answer) => JSON.parse(testAddon.codecProbeJwksAnswer(answer));
  assert.deepEqual(rust(encodeJwksAnswer.response(200, '{"keys":[]}')), { status: 200, body: '{"keys":[]}' });
  assert.deepEqual(rust(encodeJwksAnswer.response(404, '')), { status: 404, body: '' });
  assert.deepEqual(rust(encodeJwksAnswer.timeout()), { timeout: true });
  assert.deepEqual(rust(encodeJwksAnswer.failure('socket hang up')), { error: 'socket hang up' });
});

test('AuthInfo JSON becomes the reference’s AuthInfo, keys in its order', () => {
  const info = authInfoFrom('{"clientId":"c","scopes":["a"],"claims":{"iss":"i","sub":"s","exp":5}}', 'tok');
  assert.deepEqual(Object.keys(info), ['issuer', 'clientId', 'scopes', 'token', 'audience', 'claims', 'expiresAt', 'subject']);
  assert.deepEqual(info, { issuer: 'i', clientId: 'c', scopes: ['a'], token: 'tok', audience: undefined, claims: { iss: 'i', sub: 's', exp: 5 }, expiresAt: 5, subject: 's' });
});

test('a repeated AuthInfo number gives a fresh copy each time, equal to a new parse of its text', () => {
  const json = '{"clientId":"c","scopes":["a","b"],"claims":{"iss":"i","aud":["x","y"],"nested":{"deep":[{"k":1}]},"__proto__":{"p":1},"n":null}}';
  const payload = `987654321${json}`;
  const parsed = authInfoFrom(json, 'tok');
  const seen = [1, 2, 3, 4].map(() => authInfoOfPayload(payload, 'tok'));
  for (const info of seen) {
    assert.deepStrictEqual(info, parsed);
    assert.deepEqual(Object.keys(info.claims), Object.keys(parsed.claims));
    assert.ok(Object.hasOwn(info.claims, '__proto__'), '__proto__ stays an own key');
    assert.equal(Object.getPrototypeOf(info.claims), Object.prototype);
  }
  // Mutating what one request got changes no other request's AuthInfo.
  seen[2].scopes.push('z');
  seen[2].claims.aud[0] = 'changed';
  seen[2].claims.nested.deep[0].k = 2;
  const later = authInfoOfPayload(payload, 'other');
  assert.deepStrictEqual(later, { ...parsed, token: 'other' });
  for (const [a, b] of [[seen[0], seen[1]], [seen[1], later], [seen[0], later]]) {
    assert.notEqual(a.claims, b.claims);
    assert.notEqual(a.scopes, b.scopes);
    assert.notEqual(a.claims.nested.deep, b.claims.nested.deep);
  }
});
