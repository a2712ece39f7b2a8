// The error classes of the public API. Messages come from the addon's tables (each text exists
// once); the classes are real JS classes users throw and test with `instanceof`.
import { tables } from './native.js';
import { errorData, errorMessageKey, errorObjectKey } from './codec.js';

const dropFalsy = (object) => Object.fromEntries(Object.entries(object).filter(([, value]) => value));

export class MCPAuthError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
    this.name = 'MCPAuthError';
  }

  toJson(showCause = false) {
    return dropFalsy({ error: this.code, errorDescription: this.message, cause: showCause && this.cause });
  }
}

export class MCPAuthConfigError extends MCPAuthError {
  // Rest parameters keep `MCPAuthConfigError.length` 0, as in the reference.
  constructor(...args) {
    super(...args);
    this.name = 'MCPAuthConfigError';
  }
}

export const authServerErrorDescription = Object.freeze({ ...tables.authServerErrors });
export const bearerAuthErrorDescription = Object.freeze({ ...tables.bearerAuthErrors });
export const tokenVerificationErrorDescription = Object.freeze({ ...tables.tokenVerificationErrors });

export class MCPAuthAuthServerError extends MCPAuthError {
  constructor(code, cause) {
    super(code, authServerErrorDescription[code] || tables.fallbacks.authServer);
    this.cause = cause;
    this.name = 'MCPAuthAuthServerError';
  }
}

export class MCPAuthBearerAuthError extends MCPAuthError {
  constructor(code, cause) {
    super(code, bearerAuthErrorDescription[code] || tables.fallbacks.bearerAuth);
    this.cause = cause;
    this.name = 'MCPAuthBearerAuthError';
  }

  toJson(showCause = false) {
    return dropFalsy({
      ...super.toJson(showCause),
      errorUri: this.cause?.uri?.href,
      missingScopes: this.cause?.missingScopes,
    });
  }
}

export class MCPAuthTokenVerificationError extends MCPAuthError {
  constructor(code, cause) {
    super(code, tokenVerificationErrorDescription[code] || tables.fallbacks.tokenVerification);
    this.cause = cause;
    this.name = 'MCPAuthTokenVerificationError';
  }
}

/** The addon's class name for a JS error that gets an HTTP answer (`undefined` otherwise). */
export const answeredKind = (error) => {
  if (error instanceof MCPAuthTokenVerificationError) return 'TokenVerification';
  if (error instanceof MCPAuthBearerAuthError) return 'BearerAuth';
  if (error instanceof MCPAuthAuthServerError) return 'AuthServer';
  if (error instanceof MCPAuthConfigError) return 'Config';
  return undefined;
};

// Marked error objects from the addon (jose failures) come back as errors with the same own keys
// and message: jose's own errors (they have a `code`) as `Error`s, anything else it raises as the
// `TypeError` it is.
const revive = (value) => {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(revive);
  if (errorObjectKey in value) {
    const own = value[errorObjectKey];
    const message = value[errorMessageKey] ?? own.name ?? '';
    return Object.assign(own.code ? new Error(message) : new TypeError(message), own);
  }
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, revive(inner)]));
};

// A failed MCP validation lists its errors as `{ code, description, cause }` (`cause` always an own key).
const withErrorCauses = (cause) =>
  Array.isArray(cause?.errors) ? { ...cause, errors: cause.errors.map((error) => ({ ...error, cause: error.cause })) } : cause;

/** Node's own `new URL(input, base)` failure (it carries `input`, `base`, `code`); a plain
 * TypeError if Node happens to accept what the addon's parser refused. */
export const invalidUrl = (input, base) => {
  try {
    new URL(input, base ?? undefined);
  } catch (error) {
    return error;
  }
  return Object.assign(new TypeError('Invalid URL'), { code: 'ERR_INVALID_URL', input });
};

const fromStructured = ({ kind, code, message, cause }) => {
  switch (kind) {
    case 'Config':
      return new MCPAuthConfigError(code, message);
    case 'AuthServer':
      return new MCPAuthAuthServerError(code, withErrorCauses(revive(cause)));
    case 'BearerAuth':
      return new MCPAuthBearerAuthError(code, revive(cause));
    case 'TokenVerification':
      return new MCPAuthTokenVerificationError(code, revive(cause));
    case 'Syntax':
      return new SyntaxError(message);
    case 'Network': {
      // Shaped like undici's failure (`cause.code` etc. for socket and DNS errors), so code
      // written against `fetch` errors keeps working.
      const { message: causeMessage, ...system } = cause ?? {};
      return new TypeError(message, { cause: Object.assign(new Error(causeMessage), system) });
    }
    default:
      if (code === 'ERR_INVALID_URL') return invalidUrl(cause?.input, cause?.base);
      return Object.assign(new TypeError(message), code ? { code } : {});
  }
};

/** An encoded addon error as the JS error the reference would throw. */
export const decodeError = (encoded) => fromStructured(errorData(encoded));

const decodeThrown = (error) => {
  const data = errorData(error?.message);
  return data ? fromStructured(data) : error;
};

/** Runs a synchronous addon call, rethrowing its errors as JS errors. */
export const callSync = (call) => {
  try {
    return call();
  } catch (error) {
    throw decodeThrown(error);
  }
};

/** Awaits an asynchronous addon call, rejecting with JS errors. */
export const callAsync = async (call) => {
  try {
    return await call();
  } catch (error) {
    throw decodeThrown(error);
  }
};
