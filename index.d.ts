// Public typings of `mcp-auth-rs`, a native (Rust + napi-rs) drop-in replacement for
// `mcp-auth@0.2.0`. Hand-written; the runtime is one ES module (`index.js`), which CommonJS
// consumers load through Node's require(esm), and this declaration file serves both.

/// <reference path="./lib/doors/mcp-sdk-v2.d.cts" />

import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { RequestHandler, Router } from 'express';
import type { z } from 'zod';

// ---------------------------------------------------------------------------------------------
// Module augmentations
// ---------------------------------------------------------------------------------------------

// The MCP SDK ships separate ESM and CommonJS builds, each with its own `AuthInfo`. This file is
// an ES module, so both specifiers below resolve to the ESM build (as in mcp-auth, whose typings
// are ESM too); the extensionless one covers projects that import the SDK without `.js`.

declare module '@modelcontextprotocol/sdk/server/auth/types.js' {
  /**
   * Fields added by `mcp-auth-rs` to the MCP SDK's `AuthInfo`. They are filled in by the JWT
   * verifier (`bearerAuth('jwt')` / {@link createVerifyJwt}) and must be returned by custom
   * verification functions as well (`issuer` is required: the bearer middleware checks it).
   */
  interface AuthInfo {
    /** Issuer of the access token (`iss` claim), i.e. the authorization server that minted it. */
    issuer: string;
    /** Subject of the access token (`sub` claim), usually the user or client identifier. */
    subject?: string;
    /** Intended audience(s) of the access token (`aud` claim). */
    audience?: string | string[];
    /** The complete, verified JWT payload (JWT mode), or any claims a custom verifier returns. */
    claims?: Record<string, unknown>;
  }
}

declare module '@modelcontextprotocol/sdk/server/auth/types' {
  /** Same additions as above, for the SDK's ESM build. */
  interface AuthInfo {
    /** Issuer of the access token (`iss` claim), i.e. the authorization server that minted it. */
    issuer: string;
    /** Subject of the access token (`sub` claim), usually the user or client identifier. */
    subject?: string;
    /** Intended audience(s) of the access token (`aud` claim). */
    audience?: string | string[];
    /** The complete, verified JWT payload (JWT mode), or any claims a custom verifier returns. */
    claims?: Record<string, unknown>;
  }
}

// MCP TypeScript SDK v2 (`@modelcontextprotocol/server` 2.x, also used by
// `@modelcontextprotocol/node`) has its own `AuthInfo`, which tool handlers receive as
// `ctx.http.authInfo`. The same fields are added to it, all optional there: v2's own bearer helpers
// also produce `AuthInfo` values, without them. This is the ESM build's `AuthInfo`; the CommonJS
// build's is augmented by `./lib/doors/mcp-sdk-v2.d.cts` (referenced above).
//
// An augmentation in a declaration file is silently ignored when its module does not resolve, so
// projects without the v2 SDK are unaffected (no error, even with `skipLibCheck: false`).

declare module '@modelcontextprotocol/server' {
  /**
   * Fields added by `mcp-auth-rs` to the MCP SDK v2's `AuthInfo` (`ctx.http.authInfo` in tool
   * handlers). They are set on every `AuthInfo` produced by `mcp-auth-rs` (where `issuer` is always
   * present), and absent from those produced by other verifiers.
   */
  interface AuthInfo {
    /** Issuer of the access token (`iss` claim), i.e. the authorization server that minted it. */
    issuer?: string;
    /** Subject of the access token (`sub` claim), usually the user or client identifier. */
    subject?: string;
    /** Intended audience(s) of the access token (`aud` claim). */
    audience?: string | string[];
    /** The complete, verified JWT payload (JWT mode), or any claims a custom verifier returns. */
    claims?: Record<string, unknown>;
  }
}

declare module 'express-serve-static-core' {
  interface Request {
    /**
     * Set by the bearer auth middleware (`mcpAuth.bearerAuth(...)` / {@link handleBearerAuth})
     * after a successful verification: the `AuthInfo` produced by the verification function.
     */
    auth?: AuthInfo;
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers (not exported)
// ---------------------------------------------------------------------------------------------

/** A value or a promise of it. */
type MaybePromise<T> = T | Promise<T>;

/**
 * Options forwarded to the JWT verification step (same keys and meaning as jose 6's
 * `JWTVerifyOptions`; a jose options object can be passed as-is).
 */
interface JwtVerifyOptions {
  /** Accepted `alg` header values. Default: every supported algorithm matching the key type. */
  algorithms?: string[];
  /** Expected `aud`: the token's audience must contain (one of) these values. */
  audience?: string | string[];
  /** Expected `iss` value(s). */
  issuer?: string | string[];
  /** Expected `sub` value. */
  subject?: string;
  /** Tolerated clock skew for `exp` / `nbf` / `iat`: seconds, or a span such as `'30s'`. Default `0`. */
  clockTolerance?: number | string;
  /** Maximum age since `iat` (seconds, or a span such as `'1h'`); makes `iat` required. */
  maxTokenAge?: number | string;
  /** Claims that must be present in the payload (e.g. `['exp']`). */
  requiredClaims?: string[];
  /** Expected `typ` header (compared case-insensitively, `application/` prefix ignored). */
  typ?: string;
  /** Point in time used instead of "now" for the time-based checks. */
  currentDate?: Date;
  /** Extra `crit` header extensions to recognize (`b64` is always recognized). */
  crit?: Record<string, boolean>;
}

/**
 * Options of the remote JWK Set used in JWT mode (same keys and meaning as jose 6's
 * `RemoteJWKSetOptions`; a jose options object can be passed as-is).
 */
interface RemoteJwkSetOptions {
  /** Abort timeout of one JWKS request, in milliseconds. Default `5000`. */
  timeoutDuration?: number;
  /** Minimum delay between two refetches triggered by an unknown `kid`, in milliseconds. Default `30000`. */
  cooldownDuration?: number;
  /** Maximum age of the cached JWK Set before it is refetched, in milliseconds (`Infinity` allowed). Default `600000`. */
  cacheMaxAge?: number;
  /** Additional HTTP headers sent with JWKS requests. */
  headers?: Record<string, string>;
  /**
   * mcp-auth-rs: how long past `cacheMaxAge` (ms) a key set may still be used while refetching it
   * fails (stale-if-error). Default `0`: like jose, a failed refetch of a stale set fails tokens.
   */
  staleIfError?: number;
}

/**
 * `RemoteJwkSetOptions`, possibly with jose's symbol-keyed options: `[customFetch]` (a
 * `fetch`-like function used for the JWKS requests, called as jose calls it) is honored;
 * `[jwksCache]` (a pre-filled cache object) is not used.
 */
type RemoteJwkSetOptionsWithJoseSymbols = RemoteJwkSetOptions & { [joseOption: symbol]: unknown };

/** A JSON Web Key (RFC 7517) given as a plain object. */
interface JsonWebKeyLike {
  kty?: string;
  alg?: string;
  kid?: string;
  use?: string;
  key_ops?: string[];
  ext?: boolean;
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
  d?: string;
  p?: string;
  q?: string;
  dp?: string;
  dq?: string;
  qi?: string;
  k?: string;
  x5c?: string[];
  x5t?: string;
  x5u?: string;
}

/** Structural shape of a WebCrypto `CryptoKey`. */
interface CryptoKeyLike {
  readonly type: string;
  readonly extractable: boolean;
  readonly algorithm: { name: string };
  readonly usages: string[];
}

/**
 * jose's own (structural) `KeyObject` type; listed so that resolvers typed with jose's
 * `JWTVerifyGetKey` are accepted.
 */
interface JoseKeyObjectLike {
  type: string;
}

/**
 * A verification key: a Node.js `KeyObject`, a WebCrypto `CryptoKey`, a public JWK object, or
 * the raw bytes of an HMAC secret.
 */
type JwtVerificationKey =
  | import('node:crypto').KeyObject
  | CryptoKeyLike
  | JsonWebKeyLike
  | Uint8Array
  | JoseKeyObjectLike;

/** Protected (header) parameters of the JWS being verified, as decoded (not yet verified). */
interface JwtProtectedHeader {
  alg: string;
  kid?: string;
  typ?: string;
  cty?: string;
  crit?: string[];
  b64?: boolean;
  jku?: string;
  jwk?: JsonWebKeyLike;
  x5u?: string;
  x5t?: string;
  x5c?: string[];
  [parameter: string]: unknown;
}

/** The raw base64url segments of the compact JWS being verified. */
interface JwtFlattenedInput {
  payload: string;
  protected: string;
  signature: string;
}

/**
 * Resolves the key that verifies a token. Compatible with jose's `JWTVerifyGetKey`, so the
 * result of jose's `createRemoteJWKSet()` can be passed directly.
 */
type JwtVerifyGetKey = (
  protectedHeader: JwtProtectedHeader,
  token: JwtFlattenedInput,
) => MaybePromise<JwtVerificationKey>;

// ---------------------------------------------------------------------------------------------
// OAuth metadata types and zod schemas
// ---------------------------------------------------------------------------------------------

/**
 * OAuth 2.0 Authorization Server Metadata (RFC 8414) with its standard snake_case keys, as
 * served by the authorization server.
 */
export type AuthorizationServerMetadata = {
  /** The authorization server's issuer identifier (an `https` URL). */
  issuer: string;
  /** URL of the authorization endpoint. */
  authorization_endpoint: string;
  /** URL of the token endpoint. */
  token_endpoint: string;
  /** URL of the JSON Web Key Set used to verify tokens issued by this server. */
  jwks_uri?: string | undefined;
  /** URL of the dynamic client registration endpoint (RFC 7591). */
  registration_endpoint?: string | undefined;
  /** Scopes the server supports. */
  scopes_supported?: string[] | undefined;
  /** Supported `response_type` values (e.g. `code`). */
  response_types_supported: string[];
  /** Supported `response_mode` values. */
  response_modes_supported?: string[] | undefined;
  /** Supported grant types (e.g. `authorization_code`, `refresh_token`). */
  grant_types_supported?: string[] | undefined;
  /** Client authentication methods accepted at the token endpoint. */
  token_endpoint_auth_methods_supported?: string[] | undefined;
  /** JWS algorithms accepted for JWT client authentication at the token endpoint. */
  token_endpoint_auth_signing_alg_values_supported?: string[] | undefined;
  /** URL of human-readable documentation for developers. */
  service_documentation?: string | undefined;
  /** Languages supported for the user interface (BCP 47 tags). */
  ui_locales_supported?: string[] | undefined;
  /** URL of the server's policy on client data usage. */
  op_policy_uri?: string | undefined;
  /** URL of the server's terms of service. */
  op_tos_uri?: string | undefined;
  /** URL of the token revocation endpoint (RFC 7009). */
  revocation_endpoint?: string | undefined;
  /** Client authentication methods accepted at the revocation endpoint. */
  revocation_endpoint_auth_methods_supported?: string[] | undefined;
  /** JWS algorithms accepted for JWT client authentication at the revocation endpoint. */
  revocation_endpoint_auth_signing_alg_values_supported?: string[] | undefined;
  /** URL of the token introspection endpoint (RFC 7662). */
  introspection_endpoint?: string | undefined;
  /** Client authentication methods accepted at the introspection endpoint. */
  introspection_endpoint_auth_methods_supported?: string[] | undefined;
  /** JWS algorithms accepted for JWT client authentication at the introspection endpoint. */
  introspection_endpoint_auth_signing_alg_values_supported?: string[] | undefined;
  /** Supported PKCE code challenge methods (e.g. `S256`). */
  code_challenge_methods_supported?: string[] | undefined;
  /** URL of the OpenID Connect UserInfo endpoint. */
  userinfo_endpoint?: string | undefined;
};

/**
 * {@link AuthorizationServerMetadata} with camelCase keys; this is the form used in
 * configurations (`ResolvedAuthServerConfig.metadata`).
 */
export type CamelCaseAuthorizationServerMetadata = {
  /** The authorization server's issuer identifier. */
  issuer: string;
  /** URL of the authorization endpoint. */
  authorizationEndpoint: string;
  /** URL of the token endpoint. */
  tokenEndpoint: string;
  /** URL of the JSON Web Key Set (required for `bearerAuth('jwt')`). */
  jwksUri?: string | undefined;
  /** URL of the dynamic client registration endpoint. */
  registrationEndpoint?: string | undefined;
  /** Scopes the server supports. */
  scopesSupported?: string[] | undefined;
  /** Supported `response_type` values. */
  responseTypesSupported: string[];
  /** Supported `response_mode` values. */
  responseModesSupported?: string[] | undefined;
  /** Supported grant types. */
  grantTypesSupported?: string[] | undefined;
  /** Client authentication methods accepted at the token endpoint. */
  tokenEndpointAuthMethodsSupported?: string[] | undefined;
  /** JWS algorithms accepted for JWT client authentication at the token endpoint. */
  tokenEndpointAuthSigningAlgValuesSupported?: string[] | undefined;
  /** URL of developer documentation. */
  serviceDocumentation?: string | undefined;
  /** Languages supported for the user interface. */
  uiLocalesSupported?: string[] | undefined;
  /** URL of the server's policy on client data usage. */
  opPolicyUri?: string | undefined;
  /** URL of the server's terms of service. */
  opTosUri?: string | undefined;
  /** URL of the token revocation endpoint. */
  revocationEndpoint?: string | undefined;
  /** Client authentication methods accepted at the revocation endpoint. */
  revocationEndpointAuthMethodsSupported?: string[] | undefined;
  /** JWS algorithms accepted for JWT client authentication at the revocation endpoint. */
  revocationEndpointAuthSigningAlgValuesSupported?: string[] | undefined;
  /** URL of the token introspection endpoint. */
  introspectionEndpoint?: string | undefined;
  /** Client authentication methods accepted at the introspection endpoint. */
  introspectionEndpointAuthMethodsSupported?: string[] | undefined;
  /** JWS algorithms accepted for JWT client authentication at the introspection endpoint. */
  introspectionEndpointAuthSigningAlgValuesSupported?: string[] | undefined;
  /** Supported PKCE code challenge methods. */
  codeChallengeMethodsSupported?: string[] | undefined;
  /** URL of the OpenID Connect UserInfo endpoint. */
  userinfoEndpoint?: string | undefined;
};

/** OAuth 2.0 Protected Resource Metadata (RFC 9728) with its standard snake_case keys. */
export type ProtectedResourceMetadata = {
  /** The protected resource's identifier (a URL). */
  resource: string;
  /** Issuer identifiers of the authorization servers trusted by this resource. */
  authorization_servers?: string[] | undefined;
  /** URL of the resource's own JSON Web Key Set. */
  jwks_uri?: string | undefined;
  /** Scopes used to request access to this resource. */
  scopes_supported?: string[] | undefined;
  /** Supported ways of presenting bearer tokens (`header`, `body`, `query`). */
  bearer_methods_supported?: string[] | undefined;
  /** JWS algorithms the resource uses to sign its responses. */
  resource_signing_alg_values_supported?: string[] | undefined;
  /** Human-readable name of the resource. */
  resource_name?: string | undefined;
  /** URL of developer documentation for the resource. */
  resource_documentation?: string | undefined;
  /** URL of the resource's data usage policy. */
  resource_policy_uri?: string | undefined;
  /** URL of the resource's terms of service. */
  resource_tos_uri?: string | undefined;
  /** Whether the resource supports mutual-TLS certificate-bound access tokens. */
  tls_client_certificate_bound_access_tokens?: boolean | undefined;
  /** Supported `authorization_details` types (RFC 9396). */
  authorization_details_types_supported?: string[] | undefined;
  /** JWS algorithms accepted for DPoP proofs. */
  dpop_signing_alg_values_supported?: string[] | undefined;
  /** Whether DPoP-bound access tokens are always required. */
  dpop_bound_access_tokens_required?: boolean | undefined;
  /** A signed JWT carrying metadata values as claims. */
  signed_metadata?: string | undefined;
};

/** {@link ProtectedResourceMetadata} with camelCase keys. */
export type CamelCaseProtectedResourceMetadata = {
  /** The protected resource's identifier (a URL). */
  resource: string;
  /** Issuer identifiers of the authorization servers trusted by this resource. */
  authorizationServers?: string[] | undefined;
  /** URL of the resource's own JSON Web Key Set. */
  jwksUri?: string | undefined;
  /** Scopes used to request access to this resource. */
  scopesSupported?: string[] | undefined;
  /** Supported ways of presenting bearer tokens. */
  bearerMethodsSupported?: string[] | undefined;
  /** JWS algorithms the resource uses to sign its responses. */
  resourceSigningAlgValuesSupported?: string[] | undefined;
  /** Human-readable name of the resource. */
  resourceName?: string | undefined;
  /** URL of developer documentation for the resource. */
  resourceDocumentation?: string | undefined;
  /** URL of the resource's data usage policy. */
  resourcePolicyUri?: string | undefined;
  /** URL of the resource's terms of service. */
  resourceTosUri?: string | undefined;
  /** Whether the resource supports mutual-TLS certificate-bound access tokens. */
  tlsClientCertificateBoundAccessTokens?: boolean | undefined;
  /** Supported `authorization_details` types. */
  authorizationDetailsTypesSupported?: string[] | undefined;
  /** JWS algorithms accepted for DPoP proofs. */
  dpopSigningAlgValuesSupported?: string[] | undefined;
  /** Whether DPoP-bound access tokens are always required. */
  dpopBoundAccessTokensRequired?: boolean | undefined;
  /** A signed JWT carrying metadata values as claims. */
  signedMetadata?: string | undefined;
};

type ZodStringList = z.ZodArray<z.ZodString, 'many'>;

type AuthorizationServerMetadataShape = {
  issuer: z.ZodString;
  authorization_endpoint: z.ZodString;
  token_endpoint: z.ZodString;
  jwks_uri: z.ZodOptional<z.ZodString>;
  registration_endpoint: z.ZodOptional<z.ZodString>;
  scopes_supported: z.ZodOptional<ZodStringList>;
  response_types_supported: ZodStringList;
  response_modes_supported: z.ZodOptional<ZodStringList>;
  grant_types_supported: z.ZodOptional<ZodStringList>;
  token_endpoint_auth_methods_supported: z.ZodOptional<ZodStringList>;
  token_endpoint_auth_signing_alg_values_supported: z.ZodOptional<ZodStringList>;
  service_documentation: z.ZodOptional<z.ZodString>;
  ui_locales_supported: z.ZodOptional<ZodStringList>;
  op_policy_uri: z.ZodOptional<z.ZodString>;
  op_tos_uri: z.ZodOptional<z.ZodString>;
  revocation_endpoint: z.ZodOptional<z.ZodString>;
  revocation_endpoint_auth_methods_supported: z.ZodOptional<ZodStringList>;
  revocation_endpoint_auth_signing_alg_values_supported: z.ZodOptional<ZodStringList>;
  introspection_endpoint: z.ZodOptional<z.ZodString>;
  introspection_endpoint_auth_methods_supported: z.ZodOptional<ZodStringList>;
  introspection_endpoint_auth_signing_alg_values_supported: z.ZodOptional<ZodStringList>;
  code_challenge_methods_supported: z.ZodOptional<ZodStringList>;
  userinfo_endpoint: z.ZodOptional<z.ZodString>;
};

type CamelCaseAuthorizationServerMetadataShape = {
  issuer: z.ZodString;
  authorizationEndpoint: z.ZodString;
  tokenEndpoint: z.ZodString;
  jwksUri: z.ZodOptional<z.ZodString>;
  registrationEndpoint: z.ZodOptional<z.ZodString>;
  scopesSupported: z.ZodOptional<ZodStringList>;
  responseTypesSupported: ZodStringList;
  responseModesSupported: z.ZodOptional<ZodStringList>;
  grantTypesSupported: z.ZodOptional<ZodStringList>;
  tokenEndpointAuthMethodsSupported: z.ZodOptional<ZodStringList>;
  tokenEndpointAuthSigningAlgValuesSupported: z.ZodOptional<ZodStringList>;
  serviceDocumentation: z.ZodOptional<z.ZodString>;
  uiLocalesSupported: z.ZodOptional<ZodStringList>;
  opPolicyUri: z.ZodOptional<z.ZodString>;
  opTosUri: z.ZodOptional<z.ZodString>;
  revocationEndpoint: z.ZodOptional<z.ZodString>;
  revocationEndpointAuthMethodsSupported: z.ZodOptional<ZodStringList>;
  revocationEndpointAuthSigningAlgValuesSupported: z.ZodOptional<ZodStringList>;
  introspectionEndpoint: z.ZodOptional<z.ZodString>;
  introspectionEndpointAuthMethodsSupported: z.ZodOptional<ZodStringList>;
  introspectionEndpointAuthSigningAlgValuesSupported: z.ZodOptional<ZodStringList>;
  codeChallengeMethodsSupported: z.ZodOptional<ZodStringList>;
  userinfoEndpoint: z.ZodOptional<z.ZodString>;
};

type ProtectedResourceMetadataShape = {
  resource: z.ZodString;
  authorization_servers: z.ZodOptional<ZodStringList>;
  jwks_uri: z.ZodOptional<z.ZodString>;
  scopes_supported: z.ZodOptional<ZodStringList>;
  bearer_methods_supported: z.ZodOptional<ZodStringList>;
  resource_signing_alg_values_supported: z.ZodOptional<ZodStringList>;
  resource_name: z.ZodOptional<z.ZodString>;
  resource_documentation: z.ZodOptional<z.ZodString>;
  resource_policy_uri: z.ZodOptional<z.ZodString>;
  resource_tos_uri: z.ZodOptional<z.ZodString>;
  tls_client_certificate_bound_access_tokens: z.ZodOptional<z.ZodBoolean>;
  authorization_details_types_supported: z.ZodOptional<ZodStringList>;
  dpop_signing_alg_values_supported: z.ZodOptional<ZodStringList>;
  dpop_bound_access_tokens_required: z.ZodOptional<z.ZodBoolean>;
  signed_metadata: z.ZodOptional<z.ZodString>;
};

type CamelCaseProtectedResourceMetadataShape = {
  resource: z.ZodString;
  authorizationServers: z.ZodOptional<ZodStringList>;
  jwksUri: z.ZodOptional<z.ZodString>;
  scopesSupported: z.ZodOptional<ZodStringList>;
  bearerMethodsSupported: z.ZodOptional<ZodStringList>;
  resourceSigningAlgValuesSupported: z.ZodOptional<ZodStringList>;
  resourceName: z.ZodOptional<z.ZodString>;
  resourceDocumentation: z.ZodOptional<z.ZodString>;
  resourcePolicyUri: z.ZodOptional<z.ZodString>;
  resourceTosUri: z.ZodOptional<z.ZodString>;
  tlsClientCertificateBoundAccessTokens: z.ZodOptional<z.ZodBoolean>;
  authorizationDetailsTypesSupported: z.ZodOptional<ZodStringList>;
  dpopSigningAlgValuesSupported: z.ZodOptional<ZodStringList>;
  dpopBoundAccessTokensRequired: z.ZodOptional<z.ZodBoolean>;
  signedMetadata: z.ZodOptional<z.ZodString>;
};

/**
 * zod (v3) schema of {@link AuthorizationServerMetadata}: `issuer`, `authorization_endpoint`,
 * `token_endpoint` and `response_types_supported` are required; optional fields may be absent
 * or `undefined` but not `null`; unknown keys are stripped; URLs are not format-checked.
 */
export declare const authorizationServerMetadataSchema: z.ZodObject<
  AuthorizationServerMetadataShape,
  'strip',
  z.ZodTypeAny,
  AuthorizationServerMetadata,
  AuthorizationServerMetadata
>;

/** The camelCase counterpart of {@link authorizationServerMetadataSchema}. */
export declare const camelCaseAuthorizationServerMetadataSchema: z.ZodObject<
  CamelCaseAuthorizationServerMetadataShape,
  'strip',
  z.ZodTypeAny,
  CamelCaseAuthorizationServerMetadata,
  CamelCaseAuthorizationServerMetadata
>;

/** zod (v3) schema of {@link ProtectedResourceMetadata}; only `resource` is required. */
export declare const protectedResourceMetadataSchema: z.ZodObject<
  ProtectedResourceMetadataShape,
  'strip',
  z.ZodTypeAny,
  ProtectedResourceMetadata,
  ProtectedResourceMetadata
>;

/** The camelCase counterpart of {@link protectedResourceMetadataSchema}. */
export declare const camelCaseProtectedResourceMetadataSchema: z.ZodObject<
  CamelCaseProtectedResourceMetadataShape,
  'strip',
  z.ZodTypeAny,
  CamelCaseProtectedResourceMetadata,
  CamelCaseProtectedResourceMetadata
>;

/**
 * Values RFC 8414 implies for metadata fields the server leaves out (frozen object; the arrays
 * themselves are not frozen).
 */
export declare const defaultValues: Readonly<
  Partial<CamelCaseAuthorizationServerMetadata> & {
    grantTypesSupported: string[];
    responseModesSupported: string[];
  }
>;

// ---------------------------------------------------------------------------------------------
// Authorization server configuration
// ---------------------------------------------------------------------------------------------

/** Flavor of authorization server, which decides the discovery (well-known) URL. */
export type AuthServerType = 'oauth' | 'oidc';

/** An authorization server whose metadata is already known (e.g. from {@link fetchServerConfig}). */
export type ResolvedAuthServerConfig = {
  /** The server's metadata, with camelCase keys. */
  metadata: CamelCaseAuthorizationServerMetadata;
  /** The server's flavor. */
  type: AuthServerType;
};

/**
 * An authorization server identified only by its issuer: its metadata is discovered lazily, on
 * the first request that needs it, and then cached for the life of the process.
 */
export type AuthServerDiscoveryConfig = {
  /** The issuer identifier; also the only issuer value trusted for this server. */
  issuer: string;
  /** The server's flavor, which selects the discovery URL. */
  type: AuthServerType;
};

/**
 * Either form of authorization server configuration. At runtime an object is treated as
 * resolved when it has a `metadata` key (`'metadata' in config`).
 */
export type AuthServerConfig = ResolvedAuthServerConfig | AuthServerDiscoveryConfig;

/**
 * Returns the issuer of an authorization server configuration: `metadata.issuer` for a resolved
 * config, `issuer` for a discovery config.
 */
export declare function getIssuer(config: AuthServerConfig): string;

/** Well-known paths of the two discovery documents. */
export declare const serverMetadataPaths: Readonly<{
  readonly oauth: '/.well-known/oauth-authorization-server';
  readonly oidc: '/.well-known/openid-configuration';
}>;

/** Second argument of {@link fetchServerConfig} and {@link fetchServerConfigByWellKnownUrl}. */
type ServerMetadataConfig = {
  /** The server's flavor. */
  type: AuthServerType;
  /**
   * Rewrites the fetched JSON document before it is validated against
   * {@link authorizationServerMetadataSchema} (snake_case). Use it for servers whose metadata is
   * compatible but not conforming. May return a promise, which is awaited. Returning `null` or
   * `undefined` keeps the original document.
   */
  transpileData?: (
    data: object,
  ) => MaybePromise<AuthorizationServerMetadata | Record<string, unknown> | null | undefined>;
  /**
   * Timeout of the metadata request in milliseconds. Default `10000`.
   * (Extension: not available in `mcp-auth`.)
   */
  requestTimeout?: number;
  /**
   * Maximum accepted size of the metadata response body, in bytes. Default `1048576` (1 MiB).
   * (Extension: not available in `mcp-auth`.)
   */
  maxResponseBytes?: number;
};

/**
 * Fetches and validates the authorization server metadata document at an explicit URL.
 *
 * The response must be a 2xx JSON object that passes {@link authorizationServerMetadataSchema}
 * (after `transpileData`, if given); the result carries its known keys in camelCase. The MCP
 * compliance check ({@link validateServerConfig}) is not run.
 *
 * @throws {MCPAuthConfigError} `fetch_server_config_error` on a non-2xx response.
 * @throws {MCPAuthAuthServerError} `invalid_server_metadata` when the document is invalid.
 */
export declare function fetchServerConfigByWellKnownUrl(
  wellKnownUrl: string | URL,
  config: ServerMetadataConfig,
): Promise<ResolvedAuthServerConfig>;

/**
 * Discovers the metadata of an authorization server from its issuer: `type: 'oauth'` uses the
 * RFC 8414 location (`<origin>/.well-known/oauth-authorization-server<path>`), `type: 'oidc'`
 * the OpenID Connect one (`<issuer>/.well-known/openid-configuration`).
 *
 * @example
 * ```ts
 * const server = await fetchServerConfig('https://auth.example.com/oidc', { type: 'oidc' });
 * ```
 * @throws {TypeError} when `issuer` is not a valid URL.
 * @throws {MCPAuthConfigError} `fetch_server_config_error` on a non-2xx response.
 * @throws {MCPAuthAuthServerError} `invalid_server_metadata` when the document is invalid.
 */
export declare function fetchServerConfig(
  issuer: string,
  config: ServerMetadataConfig,
): Promise<ResolvedAuthServerConfig>;

// ---------------------------------------------------------------------------------------------
// Server configuration validation
// ---------------------------------------------------------------------------------------------

/** Codes of the checks that {@link validateServerConfig} reports as passed (verbose mode). */
export type AuthServerSuccessCode =
  | 'server_metadata_valid'
  | 'dynamic_registration_supported'
  | 'pkce_supported'
  | 's256_code_challenge_method_supported'
  | 'authorization_code_grant_supported'
  | 'code_response_type_supported';

/** Codes of the problems that make an authorization server unusable for MCP. */
export type AuthServerConfigErrorCode =
  | 'invalid_server_metadata'
  | 'code_response_type_not_supported'
  | 'authorization_code_grant_not_supported'
  | 'pkce_not_supported'
  | 's256_code_challenge_method_not_supported';

/** Codes of the non-fatal findings of {@link validateServerConfig}. */
export type AuthServerConfigWarningCode = 'dynamic_registration_not_supported';

/** A failed check of {@link validateServerConfig}. */
export type AuthServerConfigError = {
  code: AuthServerConfigErrorCode;
  /** Human-readable explanation. */
  description: string;
  /** The underlying error, if any (e.g. the `ZodError` for `invalid_server_metadata`). */
  cause?: Error;
};

/** A non-fatal finding of {@link validateServerConfig}. */
export type AuthServerConfigWarning = {
  code: AuthServerConfigWarningCode;
  /** Human-readable explanation. */
  description: string;
};

/** A passed check, listed by {@link validateServerConfig} in verbose mode. */
type AuthServerSuccess = {
  code: AuthServerSuccessCode;
  /** Human-readable explanation. */
  description: string;
};

/**
 * Result of {@link validateServerConfig}. Test validity with `result.isValid` /
 * `!result.isValid`: an invalid result has **no** `isValid` key at all (it is never `false`).
 */
type AuthServerConfigValidationResult =
  | {
      /** Present and `true` when no error was found. */
      isValid: true;
      errors?: undefined;
      /** Non-fatal findings (always present, possibly empty). */
      warnings: AuthServerConfigWarning[];
    }
  | {
      /** Absent on an invalid result. */
      isValid?: false;
      /** The failed checks (non-empty). */
      errors: AuthServerConfigError[];
      /** Non-fatal findings (always present, possibly empty). */
      warnings: AuthServerConfigWarning[];
    };

/**
 * Checks a resolved authorization server configuration against the MCP requirements: valid
 * metadata, a `code` response type, the `authorization_code` grant, PKCE with `S256`, and
 * (warning only) dynamic client registration. Synchronous and side-effect free.
 *
 * @param verbose When `true`, the result also lists the passed checks in `successes`.
 */
export declare function validateServerConfig(
  config: Readonly<ResolvedAuthServerConfig>,
  verbose: true,
): AuthServerConfigValidationResult & { successes: AuthServerSuccess[] };
export declare function validateServerConfig(
  config: Readonly<ResolvedAuthServerConfig>,
  verbose?: boolean,
): AuthServerConfigValidationResult & { successes?: AuthServerSuccess[] };

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/** Base class of every error thrown by this library. */
export declare class MCPAuthError extends Error {
  /** Machine-readable snake_case error code. */
  readonly code: string;
  name: string;
  /**
   * @param code Machine-readable snake_case error code.
   * @param message Human-readable message.
   */
  constructor(code: string, message: string);
  /**
   * Serializes the error for an HTTP response body: `{ error, errorDescription, cause? }` in
   * camelCase, with falsy values left out.
   *
   * @param showCause Include the `cause` (when it is truthy). Default `false`.
   */
  toJson(showCause?: boolean): Record<string, unknown>;
}

/** Invalid usage or configuration of the library, or a failed metadata fetch. */
export declare class MCPAuthConfigError extends MCPAuthError {
  name: string;
}

/** Codes of {@link MCPAuthAuthServerError}. */
export type AuthServerErrorCode = 'invalid_server_metadata' | 'invalid_server_config' | 'missing_jwks_uri';

/** Default message of each {@link AuthServerErrorCode} (frozen). */
export declare const authServerErrorDescription: Readonly<Record<AuthServerErrorCode, string>>;

/** A problem with the authorization server's metadata or configuration (HTTP 500 in middleware). */
export declare class MCPAuthAuthServerError extends MCPAuthError {
  readonly code: AuthServerErrorCode;
  readonly cause?: unknown;
  name: string;
  /**
   * @param code The error code; the message is taken from {@link authServerErrorDescription}.
   * @param cause Details of the failure.
   */
  constructor(code: AuthServerErrorCode, cause?: unknown);
}

/** Codes of {@link MCPAuthBearerAuthError}. */
export type BearerAuthErrorCode =
  | 'missing_auth_header'
  | 'invalid_auth_header_format'
  | 'missing_bearer_token'
  | 'invalid_issuer'
  | 'invalid_audience'
  | 'missing_required_scopes'
  | 'invalid_token';

/** Default message of each {@link BearerAuthErrorCode} (frozen). */
export declare const bearerAuthErrorDescription: Readonly<Record<BearerAuthErrorCode, string>>;

/** Details attached to an {@link MCPAuthBearerAuthError}. */
export type MCPAuthBearerAuthErrorDetails = {
  /** The underlying cause. */
  cause?: unknown;
  /** A page describing the error; serialized as `errorUri`. */
  uri?: URL;
  /** Required scopes the token lacks; serialized as `missingScopes`. */
  missingScopes?: string[];
  /** The expected value (issuer, audience, ...). */
  expected?: unknown;
  /** The value found in the token. */
  actual?: unknown;
};

/**
 * A request failed bearer authentication: HTTP 401, or 403 for `missing_required_scopes`.
 * Can be thrown from custom verification and issuer-validation functions.
 */
export declare class MCPAuthBearerAuthError extends MCPAuthError {
  readonly code: BearerAuthErrorCode;
  readonly cause?: MCPAuthBearerAuthErrorDetails;
  name: string;
  /**
   * @param code The error code; the message is taken from {@link bearerAuthErrorDescription}.
   * @param cause Details of the failure (not a message).
   */
  constructor(code: BearerAuthErrorCode, cause?: MCPAuthBearerAuthErrorDetails);
  /**
   * Like {@link MCPAuthError.toJson}, plus `errorUri` and `missingScopes` from the details
   * whenever they are set, regardless of `showCause`.
   */
  toJson(showCause?: boolean): Record<string, unknown>;
}

/** Codes of {@link MCPAuthTokenVerificationError}. */
export type MCPAuthTokenVerificationErrorCode = 'invalid_token' | 'token_verification_failed';

/** Default message of each {@link MCPAuthTokenVerificationErrorCode} (frozen). */
export declare const tokenVerificationErrorDescription: Readonly<
  Record<MCPAuthTokenVerificationErrorCode, string>
>;

/** The access token could not be verified (HTTP 401). */
export declare class MCPAuthTokenVerificationError extends MCPAuthError {
  readonly code: MCPAuthTokenVerificationErrorCode;
  readonly cause?: unknown;
  name: string;
  /**
   * @param code The error code; the message is taken from {@link tokenVerificationErrorDescription}.
   * @param cause Details of the failure.
   */
  constructor(code: MCPAuthTokenVerificationErrorCode, cause?: unknown);
}

// ---------------------------------------------------------------------------------------------
// Bearer authentication
// ---------------------------------------------------------------------------------------------

/**
 * Verifies an access token and describes it. Throw {@link MCPAuthTokenVerificationError} (or
 * {@link MCPAuthBearerAuthError}) to reject the token with a 401.
 */
export type VerifyAccessTokenFunction = (token: string) => MaybePromise<AuthInfo>;

/** Decides whether a token issuer is trusted; throw (e.g. an `invalid_issuer` error) to reject. */
export type ValidateIssuerFunction = (tokenIssuer: string) => void;

/** Configuration of {@link handleBearerAuth}. */
export type BearerAuthConfig = {
  /** Verifies the token and returns its `AuthInfo`. */
  verifyAccessToken: VerifyAccessTokenFunction;
  /** The expected issuer (compared with `===`; must be a valid URL), or a validation function. */
  issuer: string | ValidateIssuerFunction;
  /** When set, the token's audience must equal (or, for an array, contain) this value. */
  audience?: string;
  /** Scopes the token must all have; otherwise the request is rejected with 403. */
  requiredScopes?: string[];
  /**
   * A scope hierarchy (mcp-auth-rs; both profiles): each scope maps to the scopes it implies,
   * transitively (cycles allowed). `{ 'notes:admin': ['notes:write'], 'notes:write':
   * ['notes:read'] }` lets a `notes:admin` token through a `notes:read` requirement.
   * `AuthInfo.scopes` stays the token's own list.
   */
  impliedScopes?: Record<string, string[]>;
  /**
   * Scopes per JSON-RPC operation (mcp-auth-rs; both profiles): keys are a method
   * (`'tools/list'`) or a method and name (`'tools/call:delete_note'`, `'resources/read:notes://all'`);
   * a request needs `requiredScopes` and the entries of its operation (a batch: of all of them).
   * The operation is read from the parsed JSON-RPC body (`req.body`; the fetch and Hono doors read
   * a clone) or else the `Mcp-Method` / `Mcp-Name` headers; headers that contradict the body, or a
   * POST whose operation cannot be known, get 400 `invalid_request`. With it the verified-token
   * cache is not used. A function is called with each request of the operation (not for
   * requests without one) and its list added; `undefined` adds nothing; a throw or a value that is
   * not a list of strings is rethrown like a custom verify function's plain error.
   */
  operationScopes?:
    | Record<string, string[]>
    | ((operation: { method: string; name?: string }) => string[] | undefined | Promise<string[] | undefined>);
  /**
   * Identifier of the protected resource. Adds the `resource_metadata` URL to 401 challenges,
   * and in resource server mode selects which configured resource the middleware protects.
   */
  resource?: string;
  /** Include error causes in JSON error responses (useful while debugging). Default `false`. */
  showErrorDetails?: boolean;
};

/**
 * Creates an Express middleware that authenticates requests with an `Authorization: Bearer`
 * token: it verifies the token, checks issuer, audience and required scopes, then stores the
 * result in `req.auth`. Auth failures are answered with 401/403 (and 500 for authorization
 * server problems); any other error is passed on to Express.
 *
 * @throws {TypeError} synchronously, when `verifyAccessToken` is not a function or `issuer` is
 * neither a function nor a valid URL string.
 */
export declare function handleBearerAuth(config: BearerAuthConfig): RequestHandler;

/** Options of the JWT mode of `bearerAuth` (not exported by name). */
type VerifyJwtConfig = {
  /** Options of the JWT verification (jose `JWTVerifyOptions` keys). */
  jwtVerify?: JwtVerifyOptions;
  /**
   * Options of the remote JWK Set (jose `RemoteJWKSetOptions` keys). The key set of a JWKS URI
   * is created by the first middleware that needs it; later middlewares reuse it as is.
   */
  remoteJwkSet?: RemoteJwkSetOptions | RemoteJwkSetOptionsWithJoseSymbols;
  /**
   * mcp-auth-rs: the verified-token cache of this middleware (a token that passed every check is
   * answered from memory until its `exp`, at most the key set's max age, and never after the key
   * set was refetched). On by default (1,000 tokens); `false` turns it off.
   */
  verifiedTokenCache?: boolean | { maxEntries?: number };
  /**
   * mcp-auth-rs: the claims `AuthInfo.scopes` is read from, instead of `scope` (else `scopes`):
   * a top-level claim name (`'scp'`, `'permissions'`, `'https://example.com/roles'`) or, when no
   * such claim exists, a dotted path (`'realm_access.roles'`). Each value is a space-separated
   * string or a list; the scopes are their union in order of first appearance.
   * @throws {TypeError} at setup for an empty list (or with a custom verify function).
   */
  scopeClaims?: string[];
  /**
   * mcp-auth-rs: RFC 7662 token introspection. Required by `bearerAuth('introspection')`, which
   * introspects every token; with `bearerAuth('jwt')`, tokens that are not JWTs are introspected
   * and JWTs are verified locally.
   */
  introspection?: IntrospectionConfig;
  /**
   * mcp-auth-rs: sender-constrained tokens (RFC 9449 DPoP). Requests may use
   * `Authorization: DPoP <token>` with one `DPoP` proof header; a token bound to a key
   * (`cnf.jkt`) is then refused as a plain bearer token.
   */
  dpop?: DpopConfig;
};

/** mcp-auth-rs: how a middleware accepts DPoP-bound tokens (RFC 9449). */
export type DpopConfig = {
  /** Only DPoP-bound tokens are accepted (a plain bearer token is refused). Default `false`. */
  required?: boolean;
  /** Proof algorithms, asymmetric only. Default `['ES256', 'EdDSA', 'RS256', 'PS256']`. */
  algorithms?: string[];
  /** How far (seconds) a proof's `iat` may be from now. Default `300`. */
  maxProofAge?: number;
  /** The origin clients use (`https://mcp.example.com`), for a server behind a proxy. */
  publicOrigin?: string;
};

/** mcp-auth-rs: how a middleware introspects opaque tokens (RFC 7662). */
export type IntrospectionConfig = {
  /** The client the resource server authenticates as at the introspection endpoint. */
  clientId: string;
  clientSecret?: string;
  /** Default: `'client_secret_basic'` with a secret, else `'none'`. */
  authMethod?: 'client_secret_basic' | 'client_secret_post' | 'none';
  /** Which of the resource's authorization servers to ask; required when it has several. */
  issuer?: string;
  /** Default: that server's metadata `introspection_endpoint`. */
  endpoint?: string;
  /** How long (ms) an active answer is reused, never past its `exp`. Default `60000`. */
  cacheMaxAge?: number;
  /** How long (ms) an inactive answer is reused. Default `0`. */
  inactiveCacheMaxAge?: number;
  /** Limit (ms) of one introspection exchange. Default `5000`. */
  timeoutDuration?: number;
  /** Bound of the answer cache. Default `10000`. */
  maxEntries?: number;
};

/**
 * Creates a function that verifies JWT access tokens with the keys supplied by `getKey` and
 * maps their claims to `AuthInfo` (`iss` and `sub` are required; `client_id`/`azp`, `scope`/
 * `scopes`, `aud` and `exp` are picked up when present). Issuer trust, audience and scopes are
 * left to the bearer middleware.
 *
 * @param getKey Resolves the verification key from the token header; jose's
 * `createRemoteJWKSet()` result is accepted.
 * @param options JWT verification options (jose `JWTVerifyOptions` keys).
 * @returns A verification function that rejects with {@link MCPAuthTokenVerificationError}
 * (`invalid_token`).
 */
export declare function createVerifyJwt(
  getKey: JwtVerifyGetKey,
  options?: JwtVerifyOptions,
): VerifyAccessTokenFunction;

// ---------------------------------------------------------------------------------------------
// MCPAuth
// ---------------------------------------------------------------------------------------------

/**
 * Legacy configuration with a single authorization server.
 *
 * @deprecated Use {@link ResourceServerModeConfig} (`protectedResources`) instead.
 */
export type AuthServerModeConfig = {
  /** The authorization server that issues the access tokens. */
  server: AuthServerConfig;
  /**
   * mcp-auth-rs: only `'compat'` here. The `'mcp-2026-07-28'` profile needs resource server mode
   * (`protectedResources`); with `server` the constructor throws {@link MCPAuthAuthServerError}
   * (`invalid_server_config`).
   */
  profile?: 'compat';
};

/** One protected resource (not exported by name). */
type ResourceServerConfig = {
  /**
   * The resource's metadata (RFC 9728, camelCase), served by
   * `protectedResourceMetadataRouter()`. `authorizationServers` lists full authorization server
   * configurations rather than issuer strings; those are also the issuers trusted for tokens.
   */
  metadata: Omit<CamelCaseProtectedResourceMetadata, 'authorizationServers'> & {
    authorizationServers?: AuthServerConfig[];
  };
};

/** Configuration for one or more protected resources (recommended). */
export type ResourceServerModeConfig = {
  /** The protected resource(s); `resource` identifiers must be unique. */
  protectedResources: ResourceServerConfig | ResourceServerConfig[];
  /**
   * mcp-auth-rs: the rules every bearer middleware and metadata document of this instance
   * follows.
   *
   * - `'compat'` (the default): exactly mcp-auth 0.2.0's behavior.
   * - `'mcp-2026-07-28'` (opt-in): the MCP authorization revision 2026-07-28. RFC 6750
   *   challenges (401 without an `error` when no credentials are sent; 400 `invalid_request` for
   *   malformed `Bearer` credentials; 401 `invalid_token` with `scope` for any invalid token;
   *   403 `insufficient_scope` naming every scope needed); the audience defaults to `resource`
   *   and is required, compared as a canonical URI; `exp` required and at most a year ahead,
   *   `iat` not in the future (clock tolerance 60 s unless `jwtVerify.clockTolerance` is given);
   *   503 `temporarily_unavailable` with `Retry-After: 5` while the authorization server cannot
   *   be reached, 500 `server_error` when it is misconfigured; a discovered `issuer` must equal
   *   the configured one; `offline_access` is never advertised, and may not be required (then
   *   `bearerAuth` throws {@link MCPAuthAuthServerError} `invalid_server_config`).
   *
   * Any other value makes the constructor throw {@link MCPAuthAuthServerError}
   * (`invalid_server_config`). See the README, "The mcp-2026-07-28 profile".
   */
  profile?: 'compat' | 'mcp-2026-07-28';
} & SharedStoreConfig;

/**
 * mcp-auth-rs: a store shared by every instance of a deployment (e.g. Redis through
 * `mcp-auth-rs/redis`): introspection answers (so N instances ask the provider once per token) and
 * DPoP proof identifiers (so a proof replayed to another instance is refused). Keys are hashes,
 * never tokens; every key written has a TTL.
 */
export interface AuthStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Sets `key` if absent, atomically: `true` when this call added it. */
  add(key: string, ttlMs: number): Promise<boolean>;
}

type SharedStoreConfig = {
  /** mcp-auth-rs: the shared level of state (default: each process's own memory). */
  store?: AuthStore;
  /** mcp-auth-rs: the limit (ms) of every store call. Default `1000`. */
  storeTimeout?: number;
};

/** Configuration of {@link MCPAuth}: resource server mode, or the legacy authorization server mode. */
export type MCPAuthConfig = AuthServerModeConfig | ResourceServerModeConfig;

/**
 * Built-in token verification modes of `bearerAuth`: `'jwt'` (local verification against the
 * issuer's JWK Set) and, in mcp-auth-rs, `'introspection'` (RFC 7662; needs the `introspection`
 * option).
 */
export type VerifyAccessTokenMode = 'jwt' | 'introspection';

/**
 * Entry point of the library: holds the authorization server / protected resource
 * configuration and creates the metadata routers and bearer auth middlewares.
 *
 * The configuration is validated when the instance is created (no network requests are made);
 * an invalid one throws {@link MCPAuthAuthServerError} (`invalid_server_config`).
 *
 * @example
 * ```ts
 * const resource = 'https://api.example.com/mcp';
 * const mcpAuth = new MCPAuth({
 *   protectedResources: {
 *     metadata: {
 *       resource,
 *       authorizationServers: [{ issuer: 'https://auth.example.com', type: 'oidc' }],
 *       scopesSupported: ['read', 'write'],
 *     },
 *   },
 * });
 * app.use(mcpAuth.protectedResourceMetadataRouter());
 * app.post('/mcp', mcpAuth.bearerAuth('jwt', { resource, audience: resource }), handler);
 * ```
 */
export declare class MCPAuth {
  /** The configuration given to the constructor (same object). */
  readonly config: MCPAuthConfig;
  /**
   * @throws {MCPAuthAuthServerError} `invalid_server_config` when the configuration is invalid
   * (no mode, duplicated resource or issuer, non-compliant resolved server metadata, an unknown
   * `profile`, the `'mcp-2026-07-28'` profile with `server`).
   */
  constructor(config: MCPAuthConfig);
  /**
   * Returns a new Express router serving the authorization server metadata at
   * `/.well-known/oauth-authorization-server` (with CORS), for the legacy mode.
   *
   * @deprecated Use {@link MCPAuth.protectedResourceMetadataRouter} with `protectedResources`.
   * @throws {MCPAuthAuthServerError} `invalid_server_config` in resource server mode.
   */
  delegatedRouter(): Router;
  /**
   * Returns a new Express router serving the protected resource metadata of every configured
   * resource at `/.well-known/oauth-protected-resource<resource path>` (with CORS).
   *
   * @throws {MCPAuthAuthServerError} `invalid_server_config` in authorization server mode.
   * @throws {TypeError} when a `resource` is not a valid URL.
   */
  protectedResourceMetadataRouter(): Router;
  /**
   * Creates a bearer auth middleware that verifies tokens with a custom function. The token's
   * issuer must still be one of the configured authorization servers.
   *
   * @param verifyAccessToken Verifies the token and returns its `AuthInfo`.
   * @param config Middleware options; `resource` is required in resource server mode.
   * @throws {MCPAuthAuthServerError} `invalid_server_config` when `resource` is missing or unknown,
   * or when `requiredScopes` holds `offline_access` under the `'mcp-2026-07-28'` profile.
   */
  bearerAuth(
    verifyAccessToken: VerifyAccessTokenFunction,
    config?: Omit<BearerAuthConfig, 'verifyAccessToken' | 'issuer'>,
  ): RequestHandler;
  /**
   * Creates a bearer auth middleware that verifies JWT access tokens against the JWK Set
   * (`jwks_uri`) of the trusted authorization server that issued them.
   *
   * @param mode The verification mode (`'jwt'`).
   * @param config Middleware options, plus `jwtVerify` / `remoteJwkSet` options; `resource` is
   * required in resource server mode.
   * @throws {MCPAuthAuthServerError} `invalid_server_config` when `resource` is missing or unknown,
   * or when `requiredScopes` holds `offline_access` under the `'mcp-2026-07-28'` profile.
   */
  bearerAuth(
    mode: VerifyAccessTokenMode,
    config?: Omit<BearerAuthConfig, 'verifyAccessToken' | 'issuer'> & VerifyJwtConfig,
  ): RequestHandler;
}

// Only the declarations marked `export` above are part of the public API.
export {};
