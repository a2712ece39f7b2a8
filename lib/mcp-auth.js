// `MCPAuth`: the shim side. Rust holds the modes, the rules, the verifiers and the caches.
import { binding, jsonArg } from './native.js';
import { callAsync, callSync, decodeError } from './errors.js';
import { serverMetadataPaths, validateServerConfig } from './discovery.js';
import { handleBearerAuth, jwtBearerMiddleware, jwtVerifyFunction, jwtVerifyJson, policyJson, remoteJwkSetJson } from './bearer.js';
import { createDelegatedRouter, createResourceMetadataRouter } from './routers.js';

const serverConfig = (config) =>
  'metadata' in config
    ? { kind: 'resolved', metadata: config.metadata, type: config.type }
    : { kind: 'discovery', issuer: config.issuer, type: config.type };

const resourceList = (protectedResources) => (Array.isArray(protectedResources) ? protectedResources : [protectedResources]);

// The constructor argument in the explicit shape the addon reads (`in` checks decided here).
const normalize = (config) => {
  const hasServer = 'server' in config;
  const hasProtectedResources = 'protectedResources' in config;
  if (hasServer) return { hasServer, hasProtectedResources, server: serverConfig(config.server) };
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

export class MCPAuth {
  #core;

  constructor(config) {
    this.config = config;
    const core = new binding.McpAuthCore(jsonArg(normalize(config)));
    const report = JSON.parse(core.startupReport());
    for (const warning of report.warnings) console.warn(warning);
    if (report.error) {
      const error = decodeError(report.error);
      if (report.invalidMetadataAt) error.cause = validationCause(config, report.invalidMetadataAt);
      throw error;
    }
    this.#core = core;
  }

  delegatedRouter() {
    const core = this.#core;
    const staticBody = callSync(() => core.delegatedStaticBody());
    const loadBody = async () => {
      const { body, warning } = JSON.parse(await callAsync(() => core.delegatedDiscoveredBody()));
      if (warning) console.warn(warning);
      return body;
    };
    return createDelegatedRouter(serverMetadataPaths.oauth, staticBody === null ? undefined : JSON.parse(staticBody), loadBody);
  }

  protectedResourceMetadataRouter() {
    return createResourceMetadataRouter(JSON.parse(callSync(() => this.#core.resourceRoutes())));
  }

  bearerAuth(modeOrVerify, config = {}) {
    const core = this.#core;
    const { jwtVerify, remoteJwkSet, ...rest } = config;
    const verifier = callSync(() => core.verifierFor(rest.resource ? String(rest.resource) : undefined));
    const issuer = (tokenIssuer) =>
      callSync(() => core.checkIssuer(verifier, tokenIssuer === undefined ? undefined : jsonArg(tokenIssuer)));
    if (typeof modeOrVerify === 'function') return handleBearerAuth({ verifyAccessToken: modeOrVerify, issuer, ...rest });
    if (modeOrVerify !== 'jwt') return handleBearerAuth({ verifyAccessToken: undefined, issuer, ...rest });
    const handle = callSync(() =>
      core.jwtBearer(verifier, policyJson(rest), jwtVerifyJson(jwtVerify), remoteJwkSetJson(remoteJwkSet)),
    );
    // [REF] runtime `issuer`/`verifyAccessToken` keys replace the built-ins.
    if ('issuer' in rest || 'verifyAccessToken' in rest) {
      return handleBearerAuth({ verifyAccessToken: jwtVerifyFunction(handle), issuer, ...rest });
    }
    return jwtBearerMiddleware(handle);
  }
}
