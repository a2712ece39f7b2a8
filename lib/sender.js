// What a middleware with `dpop` needs of a request besides its `Authorization` header: the method,
// the URL the door sees (its protocol, `Host` and path; `publicOrigin` replaces the origin in the
// core) and the `DPoP` header (several are joined with ", ", which the core refuses). Read only
// when the flow has `dpop`.

const senderJson = (method, url, proof) => JSON.stringify({ method, url, proof: proof ?? undefined });

/** The sender input of a Node request (Express, node:http, Fastify): `path` as the client sent it;
 * `protocolOf(request)` is the door's reading of the scheme, called only for a flow with `dpop`
 * (Express's and Fastify's `protocol` getters cost about 1.5 µs a request). */
export const nodeSender = (flow, request, protocolOf, path) =>
  flow.readsSender ? senderJson(request.method, `${protocolOf(request)}://${request.headers.host}${path}`, request.headers.dpop) : undefined;

/** The sender input of a web `Request`. */
export const webSender = (flow, request) => (flow.readsSender ? senderJson(request.method, request.url, request.headers.get('dpop')) : undefined);
