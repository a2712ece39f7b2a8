// The boundary formats, JS half (the Rust half is src/codec.rs, which documents them; the
// constants come from the addon's static tables, so both halves share one spelling):
// JSON arguments with error objects marked, encoded errors, encoded request decisions, and the
// JWKS request/answer of a JS `customFetch`.
import { tables } from './native.js';

const { errorPrefix, errorObjectKey, errorMessageKey, outcome } = tables.boundary;
export { errorObjectKey, errorMessageKey };

const isPlainObject = (value) => {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

// JSON as the reference's libraries see values: errors keep their own keys (marked), other class
// instances become their own enumerable properties, BigInts become an (invalid) object.
function replacer(key, value) {
  const raw = this[key];
  if (typeof raw === 'bigint') return {};
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw) || raw instanceof Date) return value;
  if (raw instanceof Error) return { [errorObjectKey]: { ...raw } };
  return isPlainObject(raw) ? value : { ...raw };
}

/** JSON text for the addon (`'null'` for `undefined`). */
export const jsonArg = (value) => JSON.stringify(value, replacer) ?? 'null';

/** The structured error (`{ kind, code, message?, cause? }`) of an encoded one, or `undefined`. */
export const errorData = (encoded) =>
  typeof encoded === 'string' && encoded.startsWith(errorPrefix) ? JSON.parse(encoded.slice(errorPrefix.length)) : undefined;

/** The tags of an encoded decision. */
export const Tag = Object.freeze({
  authenticated: outcome.authenticated,
  verifyToken: outcome.verifyToken,
  answer: outcome.answer,
  rethrow: outcome.rethrow,
});

/**
 * An encoded decision split into `{ warning, tag, payload }`: `payload` is the AuthInfo JSON
 * (authenticated; empty when the caller's own AuthInfo passed), the answer (see `answerOf`) or
 * the encoded error (rethrow; empty: rethrow the caller's own error).
 */
export const decodeDecision = (encoded) => {
  let warning;
  let rest = encoded;
  if (rest[0] === outcome.warning) {
    const end = rest.indexOf(outcome.separator);
    warning = rest.slice(1, end);
    rest = rest.slice(end + 1);
  }
  return { warning, tag: rest[0], payload: rest.slice(1) };
};

/** An error answer to write: status, JSON body text, `WWW-Authenticate` value (empty when none),
 * `Retry-After` seconds (undefined when none). */
export class Answer {
  constructor(status, body, challenge, retryAfter) {
    this.status = status;
    this.body = body;
    this.challenge = challenge;
    this.retryAfter = retryAfter;
  }
}

/** The `Answer` of an answer payload. */
export const answerOf = (payload) => {
  const retryEnd = payload.indexOf(outcome.retryAfterEnd, 3);
  const end = payload.indexOf(outcome.separator, retryEnd);
  const retryAfter = retryEnd > 3 ? Number(payload.slice(3, retryEnd)) : undefined;
  return new Answer(Number(payload.slice(0, 3)), payload.slice(retryEnd + 1, end), payload.slice(end + 1), retryAfter);
};

/** The request the addon asks a `customFetch` to make: `{ url, headers, timeoutMs }`. */
export const decodeJwksRequest = (text) => JSON.parse(text);

/** The answers to it. */
export const encodeJwksAnswer = {
  response: (status, body) => JSON.stringify({ status, body }),
  timeout: () => JSON.stringify({ timeout: true }),
  failure: (message) => JSON.stringify({ error: message }),
};

/** AuthInfo from the addon's JSON (`{ clientId, scopes, claims, issuer? }`: `issuer` when the
 * claims name none, as an introspection answer may), keys in the reference's order (`audience`
 * and `expiresAt` present even when the claims lack them). */
export const authInfoFrom = (json, token) => authInfoOf(JSON.parse(json), token);

/** A deep copy of a parsed JSON value, as `JSON.parse` of its text would make it (own keys in
 * order, `__proto__` included as a plain key). */
const copyOfJson = (value) => {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(copyOfJson);
  const copy = { ...value };
  for (const key of Object.keys(copy)) {
    const member = copy[key];
    if (typeof member === 'object' && member !== null) copy[key] = copyOfJson(member);
  }
  return copy;
};

// The parsed AuthInfo JSON of a repeated token, kept by the number the core gives each text it
// makes (one number, one text, in the whole process): the first time a number comes back it is
// parsed once more and kept, and from then on each request gets a copy (a cached token's call:
// 2.4 against 3.7 µs; README, Performance). A number seen once is only remembered (`null`), so a
// token never repeated keeps nothing. At most 1,000 numbers (the verified-token cache's default
// size), oldest out first.
const KEPT_AUTH_INFOS = 1000;
const keptAuthInfos = new Map();

/** AuthInfo of an authenticated decision's payload (`<number><AuthInfo JSON>`), with `token`. */
export const authInfoOfPayload = (payload, token) => {
  const start = payload.indexOf('{');
  const number = payload.slice(0, start);
  const kept = keptAuthInfos.get(number);
  if (kept) return authInfoOf(copyOfJson(kept), token);
  const parsed = JSON.parse(payload.slice(start));
  if (kept === null) {
    keptAuthInfos.set(number, parsed);
    return authInfoOf(copyOfJson(parsed), token);
  }
  if (keptAuthInfos.size >= KEPT_AUTH_INFOS) keptAuthInfos.delete(keptAuthInfos.keys().next().value);
  keptAuthInfos.set(number, null);
  return authInfoOf(parsed, token);
};

const authInfoOf = ({ clientId, scopes, claims, issuer = claims.iss }, token) => {
  return {
    issuer,
    clientId,
    scopes,
    token,
    audience: claims.aud,
    claims,
    expiresAt: claims.exp,
    subject: claims.sub,
  };
};
