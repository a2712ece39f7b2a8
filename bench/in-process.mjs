// In-process Express measurement: `npm run bench:in-process [-- --case same-token] [-- --libs a,b]
// [-- --requests N] [-- --windows N]`.
// One Express 5 app per library, each on an in-memory connection: the real HTTP parser,
// `IncomingMessage` and `ServerResponse`, Express's router, but no sockets, no load generator and
// no second process, so a window's figure moves by about ±1 µs where an HTTP window's moves by tens.
// Requests go in pipelined batches of 50; each window times `--requests` requests of one app with
// process.cpuUsage(), the apps taking turns (their order rotating), `--windows` rounds. Prints per
// library the median and lowest CPU µs per request, and the median added over `none` (the no-auth
// app served the same requests, token ignored). See bench/README.md.

import http from 'node:http';
import { Duplex } from 'node:stream';
import { parseArgs } from 'node:util';
import { CASES, RESOURCE, signTokens, startBenchAuthServer } from './cases.mjs';
import { LIBRARIES } from './libraries.mjs';
import { runBounded } from './http.mjs';

const { values: args } = parseArgs({
  options: {
    case: { type: 'string', default: 'same-token' },
    libs: { type: 'string', default: 'none,mcp-auth-rs,mcp-auth,floor (JSON.parse),floor (addon verify)' },
    requests: { type: 'string', default: '10000' },
    windows: { type: 'string', default: '15' },
  },
});
const HTTP_CASES = CASES.filter((c) => !c.opaque && !c.microOnly && !c.id.startsWith('no-auth'));
const testCase = HTTP_CASES.find((c) => c.id === args.case);
if (!testCase) throw new Error(`--case takes one of ${HTTP_CASES.map((c) => c.id).join(', ')}`);
// A comma inside parentheses is part of a name.
const libs = args.libs.split(/,(?![^(]*\))/).map((lib) => lib.trim());
const unknown = libs.find((lib) => !LIBRARIES[lib] && lib !== 'none');
if (unknown) throw new Error(`unknown library ${unknown}`);
if (!libs.includes('none')) libs.unshift('none');
const BATCH = 50;
const requests = Math.max(BATCH, Math.round(Number(args.requests) / BATCH) * BATCH);
const windows = Math.max(1, Number(args.windows));

const passThrough = (req, res, next) => next();

/** An Express app of `lib` on an in-memory connection: `batch()` sends the next 50 requests of
 * the case and resolves when all 50 are answered with the case's status. */
const startApp = async (express, lib, context, tokens) => {
  const middleware = lib === 'none' ? passThrough : await LIBRARIES[lib](context);
  const app = express();
  app.get('/mcp', middleware, (req, res) => res.json({ ok: true }));
  app.use((err, req, res, _next) => res.status(500).json({ error: 'server_error' }));
  const server = http.createServer(app);
  // The JSON floor ignores the header: it answers 200 whatever the case.
  const expected = lib === 'none' || lib === 'floor (JSON.parse)' ? 200 : testCase.status;
  let pending = 0;
  let settle;
  server.on('request', (req, res) =>
    res.once('finish', () => {
      if (res.statusCode !== expected) settle.reject(new Error(`${lib}: answered ${res.statusCode}, expected ${expected}`));
      else if (--pending === 0) settle.resolve();
    }),
  );
  const connection = new Duplex({ read() {}, write: (chunk, encoding, callback) => callback() });
  server.emit('connection', connection);
  const next = lib === 'none' ? CASES.find((c) => c.id === 'no-auth-token').authorization(tokens) : testCase.authorization(tokens);
  const batch = () =>
    new Promise((resolve, reject) => {
      settle = { resolve, reject };
      pending = BATCH;
      let text = '';
      for (let i = 0; i < BATCH; i++) {
        const authorization = next();
        text += `GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n${authorization ? `Authorization: ${authorization}\r\n` : ''}\r\n`;
      }
      connection.push(text);
    });
  return { lib, batch };
};

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];

const main = async () => {
  const { default: express } = await import('express');
  const authServer = await startBenchAuthServer();
  try {
    const tokens = signTokens(authServer, RESOURCE, 12_000);
    const context = { issuer: authServer.issuer, jwksUri: authServer.jwksUri, resource: RESOURCE };
    const apps = [];
    for (const lib of libs) apps.push(await startApp(express, lib, context, tokens));
    // Warm-up: first fetches, JIT.
    for (const app of apps) for (let i = 0; i < 100; i++) await app.batch();
    const figures = new Map(libs.map((lib) => [lib, []]));
    for (let round = 0; round < windows; round++) {
      const order = [...apps.slice(round % apps.length), ...apps.slice(0, round % apps.length)];
      for (const app of order) {
        const start = process.cpuUsage();
        for (let sent = 0; sent < requests; sent += BATCH) await app.batch();
        const used = process.cpuUsage(start);
        figures.get(app.lib).push((used.user + used.system) / requests);
      }
    }
    const base = median(figures.get('none'));
    console.log(`${testCase.label}: Express 5 in-process, ${windows} windows of ${requests} requests per library; CPU µs per request`);
    console.log(`${'library'.padEnd(22)} ${'median'.padStart(7)} ${'lowest'.padStart(7)} ${'added'.padStart(7)}`);
    for (const [lib, values] of figures) {
      const added = lib === 'none' ? '' : `${median(values) - base >= 0 ? '+' : ''}${(median(values) - base).toFixed(1)}`;
      console.log(`${lib.padEnd(22)} ${median(values).toFixed(1).padStart(7)} ${Math.min(...values).toFixed(1).padStart(7)} ${added.padStart(7)}`);
    }
  } finally {
    await authServer.close();
  }
};

runBounded(main, 600);
