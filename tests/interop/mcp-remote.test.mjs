// tests/interop/mcp-remote.test.mjs — mcp-remote, the stdio proxy many Claude Desktop users
// run (`npx mcp-remote URL`), run from node_modules/.bin against gatehouse-server and a real MCP
// server (the harness's McpResourceServer, scopes_supported ["mcp:tools"]) whose URL is not a
// listed resource (serve --dev: resource_policy=open). Twice: as a CIMD client
// (--client-metadata-url, a document served over https on 127.0.0.1 with a throwaway test CA
// the server trusts through serve --ca-file), and as a pre-registered client
// (--static-oauth-client-info with a client_id from `client create`, no scope registered).
//
// mcp-remote opens the browser with the `open` package, whose bundled xdg-open runs $BROWSER
// when there is no desktop; a stand-in browser (named xdg-open, first on PATH, and $BROWSER)
// performs the authorization without a person: the project's auto_approve_user makes
// /authorize redirect straight to mcp-remote's callback, which the stand-in follows. HOME and
// MCP_REMOTE_CONFIG_DIR are temporary, so no token leaks into or out of the test. Then a
// JSON-RPC initialize, tools/list and tools/call go through mcp-remote's stdio.
//
// Copyright 2026 The Gatehouse developers
// SPDX-License-Identifier: GPL-3.0-or-later

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import {
  useServer, Flow, stopStep, makeTestPki, ClientDocumentServer, McpResourceServer, show, delay,
} from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const MCP_REMOTE = join(here, 'node_modules', '.bin', 'mcp-remote');
/** How long mcp-remote may take from its start to "Proxy established" (discovery, the
 * authorization through the stand-in browser, the token). */
const CONNECT_TIMEOUT_MS = 45000;
/** Tries with a new callback port when the one chosen was taken in between. */
const PORT_ATTEMPTS = 3;
/** What mcp-remote says when its callback port is taken. */
const PORT_TAKEN = /Callback port \d+ is already in use|EADDRINUSE/;

// mcp-remote's undici needs Node >= 20.18.1.
const [major, minor, patch] = process.versions.node.split('.').map(Number);
const nodeTooOld = major < 20 || (major === 20 && (minor < 18 || (minor === 18 && patch < 1)));

/** The stand-in browser: logs what it was asked to open and where that led, as JSON lines. */
const FAKE_BROWSER = `#!/usr/bin/env node
// A stand-in for the user's browser, for mcp-remote: GETs the authorization URL (the server's
// auto_approve_user answers with a redirect), then GETs the Location (mcp-remote's callback).
'use strict';
const { appendFileSync } = require('node:fs');
const log = (entry) => appendFileSync(process.env.FAKE_BROWSER_LOG, JSON.stringify(entry) + '\\n');
(async () => {
  const url = process.argv[process.argv.length - 1];
  try {
    const first = await fetch(url, { redirect: 'manual' });
    const location = first.headers.get('location');
    log({ opened: url, status: first.status, location });
    if (location) {
      const callback = await fetch(location, { redirect: 'manual' });
      log({ callback: location, status: callback.status, body: (await callback.text()).slice(0, 300) });
    }
  } catch (err) {
    log({ opened: url, error: String(err) });
    process.exitCode = 1;
  }
})();
`;

/** A free TCP port on 127.0.0.1 (mcp-remote's callback port; pinned, as the README says).
 * Free when asked: another program may take it before mcp-remote binds it, which mcp-remote
 * reports (it does not look for another port when one is given); the step then tries again. */
async function freePort() {
  const probe = createServer();
  await new Promise((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', resolve);
  });
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** mcp-remote as an MCP client runs it: JSON-RPC lines on stdin and stdout, logs on stderr. */
class McpRemote {
  constructor({ args, env }) {
    this.stdout = '';
    this.stderr = '';
    this.pending = new Map();
    this.nextId = 1;
    this.child = spawn(MCP_REMOTE, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.setEncoding('utf8');
    this.child.stderr.setEncoding('utf8');
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => resolve({ code, signal }));
      this.child.on('error', (err) => resolve({ code: null, signal: null, error: err }));
    });
    this.child.stderr.on('data', (chunk) => { this.stderr += chunk; });
    let buffer = '';
    this.child.stdout.on('data', (chunk) => {
      this.stdout += chunk;
      buffer += chunk;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (!line) continue;
        let message;
        try { message = JSON.parse(line); } catch { continue; }
        const waiter = this.pending.get(message.id);
        if (waiter) {
          this.pending.delete(message.id);
          waiter(message);
        }
      }
    });
  }

  /**
   * Resolves once stderr says the proxy is up; rejects when mcp-remote exits or times out, or
   * as soon as `refused()` names a reason (the authorization came back with an error).
   */
  async established(timeoutMs, refused = () => undefined) {
    const deadline = Date.now() + timeoutMs;
    let exited;
    this.exited.then((e) => { exited = e; });
    while (!/Proxy established/.test(this.stderr)) {
      const reason = refused();
      if (reason) throw new Error(`the authorization was refused: ${reason}`);
      if (exited) throw new Error(`mcp-remote exited (code ${exited.code}, signal ${exited.signal}) before the proxy was established`);
      if (Date.now() > deadline) throw new Error(`mcp-remote did not establish the proxy within ${timeoutMs} ms`);
      await delay(100);
    }
  }

  request(method, params, timeoutMs = 15000) {
    const id = this.nextId++;
    const answer = new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no answer to ${method} (id ${id}) within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, (message) => { clearTimeout(timer); resolve(message); });
    });
    this.child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
    return answer;
  }

  notify(method, params) {
    this.child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method, ...(params ? { params } : {}) })}\n`);
  }

  /** Closes stdin (mcp-remote then shuts down), SIGTERM after 5 s, SIGKILL after 5 more. */
  async stop() {
    if (!this.child.stdin.destroyed) this.child.stdin.end();
    let done = await Promise.race([this.exited, delay(5000).then(() => undefined)]);
    if (!done) {
      this.child.kill('SIGTERM');
      done = await Promise.race([this.exited, delay(5000).then(() => undefined)]);
    }
    if (!done) {
      this.child.kill('SIGKILL');
      done = await this.exited;
    }
    return done;
  }
}

if (nodeTooOld) {
  // A failure, not a skip: build-aux/setup.sh test provides a Node.js that will do.
  test('mcp-remote against gatehouse-server', () => {
    assert.fail(`mcp-remote needs Node.js >= 20.18.1; this is ${process.version} (${process.execPath}). `
      + 'build-aux/setup.sh test installs a pinned one into build-aux/.node, which run.sh puts first on PATH.');
  });
} else {
  const server = useServer();
  const pki = makeTestPki({ ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'] });
  const scratch = mkdtempSync(join(tmpdir(), 'gatehouse-interop-mcp-remote-'));
  const caFile = join(scratch, 'test-ca.pem');
  writeFileSync(caFile, pki.caPem);
  server.serveArgs = ['--ca-file', caFile];

  let mcp;
  let docs;
  const running = new Set();
  after(async () => {
    for (const proxy of running) await proxy.stop();
    await mcp?.stop();
    await docs?.stop();
    if (process.env.INTEROP_KEEP_DATA) process.stderr.write(`# mcp-remote scratch directory kept: ${scratch}\n`);
    else rmSync(scratch, { recursive: true, force: true });
  });

  const setup = new Flow('setup', { server });
  setup.step('gatehouse-server (serve --dev), auto_approve_user=dev, an MCP server whose URL is not listed', async () => {
    await server.start();
    await server.cli(['project', 'set', 'default', 'auto_approve_user=dev']);
    const issuer = server.issuer('default');
    mcp = new McpResourceServer({ issuer, jwksUri: `${issuer}/jwks`, scopes: ['mcp:tools'] });
    await mcp.start();
    docs = new ClientDocumentServer({ tls: pki });
    await docs.start();
    const listed = await server.cli(['resource', 'list']);
    assert.ok(!listed.includes(mcp.url), `the MCP server's URL must not be a listed resource: ${listed}`);
  });

  for (const mode of ['cimd', 'static']) {
    const label = mode === 'cimd'
      ? 'mcp-remote as a CIMD client (--client-metadata-url)'
      : 'mcp-remote with a pre-registered client (--static-oauth-client-info)';
    const flow = new Flow(label, { server, needs: [setup] });
    const s = {};

    flow.step(mode === 'cimd'
      ? 'serve its Client ID Metadata Document over https (no scope in it)'
      : 'client create: a public client with a loopback redirect URI and no scope', async () => {
      s.home = join(scratch, mode);
      s.bin = join(s.home, 'bin');
      mkdirSync(s.bin, { recursive: true });
      s.browser = join(s.bin, 'xdg-open');
      writeFileSync(s.browser, FAKE_BROWSER);
      chmodSync(s.browser, 0o755);
      s.browserLog = join(s.home, 'browser.log');
      s.port = await freePort();
      if (mode === 'cimd') {
        s.path = '/mcp-remote/client.json';
        s.clientId = docs.url(s.path);
        // Served again when the port changes (the server matches a loopback port loosely anyway).
        s.serveDocument = () => docs.serve(s.path, {
          client_id: s.clientId,
          client_name: 'mcp-remote (interop test)',
          redirect_uris: [`http://127.0.0.1:${s.port}/oauth/callback`],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          token_endpoint_auth_method: 'none',
        }, { headers: { 'cache-control': 'public, max-age=300' } });
        s.serveDocument();
        s.clientArgs = ['--client-metadata-url', s.clientId];
      } else {
        const client = await server.cli(['client', 'create', '--name', 'mcp-remote (interop test)',
          '--redirect-uri', 'http://127.0.0.1/oauth/callback',
          '--grant-type', 'authorization_code', '--grant-type', 'refresh_token'], { json: true });
        assert.match(client.client_id, /^client_[0-9a-f]{24}$/, `client create --json: ${show(client)}`);
        assert.equal(client.scope ?? undefined, undefined, `the client registers no scope: ${show(client)}`);
        s.clientId = client.client_id;
        s.clientArgs = ['--static-oauth-client-info', JSON.stringify({ client_id: s.clientId })];
      }
    });

    flow.step('mcp-remote URL PORT --host 127.0.0.1: the stand-in browser authorizes, the proxy is established', async () => {
      const env = { ...process.env };
      for (const name of ['DISPLAY', 'WAYLAND_DISPLAY', 'XDG_CURRENT_DESKTOP', 'XDG_SESSION_DESKTOP',
        'DESKTOP_SESSION', 'KDE_FULL_SESSION', 'GNOME_DESKTOP_SESSION_ID', 'HTTP_PROXY', 'HTTPS_PROXY',
        'http_proxy', 'https_proxy']) delete env[name];
      Object.assign(env, {
        HOME: s.home,
        MCP_REMOTE_CONFIG_DIR: join(s.home, '.mcp-auth'),
        PATH: `${s.bin}:${process.env.PATH}`,
        BROWSER: s.browser,
        FAKE_BROWSER_LOG: s.browserLog,
      });
      // The callback's error: mcp-remote would wait for its auth timeout before giving up.
      const refused = () => {
        if (!existsSync(s.browserLog)) return undefined;
        for (const line of readFileSync(s.browserLog, 'utf8').trim().split('\n')) {
          let entry;
          try { entry = JSON.parse(line); } catch { continue; }
          const back = entry.location ? new URL(entry.location) : undefined;
          if (back?.searchParams.get('error')) {
            return `${back.searchParams.get('error')}: ${back.searchParams.get('error_description')}`;
          }
        }
        return undefined;
      };
      // The static client's first attempt finds its port taken on purpose, as freePort()'s
      // race would leave it: the retry is tested on every run.
      let squatter;
      if (mode === 'static') {
        // Hangs up at once (mcp-remote asks a port's holder whether it is a sibling instance).
        squatter = createServer((socket) => socket.destroy());
        await new Promise((resolve, reject) => {
          squatter.once('error', reject);
          squatter.listen(s.port, '127.0.0.1', resolve);
        });
      }
      s.attempts = [];
      for (let attempt = 1; ; attempt++) {
        const args = [mcp.url, String(s.port), '--host', '127.0.0.1', ...s.clientArgs];
        s.proxy = new McpRemote({ args, env });
        running.add(s.proxy);
        const portTaken = () => (PORT_TAKEN.test(s.proxy.stderr) ? `port ${s.port} taken` : undefined);
        try {
          await s.proxy.established(CONNECT_TIMEOUT_MS, () => portTaken() ?? refused());
          s.attempts.push({ port: s.port, established: true });
          break;
        } catch (err) {
          const taken = portTaken();
          s.attempts.push({ port: s.port, taken: !!taken });
          if (taken && attempt < PORT_ATTEMPTS) {
            await s.proxy.stop();
            running.delete(s.proxy);
            if (squatter) await new Promise((resolve) => squatter.close(resolve));
            squatter = undefined;
            s.port = await freePort();
            s.serveDocument?.();
            continue;
          }
          if (squatter) await new Promise((resolve) => squatter.close(resolve));
          const opened = existsSync(s.browserLog) ? readFileSync(s.browserLog, 'utf8') : '(the browser was never opened)\n';
          err.message += `\n  mcp-remote ${args.join(' ')} (attempts: ${show(s.attempts)})\n  stand-in browser:\n${opened}  MCP server: ${mcp.describe()}\n  mcp-remote stderr:\n${s.proxy.stderr}`;
          throw err;
        }
      }
      if (mode === 'static') {
        assert.equal(s.attempts.length, 2, `the taken port must be noticed and another tried: ${show(s.attempts)}`);
        assert.ok(s.attempts[0].taken, show(s.attempts));
      }
    }, { timeout: CONNECT_TIMEOUT_MS + 20000 });  // a taken port is noticed within seconds

    flow.step('the authorization: this client_id, resource = the MCP server, scope mcp:tools, a code', async () => {
      const entries = readFileSync(s.browserLog, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      const opened = entries.filter((e) => e.opened);
      assert.equal(opened.length, 1, `the browser must be opened once: ${show(entries)}`);
      const url = new URL(opened[0].opened);
      assert.equal(`${url.origin}${url.pathname}`, `${server.issuer('default')}/authorize`, show(opened[0]));
      assert.equal(url.searchParams.get('client_id'), s.clientId, show(opened[0]));
      assert.equal(url.searchParams.get('resource'), mcp.url, show(opened[0]));
      assert.ok(url.searchParams.get('scope').split(' ').includes('mcp:tools'), show(opened[0]));
      const back = new URL(opened[0].location);
      assert.equal(`${back.origin}${back.pathname}`, `http://127.0.0.1:${s.port}/oauth/callback`, show(opened[0]));
      assert.equal(back.searchParams.get('error'), null, `the authorization was refused: ${show(opened[0])}`);
      assert.ok(back.searchParams.get('code'), show(opened[0]));
      assert.equal(back.searchParams.get('iss'), server.issuer('default'), show(opened[0]));
      const token = mcp.tokens.at(-1);
      assert.ok(token, `the MCP server accepted no token: ${mcp.describe()}`);
      assert.equal(token.client_id, s.clientId, show(token));
      assert.equal(token.aud, mcp.url, show(token));
      assert.equal(token.sub, 'dev', show(token));
    });

    flow.step('JSON-RPC through stdio: initialize, tools/list, tools/call whoami', async () => {
      const init = await s.proxy.request('initialize', {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'gatehouse-interop', version: '1.0.0' },
      });
      assert.equal(init.error, undefined, show(init));
      assert.equal(init.result?.serverInfo?.name, 'gatehouse-interop-mcp', show(init));
      s.proxy.notify('notifications/initialized');
      const list = await s.proxy.request('tools/list', {});
      assert.equal(list.error, undefined, show(list));
      assert.deepEqual(list.result.tools.map((t) => t.name), ['whoami'], show(list));
      const call = await s.proxy.request('tools/call', { name: 'whoami', arguments: {} });
      assert.equal(call.error, undefined, show(call));
      const who = JSON.parse(call.result.content[0].text);
      assert.equal(who.client_id, s.clientId, show(who));
      assert.ok(who.scope.split(' ').includes('mcp:tools'), show(who));
    });

    flow.step('the resource is recorded with the scope granted for it; mcp-remote stops when stdin closes', async () => {
      const listed = await server.cli(['resource', 'list']);
      const line = listed.split('\n').find((l) => l.startsWith(`${mcp.url} `));
      assert.ok(line, `resource list must show ${mcp.url}: ${listed}`);
      assert.match(line, /\brecorded\b/, line);
      assert.match(line, /\bmcp:tools\b/, line);
      const done = await s.proxy.stop();
      running.delete(s.proxy);
      assert.equal(done.signal, null, `mcp-remote had to be killed: ${show(done)}\n${s.proxy.stderr}`);
    });
  }

  stopStep(server);
}
