// A throwaway redis-server for the tests (__test__/store.test.mjs): its own process on 127.0.0.1 and a
// free port, no persistence (`--save ''`, `--appendonly no`, its working directory a temporary one),
// answering PING before the helper resolves. It can be stopped and started again on the same port (a
// Redis outage and its recovery). Only this helper's own process is ever signalled, by its PID.
//
//   const redis = await startRedisServer();            // { port, url, pid, stop(), start(), close(), log() }
//   redis.url                                            // redis://127.0.0.1:<port>
//   await redis.stop();                                  // SIGTERM (SIGKILL after 3 s), waits for the exit
//   await redis.start();                                 // the same port again, waits for PING
//   redis.freeze(); redis.thaw();                        // SIGSTOP / SIGCONT: connections stay open, nothing answers
//   await redis.close();                                 // stop + remove the temporary directory
//
// Every wait is bounded. `REDIS_SERVER` overrides the binary (default /usr/bin/redis-server, else the PATH).

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const HOST = '127.0.0.1';
const READY_LIMIT_MS = 10_000;
const STOP_GRACE_MS = 3_000;
const EXIT_LIMIT_MS = 5_000;

const binary = () => process.env.REDIS_SERVER ?? (existsSync('/usr/bin/redis-server') ? '/usr/bin/redis-server' : 'redis-server');

/**
 * Whether the store tests can run here: a `redis-server` binary exists. Without one they are skipped
 * with how to install it, unless `MCP_AUTH_RS_REQUIRE_REDIS` is set (as `.ci/run` does): then they
 * run and fail.
 */
export const redisTestsSkipped = () => {
  if (process.env.MCP_AUTH_RS_REQUIRE_REDIS) return false;
  const onPath = (process.env.PATH ?? '').split(':').some((dir) => dir && existsSync(`${dir}/redis-server`));
  if (process.env.REDIS_SERVER ? existsSync(process.env.REDIS_SERVER) : onPath || existsSync('/usr/bin/redis-server')) return false;
  return 'no redis-server on this machine: install it (Debian/Ubuntu: `apt-get install redis-server`) to run the shared-store tests';
};

/** A port free on 127.0.0.1 right now (listen on 0, read it, close). */
export const freePort = () =>
  new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

/** One PING over a fresh connection: resolves true on `+PONG`, false on anything else (bounded by `ms`). */
export const ping = (port, ms = 500) =>
  new Promise((resolve) => {
    let done = false;
    let text = '';
    const socket = net.connect({ host: HOST, port });
    const finish = (ok) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), ms);
    socket.setEncoding('utf8');
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      text += chunk;
      if (text.includes('\r\n')) finish(text.startsWith('+PONG'));
    });
    socket.once('error', () => finish(false));
    socket.once('close', () => finish(false));
  });

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export const startRedisServer = async ({ port: wanted } = {}) => {
  const port = wanted ?? (await freePort());
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mcp-auth-redis-'));
  const output = []; // the last lines of the server's output, for diagnostics
  let child = null;
  let exited = null; // the promise of the current child's exit
  let frozen = false;

  const remember = (chunk) => {
    for (const line of String(chunk).split('\n')) if (line.trim()) output.push(line);
    if (output.length > 200) output.splice(0, output.length - 200);
  };

  const start = async () => {
    if (child) throw new Error(`redis-server on port ${port} is already running (pid ${child.pid})`);
    const args = ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--protected-mode', 'yes', '--loglevel', 'notice'];
    frozen = false;
    const proc = spawn(binary(), args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
    child = proc;
    proc.stdout.on('data', remember);
    proc.stderr.on('data', remember);
    exited = new Promise((resolve) => {
      proc.once('exit', (code, signal) => resolve({ code, signal }));
      proc.once('error', (error) => resolve({ error }));
    });
    exited.then(() => {
      if (child === proc) child = null;
    });
    const deadline = Date.now() + READY_LIMIT_MS;
    for (;;) {
      if (child !== proc) {
        const how = await exited;
        throw new Error(`redis-server exited before answering PING (${JSON.stringify(how)}): ${output.slice(-10).join(' | ')}`);
      }
      if (await ping(port)) return;
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`redis-server on port ${port} did not answer PING within ${READY_LIMIT_MS} ms: ${output.slice(-10).join(' | ')}`);
      }
      await sleep(50);
    }
  };

  /** SIGSTOP: the server keeps its connections (and accepts new ones in the kernel backlog) but answers nothing. */
  const freeze = () => {
    if (!child) throw new Error('redis-server is not running');
    process.kill(child.pid, 'SIGSTOP');
    frozen = true;
  };
  /** SIGCONT: answers again (everything sent meanwhile included). */
  const thaw = () => {
    if (child && frozen) process.kill(child.pid, 'SIGCONT');
    frozen = false;
  };

  const stop = async () => {
    const proc = child;
    if (!proc) return;
    const gone = exited;
    if (frozen) {
      try {
        thaw();
      } catch {
        // gone already
      }
    }
    try {
      process.kill(proc.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    let timer;
    const graceful = await Promise.race([gone.then(() => true), new Promise((resolve) => (timer = setTimeout(() => resolve(false), STOP_GRACE_MS)))]);
    clearTimeout(timer);
    if (!graceful) {
      try {
        process.kill(proc.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      const killed = await Promise.race([gone.then(() => true), new Promise((resolve) => (timer = setTimeout(() => resolve(false), EXIT_LIMIT_MS)))]);
      clearTimeout(timer);
      if (!killed) throw new Error(`redis-server pid ${proc.pid} did not exit after SIGKILL within ${EXIT_LIMIT_MS} ms`);
    }
    if (child === proc) child = null;
  };

  const close = async () => {
    try {
      await stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  await start();
  return {
    port,
    host: HOST,
    url: `redis://${HOST}:${port}`,
    get pid() {
      return child?.pid;
    },
    get running() {
      return child !== null;
    },
    get frozen() {
      return frozen;
    },
    start,
    freeze,
    thaw,
    stop,
    close,
    /** The last lines the server wrote. */
    log: () => output.join('\n'),
  };
};
