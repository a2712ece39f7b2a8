// The benchmark: `npm run bench [-- --quick] [-- --runs N] [-- --libs a,b] [-- --cases a,b] [-- --doors a,b]`.
// See bench/README.md.

import os from 'node:os';
import { appendFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { call, runMicro } from './micro.mjs';
import { corePlan, endpointCalls, measureWindow, peakRssKb, pinThisProcess, runBounded, startIntrospectionEndpoint, startTimedServer, stopServer } from './http.mjs';
import { INTROSPECTING, INTROSPECTION_CLIENT, LIBRARIES, NEEDS_REDIS, sharedIntrospectionInstance } from './libraries.mjs';
import { dpopSetup, eachLimited, once, opaquePool, startBenchRedis } from './shared-store.mjs';
import { CASES, POOL_SIZE, RESOURCE, signTokens, startBenchAuthServer } from './cases.mjs';
import { DOORS } from './doors.mjs';

const { values: args } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, runs: { type: 'string' }, libs: { type: 'string' }, cases: { type: 'string' }, doors: { type: 'string' } },
});
// Micro: `runs` full runs. HTTP: `httpRounds` rounds of one `httpWindow`-second window per row
// (autocannon counts durations in whole seconds).
const settings = args.quick
  ? { runs: 1, microWarmup: 100, microIterations: 500, microMinCpuMs: 20, httpWarmup: 1, httpWindow: 1, httpRounds: 2 }
  : { runs: 3, microWarmup: 500, microIterations: 1500, microMinCpuMs: 150, httpWarmup: 1, httpWindow: 1, httpRounds: 9 };
// A cheap case runs until microMinCpuMs of CPU are spent, but never more calls than this.
const MICRO_MAX_CALLS = 100_000;
if (args.runs !== undefined) {
  settings.runs = Number(args.runs);
  if (!Number.isInteger(settings.runs) || settings.runs < 1 || settings.runs > 20) throw new Error('--runs takes an integer from 1 to 20');
  settings.httpRounds = 3 * settings.runs;
}

const LIBS = [
  'none',
  'mcp-auth-rs',
  'mcp-auth-rs (profile)',
  'mcp-auth-rs (introspection)',
  'mcp-auth-rs (jwt + introspection)',
  'mcp-auth-rs (dpop)',
  'mcp-auth-rs (dpop, redis)',
  'mcp-auth-rs (introspection, redis)',
  'mcp-auth-rs (no cache)',
  'mcp-auth',
  'express-oauth2-jwt-bearer',
  'fast-jwt',
  'fast-jwt (no cache)',
  'node:crypto (lean)',
  'floor (JSON.parse)',
  'floor (addon verify)',
];
const OURS = 'mcp-auth-rs';
const REFERENCE = 'mcp-auth';
const LEAN = 'node:crypto (lean)';
const BASELINE = { lib: 'none', case: 'no-auth' };
// What "added" subtracts: `none` serving the token-carrying requests (token ignored), in the same
// rounds and on the same door.
const ADDED_BASE = { lib: 'none', case: 'no-auth-token' };
// The floor of each case: a cache hit and the answers decided without a signature check against
// the JSON.parse floor; a new token and a bad signature against the addon's bare signature check
// of the same tokens.
const FLOOR_JSON = 'floor (JSON.parse)';
const FLOOR_VERIFY = 'floor (addon verify)';
const FLOOR_OF = {
  'same-token': [FLOOR_JSON, 'same-token'],
  'no-header': [FLOOR_JSON, 'same-token'],
  'bad-signature': [FLOOR_VERIFY, 'bad-signature'],
  'introspect-hit': [FLOOR_JSON, 'same-token'],
  'rs256-new': [FLOOR_VERIFY, 'rs256-new'],
  'es256-new': [FLOOR_VERIFY, 'es256-new'],
};
const isFloor = (lib) => lib.startsWith('floor (');
// `--libs a,b` (names of LIBS, comma-separated): only those libraries' micro cases and HTTP rows;
// the front-door rows only when both `none` and `mcp-auth-rs` are among them.
// A comma inside parentheses belongs to the name (`mcp-auth-rs (dpop, redis)`).
const SELECTED = args.libs === undefined ? LIBS : args.libs.split(/,(?![^(]*\))/).map((name) => name.trim());
const unknown = SELECTED.filter((name) => !LIBS.includes(name));
if (unknown.length || !SELECTED.length) throw new Error(`--libs takes a comma list of ${LIBS.join(', ')} (not ${unknown.join(', ')})`);
const LIBS_RUN = LIBS.filter((lib) => SELECTED.includes(lib));
// `--cases a,b` (case ids of cases.mjs, the baselines excepted: they always run): only those cases,
// micro and HTTP, on every library and door.
const CASE_IDS = CASES.map((c) => c.id).filter((id) => !id.startsWith('no-auth'));
const CASES_RUN = args.cases === undefined ? CASE_IDS : args.cases.split(',').map((id) => id.trim());
const unknownCases = CASES_RUN.filter((id) => !CASE_IDS.includes(id));
if (unknownCases.length || !CASES_RUN.length) throw new Error(`--cases takes a comma list of ${CASE_IDS.join(', ')} (not ${unknownCases.join(', ')})`);
// `--doors a,b`: which HTTP rows beyond Express's run: the front doors (doors.mjs) and `mcp`, the
// MCP scenario (mcp.mjs); `express` alone = none of them (Express's rows always run).
const DOOR_NAMES = ['express', ...DOORS, 'mcp'];
const DOORS_SELECTED = args.doors === undefined ? DOOR_NAMES : args.doors.split(',').map((name) => name.trim());
const unknownDoors = DOORS_SELECTED.filter((name) => !DOOR_NAMES.includes(name));
if (unknownDoors.length || !DOORS_SELECTED.length) throw new Error(`--doors takes a comma list of ${DOOR_NAMES.join(', ')} (not ${unknownDoors.join(', ')})`);
// `kind` is 'micro' or 'http'. Over HTTP, the lean node:crypto verifier (the issue's bar) runs only
// for new RS256 tokens, the case the issue quotes it for, and the profile only the hot path (same
// token, new RS256 token) next to compat's rows: the whole run stays near 7 minutes. The opaque
// (introspection) cases run only on the introspecting libraries: 'introspection' mode both of them
// (micro and HTTP), the JWT-first fallback in-process only, with "same token" (a JWT: its
// verified-token cache hit, in the same middleware as its opaque cache hit).
const OPAQUE_CASES = CASES.filter((c) => c.opaque && !c.microOnly).map((c) => c.id);
// Issue 16 item 6 (shared-store.mjs), micro only: the DPoP libraries run the DPoP case, the
// shared-store introspection library the second-instance hit; no other library runs them.
const DPOP_LIBS = ['mcp-auth-rs (dpop)', 'mcp-auth-rs (dpop, redis)'];
const SHARED_LIB = 'mcp-auth-rs (introspection, redis)';
const libCaseIds = (lib, kind) => {
  // The floors: JSON.parse (every request carries the "same token", ignored) and the addon's
  // bare signature check (new RS256 and ES256 tokens, bad signatures), micro and HTTP.
  if (lib === FLOOR_JSON) return ['same-token'];
  if (lib === FLOOR_VERIFY) return ['rs256-new', 'es256-new', 'bad-signature'];
  if (lib === 'none') return ['no-auth', 'no-auth-token'];
  if (lib.endsWith('(no cache)')) return ['same-token'];
  if (DPOP_LIBS.includes(lib)) return kind === 'micro' ? ['dpop'] : [];
  if (lib === SHARED_LIB) return kind === 'micro' ? ['introspect-shared'] : [];
  if (lib === 'mcp-auth-rs (introspection)') return OPAQUE_CASES;
  if (lib === 'mcp-auth-rs (jwt + introspection)') return kind === 'micro' ? ['same-token', ...OPAQUE_CASES] : [];
  if (lib === LEAN && kind === 'http') return ['rs256-new'];
  if (lib === 'mcp-auth-rs (profile)' && kind === 'http') return ['same-token', 'rs256-new'];
  return CASES.filter((c) => !c.opaque && !c.microOnly && !c.id.startsWith('no-auth')).map((c) => c.id);
};
// … as filtered by `--cases` (the baselines always run).
const caseIdsOf = (lib, kind) => libCaseIds(lib, kind).filter((id) => id.startsWith('no-auth') || CASES_RUN.includes(id));
// The front doors other than Express (HTTP only): per door, a no-auth server serving the
// token-carrying requests (token ignored) and mcp-auth-rs with the same token and with new RS256
// tokens. Express's figures come from the rows above (the same three rows exist there).
const DOOR_ROWS = [
  { lib: 'none', case: 'no-auth-token' },
  { lib: 'mcp-auth-rs', case: 'same-token' },
  { lib: 'mcp-auth-rs', case: 'rs256-new' },
];
// Also the floors, each when listed: JSON.parse on every door, the addon's verify of a new RS256
// token on node:http only (Fastify's and Hono's would add about 20 s to the run).
const JSON_FLOOR_ROW = { lib: FLOOR_JSON, case: 'same-token' };
const VERIFY_FLOOR_ROW = { lib: FLOOR_VERIFY, case: 'rs256-new' };
const DOOR_FLOOR_ROWS = { node: [JSON_FLOOR_ROW, VERIFY_FLOOR_ROW], fastify: [JSON_FLOOR_ROW], hono: [JSON_FLOOR_ROW] };
const DOORS_RUN = DOOR_ROWS.every(({ lib }) => LIBS_RUN.includes(lib)) ? DOORS.filter((door) => DOORS_SELECTED.includes(door)) : [];
// The MCP scenario (mcp.mjs, HTTP only): `none`, mcp-auth (when listed) and mcp-auth-rs, every
// request carrying the "same token" (ignored by `none`), when `none` and mcp-auth-rs are listed.
const MCP_ROWS = [
  { lib: 'none', case: 'no-auth-token' },
  { lib: REFERENCE, case: 'same-token' },
  { lib: OURS, case: 'same-token' },
];
const MCP_RUN = DOORS_SELECTED.includes('mcp') && ['none', OURS].every((lib) => LIBS_RUN.includes(lib)) && CASES_RUN.includes('same-token');
// Every HTTP row beyond Express's: { door, lib, case }.
const EXTRA_ROWS = [
  ...DOORS_RUN.flatMap((door) => [...DOOR_ROWS, ...(DOOR_FLOOR_ROWS[door] ?? [])].map((row) => ({ door, ...row }))),
  ...(MCP_RUN ? MCP_ROWS.map((row) => ({ door: 'mcp', ...row })) : []),
].filter(({ lib, case: id }) => LIBS_RUN.includes(lib) && (id.startsWith('no-auth') || CASES_RUN.includes(id)));
// The introspection endpoint (a child process) runs when an introspecting library does.
const NEEDS_ENDPOINT = LIBS_RUN.some((lib) => INTROSPECTING.includes(lib) || (lib === SHARED_LIB && CASES_RUN.includes('introspect-shared')));
// The redis-server (and its clients) when a library that uses it runs its case; the DPoP setup
// (key, bound token) when a DPoP library does.
const NEEDS_REDIS_RUN = LIBS_RUN.some((lib) => NEEDS_REDIS.includes(lib) && caseIdsOf(lib, 'micro').length);
const NEEDS_DPOP = LIBS_RUN.some((lib) => DPOP_LIBS.includes(lib) && caseIdsOf(lib, 'micro').length);
// The finite pools of the micro-only cases: each run's warm-up, the 2 answer-check calls and at
// most this many timed calls (micro.mjs stops a case there even below microMinCpuMs).
const POOL_MAX_CALLS = args.quick ? 1_500 : 5_000;
const POOL_USES = settings.microWarmup + 2 + POOL_MAX_CALLS;
// Instance A introspects the shared case's tokens this many at a time (untimed).
const PREFETCH_CONCURRENCY = 16;
const HTTP_ROW_COUNT = LIBS_RUN.reduce((n, lib) => n + caseIdsOf(lib, 'http').length, 0) + EXTRA_ROWS.length;

const machine = () => {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    node: process.version,
    os: `${os.platform()} ${os.release()}`,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    loadAverage1m: os.loadavg()[0],
  };
};

const median = (numbers) => {
  const sorted = numbers.filter((n) => typeof n === 'number').sort((a, b) => a - b);
  if (!sorted.length) return null;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Medians per (kind, door, lib, case) of every numeric field; `unexpected` is summed over runs;
 * `spreadPct` = (max − min) / median of the main figure, in %. */
const summarize = (records) => {
  const groups = new Map();
  for (const r of records) {
    const key = `${r.kind}\u0000${r.door ?? ''}\u0000${r.lib}\u0000${r.case}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((group) => {
    const { kind, door, lib, case: id } = group[0];
    const summary = { kind: `${kind}-median`, ...(door && { door }), lib, case: id, runs: group.length };
    for (const [key, value] of Object.entries(group[0])) if (typeof value === 'number' && key !== 'run') summary[key] = median(group.map((r) => r[key]));
    // Each server's own figures (measured once), on every window record of its row.
    for (const key of ['peakRssKb', 'firstRequestMs']) if (key in group[0]) summary[key] = group[0][key];
    summary.unexpected = group.reduce((sum, r) => sum + r.unexpected, 0);
    // Interference from other work only ever adds CPU time: the lowest is the closest to the cost.
    if (kind === 'http') {
      for (const key of ['requests', 'non2xx']) summary[key] = group.reduce((sum, r) => sum + r[key], 0);
      const best = Math.min(...group.map((r) => r.serverCpuUsPerReq ?? Infinity));
      summary.bestServerCpuUsPerReq = Number.isFinite(best) ? best : null;
    }
    const main = group.map((r) => r[kind === 'micro' ? 'usPerOp' : 'reqPerSec']);
    summary.spreadPct = (100 * (Math.max(...main) - Math.min(...main))) / median(main);
    return summary;
  });
};

const fmt = (n, digits = 1) => (n === null || n === undefined ? '—' : n.toFixed(digits));
const table = (header, rows) => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (i < 2 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
};
const label = (id) => CASES.find((c) => c.id === id).label;
const isOpaque = (id) => CASES.find((c) => c.id === id).opaque === true;
// mcp-auth 0.2.0 has neither introspection nor DPoP nor a shared store.
const noReference = (id) => isOpaque(id) || CASES.find((c) => c.id === id).microOnly === true;
const check = (s) => (s.unexpected ? `${s.unexpected} UNEXPECTED` : 'ok');
const cpuRatio = (baselineUs, us) => (baselineUs > 0 && us > 0 ? `${fmt((100 * baselineUs) / us)}%` : '—');
const spread = (s) => (s.runs > 1 ? `${fmt(s.spreadPct, 0)}%` : '—');

// "Added" server CPU: a row's server CPU µs/req minus ADDED_BASE's on the same door (same run,
// same rounds), of the medians (`median`) and of the lowest windows (`best`). Distance to the
// floor: the row's added µs − its floor's added µs (= the row's µs − the floor's µs).
const FIGURES = [
  ['median', 'serverCpuUsPerReq'],
  ['best', 'bestServerCpuUsPerReq'],
];
const isNumber = (x) => typeof x === 'number' && Number.isFinite(x);
/** a[key] − b[key], or null when either is missing. */
const minus = (a, b, key) => (a && b && isNumber(a[key]) && isNumber(b[key]) ? a[key] - b[key] : null);
const signedUs = (us) => (us === null ? '—' : `${us >= 0 ? '+' : '−'}${fmt(Math.abs(us), 0)}`);
/** reference added / ours added: Infinity when ours is ≤ 0 and the reference's positive, null
 * when a figure is missing or the reference's is ≤ 0. */
const addedRatio = (ref, ours) => (ref === null || ours === null || !(ref > 0) ? null : ours > 0 ? ref / ours : Infinity);
const fmtRatio = (r) => (r === null ? '—' : r === Infinity ? '∞ (ours ≤ 0)' : `${fmt(r, 2)}x`);
const findRow = (list, door, lib, id) => list.find((s) => (s.door ?? 'express') === door && s.lib === lib && s.case === id);
/** The floor row of `s` on its door, or undefined. */
const floorOf = (list, s) => {
  const [lib, id] = FLOOR_OF[s.case] ?? [];
  return lib && !isFloor(s.lib) && s.lib !== 'none' ? findRow(list, s.door ?? 'express', lib, id) : undefined;
};

/** Per door: server CPU µs per request without auth (the same requests, token ignored) and with
 * mcp-auth-rs (same token, new RS256 token), what auth adds and the distance to the floors (where
 * the door has floor rows), from the medians and the best windows. */
const doorTable = (http) => {
  const rows = [];
  for (const door of ['express', ...DOORS]) {
    const [base, same, fresh] = DOOR_ROWS.map((r) => findRow(http, door, r.lib, r.case));
    if (!base || (!same && !fresh)) continue;
    const floorJson = findRow(http, door, FLOOR_JSON, 'same-token');
    const floorVerify = findRow(http, door, FLOOR_VERIFY, 'rs256-new');
    const unexpected = [base, same, fresh, floorJson, floorVerify].reduce((n, s) => n + (s?.unexpected ?? 0), 0);
    for (const [figure, key] of FIGURES) {
      const first = figure === 'median';
      rows.push([
        first ? door : '',
        figure,
        fmt(base[key], 0),
        fmt(same?.[key], 0),
        signedUs(minus(same, base, key)),
        signedUs(minus(same, floorJson, key)),
        fmt(fresh?.[key], 0),
        signedUs(minus(fresh, base, key)),
        signedUs(minus(fresh, floorVerify, key)),
        signedUs(minus(floorJson, base, key)),
        signedUs(minus(floorVerify, base, key)),
        first ? fmt(base.reqPerSec, 0) : '',
        first ? fmt(same?.reqPerSec, 0) : '',
        first ? fmt(fresh?.reqPerSec, 0) : '',
        first ? fmt(same?.firstRequestMs) : '',
        first ? (unexpected ? `${unexpected} UNEXPECTED` : 'ok') : '',
      ]);
    }
  }
  if (!rows.length) return null;
  return table(
    ['door', 'figure', 'no auth µs', 'same token µs', 'added', 'to floor', 'RS256 new µs', 'added', 'to floor', 'JSON floor added', 'verify floor added', 'no auth req/s', 'same req/s', 'RS256 req/s', 'first ms', 'check'],
    rows,
  );
};

// The cases of the added-CPU comparison and the issue's targets (reference / ours).
const ADDED_TARGETS = [
  ['same-token', 8],
  ['rs256-new', 3],
  ['es256-new', 2.5],
  ['bad-signature', 4],
  ['no-header', 5],
];
const MICRO_TARGETS = [
  ['rs256-new', 4],
  ['es256-new', 2.3],
  ['same-token', 30],
  ['bad-signature', 6],
  ['no-header', 10],
];

/** Per case (Express): what mcp-auth and mcp-auth-rs add to a request, reference / ours, the
 * case's floor and mcp-auth-rs's distance to it, from the medians and the best windows. */
const addedTable = (http) => {
  const base = findRow(http, 'express', ADDED_BASE.lib, ADDED_BASE.case);
  if (!base) return null;
  const rows = [];
  for (const [id, target] of ADDED_TARGETS) {
    const ref = findRow(http, 'express', REFERENCE, id);
    const ours = findRow(http, 'express', OURS, id);
    if (!ref && !ours) continue;
    const floor = ours && floorOf(http, ours);
    for (const [figure, key] of FIGURES) {
      const [refAdded, oursAdded] = [minus(ref, base, key), minus(ours, base, key)];
      rows.push([
        figure === 'median' ? label(id) : '',
        figure,
        fmt(base[key], 0),
        signedUs(refAdded),
        signedUs(oursAdded),
        fmtRatio(addedRatio(refAdded, oursAdded)),
        figure === 'median' ? `≥ ${target}x` : '',
        figure === 'median' ? (floor ? `${floor.lib.slice(7, -1)}${floor.case === 'es256-new' ? ', ES256' : ''}` : '—') : '',
        signedUs(minus(floor, base, key)),
        signedUs(minus(ours, floor, key)),
      ]);
    }
  }
  return rows.length ? table(['case', 'figure', 'no auth µs', 'mcp-auth added', 'mcp-auth-rs added', 'ref/ours', 'target', 'floor', 'floor added', 'mcp-auth-rs to floor'], rows) : null;
};

/** The issue's targets, every one from this run's figures ('—' when an input did not run). */
const targetTable = (micro, http) => {
  const rows = [];
  const verdict = (ok) => (ok === null ? '—' : ok ? 'met' : 'NOT MET');
  const microOf = (lib, id) => micro.find((s) => s.lib === lib && s.case === id)?.usPerOp ?? null;
  const ratio = (a, b) => (a !== null && b !== null && b > 0 ? a / b : null);
  for (const [id, target] of MICRO_TARGETS) {
    const r = ratio(microOf(REFERENCE, id), microOf(OURS, id));
    rows.push([`micro ${label(id)}: mcp-auth / mcp-auth-rs`, `≥ ${target}x`, r === null ? '—' : `${fmt(r, 2)}x`, '', verdict(r === null ? null : r >= target)]);
    if (id === 'rs256-new') {
      const lean = ratio(microOf(OURS, id), microOf(LEAN, id));
      rows.push([`micro ${label(id)}: mcp-auth-rs / ${LEAN}`, '≤ 0.85x', lean === null ? '—' : `${fmt(lean, 2)}x`, '', verdict(lean === null ? null : lean <= 0.85)]);
    }
  }
  const base = findRow(http, 'express', ADDED_BASE.lib, ADDED_BASE.case);
  for (const [id, target] of ADDED_TARGETS) {
    const [ref, ours] = [REFERENCE, OURS].map((lib) => findRow(http, 'express', lib, id));
    const [median, best] = FIGURES.map(([, key]) => addedRatio(minus(ref, base, key), minus(ours, base, key)));
    rows.push([`added server CPU/request, ${label(id)}: mcp-auth / mcp-auth-rs`, `≥ ${target}x`, fmtRatio(median), fmtRatio(best), verdict(median === null ? null : median >= target)]);
  }
  // Peak RSS: the largest VmHWM over each library's Express servers, on the cases both ran.
  const common = ADDED_TARGETS.map(([id]) => id).filter((id) => [REFERENCE, OURS].every((lib) => isNumber(findRow(http, 'express', lib, id)?.peakRssKb)));
  const peak = (lib) => (common.length ? Math.max(...common.map((id) => findRow(http, 'express', lib, id).peakRssKb)) / 1024 : null);
  const [refRss, oursRss] = [peak(REFERENCE), peak(OURS)];
  rows.push([
    'peak RSS of the server (MiB, max over Express servers): mcp-auth-rs vs mcp-auth',
    '≤ mcp-auth',
    refRss === null ? '—' : `${fmt(oursRss)} vs ${fmt(refRss)}`,
    '',
    verdict(refRss === null ? null : oursRss <= refRss),
  ]);
  // First request: the median over each library's Express servers (as the first-request table).
  const firstMs = (lib) => median(http.filter((s) => (s.door ?? 'express') === 'express' && s.lib === lib).map((s) => s.firstRequestMs));
  const [refFirst, oursFirst] = [firstMs(REFERENCE), firstMs(OURS)];
  const firstRatio = ratio(oursFirst, refFirst);
  rows.push([
    'first request after start: mcp-auth-rs / mcp-auth',
    '≤ 0.5x',
    firstRatio === null ? '—' : `${fmt(firstRatio, 2)}x (${fmt(oursFirst)} / ${fmt(refFirst)} ms)`,
    '',
    verdict(firstRatio === null ? null : firstRatio <= 0.5),
  ]);
  return table(['check', '', 'target', 'measured', 'best windows', 'verdict'], rows.map(([c, ...rest]) => [c, '', ...rest]));
};

/** The MCP scenario (door `mcp`): per library req/s, server CPU µs/req, added vs the MCP no-auth
 * row, and mcp-auth / mcp-auth-rs of the added CPU. */
const mcpTable = (all) => {
  const rowsOf = MCP_ROWS.map(({ lib, case: id }) => findRow(all, 'mcp', lib, id)).filter(Boolean);
  const base = rowsOf.find((s) => s.lib === 'none');
  if (!base) return null;
  const rows = rowsOf.map((s) => [
    s.lib,
    s.lib === 'none' ? 'token sent, ignored' : 'same token',
    fmt(s.reqPerSec, 0),
    fmt(s.serverCpuUsPerReq, 0),
    signedUs(minus(s, base, 'serverCpuUsPerReq')),
    fmt(s.bestServerCpuUsPerReq, 0),
    signedUs(minus(s, base, 'bestServerCpuUsPerReq')),
    fmt(s.p50Ms, 0),
    fmt(s.p99Ms, 0),
    fmt(s.peakRssKb / 1024),
    fmt(s.firstRequestMs),
    spread(s),
    check(s),
  ]);
  const [ref, ours] = [REFERENCE, OURS].map((lib) => rowsOf.find((s) => s.lib === lib));
  const [median, best] = FIGURES.map(([, key]) => addedRatio(minus(ref, base, key), minus(ours, base, key)));
  return [
    table(['library', 'requests', 'req/s', 'CPU µs/req', 'added', 'best µs', 'added (best)', 'p50 ms', 'p99 ms', 'peak RSS MiB', 'first ms', 'spread', 'check'], rows),
    `added CPU, mcp-auth / mcp-auth-rs: ${fmtRatio(median)} (medians), ${fmtRatio(best)} (best windows)`,
  ].join('\n');
};

/** mcp-auth-rs under the mcp-2026-07-28 profile next to compat (the default): per case, micro µs/op
 * and HTTP server CPU µs/req (median and best window) of each, and profile / compat. */
const PROFILE_PAIR = ['mcp-auth-rs', 'mcp-auth-rs (profile)'];
const profileTable = (micro, http) => {
  const ratio = (compat, profile) => (compat > 0 && profile > 0 ? `${fmt(profile / compat, 2)}x` : '—');
  const rows = [];
  for (const { id, label: name } of CASES) {
    const [mc, mp] = PROFILE_PAIR.map((lib) => micro.find((s) => s.lib === lib && s.case === id));
    const [hc, hp] = PROFILE_PAIR.map((lib) => http.find((s) => s.lib === lib && s.case === id));
    if (!(mc && mp) && !(hc && hp)) continue;
    const both = (a, b, f) => (a && b ? f(a, b) : '—');
    rows.push([
      name,
      '',
      both(mc, mp, (a) => fmt(a.usPerOp)),
      both(mc, mp, (a, b) => fmt(b.usPerOp)),
      both(mc, mp, (a, b) => ratio(a.usPerOp, b.usPerOp)),
      both(hc, hp, (a) => fmt(a.serverCpuUsPerReq, 0)),
      both(hc, hp, (a, b) => fmt(b.serverCpuUsPerReq, 0)),
      both(hc, hp, (a, b) => ratio(a.serverCpuUsPerReq, b.serverCpuUsPerReq)),
      both(hc, hp, (a) => fmt(a.bestServerCpuUsPerReq, 0)),
      both(hc, hp, (a, b) => fmt(b.bestServerCpuUsPerReq, 0)),
      both(hc, hp, (a, b) => ratio(a.bestServerCpuUsPerReq, b.bestServerCpuUsPerReq)),
    ]);
  }
  return rows.length
    ? table(['case', '', 'micro compat µs', 'profile µs', 'profile/compat', 'HTTP compat µs', 'profile µs', 'profile/compat', 'best compat µs', 'profile µs', 'profile/compat'], rows)
    : null;
};

/** The introspection rows next to the JWT "same token" rows, and the cache-hit differences
 * (introspection hit − JWT hit, target ≤ 1 µs): from the medians and run by run (`records`). */
const HIT_TARGET_US = 1;
const introspectionTable = (micro, http, records) => {
  const rowsOf = [
    ['mcp-auth-rs', 'same-token', 'same token (JWT, verified-token cache hit)'],
    ['mcp-auth-rs (introspection)', 'introspect-hit', 'introspection, same token (cache hit)'],
    ['mcp-auth-rs (introspection)', 'introspect-miss', 'introspection, new token (miss)'],
    ['mcp-auth-rs (jwt + introspection)', 'same-token', 'same token (JWT, verified-token cache hit)'],
    ['mcp-auth-rs (jwt + introspection)', 'introspect-hit', 'introspection, same token (cache hit)'],
    ['mcp-auth-rs (jwt + introspection)', 'introspect-miss', 'introspection, new token (miss)'],
  ];
  const find = (list, lib, id) => list.find((s) => s.lib === lib && s.case === id);
  const shown = rowsOf.filter(([lib, id]) => find(micro, lib, id) || find(http, lib, id));
  if (!shown.some(([, id]) => isOpaque(id))) return null;
  const rows = shown.map(([lib, id, name]) => {
    const m = find(micro, lib, id);
    const h = find(http, lib, id);
    const ref = find(micro, REFERENCE, id);
    return [name, lib, fmt(m?.usPerOp), fmt(m?.wallUsPerOp), fmt(h?.serverCpuUsPerReq, 0), fmt(h?.bestServerCpuUsPerReq, 0), isOpaque(id) ? 'n/a' : fmt(ref?.usPerOp), m || h ? check(m ?? h) : '—'];
  });
  const lines = [table(['case', 'library', 'micro µs', 'wall µs', 'HTTP µs', 'best', 'mcp-auth µs', 'check'], rows), ''];
  // Introspection hit − JWT hit: of the medians, and per run (the same run's two figures).
  const signed = (us) => `${us >= 0 ? '+' : '−'}${fmt(Math.abs(us), 2)}`;
  const difference = (what, [jwtLib, jwtCase], [hitLib, hitCase]) => {
    const jwt = find(micro, jwtLib, jwtCase);
    const hit = find(micro, hitLib, hitCase);
    if (!jwt || !hit) return;
    const perRun = (lib, id) => new Map(records.filter((r) => r.kind === 'micro' && r.lib === lib && r.case === id).map((r) => [r.run, r.usPerOp]));
    const [jwtRuns, hitRuns] = [perRun(jwtLib, jwtCase), perRun(hitLib, hitCase)];
    const runs = [...hitRuns.keys()].filter((run) => jwtRuns.has(run)).sort((a, b) => a - b);
    const diffs = runs.map((run) => hitRuns.get(run) - jwtRuns.get(run));
    const diff = hit.usPerOp - jwt.usPerOp;
    const verdict = diff <= HIT_TARGET_US ? `within the ${HIT_TARGET_US} µs target` : `OVER the ${HIT_TARGET_US} µs target`;
    lines.push(
      `${what}: ${signed(diff)} µs (${fmt(hit.usPerOp, 2)} − ${fmt(jwt.usPerOp, 2)}), ${verdict}` +
        (diffs.length ? `; run by run ${diffs.map(signed).join(' / ')} µs, median ${signed(median(diffs))}` : ''),
    );
  };
  difference("Cache hit, introspection − JWT ('introspection' mode vs mcp-auth-rs's same token)", ['mcp-auth-rs', 'same-token'], ['mcp-auth-rs (introspection)', 'introspect-hit']);
  difference('Cache hit, opaque − JWT in the JWT-first fallback (one middleware)', ['mcp-auth-rs (jwt + introspection)', 'same-token'], ['mcp-auth-rs (jwt + introspection)', 'introspect-hit']);
  return lines.join('\n').trimEnd();
};

/** Issue 16 item 6: the DPoP rows (memory and Redis replay store) and the second-instance
 * introspection hit through Redis, next to the rows they compare with; what each figure includes
 * under the table. */
const SHARED_ROWS = [
  ['mcp-auth-rs', 'rs256-new', 'RS256, new token (for scale)', 'A'],
  ['mcp-auth-rs', 'es256-new', 'ES256, new token (for scale)', 'B'],
  ['mcp-auth-rs (dpop)', 'dpop', 'DPoP, fresh proof, memory store', 'C'],
  ['mcp-auth-rs (dpop, redis)', 'dpop', 'DPoP, fresh proof, Redis store', 'D'],
  ['mcp-auth-rs (introspection)', 'introspect-hit', 'introspection, local cache hit', 'E'],
  [SHARED_LIB, 'introspect-shared', "introspection, other instance's answer (Redis)", 'F'],
  ['mcp-auth-rs (introspection)', 'introspect-miss', 'introspection, miss (endpoint call)', 'G'],
];
const SHARED_NOTES = {
  A: 'a new RS256 JWT: signature + claims, verified-token cache missed (the token part of a DPoP request)',
  B: 'a new ES256 JWT: about what one ES256 signature check costs (the proof part of a DPoP request)',
  C: "the proof's ES256 signature and claims (typ, alg, jwk, htm, htu, iat, ath) + the RS256 token verified (no verified-token cache with dpop) + cnf.jkt = the jwk's thumbprint + the jti recorded in this process's replay memory",
  D: "C + the jti added in Redis (SET … PX … NX through node-redis, awaited): the client's CPU counts, redis-server's does not; wall µs includes the round trip",
  E: "the same opaque token again: this instance's answer cache, audience/scope checks",
  F: "a new opaque token for this instance, whose answer instance A stored in Redis: local miss, Redis GET (node-redis round trip), the answer checked again (iss, exp, nbf) + audience/scope; no endpoint call (counted below)",
  G: "a new opaque token: an RFC 7662 call to the local endpoint (its CPU is another process's), the answer stored in the local cache",
};
const sharedStoreTable = (micro, records, shared) => {
  const find = (lib, id) => micro.find((s) => s.lib === lib && s.case === id);
  if (!find('mcp-auth-rs (dpop)', 'dpop') && !find('mcp-auth-rs (dpop, redis)', 'dpop') && !find(SHARED_LIB, 'introspect-shared')) return null;
  const shown = SHARED_ROWS.filter(([lib, id]) => find(lib, id));
  const rows = shown.map(([lib, id, name, key]) => {
    const m = find(lib, id);
    let endpoint = '—';
    if (id === 'introspect-shared') {
      const runs = records.filter((r) => r.kind === 'micro' && r.lib === lib && r.case === id);
      const deltas = runs.map((r) => r.probeDelta);
      endpoint = deltas.some((d) => typeof d !== 'number') ? '?' : `${deltas.reduce((a, b) => a + b, 0)} / ${runs.reduce((a, r) => a + r.iterations, 0)}`;
    }
    const ref = noReference(id) ? 'n/a' : fmt(find(REFERENCE, id)?.usPerOp);
    return [`${key} ${name}`, lib, fmt(m.usPerOp), fmt(m.wallUsPerOp), fmt(m.opsPerSec, 0), ref, endpoint, spread(m), check(m)];
  });
  const lines = [table(['row', 'library', 'micro µs', 'wall µs', 'ops/s', 'mcp-auth', 'endpoint calls (timed)', 'spread', 'check'], rows)];
  for (const [, , , key] of shown) lines.push(`${key}: ${SHARED_NOTES[key]}`);
  const dpopFigure = (lib) => find(lib, 'dpop')?.usPerOp;
  const [memory, viaRedis] = [dpopFigure('mcp-auth-rs (dpop)'), dpopFigure('mcp-auth-rs (dpop, redis)')];
  const [rs, es] = [find('mcp-auth-rs', 'rs256-new')?.usPerOp, find('mcp-auth-rs', 'es256-new')?.usPerOp];
  if (memory && rs && es) lines.push(`DPoP (memory) − (RS256 new + ES256 new): ${signedUs(memory - rs - es)} µs (the binding, the replay record and the proof's parsing beyond two JWT verifications)`);
  if (memory && viaRedis) lines.push(`Redis replay store − memory: ${signedUs(viaRedis - memory)} µs CPU, ${signedUs(find('mcp-auth-rs (dpop, redis)', 'dpop').wallUsPerOp - find('mcp-auth-rs (dpop)', 'dpop').wallUsPerOp)} µs wall per request`);
  const [hit, other, miss] = [find('mcp-auth-rs (introspection)', 'introspect-hit'), find(SHARED_LIB, 'introspect-shared'), find('mcp-auth-rs (introspection)', 'introspect-miss')];
  if (other && hit) lines.push(`Redis hit − local hit: ${signedUs(other.usPerOp - hit.usPerOp)} µs CPU, ${signedUs(other.wallUsPerOp - hit.wallUsPerOp)} µs wall`);
  if (other && miss) lines.push(`Redis hit − miss: ${signedUs(other.usPerOp - miss.usPerOp)} µs CPU, ${signedUs(other.wallUsPerOp - miss.wallUsPerOp)} µs wall`);
  if (other) lines.push('endpoint calls (timed) = calls the endpoint received during the measured instance\'s timed loops / its timed calls, over all runs (each token used once)');
  if (shared?.prefetch?.tokens) lines.push(`instance A's untimed prefetch: ${shared.prefetch.tokens} tokens introspected, ${shared.prefetch.endpointCalls ?? '?'} endpoint calls, ${fmt(shared.prefetch.seconds)} s`);
  for (const line of shared?.checks ?? []) lines.push(`checked: ${line}`);
  return lines.join('\n');
};

const report = (summaries, info, records = []) => {
  const micro = summaries.filter((s) => s.kind === 'micro-median');
  const allHttp = summaries.filter((s) => s.kind === 'http-median');
  const http = allHttp.filter((s) => s.door === 'express');
  const find = (list, lib, id) => list.find((s) => s.lib === lib && s.case === id);
  const baseline = find(http, BASELINE.lib, BASELINE.case);
  const addedBase = find(http, ADDED_BASE.lib, ADDED_BASE.case);
  const byCase = (a, b) => CASES.findIndex((c) => c.id === a.case) - CASES.findIndex((c) => c.id === b.case) || LIBS.indexOf(a.lib) - LIBS.indexOf(b.lib);
  const firstRequest = LIBS_RUN.filter((lib) => caseIdsOf(lib, 'http').length).map((lib) => [lib, fmt(median(http.filter((s) => s.lib === lib).map((s) => s.firstRequestMs)))]);
  return [
    `Machine: ${info.machine.cpu}, ${info.machine.cores} cores, ${info.machine.memGiB} GiB, ${info.machine.os}, Node ${info.machine.node}, ` +
      `load average ${fmt(info.machine.loadAverage1m, 2)} at start`,
    `Settings: ${info.settings.runs} run(s); micro ≥ ${info.settings.microIterations} calls and ≥ ${info.settings.microMinCpuMs} ms CPU per case after ${info.settings.microWarmup} warm-up; ` +
      `HTTP ${info.settings.httpRounds} rounds of a ${info.settings.httpWindow} s window per row (after a ${info.settings.httpWarmup} s warm-up), 10 connections; ` +
      (info.serverCore === undefined ? 'no CPU pinning' : `server pinned to core ${info.serverCore}, load generator to ${info.clientCores}`) +
      (info.libs ? `; libraries: ${info.libs.join(', ')}` : '') +
      (info.cases ? `; cases: ${info.cases.join(', ')}` : '') +
      (info.doors ? `; doors: ${info.doors.join(', ')}` : ''),
    '',
    'Micro (in-process, CPU time per call, median of runs). vs mcp-auth = mcp-auth µs / this µs (n/a: mcp-auth 0.2.0 has no introspection, DPoP or store);',
    'to floor = this µs − the case\'s floor µs (floor (JSON.parse) for a cache hit and the answers without a signature check, floor',
    '(addon verify) of the same tokens for a new token or a bad signature); spread = (max − min) / median over runs',
    table(
      ['case', 'library', 'µs/op', 'ops/s', 'vs mcp-auth', 'to floor', 'spread', 'check'],
      micro.sort(byCase).map((s) => {
        const ref = find(micro, REFERENCE, s.case);
        // mcp-auth 0.2.0 has no introspection: nothing to compare with.
        const vs = noReference(s.case) ? 'n/a' : ref ? `${fmt(ref.usPerOp / s.usPerOp, 2)}x` : '—';
        const toFloor = minus(s, floorOf(micro, s), 'usPerOp');
        return [label(s.case), s.lib, fmt(s.usPerOp), fmt(s.opsPerSec, 0), vs, toFloor === null ? '—' : `${toFloor >= 0 ? '+' : '−'}${fmt(Math.abs(toFloor))}`, spread(s), check(s)];
      }),
    ),
    '',
    'HTTP (Express 5 child per row, autocannon, rows loaded in turn, median of windows). CPU µs/req = server CPU µs per request (median',
    'window), best µs = lowest window; added = this − "no auth, token sent" (none), of the medians and of the best windows; to floor =',
    'this − the case\'s floor row (JSON.parse: cache hit, no header; addon verify: new tokens, bad signature), medians / best windows;',
    '% base = req/s / no-auth baseline req/s; CPU % base = baseline CPU µs/req / this CPU µs/req (the same ratio for a saturated server',
    'core, from CPU time), and from the best windows; spread of req/s',
    table(
      ['case', 'library', 'req/s', 'CPU µs/req', 'added', 'best µs', 'added (best)', 'to floor', 'to floor (best)', '% base', 'CPU % base', 'best', 'spread', 'p50 ms', 'p99 ms', 'non-2xx', 'peak RSS MiB', 'check'],
      http.sort(byCase).map((s) => [
        label(s.case),
        s.lib,
        fmt(s.reqPerSec, 0),
        fmt(s.serverCpuUsPerReq, 0),
        signedUs(minus(s, addedBase, 'serverCpuUsPerReq')),
        fmt(s.bestServerCpuUsPerReq, 0),
        signedUs(minus(s, addedBase, 'bestServerCpuUsPerReq')),
        signedUs(minus(s, floorOf(http, s), 'serverCpuUsPerReq')),
        signedUs(minus(s, floorOf(http, s), 'bestServerCpuUsPerReq')),
        baseline ? `${fmt((100 * s.reqPerSec) / baseline.reqPerSec)}%` : '—',
        cpuRatio(baseline?.serverCpuUsPerReq, s.serverCpuUsPerReq),
        cpuRatio(baseline?.bestServerCpuUsPerReq, s.bestServerCpuUsPerReq),
        spread(s),
        fmt(s.p50Ms, 0),
        fmt(s.p99Ms, 0),
        `${s.non2xx}/${s.requests}`,
        fmt(s.peakRssKb / 1024),
        check(s),
      ]),
    ),
    '',
    'First request after server start (ms, median over every server of the library; metadata + JWKS fetch, or an introspection call)',
    table(['library', '', 'ms'], firstRequest.map(([lib, ms]) => [lib, '', ms])),
    '',
    ...(addedTable(http)
      ? [
          'Added server CPU per request (Express): each library\'s CPU µs/req − "no auth, token sent" (none), same run and rounds, of the',
          'medians and of the best windows; ref/ours = mcp-auth added / mcp-auth-rs added (∞: mcp-auth-rs added ≤ 0); floor added = the',
          "case's floor row − no auth; mcp-auth-rs to floor = mcp-auth-rs added − floor added",
          addedTable(http),
          '',
        ]
      : []),
    ...(doorTable(allHttp)
      ? [
          'Front doors (mcp-auth-rs/<door>, a server child per row, loaded in the same rounds): server CPU µs per request, median of the',
          "windows and the best (lowest) window; no auth = the door's server without auth serving the same token-carrying requests (token",
          'ignored); added = what auth adds to a request on that door; to floor = mcp-auth-rs − the door\'s floor row (same token: JSON.parse,',
          'RS256 new: addon verify, Express and node:http only); JSON/verify floor added = the floor rows − no auth; req/s median; first ms =',
          "the same-token server's first request",
          doorTable(allHttp),
        ]
      : ['(no front-door rows in this run)']),
    ...(mcpTable(allHttp)
      ? [
          '',
          'MCP tools/call (SDK v1 StreamableHTTPServerTransport, stateless, JSON answers; a new McpServer + transport per request) on',
          'Express, every request with the "same token": req/s, server CPU µs/req (median window, best window), added = this − no auth',
          mcpTable(allHttp),
        ]
      : []),
    ...(profileTable(micro, http)
      ? [
          '',
          "mcp-auth-rs under profile 'mcp-2026-07-28' vs compat (the default): micro µs/op (median of runs), HTTP server CPU µs/req",
          '(Express, median of windows) and best (lowest) window; profile/compat = profile µs / compat µs',
          profileTable(micro, http),
        ]
      : []),
    ...(introspectionTable(micro, http, records)
      ? [
          '',
          'Introspection (RFC 7662, opaque tokens; mcp-auth 0.2.0 has no introspection: its cells are n/a). micro µs = CPU µs/call, wall µs =',
          'wall µs/call of the same loop (awaited one by one: for a miss, the round trip to the endpoint), both median of runs;',
          'HTTP µs = server CPU µs/req (Express, median of windows), best = lowest window; mcp-auth µs = its micro µs/call',
          introspectionTable(micro, http, records),
        ]
      : []),
    ...(sharedStoreTable(micro, records, info.sharedStore)
      ? [
          '',
          "DPoP and the shared store (issue 16 item 6; in-process, micro.mjs's loop). micro µs = CPU µs/call (this process, every thread),",
          `wall µs = wall µs/call (awaited one by one), both median of runs; at most ${info.sharedStore?.poolMaxCalls} timed calls per run for the pooled`,
          'rows (C, D, F: each proof or token used once); mcp-auth = its micro µs (n/a: mcp-auth 0.2.0 has no DPoP, introspection or store)',
          sharedStoreTable(micro, records, info.sharedStore),
        ]
      : []),
    '',
    'Targets (issue 15), all from this run: measured from the medians (micro: of runs; HTTP: of windows), best windows beside; — = an',
    'input did not run',
    targetTable(micro, allHttp),
  ].join('\n');
};

const main = async () => {
  const info = {
    kind: 'machine',
    machine: machine(),
    settings,
    ...(args.libs !== undefined && { libs: LIBS_RUN }),
    ...(args.cases !== undefined && { cases: CASES_RUN }),
    ...(args.doors !== undefined && { doors: DOORS_SELECTED }),
    time: new Date().toISOString(),
  };
  const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(resultsDir, { recursive: true });
  const resultsFile = `${resultsDir}${info.time.replace(/[:.]/g, '-')}.jsonl`;
  const record = (object) => appendFileSync(resultsFile, `${JSON.stringify(object)}\n`);

  // Pinning (HTTP phase): the server child on the last core, this process (load generator and
  // authorization server) on the others.
  Object.assign(info, corePlan());
  record(info);
  if (info.machine.loadAverage1m > 0.5) console.error(`warning: load average ${fmt(info.machine.loadAverage1m, 2)}: other work on this machine skews the figures`);

  const authServer = await startBenchAuthServer();
  let introspection;
  let redis;
  try {
    let t = performance.now();
    const tokens = signTokens(authServer, RESOURCE, POOL_SIZE);
    console.error(`signed ${2 * POOL_SIZE + 3} tokens in ${fmt((performance.now() - t) / 1000)} s`);
    // The introspection endpoint child, on the load generator's cores (pinned when the server is).
    if (NEEDS_ENDPOINT) {
      introspection = await startIntrospectionEndpoint({ issuer: authServer.issuer, resource: RESOURCE }, INTROSPECTION_CLIENT, info.clientCores);
    }
    // The redis-server and two node-redis clients (one per instance), the DPoP key and bound token.
    if (NEEDS_REDIS_RUN) {
      redis = await startBenchRedis(2);
      console.error(`redis-server pid ${redis.pid} on ${redis.url}`);
    }
    const dpop = NEEDS_DPOP ? await dpopSetup(authServer, RESOURCE) : undefined;
    const context = { issuer: authServer.issuer, jwksUri: authServer.jwksUri, resource: RESOURCE, tokens, introspectionEndpoint: introspection?.endpoint, redisClients: redis?.clients };
    // The micro-only cases' sequences, built anew before each run of a library (never timed):
    // DPoP, a pool of fresh proofs; the shared store, a pool of opaque tokens that instance A (a
    // second MCPAuth, its own Redis client) introspects first, so that each one's first request to
    // the measured instance B is served from Redis. `probe`: the endpoint's call count, read before
    // and after the timed loop.
    const prefetch = { tokens: 0, endpointCalls: 0, seconds: 0 };
    const microOnlyCase = (id) => {
      if (id === 'dpop') {
        return {
          maxCalls: POOL_MAX_CALLS,
          authorizations: () => {
            const next = once(dpop.proofPool(POOL_USES), 'DPoP proofs');
            const authorization = `DPoP ${dpop.token}`;
            return () => ({ authorization, dpop: next() });
          },
        };
      }
      return {
        maxCalls: POOL_MAX_CALLS,
        probe: () => endpointCalls(introspection.child),
        authorizations: async () => {
          const started = performance.now();
          const list = opaquePool(POOL_USES);
          const instanceA = await sharedIntrospectionInstance(context, 0);
          const before = await endpointCalls(introspection.child);
          await eachLimited(list, PREFETCH_CONCURRENCY, async (token) => {
            const status = await call(instanceA, `Bearer ${token}`);
            if (status !== 200) throw new Error(`instance A answered ${status} to a new opaque token`);
          });
          const after = await endpointCalls(introspection.child);
          prefetch.tokens += list.length;
          prefetch.endpointCalls = before === null || after === null || prefetch.endpointCalls === null ? null : prefetch.endpointCalls + after - before;
          prefetch.seconds += (performance.now() - started) / 1000;
          const next = once(list, 'opaque tokens');
          return () => `Bearer ${next()}`;
        },
      };
    };
    const casesOf = (lib, kind) =>
      caseIdsOf(lib, kind).map((id) => {
        const { authorization, ...testCase } = CASES.find((c) => c.id === id);
        if (testCase.microOnly) return { ...testCase, ...microOnlyCase(id) };
        return { ...testCase, authorizations: () => authorization(tokens) };
      });
    // What the DPoP libraries must refuse, checked once before the micro runs: the same proof again
    // (and, with Redis, a proof accepted by one instance sent to a second instance with its own
    // client) is a 401 invalid_dpop_proof, the bound token sent as Bearer a 401 invalid_token.
    const sharedChecks = [];
    if (NEEDS_DPOP) {
      const answer = async (middleware, authorization) => {
        const { status, res } = await call(middleware, authorization, true);
        return `${status}${res.body?.error ? ` ${res.body.error}` : ''}`;
      };
      const withProof = (proof) => ({ authorization: `DPoP ${dpop.token}`, dpop: proof });
      for (const lib of DPOP_LIBS.filter((l) => LIBS_RUN.includes(l) && caseIdsOf(l, 'micro').length)) {
        const first = await LIBRARIES[lib](context);
        const [p, q] = dpop.proofPool(2);
        const got = [await answer(first, withProof(p)), await answer(first, withProof(p)), await answer(first, `Bearer ${dpop.token}`)];
        const want = ['200', '401 invalid_dpop_proof', '401 invalid_token'];
        let what = 'a fresh proof 200, the same proof again 401 invalid_dpop_proof, the bound token as Bearer 401 invalid_token';
        if (NEEDS_REDIS.includes(lib)) {
          const second = await LIBRARIES[lib]({ ...context, redisClients: [redis.clients[1]] });
          got.push(await answer(first, withProof(q)), await answer(second, withProof(q)));
          want.push('200', '401 invalid_dpop_proof');
          what += '; a proof accepted by one instance, replayed to a second (another MCPAuth and Redis client, the same Redis) 401 invalid_dpop_proof';
        }
        if (got.join() !== want.join()) throw new Error(`${lib}: answered ${got.join(', ')}, expected ${want.join(', ')}`);
        sharedChecks.push(`${lib}: ${what}`);
        record({ kind: 'check', lib, answers: got });
      }
    }
    const records = [];
    const keep = (r) => {
      records.push(r);
      record(r);
    };

    t = performance.now();
    // Run 0 is not recorded: the first round pays for JIT compilation and for moving the token
    // pools to the old generation, and was consistently slower for every library.
    for (let run = 0; run <= settings.runs; run++) {
      for (const lib of LIBS_RUN.filter((l) => l !== 'none' && caseIdsOf(l, 'micro').length)) {
        const results = await runMicro({
          lib,
          context,
          cases: casesOf(lib, 'micro'),
          warmup: settings.microWarmup,
          iterations: settings.microIterations,
          minCpuMs: settings.microMinCpuMs,
          maxCalls: MICRO_MAX_CALLS,
        });
        if (run > 0) results.forEach((r) => keep({ ...r, run }));
      }
    }
    console.error(`micro benchmark: ${fmt((performance.now() - t) / 1000)} s`);
    if (prefetch.tokens) {
      console.error(`instance A introspected ${prefetch.tokens} new opaque tokens in ${fmt(prefetch.seconds)} s (untimed; endpoint calls ${prefetch.endpointCalls ?? '?'})`);
      record({ kind: 'prefetch', ...prefetch });
    }
    info.sharedStore = { checks: sharedChecks, prefetch, poolMaxCalls: POOL_MAX_CALLS };

    // HTTP: a server child per (library, case) row, all started first (each one's first request
    // timed), then rounds with one window per row: the load moves from server to server, so slow
    // phases of the machine hit every row alike instead of whichever rows ran then.
    t = performance.now();
    const caseOf = (id) => {
      const { authorization, ...testCase } = CASES.find((c) => c.id === id);
      return { ...testCase, authorizations: () => authorization(tokens) };
    };
    const rows = [
      ...LIBS_RUN.flatMap((lib) => casesOf(lib, 'http').map((testCase) => ({ door: 'express', lib, testCase }))),
      ...EXTRA_ROWS.map(({ door, lib, case: id }) => ({ door, lib, testCase: caseOf(id) })),
    ];
    for (const row of rows) row.next = row.testCase.authorizations();
    for (const row of rows) Object.assign(row, await startTimedServer(row.lib, context, info.serverCore, row.door));
    if (info.serverCore !== undefined) pinThisProcess(info.clientCores);
    for (const row of rows) await measureWindow(row, row.next, settings.httpWarmup, row.testCase.status);
    const windows = [];
    for (let run = 1; run <= settings.httpRounds; run++) {
      for (const row of rows) windows.push({ row, run, ...(await measureWindow(row, row.next, settings.httpWindow, row.testCase.status)) });
      console.error(`http round ${run}/${settings.httpRounds} done`);
    }
    for (const row of rows) {
      row.peakRssKb = peakRssKb(row.child.pid);
      await stopServer(row.child);
    }
    for (const { row, ...window } of windows) {
      keep({ kind: 'http', door: row.door, lib: row.lib, case: row.testCase.id, ...window, peakRssKb: row.peakRssKb, firstRequestMs: row.firstRequestMs });
    }
    const unexpected = windows.filter((w) => w.unexpected).map((w) => `${w.row.door} / ${w.row.lib} / ${w.row.testCase.id}: ${w.unexpected}`);
    if (unexpected.length) console.error(`UNEXPECTED answers: ${unexpected.join('; ')}`);
    console.error(`HTTP benchmark: ${fmt((performance.now() - t) / 1000)} s`);

    const summaries = summarize(records);
    summaries.forEach(record);
    console.log(report(summaries, info, records));
    console.log(`\nResults: ${resultsFile}`);
  } finally {
    if (introspection) await stopServer(introspection.child);
    if (redis) await redis.close();
    await authServer.close();
  }
};

// Bounds: a hard deadline for the whole run (scaled by the HTTP rows and rounds), and server
// children killed on any exit path.
runBounded(main, 120 + (NEEDS_REDIS_RUN || NEEDS_DPOP ? 20 * (settings.runs + 1) : 0) + settings.runs * (args.quick ? 20 : 30) + (NEEDS_ENDPOINT ? 10 * (settings.runs + 1) : 0) + settings.httpRounds * (HTTP_ROW_COUNT + 5) * (settings.httpWindow + 0.5));
