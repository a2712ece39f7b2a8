// The Express door of the bearer middleware. Every decision (header, verification, policy,
// status, `WWW-Authenticate`, body) comes from the core's request pipeline; this file hands it
// the request, writes back what it decides, and runs the user's JS functions (verify, issuer).
import { binding } from './native.js';
import { Tag, answerOf, authInfoFrom, decodeDecision, jsonArg } from './codec.js';
import { answeredKind, callAsync, callSync, decodeError } from './errors.js';
import { TRUSTED_ISSUERS, settingsJson } from './options.js';

const OVERWRITE_WARNING =
  'Request already contains auth info and will be overwritten. Please double-check if this is intended.';

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

/** The token of a header the pipeline accepted (`<scheme> <token>`). */
const tokenOf = (header) => header.slice(header.indexOf(' ') + 1);

// The body goes through `res.json` as the reference's does: the app's JSON settings and any
// wrapper of `res.json` (response envelopes, logging) apply to it.
const writeAnswer = (payload, response) => {
  const { status, body, challenge } = answerOf(payload);
  if (challenge) response.set('WWW-Authenticate', challenge);
  response.status(status).json(JSON.parse(body));
};

/** Writes an answer, or throws the error of a rethrow decision. */
const answerOrThrow = ({ tag, payload }, response) => {
  if (tag === Tag.answer) writeAnswer(payload, response);
  else throw decodeError(payload);
};

/**
 * Answers an error thrown during a request as the reference's catch block does: an MCP-Auth error
 * gets the pipeline's answer for it; anything else is rethrown for Express (or the TypeError of an
 * invalid `resource`, which every error path raises).
 */
const answerThrown = (guard, error, showErrorDetails, response) => {
  const kind = answeredKind(error);
  const toJson = kind === 'BearerAuth' || kind === 'TokenVerification' ? jsonArg(error.toJson(showErrorDetails)) : 'null';
  const decided = decodeDecision(
    callSync(() => binding.guardAnswerThrown(guard, kind ?? '', String(error?.code ?? ''), String(error?.message ?? ''), toJson)),
  );
  if (decided.tag === Tag.rethrow && !decided.payload) throw error;
  answerOrThrow(decided, response);
};

const decideNow = (guard, request, header) => binding.guardDecide(guard, request.method, request.originalUrl, header);

/** `bearerAuth('jwt')`: one synchronous call into the core per request; a Promise only to fetch. */
export const jwtBearerMiddleware = (guard, { showErrorDetails }) =>
  async function bearerAuthHandler(request, response, next) {
    const header = authorizationHeader(request);
    const encoded =
      decideNow(guard, request, header) ?? (await binding.guardDecideAsync(guard, request.method, request.originalUrl, header));
    const decided = decodeDecision(encoded);
    if (decided.warning !== undefined) console.warn(decided.warning);
    if (decided.tag !== Tag.authenticated) return answerOrThrow(decided, response);
    // `next()` runs inside the reference's try block: what it throws is answered the same way.
    const nextInTry = () => {
      try {
        next();
      } catch (error) {
        answerThrown(guard, error, showErrorDetails, response);
      }
    };
    authenticate(request, authInfoFrom(decided.payload, tokenOf(header)), nextInTry);
  };

/**
 * A middleware whose tokens `verifyAccessToken` checks. `createGuard(settingsJson)` makes its
 * guard: standalone (`handleBearerAuth`) or for an `MCPAuth` verifier (`issuer` may then be
 * `TRUSTED_ISSUERS`, the verifier's issuers).
 */
export const callerBearerAuth = ({ verifyAccessToken, issuer, requiredScopes, audience, resource, showErrorDetails }, createGuard) => {
  if (typeof verifyAccessToken !== 'function') {
    throw new TypeError('`verifyAccessToken` must be a function that takes a token and returns an `AuthInfo` object.');
  }
  if (typeof issuer !== 'function' && typeof issuer !== 'string' && issuer !== TRUSTED_ISSUERS) {
    throw new TypeError('`issuer` must be either a string or a function that validates the token issuer.');
  }
  if (typeof issuer === 'string' && !URL.canParse(issuer)) {
    throw new TypeError('`issuer` must be a valid URL.');
  }
  const guard = callSync(() => createGuard(settingsJson({ issuer, audience, requiredScopes, resource, showErrorDetails })));

  return async function bearerAuthHandler(request, response, next) {
    try {
      const header = authorizationHeader(request);
      const decided = decodeDecision(decideNow(guard, request, header));
      if (decided.tag !== Tag.verifyToken) return answerOrThrow(decided, response);
      const authInfo = await verifyAccessToken(tokenOf(header));
      // Read as the reference reads it: a null result fails with its TypeError wording.
      const tokenIssuer = authInfo.issuer;
      if (typeof issuer === 'function') issuer(tokenIssuer);
      const policyInput = jsonArg({ issuer: tokenIssuer, audience: authInfo.audience, scopes: authInfo.scopes });
      const concluded = decodeDecision(callSync(() => binding.guardConclude(guard, policyInput)));
      if (concluded.tag !== Tag.authenticated) return answerOrThrow(concluded, response);
      authenticate(request, authInfo, next);
    } catch (error) {
      answerThrown(guard, error, showErrorDetails, response);
    }
  };
};

export const handleBearerAuth = (config) => callerBearerAuth(config, (settings) => binding.callerGuard(settings));

/** The `'jwt'` verifier of a guard as a plain JS verify function (used when a runtime override of
 * `issuer`/`verifyAccessToken` sends a `'jwt'` middleware through the caller-verified path). */
export const jwtVerifyFunction = (guard) => async (token) =>
  authInfoFrom(await callAsync(() => binding.guardVerifyToken(guard, token)), token);
