// The option objects of the public API as the JSON text the addon reads (src/options.rs turns it
// into the core's types), and jose's `customFetch` wrapped for the addon.
import { decodeJwksRequest, encodeJwksAnswer, jsonArg } from './codec.js';

/** `operationScopes` as the addon takes it: a map of scope lists (the function form's scopes come
 * with each request's operation, see lib/bearer.js). */
const operationScopesOf = (value) => (typeof value === 'function' ? {} : value);

/** Marks an `MCPAuth` middleware whose issuer rule is its verifier's trusted issuers. */
export const TRUSTED_ISSUERS = Symbol('trusted issuers');

/**
 * A bearer middleware's settings. `issuer`: a string is matched exactly, a function is called by
 * the JS layer (sent as `null`), `TRUSTED_ISSUERS` (sent as absent) means the verifier's issuers.
 */
export const settingsJson = ({ issuer, audience, requiredScopes, impliedScopes, operationScopes, scopeClaims, dpop, resource, showErrorDetails, verifiedTokenCache }) =>
  jsonArg({
    issuer: typeof issuer === 'string' ? issuer : issuer === TRUSTED_ISSUERS ? undefined : null,
    audience,
    requiredScopes,
    impliedScopes,
    operationScopes: operationScopesOf(operationScopes),
    scopeClaims,
    dpop,
    resource: resource ? String(resource) : undefined,
    showErrorDetails,
    verifiedTokenCache,
  });

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
    const { url, headers, timeoutMs } = decodeJwksRequest(request);
    try {
      const response = await customFetch(url, { method: 'GET', signal: AbortSignal.timeout(timeoutMs), redirect: 'manual', headers: new Headers(headers) });
      return encodeJwksAnswer.response(response.status, response.status === 200 ? await response.text() : '');
    } catch (error) {
      return error?.name === 'TimeoutError' ? encodeJwksAnswer.timeout() : encodeJwksAnswer.failure(String(error?.message ?? error));
    }
  };
};
