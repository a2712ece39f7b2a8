// HTTP benchmark: one server child (server.mjs) per library and case, optionally pinned to one core
// with taskset; autocannon drives it from this process.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const SERVER = fileURLToPath(new URL('./server.mjs', import.meta.url));
const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 3_000;
const CONNECTIONS = 10;

const live = new Set();

const exited = (child, ms) =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(true);
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });

const stopServer = async (child) => {
  if (child.exitCode === null && child.signalCode === null) {
    process.kill(child.pid, 'SIGTERM');
    if (!(await exited(child, STOP_TIMEOUT_MS))) process.kill(child.pid, 'SIGKILL');
  }
  live.delete(child);
};

/** Kills every server child still running (for exits on error or signal). */
export const killServers = () => {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
  }
  live.clear();
};

const startServer = async (lib, { issuer, resource, jwksUri }, core) => {
  const args = [SERVER, '--lib', lib, '--issuer', issuer, '--resource', resource, '--jwks-uri', jwksUri];
  const [command, argv] = core === undefined ? [process.execPath, args] : ['taskset', ['-c', String(core), process.execPath, ...args]];
  const child = spawn(command, argv, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  live.add(child);
  try {
    const port = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${lib}: server not ready within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
      child.once('message', ({ port }) => {
        clearTimeout(timer);
        resolve(port);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${lib}: server exited (${code ?? signal})`));
      });
    });
    return { child, origin: `http://127.0.0.1:${port}` };
  } catch (error) {
    await stopServer(child);
    throw error;
  }
};

/** Peak resident set size of a process in KiB (Linux), or null. */
const peakRssKb = (pid) => {
  try {
    return Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmHWM:\s+(\d+) kB/m)[1]);
  } catch {
    return null;
  }
};

/** CPU time (user + system, all threads) of a process in µs (Linux, USER_HZ = 100), or null. */
const cpuUs = (pid) => {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return null;
  }
};

/** autocannon for `seconds`, each request's Authorization from `next()` (undefined = none). */
const load = (origin, next, seconds) =>
  autocannon({
    url: origin,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: 'GET',
        path: '/mcp',
        setupRequest: (request) => {
          const authorization = next();
          return authorization === undefined ? request : { ...request, headers: { ...request.headers, authorization } };
        },
      },
    ],
  });

/**
 * One measurement: start the server, time its first authenticated request (a valid token; the
 * library fetches metadata/JWKS), `warmup` s of load, `duration` s measured (with the server's
 * CPU time over that window), peak RSS, stop.
 */
export const runHttp = async ({ lib, context, testCase, warmup, duration, core }) => {
  const { child, origin } = await startServer(lib, context, core);
  try {
    const started = performance.now();
    const first = await fetch(`${origin}/mcp`, { headers: { authorization: `Bearer ${context.tokens.same}` }, signal: AbortSignal.timeout(10_000) });
    await first.arrayBuffer();
    const firstRequestMs = performance.now() - started;
    if (first.status !== 200) throw new Error(`${lib}: first request answered ${first.status}`);

    const next = testCase.authorizations();
    await load(origin, next, warmup);
    const cpuBefore = cpuUs(child.pid);
    const result = await load(origin, next, duration);
    const cpuAfter = cpuUs(child.pid);
    const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count]));
    const unexpected = result.errors + Object.entries(statusCodes).reduce((sum, [code, count]) => sum + (Number(code) === testCase.status ? 0 : count), 0);
    return {
      kind: 'http',
      lib,
      case: testCase.id,
      reqPerSec: result.requests.total / result.duration,
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      requests: result.requests.total,
      non2xx: result.non2xx,
      statusCodes,
      errors: result.errors,
      timeouts: result.timeouts,
      unexpected,
      serverCpuUsPerReq: cpuBefore === null || cpuAfter === null ? null : (cpuAfter - cpuBefore) / result.requests.total,
      peakRssKb: peakRssKb(child.pid),
      firstRequestMs,
    };
  } finally {
    await stopServer(child);
  }
};
