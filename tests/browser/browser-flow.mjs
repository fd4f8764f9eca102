// tests/browser/browser-flow.mjs — a person authorizing a client in a real browser, for
// tests/gui/test-flows-live.c (the console watches the flow in Live flows): Debian's Chromium,
// headless, driven through the DevTools protocol by puppeteer-core, keyboard only (Tab, Enter;
// no click, no auto-approve user): /authorize, the login page (sign in as `dev`), the consent
// page (Allow), back at the client's redirect URI; then the client's own token exchange.
// Not a node:test file: run by tests/browser/run.sh --dir DIR browser-flow.mjs.
//
// Copyright 2026 The Gatehouse developers
// SPDX-License-Identifier: GPL-3.0-or-later
//
// In: GATEHOUSE_FLOW_ISSUER (the default project's issuer, at the server's root),
// GATEHOUSE_FLOW_ADMIN_TOKEN (to register the client through the admin API),
// GATEHOUSE_CHROMIUM (run.sh sets it); GATEHOUSE_FLOW_SHOTS=DIR saves login.png and consent.png
// there, as the browser showed them. Out: one JSON line on stdout, {"ok": true, "client_id",
// "finished_at_us", "navigations"}, or {"ok": false, "error"} and status 1.

import { createHash, randomBytes } from 'node:crypto';
import puppeteer from 'puppeteer-core';

import { ClientDocumentServer, HttpRecorder, checkCallback } from './harness.mjs';

const issuer = process.env.GATEHOUSE_FLOW_ISSUER;
const adminToken = process.env.GATEHOUSE_FLOW_ADMIN_TOKEN;
const chromium = process.env.GATEHOUSE_CHROMIUM || '/usr/bin/chromium';
const shots = process.env.GATEHOUSE_FLOW_SHOTS;
const TIMEOUT_MS = 20000;

const recorder = new HttpRecorder();
const site = new ClientDocumentServer();   // the client's web site: its redirect URI
const navigations = [];
let browser;

/** The element with the keyboard focus, as { tag, name, value }. */
function focusOf(page) {
  return page.evaluate(() => {
    const e = document.activeElement;
    return e && e !== document.body
      ? { tag: e.tagName.toLowerCase(), name: e.getAttribute('name'), value: e.getAttribute('value') }
      : { tag: 'body' };
  });
}

/** Tab until the button `name`=`value` has the focus, then Enter; resolves on the next page. */
async function pressButton(page, name, value) {
  const seen = [];
  for (let presses = 0; ; presses++) {
    const f = await focusOf(page);
    if (f.tag === 'button' && f.name === name && f.value === value) break;
    seen.push(`<${f.tag} ${f.name ?? ''}=${f.value ?? ''}>`);
    if (presses === 25) {
      throw new Error(`Tab never reached the ${name}=${value} button on ${page.url()}: ${seen.join(' ')}`);
    }
    await page.keyboard.press('Tab');
  }
  await Promise.all([
    page.waitForNavigation({ waitUntil: 'load', timeout: TIMEOUT_MS }),
    page.keyboard.press('Enter'),
  ]);
}

function expectAt(page, url, what) {
  const at = new URL(page.url());
  if (`${at.origin}${at.pathname}` !== url) {
    throw new Error(`expected ${what} (${url}), the browser is at ${page.url()}; navigations: ${navigations.join('; ')}`);
  }
}

async function registerClient(redirectUri) {
  const origin = new URL(issuer).origin;
  const response = await recorder.fetch(`${origin}/admin/v1/projects/default/clients`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'Live flows GUI test (browser)', redirect_uris: [redirectUri],
      token_endpoint_auth_method: 'none', grant_types: ['authorization_code'],
      response_types: ['code'],
    }),
  });
  const body = await response.json();
  if (response.status !== 201) throw new Error(`POST .../clients: HTTP ${response.status} ${JSON.stringify(body)}`);
  return body.client_id;
}

async function run() {
  if (!issuer || !adminToken) throw new Error('GATEHOUSE_FLOW_ISSUER and GATEHOUSE_FLOW_ADMIN_TOKEN must be set');
  await site.start();
  const redirectUri = site.serve('/callback', '<!DOCTYPE html><title>Client</title><p>Back at the client.',
    { contentType: 'text/html; charset=utf-8' });
  const clientId = await registerClient(redirectUri);
  const verifier = randomBytes(32).toString('base64url');
  const state = `st-${randomBytes(6).toString('hex')}`;

  browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    // Root (CI) cannot use Chromium's sandbox; the browser only visits loopback pages here.
    args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      '--disable-dev-shm-usage', '--no-first-run', '--no-default-browser-check'],
    timeout: 30000,
  }).catch((err) => {
    throw new Error(`could not start ${chromium} (Debian's chromium package): ${err.message}`);
  });
  const page = await browser.newPage();
  page.setDefaultNavigationTimeout(TIMEOUT_MS);
  page.on('response', (r) => {
    if (r.request().isNavigationRequest()) navigations.push(`${r.request().method()} ${r.url()} -> ${r.status()}`);
  });

  const authorize = new URL(`${issuer}/authorize`);
  authorize.search = new URLSearchParams({
    response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope: 'openid',
    state, code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  await page.goto(authorize.href, { waitUntil: 'load' });
  expectAt(page, `${issuer}/login`, 'the login page');
  if (shots) await page.screenshot({ path: `${shots}/login.png`, fullPage: true });
  await pressButton(page, 'username', 'dev');
  expectAt(page, `${issuer}/consent`, 'the consent page');
  if (shots) await page.screenshot({ path: `${shots}/consent.png`, fullPage: true });
  await pressButton(page, 'decision', 'allow');
  expectAt(page, redirectUri, "the client's redirect URI");
  const code = checkCallback(new URL(page.url()), { state, issuer });

  const response = await recorder.fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code', client_id: clientId, code, code_verifier: verifier,
      redirect_uri: redirectUri,
    }),
  });
  const tokens = await response.json();
  if (response.status !== 200 || !tokens.access_token) {
    throw new Error(`/token: HTTP ${response.status} ${JSON.stringify(tokens)}`);
  }
  return { ok: true, client_id: clientId, finished_at_us: Date.now() * 1000, navigations };
}

let result;
try {
  result = await run();
} catch (err) {
  result = { ok: false, error: `${err.stack || err}\n${recorder.describeSince(0)}` };
}
await browser?.close().catch(() => {});
await site.stop().catch(() => {});
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exitCode = result.ok ? 0 : 1;
