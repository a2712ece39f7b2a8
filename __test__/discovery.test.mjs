// fetchServerConfig / fetchServerConfigByWellKnownUrl against a real local HTTP server, plus our
// documented additions (requestTimeout, maxResponseBytes, awaited async transpileData).

import { describe, test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { ZodError } from 'zod';
import * as rs from 'mcp-auth-rs';
import { startHttpServer, startRawServer, closedPort } from './helpers/http-server.mjs';
import { within, settle } from './helpers/util.mjs';
import { snakeMetadata, camelMetadata, fullSnakeMetadata, fullCamelMetadata, AUTH_SERVER_SNAKE_KEYS, toCamel } from './helpers/fixtures.mjs';

const T = { timeout: 5000 };
const OAUTH = '/.well-known/oauth-authorization-server';
const OIDC = '/.well-known/openid-configuration';
const INVALID_MESSAGE = 'The server metadata is invalid or malformed.';
const NOT_OBJECT = 'The server metadata is not a valid object or is null.';

let srv;
let o; // origin, e.g. http://127.0.0.1:12345

before(async () => {
  srv = await startHttpServer();
  o = srv.origin;
});
after(async () => {
  await srv?.close();
});
beforeEach(() => {
  srv.clearRoutes();
  srv.reset();
});

/** Asserts the promise rejects and returns the rejection value. */
const rejection = async (promise) => {
  const outcome = await within(settle(promise), 4000, 'fetch');
  assert.equal(outcome.ok, false, `expected a rejection, resolved with ${JSON.stringify(outcome.value)}`);
  return outcome.error;
};

const assertConfigFetchError = (err, url, reason) => {
  assert.ok(err instanceof rs.MCPAuthConfigError, `expected MCPAuthConfigError, got ${err?.name}: ${err?.message}`);
  assert.ok(err instanceof rs.MCPAuthError);
  assert.ok(err instanceof Error);
  assert.equal(err.name, 'MCPAuthConfigError');
  assert.equal(err.code, 'fetch_server_config_error');
  assert.equal(err.message, `Failed to fetch server config from ${url}: ${reason}`);
  assert.equal(err.cause, undefined);
  assert.equal(Object.hasOwn(err, 'cause'), false);
};

const assertInvalidMetadata = (err) => {
  assert.ok(err instanceof rs.MCPAuthAuthServerError, `expected MCPAuthAuthServerError, got ${err?.name}: ${err?.message}`);
  assert.ok(err instanceof rs.MCPAuthError);
  assert.equal(err.name, 'MCPAuthAuthServerError');
  assert.equal(err.code, 'invalid_server_metadata');
  assert.equal(err.message, INVALID_MESSAGE);
};

describe('well-known URL derivation: exact request target received', () => {
  // [issuer suffix, OAuth target, OIDC target]
  const cases = [
    ['', OAUTH, OIDC],
    ['/', OAUTH, OIDC],
    ['/tenant', `${OAUTH}/tenant`, `/tenant${OIDC}`],
    ['/tenant/', `${OAUTH}/tenant`, `/tenant${OIDC}`],
    ['/a//b/', `${OAUTH}/a/b`, `/a/b${OIDC}`],
    ['/t/?x=1#f', `${OAUTH}/t?x=1`, `/t${OIDC}`], // OAuth keeps the query, OIDC drops it; fragment never sent
    ['/p/?x=1#f', `${OAUTH}/p?x=1`, `/p${OIDC}`], // oauth keeps the query, oidc drops it; the fragment never goes out
  ];

  for (const [suffix, oauthTarget, oidcTarget] of cases) {
    test(`oauth: issuer <origin>${suffix} → GET ${oauthTarget}`, T, async () => {
      srv.route(oauthTarget.split('?')[0], { body: snakeMetadata(`${o}${suffix}`) });
      const result = await within(rs.fetchServerConfig(`${o}${suffix}`, { type: 'oauth' }), 4000);
      assert.deepEqual(srv.paths(), [oauthTarget]);
      assert.equal(srv.requests[0].method, 'GET');
      assert.deepEqual(result, { metadata: camelMetadata(`${o}${suffix}`), type: 'oauth' });
    });

    test(`oidc: issuer <origin>${suffix} → GET ${oidcTarget}`, T, async () => {
      srv.route(oidcTarget, { body: snakeMetadata(`${o}${suffix}`) });
      const result = await within(rs.fetchServerConfig(`${o}${suffix}`, { type: 'oidc' }), 4000);
      assert.deepEqual(srv.paths(), [oidcTarget]);
      assert.equal(srv.requests[0].method, 'GET');
      assert.deepEqual(result, { metadata: camelMetadata(`${o}${suffix}`), type: 'oidc' });
    });
  }

  test('oidc with a query but no fragment: query dropped', T, async () => {
    srv.route(`/p${OIDC}`, { body: snakeMetadata() });
    await within(rs.fetchServerConfig(`${o}/p/?x=1`, { type: 'oidc' }), 4000);
    assert.deepEqual(srv.paths(), [`/p${OIDC}`]);
  });

  test('any type other than "oauth" uses the OIDC rule, and `type` is returned as given', T, async () => {
    srv.route(`/tenant${OIDC}`, { body: snakeMetadata() });
    const result = await within(rs.fetchServerConfig(`${o}/tenant`, { type: 'OIDC' }), 4000);
    assert.deepEqual(srv.paths(), [`/tenant${OIDC}`]);
    assert.equal(result.type, 'OIDC');
  });

  test('the error message names the derived URL, fragment included for OAuth', T, async () => {
    const err = await rejection(rs.fetchServerConfig(`${o}/t/?x=1#f`, { type: 'oauth' }));
    assertConfigFetchError(err, `${o}${OAUTH}/t?x=1#f`, 'Not Found');
    assert.deepEqual(srv.paths(), [`${OAUTH}/t?x=1`]);
  });

  test('the error message names the derived OIDC URL without query/fragment', T, async () => {
    const err = await rejection(rs.fetchServerConfig(`${o}/t/?x=1#f`, { type: 'oidc' }));
    assertConfigFetchError(err, `${o}/t${OIDC}`, 'Not Found');
  });
});

describe('fetchServerConfigByWellKnownUrl', () => {
  test('string URL: fetched verbatim (path + query), result is { metadata, type }', T, async () => {
    srv.route('/custom/meta', { body: snakeMetadata() });
    const result = await within(rs.fetchServerConfigByWellKnownUrl(`${o}/custom/meta?a=1&b=2`, { type: 'oauth' }), 4000);
    assert.deepEqual(srv.paths(), ['/custom/meta?a=1&b=2']);
    assert.deepEqual(result, { metadata: camelMetadata(), type: 'oauth' });
    assert.deepEqual(Object.keys(result), ['metadata', 'type']);
  });

  test('URL object', T, async () => {
    srv.route('/custom/meta', { body: snakeMetadata() });
    const url = new URL(`${o}/custom/meta?z=9`);
    const result = await within(rs.fetchServerConfigByWellKnownUrl(url, { type: 'oidc' }), 4000);
    assert.deepEqual(srv.paths(), ['/custom/meta?z=9']);
    assert.deepEqual(result, { metadata: camelMetadata(), type: 'oidc' });
  });

  test('URL object: error message uses String(url)', T, async () => {
    const url = new URL(`${o}/missing`);
    const err = await rejection(rs.fetchServerConfigByWellKnownUrl(url, { type: 'oauth' }));
    assertConfigFetchError(err, `${o}/missing`, 'Not Found');
  });

  test('camelCase, known keys only, schema order; unknown keys (end_session_endpoint) dropped', T, async () => {
    srv.route('/full', { body: fullSnakeMetadata() });
    const { metadata } = await within(rs.fetchServerConfigByWellKnownUrl(`${o}/full`, { type: 'oauth' }), 4000);
    assert.deepEqual(metadata, fullCamelMetadata());
    assert.deepEqual(Object.keys(metadata), AUTH_SERVER_SNAKE_KEYS.map(toCamel));
    assert.equal('endSessionEndpoint' in metadata, false);
    assert.equal('end_session_endpoint' in metadata, false);
    assert.equal('claimsSupported' in metadata, false);
  });

  test('minimal metadata: only the 4 required keys, absent optionals are not set', T, async () => {
    srv.route('/min', {
      body: { response_types_supported: ['code'], token_endpoint: 't', authorization_endpoint: 'a', issuer: 'i' },
    });
    const { metadata } = await within(rs.fetchServerConfigByWellKnownUrl(`${o}/min`, { type: 'oauth' }), 4000);
    assert.deepEqual(Object.keys(metadata), ['issuer', 'authorizationEndpoint', 'tokenEndpoint', 'responseTypesSupported']);
    assert.deepEqual(metadata, { issuer: 'i', authorizationEndpoint: 'a', tokenEndpoint: 't', responseTypesSupported: ['code'] });
  });

  test('validateServerConfig is not run: metadata without PKCE still resolves', T, async () => {
    const body = snakeMetadata();
    delete body.code_challenge_methods_supported;
    srv.route('/nopkce', { body });
    const result = await within(rs.fetchServerConfigByWellKnownUrl(`${o}/nopkce`, { type: 'oauth' }), 4000);
    assert.equal('codeChallengeMethodsSupported' in result.metadata, false);
  });

  test('a 302 redirect to another path on the same server is followed', T, async () => {
    srv.route(OIDC, { redirect: '/moved/here' });
    srv.route('/moved/here', { body: snakeMetadata() });
    const result = await within(rs.fetchServerConfig(o, { type: 'oidc' }), 4000);
    assert.deepEqual(srv.paths(), [OIDC, '/moved/here']);
    assert.deepEqual(result, { metadata: camelMetadata(), type: 'oidc' });
  });

  for (const status of [301, 303, 307, 308]) {
    test(`a ${status} redirect is followed too`, T, async () => {
      srv.route('/r', { status, redirect: `${o}/target` });
      srv.route('/target', { body: snakeMetadata() });
      const result = await within(rs.fetchServerConfigByWellKnownUrl(`${o}/r`, { type: 'oauth' }), 4000);
      assert.deepEqual(srv.paths(), ['/r', '/target']);
      assert.deepEqual(result.metadata, camelMetadata());
    });
  }
});

describe('HTTP and body errors', () => {
  for (const [status, reason] of [
    [404, 'Not Found'],
    [500, 'Internal Server Error'],
    [503, 'Service Unavailable'],
    [401, 'Unauthorized'],
  ]) {
    test(`${status} → MCPAuthConfigError fetch_server_config_error "…: ${reason}"`, T, async () => {
      srv.route(OIDC, { status, body: { issuer: 'ignored' } });
      const err = await rejection(rs.fetchServerConfig(o, { type: 'oidc' }));
      assertConfigFetchError(err, `${o}${OIDC}`, reason);
    });
  }

  test('404 for an OIDC issuer without path', T, async () => {
    const err = await rejection(rs.fetchServerConfig(`${o}/`, { type: 'oidc' }));
    assertConfigFetchError(err, `${o}/.well-known/openid-configuration`, 'Not Found');
  });

  test('the message carries the server\'s own reason phrase (response.statusText)', T, async () => {
    srv.route(OIDC, { status: 404, statusText: 'Nope Not Here' });
    const err = await rejection(rs.fetchServerConfig(o, { type: 'oidc' }));
    assertConfigFetchError(err, `${o}${OIDC}`, 'Nope Not Here');
  });

  test('an empty reason phrase leaves the message ending in ": "', T, async () => {
    const raw = await startRawServer('HTTP/1.1 404 \r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    try {
      const err = await rejection(rs.fetchServerConfigByWellKnownUrl(`${raw.origin}/x`, { type: 'oauth' }));
      assertConfigFetchError(err, `${raw.origin}/x`, '');
      assert.ok(err.message.endsWith(': '));
    } finally {
      await raw.close();
    }
  });

  test('body null → invalid_server_metadata with { metadata: null, message }', T, async () => {
    srv.route(OIDC, { body: 'null' });
    const err = await rejection(rs.fetchServerConfig(o, { type: 'oidc' }));
    assertInvalidMetadata(err);
    assert.deepEqual(err.cause, { metadata: null, message: NOT_OBJECT });
    assert.deepEqual(Object.keys(err.cause), ['metadata', 'message']);
  });

  for (const [label, text, value] of [
    ['a number', '42', 42],
    ['a string', '"str"', 'str'],
    ['a boolean', 'true', true],
  ]) {
    test(`body ${label} → invalid_server_metadata "not a valid object"`, T, async () => {
      srv.route(OIDC, { body: text });
      const err = await rejection(rs.fetchServerConfig(o, { type: 'oidc' }));
      assertInvalidMetadata(err);
      assert.deepEqual(err.cause, { metadata: value, message: NOT_OBJECT });
    });
  }

  test('body [1] → invalid_server_metadata, cause keys metadata + parseError (a ZodError)', T, async () => {
    srv.route(OIDC, { body: '[1]' });
    const err = await rejection(rs.fetchServerConfig(o, { type: 'oidc' }));
    assertInvalidMetadata(err);
    assert.deepEqual(Object.keys(err.cause), ['metadata', 'parseError']);
    assert.deepEqual(err.cause.metadata, [1]);
    assert.equal(err.cause.parseError?.name, 'ZodError');
    assert.ok(err.cause.parseError instanceof ZodError, 'parseError must be instanceof ZodError imported from "zod"');
  });

  test("body 'not json' → raw SyntaxError", T, async () => {
    srv.route(OIDC, { body: 'not json' });
    const err = await rejection(rs.fetchServerConfig(o, { type: 'oidc' }));
    assert.ok(err instanceof SyntaxError, `expected SyntaxError, got ${err?.name}: ${err?.message}`);
    assert.equal(err.name, 'SyntaxError');
    assert.equal(err instanceof rs.MCPAuthError, false);
  });

  test('empty 200 body → raw SyntaxError', T, async () => {
    srv.route(OIDC, { body: '' });
    const err = await rejection(rs.fetchServerConfig(o, { type: 'oidc' }));
    assert.ok(err instanceof SyntaxError, `expected SyntaxError, got ${err?.name}: ${err?.message}`);
  });

  test('jwks_uri: null → invalid_server_metadata; parseError points at jwks_uri', T, async () => {
    const body = { ...snakeMetadata(), jwks_uri: null };
    srv.route(OIDC, { body });
    const err = await rejection(rs.fetchServerConfig(o, { type: 'oidc' }));
    assertInvalidMetadata(err);
    assert.deepEqual(Object.keys(err.cause), ['metadata', 'parseError']);
    assert.deepEqual(err.cause.metadata, body);
    assert.ok(err.cause.parseError instanceof ZodError, 'parseError must be instanceof ZodError imported from "zod"');
    assert.deepEqual(err.cause.parseError.issues.map((i) => i.path), [['jwks_uri']]);
    assert.deepEqual(err.cause.parseError.issues, rs.authorizationServerMetadataSchema.safeParse(body).error.issues);
  });

  test('missing required field → invalid_server_metadata; parseError points at it', T, async () => {
    const body = snakeMetadata();
    delete body.token_endpoint;
    srv.route(OIDC, { body });
    const err = await rejection(rs.fetchServerConfig(o, { type: 'oidc' }));
    assertInvalidMetadata(err);
    assert.deepEqual(err.cause.metadata, body);
    assert.deepEqual(err.cause.parseError.issues.map((i) => i.path), [['token_endpoint']]);
    assert.equal(err.cause.parseError.issues[0].code, 'invalid_type');
  });

  test('wrong value type (response_types_supported: "code") → invalid_server_metadata', T, async () => {
    const body = { ...snakeMetadata(), response_types_supported: 'code' };
    srv.route(OIDC, { body });
    const err = await rejection(rs.fetchServerConfig(o, { type: 'oidc' }));
    assertInvalidMetadata(err);
    assert.deepEqual(err.cause.parseError.issues, rs.authorizationServerMetadataSchema.safeParse(body).error.issues);
  });

  test("fetchServerConfig('not a url') → TypeError ERR_INVALID_URL, nothing fetched", T, async () => {
    for (const type of ['oauth', 'oidc']) {
      const err = await rejection(rs.fetchServerConfig('not a url', { type }));
      assert.ok(err instanceof TypeError, `expected TypeError, got ${err?.name}`);
      assert.equal(err.code, 'ERR_INVALID_URL');
    }
    assert.deepEqual(srv.paths(), []);
  });

  test('fetchServerConfig does not throw synchronously for a bad issuer (returns a rejected promise)', T, async () => {
    let promise;
    assert.doesNotThrow(() => {
      promise = rs.fetchServerConfig('not a url', { type: 'oauth' });
    });
    await assert.rejects(promise, TypeError);
  });

  test('connection refused → rejects with a TypeError (network failure, not wrapped)', T, async () => {
    const port = await closedPort();
    for (const type of ['oauth', 'oidc']) {
      const err = await rejection(rs.fetchServerConfig(`http://127.0.0.1:${port}/x`, { type }));
      assert.ok(err instanceof TypeError, `expected TypeError, got ${err?.name}: ${err?.message}`);
      assert.equal(err instanceof rs.MCPAuthError, false);
    }
  });
});

describe('transpileData', () => {
  const odd = () => ({
    issuer: 'https://odd.example.com',
    authorization_endpoint: 'https://odd.example.com/auth',
    token_endpoint: 'https://odd.example.com/token',
    response_types: ['code'], // wrong key: the schema needs response_types_supported
  });
  const fix = (data) => ({ ...data, response_types_supported: data.response_types });
  const fixedCamel = {
    issuer: 'https://odd.example.com',
    authorizationEndpoint: 'https://odd.example.com/auth',
    tokenEndpoint: 'https://odd.example.com/token',
    responseTypesSupported: ['code'],
  };

  test('without transpileData the odd body is invalid', T, async () => {
    srv.route('/odd', { body: odd() });
    const err = await rejection(rs.fetchServerConfigByWellKnownUrl(`${o}/odd`, { type: 'oauth' }));
    assertInvalidMetadata(err);
  });

  test('a sync transpileData result is used; it receives the parsed body object, once', T, async () => {
    srv.route('/odd', { body: odd() });
    const calls = [];
    const result = await within(
      rs.fetchServerConfigByWellKnownUrl(`${o}/odd`, {
        type: 'oauth',
        transpileData: (data) => {
          calls.push(data);
          return fix(data);
        },
      }),
      4000,
    );
    assert.deepEqual(result, { metadata: fixedCamel, type: 'oauth' });
    assert.equal(calls.length, 1);
    assert.deepEqual(calls[0], odd());
    assert.equal(Object.getPrototypeOf(calls[0]), Object.prototype);
  });

  test('transpileData also applies through fetchServerConfig', T, async () => {
    srv.route(`${OAUTH}/odd`, { body: odd() });
    const result = await within(rs.fetchServerConfig(`${o}/odd`, { type: 'oauth', transpileData: fix }), 4000);
    assert.deepEqual(result.metadata, fixedCamel);
  });

  for (const [label, value] of [
    ['undefined', undefined],
    ['null', null],
  ]) {
    test(`transpileData returning ${label} → the original body is used`, T, async () => {
      srv.route('/ok', { body: snakeMetadata() });
      let called = 0;
      const result = await within(
        rs.fetchServerConfigByWellKnownUrl(`${o}/ok`, {
          type: 'oauth',
          transpileData: () => {
            called += 1;
            return value;
          },
        }),
        4000,
      );
      assert.equal(called, 1);
      assert.deepEqual(result, { metadata: camelMetadata(), type: 'oauth' });
    });
  }

  test('an ASYNC transpileData is awaited and succeeds (deliberate improvement; the reference rejects)', T, async () => {
    srv.route('/odd', { body: odd() });
    const result = await within(
      rs.fetchServerConfigByWellKnownUrl(`${o}/odd`, {
        type: 'oauth',
        transpileData: async (data) => {
          await new Promise((resolve) => setTimeout(resolve, 20));
          return fix(data);
        },
      }),
      4000,
    );
    assert.deepEqual(result, { metadata: fixedCamel, type: 'oauth' });
  });

  test('an async transpileData resolving to undefined → original body used', T, async () => {
    srv.route('/ok', { body: snakeMetadata() });
    const result = await within(
      rs.fetchServerConfigByWellKnownUrl(`${o}/ok`, { type: 'oauth', transpileData: async () => undefined }),
      4000,
    );
    assert.deepEqual(result.metadata, camelMetadata());
  });

  /** The rejection of a fetch whose `transpileData` is `transpileData`. */
  const transpileRejection = (transpileData) => {
    srv.route('/ok', { body: snakeMetadata() });
    return rejection(rs.fetchServerConfigByWellKnownUrl(`${o}/ok`, { type: 'oauth', transpileData }));
  };

  test('an exception inside transpileData propagates unchanged (same object)', T, async () => {
    const boom = new RangeError('boom from transpile');
    assert.equal(
      await transpileRejection(() => {
        throw boom;
      }),
      boom,
    );
    const thrownValue = { not: 'an error' };
    assert.equal(
      await transpileRejection(() => {
        throw thrownValue;
      }),
      thrownValue,
    );
  });

  test('a rejecting async transpileData propagates its rejection unchanged', T, async () => {
    const boom = new Error('async boom');
    assert.equal(
      await transpileRejection(async () => {
        throw boom;
      }),
      boom,
    );
  });

  test('an invalid transpiled result → invalid_server_metadata whose cause.metadata is the ORIGINAL body', T, async () => {
    srv.route('/ok', { body: snakeMetadata() });
    const err = await rejection(
      rs.fetchServerConfigByWellKnownUrl(`${o}/ok`, { type: 'oauth', transpileData: () => ({ issuer: 5 }) }),
    );
    assertInvalidMetadata(err);
    assert.deepEqual(err.cause.metadata, snakeMetadata());
    assert.ok(err.cause.parseError instanceof ZodError, 'parseError must be instanceof ZodError imported from "zod"');
    assert.deepEqual(
      err.cause.parseError.issues,
      rs.authorizationServerMetadataSchema.safeParse({ issuer: 5 }).error.issues,
    );
  });

  test('mutations made by transpileData show in cause.metadata', T, async () => {
    srv.route('/ok', { body: snakeMetadata() });
    const err = await rejection(
      rs.fetchServerConfigByWellKnownUrl(`${o}/ok`, {
        type: 'oauth',
        transpileData: (data) => {
          delete data.issuer;
          data.marker = true;
        },
      }),
    );
    assertInvalidMetadata(err);
    const expected = snakeMetadata();
    delete expected.issuer;
    expected.marker = true;
    assert.deepEqual(err.cause.metadata, expected);
  });

  test('transpileData is not called for a non-2xx response or a non-object body', T, async () => {
    let called = 0;
    const transpileData = () => {
      called += 1;
    };
    srv.route('/null', { body: 'null' });
    await rejection(rs.fetchServerConfigByWellKnownUrl(`${o}/missing`, { type: 'oauth', transpileData }));
    await rejection(rs.fetchServerConfigByWellKnownUrl(`${o}/null`, { type: 'oauth', transpileData }));
    assert.equal(called, 0);
  });
});

describe('limits (our additions): requestTimeout and maxResponseBytes', () => {
  test('a server that never answers + requestTimeout: 300 → fetch_server_config_error within ~1.3 s', T, async () => {
    srv.route('/hang', { hang: true });
    const started = Date.now();
    const err = await rejection(
      rs.fetchServerConfigByWellKnownUrl(`${o}/hang`, { type: 'oauth', requestTimeout: 300 }),
    );
    const elapsed = Date.now() - started;
    assert.ok(err instanceof rs.MCPAuthConfigError, `expected MCPAuthConfigError, got ${err?.name}: ${err?.message}`);
    assert.equal(err.code, 'fetch_server_config_error');
    assert.ok(err.message.startsWith(`Failed to fetch server config from ${o}/hang: `), err.message);
    assert.ok(elapsed >= 250, `rejected too early (${elapsed} ms)`);
    assert.ok(elapsed < 1300, `took ${elapsed} ms`);
  });

  test('requestTimeout also works through fetchServerConfig', T, async () => {
    srv.route(OIDC, { hang: true });
    const started = Date.now();
    const err = await rejection(rs.fetchServerConfig(o, { type: 'oidc', requestTimeout: 300 }));
    assert.ok(err instanceof rs.MCPAuthConfigError, `expected MCPAuthConfigError, got ${err?.name}: ${err?.message}`);
    assert.equal(err.code, 'fetch_server_config_error');
    assert.ok(Date.now() - started < 1300);
  });

  test('headers sent but the body never finishes + requestTimeout: 300 → fetch_server_config_error', T, async () => {
    srv.route('/slowbody', { body: snakeMetadata(), hangBody: true });
    const started = Date.now();
    const err = await rejection(
      rs.fetchServerConfigByWellKnownUrl(`${o}/slowbody`, { type: 'oauth', requestTimeout: 300 }),
    );
    assert.ok(err instanceof rs.MCPAuthConfigError, `expected MCPAuthConfigError, got ${err?.name}: ${err?.message}`);
    assert.equal(err.code, 'fetch_server_config_error');
    assert.ok(Date.now() - started < 1300);
  });

  test('a slow (400 ms) answer succeeds with the default timeout (10 s) and with requestTimeout: 2000', T, async () => {
    srv.route('/slow', { body: snakeMetadata(), delayMs: 400 });
    const a = await within(rs.fetchServerConfigByWellKnownUrl(`${o}/slow`, { type: 'oauth' }), 4000);
    assert.deepEqual(a.metadata, camelMetadata());
    const b = await within(
      rs.fetchServerConfigByWellKnownUrl(`${o}/slow`, { type: 'oauth', requestTimeout: 2000 }),
      4000,
    );
    assert.deepEqual(b.metadata, camelMetadata());
  });

  const bigBody = () => {
    const body = snakeMetadata();
    body.padding = 'x'.repeat(2 * 1024 * 1024);
    return JSON.stringify(body);
  };

  test('a 2 MiB body (Content-Length) with default limits → fetch_server_config_error', T, async () => {
    srv.route('/big', { body: bigBody() });
    const err = await rejection(rs.fetchServerConfigByWellKnownUrl(`${o}/big`, { type: 'oauth' }));
    assert.ok(err instanceof rs.MCPAuthConfigError, `expected MCPAuthConfigError, got ${err?.name}: ${err?.message}`);
    assert.equal(err.code, 'fetch_server_config_error');
    assert.ok(err.message.startsWith(`Failed to fetch server config from ${o}/big: `), err.message);
  });

  test('a 2 MiB chunked body (no Content-Length) with default limits → fetch_server_config_error', T, async () => {
    const text = bigBody();
    srv.route('/bigchunked', (req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      for (let i = 0; i < text.length; i += 64 * 1024) res.write(text.slice(i, i + 64 * 1024));
      res.end();
    });
    const err = await rejection(rs.fetchServerConfigByWellKnownUrl(`${o}/bigchunked`, { type: 'oauth' }));
    assert.ok(err instanceof rs.MCPAuthConfigError, `expected MCPAuthConfigError, got ${err?.name}: ${err?.message}`);
    assert.equal(err.code, 'fetch_server_config_error');
  });

  test('maxResponseBytes: a body above the limit fails, the same body under a larger limit succeeds', T, async () => {
    srv.route('/ok', { body: snakeMetadata() });
    const size = Buffer.byteLength(JSON.stringify(snakeMetadata()));
    const err = await rejection(
      rs.fetchServerConfigByWellKnownUrl(`${o}/ok`, { type: 'oauth', maxResponseBytes: 100 }),
    );
    assert.ok(err instanceof rs.MCPAuthConfigError, `expected MCPAuthConfigError, got ${err?.name}: ${err?.message}`);
    assert.equal(err.code, 'fetch_server_config_error');
    const ok = await within(
      rs.fetchServerConfigByWellKnownUrl(`${o}/ok`, { type: 'oauth', maxResponseBytes: size }),
      4000,
    );
    assert.deepEqual(ok.metadata, camelMetadata());
  });

  test('a 2 MiB body is accepted when maxResponseBytes allows it', T, async () => {
    srv.route('/big', { body: bigBody() });
    const ok = await within(
      rs.fetchServerConfigByWellKnownUrl(`${o}/big`, { type: 'oauth', maxResponseBytes: 4 * 1024 * 1024 }),
      4000,
    );
    assert.deepEqual(ok.metadata, camelMetadata());
  });

  test('the limit applies to the body only: a non-2xx error body is never read', T, async () => {
    srv.route('/err', { status: 500, body: 'x'.repeat(2 * 1024 * 1024) });
    const err = await rejection(rs.fetchServerConfigByWellKnownUrl(`${o}/err`, { type: 'oauth' }));
    assertConfigFetchError(err, `${o}/err`, 'Internal Server Error');
  });
});
