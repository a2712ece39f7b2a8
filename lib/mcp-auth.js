// `MCPAuth`: the JS side. The core holds the modes, the rules, the verifiers and the caches; the
// functions after the class give every front door the same bearer flows and metadata documents.
import { binding } from './native.js';
import { jsonArg } from './codec.js';
import { callAsync, callSync, decodeError } from './errors.js';
import { getIssuer, serverMetadataPaths, validateServerConfig } from './discovery.js';
import { BearerFlow, callerVerifiedFlow, jwtVerifyFunction } from './bearer.js';
import { TRUSTED_ISSUERS, jwksFetchOf, jwtVerifyJson, remoteJwkSetJson, settingsJson } from './options.js';
import * as expressDoor from './doors/express.js';
import { storeFunctionOf, storeTimeoutOf } from './store.js';

const serverConfig = (config) => {
  if (!('metadata' in config)) return { kind: 'discovery', issuer: config.issuer, type: config.type };
  getIssuer(config); // a `metadata` key holding no object fails here, with the reference's TypeError
  return { kind: 'resolved', metadata: config.metadata, type: config.type };
};

const resourceList = (protectedResources) => (Array.isArray(protectedResources) ? protectedResources : [protectedResources]);

// The constructor argument in the explicit shape the addon reads (`in` checks decided here).
const normalize = (config) => {
  const hasServer = 'server' in config;
  const hasProtectedResources = 'protectedResources' in config;
  if (hasServer) {
    // A missing server fails in Rust, after the deprecation warning (as in the reference); so does
    // a `metadata` that is not an object, as invalid metadata (its `{}` stand-in fails validation;
    // the error's cause is then computed from the real value).
    const given = config.server;
    // What the reference's schema does not take for an object (zod's parsed types).
    const notAnObject = (value) =>
      typeof value !== 'object' || value === null || [Array, Date, Map, Set, Promise].some((type) => value instanceof type);
    const server =
      given === undefined || given === null
        ? undefined
        : 'metadata' in given && notAnObject(given.metadata)
          ? { kind: 'resolved', metadata: {}, type: given.type }
          : serverConfig(given);
    return { profile: config.profile, hasServer, hasProtectedResources, server };
  }
  if (!hasProtectedResources) return { profile: config.profile, hasServer, hasProtectedResources };
  const protectedResources = resourceList(config.protectedResources).map(({ metadata }) => {
    const { authorizationServers, ...rest } = metadata;
    return { metadata: rest, authorizationServers: (authorizationServers ?? []).map(serverConfig) };
  });
  return { profile: config.profile, hasServer, hasProtectedResources, protectedResources };
};

// A failed MCP validation carries `{ errors, warnings }` with JS-side causes (zod errors).
const validationCause = (config, at) => {
  const server = at.server === true ? config.server : resourceList(config.protectedResources)[at.resource].metadata.authorizationServers[at.server];
  const { errors, warnings } = validateServerConfig(server);
  return { errors, warnings };
};

// The RFC 9728 document of a resource as of router creation (top-level keys fixed, nested values
// read at each request, as in the reference).
const resourceDocumentInput = (metadata, profile) => {
  const { authorizationServers, ...rest } = metadata;
  return { metadata: rest, issuers: (authorizationServers ?? []).map(getIssuer), profile };
};

export class MCPAuth {
  constructor(config) {
    this.config = config;
    const core = callSync(() => new binding.McpAuthCore(jsonArg(normalize(config))));
    const report = JSON.parse(core.startupReport());
    for (const warning of report.warnings) console.warn(warning);
    if (report.error) {
      const error = decodeError(report.error);
      if (report.invalidMetadataAt) error.cause = validationCause(config, report.invalidMetadataAt);
      throw error;
    }
    if (config.store !== undefined && config.store !== null) {
      const store = storeFunctionOf(config.store);
      callSync(() => core.useStore(store, storeTimeoutOf(config.storeTimeout)));
    }
    // The resource list as normalized at construction (the caller's array when one was given).
    const resources = 'server' in config ? undefined : resourceList(config.protectedResources);
    internals.set(this, { core, resources });
  }

  delegatedRouter() {
    return expressDoor.authorizationServerMetadata(this);
  }

  protectedResourceMetadataRouter() {
    return expressDoor.protectedResourceMetadata(this);
  }

  bearerAuth(modeOrVerify, config = {}) {
    return expressDoor.bearerAuth(this, modeOrVerify, config);
  }
}

/** What an `MCPAuth` keeps out of sight: its core and its resources. */
const internals = new WeakMap();

const coreOf = (mcpAuth) => {
  const state = internals.get(mcpAuth);
  if (!state) throw new TypeError('Expected an MCPAuth instance.');
  return state;
};

/** The core's verification options a custom verify function builds its own AuthInfo without. */
const coreOnlyOptions = ['scopeClaims', 'introspection', 'dpop'];

/** The bearer flow of `mcpAuth.bearerAuth(modeOrVerify, config)`, for any door. */
export const bearerFlowOf = (mcpAuth, modeOrVerify, config = {}) => {
  const { core } = coreOf(mcpAuth);
  const { jwtVerify, remoteJwkSet, introspection, ...rest } = config;
  const { resource } = rest;
  const verifier = callSync(() => core.verifierFor(resource ? String(resource) : undefined, typeof resource === 'string'));
  const callerVerified = (verifyAccessToken) =>
    callerVerifiedFlow({ verifyAccessToken, issuer: TRUSTED_ISSUERS, ...rest }, (settings) => core.callerGuard(verifier, settings));
  if (typeof modeOrVerify === 'function') {
    const given = coreOnlyOptions.find((option) => config[option] !== undefined);
    if (given) throw new TypeError(`\`${given}\` needs bearerAuth('jwt') or bearerAuth('introspection'): a custom verify function builds its own AuthInfo.`);
    return callerVerified(modeOrVerify);
  }
  const introspectionJson = introspection === undefined || introspection === null ? undefined : jsonArg(introspection);
  let guard;
  if (modeOrVerify === 'introspection') {
    // Without the option there is no `clientId`: the core's setup error says so.
    guard = callSync(() => core.introspectionGuard(verifier, settingsJson(rest), introspectionJson ?? '{}', jwtVerifyJson(jwtVerify)));
  } else if (modeOrVerify === 'jwt') {
    guard = callSync(() =>
      core.jwtGuard(verifier, settingsJson(rest), jwtVerifyJson(jwtVerify), remoteJwkSetJson(remoteJwkSet), jwksFetchOf(remoteJwkSet), introspectionJson),
    );
  } else {
    return callerVerified(undefined);
  }
  // As in the reference, runtime `issuer`/`verifyAccessToken` keys replace the built-ins (a caller's
  // verification, which cannot check DPoP proofs).
  if ('issuer' in rest || 'verifyAccessToken' in rest) {
    if (rest.dpop !== undefined && rest.dpop !== null) throw new TypeError('`dpop` cannot be combined with `issuer` or `verifyAccessToken`.');
    return callerVerified(jwtVerifyFunction(guard));
  }
  return new BearerFlow(guard, rest);
};

/** The RFC 9728 documents, `[{ path, document() }]`, one per resource (resource-server mode only);
 * top-level keys fixed now, nested values read at each request, as in the reference. */
export const resourceMetadataRoutes = (mcpAuth) => {
  const { core, resources } = coreOf(mcpAuth);
  callSync(() => core.checkResourceRouter());
  return resources.map(({ metadata }) => {
    const path = callSync(() => binding.resourceMetadataPath(String(metadata.resource)));
    const input = resourceDocumentInput(metadata, mcpAuth.config.profile);
    return { path, document: () => JSON.parse(callSync(() => binding.resourceMetadataDocument(jsonArg(input)))) };
  });
};

/** The delegated authorization-server document (authorization-server mode only): `{ path,
 * document() }`, `document` async (a discovery config is fetched on first use); the config is
 * read at each request, as in the reference. */
export const delegatedMetadataRoute = (mcpAuth) => {
  const { core } = coreOf(mcpAuth);
  callSync(() => core.checkDelegatedRouter());
  const document = async () => {
    const { server } = mcpAuth.config;
    if ('metadata' in server) return JSON.parse(callSync(() => binding.snakeCaseDocument(jsonArg(server.metadata))));
    const { body, warning } = JSON.parse(await callAsync(() => core.delegatedDiscoveredBody()));
    if (warning) console.warn(warning);
    return body;
  };
  return { path: serverMetadataPaths.oauth, document };
};
