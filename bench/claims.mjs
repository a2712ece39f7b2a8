// The claims of the benchmark's tokens (cases.mjs signs them; the floor rows of libraries.mjs
// JSON.parse the "same token"'s claims without a token). A module of its own: the server
// children import it without the token-signing helpers.

/** The claims of a bench token for `audience`, issued at `now` (seconds), valid 1 h. */
export const claimsOf = (issuer, audience, jti, now) => ({ iss: issuer, sub: 'bench-user', aud: audience, client_id: 'bench-client', scope: 'read write', iat: now, exp: now + 3600, jti });
