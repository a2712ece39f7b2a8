// `createVerifyJwt`: the key comes from JS (`getKey`), the verification happens in the core.
import { KeyObject } from 'node:crypto';
import { binding } from './native.js';
import { authInfoFrom, jsonArg } from './codec.js';
import { MCPAuthTokenVerificationError, callSync } from './errors.js';
import { jwtVerifyJson } from './options.js';

const joseCode = (error) =>
  typeof error?.code === 'string' && /^ERR_(JOSE|JWS|JWT|JWKS|JWK|JWE)/.test(error.code) ? error.code : 'JWT_VERIFICATION_FAILED';

const toJwk = async (key) => {
  if (key instanceof Uint8Array) return { kty: 'oct', k: Buffer.from(key).toString('base64url') };
  if (key instanceof KeyObject) {
    return key.type === 'secret' ? { kty: 'oct', k: key.export().toString('base64url') } : key.export({ format: 'jwk' });
  }
  if (typeof CryptoKey !== 'undefined' && key instanceof CryptoKey) return crypto.subtle.exportKey('jwk', key);
  return key;
};

export const createVerifyJwt = (getKey, options) => {
  const verifier = new binding.JwtKeyVerifier(jwtVerifyJson(options));
  return async function verifyJwt(token) {
    const protectedHeader = JSON.parse(callSync(() => verifier.protectedHeader(String(token))));
    const [protectedSegment, payload, signature] = String(token).split('.');
    let key;
    let jwk;
    try {
      key = typeof getKey === 'function' ? await getKey(protectedHeader, { payload, protected: protectedSegment, signature }) : getKey;
      jwk = await toJwk(key);
    } catch (error) {
      throw new MCPAuthTokenVerificationError('invalid_token', { code: joseCode(error), cause: error });
    }
    const keyForm = jwk === key ? 'jwk' : typeof CryptoKey !== 'undefined' && key instanceof CryptoKey ? 'cryptokey' : 'other';
    return authInfoFrom(callSync(() => verifier.verify(String(token), jsonArg(jwk), keyForm)), token);
  };
};
