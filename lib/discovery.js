'use strict';
// Authorization-server discovery and validation. Rust fetches, parses and validates; JS only
// runs the user's `transpileData` hook and attaches zod errors as causes.

const { binding, tables, callSync, callAsync } = require('./native.js');
const { MCPAuthAuthServerError } = require('./errors.js');
const { authorizationServerMetadataSchema, camelCaseAuthorizationServerMetadataSchema } = require('./schemas.js');

const serverMetadataPaths = Object.freeze({ ...tables.serverMetadataPaths });
const defaultValues = Object.freeze({ ...tables.defaultValues });

const getIssuer = (config) => ('metadata' in config ? config.metadata.issuer : config.issuer);

/**
 * `requestTimeout` (ms, default 10000) and `maxResponseBytes` (default 1 MiB) bound the request;
 * `transpileData` may return a Promise, which is awaited.
 */
const fetchServerConfigByWellKnownUrl = async (
  wellKnownUrl,
  { type, transpileData, requestTimeout, maxResponseBytes },
) => {
  const documentJson = await callAsync(
    binding.fetchMetadataDocument,
    String(wellKnownUrl),
    requestTimeout,
    maxResponseBytes,
  );
  const document = JSON.parse(documentJson);
  let candidateJson = documentJson;
  let candidate = document;
  if (transpileData) {
    candidate = (await transpileData(document)) ?? document;
    candidateJson = JSON.stringify(candidate) ?? 'null';
  }
  let resolved;
  try {
    resolved = callSync(binding.parseServerMetadata, candidateJson, String(type));
  } catch (error) {
    if (error instanceof MCPAuthAuthServerError) {
      const parseError = authorizationServerMetadataSchema.safeParse(candidate).error;
      throw new MCPAuthAuthServerError(error.code, { metadata: document, parseError });
    }
    throw error;
  }
  return { metadata: JSON.parse(resolved).metadata, type };
};

const fetchServerConfig = async (issuer, config) =>
  fetchServerConfigByWellKnownUrl(callSync(binding.wellKnownUrl, issuer, String(config.type)), config);

const validateServerConfig = (config, verbose = false) => {
  const { metadata } = config;
  const result = JSON.parse(
    callSync(binding.validateServerConfig, JSON.stringify(metadata) ?? 'null', Boolean(verbose)),
  );
  for (const error of result.errors ?? []) {
    error.cause =
      error.code === 'invalid_server_metadata'
        ? camelCaseAuthorizationServerMetadataSchema.safeParse(metadata).error
        : undefined;
  }
  return result;
};

module.exports = {
  serverMetadataPaths,
  defaultValues,
  getIssuer,
  fetchServerConfig,
  fetchServerConfigByWellKnownUrl,
  validateServerConfig,
};
