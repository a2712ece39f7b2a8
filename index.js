'use strict';
// Public entry (CommonJS). index.mjs re-exports this same module, so ESM and CJS users share
// one copy of every class.

module.exports = {
  ...require('./lib/errors.js'),
  ...require('./lib/schemas.js'),
  ...require('./lib/discovery.js'),
};
