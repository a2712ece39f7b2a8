// HTTP benchmark plumbing: server children (server.mjs), optionally pinned to one core with
// taskset, driven by autocannon from this process; CPU time read in the child over IPC.

import os from 'node:os';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { MCP_REQUEST, checkMcpAnswer } from './mcp.mjs';

const SERVER = fileURLToPath(new URL('./server.mjs', import.meta.url));
const INTROSPECTION_ENDPOINT = fileURLToPath(new URL('./introspection-endpoint.mjs', import.meta.url));
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

export const stopServer = async (child) => {
  if (child.exitCode === null && child.signalCode === null) {
    process.kill(child.pid, 'SIGTERM');
    if (!(await exited(child, STOP_TIMEOUT_MS))) process.kill(child.pid, 'SIGKILL');
  }
  live.delete(child);
};

/** Where things run: with taskset and ≥ 2 cores, server children on the last core
 * (`serverCore`) and this process — the load generator — on the others (`clientCores`). */
export const corePlan = () => {
  const cores = os.cpus().length;
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
  } catch {
    return {};
  }
  return cores < 2 ? {} : { serverCore: cores - 1, clientCores: cores === 2 ? '0' : `0-${cores - 2}` };
};

/** Pins this process (every thread) to `cores`. */
export const pinThisProcess = (cores) => execFileSync('taskset', ['-a', '-p', '-c', cores, String(process.pid)], { stdio: 'ignore' });

/** Runs `main` under a hard deadline; server children are killed on every exit path. */
export const runBounded = (main, deadlineSeconds) => {
  const deadline = setTimeout(() => {
    console.error(`benchmark exceeded ${deadlineSeconds} s; stopping`);
    killServers();
    process.exit(1);
  }, deadlineSeconds * 1000);
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      killServers();
      process.exit(128 + os.constants.signals[signal]);
    });
  }
  main()
    .catch((error) => {
      console.error(error);
      process.exitCode = 1;
    })
    .finally(() => {
      killServers();
      clearTimeout(deadline);
    });
};

// Synchronous clean-ups of processes started elsewhere (the benchmark's redis-server: killed by PID).
const cleanups = new Set();
/** Registers `fn` to run with killServers (on every exit path); returns a function that forgets it. */
export const onCleanup = (fn) => {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
};

/** Kills every server child still running (for exits on error or signal). */
export const killServers = () => {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
  }
  live.clear();
  for (const fn of cleanups) fn();
  cleanups.clear();
};

/** Spawns `node <script> …args` (pinned to `core` when given), registered for clean-up, and
 * resolves to the child once it sends { port }, with its origin. */
const startChild = async (script, args, core, name) => {
  const [command, argv] = core === undefined ? [process.execPath, [script, ...args]] : ['taskset', ['-c', String(core), process.execPath, script, ...args]];
  const child = spawn(command, argv, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  live.add(child);
  try {
    const port = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name}: not ready within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
      child.once('message', ({ port }) => {
        clearTimeout(timer);
        resolve(port);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${name}: exited (${code ?? signal})`));
      });
    });
    return { child, origin: `http://127.0.0.1:${port}` };
  } catch (error) {
    await stopServer(child);
    throw error;
  }
};

/** Starts a server child for `lib` behind `door` (express: Express 5; node, fastify, hono: doors.mjs). */
export const startServer = async (lib, { issuer, resource, jwksUri, introspectionEndpoint }, core, door = 'express') => {
  const args = ['--lib', lib, '--issuer', issuer, '--resource', resource, '--jwks-uri', jwksUri, '--door', door];
  if (introspectionEndpoint) args.push('--introspection-endpoint', introspectionEndpoint);
  return startChild(SERVER, args, core, `${lib} (${door}) server`);
};

/** Starts the introspection endpoint child (introspection-endpoint.mjs, pinned to `cores` when
 * given: the load generator's cores, never the measured server's); resolves to
 * { child, origin, endpoint }. Stop it with stopServer(child). */
export const startIntrospectionEndpoint = async ({ issuer, resource }, { clientId, clientSecret }, cores) => {
  const args = ['--issuer', issuer, '--resource', resource, '--client-id', clientId, '--client-secret', clientSecret];
  const started = await startChild(INTROSPECTION_ENDPOINT, args, cores, 'introspection endpoint');
  return { ...started, endpoint: `${started.origin}/introspect` };
};

/** The introspection endpoint child's count of introspections answered so far, asked over IPC
 * (with an id, as serverCpuUs); null if it does not answer within 2 s. */
let callQuestions = 0;
export const endpointCalls = (child) =>
  new Promise((resolve) => {
    const id = ++callQuestions;
    const onMessage = (message) => {
      if (message?.calls === undefined || message.id !== id) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(message.calls);
    };
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      resolve(null);
    }, 2_000);
    child.on('message', onMessage);
    child.send({ introspectionCalls: id });
  });

/** Peak resident set size of a process in KiB (Linux), or null. */
export const peakRssKb = (pid) => {
  try {
    return Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmHWM:\s+(\d+) kB/m)[1]);
  } catch {
    return null;
  }
};

/** The server child's CPU time (user + system, every thread) in µs, asked over its IPC channel
 * (getrusage: µs resolution, where /proc counts 10 ms ticks); null if it does not answer within
 * 2 s. Each question carries an id and only its own answer counts: a late answer to an earlier
 * question (the machine stalled) is not taken for the next one's. */
let cpuQuestions = 0;
export const serverCpuUs = (child) =>
  new Promise((resolve) => {
    const id = ++cpuQuestions;
    const onMessage = (message) => {
      if (message?.cpuUs === undefined || message.id !== id) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(message.cpuUs);
    };
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      resolve(null);
    }, 2_000);
    child.on('message', onMessage);
    child.send({ cpuUsage: id });
  });

// What the load sends by default: GET /mcp. The MCP scenario (door `mcp`) sends mcp.mjs's POST.
const GET_MCP = { method: 'GET', path: '/mcp' };
const requestOf = (door) => (door === 'mcp' ? MCP_REQUEST : GET_MCP);

/** autocannon for `seconds` sending `request` ({ method, path, headers?, body? }), each request's
 * Authorization from `next()` (undefined = none). */
export const load = (origin, next, seconds, request = GET_MCP) =>
  autocannon({
    url: origin,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        ...request,
        setupRequest: (request) => {
          const authorization = next();
          return authorization === undefined ? request : { ...request, headers: { ...request.headers, authorization } };
        },
      },
    ],
  });

/** Starts a library's server and times its first request with a valid token (the library
 * fetches metadata and JWKS then); fails unless it is answered 200 (and, for the MCP scenario,
 * with the echo tool's result). The server's `request` is what the load sends it. */
export const startTimedServer = async (lib, context, core, door = 'express') => {
  const server = await startServer(lib, context, core, door);
  const request = requestOf(door);
  try {
    const started = performance.now();
    const first = await fetch(`${server.origin}${request.path}`, {
      method: request.method,
      headers: { ...request.headers, authorization: `Bearer ${context.tokens.same}` },
      body: request.body,
      signal: AbortSignal.timeout(10_000),
    });
    const text = await first.text();
    const firstRequestMs = performance.now() - started;
    if (first.status !== 200) throw new Error(`${lib} (${door}): first request answered ${first.status}`);
    if (door === 'mcp') checkMcpAnswer(text);
    return { ...server, request, firstRequestMs };
  } catch (error) {
    await stopServer(server.child);
    throw error;
  }
};

/**
 * One window of load on a running server: requests per second, latency, answers (each checked
 * against `status`; errors and timeouts count as unexpected) and the server's CPU µs per request.
 */
export const measureWindow = async ({ child, origin, request }, next, seconds, status) => {
  const cpuBefore = await serverCpuUs(child);
  const result = await load(origin, next, seconds, request);
  const cpuAfter = await serverCpuUs(child);
  const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count]));
  const unexpected = result.errors + result.timeouts + Object.entries(statusCodes).reduce((sum, [code, count]) => sum + (Number(code) === status ? 0 : count), 0);
  return {
    reqPerSec: result.requests.total / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    statusCodes,
    errors: result.errors,
    timeouts: result.timeouts,
    unexpected,
    serverCpuUsPerReq: cpuBefore === null || cpuAfter === null || !result.requests.total ? null : (cpuAfter - cpuBefore) / result.requests.total,
  };
};
