// tests/interop/harness.mjs — shared pieces of the interop tests: a gatehouse-server of
// their own, its CLI, an HTTP recorder for diagnostics, and flows of dependent steps.
//
// Copyright 2026 The Gatehouse developers
// SPDX-License-Identifier: GPL-3.0-or-later

import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { test, after } from 'node:test';

/** Time one step may take (a step makes a few HTTP requests to a server on loopback). */
export const STEP_TIMEOUT_MS = Number(process.env.INTEROP_STEP_TIMEOUT_MS || 30000);
/** Time one HTTP request may take. */
export const HTTP_TIMEOUT_MS = Number(process.env.INTEROP_HTTP_TIMEOUT_MS || 15000);
/** Time the server may take to print its URL, and one CLI command to finish. */
const START_TIMEOUT_MS = 20000;
const CLI_TIMEOUT_MS = 20000;

const MAX_BODY_CHARS = 1500;

function truncate(text, max = MAX_BODY_CHARS) {
  if (typeof text !== 'string') return text;
  return text.length > max ? `${text.slice(0, max)}... (${text.length} chars)` : text;
}

// ---------------------------------------------------------------------------------------------
// HTTP recorder: a fetch that remembers every exchange, so a failing step can say what the
// server answered.

const INTERESTING_HEADERS = ['location', 'content-type', 'cache-control', 'pragma', 'www-authenticate', 'set-cookie'];

export class HttpRecorder {
  constructor() {
    this.exchanges = [];
    this.fetch = this.fetch.bind(this);
  }

  async fetch(input, init = {}) {
    const isRequest = typeof Request !== 'undefined' && input instanceof Request;
    const url = isRequest ? input.url : String(input);
    const method = (init.method || (isRequest ? input.method : 'GET')).toUpperCase();
    let requestBody;
    if (init.body !== undefined && init.body !== null) {
      requestBody = init.body instanceof URLSearchParams ? init.body.toString() : String(init.body);
    }
    const options = { ...init };
    if (!options.signal) {
      options.signal = AbortSignal.timeout(HTTP_TIMEOUT_MS);
    }
    const exchange = {
      method, url, requestBody, authorization: requestAuthorization(input, init),
      status: undefined, headers: {}, body: undefined, rawBody: undefined,
    };
    this.exchanges.push(exchange);
    let response;
    try {
      response = await fetch(input, options);
    } catch (err) {
      exchange.error = `${err.name}: ${err.message}${err.cause ? ` (${err.cause.code || err.cause.message || err.cause})` : ''}`;
      throw err;
    }
    exchange.status = response.status;
    for (const name of INTERESTING_HEADERS) {
      const value = response.headers.get(name);
      if (value !== null) exchange.headers[name] = value;
    }
    try {
      exchange.rawBody = await response.clone().text();
      exchange.body = truncate(exchange.rawBody);
    } catch (err) {
      exchange.body = `(body unreadable: ${err.message})`;
    }
    return response;
  }

  /** Index to pass to describeSince(). */
  mark() {
    return this.exchanges.length;
  }

  /** The exchanges since `mark`, for an error message. */
  describeSince(mark, max = 8) {
    const list = this.exchanges.slice(mark).slice(-max);
    if (list.length === 0) return '  (no HTTP exchange in this step)';
    return list.map(describeExchange).join('\n');
  }

  /** The parsed JSON body of an exchange (the whole body, not the truncated one for logs). */
  static json(exchange) {
    try {
      return JSON.parse(exchange.rawBody);
    } catch (err) {
      throw new Error(`${exchange.method} ${exchange.url}: the response body is not JSON (${err.message}): ${exchange.body}`);
    }
  }

  /** The last exchange whose URL starts with `prefix` (and method, when given). */
  last(prefix, method) {
    for (let i = this.exchanges.length - 1; i >= 0; i--) {
      const e = this.exchanges[i];
      if (e.url.startsWith(prefix) && (!method || e.method === method)) return e;
    }
    return undefined;
  }
}

// The request's Authorization header for logs: the scheme and the start of the credential.
function requestAuthorization(input, init) {
  let value = null;
  try {
    if (init.headers !== undefined) value = new Headers(init.headers).get('authorization');
    else if (typeof Request !== 'undefined' && input instanceof Request) value = input.headers.get('authorization');
  } catch {
    return '(unreadable headers)';
  }
  if (!value) return undefined;
  const space = value.indexOf(' ');
  if (space < 0) return `${value.slice(0, 6)}...`;
  return `${value.slice(0, space)} ${value.slice(space + 1, space + 11)}...`;
}

export function describeExchange(e) {
  const lines = [`  ${e.method} ${e.url}`];
  if (e.authorization) lines.push(`    request authorization: ${e.authorization}`);
  if (e.requestBody) lines.push(`    request body: ${truncate(redactForm(e.requestBody), 600)}`);
  if (e.error) {
    lines.push(`    -> network error: ${e.error}`);
    return lines.join('\n');
  }
  lines.push(`    -> HTTP ${e.status}`);
  for (const [name, value] of Object.entries(e.headers)) lines.push(`    ${name}: ${value}`);
  if (e.body) lines.push(`    body: ${e.body}`);
  return lines.join('\n');
}

// Long secrets (codes, tokens, verifiers) are shortened in logs; they are test values on a
// throwaway server, so their beginning is kept to tell them apart.
function redactForm(body) {
  if (/^\s*[{[]/.test(body)) return body; // JSON (a registration request): nothing secret in it
  try {
    const params = new URLSearchParams(body);
    for (const [k, v] of params) {
      if (v.length > 40) params.set(k, `${v.slice(0, 16)}...`);
    }
    return params.toString();
  } catch {
    return body;
  }
}

// ---------------------------------------------------------------------------------------------
// The server under test.

export class GatehouseServer {
  constructor() {
    this.binary = process.env.GATEHOUSE_SERVER;
    this.dataDir = undefined;
    this.child = undefined;
    this.base = undefined;
    this.stdout = '';
    this.stderr = '';
    this.cliLog = [];
    this.failed = false;
    this.exited = undefined;
    /** More `serve` options (set before start()), e.g. ['--ca-file', PEM]. */
    this.serveArgs = [];
  }

  commonArgs() {
    return ['--data-dir', this.dataDir, '--secrets', 'file'];
  }

  async start() {
    if (!this.binary) {
      throw new Error('GATEHOUSE_SERVER is not set: it must name the gatehouse-server binary (meson sets it)');
    }
    this.dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-interop-'));
    const args = ['serve', '--dev', '--listen', '127.0.0.1:0', ...this.serveArgs, ...this.commonArgs()];
    this.child = spawn(this.binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout.setEncoding('utf8');
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (chunk) => { this.stderr += chunk; });
    const exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exited = { code, signal };
        resolve(this.exited);
      });
    });
    this.exitedPromise = exited;
    const listening = new Promise((resolve, reject) => {
      this.child.on('error', reject);
      this.child.stdout.on('data', (chunk) => {
        this.stdout += chunk;
        const m = /^listening on (https?:\/\/\S+)\s*$/m.exec(this.stdout);
        if (m) resolve(m[1]);
      });
    });
    const base = await withTimeout(
      Promise.race([
        listening,
        exited.then(({ code, signal }) => {
          throw new Error(`gatehouse-server exited before listening (code ${code}, signal ${signal})`);
        }),
      ]),
      START_TIMEOUT_MS,
      'gatehouse-server did not print "listening on URL"',
    ).catch((err) => {
      this.failed = true;
      throw new Error(`${err.message}\n  command: ${this.binary} ${args.join(' ')}\n  stdout: ${this.stdout}\n  stderr:\n${this.stderr}`);
    });
    this.base = base.replace(/\/$/, '');
    return this.base;
  }

  /** Issuer of a project: the root for "default", {base}/p/{slug} otherwise. */
  issuer(slug = 'default') {
    return slug === 'default' ? this.base : `${this.base}/p/${slug}`;
  }

  /**
   * Runs `gatehouse-server ARGS --data-dir DIR --secrets file` and returns { code, stdout,
   * stderr, printable, killed } whatever its exit status (for commands expected to fail).
   */
  async cliStatus(args, { json = false } = {}) {
    const fullArgs = [...args, ...this.commonArgs(), ...(json ? ['--json'] : [])];
    const printable = `gatehouse-server ${fullArgs.map(shellQuote).join(' ')}`;
    const { code, stdout, stderr, error } = await new Promise((resolve) => {
      execFile(this.binary, fullArgs, { timeout: CLI_TIMEOUT_MS, maxBuffer: 4 << 20 }, (err, out, errOut) => {
        resolve({ code: err ? (err.code ?? (err.signal ? `signal ${err.signal}` : 'killed')) : 0, stdout: out, stderr: errOut, error: err });
      });
    });
    this.cliLog.push(`$ ${printable}\n  exit ${code}\n  stdout: ${truncate(stdout)}\n  stderr: ${truncate(stderr)}`);
    return { code, stdout, stderr, printable, killed: Boolean(error?.killed), error };
  }

  /** Runs `gatehouse-server ARGS --data-dir DIR --secrets file`; returns stdout (parsed when json). */
  async cli(args, { json = false } = {}) {
    const { code, stdout, stderr, printable, error } = await this.cliStatus(args, { json });
    if (error) {
      throw new Error(`CLI failed (exit ${code}${error.killed ? ', killed after timeout' : ''}): ${printable}\n  stdout: ${truncate(stdout)}\n  stderr: ${truncate(stderr)}`);
    }
    if (!json) return stdout;
    try {
      return JSON.parse(stdout);
    } catch (err) {
      throw new Error(`CLI printed no JSON: ${printable}\n  ${err.message}\n  stdout: ${truncate(stdout)}`);
    }
  }

  /** Stops the server with SIGTERM (SIGKILL after 5 s); returns a problem to report, or undefined. */
  async stop() {
    if (!this.child) return undefined;
    let problem;
    if (!this.exited) {
      this.child.kill('SIGTERM');
      const done = await Promise.race([this.exitedPromise, delay(5000).then(() => undefined)]);
      if (!done) {
        problem = 'gatehouse-server did not stop within 5 s of SIGTERM: killed';
        this.child.kill('SIGKILL');
        await this.exitedPromise;
      } else if (done.code !== 0) {
        problem = `gatehouse-server exited with status ${done.code} (signal ${done.signal}) after SIGTERM; expected 0`;
      }
    } else {
      problem = `gatehouse-server had exited by itself during the tests: code ${this.exited.code}, signal ${this.exited.signal}`;
    }
    if (problem) {
      this.failed = true;
      this.stderr += `\n(${problem})\n`;
    }
    if (this.failed) {
      this.dump();
    }
    if (this.dataDir && !process.env.INTEROP_KEEP_DATA) {
      rmSync(this.dataDir, { recursive: true, force: true });
    } else if (this.dataDir) {
      process.stderr.write(`# data directory kept: ${this.dataDir}\n`);
    }
    this.child = undefined;
    return problem;
  }

  /** Synchronous last resort when the test process goes away. */
  killNow() {
    if (this.child && !this.exited) {
      try { this.child.kill('SIGKILL'); } catch { /* already gone */ }
    }
  }

  dump() {
    const out = process.stderr;
    out.write(`\n==== gatehouse-server (${this.base || 'not listening'}) stderr ====\n${this.stderr}\n`);
    if (this.cliLog.length) {
      out.write(`==== gatehouse-server CLI commands ====\n${this.cliLog.join('\n')}\n`);
    }
    out.write('==== end of gatehouse-server logs ====\n');
  }
}

function shellQuote(s) {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${String(s).replace(/'/g, `'\\''`)}'`;
}

const liveServers = new Set();
function killAll() {
  for (const s of liveServers) s.killNow();
}
process.on('exit', killAll);
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
  process.on(sig, () => {
    for (const s of liveServers) {
      s.killNow();
      s.dump();
    }
    process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGHUP' ? 1 : 15));
  });
}

/**
 * Starts one server for this test file: its start is a test step of its own, and it is
 * stopped after all tests, failed or not; its stderr is printed when anything failed.
 */
export function useServer() {
  const server = new GatehouseServer();
  liveServers.add(server);
  after(async () => {
    await server.stop();
    liveServers.delete(server);
  });
  return server;
}

/**
 * The last test of a file: the server stops cleanly on SIGTERM (and had not died before).
 * Registered after every flow, so it runs last and whatever failed before.
 */
export function stopStep(server) {
  test('teardown: gatehouse-server stops with status 0 on SIGTERM', { timeout: 15000 }, async (t) => {
    if (!server.child) {
      t.skip('the server was not started');
      return;
    }
    const problem = await server.stop();
    liveServers.delete(server);
    if (problem) throw new Error(problem);
  });
}

// ---------------------------------------------------------------------------------------------
// Flows: a sequence of steps where each needs the ones before it. Each step is a top-level
// node:test test (one TAP line for meson); after a failed step the rest of its flow is
// reported as skipped, naming the step that failed.

export class Flow {
  constructor(name, { server, recorder, needs = [] } = {}) {
    this.name = name;
    this.server = server;
    this.recorder = recorder;
    this.needs = needs;
    this.broken = undefined;
  }

  /**
   * `todo`: a known server problem, reported as "not ok # TODO" (meson: expected fail) while
   * it lasts, and as an unexpected pass (a failure) once fixed, so the marker gets removed; a
   * todo step that fails does not break its flow.
   */
  step(title, fn, { timeout = STEP_TIMEOUT_MS, todo } = {}) {
    const full = `${this.name}: ${title}`;
    test(full, { timeout: timeout + 5000, ...(todo ? { todo } : {}) }, async (t) => {
      for (const other of this.needs) {
        if (other.broken) {
          t.skip(`needs flow "${other.name}", whose step "${other.broken}" failed`);
          return;
        }
      }
      if (this.broken) {
        t.skip(`earlier step "${this.broken}" failed`);
        return;
      }
      const mark = this.recorder ? this.recorder.mark() : 0;
      try {
        await withTimeout(Promise.resolve().then(() => fn(t)), timeout, `step timed out after ${timeout} ms`);
      } catch (err) {
        if (!todo) {
          this.broken = title;
          if (this.server) this.server.failed = true;
        }
        throw decorate(err, full, this.recorder ? this.recorder.describeSince(mark) : undefined);
      }
    });
  }
}

function describeError(err, depth = 0) {
  if (!(err instanceof Error)) return `${typeof err === 'object' ? JSON.stringify(err) : String(err)}`;
  const parts = [`${err.name}: ${err.message}`];
  for (const key of ['code', 'error', 'error_description', 'status', 'errorCode']) {
    if (err[key] !== undefined && typeof err[key] !== 'function') parts.push(`${key}=${JSON.stringify(err[key])}`);
  }
  const ctorCode = err.constructor?.errorCode;
  if (ctorCode) parts.push(`oauth error=${ctorCode}`);
  if (err.cause !== undefined && depth < 3) {
    const cause = err.cause;
    if (cause instanceof Error) {
      parts.push(`\n  cause: ${describeError(cause, depth + 1)}`);
    } else if (typeof Response !== 'undefined' && cause instanceof Response) {
      parts.push(`\n  cause: HTTP ${cause.status} response`);
    } else {
      let text;
      try { text = JSON.stringify(cause); } catch { text = String(cause); }
      parts.push(`\n  cause: ${truncate(text, 1200)}`);
    }
  }
  return parts.join(' ');
}

function decorate(err, stepName, http) {
  // No blank lines: the TAP reporter puts the message in a YAML block, which a blank line
  // would end early for meson's TAP parser.
  const message = `[${stepName}] ${describeError(err)}${http ? `\n  HTTP exchanges of this step:\n${http}` : ''}`
    .split('\n').filter((line) => line.trim() !== '').join('\n');
  const wrapped = new Error(message);
  const frames = (err && err.stack) ? err.stack.split('\n').filter((l) => /^\s+at /.test(l)) : [];
  wrapped.stack = `Error: ${message}\n${frames.join('\n')}`;
  return wrapped;
}

// ---------------------------------------------------------------------------------------------
// Small helpers.

export function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms).unref?.());
}

export async function withTimeout(promise, ms, message) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** base64url(left half of SHA-256(ascii)): the OIDC at_hash of an access token for ES256/RS256. */
export function atHash(accessToken) {
  const digest = createHash('sha256').update(accessToken, 'ascii').digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

/** A random loopback port-ish number for URLs nothing listens on (a redirect_uri, an MCP URL). */
export function unusedPortish() {
  return 40000 + Math.floor(Math.random() * 20000);
}

/**
 * Runs the auto-approve authorization: GET the authorization URL without following redirects;
 * hops that stay on the authorization server (login, consent) are followed, with cookies, up
 * to a few; the answer must be a 302/303 to `redirectUri`. Returns the callback URL.
 */
export async function followAuthorization(recorder, authorizationUrl, redirectUri, { maxHops = 5 } = {}) {
  const asOrigin = new URL(authorizationUrl).origin;
  const cookies = new Map();
  let url = String(authorizationUrl);
  for (let hop = 0; hop <= maxHops; hop++) {
    const headers = {};
    if (cookies.size) headers.cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await recorder.fetch(url, { redirect: 'manual', headers });
    const body = await response.text();
    for (const c of getSetCookies(response)) {
      const pair = c.split(';', 1)[0];
      const eq = pair.indexOf('=');
      if (eq > 0) cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    if (response.status !== 302 && response.status !== 303 && response.status !== 307) {
      throw new Error(`authorization: expected a 302/303 redirect (auto-approve) from GET ${url}, got HTTP ${response.status}: ${truncate(body, 800)}`);
    }
    const location = response.headers.get('location');
    if (!location) {
      throw new Error(`authorization: HTTP ${response.status} from GET ${url} without a Location header`);
    }
    const next = new URL(location, url);
    if (next.href.startsWith(redirectUri) && (next.href.length === redirectUri.length || '?#'.includes(next.href[redirectUri.length]))) {
      if (response.status === 307) {
        throw new Error(`authorization: the redirect to the client is a 307 (must be 302 or 303; a 307 would repeat a POST body)`);
      }
      return next;
    }
    if (next.origin !== asOrigin) {
      throw new Error(`authorization: redirected to ${next.href}, neither the authorization server nor the redirect_uri ${redirectUri}`);
    }
    url = next.href;
  }
  throw new Error(`authorization: more than ${maxHops} redirects on the authorization server without reaching ${redirectUri}`);
}

function getSetCookies(response) {
  if (typeof response.headers.getSetCookie === 'function') return response.headers.getSetCookie();
  const raw = response.headers.get('set-cookie');
  return raw ? raw.split(/,(?=[^;]+=)/) : [];
}

/** Checks a callback URL per RFC 6749 §4.1.2 and RFC 9207; returns the code. */
export function checkCallback(callback, { state, issuer }) {
  const p = callback.searchParams;
  if (p.get('error')) {
    throw new Error(`authorization: the redirect carries error=${p.get('error')} error_description=${p.get('error_description')} (${callback.href})`);
  }
  const code = p.get('code');
  if (!code) throw new Error(`authorization: no code in the redirect ${callback.href}`);
  if (p.get('state') !== state) {
    throw new Error(`authorization: state ${JSON.stringify(p.get('state'))} in the redirect, sent ${JSON.stringify(state)} (RFC 6749 §4.1.2)`);
  }
  if (p.get('iss') !== issuer) {
    throw new Error(`authorization: iss ${JSON.stringify(p.get('iss'))} in the redirect, expected the issuer ${JSON.stringify(issuer)} (RFC 9207 §2)`);
  }
  return code;
}

/** A readable JSON excerpt for assertion messages. */
export function show(value) {
  try {
    return truncate(JSON.stringify(value), 800);
  } catch {
    return String(value);
  }
}

// ---------------------------------------------------------------------------------------------
// A throwaway certificate authority, so that a test can serve HTTPS on loopback and the server
// (started with `--ca-file`) verifies it. The certificates are built here in DER (ECDSA P-256,
// SHA-256, one day of validity) so the tests need nothing but node.

function derLength(n) {
  if (n < 0x80) return Buffer.from([n]);
  const bytes = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
function der(tag, ...parts) {
  const content = Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p))));
  return Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
}
const derSeq = (...parts) => der(0x30, ...parts);
function derOid(text) {
  const [a, b, ...rest] = text.split('.').map(Number);
  const out = [40 * a + b];
  for (const n of rest) {
    const chunk = [n & 0x7f];
    for (let v = n >>> 7; v > 0; v >>>= 7) chunk.unshift(0x80 | (v & 0x7f));
    out.push(...chunk);
  }
  return der(0x06, Buffer.from(out));
}
function derUnsigned(buf) {
  return der(0x02, buf[0] & 0x80 ? Buffer.concat([Buffer.from([0]), buf]) : buf);
}
function derTime(date) {
  return der(0x17, Buffer.from(`${date.toISOString().replace(/[-:T]/g, '').slice(2, 14)}Z`, 'ascii'));
}
const derName = (cn) => derSeq(der(0x31, derSeq(derOid('2.5.4.3'), der(0x0c, Buffer.from(cn, 'utf8')))));
const derExtension = (oid, critical, value) =>
  derSeq(derOid(oid), ...(critical ? [der(0x01, [0xff])] : []), der(0x04, value));
const ECDSA_WITH_SHA256 = derSeq(derOid('1.2.840.10045.4.3.2'));

function makeCertificate({ subject, issuer, publicKey, signingKey, ca, ipAddresses = [], dnsNames = [] }) {
  const now = Date.now();
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const extensions = [
    derExtension('2.5.29.19', true, ca ? derSeq(der(0x01, [0xff])) : derSeq()),
    // keyUsage: keyCertSign + cRLSign for the CA, digitalSignature for a server.
    derExtension('2.5.29.15', true, ca ? der(0x03, [0x01, 0x06]) : der(0x03, [0x07, 0x80])),
    derExtension('2.5.29.14', false, der(0x04, createHash('sha1').update(spki).digest())),
  ];
  if (!ca) {
    extensions.push(derExtension('2.5.29.37', false, derSeq(derOid('1.3.6.1.5.5.7.3.1'))));
    const names = [
      ...ipAddresses.map((ip) => der(0x87, Buffer.from(ip.split('.').map(Number)))),
      ...dnsNames.map((n) => der(0x82, Buffer.from(n, 'ascii'))),
    ];
    extensions.push(derExtension('2.5.29.17', false, derSeq(...names)));
  }
  const serial = randomBytes(12);
  serial[0] = (serial[0] & 0x3f) | 0x40;  // positive, and no leading zero byte (DER is minimal)
  const tbs = derSeq(
    der(0xa0, der(0x02, [2])), // v3
    derUnsigned(serial),
    ECDSA_WITH_SHA256,
    derName(issuer),
    derSeq(derTime(new Date(now - 3600e3)), derTime(new Date(now + 86400e3))),
    derName(subject),
    spki,
    der(0xa3, derSeq(...extensions)),
  );
  const signature = sign('sha256', tbs, { key: signingKey, dsaEncoding: 'der' });
  const cert = derSeq(tbs, ECDSA_WITH_SHA256, der(0x03, Buffer.concat([Buffer.from([0]), signature])));
  return `-----BEGIN CERTIFICATE-----\n${cert.toString('base64').match(/.{1,64}/g).join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** A test CA (`caPem`) and a server certificate it signed (`certPem`, `keyPem`) for hosts. */
export function makeTestPki({ ipAddresses = ['127.0.0.1'], dnsNames = ['localhost'] } = {}) {
  const caKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const caName = `Gatehouse interop test CA ${randomBytes(4).toString('hex')}`;
  const caPem = makeCertificate({
    subject: caName, issuer: caName, publicKey: caKeys.publicKey, signingKey: caKeys.privateKey, ca: true,
  });
  const serverKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const certPem = makeCertificate({
    subject: ipAddresses[0] || dnsNames[0], issuer: caName, publicKey: serverKeys.publicKey,
    signingKey: caKeys.privateKey, ca: false, ipAddresses, dnsNames,
  });
  // Parse both back, so a broken encoding fails here and not as a TLS error in the server.
  const caCert = new X509Certificate(caPem);
  const serverCert = new X509Certificate(certPem);
  if (!serverCert.checkIssued(caCert) || !serverCert.verify(caCert.publicKey)) {
    throw new Error('makeTestPki: the server certificate does not verify against the test CA');
  }
  return { caPem, certPem, keyPem: serverKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }) };
}

// ---------------------------------------------------------------------------------------------
// A client's web site serving Client ID Metadata Documents (CIMD), over HTTP or HTTPS on
// 127.0.0.1, port 0. Documents are set per path; every request is counted and remembered.

export class ClientDocumentServer {
  /** tls: { certPem, keyPem } for HTTPS, undefined for plain HTTP. */
  constructor({ tls } = {}) {
    this.documents = new Map();
    this.requests = [];
    const handler = (req, res) => this.handle(req, res);
    this.http = tls ? createHttpsServer({ cert: tls.certPem, key: tls.keyPem }, handler) : createHttpServer(handler);
    this.scheme = tls ? 'https' : 'http';
  }

  async start() {
    await new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(0, '127.0.0.1', resolve);
    });
    this.origin = `${this.scheme}://127.0.0.1:${this.http.address().port}`;
    return this.origin;
  }

  /** Serves `document` (an object, serialized here, or a string) at `path`; returns its URL. */
  serve(path, document, { contentType = 'application/json', headers = {}, status = 200 } = {}) {
    const body = typeof document === 'string' ? document : JSON.stringify(document, null, 2);
    this.documents.set(path, { body, status, headers: { 'content-type': contentType, ...headers } });
    return `${this.origin}${path}`;
  }

  /** The URL of `path` on this server. */
  url(path) {
    return `${this.origin}${path}`;
  }

  /** How many requests `path` received. */
  count(path) {
    return this.requests.filter((r) => r.path === path).length;
  }

  describe() {
    return this.requests.map((r) => `${r.method} ${r.path} accept=${r.accept ?? '-'}`).join('; ') || '(none)';
  }

  handle(req, res) {
    const path = new URL(req.url, 'http://x').pathname;
    this.requests.push({ method: req.method, path, accept: req.headers.accept, userAgent: req.headers['user-agent'] });
    const doc = this.documents.get(path);
    if (!doc || req.method !== 'GET') {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found\n');
      return;
    }
    res.writeHead(doc.status, { ...doc.headers, 'content-length': Buffer.byteLength(doc.body) });
    res.end(doc.body);
  }

  async stop() {
    this.http.closeAllConnections?.();
    await new Promise((resolve) => this.http.close(() => resolve()));
  }
}

// ---------------------------------------------------------------------------------------------
// A real MCP server (the SDK's McpServer over Streamable HTTP, stateless) protected by
// Gatehouse: RFC 9728 metadata naming the authorization server, 401 with
// `WWW-Authenticate: Bearer resource_metadata=...` without a valid access token (an RFC 9068
// JWT verified against jwks_uri, `aud` = its URL), 403 insufficient_scope without its scopes.
// One tool, `whoami`, answers with the token's sub, client_id, scope and aud.

export class McpResourceServer {
  constructor({ issuer, jwksUri, scopes = ['mcp:tools'] }) {
    this.issuer = issuer;
    this.jwksUri = jwksUri;
    this.scopes = scopes;
    /** Every access token accepted, as its verified claims. */
    this.tokens = [];
    /** Every request: { method, path, status }. */
    this.requests = [];
    this.http = createHttpServer((req, res) => {
      this.handle(req, res).catch((err) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(err?.stack || err));
      });
    });
  }

  async start() {
    const { createRemoteJWKSet } = await import('jose');
    this.jwks = createRemoteJWKSet(new URL(this.jwksUri), { timeoutDuration: HTTP_TIMEOUT_MS });
    await new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(0, '127.0.0.1', resolve);
    });
    const origin = `http://127.0.0.1:${this.http.address().port}`;
    this.url = `${origin}/mcp`;
    this.metadataUrl = `${origin}/.well-known/oauth-protected-resource/mcp`;
    return this.url;
  }

  describe() {
    return this.requests.map((r) => `${r.method} ${r.path} -> ${r.status}`).join('; ') || '(none)';
  }

  async handle(req, res) {
    const path = new URL(req.url, 'http://x').pathname;
    const entry = { method: req.method, path, status: 0 };
    this.requests.push(entry);
    res.on('finish', () => { entry.status = res.statusCode; });
    if (path === '/.well-known/oauth-protected-resource/mcp') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({
        resource: this.url,
        authorization_servers: [this.issuer],
        scopes_supported: this.scopes,
        bearer_methods_supported: ['header'],
      }));
      return;
    }
    if (path !== '/mcp') {
      res.writeHead(404).end();
      return;
    }
    const challenge = `Bearer resource_metadata="${this.metadataUrl}"`;
    const m = /^Bearer (\S+)$/i.exec(req.headers.authorization || '');
    if (!m) {
      res.writeHead(401, { 'www-authenticate': challenge, 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'unauthorized' }));
      return;
    }
    const { jwtVerify } = await import('jose');
    let payload;
    try {
      ({ payload } = await jwtVerify(m[1], this.jwks, { issuer: this.issuer, audience: this.url, typ: 'at+jwt' }));
    } catch (err) {
      const why = String(err.code || err.message).replace(/"/g, "'");
      res.writeHead(401, {
        'www-authenticate': `${challenge}, error="invalid_token", error_description="${why}"`,
        'content-type': 'application/json',
      });
      res.end(JSON.stringify({ error: 'invalid_token', error_description: err.message }));
      return;
    }
    const granted = String(payload.scope || '').split(' ');
    const missing = this.scopes.filter((s) => !granted.includes(s));
    if (missing.length) {
      res.writeHead(403, {
        'www-authenticate': `${challenge}, error="insufficient_scope", scope="${this.scopes.join(' ')}"`,
        'content-type': 'application/json',
      });
      res.end(JSON.stringify({ error: 'insufficient_scope', missing }));
      return;
    }
    this.tokens.push(payload);

    const { McpServer } = await import('@modelcontextprotocol/sdk/server/mcp.js');
    const { StreamableHTTPServerTransport } = await import('@modelcontextprotocol/sdk/server/streamableHttp.js');
    const server = new McpServer({ name: 'gatehouse-interop-mcp', version: '1.0.0' });
    server.registerTool('whoami', { description: 'Who the access token of this request names' }, async () => ({
      content: [{
        type: 'text',
        text: JSON.stringify({ sub: payload.sub, client_id: payload.client_id, scope: payload.scope, aud: payload.aud }),
      }],
    }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      transport.close().catch(() => {});
      server.close().catch(() => {});
    });
    await server.connect(transport);
    await transport.handleRequest(req, res);
  }

  async stop() {
    this.http.closeAllConnections?.();
    await new Promise((resolve) => this.http.close(() => resolve()));
  }
}
