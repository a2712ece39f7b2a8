// The JSON-RPC operation of a request, read the same way by every door for `operationScopes`:
// the requests of a parsed JSON-RPC body (a batch is a list), and the `Mcp-Method` / `Mcp-Name`
// headers. The core resolves and checks them (core/src/operation.rs).

/** A JSON-RPC request of the body (a notification or a response has no operation). */
const messageOf = (message) => {
  if (message === null || typeof message !== 'object' || typeof message.method !== 'string' || message.id === undefined) return undefined;
  const params = message.params ?? {};
  const text = (value) => (typeof value === 'string' ? value : undefined);
  return { method: message.method, name: text(params.name), uri: text(params.uri), taskId: text(params.taskId) };
};

/** The JSON-RPC requests of a parsed body, or `null` when the body was not parsed as JSON. */
const bodyMessages = (body) => {
  if (Array.isArray(body)) return body.map(messageOf).filter(Boolean);
  if (body !== null && typeof body === 'object' && !Buffer.isBuffer(body) && !(body instanceof Uint8Array)) {
    const message = messageOf(body);
    return message ? [message] : [];
  }
  return null;
};

const headerText = (value) => (typeof value === 'string' ? value : undefined);

/** The operation input the addon reads (JSON). */
export const operationJson = (httpMethod, body, mcpMethod, mcpName) =>
  JSON.stringify({ http: httpMethod, body: bodyMessages(body), mcpMethod: headerText(mcpMethod), mcpName: headerText(mcpName) });

/** The operation of a Node request (Express, node:http, Fastify: `body` as a body parser left it),
 * or undefined when the flow does not read it (then the request is not read at all). */
export const nodeOperation = (flow, request) =>
  flow.readsOperation
    ? operationJson(request.method, request.body, request.headers['mcp-method'], request.headers['mcp-name'])
    : undefined;

/** The operation of a web `Request`: its JSON body read from a clone (the original stays unread),
 * only when the flow reads the operation. */
export const webOperation = async (flow, request) => {
  if (!flow.readsOperation) return undefined;
  const json = request.method === 'POST' && /json/i.test(request.headers.get('content-type') ?? '');
  const body = json ? await request.clone().json().catch(() => undefined) : undefined;
  return operationJson(request.method, body, request.headers.get('mcp-method') ?? undefined, request.headers.get('mcp-name') ?? undefined);
};
