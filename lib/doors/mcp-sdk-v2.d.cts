// Adds the `AuthInfo` fields of `mcp-auth-rs` to the CommonJS build of the MCP TypeScript SDK v2
// (`@modelcontextprotocol/server` 2.x), whose `AuthInfo` is a separate type from the ESM build's.
// Referenced by `../../index.d.ts`, which augments the ESM build the same way; see there.
//
// This file is CommonJS (`.d.cts`), so the module name below resolves to the SDK's CommonJS
// typings. When the SDK is not installed the augmentation is silently ignored.

declare module '@modelcontextprotocol/server' {
  /** Fields added by `mcp-auth-rs` to the MCP SDK v2's `AuthInfo` (`ctx.http.authInfo`). */
  interface AuthInfo {
    /** Issuer of the access token (`iss` claim), i.e. the authorization server that minted it. */
    issuer?: string;
    /** Subject of the access token (`sub` claim), usually the user or client identifier. */
    subject?: string;
    /** Intended audience(s) of the access token (`aud` claim). */
    audience?: string | string[];
    /** The complete, verified JWT payload (JWT mode), or any claims a custom verifier returns. */
    claims?: Record<string, unknown>;
  }
}

export {};
