// The benchmark's authorization server: RS256 and ES256 keys made with jose, RFC 8414 metadata
// and a JWKS on 127.0.0.1 (ephemeral port), and pre-signed pools of access tokens.

import http from 'node:http';
import { sign } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';

export const METADATA_PATH = '/.well-known/oauth-authorization-server';
export const JWKS_PATH = '/jwks';

const ALGS = { RS256: 'rs-1', ES256: 'es-1' };

const makeKey = async (alg) => {
  const { publicKey, privateKey } = await generateKeyPair(alg, { modulusLength: 2048 });
  return { alg, kid: ALGS[alg], privateKey, jwk: { ...(await exportJWK(publicKey)), kid: ALGS[alg], alg, use: 'sig' } };
};

const base64url = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');

// A compact JWS signed with node:crypto: the pools are large and this is about 2x faster than
// jose's SignJWT for RSA. `key` signs, `kid`/`alg` are the header (a stranger key keeps the kid).
const signJwt = ({ alg, kid }, privateKey, claims) => {
  const input = `${base64url({ alg, kid, typ: 'JWT' })}.${base64url(claims)}`;
  const keyInput = alg === 'ES256' ? { key: privateKey, dsaEncoding: 'ieee-p1363' } : privateKey;
  return `${input}.${sign('sha256', Buffer.from(input), keyInput).toString('base64url')}`;
};

/** Starts the server; `close()` stops it. */
export const startAuthServer = async () => {
  const [rs, es, rsStranger, esStranger] = await Promise.all(['RS256', 'ES256', 'RS256', 'ES256'].map(makeKey));
  const server = http.createServer((req, res) => {
    const path = req.url.split('?')[0];
    const body = path === METADATA_PATH ? metadata : path === JWKS_PATH ? { keys: [rs.jwk, es.jwk] } : undefined;
    // No keep-alive: this server shares the benchmark's event loop, which the micro benchmark
    // keeps busy for seconds; an idle pooled connection whose keep-alive timeout expired meanwhile
    // would be closed only when the next request has already been sent on it (a reset).
    res.writeHead(body ? 200 : 404, { 'Content-Type': 'application/json', Connection: 'close' });
    res.end(JSON.stringify(body ?? { error: 'not_found' }));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const metadata = {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    jwks_uri: `${issuer}${JWKS_PATH}`,
    registration_endpoint: `${issuer}/register`,
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
  };
  return {
    issuer,
    jwksUri: metadata.jwks_uri,
    keys: { rs, es, rsStranger, esStranger },
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
};

/**
 * Token pools for `audience`: `rs256` and `es256` hold `size` distinct valid tokens each (unique
 * `jti`), `same` is one more valid RS256 token, `badRs256`/`badEs256` carry the published `kid`
 * but are signed by a key the JWKS does not hold.
 */
export const signTokens = ({ issuer, keys }, audience, size) => {
  const now = Math.floor(Date.now() / 1000);
  const claims = (jti) => ({ iss: issuer, sub: 'bench-user', aud: audience, client_id: 'bench-client', scope: 'read write', iat: now, exp: now + 3600, jti });
  const pool = (key, prefix) => Array.from({ length: size }, (_, i) => signJwt(key, key.privateKey, claims(`${prefix}-${i}`)));
  return {
    rs256: pool(keys.rs, 'rs'),
    es256: pool(keys.es, 'es'),
    same: signJwt(keys.rs, keys.rs.privateKey, claims('same')),
    badRs256: signJwt(keys.rs, keys.rsStranger.privateKey, claims('bad-rs')),
    badEs256: signJwt(keys.es, keys.esStranger.privateKey, claims('bad-es')),
  };
};
