// Express glue of the bearer middleware. The decisions (header parsing, JWT verification,
// issuer/audience/scope checks, status, `WWW-Authenticate`, body) are made in Rust; this file
// moves requests in and answers out, and runs the user's JS verify functions.
import { KeyObject } from 'node:crypto';
import { binding, jsonArg } from './native.js';
import { MCPAuthTokenVerificationError, answeredKind, callAsync, callSync, decodeError } from './errors.js';

const OVERWRITE_WARNING =
  'Request already contains auth info and will be overwritten. Please double-check if this is intended.';

/** AuthInfo from the addon's JSON (`{ clientId, scopes, claims }`), keys in the reference's order
 * (`audience` and `expiresAt` present even when the claims lack them). */
export const authInfoFrom = (json, token) => {
  const { clientId, scopes, claims } = JSON.parse(json);
  return {
    issuer: claims.iss,
    clientId,
    scopes,
    token,
    audience: claims.aud,
    claims,
    expiresAt: claims.exp,
    subject: claims.sub,
  };
};

const authenticate = (request, authInfo, next) => {
  if (request.auth) console.warn(OVERWRITE_WARNING);
  request.auth = authInfo;
  next();
};

/** `req.headers.authorization` read as the reference reads it: falsy = no header; a truthy
 * non-string fails as the reference's `split` call on it does (a TypeError, rethrown). */
const authorizationHeader = (request) => {
  const header = request.headers.authorization;
  if (!header) return undefined;
  if (typeof header !== 'string') throw new TypeError('authHeader.split is not a function or its return value is not iterable');
  return header;
};

// The body goes through `res.json` as the reference's does: the app's JSON settings and any
// wrapper of `res.json` (response envelopes, logging) apply to it.
const writeAnswer = (status, body, challenge, response) => {
  if (challenge) response.set('WWW-Authenticate', challenge);
  response.status(status).json(JSON.parse(body));
};

/** Writes an encoded answer (`R<status><body>\0<challenge>`, see the addon's `encode_outcome`). */
const writeEncodedAnswer = (encoded, response) => {
  const end = encoded.indexOf('\0', 4);
  writeAnswer(Number(encoded.slice(1, 4)), encoded.slice(4, end), encoded.slice(end + 1), response);
};

/**
 * Answers an error thrown during a request as the reference's catch block does: an MCP-Auth error
 * gets the answer `respond(kind, code, message, toJson)` encodes (computed in Rust, which also
 * raises the TypeError of an invalid `resource` first); anything else is rethrown for Express.
 */
const answerThrown = (error, respond, showErrorDetails, response) => {
  const kind = answeredKind(error);
  const toJson = kind === 'BearerAuth' || kind === 'TokenVerification' ? jsonArg(error.toJson(showErrorDetails)) : 'null';
  const answer = callSync(() => respond(kind ?? '', String(error?.code ?? ''), String(error?.message ?? ''), toJson));
  if (!kind) throw error;
  writeEncodedAnswer(answer, response);
};

/** Applies an encoded addon decision: `req.auth` + `next()`, an error answer, or a rejection.
 * A success means the header was `<scheme> <token>`. */
const applyOutcome = (encoded, header, request, response, next) => {
  let decision = encoded;
  if (decision[0] === 'W') {
    const end = decision.indexOf('\0');
    console.warn(decision.slice(1, end));
    decision = decision.slice(end + 1);
  }
  switch (decision[0]) {
    case 'A':
      authenticate(request, authInfoFrom(decision.slice(1), header.slice(header.indexOf(' ') + 1)), next);
      return;
    case 'R':
      writeEncodedAnswer(decision, response);
      return;
    default:
      throw decodeError(decision.slice(1));
  }
};

export const policyJson = ({ issuer, audience, requiredScopes, resource, showErrorDetails, verifiedTokenCache }) =>
  jsonArg({
    issuer: typeof issuer === 'string' ? issuer : undefined,
    audience,
    requiredScopes,
    resource: resource ? String(resource) : undefined,
    showErrorDetails,
    verifiedTokenCache,
  });

/** `bearerAuth('jwt')`: one synchronous call into Rust per request; a Promise only to fetch. */
export const jwtBearerMiddleware = (handle, { showErrorDetails }) => {
  const respond = (...answer) => binding.jwtBearerRespond(handle, ...answer);
  return async function bearerAuthHandler(request, response, next) {
    const header = authorizationHeader(request);
    const outcome = binding.jwtBearerAuthenticate(handle, header) ?? (await binding.jwtBearerAuthenticateAsync(handle, header));
    // `next()` runs inside the reference's try block: what it throws is answered the same way.
    const nextInTry = () => {
      try {
        next();
      } catch (error) {
        answerThrown(error, respond, showErrorDetails, response);
      }
    };
    applyOutcome(outcome, header, request, response, nextInTry);
  };
};

export const handleBearerAuth = ({ verifyAccessToken, issuer, requiredScopes, audience, resource, showErrorDetails }) => {
  if (typeof verifyAccessToken !== 'function') {
    throw new TypeError('`verifyAccessToken` must be a function that takes a token and returns an `AuthInfo` object.');
  }
  if (typeof issuer !== 'function' && typeof issuer !== 'string') {
    throw new TypeError('`issuer` must be either a string or a function that validates the token issuer.');
  }
  if (typeof issuer === 'string' && !URL.canParse(issuer)) {
    throw new TypeError('`issuer` must be a valid URL.');
  }
  const policy = new binding.BearerPolicy(policyJson({ issuer, audience, requiredScopes, resource, showErrorDetails }));

  return async function bearerAuthHandler(request, response, next) {
    try {
      const token = callSync(() => policy.token(authorizationHeader(request)));
      const authInfo = await verifyAccessToken(token);
      // Read as the reference reads it: a null result fails with its TypeError wording.
      const tokenIssuer = authInfo.issuer;
      if (typeof issuer === 'function') issuer(tokenIssuer);
      callSync(() => policy.check(jsonArg({ issuer: tokenIssuer, audience: authInfo.audience, scopes: authInfo.scopes })));
      authenticate(request, authInfo, next);
    } catch (error) {
      answerThrown(error, (...answer) => policy.respond(...answer), showErrorDetails, response);
    }
  };
};

// ---------------------------------------------------------------------------------------------
// createVerifyJwt: the key comes from JS (`getKey`), verification happens in Rust.

const joseCode = (error) =>
  typeof error?.code === 'string' && /^ERR_(JOSE|JWS|JWT|JWKS|JWK|JWE)/.test(error.code) ? error.code : 'JWT_VERIFICATION_FAILED';

const toJwk = async (key) => {
  if (key instanceof Uint8Array) return { kty: 'oct', k: Buffer.from(key).toString('base64url') };
  if (key instanceof KeyObject) {
    return key.type === 'secret' ? { kty: 'oct', k: key.export().toString('base64url') } : key.export({ format: 'jwk' });
  }
  if (typeof CryptoKey !== 'undefined' && key instanceof CryptoKey) return crypto.subtle.exportKey('jwk', key);
  return key;
};

// Values JSON cannot carry are sent so that the addon refuses every token where jose throws a
// TypeError (fail closed): a non-finite duration as `{}` (not a duration), a `currentDate` jose
// cannot read as `'invalid'`, and `requiredClaims` as the list jose spreads it into.
const finiteOrInvalid = (value) => (typeof value === 'number' && !Number.isFinite(value) ? {} : value);
const epochMsOrInvalid = (date) => {
  if (date === undefined) return undefined;
  try {
    const ms = date.getTime();
    return Number.isFinite(ms) ? ms : 'invalid';
  } catch {
    return 'invalid';
  }
};
const spreadOrInvalid = (list) => (list === undefined ? undefined : typeof list?.[Symbol.iterator] === 'function' ? [...list] : {});

/** jose's `jwtVerify` options as JSON (`currentDate` as epoch milliseconds). */
export const jwtVerifyJson = (options = {}) =>
  jsonArg({
    ...options,
    clockTolerance: finiteOrInvalid(options?.clockTolerance),
    maxTokenAge: finiteOrInvalid(options?.maxTokenAge),
    currentDate: epochMsOrInvalid(options?.currentDate),
    requiredClaims: spreadOrInvalid(options?.requiredClaims),
  });

/** jose's `RemoteJWKSetOptions` as JSON (`Infinity` spelled out, headers as a plain object). */
export const remoteJwkSetJson = (options = {}) =>
  jsonArg({
    ...options,
    cacheMaxAge: options?.cacheMaxAge === Infinity ? 'Infinity' : options?.cacheMaxAge,
    headers: options?.headers ? Object.fromEntries(new Headers(options.headers)) : undefined,
  });

/**
 * jose's `remoteJwkSet[customFetch]` as the addon's JWKS request function: called as jose calls
 * it (URL, `{ method, signal, redirect: 'manual', headers }`), its answer handed back as
 * `{ status, body }` (`{ timeout: true }` for jose's JWKSTimeout, `{ error }` otherwise). jose's
 * symbols cannot be imported here: the function-valued symbol key is the custom fetch (the other
 * one, `[jwksCache]`, holds an object; it only pre-fills a cache and is not used).
 */
export const jwksFetchOf = (options) => {
  const customFetch = options && Object.getOwnPropertySymbols(options).map((key) => options[key]).find((value) => typeof value === 'function');
  if (!customFetch) return undefined;
  return async (request) => {
    const { url, headers, timeoutMs } = JSON.parse(request);
    try {
      const response = await customFetch(url, { method: 'GET', signal: AbortSignal.timeout(timeoutMs), redirect: 'manual', headers: new Headers(headers) });
      return JSON.stringify({ status: response.status, body: response.status === 200 ? await response.text() : '' });
    } catch (error) {
      return JSON.stringify(error?.name === 'TimeoutError' ? { timeout: true } : { error: String(error?.message ?? error) });
    }
  };
};

export const createVerifyJwt = (getKey, options) => {
  const verifier = new binding.JwtKeyVerifier(jwtVerifyJson(options));
  return async function verifyJwt(token) {
    const protectedHeader = JSON.parse(callSync(() => verifier.protectedHeader(String(token))));
    const [protectedSegment, payload, signature] = String(token).split('.');
    let key;
    let jwk;
    try {
      key = typeof getKey === 'function' ? await getKey(protectedHeader, { payload, protected: protectedSegment, signature }) : getKey;
      jwk = await toJwk(key);
    } catch (error) {
      throw new MCPAuthTokenVerificationError('invalid_token', { code: joseCode(error), cause: error });
    }
    const keyForm = jwk === key ? 'jwk' : typeof CryptoKey !== 'undefined' && key instanceof CryptoKey ? 'cryptokey' : 'other';
    return authInfoFrom(callSync(() => verifier.verify(String(token), jsonArg(jwk), keyForm)), token);
  };
};

/** The `'jwt'` verify function as a plain JS function (used when a runtime override of
 * `issuer`/`verifyAccessToken` sends a `'jwt'` middleware through `handleBearerAuth`). */
export const jwtVerifyFunction = (handle) => async (token) =>
  authInfoFrom(await callAsync(() => binding.jwtBearerVerifyToken(handle, token)), token);
