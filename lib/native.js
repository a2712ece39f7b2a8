'use strict';
// The one place that talks to the addon: loads it, decodes its structured errors into JS errors.

const binding = require('../binding.js');

const ERROR_PREFIX = 'MCPAUTH:';
const tables = JSON.parse(binding.staticTables());

// Set by errors.js (which needs `tables`), so this module stays free of import cycles.
let raiseStructured;
const setErrorFactory = (factory) => {
  raiseStructured = factory;
};

/** Turns an addon error into the JS error the reference would throw; passes others through. */
const decodeError = (error) => {
  const message = error?.message;
  if (typeof message === 'string' && message.startsWith(ERROR_PREFIX)) {
    return raiseStructured(JSON.parse(message.slice(ERROR_PREFIX.length)));
  }
  return error;
};

/** Calls a synchronous addon function, rethrowing its errors as JS errors. */
const callSync = (fn, ...args) => {
  try {
    return fn(...args);
  } catch (error) {
    throw decodeError(error);
  }
};

/** Awaits an asynchronous addon function, rejecting with JS errors. */
const callAsync = async (fn, ...args) => {
  try {
    return await fn(...args);
  } catch (error) {
    throw decodeError(error);
  }
};

module.exports = { binding, tables, callSync, callAsync, decodeError, setErrorFactory };
