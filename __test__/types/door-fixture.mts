// What the ESM door consumers (door-*.mts) protect: a resource, the issuer it trusts and the
// `MCPAuth` for them. Type-checked only (never executed): `npx tsc -p __test__/types/tsconfig.json`.

import { MCPAuth } from 'mcp-auth-rs';

export const resource = 'https://api.example.com/mcp';
export const issuer = 'https://auth.example.com';
export const mcpAuth = new MCPAuth({
  protectedResources: { metadata: { resource, authorizationServers: [{ issuer, type: 'oidc' }] } },
});
