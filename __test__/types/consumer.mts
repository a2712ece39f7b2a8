// ESM consumer: exercises the public typings the way user code is written.
// Type-checked only (never executed): `npx tsc -p __test__/types/tsconfig.json`.

import { createSecretKey, generateKeyPairSync } from 'node:crypto';

import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import express, { type Request, type RequestHandler, type Router } from 'express';
import { createRemoteJWKSet, type JWTVerifyGetKey, type JWTVerifyOptions, type RemoteJWKSetOptions } from 'jose';
import { z } from 'zod';

import {
  MCPAuth,
  MCPAuthAuthServerError,
  MCPAuthBearerAuthError,
  MCPAuthConfigError,
  MCPAuthError,
  MCPAuthTokenVerificationError,
  authServerErrorDescription,
  authorizationServerMetadataSchema,
  bearerAuthErrorDescription,
  camelCaseAuthorizationServerMetadataSchema,
  camelCaseProtectedResourceMetadataSchema,
  createVerifyJwt,
  defaultValues,
  fetchServerConfig,
  fetchServerConfigByWellKnownUrl,
  getIssuer,
  handleBearerAuth,
  protectedResourceMetadataSchema,
  serverMetadataPaths,
  tokenVerificationErrorDescription,
  validateServerConfig,
} from 'mcp-auth-rs';
import type {
  AuthServerConfig,
  AuthStore,
  AuthServerConfigError,
  AuthServerConfigErrorCode,
  AuthServerConfigWarning,
  AuthServerConfigWarningCode,
  AuthServerDiscoveryConfig,
  AuthServerErrorCode,
  AuthServerModeConfig,
  AuthServerSuccessCode,
  AuthServerType,
  AuthorizationServerMetadata,
  BearerAuthConfig,
  BearerAuthErrorCode,
  CamelCaseAuthorizationServerMetadata,
  CamelCaseProtectedResourceMetadata,
  MCPAuthBearerAuthErrorDetails,
  MCPAuthConfig,
  MCPAuthTokenVerificationErrorCode,
  ProtectedResourceMetadata,
  ResolvedAuthServerConfig,
  ResourceServerModeConfig,
  ValidateIssuerFunction,
  VerifyAccessTokenFunction,
  VerifyAccessTokenMode,
} from 'mcp-auth-rs';

/** Compile-time equality check. */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assertType = <T extends true>(): T => true as T;

// --- Resource server mode (recommended) ---------------------------------------------------------

const resource = 'https://api.example.com/mcp';
const issuer = 'https://auth.example.com/oidc';

// Discovery config: metadata fetched lazily.
const discovery = { issuer, type: 'oidc' } satisfies AuthServerDiscoveryConfig;

const mcpAuth = new MCPAuth({
  protectedResources: [
    {
      metadata: {
        resource,
        authorizationServers: [discovery],
        scopesSupported: ['read', 'write'],
        resourceName: 'Example MCP server',
      },
    },
  ],
});

// Single resource (not an array) is accepted too.
const single = new MCPAuth({ protectedResources: { metadata: { resource } } });
const configOf: MCPAuthConfig = single.config;
void configOf;

const app = express();
app.use(express.json());
const prRouter: Router = mcpAuth.protectedResourceMetadataRouter();
app.use(prRouter);

const jwtAuth: RequestHandler = mcpAuth.bearerAuth('jwt', {
  resource,
  audience: resource,
  requiredScopes: ['read'],
  impliedScopes: { admin: ['write'], write: ['read'] },
  operationScopes: { 'tools/call:delete_note': ['write'], 'tools/list': [] },
});
mcpAuth.bearerAuth('jwt', {
  resource,
  operationScopes: async ({ method, name }) => (method === 'tools/call' && name === 'delete_note' ? ['write'] : undefined),
  showErrorDetails: true,
  jwtVerify: { clockTolerance: 60 },
  remoteJwkSet: { timeoutDuration: 5000 },
});

app.get('/whoami', jwtAuth, (req, res) => {
  const scopes: string[] | undefined = req.auth?.scopes;
  const subject: string | undefined = req.auth?.subject;
  const iss: string | undefined = req.auth?.issuer;
  const aud: string | string[] | undefined = req.auth?.audience;
  const claims: Record<string, unknown> | undefined = req.auth?.claims;
  const expiresAt: number | undefined = req.auth?.expiresAt;
  res.json({ scopes, subject, iss, aud, claims, expiresAt, clientId: req.auth?.clientId });
});

// All jose verify options we honor, and all remote JWK Set options.
mcpAuth.bearerAuth('jwt', {
  resource,
  jwtVerify: {
    algorithms: ['RS256', 'ES256'],
    audience: [resource],
    issuer,
    subject: 'user',
    clockTolerance: '30s',
    maxTokenAge: '1h',
    requiredClaims: ['exp'],
    typ: 'at+jwt',
    currentDate: new Date(),
    crit: { b64: true },
  },
  remoteJwkSet: {
    timeoutDuration: 1000,
    cooldownDuration: 30_000,
    cacheMaxAge: Infinity,
    headers: { 'x-tenant': 'a' },
  },
});

// Options objects typed with jose's own types are accepted as-is.
declare const joseVerifyOptions: JWTVerifyOptions;
declare const joseRemoteOptions: RemoteJWKSetOptions;
mcpAuth.bearerAuth('jwt', { resource, jwtVerify: joseVerifyOptions, remoteJwkSet: joseRemoteOptions });

// Custom verification function (sync or async).
const customAuth = mcpAuth.bearerAuth(async (token) => ({ token, issuer: 'x', clientId: 'c', scopes: [] }), {
  resource,
});
mcpAuth.bearerAuth((token) => ({ token, issuer, clientId: 'c', scopes: ['read'], subject: 's', claims: {} }), {
  resource,
  requiredScopes: ['read'],
});
app.post('/custom', customAuth, (req: Request, res) => {
  res.json(req.auth ?? null);
});

// --- MCP SDK integration: AuthInfo augmentation is visible in tool handlers ------------------

const server = new McpServer({ name: 'example', version: '1.0.0' });
server.tool('whoami', {}, async (_args, { authInfo }) => {
  const iss: string | undefined = authInfo?.issuer;
  const claims: Record<string, unknown> | undefined = authInfo?.claims;
  const sub: string | undefined = authInfo?.subject;
  return { content: [{ type: 'text', text: JSON.stringify({ iss, sub, claims, scopes: authInfo?.scopes }) }] };
});

// The augmented SDK AuthInfo is what verification functions return.
const fromSdk: AuthInfo = { token: 't', clientId: 'c', scopes: [], issuer };
const verify: VerifyAccessTokenFunction = () => fromSdk;
// @ts-expect-error `issuer` is required by the augmentation
const missingIssuer: AuthInfo = { token: 't', clientId: 'c', scopes: [] };
void missingIssuer;

// --- Legacy authorization server mode ------------------------------------------------------------

const resolved: ResolvedAuthServerConfig = await fetchServerConfig(issuer, { type: 'oidc' });
const legacy = new MCPAuth({ server: resolved });
app.use(legacy.delegatedRouter());
app.use('/legacy', legacy.bearerAuth('jwt', { requiredScopes: ['read', 'write'] }));
const legacyConfig: AuthServerModeConfig = { server: discovery };
new MCPAuth(legacyConfig);

// Both modes at once type-check (runtime picks authorization server mode).
const both: MCPAuthConfig = { server: discovery, protectedResources: [] };
void both;

// --- Discovery helpers ---------------------------------------------------------------------------

const oauth = await fetchServerConfig('https://auth.example.com', {
  type: 'oauth',
  transpileData: (data) => ({ ...data, response_types_supported: ['code'] }),
});
const viaUrl = await fetchServerConfigByWellKnownUrl(new URL('https://auth.example.com/.well-known/openid-configuration'), {
  type: 'oidc',
  // Our extensions: async transpile, request timeout, response size limit.
  transpileData: async (data) => data as AuthorizationServerMetadata,
  requestTimeout: 2_000,
  maxResponseBytes: 64 * 1024,
});
await fetchServerConfigByWellKnownUrl('https://auth.example.com/.well-known/oauth-authorization-server', {
  type: 'oauth',
  transpileData: () => undefined,
});
const jwksUri: string | undefined = oauth.metadata.jwksUri;
const metaType: AuthServerType = viaUrl.type;
void jwksUri;
void metaType;

const oauthPath: '/.well-known/oauth-authorization-server' = serverMetadataPaths.oauth;
const oidcPath: '/.well-known/openid-configuration' = serverMetadataPaths.oidc;
void oauthPath;
void oidcPath;
const issuers: string[] = [resolved, discovery].map((cfg: AuthServerConfig) => getIssuer(cfg));
void issuers;
const grants: string[] = defaultValues.grantTypesSupported;
void grants;

// --- validateServerConfig ------------------------------------------------------------------------

const cfg: ResolvedAuthServerConfig = {
  type: 'oauth',
  metadata: {
    issuer: 'https://auth.example.com',
    authorizationEndpoint: 'https://auth.example.com/authorize',
    tokenEndpoint: 'https://auth.example.com/token',
    responseTypesSupported: ['code'],
    codeChallengeMethodsSupported: ['S256'],
  },
};
const verbose = validateServerConfig(cfg, true);
const isValid: boolean | undefined = validateServerConfig(cfg, true).isValid;
void isValid;
const successCodes: AuthServerSuccessCode[] = verbose.successes.map((s) => s.code);
void successCodes;
const result = validateServerConfig(cfg);
if (result.isValid) {
  const warnings: AuthServerConfigWarning[] = result.warnings;
  void warnings;
} else {
  const errors: AuthServerConfigError[] = result.errors;
  const codes: AuthServerConfigErrorCode[] = errors.map((e) => e.code);
  const cause: Error | undefined = errors[0]?.cause;
  void codes;
  void cause;
}
const warningCode: AuthServerConfigWarningCode = 'dynamic_registration_not_supported';
void warningCode;
// @ts-expect-error successes is only guaranteed with verbose: true
const noSuccesses: AuthServerSuccessCode[] = validateServerConfig(cfg).successes.map((s) => s.code);
void noSuccesses;

// --- Errors --------------------------------------------------------------------------------------

const scopeError = new MCPAuthBearerAuthError('missing_required_scopes', { missingScopes: ['x'] });
const body: Record<string, unknown> = scopeError.toJson(true);
void body;
const bearerCode: BearerAuthErrorCode = scopeError.code;
const details: MCPAuthBearerAuthErrorDetails | undefined = scopeError.cause;
void bearerCode;
void details;
new MCPAuthBearerAuthError('invalid_issuer', { expected: issuer, actual: 'other', uri: new URL('https://docs') });

const asError = new MCPAuthAuthServerError('missing_jwks_uri', { cause: 'no jwks' });
const asCode: AuthServerErrorCode = asError.code;
void asCode;
const tvError = new MCPAuthTokenVerificationError('invalid_token', new Error('bad'));
const tvCode: MCPAuthTokenVerificationErrorCode = tvError.code;
void tvCode;
const cfgError = new MCPAuthConfigError('fetch_server_config_error', 'boom');
const base: MCPAuthError = cfgError;
const asPlainError: Error = base;
const code: string = base.code;
void asPlainError;
void code;
base.toJson();

const descriptions: string[] = [
  authServerErrorDescription.invalid_server_config,
  bearerAuthErrorDescription.missing_auth_header,
  tokenVerificationErrorDescription.token_verification_failed,
];
void descriptions;

// Errors thrown from user callbacks.
const strictIssuer: ValidateIssuerFunction = (tokenIssuer) => {
  if (tokenIssuer !== issuer) {
    throw new MCPAuthBearerAuthError('invalid_issuer', { expected: issuer, actual: tokenIssuer });
  }
};

// --- Low-level helpers ---------------------------------------------------------------------------

const bearerConfig: BearerAuthConfig = {
  verifyAccessToken: verify,
  issuer: strictIssuer,
  audience: resource,
  requiredScopes: ['read'],
  resource,
  showErrorDetails: false,
};
app.use(handleBearerAuth(bearerConfig));
app.use(handleBearerAuth({ verifyAccessToken: verify, issuer }));

// createVerifyJwt with every kind of key source.
const jwks = createRemoteJWKSet(new URL('https://auth.example.com/jwks'));
const viaJose: VerifyAccessTokenFunction = createVerifyJwt(jwks, { audience: resource, clockTolerance: 5 });
declare const joseGetKey: JWTVerifyGetKey;
createVerifyJwt(joseGetKey);
createVerifyJwt(() => createSecretKey(Buffer.from('secret')));
createVerifyJwt(async () => new TextEncoder().encode('secret'), { algorithms: ['HS256'] });
const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
createVerifyJwt((header, token) => {
  const alg: string = header.alg;
  const kid: string | undefined = header.kid;
  const parts: string = `${token.protected}.${token.payload}.${token.signature}`;
  void alg;
  void kid;
  void parts;
  return publicKey;
});
createVerifyJwt(async () => ({ kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }));
declare const webKey: import('node:crypto').webcrypto.CryptoKey;
createVerifyJwt(() => webKey);
const authInfo: AuthInfo = await viaJose('token');
void authInfo;

// --- zod schemas ---------------------------------------------------------------------------------

const parsed: AuthorizationServerMetadata = authorizationServerMetadataSchema.parse({});
const camel: CamelCaseAuthorizationServerMetadata = camelCaseAuthorizationServerMetadataSchema.parse({});
const pr: ProtectedResourceMetadata = protectedResourceMetadataSchema.parse({});
const camelPr: CamelCaseProtectedResourceMetadata = camelCaseProtectedResourceMetadataSchema.parse({});
void parsed;
void camel;
void pr;
void camelPr;
const safe = camelCaseAuthorizationServerMetadataSchema.safeParse({});
if (!safe.success) {
  const zodError: z.ZodError = safe.error;
  void zodError;
}
const extended = protectedResourceMetadataSchema.extend({ custom: z.string() });
const ext: z.infer<typeof extended> = { resource, custom: 'yes' };
void ext;
assertType<Equals<z.infer<typeof authorizationServerMetadataSchema>, AuthorizationServerMetadata>>();
assertType<Equals<z.infer<typeof camelCaseProtectedResourceMetadataSchema>, CamelCaseProtectedResourceMetadata>>();
const schemaIsZod: z.ZodTypeAny = camelCaseAuthorizationServerMetadataSchema;
void schemaIsZod;

// --- Misc type exports ---------------------------------------------------------------------------

const mode: VerifyAccessTokenMode = 'jwt';
mcpAuth.bearerAuth(mode, { resource });
const rsConfig: ResourceServerModeConfig = { protectedResources: [] };
new MCPAuth(rsConfig);

// --- mcp-auth-rs options and error narrowing ---------------------------------------------------

// Our extensions of the bearerAuth('jwt') options.
mcpAuth.bearerAuth('jwt', { resource, verifiedTokenCache: false });
mcpAuth.bearerAuth('jwt', { resource, verifiedTokenCache: { maxEntries: 100 }, remoteJwkSet: { staleIfError: 60_000 } });

// Several protected resources, each with its own authorization servers.
const multi: ResourceServerModeConfig = {
  protectedResources: [
    { metadata: { resource, authorizationServers: [resolved] } },
    { metadata: { resource: 'https://api.example.com/other', authorizationServers: [discovery], scopesSupported: ['read'] } },
  ],
};
const multiAuth = new MCPAuth(multi);
const multiConfig: MCPAuthConfig = multiAuth.config;
void multiConfig;

// Narrowing caught errors with `instanceof`; every class is an MCPAuthError and an Error.
const describeError = (error: unknown): string => {
  if (error instanceof MCPAuthBearerAuthError) {
    const c: BearerAuthErrorCode = error.code;
    return `${c} ${error.cause?.missingScopes?.join(' ') ?? ''} ${error.cause?.uri?.href ?? ''}`;
  }
  if (error instanceof MCPAuthTokenVerificationError) {
    const c: MCPAuthTokenVerificationErrorCode = error.code;
    return `${c} ${String(error.cause)}`;
  }
  if (error instanceof MCPAuthAuthServerError) {
    const c: AuthServerErrorCode = error.code;
    return `${c} ${String(error.cause)}`;
  }
  if (error instanceof MCPAuthConfigError) {
    const c: string = error.code;
    return `${c} ${error.message}`;
  }
  if (error instanceof MCPAuthError) return `${error.name}: ${error.code} ${JSON.stringify(error.toJson(true))}`;
  return error instanceof Error ? error.message : String(error);
};
void describeError;
const allErrors: MCPAuthError[] = [asError, scopeError, tvError, cfgError];
const names: string[] = allErrors.map((e) => e.name);
void names;
new MCPAuthAuthServerError('invalid_server_config');
new MCPAuthTokenVerificationError('token_verification_failed');

// --- Things that must NOT compile ----------------------------------------------------------------

// @ts-expect-error only the 'jwt' and 'introspection' modes exist
mcpAuth.bearerAuth('opaque');
// @ts-expect-error the config must be one of the two modes
new MCPAuth({ nonsense: true });
// @ts-expect-error unknown authorization server type
await fetchServerConfig('x', { type: 'saml' });
// @ts-expect-error `type` is required
await fetchServerConfigByWellKnownUrl('https://x/.well-known/openid-configuration', {});
mcpAuth.bearerAuth('introspection', { resource: 'https://x/mcp', introspection: { clientId: 'rs', cacheMaxAge: 0 } });
mcpAuth.bearerAuth('jwt', { resource: 'https://x/mcp', scopeClaims: ['realm_access.roles'], introspection: { clientId: 'rs' } });
mcpAuth.bearerAuth('jwt', { resource: 'https://x/mcp', dpop: { required: true, algorithms: ['ES256'], publicOrigin: 'https://x' } });
const sharedStore: AuthStore = { get: async () => undefined, set: async () => {}, add: async () => true };
new MCPAuth({ protectedResources: { metadata: { resource: 'https://x/mcp' } }, store: sharedStore, storeTimeout: 500 });
// @ts-expect-error a store needs add
new MCPAuth({ protectedResources: { metadata: { resource: 'https://x/mcp' } }, store: { get: async () => undefined } });
// @ts-expect-error dpop.required is a boolean
mcpAuth.bearerAuth('jwt', { dpop: { required: 'yes' } });
// @ts-expect-error introspection needs a clientId
mcpAuth.bearerAuth('introspection', { introspection: { clientSecret: 's' } });
// @ts-expect-error `issuer` is not a bearerAuth option
mcpAuth.bearerAuth('jwt', { issuer });
// @ts-expect-error jwtVerify options are only for the 'jwt' mode
mcpAuth.bearerAuth(verify, { jwtVerify: { clockTolerance: 1 } });
// @ts-expect-error clockTolerance must be a number or a string
mcpAuth.bearerAuth('jwt', { jwtVerify: { clockTolerance: true } });
// @ts-expect-error cacheMaxAge must be a number
mcpAuth.bearerAuth('jwt', { remoteJwkSet: { cacheMaxAge: '10m' } });
// @ts-expect-error not a known bearer auth error code
new MCPAuthBearerAuthError('nope');
// @ts-expect-error the second argument is a details object, not a message
new MCPAuthBearerAuthError('invalid_token', 'message');
// @ts-expect-error issuer is required in BearerAuthConfig
handleBearerAuth({ verifyAccessToken: verify });
// @ts-expect-error validateServerConfig needs resolved (metadata) config
validateServerConfig(discovery);
// @ts-expect-error the description tables are read-only
bearerAuthErrorDescription.invalid_token = 'x';
// @ts-expect-error config is read-only
mcpAuth.config = rsConfig;
// @ts-expect-error getKey must return a key
createVerifyJwt(() => 'not a key');
// @ts-expect-error verifiedTokenCache takes a boolean or { maxEntries }
mcpAuth.bearerAuth('jwt', { resource, verifiedTokenCache: 10 });
// @ts-expect-error staleIfError is in milliseconds
mcpAuth.bearerAuth('jwt', { resource, remoteJwkSet: { staleIfError: '1m' } });
// @ts-expect-error not an auth server error code
new MCPAuthAuthServerError('invalid_token');
// @ts-expect-error not a token verification error code
new MCPAuthTokenVerificationError('missing_auth_header');
// @ts-expect-error the error code is read-only
scopeError.code = 'invalid_token';
// Types used in signatures but not exported by name (as in mcp-auth), and internal helpers.
// @ts-expect-error not exported
type NoResourceServerConfig = import('mcp-auth-rs').ResourceServerConfig;
// @ts-expect-error not exported
type NoVerifyJwtConfig = import('mcp-auth-rs').VerifyJwtConfig;
// @ts-expect-error not exported
type NoServerMetadataConfig = import('mcp-auth-rs').ServerMetadataConfig;
// @ts-expect-error not exported
type NoAuthInfo = import('mcp-auth-rs').AuthInfo;
// @ts-expect-error not exported
type NoMaybePromise = import('mcp-auth-rs').MaybePromise<string>;
// @ts-expect-error metadata must be camelCase
new MCPAuth({ server: { type: 'oauth', metadata: { issuer, authorization_endpoint: 'a', token_endpoint: 't', response_types_supported: [] } } });
