// The bearer flow every front door shares. The core's request pipeline makes every decision
// (header, verification, policy, status, `WWW-Authenticate`, body); this file hands it the
// request, runs the user's JS functions it asks for (verify, issuer), and returns an outcome: the
// AuthInfo, or an `Answer` to write. What must be rethrown is thrown.
// A door only converts its framework's request and writes its framework's response.
import { binding } from './native.js';
import { Tag, answerOf, authInfoFrom, authInfoOfPayload, decodeDecision, jsonArg } from './codec.js';
import { answeredKind, callAsync, callSync, decodeError } from './errors.js';
import { TRUSTED_ISSUERS, settingsJson } from './options.js';

/** The `Authorization` value as the reference reads it: falsy = no header; a truthy non-string
 * fails as the reference's `split` call on it does (a TypeError, rethrown). */
const authorizationOf = (value) => {
  if (!value) return undefined;
  if (typeof value !== 'string') throw new TypeError('authHeader.split is not a function or its return value is not iterable');
  return value;
};

/** The token of a header the pipeline accepted: after the scheme and the spaces after it (one in
 * compat; one or more under the mcp-2026-07-28 profile). */
const tokenOf = (header) => {
  let start = header.indexOf(' ') + 1;
  while (header.charCodeAt(start) === 32) start++;
  return header.slice(start);
};

/** An answer decision as its `Answer`; a rethrow decision is thrown. */
const outcomeOf = ({ tag, payload }) => {
  if (tag === Tag.answer) return answerOf(payload);
  throw decodeError(payload);
};

/**
 * The outcome for an error thrown during a request (by a verify or issuer function, or by what a
 * door runs after authentication, like Express's `next()`), as the reference's catch block
 * decides it: MCP-Auth errors are answered, anything else is rethrown (or the TypeError of an
 * invalid `resource`, which every error path raises).
 */
const answerThrown = (guard, showErrorDetails, error) => {
  const kind = answeredKind(error);
  const toJson = kind === 'BearerAuth' || kind === 'TokenVerification' ? jsonArg(error.toJson(showErrorDetails)) : 'null';
  const decided = decodeDecision(
    callSync(() => binding.guardAnswerThrown(guard, kind ?? '', String(error?.code ?? ''), String(error?.message ?? ''), toJson)),
  );
  if (decided.tag === Tag.rethrow && !decided.payload) throw error;
  return outcomeOf(decided);
};

/**
 * A bearer middleware, door-independent: `decide(authorization, operation)` (the request's
 * `Authorization` value; the operation input of lib/operation.js when `readsOperation`) returns
 * the AuthInfo or an `Answer`, synchronously when the core needs nothing fetched (one call into
 * the addon, no Promise), else a Promise of it; `answerThrown(error)` is the `Answer` for an error
 * thrown after authentication.
 */
export class BearerFlow {
  #guard;
  #verifyAccessToken;
  #issuer;
  #showErrorDetails;
  #operationScopesFunction;
  #noCredentials;

  /** `verifyAccessToken`: the caller's verify function, `undefined` for the core's JWT verifier. */
  constructor(guard, { verifyAccessToken, issuer, showErrorDetails, operationScopes, dpop }) {
    this.#guard = guard;
    this.#verifyAccessToken = verifyAccessToken;
    this.#issuer = issuer;
    this.#showErrorDetails = showErrorDetails;
    this.readsOperation = operationScopes !== undefined && operationScopes !== null;
    this.readsSender = dpop !== undefined && dpop !== null;
    if (typeof operationScopes === 'function') this.#operationScopesFunction = operationScopes;
  }

  /** `sender`: lib/sender.js's input, when `readsSender`. */
  decide(authorizationValue, operation, sender) {
    if (this.#operationScopesFunction && operation !== undefined) {
      return this.#withFunctionScopes(operation).then((scoped) => this.#decide(authorizationValue, scoped, sender));
    }
    return this.#decide(authorizationValue, operation, sender);
  }

  /** The operation with the scopes the `operationScopes` function gives for each of its requests
   * (called only when the request carries an operation; what it throws is rethrown). */
  async #withFunctionScopes(operation) {
    const operations = JSON.parse(callSync(() => binding.resolveOperations(operation)) ?? 'null');
    if (!operations?.length) return operation;
    const extraScopes = [];
    for (const { method, name } of operations) {
      const scopes = await this.#operationScopesFunction(name === null ? { method } : { method, name });
      if (scopes === undefined) continue;
      if (!Array.isArray(scopes) || scopes.some((scope) => typeof scope !== 'string')) {
        throw new TypeError('`operationScopes` must return a list of scopes, or undefined.');
      }
      extraScopes.push(...scopes);
    }
    return JSON.stringify({ ...JSON.parse(operation), extraScopes });
  }

  #decide(authorizationValue, operation, sender) {
    if (this.#verifyAccessToken) return this.#decideCallerVerified(authorizationValue, operation);
    const authorization = authorizationOf(authorizationValue);
    // Without credentials (and an operation) the answer depends on the middleware alone: asked
    // once, then reused (doors only read it). What is thrown instead is thrown every time.
    if (authorization === undefined && operation === undefined) return (this.#noCredentials ??= this.#decideJwt(undefined, undefined, sender));
    return this.#decideJwt(authorization, operation, sender);
  }

  #decideJwt(authorization, operation, sender) {
    const encoded = callSync(() => binding.guardDecide(this.#guard, authorization, operation, sender));
    if (encoded === null) {
      return binding
        .guardDecideAsync(this.#guard, authorization, operation, sender)
        .then((later) => this.#jwtOutcome(later, authorization));
    }
    return this.#jwtOutcome(encoded, authorization);
  }

  answerThrown(error) {
    return answerThrown(this.#guard, this.#showErrorDetails, error);
  }

  #jwtOutcome(encoded, authorization) {
    const decided = decodeDecision(encoded);
    if (decided.warning !== undefined) console.warn(decided.warning);
    if (decided.tag !== Tag.authenticated) return outcomeOf(decided);
    return authInfoOfPayload(decided.payload, tokenOf(authorization));
  }

  async #decideCallerVerified(authorizationValue, operation) {
    const guard = this.#guard;
    try {
      const authorization = authorizationOf(authorizationValue);
      const decided = decodeDecision(callSync(() => binding.guardDecide(guard, authorization, operation)));
      if (decided.tag !== Tag.verifyToken) return outcomeOf(decided);
      const authInfo = await this.#verifyAccessToken(tokenOf(authorization));
      // Read as the reference reads it: a null result fails with its TypeError wording.
      const tokenIssuer = authInfo.issuer;
      if (typeof this.#issuer === 'function') this.#issuer(tokenIssuer);
      const policyInput = jsonArg({ issuer: tokenIssuer, audience: authInfo.audience, scopes: authInfo.scopes });
      const concluded = decodeDecision(callSync(() => binding.guardConclude(guard, policyInput, operation)));
      if (concluded.tag !== Tag.authenticated) return outcomeOf(concluded);
      return authInfo;
    } catch (error) {
      return this.answerThrown(error);
    }
  }
}

/**
 * A flow whose tokens `verifyAccessToken` checks. `createGuard(settingsJson)` makes its guard:
 * standalone (`handleBearerAuth`) or for an `MCPAuth` verifier (`issuer` may then be
 * `TRUSTED_ISSUERS`, the verifier's issuers).
 */
export const callerVerifiedFlow = (
  { verifyAccessToken, issuer, requiredScopes, impliedScopes, operationScopes, audience, resource, showErrorDetails },
  createGuard,
) => {
  if (typeof verifyAccessToken !== 'function') {
    throw new TypeError('`verifyAccessToken` must be a function that takes a token and returns an `AuthInfo` object.');
  }
  if (typeof issuer !== 'function' && typeof issuer !== 'string' && issuer !== TRUSTED_ISSUERS) {
    throw new TypeError('`issuer` must be either a string or a function that validates the token issuer.');
  }
  if (typeof issuer === 'string' && !URL.canParse(issuer)) {
    throw new TypeError('`issuer` must be a valid URL.');
  }
  const guard = callSync(() =>
    createGuard(settingsJson({ issuer, audience, requiredScopes, impliedScopes, operationScopes, resource, showErrorDetails })),
  );
  return new BearerFlow(guard, { verifyAccessToken, issuer, showErrorDetails, operationScopes });
};

/** The `'jwt'` verifier of a guard as a plain JS verify function (used when a runtime override of
 * `issuer`/`verifyAccessToken` sends a `'jwt'` middleware through the caller-verified path). */
export const jwtVerifyFunction = (guard) => async (token) =>
  authInfoFrom(await callAsync(() => binding.guardVerifyToken(guard, token)), token);
