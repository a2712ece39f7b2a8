// Error classes and description tables, and ESM/CJS identity of the exports.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import * as rs from 'mcp-auth-rs';
import {
  AUTH_SERVER_ERROR_DESCRIPTION,
  BEARER_AUTH_ERROR_DESCRIPTION,
  TOKEN_VERIFICATION_ERROR_DESCRIPTION,
  FALLBACK_MESSAGES,
} from './helpers/fixtures.mjs';

const require = createRequire(import.meta.url);
const T = { timeout: 5000 };

const {
  MCPAuthError,
  MCPAuthConfigError,
  MCPAuthAuthServerError,
  MCPAuthBearerAuthError,
  MCPAuthTokenVerificationError,
} = rs;

const TABLE_CLASSES = [
  ['MCPAuthAuthServerError', MCPAuthAuthServerError, AUTH_SERVER_ERROR_DESCRIPTION],
  ['MCPAuthBearerAuthError', MCPAuthBearerAuthError, BEARER_AUTH_ERROR_DESCRIPTION],
  ['MCPAuthTokenVerificationError', MCPAuthTokenVerificationError, TOKEN_VERIFICATION_ERROR_DESCRIPTION],
];

describe('class hierarchy', () => {
  test('every class is a real JS class extending MCPAuthError → Error', T, () => {
    assert.equal(Object.getPrototypeOf(MCPAuthError), Error);
    assert.equal(Object.getPrototypeOf(MCPAuthError.prototype), Error.prototype);
    for (const Cls of [MCPAuthConfigError, MCPAuthAuthServerError, MCPAuthBearerAuthError, MCPAuthTokenVerificationError]) {
      assert.equal(typeof Cls, 'function');
      assert.equal(Object.getPrototypeOf(Cls), MCPAuthError, Cls.name);
      assert.equal(Object.getPrototypeOf(Cls.prototype), MCPAuthError.prototype, Cls.name);
      assert.throws(() => Cls('x'), TypeError, 'class constructors cannot be called without new');
    }
  });

  test('class names', T, () => {
    assert.equal(MCPAuthError.name, 'MCPAuthError');
    assert.equal(MCPAuthConfigError.name, 'MCPAuthConfigError');
    assert.equal(MCPAuthAuthServerError.name, 'MCPAuthAuthServerError');
    assert.equal(MCPAuthBearerAuthError.name, 'MCPAuthBearerAuthError');
    assert.equal(MCPAuthTokenVerificationError.name, 'MCPAuthTokenVerificationError');
  });

  test('instances: instanceof, constructor, stack', T, () => {
    const instances = [
      new MCPAuthError('c', 'm'),
      new MCPAuthConfigError('c', 'm'),
      new MCPAuthAuthServerError('invalid_server_metadata'),
      new MCPAuthBearerAuthError('invalid_token'),
      new MCPAuthTokenVerificationError('invalid_token'),
    ];
    for (const err of instances) {
      assert.ok(err instanceof Error);
      assert.ok(err instanceof MCPAuthError);
      assert.equal(typeof err.stack, 'string');
      assert.equal(err.stack.split('\n')[0], `${err.name}: ${err.message}`);
      assert.equal(Object.prototype.toString.call(err), '[object Error]');
    }
    assert.equal(instances[1] instanceof MCPAuthAuthServerError, false);
    assert.equal(instances[2] instanceof MCPAuthConfigError, false);
    assert.equal(instances[3] instanceof MCPAuthTokenVerificationError, false);
    assert.equal(instances[2].constructor, MCPAuthAuthServerError);
  });

  test('user code can subclass and throw them', T, () => {
    class MyError extends MCPAuthTokenVerificationError {}
    const err = new MyError('token_verification_failed', { why: 1 });
    assert.ok(err instanceof MCPAuthError);
    assert.equal(err.message, 'Token verification failed due to an error.');
    assert.throws(
      () => {
        throw new MCPAuthBearerAuthError('invalid_issuer');
      },
      (e) => e instanceof MCPAuthBearerAuthError && e.code === 'invalid_issuer',
    );
  });
});

describe('MCPAuthError and MCPAuthConfigError (free-form code and message)', () => {
  for (const [name, Cls] of [
    ['MCPAuthError', MCPAuthError],
    ['MCPAuthConfigError', MCPAuthConfigError],
  ]) {
    test(`${name}: own name, code, message as given, no cause`, T, () => {
      const err = new Cls('my_code', 'My message.');
      assert.equal(Object.hasOwn(err, 'name'), true);
      assert.equal(err.name, name);
      assert.equal(Object.hasOwn(err, 'code'), true);
      assert.equal(err.code, 'my_code');
      assert.equal(err.message, 'My message.');
      assert.equal(Object.hasOwn(err, 'cause'), false, 'the constructor sets no cause');
      assert.equal(err.cause, undefined);
      assert.equal(String(err), `${name}: My message.`);
      assert.deepEqual(Object.keys(err), ['code', 'name']);
      assert.equal(JSON.stringify(err), `{"code":"my_code","name":"${name}"}`);
    });

    test(`${name}: toJson()`, T, () => {
      const err = new Cls('my_code', 'My message.');
      assert.deepEqual(err.toJson(), { error: 'my_code', errorDescription: 'My message.' });
      assert.deepEqual(err.toJson(true), { error: 'my_code', errorDescription: 'My message.' });
      err.cause = { detail: 1 };
      assert.deepEqual(err.toJson(), { error: 'my_code', errorDescription: 'My message.' });
      assert.deepEqual(err.toJson(true), { error: 'my_code', errorDescription: 'My message.', cause: { detail: 1 } });
      assert.deepEqual(Object.keys(err.toJson(true)), ['error', 'errorDescription', 'cause']);
      assert.equal(err.toJson(true).cause, err.cause, 'cause is passed by reference');
    });

    test(`${name}: toJson drops falsy keys`, T, () => {
      assert.deepEqual(new Cls('', '').toJson(true), {});
      assert.deepEqual(new Cls('c', '').toJson(), { error: 'c' });
      const err = new Cls('c', 'm');
      for (const falsy of [0, '', false, null, undefined, Number.NaN]) {
        err.cause = falsy;
        assert.deepEqual(err.toJson(true), { error: 'c', errorDescription: 'm' });
      }
      err.cause = 'text cause';
      assert.deepEqual(err.toJson(1), { error: 'c', errorDescription: 'm', cause: 'text cause' }, 'showCause is truthiness-based');
      assert.deepEqual(err.toJson(0), { error: 'c', errorDescription: 'm' });
    });
  }

  test('MCPAuthError: non-string message is converted like Error does', T, () => {
    assert.equal(new MCPAuthError('c', 42).message, '42');
    assert.equal(new MCPAuthError('c').message, '');
  });
});

describe('table-driven classes', () => {
  for (const [name, Cls, table] of TABLE_CLASSES) {
    test(`${name}: message from the table for every known code`, T, () => {
      for (const [code, text] of Object.entries(table)) {
        const err = new Cls(code);
        assert.equal(err.code, code);
        assert.equal(err.message, text);
        assert.equal(err.name, name);
        assert.equal(Object.hasOwn(err, 'name'), true);
        assert.equal(String(err), `${name}: ${text}`);
      }
    });

    test(`${name}: fallback message for unknown and empty codes`, T, () => {
      for (const code of ['unknown_code', '', 'INVALID_TOKEN', 'invalid_token ']) {
        if (Object.hasOwn(table, code)) continue;
        const err = new Cls(code);
        assert.equal(err.code, code);
        assert.equal(err.message, FALLBACK_MESSAGES[name], `code ${JSON.stringify(code)}`);
        assert.equal(String(err), `${name}: ${FALLBACK_MESSAGES[name]}`);
      }
    });

    test(`${name}: cause is an own property even when undefined`, T, () => {
      const err = new Cls(Object.keys(table)[0]);
      assert.equal(Object.hasOwn(err, 'cause'), true);
      assert.equal(err.cause, undefined);
      assert.deepEqual(Object.keys(err), ['code', 'name', 'cause']);
    });

    test(`${name}: the 2nd argument is always the cause, never the message`, T, () => {
      const code = Object.keys(table)[0];
      const withString = new Cls(code, 'not a message');
      assert.equal(withString.message, table[code]);
      assert.equal(withString.cause, 'not a message');
      const cause = { deep: { x: [1] } };
      const withObject = new Cls(code, cause);
      assert.equal(withObject.cause, cause, 'stored by reference');
      assert.equal(
        JSON.stringify(withObject),
        `{"code":"${code}","name":"${name}","cause":{"deep":{"x":[1]}}}`,
      );
    });

    test(`${name}: toJson / toJson(true)`, T, () => {
      const code = Object.keys(table)[0];
      const cause = { reason: 'x' };
      const err = new Cls(code, cause);
      assert.deepEqual(err.toJson(), { error: code, errorDescription: table[code] });
      assert.deepEqual(err.toJson(false), { error: code, errorDescription: table[code] });
      assert.deepEqual(err.toJson(true), { error: code, errorDescription: table[code], cause });
      assert.equal(err.toJson(true).cause, cause);
      assert.deepEqual(new Cls(code).toJson(true), { error: code, errorDescription: table[code] });
      assert.deepEqual(new Cls('', 0).toJson(true), { errorDescription: FALLBACK_MESSAGES[name] });
    });
  }

  test('MCPAuthAuthServerError with a cause object (as the library throws it)', T, () => {
    const cause = { cause: 'No authorization server or protected resource metadata is provided.' };
    const err = new MCPAuthAuthServerError('invalid_server_config', cause);
    assert.equal(
      String(err),
      'MCPAuthAuthServerError: The server configuration does not match the MCP specification.',
    );
    assert.deepEqual(err.toJson(true), {
      error: 'invalid_server_config',
      errorDescription: 'The server configuration does not match the MCP specification.',
      cause,
    });
  });
});

describe('MCPAuthBearerAuthError.toJson: errorUri and missingScopes', () => {
  const description = BEARER_AUTH_ERROR_DESCRIPTION.missing_required_scopes;

  test('errorUri (cause.uri.href) and missingScopes are added regardless of showCause', T, () => {
    const cause = { uri: new URL('https://docs.example.com/errors#scopes'), missingScopes: ['write', 'admin'] };
    const err = new MCPAuthBearerAuthError('missing_required_scopes', cause);
    assert.deepEqual(err.toJson(), {
      error: 'missing_required_scopes',
      errorDescription: description,
      errorUri: 'https://docs.example.com/errors#scopes',
      missingScopes: ['write', 'admin'],
    });
    assert.deepEqual(Object.keys(err.toJson()), ['error', 'errorDescription', 'errorUri', 'missingScopes']);
    const withCause = err.toJson(true);
    assert.deepEqual(Object.keys(withCause), ['error', 'errorDescription', 'cause', 'errorUri', 'missingScopes']);
    assert.equal(withCause.cause, cause);
    assert.equal(withCause.missingScopes, cause.missingScopes);
  });

  test('only missingScopes', T, () => {
    const err = new MCPAuthBearerAuthError('missing_required_scopes', { missingScopes: ['write'] });
    assert.deepEqual(err.toJson(), { error: 'missing_required_scopes', errorDescription: description, missingScopes: ['write'] });
  });

  test('an empty missingScopes array is truthy and kept', T, () => {
    const err = new MCPAuthBearerAuthError('missing_required_scopes', { missingScopes: [] });
    assert.deepEqual(err.toJson(), { error: 'missing_required_scopes', errorDescription: description, missingScopes: [] });
  });

  test('uri given as a string has no href → no errorUri', T, () => {
    const err = new MCPAuthBearerAuthError('invalid_token', { uri: 'https://x.example/doc' });
    assert.deepEqual(err.toJson(), {
      error: 'invalid_token',
      errorDescription: BEARER_AUTH_ERROR_DESCRIPTION.invalid_token,
    });
  });

  test('uri as any object with a truthy href is used', T, () => {
    const err = new MCPAuthBearerAuthError('invalid_token', { uri: { href: 'custom' } });
    assert.equal(err.toJson().errorUri, 'custom');
  });

  test('no cause, or a non-object cause → just error + errorDescription', T, () => {
    for (const cause of [undefined, null, 'text', 0]) {
      const err = new MCPAuthBearerAuthError('invalid_issuer', cause);
      assert.deepEqual(err.toJson(), {
        error: 'invalid_issuer',
        errorDescription: BEARER_AUTH_ERROR_DESCRIPTION.invalid_issuer,
      });
    }
    assert.deepEqual(new MCPAuthBearerAuthError('invalid_issuer', 'text').toJson(true), {
      error: 'invalid_issuer',
      errorDescription: BEARER_AUTH_ERROR_DESCRIPTION.invalid_issuer,
      cause: 'text',
    });
  });

  test('details cause with expected/actual', T, () => {
    const cause = { expected: 'https://a, https://b', actual: 'https://evil' };
    const err = new MCPAuthBearerAuthError('invalid_issuer', cause);
    assert.deepEqual(err.toJson(true), {
      error: 'invalid_issuer',
      errorDescription: BEARER_AUTH_ERROR_DESCRIPTION.invalid_issuer,
      cause,
    });
  });

  test('the other classes do not add errorUri/missingScopes', T, () => {
    const cause = { uri: new URL('https://x.example/'), missingScopes: ['a'] };
    for (const err of [
      new MCPAuthTokenVerificationError('invalid_token', cause),
      new MCPAuthAuthServerError('invalid_server_metadata', cause),
    ]) {
      assert.deepEqual(Object.keys(err.toJson()), ['error', 'errorDescription']);
      assert.deepEqual(Object.keys(err.toJson(true)), ['error', 'errorDescription', 'cause']);
    }
  });
});

describe('description tables', () => {
  for (const [exportName, expected] of [
    ['authServerErrorDescription', AUTH_SERVER_ERROR_DESCRIPTION],
    ['bearerAuthErrorDescription', BEARER_AUTH_ERROR_DESCRIPTION],
    ['tokenVerificationErrorDescription', TOKEN_VERIFICATION_ERROR_DESCRIPTION],
  ]) {
    test(`${exportName}: frozen, exactly the reference's keys (in order) and texts`, T, () => {
      const table = rs[exportName];
      assert.equal(Object.isFrozen(table), true);
      assert.deepEqual(Object.keys(table), Object.keys(expected));
      assert.deepEqual(table, expected);
      assert.equal(Object.getPrototypeOf(table), Object.prototype);
      assert.throws(() => {
        table.new_code = 'x';
      }, TypeError);
      assert.throws(() => {
        table[Object.keys(expected)[0]] = 'changed';
      }, TypeError);
      assert.throws(() => {
        delete table[Object.keys(expected)[0]];
      }, TypeError);
      assert.deepEqual(table, expected);
    });
  }
});

describe('module systems', () => {
  test('ESM import and CJS require give the same objects (===) for every export', T, () => {
    const cjs = require('mcp-auth-rs');
    const esmNames = Object.keys(rs).sort();
    assert.ok(esmNames.length >= 18, `only ${esmNames.length} ESM exports`);
    for (const name of esmNames) {
      assert.ok(name in cjs, `${name} missing from the CJS module`);
      assert.equal(cjs[name], rs[name], `${name} differs between ESM and CJS`);
    }
    assert.equal(cjs.MCPAuthError, MCPAuthError);
    assert.equal(cjs.MCPAuthConfigError, MCPAuthConfigError);
    assert.equal(cjs.MCPAuthAuthServerError, MCPAuthAuthServerError);
    assert.equal(cjs.MCPAuthBearerAuthError, MCPAuthBearerAuthError);
    assert.equal(cjs.MCPAuthTokenVerificationError, MCPAuthTokenVerificationError);
  });

  test('an error created through CJS is instanceof the ESM classes', T, () => {
    const cjs = require('mcp-auth-rs');
    const err = new cjs.MCPAuthBearerAuthError('invalid_token');
    assert.ok(err instanceof MCPAuthBearerAuthError);
    assert.ok(err instanceof MCPAuthError);
  });

  test('errors thrown by the library are instances of the exported classes (both module systems)', T, async () => {
    const cjs = require('mcp-auth-rs');
    const err = await rs.fetchServerConfig('not a url', { type: 'oauth' }).catch((e) => e);
    assert.ok(err instanceof TypeError);
    const result = cjs.validateServerConfig({ metadata: {}, type: 'oauth' });
    assert.equal(result.errors[0].code, 'invalid_server_metadata');
  });
});
