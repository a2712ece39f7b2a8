// The `profile` option of `MCPAuth` (index.d.ts): the two profiles are accepted, anything else is
// a type error, and legacy mode (`server`) takes only `'compat'`.
// Type-checked only (never executed): `npx tsc -p __test__/types/tsconfig.json`.

import { MCPAuth, type AuthServerModeConfig, type MCPAuthConfig, type ResourceServerModeConfig } from 'mcp-auth-rs';

const resource = 'https://api.example.com/mcp';
const protectedResources = {
  metadata: { resource, authorizationServers: [{ issuer: 'https://auth.example.com', type: 'oidc' as const }], scopesSupported: ['read'] },
};

export const profiled = new MCPAuth({ protectedResources, profile: 'mcp-2026-07-28' });
export const compat = new MCPAuth({ protectedResources, profile: 'compat' });
export const byDefault = new MCPAuth({ protectedResources });
export const asConfig: MCPAuthConfig = { protectedResources, profile: 'mcp-2026-07-28' };
const chosen = 'mcp-2026-07-28' as const;
export const fromConstant = new MCPAuth({ protectedResources, profile: chosen });
export const legacyCompat: AuthServerModeConfig = { server: { issuer: 'https://auth.example.com', type: 'oauth' }, profile: 'compat' };
// The instance's config keeps it.
export const readBack: 'compat' | 'mcp-2026-07-28' | undefined = profiled.config.profile;

// Exactly the two names.
type Profile = NonNullable<ResourceServerModeConfig['profile']>;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const exactlyTwo: Same<Profile, 'compat' | 'mcp-2026-07-28'> = true;
export const legacyOnlyCompat: Same<NonNullable<AuthServerModeConfig['profile']>, 'compat'> = true;

// @ts-expect-error not a profile
export const unknown = new MCPAuth({ protectedResources, profile: 'strict' });
// @ts-expect-error profile names are case-sensitive
export const wrongCase = new MCPAuth({ protectedResources, profile: 'MCP-2026-07-28' });
// @ts-expect-error a profile is a string
export const notAString = new MCPAuth({ protectedResources, profile: 20260728 });
let widened = 'mcp-2026-07-28';
widened += '';
// @ts-expect-error a plain `string` is too wide
export const wide = new MCPAuth({ protectedResources, profile: widened });
// @ts-expect-error the profile needs resource server mode, not `server`
export const legacyProfiled: AuthServerModeConfig = { server: { issuer: 'https://auth.example.com', type: 'oauth' }, profile: 'mcp-2026-07-28' };
// @ts-expect-error the same, as the constructor's argument
export const legacyProfiledInstance = new MCPAuth({ server: { issuer: 'https://auth.example.com', type: 'oauth' }, profile: 'mcp-2026-07-28' });
export const legacyCompatInstance = new MCPAuth({ server: { issuer: 'https://auth.example.com', type: 'oauth' }, profile: 'compat' });
