// The benchmark's requests, shared by run.mjs and paired.mjs.

// Larger than mcp-auth-rs's verified-token cache (1,000 entries, oldest out first) and fast-jwt's
// (1,000, LRU): rotating through a pool never hits a cache (a token comes back only after 12,000
// others, long gone from both caches).
export const POOL_SIZE = 12_000;
export const RESOURCE = 'https://bench.example/mcp';

const rotate = (list) => {
  let i = 0;
  return () => `Bearer ${list[i++ % list.length]}`;
};
/** `authorization(tokens)` makes a fresh sequence: each call returns the next request's
 * Authorization value (undefined = no header). `status` is the expected answer. */
export const CASES = [
  { id: 'no-auth', label: 'no auth (baseline)', status: 200, authorization: () => () => undefined },
  // The baseline's requests carry no token; this one sends the "same token" request and ignores
  // it: the difference is Node's cost of the bigger request, before any library runs.
  { id: 'no-auth-token', label: 'no auth, token sent', status: 200, authorization: (t) => () => `Bearer ${t.same}` },
  { id: 'same-token', label: 'same token', status: 200, authorization: (t) => () => `Bearer ${t.same}` },
  { id: 'rs256-new', label: 'RS256, new token', status: 200, authorization: (t) => rotate(t.rs256) },
  { id: 'es256-new', label: 'ES256, new token', status: 200, authorization: (t) => rotate(t.es256) },
  { id: 'bad-signature', label: 'bad signature', status: 401, authorization: (t) => rotate([t.badRs256, t.badEs256]) },
  { id: 'no-header', label: 'no Authorization', status: 401, authorization: () => () => undefined },
];
