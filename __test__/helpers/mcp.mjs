// What the end-to-end tests share around their MCP servers: the `initialize` request they send by
// hand (fetch), next to the SDK clients, and the token hash the `whoami` tool reports.

import crypto from 'node:crypto';
import { jsonOrText } from './util.mjs';

/** The SHA-256 (base64url) of a token: what `whoami` reports as `tokenSha256`, computed here independently. */
export const sha256 = (text) => crypto.createHash('sha256').update(text).digest('base64url');

/**
 * POSTs an MCP `initialize` request to `url`, with an `Authorization` header when `authorization`
 * is given. Resolves the status, the headers, `WWW-Authenticate` and the body (parsed JSON, else
 * its text).
 */
export const postInitialize = async (url, authorization) => {
  const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  if (authorization !== undefined) headers.authorization = authorization;
  const res = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'fetch', version: '0' } },
    }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = jsonOrText(await res.text());
  return { status: res.status, headers: res.headers, wwwAuthenticate: res.headers.get('www-authenticate'), body };
};
