// Behaviors an audit of mcp-auth-rs against mcp-auth@0.2.0 singled out, each checked against the
// reference: options that must fail closed, error bodies through `res.json`, jose's `customFetch`,
// JWK restrictions in `createVerifyJwt`, URL and network errors shaped like Node's, and
// `NODE_EXTRA_CA_CERTS`.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { customFetch, exportJWK, generateKeyPair, SignJWT } from 'jose';
import * as rs from 'mcp-auth-rs';
import { LIBS, withWarningsSync } from './helpers/differential-runner.mjs';
import { startAuthServer } from './helpers/auth-server.mjs';
import { createKeys, signToken, nowSeconds } from './helpers/tokens.mjs';
import { closedPort, startHttpServer, startRawServer } from './helpers/http-server.mjs';

const T = { timeout: 15_000 };
const RESOURCE = 'https://api.example.com/notes';

let keys;
let as;
before(async () => {
  keys = await createKeys();
  as = await startAuthServer({ keys });
});
after(async () => {
  await as?.close();
});

const tokenFor = (claims = {}, key = keys.rsa) =>
  signToken({ key, claims: { iss: as.issuer, sub: 'user-1', aud: RESOURCE, exp: nowSeconds() + 600, scope: 'read', ...claims } });

/** Serves `bearerAuth('jwt', options)` of `lib` (behind `before`, if given) and answers one request. */
const answer = async (lib, options, givenToken, { before: beforeAuth, metadata } = {}) => {
  const token = givenToken ?? (await tokenFor());
  const auth = new lib.MCPAuth({
    protectedResources: {
      metadata: { resource: RESOURCE, authorizationServers: [{ metadata: metadata ?? as.camelMetadata(), type: 'oauth' }] },
    },
  });
  const app = express();
  if (beforeAuth) app.use(beforeAuth);
  app.get('/mcp', auth.bearerAuth('jwt', { resource: RESOURCE, showErrorDetails: true, ...options }), (req, res) => res.json({ ok: true }));
  app.use((error, req, res, _next) => res.status(599).json({ name: error.name, message: error.message, code: error.code, input: error.input }));
  const server = await startHttpServer({ '*': app });
  try {
    const response = await fetch(`${server.origin}/mcp`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(8000),
    });
    return { status: response.status, challenge: response.headers.get('www-authenticate'), body: await response.json() };
  } finally {
    await server.close();
  }
};

const sameAnswer = async (options, token, extra) => {
  const [ref, ours] = await Promise.all(LIBS.map(([, lib]) => answer(lib, options, token, extra)));
  assert.deepEqual(ours, ref);
  return ours;
};

describe('options that must fail closed, as in the reference', () => {
  for (const [label, requiredScopes] of [
    ['a string', 'admin'],
    ['an array-like object', { 0: 'admin', length: 1 }],
  ]) {
    test(`requiredScopes as ${label}: a TypeError for Express (500), never a pass`, T, async () => {
      const result = await sameAnswer({ requiredScopes }, await tokenFor());
      assert.equal(result.status, 599);
      assert.equal(result.body.message, 'requiredScopes.filter is not a function');
    });
  }

  test("jwtVerify issuer ['other', 5, <issuer>]: only strings match, as jose's includes", T, async () => {
    assert.equal((await sameAnswer({ jwtVerify: { issuer: ['other', 5, as.issuer] } }, await tokenFor())).status, 200);
  });

  test('requiredScopes [1] and audience 5 compare with ===, like the reference', T, async () => {
    assert.equal((await sameAnswer({ requiredScopes: [1] }, await tokenFor({ scope: '1' }))).status, 403);
    assert.equal((await sameAnswer({ audience: 5 }, await tokenFor({ aud: '5' }))).status, 401);
  });

  for (const [label, jwtVerify, claims] of [
    ['clockTolerance NaN', { clockTolerance: Number('not a number') }, {}],
    ['clockTolerance Infinity', { clockTolerance: Infinity }, {}],
    ['currentDate an invalid Date', { currentDate: new Date('x') }, {}],
    ['currentDate a string', { currentDate: '2026-01-01' }, {}],
    ['currentDate null', { currentDate: null }, {}],
    ['audience a number', { audience: 5 }, {}],
    ["requiredClaims 'exp' (spread into e, x, p)", { requiredClaims: 'exp' }, { e: 1, x: 1 }],
    ['maxTokenAge invalid, token without iat', { maxTokenAge: 'forever' }, {}],
    ['maxTokenAge invalid, token with iat', { maxTokenAge: -1 }, { iat: nowSeconds() }],
    ['audience null', { audience: null }, {}],
    ['clockTolerance null', { clockTolerance: null }, {}],
    ['issuer null', { issuer: null }, {}],
    ['algorithms null', { algorithms: null }, {}],
  ]) {
    test(`jwtVerify ${label}: every token refused as the reference refuses it`, T, async () => {
      const result = await sameAnswer({ jwtVerify }, await tokenFor(claims));
      assert.equal(result.status, 401);
    });
  }
});

test('authorization-server mode with a metadata that is not an object: warning, then invalid_server_config', () => {
  for (const metadata of [undefined, null, 'https://idp.example.com', [], new Date(0)]) {
    const [ref, ours] = LIBS.map(([, lib]) =>
      withWarningsSync(() => {
        try {
          new lib.MCPAuth({ server: { metadata, type: 'oauth' } });
          return 'constructed';
        } catch (error) {
          const [first] = error.cause?.errors ?? [];
          return { name: error.name, code: error.code, errors: [first?.code, first?.cause?.name], warnings: error.cause?.warnings };
        }
      }),
    );
    assert.deepEqual(ours, ref, String(metadata));
  }
});

test("token segments decode as jose's base64url: padding only to a multiple of 4", T, async () => {
  const token = await tokenFor();
  assert.equal(token.split('.')[2].length % 4, 2, 'an RS256 signature needs "==" to pad');
  assert.equal((await sameAnswer({}, `${token}==`)).status, 200);
  assert.equal((await sameAnswer({}, `${token}=`)).status, 401);
});

test('error answers go through res.json, so a wrapper of it (an envelope) applies', T, async () => {
  const envelope = (req, res, next) => {
    const json = res.json.bind(res);
    res.json = (body) => json({ envelope: true, data: body });
    next();
  };
  const result = await sameAnswer({}, 'not-a-jwt', { before: envelope });
  assert.equal(result.body.envelope, true);
  assert.equal(result.body.data.error, 'invalid_token');
});

test('a jwksUri that is not a URL rethrows the reference\'s TypeError (500), with its input', T, async () => {
  const result = await sameAnswer({}, await tokenFor(), { metadata: { ...as.camelMetadata(), jwksUri: '/jwks' } });
  assert.deepEqual(result.body, { name: 'TypeError', message: 'Invalid URL', code: 'ERR_INVALID_URL', input: '/jwks' });
});

describe("remoteJwkSet[customFetch] (jose's symbol): JWKS requests go through it", () => {
  // The JWKS URI does not resolve: only the custom fetch can answer it.
  const metadata = () => ({ ...as.camelMetadata(), jwksUri: 'https://jwks.invalid/keys' });
  const jwks = () => ({ keys: [keys.rsa.jwk] });
  for (const [mode, respond, status, code] of [
    ['answers the JWKS', () => new Response(JSON.stringify(jwks()), { status: 200 }), 200],
    ['answers 404', () => new Response('', { status: 404 }), 401, 'ERR_JOSE_GENERIC'],
    ['times out', () => Promise.reject(new DOMException('slow', 'TimeoutError')), 401, 'ERR_JWKS_TIMEOUT'],
    ['throws', () => Promise.reject(new Error('no route')), 401, 'JWT_VERIFICATION_FAILED'],
  ]) {
    test(`a custom fetch that ${mode}: the reference's answer`, T, async () => {
      const calls = { ref: [], rs: [] };
      const outcomes = await Promise.all(
        LIBS.map(([name, lib]) => {
          const fetchImpl = async (url, init) => {
            calls[name].push([url, init.method, init.redirect, init.headers.get('accept'), init.signal instanceof AbortSignal]);
            return respond();
          };
          return answer(lib, { remoteJwkSet: { [customFetch]: fetchImpl } }, null, { metadata: metadata() });
        }),
      );
      assert.deepEqual(outcomes[1], outcomes[0]);
      assert.equal(outcomes[1].status, status);
      if (code) assert.equal(outcomes[1].body.cause.code, code);
      assert.deepEqual(calls.rs, calls.ref);
      assert.deepEqual(calls.rs, [['https://jwks.invalid/keys', 'GET', 'manual', 'application/json, application/jwk-set+json', true]]);
    });
  }

  test('a middleware holding a custom fetch does not keep Node running', T, () => {
    const script = `
      import { customFetch } from 'jose';
      import { MCPAuth } from 'mcp-auth-rs';
      const auth = new MCPAuth({ protectedResources: { metadata: { resource: 'https://api.example.com/x', authorizationServers: [{ issuer: 'https://idp.example.com', type: 'oauth' }] } } });
      auth.bearerAuth('jwt', { resource: 'https://api.example.com/x', remoteJwkSet: { [customFetch]: fetch } });
      console.log('created');`;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(output.trim(), 'created');
  });
});

describe('createVerifyJwt with a JWK from getKey', () => {
  const verifyBoth = async (getKey, token) =>
    Promise.all(
      LIBS.map(([, lib]) =>
        lib.createVerifyJwt(getKey)(token).then(
          (info) => ({ ok: info.subject }),
          (error) => ({ code: error.cause?.code, inner: error.cause?.cause?.name, message: error.cause?.cause?.message }),
        ),
      ),
    );

  test('its alg, use and key_ops restrict it as in jose', T, async () => {
    const { publicKey, privateKey } = await generateKeyPair('PS256', { extractable: true });
    const jwk = await exportJWK(publicKey);
    const token = await new SignJWT({ iss: 'https://i', sub: 's' }).setProtectedHeader({ alg: 'PS256' }).sign(privateKey);
    for (const restricted of [{ alg: 'RS256' }, { use: 'enc' }, { key_ops: ['sign'] }]) {
      const [ref, ours] = await verifyBoth(() => ({ ...jwk, ...restricted }), token);
      assert.deepEqual(ours, ref);
      assert.equal(ours.code, 'JWT_VERIFICATION_FAILED');
      assert.match(ours.message, /Invalid key for this operation/);
    }
    const [ref, ours] = await verifyBoth(() => ({ ...jwk, alg: 'PS256', use: 'sig', key_ops: ['verify'] }), token);
    assert.deepEqual(ours, ref);
    assert.deepEqual(ours, { ok: 's' });
  });

  test("a jose failure keeps jose's message on cause.cause", T, async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const token = await new SignJWT({ iss: 'https://i', sub: 's', exp: nowSeconds() - 60 }).setProtectedHeader({ alg: 'ES256' }).sign(privateKey);
    const [ref, ours] = await verifyBoth(() => publicKey, token);
    assert.deepEqual(ours, ref);
    assert.deepEqual(ours, { code: 'ERR_JWT_EXPIRED', inner: 'JWTExpired', message: '"exp" claim timestamp check failed' });
  });
});

describe('URL and network errors shaped like Node\'s', () => {
  const rejectionOf = async (lib, call) => {
    try {
      await call(lib);
    } catch (error) {
      const { name, message, code, input, cause } = error;
      return { name, message, code, input, cause: cause && { name: cause.name, message: cause.message, code: cause.code, input: cause.input, errno: cause.errno, syscall: cause.syscall } };
    }
    return 'resolved';
  };
  const sameRejection = async (call) => {
    const [ref, ours] = await Promise.all(LIBS.map(([, lib]) => rejectionOf(lib, call)));
    assert.deepEqual(ours, ref);
    return ours;
  };

  test("fetchServerConfigByWellKnownUrl('nope'): fetch's parse error, with the URL error as cause", T, async () => {
    const error = await sameRejection((lib) => lib.fetchServerConfigByWellKnownUrl('nope', { type: 'oauth' }));
    assert.equal(error.message, 'Failed to parse URL from nope');
    assert.equal(error.cause.code, 'ERR_INVALID_URL');
  });

  test("fetchServerConfig('not a url'): Node's ERR_INVALID_URL, input included", T, async () => {
    const error = await sameRejection((lib) => lib.fetchServerConfig('not a url', { type: 'oauth' }));
    assert.equal(error.input, 'not a url');
  });

  test('connection closed unanswered: cause is a SocketError UND_ERR_SOCKET, as from fetch', T, async () => {
    const server = await startRawServer(null);
    try {
      const error = await sameRejection((lib) => lib.fetchServerConfigByWellKnownUrl(`${server.origin}/x`, { type: 'oauth' }));
      assert.deepEqual([error.cause.name, error.cause.code, error.cause.message], ['SocketError', 'UND_ERR_SOCKET', 'other side closed']);
    } finally {
      await server.close();
    }
  });

  test('connection refused: cause.code ECONNREFUSED, errno and syscall as from fetch', T, async () => {
    const port = await closedPort();
    const error = await sameRejection((lib) => lib.fetchServerConfigByWellKnownUrl(`http://127.0.0.1:${port}/x`, { type: 'oauth' }));
    assert.deepEqual([error.message, error.cause.code, error.cause.syscall], ['fetch failed', 'ECONNREFUSED', 'connect']);
  });
});

test('NODE_EXTRA_CA_CERTS: a server certified by that CA is trusted, as by Node\'s fetch', T, () => {
  const tls = fileURLToPath(new URL('./fixtures/tls/', import.meta.url));
  // The variable is read when the process starts, so each case runs in a child.
  const script = `
    import https from 'node:https';
    import { readFileSync } from 'node:fs';
    import { fetchServerConfigByWellKnownUrl } from 'mcp-auth-rs';
    const metadata = { issuer: 'https://127.0.0.1', authorization_endpoint: 'a', token_endpoint: 't', response_types_supported: ['code'] };
    const server = https.createServer({ key: readFileSync('${tls}key.pem'), cert: readFileSync('${tls}cert.pem') }, (req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(metadata));
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { metadata: got } = await fetchServerConfigByWellKnownUrl('https://127.0.0.1:' + server.address().port + '/wk', { type: 'oauth' });
      console.log('ok ' + got.issuer);
    } catch (error) {
      console.log('failed ' + error.cause?.message);
    } finally {
      server.closeAllConnections();
      server.close();
    }`;
  const run = (env) =>
    execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 10_000 }).trim();
  assert.equal(run({ NODE_EXTRA_CA_CERTS: `${tls}ca.pem` }), 'ok https://127.0.0.1');
  const { NODE_EXTRA_CA_CERTS: _, ...withoutExtraCa } = process.env;
  assert.match(execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: withoutExtraCa, encoding: 'utf8', timeout: 10_000 }), /^failed .*certificate/i);
});
