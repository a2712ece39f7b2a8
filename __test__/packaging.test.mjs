// Packaging: what `npm publish` would ship, and that it works when installed from the tarballs.
//
// Packs the main package and the linux-x64-gnu platform package (a temp copy of npm/linux-x64-gnu
// plus the built addon), checks their file lists and sizes, installs both tarballs with express 5
// and the MCP SDK from the registry into a fresh app in os.tmpdir() (no link to this source tree),
// and runs an ESM and a CommonJS consumer there as child processes. Each consumer fetches the
// metadata of this test's fake authorization server (helpers/auth-server.mjs, on 127.0.0.1), gets
// a token from its token endpoint (client credentials grant) and calls an MCP server guarded by
// `bearerAuth('jwt')`. Also: the installed `mcp-auth-rs` bin runs, and a missing platform package
// gives the error that names it.
//
// Needs the built addon (`npm run build`) and the npm registry; runs on linux x64 (glibc) only.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAuthServer } from './helpers/auth-server.mjs';
import { createKeys } from './helpers/tokens.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
const PLATFORM = 'linux-x64-gnu';
const ADDON = `${pkg.napi.binaryName}.${PLATFORM}.node`;
const KB = 1024;
const MB = 1024 * KB;
const LIMITS = { mainPacked: 200 * KB, mainUnpacked: 600 * KB, platformPacked: 15 * MB, platformUnpacked: 30 * MB };

const glibc = process.platform === 'linux' && Boolean(process.report?.getReport?.()?.header?.glibcVersionRuntime);
const skip = process.platform === 'linux' && process.arch === 'x64' && glibc ? false : `packs the ${PLATFORM} package only`;

/** What `napi create-npm-dirs` writes for each target (napi-rs naming). */
const TARGETS = {
  'x86_64-unknown-linux-gnu': { dir: 'linux-x64-gnu', os: 'linux', cpu: 'x64', libc: 'glibc' },
  'x86_64-unknown-linux-musl': { dir: 'linux-x64-musl', os: 'linux', cpu: 'x64', libc: 'musl' },
  'aarch64-unknown-linux-gnu': { dir: 'linux-arm64-gnu', os: 'linux', cpu: 'arm64', libc: 'glibc' },
  'x86_64-apple-darwin': { dir: 'darwin-x64', os: 'darwin', cpu: 'x64' },
  'aarch64-apple-darwin': { dir: 'darwin-arm64', os: 'darwin', cpu: 'arm64' },
  'x86_64-pc-windows-msvc': { dir: 'win32-x64-msvc', os: 'win32', cpu: 'x64' },
};

/** Child-process env without the outer `npm test`'s npm_* variables (they point npm at this repo). */
const cleanEnv = () => Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));

const run = (file, args, { cwd, timeout = 30_000, env = cleanEnv() } = {}) =>
  new Promise((resolve) => {
    execFile(file, args, { cwd, env, timeout, maxBuffer: 32 * MB }, (error, stdout, stderr) => {
      resolve({ code: error ? (error.code ?? error.signal) : 0, stdout, stderr, killed: error?.killed ?? false });
    });
  });

const npm = async (args, options) => {
  const result = await run('npm', args, options);
  assert.equal(result.code, 0, `npm ${args.join(' ')} failed (${result.code}):\n${result.stderr}\n${result.stdout}`);
  return result.stdout;
};

const packJson = async (cwd, destination, extra = []) => {
  const [report] = JSON.parse(await npm(['pack', '--json', '--pack-destination', destination, ...extra], { cwd }));
  return { ...report, tarball: path.join(destination, report.filename), paths: report.files.map((f) => f.path).sort() };
};

test('platform package manifests match napi.targets', () => {
  assert.deepEqual([...pkg.napi.targets].sort(), Object.keys(TARGETS).sort());
  for (const target of pkg.napi.targets) {
    const spec = TARGETS[target];
    const manifest = JSON.parse(readFileSync(path.join(root, 'npm', spec.dir, 'package.json'), 'utf8'));
    const name = `${pkg.name}-${spec.dir}`;
    const binary = `${pkg.napi.binaryName}.${spec.dir}.node`;
    assert.equal(manifest.name, name);
    assert.equal(manifest.version, pkg.version, `${name}: version (run \`napi version\`)`);
    assert.deepEqual(manifest.os, [spec.os], `${name}: os`);
    assert.deepEqual(manifest.cpu, [spec.cpu], `${name}: cpu`);
    assert.deepEqual(manifest.libc, spec.libc && [spec.libc], `${name}: libc`);
    assert.equal(manifest.main, binary, `${name}: main`);
    assert.deepEqual(manifest.files, [binary], `${name}: files`);
    assert.equal(manifest.license, pkg.license);
  }
  // The committed manifest names no platform package: they are unpublished until a release, so no
  // lock file could hold them and `npm ci` would fail. The release job's `napi pre-publish` adds one
  // per napi target, pinned to the package version, to the package.json it publishes.
  const platformDeps = Object.keys(pkg.optionalDependencies ?? {}).filter((dep) => dep.startsWith(`${pkg.name}-`));
  assert.deepEqual(platformDeps, [], 'platform optionalDependencies are added at release time (`napi pre-publish`)');
  // The lock file's root entry agrees (what `npm ci` checks).
  const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
  assert.deepEqual(lock.packages[''].optionalDependencies, pkg.optionalDependencies);
});

describe('npm tarballs, installed into a fresh Express 5 app', { skip, timeout: 120_000 }, () => {
  let tmp;
  let main;
  let platform;
  let app;

  before(async () => {
    assert.ok(existsSync(path.join(root, ADDON)), `${ADDON} missing: run \`npm run build\` first`);
    assert.ok(existsSync(path.join(root, 'binding.cjs')), 'binding.cjs missing: run `npm run build` first');
    tmp = await mkdtemp(path.join(os.tmpdir(), 'mcp-auth-rs-packaging-'));
    // `--ignore-scripts`: `prepare` would rebuild the addon.
    main = await packJson(root, tmp, ['--ignore-scripts']);
    const platformDir = path.join(tmp, `platform-${PLATFORM}`);
    await cp(path.join(root, 'npm', PLATFORM), platformDir, { recursive: true });
    await cp(path.join(root, ADDON), path.join(platformDir, ADDON));
    platform = await packJson(platformDir, tmp);
  });

  after(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  test('main tarball: only the runtime files', () => {
    const allowed = (p) =>
      ['index.js', 'index.d.ts', 'binding.cjs', 'binding.d.cts', 'package.json', 'README.md', 'bin/mcp-auth-rs.mjs'].includes(p) ||
      /^LICENSE(\.md|\.txt)?$/i.test(p) ||
      /^lib\/(doors\/)?[\w.-]+\.js$/.test(p) ||
      /^lib\/(doors\/)?[\w.-]+\.d\.c?ts$/.test(p);
    assert.deepEqual(main.paths.filter((p) => !allowed(p)), [], 'unexpected files in the tarball');
    for (const required of ['index.js', 'index.d.ts', 'binding.cjs', 'binding.d.cts', 'package.json', 'README.md', 'bin/mcp-auth-rs.mjs', 'lib/native.js']) {
      assert.ok(main.paths.includes(required), `missing ${required}`);
    }
    // Every file a subpath export names (each door's module and typings).
    for (const target of Object.values(pkg.exports).flatMap((entry) => (typeof entry === 'string' ? [entry] : Object.values(entry)))) {
      assert.ok(main.paths.includes(target.replace(/^\.\//, '')), `missing ${target}`);
    }
    assert.ok(!main.paths.some((p) => /^(src|__test__|target|examples|npm|bench|fuzz|core|docs)\//.test(p) || p.endsWith('.node')));
    assert.ok(main.size < LIMITS.mainPacked, `main tarball ${main.size} B`);
    assert.ok(main.unpackedSize < LIMITS.mainUnpacked, `main unpacked ${main.unpackedSize} B`);
  });

  test(`platform tarball: package.json, README.md and ${ADDON}`, () => {
    assert.equal(platform.name, `${pkg.name}-${PLATFORM}`);
    assert.deepEqual(platform.paths, [ADDON, 'README.md', 'package.json'].sort());
    assert.ok(platform.size < LIMITS.platformPacked, `platform tarball ${platform.size} B`);
    assert.ok(platform.unpackedSize < LIMITS.platformUnpacked, `platform unpacked ${platform.unpackedSize} B`);
  });

  describe('consumer app', () => {
    let as;
    before(async () => {
      as = await startAuthServer({ keys: await createKeys() });
      app = path.join(tmp, 'app');
      await mkdir(app);
      await writeFile(path.join(app, 'package.json'), JSON.stringify({ name: 'consumer-app', private: true, version: '1.0.0' }));
      await npm(['install', main.tarball, platform.tarball, 'express@5', '@modelcontextprotocol/sdk', '--no-audit', '--no-fund'], {
        cwd: app,
        timeout: 90_000,
      });
      await writeFile(path.join(app, 'consumer.mjs'), consumerSource('esm'));
      await writeFile(path.join(app, 'consumer.cjs'), consumerSource('cjs'));
    });
    after(async () => {
      await as?.close();
    });

    test('installed from the tarballs, not from the source tree', async () => {
      const installed = JSON.parse(await readFile(path.join(app, 'node_modules', pkg.name, 'package.json'), 'utf8'));
      assert.equal(installed.version, pkg.version);
      const files = await readdir(path.join(app, 'node_modules', pkg.name));
      assert.ok(!files.includes('src') && !files.some((f) => f.endsWith('.node')), files.join(', '));
      assert.ok(existsSync(path.join(app, 'node_modules', `${pkg.name}-${PLATFORM}`, ADDON)));
    });

    for (const [format, file] of [['ESM', 'consumer.mjs'], ['CommonJS', 'consumer.cjs']]) {
      test(`${format} consumer: valid token → 200, none → 401 with resource_metadata`, async () => {
        const result = await run(process.execPath, [file], { cwd: app, timeout: 30_000, env: { ...cleanEnv(), CONSUMER_ISSUER: as.issuer } });
        assert.equal(result.code, 0, `${file} failed:\n${result.stderr}\n${result.stdout}`);
        const report = JSON.parse(result.stdout.trim().split('\n').at(-1));
        assert.ok(report.resolved.startsWith(path.join(app, 'node_modules', pkg.name)), report.resolved);
        assert.equal(report.authorized.status, 200);
        assert.equal(report.authorized.subject, 'consumer-user');
        assert.equal(report.issuer, as.issuer);
        assert.equal(report.authorized.issuer, report.issuer);
        assert.equal(report.unauthorized.status, 401);
        assert.match(report.unauthorized.wwwAuthenticate, /^Bearer /);
        assert.ok(
          report.unauthorized.wwwAuthenticate.includes(`resource_metadata="${report.origin}/.well-known/oauth-protected-resource/mcp"`),
          report.unauthorized.wwwAuthenticate,
        );
        assert.equal(report.prm.resource, `${report.origin}/mcp`);
        assert.deepEqual(report.prm.authorization_servers, [report.issuer]);
      });
    }

    test('the mcp-auth-rs bin is installed and runs', async () => {
      const result = await run(path.join(app, 'node_modules', '.bin', 'mcp-auth-rs'), ['--help'], { cwd: app });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /mcp-auth-rs check <issuer>/);
      const usage = await run(path.join(app, 'node_modules', '.bin', 'mcp-auth-rs'), ['check'], { cwd: app });
      assert.equal(usage.code, 2);
    });

    test('without the platform package: an error naming it', async () => {
      const dir = path.join(app, 'node_modules', `${pkg.name}-${PLATFORM}`);
      await rename(dir, `${dir}.away`);
      try {
        for (const code of [`import('${pkg.name}').then(() => process.exit(0), (e) => { console.error(e.message + '\\n' + (e.cause ? 'cause: ' + e.cause.message : '')); process.exit(1); })`,
          `try { require('${pkg.name}'); } catch (e) { console.error(e.message + '\\n' + (e.cause ? 'cause: ' + e.cause.message : '')); process.exit(1); }`]) {
          const result = await run(process.execPath, ['-e', code], { cwd: app });
          assert.equal(result.code, 1, result.stderr);
          assert.match(result.stderr, new RegExp(`mcp-auth-rs: no prebuilt binary for ${PLATFORM}; install the optional dependency ${pkg.name}-${PLATFORM} or build from source`));
          assert.match(result.stderr, /cause: /);
        }
      } finally {
        await rename(`${dir}.away`, dir);
      }
    });
  });
});

/**
 * The consumer program, as an ES module or a CommonJS script; prints one JSON report line. The
 * authorization server's issuer comes in `CONSUMER_ISSUER`.
 */
function consumerSource(format) {
  const imports =
    format === 'esm'
      ? `import http from 'node:http';
import express from 'express';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { MCPAuth, fetchServerConfig } from 'mcp-auth-rs';
const resolved = import.meta.resolve('mcp-auth-rs').replace('file://', '');`
      : `const http = require('node:http');
const express = require('express');
const { McpServer } = require('@modelcontextprotocol/sdk/server/mcp.js');
const { StreamableHTTPServerTransport } = require('@modelcontextprotocol/sdk/server/streamableHttp.js');
const { MCPAuth, fetchServerConfig } = require('mcp-auth-rs');
const resolved = require.resolve('mcp-auth-rs');`;
  return `${imports}

setTimeout(() => { console.error('consumer timed out'); process.exit(3); }, 20000).unref();

async function main() {
  const issuer = process.env.CONSUMER_ISSUER;
  const config = await fetchServerConfig(issuer, { type: 'oauth' });

  // The MCP server (stateless Streamable HTTP, JSON responses) guarded by mcp-auth-rs.
  const app = express();
  const mcpServer = http.createServer(app);
  await new Promise((resolve) => mcpServer.listen(0, '127.0.0.1', resolve));
  const origin = 'http://127.0.0.1:' + mcpServer.address().port;
  const resource = origin + '/mcp';
  const mcpAuth = new MCPAuth({ protectedResources: { metadata: { resource, authorizationServers: [config] } } });
  app.use(mcpAuth.protectedResourceMetadataRouter());
  app.post('/mcp', express.json(), mcpAuth.bearerAuth('jwt', { resource, audience: resource }), async (req, res) => {
    const server = new McpServer({ name: 'consumer', version: '1.0.0' });
    server.tool('whoami', 'the caller', async ({ authInfo }) => ({
      content: [{ type: 'text', text: JSON.stringify({ subject: authInfo.subject, issuer: authInfo.issuer }) }],
    }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => { transport.close(); server.close(); });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });

  // A token for the resource from the authorization server's token endpoint.
  const tokenResponse = await fetch(config.metadata.tokenEndpoint, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'consumer-user', resource, scope: 'read' }),
  });
  const { access_token: token } = await tokenResponse.json();
  const call = (headers) =>
    fetch(resource, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } }),
    });

  const ok = await call({ authorization: 'Bearer ' + token });
  const okBody = await ok.json();
  const caller = okBody.result ? JSON.parse(okBody.result.content[0].text) : { error: okBody };
  const denied = await call({});
  await denied.text();
  const prm = await (await fetch(origin + '/.well-known/oauth-protected-resource/mcp')).json();

  console.log(JSON.stringify({
    resolved, issuer, origin, prm,
    authorized: { status: ok.status, ...caller },
    unauthorized: { status: denied.status, wwwAuthenticate: denied.headers.get('www-authenticate') },
  }));
  mcpServer.closeAllConnections();
  await new Promise((resolve) => mcpServer.close(resolve));
}

main().catch((error) => { console.error(error); process.exit(1); });
`;
}
