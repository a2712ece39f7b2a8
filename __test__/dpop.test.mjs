// Sender-constrained tokens: DPoP (RFC 9449; BEYOND.md §6) against a real authorization server:
// oidc-provider (v9, __test__/helpers/resource-idp.mjs, DPoP on) issuing DPoP-bound access tokens (RS256 JWT
// with `cnf.jkt`, and opaque tokens whose introspection answer carries `cnf.jkt`) through
// client_credentials with a DPoP proof, and DPoP proofs built by __test__/helpers/dpop.mjs (well
// formed, or with one defect each). Every server is real and on 127.0.0.1:
//
//   0. the IdP itself (what oidc-provider answers; no mcp-auth-rs involved);
//   1. `bearerAuth('jwt', { resource, dpop: {} })` (compat) behind Express: a fresh proof passes
//      (AuthInfo as usual), every proof defect is refused (401 `invalid_dpop_proof` on the DPoP
//      challenge), the binding (`cnf.jkt`) and the scheme rules (401 `invalid_token`), replay
//      detection (jti checked last), the `htu` comparison (query/fragment ignored, scheme/host
//      case-insensitive, default port elided, the path as mounted), the challenges of every 401;
//   2. the options: `required`, `algorithms` (`Ed25519` as a name), `maxProofAge`,
//      `publicOrigin` (a server behind a proxy);
//   3. `bearerAuth('introspection', { dpop })`, and `'jwt'` falling back to introspection;
//   4. without `dpop`: compat is exactly mcp-auth 0.2.0 (the `DPoP` scheme is an unknown scheme,
//      a bound token works as a bearer token); the `mcp-2026-07-28` profile refuses a bound token
//      sent as `Bearer`; and DPoP under the profile;
//   5. setup errors (`none`, HMAC, a path in `publicOrigin`), through the main entry and every door;
//   6. every front door (main entry's Express middleware, /express, /node, /fetch, /hono,
//      /fastify): a valid proof, the same proof replayed, a bound token as Bearer, publicOrigin;
//   7. the demo: `node examples/demo.mjs --dpop` (= `npm run demo -- --dpop`) exits 0 and prints
//      the proof checks.
//
// Challenges are read with helpers/challenge.mjs's RFC 9110 parser from the header as a client sees
// it (several `WWW-Authenticate` lines joined with ", "), so one value with two challenges and two
// lines are both accepted.
//
// Run: node --test --test-concurrency=1 __test__/dpop.test.mjs

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import express from 'express';
import * as ref from 'mcp-auth';
import { MCPAuth, MCPAuthAuthServerError, fetchServerConfig } from 'mcp-auth-rs';
import * as expressDoor from 'mcp-auth-rs/express';
import * as nodeDoor from 'mcp-auth-rs/node';
import * as fetchDoor from 'mcp-auth-rs/fetch';
import * as honoDoor from 'mcp-auth-rs/hono';
import * as fastifyDoor from 'mcp-auth-rs/fastify';
import { startDpopIdp } from './helpers/resource-idp.mjs';
import { createDpopKey, dpopProof, decodeProof, ath, nowSeconds } from './helpers/dpop.mjs';
import { startHttpServer } from './helpers/http-server.mjs';
import { parseChallenges } from './helpers/challenge.mjs';
import { DOORS, closeDoorServers, send, startDoorServers } from './helpers/doors.mjs';
import { within } from './helpers/util.mjs';
import { authInfoRoutes } from './helpers/routes.mjs';

const T = { timeout: 30_000 };
const PROFILE = 'mcp-2026-07-28';
const SCOPES = ['read', 'write'];
const DEFAULT_ALGS = 'ES256 EdDSA RS256 PS256';
const PROXY_ORIGIN = 'https://mcp.example.com';
const DOOR_MODULES = { express: expressDoor, node: nodeDoor, fetch: fetchDoor, hono: honoDoor, fastify: fastifyDoor };

let idp;
let srv; // the Express server
let origin; // its origin, http://127.0.0.1:<port>
let resource; // `${origin}/mcp`
let authServerConfig;
let mcpAuth; // compat
let profileAuth; // mcp-2026-07-28
/** DPoP keys: A and B (ES256), and one per other algorithm. */
const keys = {};
const { guard, noSetupError } = authInfoRoutes();
const cleanups = [];

const introspection = (extra = {}) => ({ clientId: idp.rsClient.clientId, clientSecret: idp.rsClient.clientSecret, cacheMaxAge: 0, ...extra });

before(async () => {
  srv = await startHttpServer();
  srv.server.requestTimeout = 10_000;
  cleanups.push(() => srv.close());
  origin = srv.origin;
  resource = `${origin}/mcp`;

  idp = await within(startDpopIdp({ resource, scopes: SCOPES }), 10_000, 'start DPoP IdP');
  cleanups.push(() => idp.close());
  authServerConfig = await within(fetchServerConfig(idp.issuer, { type: 'oidc' }), 5000, 'fetchServerConfig');
  const refConfig = await within(ref.fetchServerConfig(idp.issuer, { type: 'oidc' }), 5000, 'reference fetchServerConfig');

  keys.A = await createDpopKey('ES256');
  keys.B = await createDpopKey('ES256');
  keys.Ed = await createDpopKey('EdDSA');
  keys.RS = await createDpopKey('RS256');
  keys.PS = await createDpopKey('PS256');
  keys.ES384 = await createDpopKey('ES384');

  const metadata = { resource, authorizationServers: [authServerConfig], scopesSupported: SCOPES };
  mcpAuth = new MCPAuth({ protectedResources: { metadata } });
  profileAuth = new MCPAuth({ protectedResources: { metadata }, profile: PROFILE });
  const referenceAuth = new ref.MCPAuth({ protectedResources: { metadata: { ...metadata, authorizationServers: [refConfig] } } });

  const app = express();
  const jwt = (auth, config) => () => auth.bearerAuth('jwt', { resource, ...config });
  guard(app, '/mcp', jwt(mcpAuth, { dpop: {} }));
  guard(app, '/mounted', jwt(mcpAuth, { dpop: {} }), { mount: true });
  guard(app, '/scoped', jwt(mcpAuth, { requiredScopes: ['write'], dpop: {} }));
  guard(app, '/aud', jwt(mcpAuth, { audience: resource, dpop: {} }));
  guard(app, '/required', jwt(mcpAuth, { dpop: { required: true } }));
  guard(app, '/es256', jwt(mcpAuth, { dpop: { algorithms: ['ES256'] } }));
  guard(app, '/ed25519', jwt(mcpAuth, { dpop: { algorithms: ['Ed25519'] } }));
  guard(app, '/age', jwt(mcpAuth, { dpop: { maxProofAge: 10 } }));
  guard(app, '/proxied', jwt(mcpAuth, { dpop: { publicOrigin: PROXY_ORIGIN } }));
  guard(app, '/plain', jwt(mcpAuth, {}));
  guard(app, '/ref/plain', () => referenceAuth.bearerAuth('jwt', { resource }));
  guard(app, '/intro', () => mcpAuth.bearerAuth('introspection', { resource, dpop: {}, introspection: introspection() }));
  guard(app, '/intro-cached', () =>
    mcpAuth.bearerAuth('introspection', { resource, dpop: {}, introspection: introspection({ cacheMaxAge: 60_000 }) }),
  );
  guard(app, '/jwt-intro', jwt(mcpAuth, { dpop: {}, introspection: introspection() }));
  guard(app, '/p/plain', jwt(profileAuth, { audience: resource }));
  guard(app, '/p/dpop', jwt(profileAuth, { audience: resource, dpop: {} }));
  srv.route('*', app);
});

after(async () => {
  await Promise.allSettled(cleanups.reverse().map((fn) => within(fn(), 5000, 'close')));
});

// ---------------------------------------------------------------------------------------------
// Requests and answers

/** A proof for `method` `path` on `at` (default: the server's origin), bound to `token` (ath). */
const proofFor = (key, { method = 'GET', path = '/mcp', token, at = origin, ...rest } = {}) =>
  dpopProof(key, { htm: method, htu: `${at}${path}`, accessToken: token, ...rest });

/**
 * One request with node's HTTP client (helpers/doors.mjs `send`): `Authorization: <scheme> <token>`
 * (scheme: DPoP when a proof is given, else Bearer), `DPoP: <proof>` (an array → that many lines).
 */
const call = async (path, { method = 'GET', scheme, token, proof, headers = {}, at = origin } = {}) => {
  const h = { ...headers };
  if (token !== undefined) h.authorization = `${scheme ?? (proof !== undefined ? 'DPoP' : 'Bearer')} ${token}`;
  if (proof !== undefined) h.dpop = proof;
  const r = await send(at, { method, path, headers: h });
  let body;
  try {
    body = JSON.parse(r.text);
  } catch {
    body = r.text;
  }
  const www = r.headers['www-authenticate'];
  return { status: r.status, headers: r.headers, www, body, token };
};

const detail = (r) => `${r.status} ${JSON.stringify(r.body)} | WWW-Authenticate: ${r.www}`;

/** The challenges of an answer: `[{ scheme, params: { name: value } }]`. */
const challengesOf = (r) => {
  if (r.www === undefined) return [];
  return parseChallenges(r.www).map(({ scheme, token68, params }) => {
    assert.equal(token68, undefined, `a token68 in ${r.www}`);
    return { scheme, params: Object.fromEntries(params) };
  });
};

const only = (list, scheme, r) => {
  const found = list.filter((c) => c.scheme.toLowerCase() === scheme.toLowerCase());
  assert.ok(found.length <= 1, `more than one ${scheme} challenge: ${r.www}`);
  return found[0];
};

/**
 * The challenges of a 401 on a route with `dpop` set: a DPoP challenge with `algs`, and the Bearer
 * challenge unless `required`. Resolves `{ dpop, bearer }` (params).
 */
const assertDpopChallenges = (r, { required = false, algs = DEFAULT_ALGS } = {}) => {
  assert.equal(r.status, 401, detail(r));
  assert.ok(r.www, `a WWW-Authenticate header: ${detail(r)}`);
  const list = challengesOf(r);
  const dpop = only(list, 'DPoP', r);
  const bearer = only(list, 'Bearer', r);
  assert.ok(dpop, `a DPoP challenge: ${r.www}`);
  assert.equal(dpop.params.algs, algs, r.www);
  if (required) assert.equal(bearer, undefined, `no Bearer challenge when required: ${r.www}`);
  else assert.ok(bearer, `the Bearer challenge too: ${r.www}`);
  assert.equal(list.length, required ? 1 : 2, `only DPoP${required ? '' : ' and Bearer'}: ${r.www}`);
  return { dpop: dpop.params, bearer: bearer?.params };
};

/**
 * A 401 with `error` on the challenge of `scheme` (the scheme the client used; DPoP when there is
 * no Bearer challenge), none on the other, and the body `{ error, error_description }` matching it.
 */
const assertRefused = (r, error, { scheme = 'DPoP', required = false, algs = DEFAULT_ALGS } = {}) => {
  const { dpop, bearer } = assertDpopChallenges(r, { required, algs });
  const carrier = scheme === 'Bearer' && !required ? bearer : dpop;
  const other = carrier === dpop ? bearer : dpop;
  assert.equal(carrier.error, error, `error on the ${carrier === dpop ? 'DPoP' : 'Bearer'} challenge: ${detail(r)}`);
  if (other) assert.equal(other.error, undefined, `no error on the other challenge: ${r.www}`);
  assert.equal(typeof r.body, 'object', detail(r));
  assert.deepEqual(Object.keys(r.body).sort(), ['error', 'error_description'], detail(r));
  assert.equal(r.body.error, error, detail(r));
  assert.equal(typeof r.body.error_description, 'string', detail(r));
  if (carrier.error_description !== undefined) assert.equal(r.body.error_description, carrier.error_description, detail(r));
  if (r.token) {
    assert.ok(!r.www.includes(r.token), 'the token is not echoed in the challenge');
    assert.ok(!JSON.stringify(r.body).includes(r.token), 'the token is not echoed in the body');
  }
};

const assertProofRefused = (r, opts) => assertRefused(r, 'invalid_dpop_proof', opts);
const assertTokenRefused = (r, opts) => assertRefused(r, 'invalid_token', opts);

const assertPassed = (r, token) => {
  assert.equal(r.status, 200, detail(r));
  assert.equal(r.body.token, token, detail(r));
};

/** A DPoP-bound JWT for key A (cached per scope: tokens are reusable, proofs are not). */
const tokenCache = new Map();
const boundJwt = async (key = keys.A, scope = 'read') => {
  const k = `jwt ${key.thumbprint} ${scope}`;
  if (!tokenCache.has(k)) tokenCache.set(k, await idp.getDpopJwt(key, scope));
  return tokenCache.get(k);
};
const boundOpaque = async (key = keys.A, scope = 'read') => {
  const k = `opaque ${key.thumbprint} ${scope}`;
  if (!tokenCache.has(k)) tokenCache.set(k, await idp.getDpopOpaque(key, scope));
  return tokenCache.get(k);
};

/** A fresh, valid DPoP request for `path` with `token` bound to `key`. */
const dpopCall = async (path, token, key = keys.A, { method = 'GET', proofPath = path.split('?')[0], ...proofOpts } = {}) =>
  call(path, { method, token, proof: await proofFor(key, { method, path: proofPath, token, ...proofOpts }) });

// ---------------------------------------------------------------------------------------------
describe('0. the DPoP IdP (oidc-provider v9)', () => {
  test('metadata advertises DPoP algorithms, token and introspection endpoints', T, () => {
    assert.equal(idp.metadata.issuer, idp.issuer);
    assert.equal(idp.metadata.token_endpoint, `${idp.issuer}/token`);
    assert.equal(idp.metadata.introspection_endpoint, `${idp.issuer}/token/introspection`);
    for (const alg of ['ES256', 'EdDSA', 'RS256', 'PS256']) assert.ok(idp.metadata.dpop_signing_alg_values_supported.includes(alg), alg);
  });

  test('a token request with a proof: token_type DPoP, a JWT with cnf.jkt = the RFC 7638 thumbprint', T, async () => {
    const response = await idp.getDpopJwt(keys.A, 'read', { full: true });
    assert.equal(response.token_type, 'DPoP');
    const { header, payload } = decodeProof(response.access_token);
    assert.equal(header.typ, 'at+jwt');
    assert.deepEqual(payload.cnf, { jkt: keys.A.thumbprint });
    assert.equal(payload.aud, resource);
    assert.equal(payload.sub, idp.clientIds.jwt);
    assert.equal(payload.scope, 'read');
    for (const key of [keys.Ed, keys.RS, keys.PS]) {
      assert.deepEqual(decodeProof(await idp.getDpopJwt(key, 'read')).payload.cnf, { jkt: key.thumbprint }, key.alg);
    }
  });

  test('an opaque bound token: its introspection answer carries cnf.jkt and token_type DPoP', T, async () => {
    const response = await idp.getDpopOpaque(keys.A, 'read write', { full: true });
    assert.equal(response.token_type, 'DPoP');
    assert.notEqual(response.access_token.split('.').length, 3);
    const { status, json } = await idp.introspect(response.access_token);
    assert.equal(status, 200);
    assert.equal(json.active, true);
    assert.deepEqual(json.cnf, { jkt: keys.A.thumbprint });
    assert.equal(json.token_type, 'DPoP');
    assert.equal(json.aud, resource);
    assert.equal(json.scope, 'read write');
  });

  test('without a proof: Bearer tokens, no cnf', T, async () => {
    const jwtResponse = await idp.getBearerJwt('read', { full: true });
    assert.equal(jwtResponse.token_type, 'Bearer');
    assert.equal(decodeProof(jwtResponse.access_token).payload.cnf, undefined);
    const opaque = await idp.getBearerOpaque('read');
    const { json } = await idp.introspect(opaque);
    assert.equal(json.active, true);
    assert.equal(json.cnf, undefined);
    assert.equal(json.token_type, 'Bearer');
  });

  test('the token endpoint refuses a replayed proof and a proof for another URL', T, async () => {
    const proof = await dpopProof(keys.A, { htm: 'POST', htu: idp.tokenEndpoint });
    assert.equal((await idp.tokenRequest({ headers: { dpop: proof } })).status, 200);
    const replay = await idp.tokenRequest({ headers: { dpop: proof } });
    assert.equal(replay.status, 400);
    const wrongHtu = await idp.tokenRequest({ headers: { dpop: await dpopProof(keys.A, { htm: 'POST', htu: `${idp.issuer}/other` }) } });
    assert.equal(wrongHtu.status, 400);
    assert.equal(wrongHtu.json.error, 'invalid_dpop_proof');
  });
});

// ---------------------------------------------------------------------------------------------
describe("1. bearerAuth('jwt', { dpop: {} })", () => {
  test('a fresh proof passes: AuthInfo as usual (cnf in the claims)', T, async () => {
    noSetupError('/mcp');
    const token = await boundJwt();
    const r = await dpopCall('/mcp', token);
    assertPassed(r, token);
    const { payload } = decodeProof(token);
    assert.equal(r.body.issuer, idp.issuer);
    assert.equal(r.body.clientId, idp.clientIds.jwt);
    assert.equal(r.body.subject, idp.clientIds.jwt);
    assert.deepEqual(r.body.scopes, ['read']);
    assert.equal(r.body.audience, resource);
    assert.equal(r.body.expiresAt, payload.exp);
    assert.deepEqual(r.body.claims.cnf, { jkt: keys.A.thumbprint });
    assert.equal(r.body.claims.jti, payload.jti);
  });

  test('POST with htm POST, every default algorithm (ES256, EdDSA, RS256, PS256)', T, async () => {
    const token = await boundJwt();
    assertPassed(await dpopCall('/mcp', token, keys.A, { method: 'POST' }), token);
    for (const key of [keys.Ed, keys.RS, keys.PS]) {
      const bound = await boundJwt(key);
      assertPassed(await dpopCall('/mcp', bound, key), bound);
    }
  });

  test('audience and scopes still apply after the proof (403 for a missing scope)', T, async () => {
    noSetupError('/scoped', '/aud');
    const token = await boundJwt();
    assertPassed(await dpopCall('/aud', token), token);
    const r = await dpopCall('/scoped', token);
    assert.equal(r.status, 403, detail(r));
    assert.equal(r.body.error, 'missing_required_scopes', detail(r));
    const writer = await boundJwt(keys.A, 'read write');
    assertPassed(await dpopCall('/scoped', writer), writer);
  });

  test('htm: another method → invalid_dpop_proof', T, async () => {
    const token = await boundJwt();
    assertProofRefused(await call('/mcp', { method: 'GET', token, proof: await proofFor(keys.A, { method: 'POST', token }) }));
    assertProofRefused(await call('/mcp', { method: 'POST', token, proof: await proofFor(keys.A, { method: 'GET', token }) }));
    assertProofRefused(await call('/mcp', { method: 'GET', token, proof: await proofFor(keys.A, { method: 'get', token }) }));
  });

  test('htu: another host, another port, another scheme, another path → invalid_dpop_proof', T, async () => {
    const token = await boundJwt();
    const port = new URL(origin).port;
    for (const htu of [
      `http://localhost:${port}/mcp`,
      `http://127.0.0.2:${port}/mcp`,
      `http://127.0.0.1:${Number(port) + 1}/mcp`,
      `https://127.0.0.1:${port}/mcp`,
      `${origin}/other`,
      `${origin}/mcp/`,
      `${origin}/MCP`,
      `${origin}/`,
      '/mcp',
      'not a url',
    ]) {
      const proof = await dpopProof(keys.A, { htm: 'GET', htu, accessToken: token });
      const r = await call('/mcp', { token, proof });
      assert.equal(r.status, 401, `${htu}: ${detail(r)}`);
      assertProofRefused(r);
    }
  });

  test('htu: query and fragment ignored on both sides; scheme and host case-insensitive', T, async () => {
    const token = await boundJwt();
    const upper = origin.replace('http://', 'HTTP://');
    for (const [path, htu] of [
      ['/mcp', `${origin}/mcp?x=1`],
      ['/mcp', `${origin}/mcp#frag`],
      ['/mcp', `${origin}/mcp?x=1#frag`],
      ['/mcp?a=b&c=d', `${origin}/mcp`],
      ['/mcp?a=b', `${origin}/mcp?other=1`],
      ['/mcp', `${upper}/mcp`],
    ]) {
      const proof = await dpopProof(keys.A, { htm: 'GET', htu, accessToken: token });
      const r = await call(path, { token, proof });
      assert.equal(r.status, 200, `${path} with htu ${htu}: ${detail(r)}`);
    }
  });

  test('htu: the URL comes from the Host header; the default port is elided', T, async () => {
    const token = await boundJwt();
    for (const [host, htu] of [
      ['mcp.local', 'http://mcp.local/mcp'],
      ['mcp.local', 'http://mcp.local:80/mcp'],
      ['mcp.local:80', 'http://mcp.local/mcp'],
      ['MCP.Local', 'http://mcp.local/mcp'],
    ]) {
      const proof = await dpopProof(keys.A, { htm: 'GET', htu, accessToken: token });
      const r = await call('/mcp', { token, proof, headers: { host } });
      assert.equal(r.status, 200, `Host ${host}, htu ${htu}: ${detail(r)}`);
    }
    // The Host the client used, not the socket's address.
    const proof = await proofFor(keys.A, { token });
    assertProofRefused(await call('/mcp', { token, proof, headers: { host: 'mcp.local' } }));
  });

  test('htu: the full path of a mounted middleware (app.use), not the part after the mount point', T, async () => {
    noSetupError('/mounted');
    const token = await boundJwt();
    assertPassed(await dpopCall('/mounted/sub/path', token), token);
    const inner = await dpopProof(keys.A, { htm: 'GET', htu: `${origin}/sub/path`, accessToken: token });
    assertProofRefused(await call('/mounted/sub/path', { token, proof: inner }));
  });

  test('ath: mismatch, missing → invalid_dpop_proof', T, async () => {
    const token = await boundJwt();
    const other = await idp.getDpopJwt(keys.A, 'read write');
    assertProofRefused(await call('/mcp', { token, proof: await proofFor(keys.A, { token: other }) }));
    assertProofRefused(await call('/mcp', { token, proof: await proofFor(keys.A, { ath: ath(`${token}x`) }) }));
    assertProofRefused(await call('/mcp', { token, proof: await proofFor(keys.A, { ath: 'not-base64url!' }) }));
    assertProofRefused(await call('/mcp', { token, proof: await proofFor(keys.A, {}) }));
    // The hex digest is not the base64url one.
    const hex = crypto.createHash('sha256').update(token).digest('hex');
    assertProofRefused(await call('/mcp', { token, proof: await proofFor(keys.A, { ath: hex }) }));
  });

  test('iat: stale (> 300 s), in the future, missing, not a number → invalid_dpop_proof; within 300 s → passes', T, async () => {
    const token = await boundJwt();
    const now = nowSeconds();
    for (const iat of [now - 301 - 5, now - 3600, now + 301 + 5, now + 3600, 0]) {
      const r = await call('/mcp', { token, proof: await proofFor(keys.A, { token, iat }) });
      assert.equal(r.status, 401, `iat now${iat - now >= 0 ? '+' : ''}${iat - now}: ${detail(r)}`);
      assertProofRefused(r);
    }
    assertProofRefused(await call('/mcp', { token, proof: await proofFor(keys.A, { token, omit: ['iat'] }) }));
    assertProofRefused(await call('/mcp', { token, proof: await proofFor(keys.A, { token, iat: String(now) }) }));
    for (const iat of [now - 250, now + 250]) {
      const r = await call('/mcp', { token, proof: await proofFor(keys.A, { token, iat }) });
      assert.equal(r.status, 200, `iat now${iat - now >= 0 ? '+' : ''}${iat - now}: ${detail(r)}`);
    }
  });

  test('missing claims (htm, htu, jti) → invalid_dpop_proof', T, async () => {
    const token = await boundJwt();
    for (const claim of ['htm', 'htu', 'jti']) {
      const r = await call('/mcp', { token, proof: await proofFor(keys.A, { token, omit: [claim] }) });
      assert.equal(r.status, 401, `without ${claim}: ${detail(r)}`);
      assertProofRefused(r);
    }
  });

  test('replay: the same proof twice → the second is 401 invalid_dpop_proof; a new proof with the same jti too', T, async () => {
    const token = await boundJwt();
    const proof = await proofFor(keys.A, { token });
    assertPassed(await call('/mcp', { token, proof }), token);
    assertProofRefused(await call('/mcp', { token, proof }));
    assertProofRefused(await call('/mcp', { token, proof }));
    // Signed again (new bytes), same key and jti.
    const jti = decodeProof(proof).payload.jti;
    assertProofRefused(await call('/mcp', { token, proof: await proofFor(keys.A, { token, jti }) }));
  });

  test('replay: the store is keyed by thumbprint and jti (another key may use the same jti)', T, async () => {
    const jti = `shared-${crypto.randomBytes(6).toString('hex')}`;
    const tokenA = await boundJwt(keys.A);
    const tokenB = await boundJwt(keys.B);
    assertPassed(await call('/mcp', { token: tokenA, proof: await proofFor(keys.A, { token: tokenA, jti }) }), tokenA);
    assertPassed(await call('/mcp', { token: tokenB, proof: await proofFor(keys.B, { token: tokenB, jti }) }), tokenB);
  });

  test('replay: the jti is checked last (a proof refused for a stateless reason does not burn its jti)', T, async () => {
    const token = await boundJwt();
    const jti = `late-${crypto.randomBytes(6).toString('hex')}`;
    assertProofRefused(await call('/mcp', { token, proof: await proofFor(keys.A, { token, jti, method: 'POST' }) }));
    assertProofRefused(await call('/mcp', { token, proof: await proofFor(keys.A, { token, jti, path: '/other' }) }));
    assertProofRefused(await call('/mcp', { token, proof: await proofFor(keys.A, { token, jti, iat: nowSeconds() - 1000 }) }));
    assertPassed(await call('/mcp', { token, proof: await proofFor(keys.A, { token, jti }) }), token);
    assertProofRefused(await call('/mcp', { token, proof: await proofFor(keys.A, { token, jti }) }));
  });

  test('the JWS: alg none, HS256, an algorithm not allowed (ES384) → invalid_dpop_proof', T, async () => {
    const token = await boundJwt();
    assertProofRefused(await call('/mcp', { token, proof: await proofFor(keys.A, { token, alg: 'none' }) }));
    // HS256 with the secret as an `oct` jwk (self-consistent: a naive verifier would accept it).
    const secret = crypto.randomBytes(32);
    const oct = { kty: 'oct', k: secret.toString('base64url') };
    assertProofRefused(await call('/mcp', { token, proof: await proofFor(keys.A, { token, alg: 'HS256', hmacSecret: secret, jwkOverride: oct }) }));
    assertProofRefused(await call('/mcp', { token, proof: await proofFor(keys.A, { token, alg: 'HS256' }) }));
    const es384 = await boundJwt(keys.ES384);
    assertProofRefused(await call('/mcp', { token: es384, proof: await proofFor(keys.ES384, { token: es384 }) }));
  });

  test('the JWS: wrong typ, no typ, no jwk, a private key in jwk, signed by another key than its jwk → invalid_dpop_proof', T, async () => {
    const token = await boundJwt();
    for (const [what, opts] of [
      ['typ JWT', { typ: 'JWT' }],
      ['typ at+jwt', { typ: 'at+jwt' }],
      ['no typ', { typ: null }],
      ['no jwk', { omit: ['jwk'] }],
      ['private jwk (d)', { privateJwk: true }],
      ['signed by B, jwk of A', { signWith: keys.B }],
      ['jwk of B, signed by A', { jwkOverride: keys.B.publicJwk }],
    ]) {
      const r = await call('/mcp', { token, proof: await proofFor(keys.A, { token, ...opts }) });
      assert.equal(r.status, 401, `${what}: ${detail(r)}`);
      assertProofRefused(r);
    }
    // A tampered payload.
    const good = await proofFor(keys.A, { token });
    const [h, , s] = good.split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...decodeProof(good).payload, htm: 'GET', extra: 1 })).toString('base64url')}.${s}`;
    assertProofRefused(await call('/mcp', { token, proof: tampered }));
  });

  test('the DPoP header: missing, empty, not a JWS, two of them → invalid_dpop_proof', T, async () => {
    const token = await boundJwt();
    assertProofRefused(await call('/mcp', { token, scheme: 'DPoP' }));
    assertProofRefused(await call('/mcp', { token, proof: '' }));
    assertProofRefused(await call('/mcp', { token, proof: 'not-a-jws' }));
    assertProofRefused(await call('/mcp', { token, proof: 'a.b.c' }));
    // Two header lines (node:http sends an array value as two lines).
    const one = await proofFor(keys.A, { token });
    const two = await proofFor(keys.A, { token });
    assertProofRefused(await call('/mcp', { token, proof: [one, two] }));
    const three = await proofFor(keys.A, { token });
    assertProofRefused(await call('/mcp', { token, proof: [three, three] }));
    // Neither of them was recorded: each still passes alone.
    assertPassed(await call('/mcp', { token, proof: one }), token);
    assertPassed(await call('/mcp', { token, proof: three }), token);
  });

  test('binding: a proof key other than cnf.jkt → invalid_token (DPoP challenge)', T, async () => {
    const token = await boundJwt(keys.A);
    assertTokenRefused(await call('/mcp', { token, proof: await proofFor(keys.B, { token }) }));
    assertTokenRefused(await call('/mcp', { token, proof: await proofFor(keys.RS, { token }) }));
  });

  test('an unbound token with the DPoP scheme → invalid_token (DPoP challenge)', T, async () => {
    const token = await idp.getBearerJwt('read');
    assertTokenRefused(await call('/mcp', { token, proof: await proofFor(keys.A, { token }) }));
  });

  test('a bound token sent as Bearer → invalid_token (Bearer challenge)', T, async () => {
    const token = await boundJwt();
    assertTokenRefused(await call('/mcp', { token, scheme: 'Bearer' }), { scheme: 'Bearer' });
  });

  test('an unbound token as Bearer still passes (required is false)', T, async () => {
    const token = await idp.getBearerJwt('read');
    assertPassed(await call('/mcp', { token }), token);
  });

  test('a token that fails its own checks under the DPoP scheme → invalid_token (DPoP challenge)', T, async () => {
    const token = await boundJwt();
    // A bad signature (the bound token, its last signature characters changed).
    const tampered = `${token.slice(0, -4)}${token.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    assertTokenRefused(await call('/mcp', { token: tampered, proof: await proofFor(keys.A, { token: tampered }) }));
    // Not a JWT at all.
    assertTokenRefused(await call('/mcp', { token: 'garbage', proof: await proofFor(keys.A, { token: 'garbage' }) }));
  });

  test('every 401 carries the DPoP challenge and the Bearer one', T, async () => {
    // No Authorization header.
    assertDpopChallenges(await call('/mcp', {}));
    // A bad Bearer token (not a JWT).
    assertDpopChallenges(await call('/mcp', { token: 'garbage' }));
    // An expired proof.
    const token = await boundJwt();
    assertDpopChallenges(await call('/mcp', { token, proof: await proofFor(keys.A, { token, iat: nowSeconds() - 4000 }) }));
  });

  test('a malformed Authorization header: the 401 carries both challenges, and the header parses (RFC 9110)', T, async () => {
    // mcp-auth 0.2.0's own description for this case holds unescaped double quotes
    // (`Expected "Bearer <token>".`); alone in a header that only upsets strict parsers, but a
    // DPoP challenge after it cannot be read at all.
    for (const [path, required] of [['/mcp', false], ['/required', true]]) {
      for (const authorization of ['Basic abc', 'Bearer a b', 'DPoP']) {
        const r = await call(path, { headers: { authorization } });
        assert.equal(r.status, 401, `${path}, ${authorization}: ${detail(r)}`);
        assertDpopChallenges(r, { required });
      }
    }
  });

  test('htu: X-Forwarded-Proto / X-Forwarded-Host are not trusted by default (Express without trust proxy)', T, async () => {
    const token = await boundJwt();
    const headers = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example' };
    const forged = await dpopProof(keys.A, { htm: 'GET', htu: 'https://evil.example/mcp', accessToken: token });
    assertProofRefused(await call('/mcp', { token, proof: forged, headers }));
    assertPassed(await call('/mcp', { token, proof: await proofFor(keys.A, { token }), headers }), token);
  });
});

// ---------------------------------------------------------------------------------------------
describe('2. the dpop options', () => {
  test('required: true: a DPoP request passes; a plain Bearer token → invalid_token, no Bearer challenge', T, async () => {
    noSetupError('/required');
    const token = await boundJwt();
    assertPassed(await dpopCall('/required', token), token);
    const bearer = await idp.getBearerJwt('read');
    assertTokenRefused(await call('/required', { token: bearer }), { scheme: 'Bearer', required: true });
    assertTokenRefused(await call('/required', { token, scheme: 'Bearer' }), { scheme: 'Bearer', required: true });
    assertDpopChallenges(await call('/required', {}), { required: true });
    assertProofRefused(await call('/required', { token, proof: await proofFor(keys.A, { token, path: '/mcp' }) }), { required: true });
  });

  test("algorithms: ['ES256'] → algs=\"ES256\", other algorithms refused", T, async () => {
    noSetupError('/es256');
    const token = await boundJwt();
    assertPassed(await dpopCall('/es256', token), token);
    const rs = await boundJwt(keys.RS);
    assertProofRefused(await dpopCall('/es256', rs, keys.RS), { algs: 'ES256' });
    const ed = await boundJwt(keys.Ed);
    assertProofRefused(await dpopCall('/es256', ed, keys.Ed), { algs: 'ES256' });
  });

  test("algorithms: ['Ed25519'] accepts EdDSA proofs", T, async () => {
    noSetupError('/ed25519');
    const ed = await boundJwt(keys.Ed);
    assertPassed(await dpopCall('/ed25519', ed, keys.Ed), ed);
    const token = await boundJwt();
    const r = await dpopCall('/ed25519', token);
    assert.equal(r.status, 401, detail(r));
    assert.equal(challengesOf(r).find((c) => c.scheme === 'DPoP')?.params.error, 'invalid_dpop_proof', r.www);
  });

  test('maxProofAge: 10 → an iat 30 s old or ahead is refused, 5 s passes', T, async () => {
    noSetupError('/age');
    const token = await boundJwt();
    const now = nowSeconds();
    assertProofRefused(await dpopCall('/age', token, keys.A, { iat: now - 30 }));
    assertProofRefused(await dpopCall('/age', token, keys.A, { iat: now + 30 }));
    assertPassed(await dpopCall('/age', token, keys.A, { iat: now - 5 }), token);
  });

  test('publicOrigin (behind a proxy): htu on the public origin passes, htu on the real origin is refused', T, async () => {
    noSetupError('/proxied');
    const token = await boundJwt();
    for (const htu of [
      `${PROXY_ORIGIN}/proxied`,
      'https://mcp.example.com:443/proxied',
      'HTTPS://MCP.EXAMPLE.COM/proxied',
      `${PROXY_ORIGIN}/proxied?q=1`,
    ]) {
      const r = await call('/proxied', { token, proof: await dpopProof(keys.A, { htm: 'GET', htu, accessToken: token }) });
      assert.equal(r.status, 200, `${htu}: ${detail(r)}`);
    }
    for (const htu of [`${origin}/proxied`, 'http://mcp.example.com/proxied', 'https://mcp.example.com:8443/proxied', `${PROXY_ORIGIN}/mcp`]) {
      const r = await call('/proxied', { token, proof: await dpopProof(keys.A, { htm: 'GET', htu, accessToken: token }) });
      assert.equal(r.status, 401, `${htu}: ${detail(r)}`);
      assertProofRefused(r);
    }
    // The Host header does not matter then.
    const proof = await dpopProof(keys.A, { htm: 'GET', htu: `${PROXY_ORIGIN}/proxied`, accessToken: token });
    assertPassed(await call('/proxied', { token, proof, headers: { host: 'internal.local:8080' } }), token);
  });
});

// ---------------------------------------------------------------------------------------------
describe('3. introspection with DPoP', () => {
  test("bearerAuth('introspection', { dpop }): a bound opaque token with a fresh proof passes", T, async () => {
    noSetupError('/intro');
    const token = await boundOpaque();
    const r = await dpopCall('/intro', token);
    assertPassed(r, token);
    assert.equal(r.body.issuer, idp.issuer);
    assert.equal(r.body.clientId, idp.clientIds.opaque);
    assert.deepEqual(r.body.scopes, ['read']);
    assert.deepEqual(r.body.claims.cnf, { jkt: keys.A.thumbprint });
    assert.equal(r.body.claims.token_type, 'DPoP');
  });

  test('introspection: replay, another key, Bearer scheme, an unbound token with DPoP, proof defects', T, async () => {
    const token = await boundOpaque();
    const proof = await proofFor(keys.A, { path: '/intro', token });
    assertPassed(await call('/intro', { token, proof }), token);
    assertProofRefused(await call('/intro', { token, proof }));
    assertTokenRefused(await call('/intro', { token, proof: await proofFor(keys.B, { path: '/intro', token }) }));
    assertTokenRefused(await call('/intro', { token, scheme: 'Bearer' }), { scheme: 'Bearer' });
    const unbound = await idp.getBearerOpaque('read');
    assertTokenRefused(await call('/intro', { token: unbound, proof: await proofFor(keys.A, { path: '/intro', token: unbound }) }));
    assertPassed(await call('/intro', { token: unbound }), unbound);
    assertProofRefused(await call('/intro', { token, proof: await proofFor(keys.A, { path: '/intro', token, method: 'POST' }) }));
    assertProofRefused(await call('/intro', { token, proof: await proofFor(keys.A, { path: '/intro' }) }));
  });

  test('introspection with a cache: the proof (and its replay) is checked on every request', T, async () => {
    noSetupError('/intro-cached');
    const token = await boundOpaque(keys.B);
    const proof = await proofFor(keys.B, { path: '/intro-cached', token });
    assertPassed(await call('/intro-cached', { token, proof }), token);
    assertPassed(await dpopCall('/intro-cached', token, keys.B), token);
    assertProofRefused(await call('/intro-cached', { token, proof }));
    assertTokenRefused(await call('/intro-cached', { token, proof: await proofFor(keys.A, { path: '/intro-cached', token }) }));
    assertTokenRefused(await call('/intro-cached', { token, scheme: 'Bearer' }), { scheme: 'Bearer' });
  });

  test("bearerAuth('jwt', { introspection, dpop }): the binding of an introspected token is checked too", T, async () => {
    noSetupError('/jwt-intro');
    const opaque = await boundOpaque();
    assertPassed(await dpopCall('/jwt-intro', opaque), opaque);
    assertTokenRefused(await dpopCall('/jwt-intro', opaque, keys.B));
    assertTokenRefused(await call('/jwt-intro', { token: opaque, scheme: 'Bearer' }), { scheme: 'Bearer' });
    const jwt = await boundJwt();
    assertPassed(await dpopCall('/jwt-intro', jwt), jwt);
  });
});

// ---------------------------------------------------------------------------------------------
describe('4. without dpop: compat unchanged, the profile refuses bound tokens as Bearer', () => {
  test('compat: the DPoP scheme gets the answer of mcp-auth 0.2.0 for an unknown scheme', T, async () => {
    noSetupError('/plain', '/ref/plain');
    const token = await boundJwt();
    const proof = await proofFor(keys.A, { path: '/plain', token });
    const ours = await call('/plain', { token, proof });
    const theirs = await call('/ref/plain', { token, proof: await proofFor(keys.A, { path: '/ref/plain', token }) });
    assert.equal(theirs.status, 401, detail(theirs));
    assert.equal(theirs.body.error, 'invalid_auth_header_format', detail(theirs));
    assert.equal(ours.status, theirs.status, detail(ours));
    assert.deepEqual(ours.body, theirs.body);
    assert.equal(ours.www, theirs.www);
    assert.ok(!/dpop/i.test(ours.www ?? ''), `no DPoP challenge without dpop: ${ours.www}`);
  });

  test('compat: a bound token sent as Bearer passes (mcp-auth 0.2.0 ignores cnf); the challenge has no DPoP', T, async () => {
    const token = await boundJwt();
    const ours = await call('/plain', { token });
    const theirs = await call('/ref/plain', { token });
    assert.equal(theirs.status, 200, detail(theirs));
    assertPassed(ours, token);
    const none = await call('/plain', {});
    assert.equal(none.status, 401);
    assert.ok(!/dpop/i.test(none.www ?? ''), none.www);
  });

  test(`${PROFILE} without dpop: a bound token as Bearer → 401 invalid_token; an unbound one passes`, T, async () => {
    noSetupError('/p/plain');
    const token = await boundJwt();
    const r = await call('/p/plain', { token });
    assert.equal(r.status, 401, detail(r));
    assert.equal(r.body.error, 'invalid_token', detail(r));
    const bearer = challengesOf(r).find((c) => c.scheme.toLowerCase() === 'bearer');
    assert.equal(bearer?.params.error, 'invalid_token', r.www);
    assert.ok(!JSON.stringify(r.body).includes(token));
    const unbound = await idp.getBearerJwt('read');
    assertPassed(await call('/p/plain', { token: unbound }), unbound);
  });

  test(`${PROFILE} with dpop: a fresh proof passes, a replay and a Bearer bound token are refused`, T, async () => {
    noSetupError('/p/dpop');
    const token = await boundJwt();
    const proof = await proofFor(keys.A, { path: '/p/dpop', token });
    assertPassed(await call('/p/dpop', { token, proof }), token);
    const replay = await call('/p/dpop', { token, proof });
    const { dpop } = assertDpopChallenges(replay);
    assert.equal(dpop.error, 'invalid_dpop_proof', replay.www);
    assert.equal(replay.body.error, 'invalid_dpop_proof', detail(replay));
    const asBearer = await call('/p/dpop', { token });
    const { bearer } = assertDpopChallenges(asBearer);
    assert.equal(bearer.error, 'invalid_token', asBearer.www);
    assert.equal(asBearer.body.error, 'invalid_token', detail(asBearer));
  });
});

// ---------------------------------------------------------------------------------------------
describe('5. setup errors', () => {
  const BAD = [
    ['algorithms none', { algorithms: ['none'] }],
    ['algorithms HS256', { algorithms: ['HS256'] }],
    ['algorithms ES256 + HS512', { algorithms: ['ES256', 'HS512'] }],
    ['publicOrigin with a path', { publicOrigin: 'https://x.example/path' }],
  ];
  const isConfigError = (error) => {
    assert.ok(error instanceof MCPAuthAuthServerError, `${error?.name}: ${error?.message}`);
    assert.equal(error.code, 'invalid_server_config');
    return true;
  };

  test('the main entry: none, HMAC, a path in publicOrigin → MCPAuthAuthServerError invalid_server_config', T, () => {
    for (const [what, dpop] of BAD) {
      assert.throws(() => mcpAuth.bearerAuth('jwt', { resource, dpop }), isConfigError, `jwt, ${what}`);
      assert.throws(
        () => mcpAuth.bearerAuth('introspection', { resource, dpop, introspection: introspection() }),
        isConfigError,
        `introspection, ${what}`,
      );
      assert.throws(() => profileAuth.bearerAuth('jwt', { resource, audience: resource, dpop }), isConfigError, `profile, ${what}`);
    }
  });

  test('every door throws the same setup errors', T, () => {
    for (const [name, door] of Object.entries(DOOR_MODULES)) {
      for (const [what, dpop] of BAD) {
        assert.throws(() => door.bearerAuth(mcpAuth, 'jwt', { resource, dpop }), isConfigError, `${name}, ${what}`);
      }
    }
  });

  test('dpop with a custom verification (a verify function, or the runtime issuer / verifyAccessToken keys) → TypeError', T, () => {
    const verify = async () => ({ issuer: 'x', clientId: '', scopes: [], token: 't' });
    assert.throws(() => mcpAuth.bearerAuth(verify, { resource, dpop: {} }), TypeError);
    assert.throws(() => mcpAuth.bearerAuth('jwt', { resource, dpop: {}, issuer: () => {} }), TypeError);
    assert.throws(() => mcpAuth.bearerAuth('jwt', { resource, dpop: {}, verifyAccessToken: verify }), TypeError);
    assert.doesNotThrow(() => mcpAuth.bearerAuth('jwt', { resource, issuer: () => {} }), 'without dpop, as in the reference');
  });

  test('valid configs do not throw', T, () => {
    for (const dpop of [{}, { required: true }, { algorithms: ['Ed25519', 'PS256'] }, { maxProofAge: 60 }, { publicOrigin: 'https://mcp.example.com:8443' }]) {
      assert.doesNotThrow(() => mcpAuth.bearerAuth('jwt', { resource, dpop }), JSON.stringify(dpop));
      for (const [name, door] of Object.entries(DOOR_MODULES)) {
        assert.doesNotThrow(() => door.bearerAuth(mcpAuth, 'jwt', { resource, dpop }), `${name} ${JSON.stringify(dpop)}`);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------
describe('6. every front door', () => {
  let servers;
  before(async () => {
    servers = await startDoorServers({
      bearer: [
        { path: '/mcp', mcpAuth, verify: 'jwt', config: { resource, dpop: {} } },
        { path: '/proxied', mcpAuth, verify: 'jwt', config: { resource, dpop: { publicOrigin: PROXY_ORIGIN } } },
        { path: '/intro', mcpAuth, verify: 'introspection', config: { resource, dpop: {}, introspection: introspection() } },
      ],
    });
  });
  after(async () => {
    await closeDoorServers(servers);
  });

  for (const name of ['reference', ...DOORS]) {
    test(`${name}: a valid proof passes, the same proof again is refused, a bound token as Bearer is refused`, T, async () => {
      const at = servers[name].origin;
      const token = await boundJwt();
      const proof = await proofFor(keys.A, { at, token });
      const ok = await call('/mcp', { at, token, proof });
      assertPassed(ok, token);
      assert.deepEqual(ok.body.claims?.cnf, { jkt: keys.A.thumbprint });
      assertProofRefused(await call('/mcp', { at, token, proof }));
      assertProofRefused(await call('/mcp', { at, token, proof: await proofFor(keys.A, { at, token, method: 'POST' }) }));
      assertTokenRefused(await call('/mcp', { at, token, proof: await proofFor(keys.B, { at, token }) }));
      assertTokenRefused(await call('/mcp', { at, token, scheme: 'Bearer' }), { scheme: 'Bearer' });
      const two = [await proofFor(keys.A, { at, token }), await proofFor(keys.A, { at, token })];
      assertProofRefused(await call('/mcp', { at, token, proof: two }));
      assertDpopChallenges(await call('/mcp', { at }));
      // POST with a query string.
      const post = await call('/mcp?x=1', { at, method: 'POST', token, proof: await proofFor(keys.A, { at, token, method: 'POST' }) });
      assertPassed(post, token);
      // The origin comes from the Host header (default port elided).
      const hosted = await dpopProof(keys.A, { htm: 'GET', htu: 'http://mcp.local/mcp', accessToken: token });
      assertPassed(await call('/mcp', { at, token, proof: hosted, headers: { host: 'mcp.local:80' } }), token);
    });

    test(`${name}: publicOrigin, introspection`, T, async () => {
      const at = servers[name].origin;
      const token = await boundJwt();
      const proxied = await dpopProof(keys.A, { htm: 'GET', htu: `${PROXY_ORIGIN}/proxied`, accessToken: token });
      assertPassed(await call('/proxied', { at, token, proof: proxied }), token);
      assertProofRefused(await call('/proxied', { at, token, proof: await proofFor(keys.A, { at, path: '/proxied', token }) }));
      const opaque = await boundOpaque();
      const proof = await proofFor(keys.A, { at, path: '/intro', token: opaque });
      assertPassed(await call('/intro', { at, token: opaque, proof }), opaque);
      assertProofRefused(await call('/intro', { at, token: opaque, proof }));
    });
  }
});

test('7. the demo: `npm run demo -- --dpop` exits 0 and prints the proof checks', { timeout: 60_000 }, async () => {
  const demo = fileURLToPath(new URL('../examples/demo.mjs', import.meta.url));
  const { code, stdout, stderr } = await new Promise((resolve) => {
    execFile(process.execPath, [demo, '--dpop'], { timeout: 50_000 }, (error, out, err) =>
      resolve({ code: error ? (error.code ?? error.signal) : 0, stdout: out, stderr: err }),
    );
  });
  assert.equal(code, 0, `${stdout}\n${stderr}`);
  // The output by step: '▶ <title>' then its lines.
  const steps = new Map(stdout.split('\n▶ ').slice(1).map((block) => [block.split('\n')[0], block]));
  const stepWith = (title) => {
    const found = [...steps].find(([name]) => name.startsWith(title));
    assert.ok(found, `no step "${title}" in:\n${stdout}`);
    return found[1];
  };
  assert.match(stepWith('Starting a local OpenID provider with DPoP'), new RegExp(`dpop_signing_alg_values_supported: ${DEFAULT_ALGS}`));
  assert.match(stepWith('A request without a token'), /HTTP 401\n {2}WWW-Authenticate: DPoP algs="ES256 EdDSA RS256 PS256"/);
  const signIn = stepWith('The MCP client connects');
  assert.match(signIn, /token request: POST http:\/\/127\.0\.0\.1:\d+\/token with a DPoP proof → HTTP 200/);
  assert.match(signIn, /proof header: typ dpop\+jwt, alg ES256, jwk \{ kty EC, crv P-256 \} \(public key only: yes\)/);
  assert.match(signIn, /proof claims: htm POST, htu http:\/\/127\.0\.0\.1:\d+\/token, .*, no ath/);
  assert.match(signIn, /access token received \(DPoP, expires in \d+ s\)/);
  const [, jkt] = /cnf\.jkt of the access token: (\S+)/.exec(stepWith('The token is bound to the key'));
  const [, thumbprint] = /JWK thumbprint \(RFC 7638, SHA-256\): (\S+)/.exec(stepWith("The client's DPoP key"));
  assert.match(jkt, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(jkt, thumbprint);
  const call = stepWith('Calling the whoami tool');
  assert.match(call, /tools\/call whoami: Authorization: DPoP <token>, a fresh proof \(jti [0-9a-f-]{36}\) → HTTP 200/);
  assert.match(call, /proof claims: htm POST, htu http:\/\/127\.0\.0\.1:\d+\/mcp, .*, ath [A-Za-z0-9_-]{43}/);
  assert.match(call, /subject: {3}demo-user/);
  assert.match(call, new RegExp(`cnf\\.jkt: {3}${jkt}`));
  const refusals = [
    ['The same request replayed with the same proof', 'invalid_dpop_proof'],
    ['The token sent as a plain bearer token', 'invalid_token'],
    ['A fresh proof signed by another key', 'invalid_token'],
  ];
  for (const [title, error] of refusals) {
    const block = stepWith(title);
    assert.match(block, /HTTP 401\n/, title);
    assert.match(block, new RegExp(`WWW-Authenticate: DPoP algs="${DEFAULT_ALGS}", error="${error}"`), title);
    assert.match(block, new RegExp(`body: \\{"error":"${error}"`), title);
  }
  assert.match(stepWith("The client's next call"), /→ HTTP 200\n {2}whoami: subject demo-user/);
  assert.ok(steps.has('Done'), stdout);
});
