// `MCPAuth`: the shim side. Rust holds the modes, the rules, the verifiers and the caches.
import { binding } from './native.js';
import { jsonArg } from './codec.js';
import { callAsync, callSync, decodeError } from './errors.js';
import { getIssuer, serverMetadataPaths, validateServerConfig } from './discovery.js';
import { callerBearerAuth, jwtBearerMiddleware, jwtVerifyFunction } from './bearer.js';
import { TRUSTED_ISSUERS, jwksFetchOf, jwtVerifyJson, remoteJwkSetJson, settingsJson } from './options.js';
import { createDelegatedRouter, createResourceMetadataRouter } from './routers.js';

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
    return { hasServer, hasProtectedResources, server };
  }
  if (!hasProtectedResources) return { hasServer, hasProtectedResources };
  const protectedResources = resourceList(config.protectedResources).map(({ metadata }) => {
    const { authorizationServers, ...rest } = metadata;
    return { metadata: rest, authorizationServers: (authorizationServers ?? []).map(serverConfig) };
  });
  return { hasServer, hasProtectedResources, protectedResources };
};

// A failed MCP validation carries `{ errors, warnings }` with JS-side causes (zod errors).
const validationCause = (config, at) => {
  const server = at.server === true ? config.server : resourceList(config.protectedResources)[at.resource].metadata.authorizationServers[at.server];
  const { errors, warnings } = validateServerConfig(server);
  return { errors, warnings };
};

// The RFC 9728 document of a resource as of router creation (top-level keys fixed, nested values
// read at each request, as in the reference).
const resourceDocumentInput = (metadata) => {
  const { authorizationServers, ...rest } = metadata;
  return { metadata: rest, issuers: (authorizationServers ?? []).map(getIssuer) };
};

export class MCPAuth {
  #core;
  // The resource list as normalized at construction (the caller's array when one was given).
  #resources;

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
    this.#core = core;
    if (!('server' in config)) this.#resources = resourceList(config.protectedResources);
  }

  delegatedRouter() {
    const core = this.#core;
    callSync(() => core.checkDelegatedRouter());
    const loadBody = async () => {
      const { server } = this.config;
      if ('metadata' in server) return JSON.parse(callSync(() => binding.snakeCaseDocument(jsonArg(server.metadata))));
      const { body, warning } = JSON.parse(await callAsync(() => core.delegatedDiscoveredBody()));
      if (warning) console.warn(warning);
      return body;
    };
    return createDelegatedRouter(serverMetadataPaths.oauth, loadBody);
  }

  protectedResourceMetadataRouter() {
    callSync(() => this.#core.checkResourceRouter());
    const routes = this.#resources.map(({ metadata }) => {
      const path = callSync(() => binding.resourceMetadataPath(String(metadata.resource)));
      const input = resourceDocumentInput(metadata);
      return [path, () => JSON.parse(callSync(() => binding.resourceMetadataDocument(jsonArg(input))))];
    });
    return createResourceMetadataRouter(routes);
  }

  bearerAuth(modeOrVerify, config = {}) {
    const core = this.#core;
    const { jwtVerify, remoteJwkSet, ...rest } = config;
    const { resource } = rest;
    const verifier = callSync(() => core.verifierFor(resource ? String(resource) : undefined, typeof resource === 'string'));
    const callerVerified = (verifyAccessToken) =>
      callerBearerAuth({ verifyAccessToken, issuer: TRUSTED_ISSUERS, ...rest }, (settings) => core.callerGuard(verifier, settings));
    if (typeof modeOrVerify === 'function') return callerVerified(modeOrVerify);
    if (modeOrVerify !== 'jwt') return callerVerified(undefined);
    const guard = callSync(() =>
      core.jwtGuard(verifier, settingsJson(rest), jwtVerifyJson(jwtVerify), remoteJwkSetJson(remoteJwkSet), jwksFetchOf(remoteJwkSet)),
    );
    // As in the reference, runtime `issuer`/`verifyAccessToken` keys replace the built-ins.
    if ('issuer' in rest || 'verifyAccessToken' in rest) return callerVerified(jwtVerifyFunction(guard));
    return jwtBearerMiddleware(guard, rest);
  }
}
