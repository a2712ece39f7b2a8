// Paired HTTP measurement: `npm run bench:paired [-- --case same-token] [-- --libs a,b] [-- --rounds N] [-- --door node]`.
// Every library's server runs at once (pinned to the last core when taskset exists); the load
// moves from one to the next in short windows, round after round, so slow phases of the machine
// hit every library alike. Per server: its CPU µs per request in each window; the table gives the
// lowest, the first quartile and the median, and each as % of the no-auth baseline's (the same
// statistic of `none` serving requests without a token, and of `none` serving this case's requests).
// See bench/README.md.

import { parseArgs } from 'node:util';
import { CASES, POOL_SIZE, RESOURCE, signTokens, startBenchAuthServer } from './cases.mjs';
import { corePlan, measureWindow, pinThisProcess, runBounded, startIntrospectionEndpoint, startTimedServer, stopServer } from './http.mjs';
import { DOORS, DOOR_LIBS } from './doors.mjs';
import { INTROSPECTING, INTROSPECTION_CLIENT, NEEDS_REDIS } from './libraries.mjs';

const { values: args } = parseArgs({
  options: {
    case: { type: 'string', default: 'same-token' },
    libs: { type: 'string', default: 'mcp-auth-rs,mcp-auth,fast-jwt' },
    rounds: { type: 'string', default: '12' },
    window: { type: 'string', default: '1' },
    door: { type: 'string', default: 'express' },
  },
});
// Express runs every library; the other doors (doors.mjs) run mcp-auth-rs only (and, on the opaque
// cases, mcp-auth-rs (introspection)).
if (args.door !== 'express') {
  if (!DOORS.includes(args.door)) throw new Error(`--door takes express, ${DOORS.join(', ')}`);
  if (process.argv.every((arg) => !arg.startsWith('--libs'))) args.libs = 'mcp-auth-rs';
  const other = args.libs.split(',').find((lib) => !DOOR_LIBS.includes(lib));
  if (other) throw new Error(`--door ${args.door} runs ${DOOR_LIBS.join(', ')} only, not ${other}`);
}
// The micro-only cases of run.mjs (`microOnly`: DPoP, the shared store) are not served here.
const PAIRED_CASES = CASES.filter((c) => !c.id.startsWith('no-auth') && !c.microOnly);
const testCase = PAIRED_CASES.find((c) => c.id === args.case);
if (!testCase) throw new Error(`--case takes one of ${PAIRED_CASES.map((c) => c.id).join(', ')}`);
const microOnlyLib = args.libs.split(/,(?![^(]*\))/).map((lib) => lib.trim()).find((lib) => NEEDS_REDIS.includes(lib) || lib.startsWith('mcp-auth-rs (dpop'));
if (microOnlyLib) throw new Error(`${microOnlyLib} runs in npm run bench's micro benchmark only`);
// Opaque tokens (introspect-hit, introspect-miss) only for the introspecting libraries; 'introspection'
// mode only for them (it would introspect JWTs too: the endpoint answers every token active).
if (process.argv.every((arg) => !arg.startsWith('--libs')) && testCase.opaque) args.libs = INTROSPECTING[0];
const misfit = args.libs.split(',').find((lib) => (testCase.opaque ? !INTROSPECTING.includes(lib) : lib === INTROSPECTING[0]));
if (misfit) throw new Error(`--case ${testCase.id} does not fit library ${misfit}: opaque cases run on ${INTROSPECTING.join(', ')} only, and ${INTROSPECTING[0]} on opaque cases only`);
const needsEndpoint = args.libs.split(',').some((lib) => INTROSPECTING.includes(lib));
const rounds = Number(args.rounds);
const windowSeconds = Number(args.window);
if (!Number.isInteger(rounds) || rounds < 1 || rounds > 50) throw new Error('--rounds takes an integer from 1 to 50');
// autocannon counts durations in whole seconds.
if (!Number.isInteger(windowSeconds) || windowSeconds < 1 || windowSeconds > 5) throw new Error('--window takes whole seconds from 1 to 5');

const { serverCore, clientCores } = corePlan();

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const fmt = (n, digits = 0) => n.toFixed(digits);

const main = async () => {
  const authServer = await startBenchAuthServer();
  let introspection;
  try {
    const tokens = signTokens(authServer, RESOURCE, POOL_SIZE);
    // The introspection endpoint child, on the load generator's cores (never the servers' core).
    if (needsEndpoint) introspection = await startIntrospectionEndpoint({ issuer: authServer.issuer, resource: RESOURCE }, INTROSPECTION_CLIENT, clientCores);
    const context = { issuer: authServer.issuer, jwksUri: authServer.jwksUri, resource: RESOURCE, tokens, introspectionEndpoint: introspection?.endpoint };
    const requestsOf = (id) => CASES.find((c) => c.id === id).authorization(tokens);
    // Two baselines: no token at all, and this case's requests with the token ignored.
    const rows = [
      { name: 'none (no token)', lib: 'none', next: requestsOf('no-auth') },
      { name: 'none (same requests)', lib: 'none', next: requestsOf(testCase.id) },
      ...args.libs.split(',').map((lib) => ({ name: lib, lib, next: requestsOf(testCase.id) })),
    ];
    for (const row of rows) Object.assign(row, await startTimedServer(row.lib, context, serverCore, args.door), { samples: [] });
    if (serverCore !== undefined) pinThisProcess(clientCores);
    const statusOf = (row) => (row.lib === 'none' ? 200 : testCase.status);
    for (const row of rows) await measureWindow(row, row.next, 1, statusOf(row));
    for (let round = 0; round < rounds; round++) {
      for (const row of rows) {
        const window = await measureWindow(row, row.next, windowSeconds, statusOf(row));
        if (window.unexpected) throw new Error(`${row.name}: ${window.unexpected} unexpected answers`);
        if (window.serverCpuUsPerReq !== null) row.samples.push(window.serverCpuUsPerReq);
      }
    }
    const stats = rows.map((row) => {
      const sorted = [...row.samples].sort((a, b) => a - b);
      return { ...row, min: sorted[0], p25: quantile(sorted, 0.25), median: quantile(sorted, 0.5) };
    });
    const [noToken, sameRequests] = stats;
    const behind = args.door === 'express' ? '' : ` (mcp-auth-rs/${args.door})`;
    console.log(`${testCase.label}${behind}: ${rounds} rounds of ${windowSeconds} s per server, 10 connections; server CPU µs per request (lower is better)`);
    console.log(`and the share of the baseline's throughput a saturated core reaches (baseline µs / this µs)\n`);
    const header = ['server', 'min', 'p25', 'median', '% no token (min/p25/median)', '% same requests (min/p25/median)'];
    const lines = stats.map((s) => [
      s.name,
      fmt(s.min),
      fmt(s.p25),
      fmt(s.median),
      ['min', 'p25', 'median'].map((k) => `${fmt((100 * noToken[k]) / s[k], 1)}%`).join(' / '),
      ['min', 'p25', 'median'].map((k) => `${fmt((100 * sameRequests[k]) / s[k], 1)}%`).join(' / '),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
    for (const line of [header, widths.map((w) => '-'.repeat(w)), ...lines]) console.log(line.map((c, i) => (i ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  '));
    for (const row of rows) await stopServer(row.child);
  } finally {
    if (introspection) await stopServer(introspection.child);
    await authServer.close();
  }
};

// Bounds: a hard deadline, and server children killed on any exit path.
runBounded(main, 60 + 1.5 * rounds * (windowSeconds + 0.5) * (args.libs.split(',').length + 2));
