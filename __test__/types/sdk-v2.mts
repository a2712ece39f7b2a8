// ESM consumer of the MCP TypeScript SDK v2 (`@modelcontextprotocol/server` 2.x): the AuthInfo
// fields added by mcp-auth-rs are typed on v2's own `AuthInfo`, i.e. on `ctx.http.authInfo` in
// tool handlers. Type-checked only (never executed): `npx tsc -p __test__/types/tsconfig.json`.

import { McpServer, type AuthInfo as AuthInfoV2, type ServerContext } from '@modelcontextprotocol/server';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';

import { MCPAuth } from 'mcp-auth-rs';
import { bearerAuth } from 'mcp-auth-rs/fetch';

/** Compile-time equality check. */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assertType = <T extends true>(): T => true as T;

// The added fields, all optional on v2's AuthInfo (its own bearer helpers do not set them).
assertType<Equals<AuthInfoV2['issuer'], string | undefined>>();
assertType<Equals<AuthInfoV2['subject'], string | undefined>>();
assertType<Equals<AuthInfoV2['audience'], string | string[] | undefined>>();
assertType<Equals<AuthInfoV2['claims'], Record<string, unknown> | undefined>>();
// v2's own fields are untouched.
assertType<Equals<AuthInfoV2['resourceMetadataUrl'], string | undefined>>();

const server = new McpServer({ name: 'sdk-v2', version: '1.0.0' });
server.registerTool('whoami', { description: 'Who am I' }, async (ctx) => {
  const authInfo: AuthInfoV2 | undefined = ctx.http?.authInfo;
  const iss: string | undefined = ctx.http?.authInfo?.issuer;
  const sub: string | undefined = authInfo?.subject;
  const aud: string | string[] | undefined = authInfo?.audience;
  const claims: Record<string, unknown> | undefined = authInfo?.claims;
  const tenant = authInfo?.claims?.['tenant'];
  // @ts-expect-error `issuer` is a string (proves `ctx` is not `any`)
  const wrong: number | undefined = ctx.http?.authInfo?.issuer;
  return { content: [{ type: 'text', text: JSON.stringify({ iss, sub, aud, claims, tenant, wrong }) }] };
});

// A handler typed by the SDK's context type.
const handler = (ctx: ServerContext): string => ctx.http?.authInfo?.issuer ?? 'anonymous';
void handler;

// v2 AuthInfo values built by other verifiers still type-check without the added fields.
const fromV2Verifier: AuthInfoV2 = { token: 't', clientId: 'c', scopes: [] };
void fromV2Verifier;

// The AuthInfo of the mcp-auth-rs doors (the SDK v1 type, `issuer` required) fits v2's.
const mcpAuth = new MCPAuth({ protectedResources: { metadata: { resource: 'https://api.example.com/mcp' } } });
const auth = bearerAuth(mcpAuth, 'jwt', { resource: 'https://api.example.com/mcp' });
declare const request: Request;
const result = await auth(request);
if (!(result instanceof Response)) {
  const v1: AuthInfo = result;
  const v2: AuthInfoV2 = v1;
  void v2;
}

// --- Things that must NOT compile ----------------------------------------------------------------

// @ts-expect-error `issuer` is a string
const badIssuer: AuthInfoV2 = { token: 't', clientId: 'c', scopes: [], issuer: 1 };
void badIssuer;
// @ts-expect-error `claims` is an object
const badClaims: AuthInfoV2 = { token: 't', clientId: 'c', scopes: [], claims: 'sub=x' };
void badClaims;
server.registerTool('nope', { description: 'd' }, async (ctx) => {
  // @ts-expect-error not an AuthInfo field
  const nope: unknown = ctx.http?.authInfo?.nonsense;
  return { content: [{ type: 'text', text: String(nope) }] };
});
