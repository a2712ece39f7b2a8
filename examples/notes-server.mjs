// The MCP server of the step-up story (`npm run demo -- --profile`, __test__/e2e-stepup.test.mjs): a
// notes server on the MCP SDK v2 (`@modelcontextprotocol/server`, served with `createMcpHandler`
// behind `toNodeHandler`) guarded by mcp-auth-rs under the mcp-2026-07-28 profile. Every request
// needs `notes:read`; calling the `delete_note` tool needs `notes:write` as well, so a client holding
// only `notes:read` gets 403 `insufficient_scope` with `scope="notes:read notes:write"` and steps up.
//
//   import { serveNotes } from './notes-server.mjs';
//   const { mcpAuth, resource, notes } = await serveNotes(httpServer, issuer, { door: 'express' });
import express from 'express';
import { McpServer, createMcpHandler, fromJsonSchema } from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { MCPAuth, fetchServerConfig } from 'mcp-auth-rs';
import * as expressDoor from 'mcp-auth-rs/express';
import * as nodeDoor from 'mcp-auth-rs/node';

export const NOTES_SCOPES = ['notes:read', 'notes:write'];
export const STEPUP_DOORS = ['express', 'node'];

/** The guard's scopes: `notes:read` for every request, `notes:write` on top to delete a note. */
export const notesGuard = (resource) => ({
  resource,
  requiredScopes: ['notes:read'],
  operationScopes: { 'tools/call:delete_note': ['notes:write'] },
});

const idSchema = fromJsonSchema({ type: 'object', properties: { id: { type: 'string' } }, required: ['id'], additionalProperties: false });
const text = (value) => ({ content: [{ type: 'text', text: JSON.stringify(value) }] });

/** An MCP server factory (one server per request, stateless) over the shared `notes` map. */
export const notesServer = (notes) => () => {
  const server = new McpServer({ name: 'notes', version: '1.0.0' });
  server.registerTool('list_notes', { description: 'Lists the notes' }, async () =>
    text([...notes].map(([id, body]) => ({ id, body }))),
  );
  server.registerTool(
    'delete_note',
    { description: 'Deletes a note (needs notes:write)', inputSchema: idSchema },
    async ({ id }, ctx) => {
      const deleted = notes.delete(id);
      return text({ deleted, id, by: ctx.http?.authInfo?.subject ?? null, scopes: ctx.http?.authInfo?.scopes ?? [] });
    },
  );
  return server;
};

/**
 * Serves `/mcp` (and its RFC 9728 document) on `httpServer`, already listening on 127.0.0.1,
 * trusting `issuer`. `door`: 'express' (`express.json()` before the bearer middleware, so the
 * operation is read from the body; every MCP client works) or 'node' (`mcp-auth-rs/node`; the body
 * is not parsed before the check, so the operation comes from the `Mcp-Method` / `Mcp-Name`
 * headers an SDK v2 client pinned to 2026-07-28 sends; a request without them gets 400).
 */
export const serveNotes = async (httpServer, issuer, { door = 'express', notes = new Map([['n1', 'buy milk'], ['n2', 'call Bob']]) } = {}) => {
  if (!STEPUP_DOORS.includes(door)) throw new TypeError(`door: one of ${STEPUP_DOORS.join(', ')}`);
  const resource = `http://127.0.0.1:${httpServer.address().port}/mcp`;
  const mcpAuth = new MCPAuth({
    profile: 'mcp-2026-07-28',
    protectedResources: {
      metadata: { resource, authorizationServers: [await fetchServerConfig(issuer, { type: 'oidc' })], scopesSupported: NOTES_SCOPES },
    },
  });
  const handler = createMcpHandler(notesServer(notes));
  const mcp = toNodeHandler(handler);

  if (door === 'express') {
    const app = express();
    app.disable('x-powered-by');
    app.use(expressDoor.protectedResourceMetadata(mcpAuth));
    app.use('/mcp', express.json(), expressDoor.bearerAuth(mcpAuth, 'jwt', notesGuard(resource))); // sets req.auth
    app.all('/mcp', (req, res) => mcp(req, res, req.body));
    httpServer.on('request', app);
  } else {
    const metadata = nodeDoor.protectedResourceMetadata(mcpAuth);
    const authenticate = nodeDoor.bearerAuth(mcpAuth, 'jwt', notesGuard(resource));
    const handle = async (req, res) => {
      if (await metadata(req, res)) return;
      if (new URL(req.url, resource).pathname !== '/mcp') return res.writeHead(404).end();
      if (!(await authenticate(req, res))) return; // answered 400/401/403
      await mcp(req, res);
    };
    httpServer.on('request', (req, res) =>
      handle(req, res).catch((error) => {
        if (!res.headersSent) res.writeHead(500);
        res.end(String(error));
      }),
    );
  }
  return { mcpAuth, resource, notes, close: () => handler.close() };
};
