// Authorization-server discovery and validation. Rust fetches (timeout, size cap), checks the
// schema and validates; JS parses the body like `response.json()`, runs the user's
// `transpileData` hook and attaches zod errors as causes.
import { binding, tables, pickKeys } from './native.js';
import { jsonArg } from './codec.js';
import { MCPAuthAuthServerError, callAsync, callSync, invalidUrl } from './errors.js';
import {
  authServerFieldNames,
  authorizationServerMetadataSchema,
  camelAuthServerFieldNames,
  camelCaseAuthorizationServerMetadataSchema,
} from './schemas.js';

export const serverMetadataPaths = Object.freeze({ ...tables.serverMetadataPaths });
export const defaultValues = Object.freeze({ ...tables.defaultValues });

export const getIssuer = (config) => ('metadata' in config ? config.metadata.issuer : config.issuer);

/**
 * `requestTimeout` (ms, default 10000) and `maxResponseBytes` (default 1 MiB) bound the request;
 * `transpileData` may return a Promise, which is awaited.
 */
// A limit option: undefined (the default) or an integer the addon can hold.
const limit = (name, value, min) => {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < min || value > 0xffff_ffff) {
    throw new RangeError(`\`${name}\` must be an integer from ${min} to ${0xffff_ffff}.`);
  }
  return value;
};

export const fetchServerConfigByWellKnownUrl = async (wellKnownUrl, { type, transpileData, requestTimeout, maxResponseBytes }) => {
  const url = String(wellKnownUrl);
  // `fetch` refuses a string that is not a URL this way, before any request.
  if (!URL.canParse(url)) throw new TypeError(`Failed to parse URL from ${url}`, { cause: invalidUrl(url) });
  const timeout = limit('requestTimeout', requestTimeout, 1);
  const maxBytes = limit('maxResponseBytes', maxResponseBytes, 0);
  const text = await callAsync(() => binding.fetchMetadataText(url, timeout, maxBytes));
  const document = JSON.parse(text);
  if (typeof document !== 'object' || document === null) {
    throw new MCPAuthAuthServerError('invalid_server_metadata', { metadata: document, message: tables.messages.metadataNotAnObject });
  }
  const candidate = (transpileData ? await transpileData(document) : undefined) ?? document;
  let resolved;
  try {
    resolved = callSync(() => binding.parseServerMetadata(jsonArg(pickKeys(candidate, authServerFieldNames)), String(type)));
  } catch (error) {
    if (!(error instanceof MCPAuthAuthServerError)) throw error;
    const parseError = authorizationServerMetadataSchema.safeParse(candidate).error;
    throw new MCPAuthAuthServerError(error.code, { metadata: document, parseError });
  }
  return { metadata: JSON.parse(resolved).metadata, type };
};

export const fetchServerConfig = async (issuer, config) =>
  fetchServerConfigByWellKnownUrl(callSync(() => binding.wellKnownUrl(`${issuer}`, String(config.type))), config);

export const validateServerConfig = (config, verbose = false) => {
  const { metadata } = config;
  const result = JSON.parse(
    callSync(() => binding.validateServerConfig(jsonArg(pickKeys(metadata, camelAuthServerFieldNames)), Boolean(verbose))),
  );
  for (const error of result.errors ?? []) {
    error.cause =
      error.code === 'invalid_server_metadata' ? camelCaseAuthorizationServerMetadataSchema.safeParse(metadata).error : undefined;
  }
  return result;
};
