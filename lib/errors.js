'use strict';
// The error classes of the public API. Messages come from the addon's tables, so each text
// exists once; the classes themselves must be real JS classes users can throw and `instanceof`.

const { tables, setErrorFactory } = require('./native.js');

const dropFalsy = (object) => Object.fromEntries(Object.entries(object).filter(([, value]) => value));

class MCPAuthError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
    this.name = 'MCPAuthError';
  }

  toJson(showCause = false) {
    return dropFalsy({ error: this.code, errorDescription: this.message, cause: showCause && this.cause });
  }
}

class MCPAuthConfigError extends MCPAuthError {
  constructor(code, message) {
    super(code, message);
    this.name = 'MCPAuthConfigError';
  }
}

const authServerErrorDescription = Object.freeze({ ...tables.authServerErrors });
const bearerAuthErrorDescription = Object.freeze({ ...tables.bearerAuthErrors });
const tokenVerificationErrorDescription = Object.freeze({ ...tables.tokenVerificationErrors });

class MCPAuthAuthServerError extends MCPAuthError {
  constructor(code, cause) {
    super(code, authServerErrorDescription[code] || tables.fallbacks.authServer);
    this.cause = cause;
    this.name = 'MCPAuthAuthServerError';
  }
}

class MCPAuthBearerAuthError extends MCPAuthError {
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

class MCPAuthTokenVerificationError extends MCPAuthError {
  constructor(code, cause) {
    super(code, tokenVerificationErrorDescription[code] || tables.fallbacks.tokenVerification);
    this.cause = cause;
    this.name = 'MCPAuthTokenVerificationError';
  }
}

const withCode = (error, code) => {
  if (code) error.code = code;
  return error;
};

/** Builds the JS error for a structured addon error `{ kind, code, message?, cause? }`. */
const fromStructured = ({ kind, code, message, cause }) => {
  switch (kind) {
    case 'Config':
      return new MCPAuthConfigError(code, message);
    case 'AuthServer':
      return new MCPAuthAuthServerError(code, cause);
    case 'BearerAuth':
      return new MCPAuthBearerAuthError(code, cause);
    case 'TokenVerification':
      return new MCPAuthTokenVerificationError(code, cause);
    case 'Syntax':
      return new SyntaxError(message);
    case 'Network':
      // Shaped like undici's failure, so code written against `fetch` errors keeps working.
      return new TypeError(message, { cause: new Error(cause?.message) });
    default:
      return withCode(new TypeError(message), code);
  }
};

setErrorFactory(fromStructured);

module.exports = {
  MCPAuthError,
  MCPAuthConfigError,
  MCPAuthAuthServerError,
  MCPAuthBearerAuthError,
  MCPAuthTokenVerificationError,
  authServerErrorDescription,
  bearerAuthErrorDescription,
  tokenVerificationErrorDescription,
};
