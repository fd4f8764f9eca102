// tests/browser/login.test.mjs — a person signing in with a real browser: Debian's Chromium,
// headless, driven through the DevTools protocol by puppeteer-core, keyboard only.
//
// Copyright 2026 The Gatehouse developers
// SPDX-License-Identifier: GPL-3.0-or-later
//
// Each flow opens /authorize in a fresh browser context (no cookies), lands on the login
// page, signs in as `dev` with Tab and Enter, reaches the consent page, allows (or denies)
// with Tab and Enter, and ends on the client's redirect URI, served by this test. No click,
// no auto-approve. The form posts must carry the server's origin in `Origin`, as Chromium
// sends it on the wire (read from the DevTools protocol's ExtraInfo events): that is what a
// referrer policy of no-referrer took away, refusing every browser sign-in.
//
// A page on another 127.0.0.1 port that posts the login and consent forms by script, hiding its
// origin, is refused (403, no code). Then the issuer's URL opened in the browser (a page, not a
// JSON 404), and fetch() calls from a page of another origin with headers of its own, through
// Chromium's real CORS preflight.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test, after } from 'node:test';
import puppeteer from 'puppeteer-core';
import {
  ClientDocumentServer, Flow, HttpRecorder, checkCallback, show, stopStep, useServer,
} from './harness.mjs';

const CHROMIUM = process.env.GATEHOUSE_CHROMIUM || '/usr/bin/chromium';
const NAV_TIMEOUT_MS = 20000;

const server = useServer();
const recorder = new HttpRecorder();
const site = new ClientDocumentServer();   // the clients' web site: callbacks, a CIMD document
const s = { browser: undefined };

after(async () => {
  if (s.browser) await s.browser.close().catch(() => {});
  await site.stop().catch(() => {});
});

function pkcePair() {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
}

// ---------------------------------------------------------------------------------------------
// The browser: one per file, one context (no shared cookies) per flow.

/** What the page's focused element is, for keyboard navigation and for error messages. */
async function focused(page) {
  return page.evaluate(() => {
    const e = document.activeElement;
    if (!e || e === document.body) return { tag: 'body' };
    return {
      tag: e.tagName.toLowerCase(), type: e.getAttribute('type'), name: e.getAttribute('name'),
      value: e.getAttribute('value'), text: (e.textContent || '').trim().replace(/\s+/g, ' '),
    };
  });
}

// Chromium runs autofocus once the page has rendered, a moment after `load` on a busy machine:
// wait for it (a page without autofocus still fails, after 5 s).
async function focusedAtLoad(page) {
  await page.waitForFunction(() => document.activeElement && document.activeElement !== document.body,
    { timeout: 5000 }).catch(() => {});
  return focused(page);
}

function describeFocus(f) {
  return f.tag === 'body' ? '(nothing)' : `<${f.tag} name=${f.name} value=${f.value}> “${f.text}”`;
}

/**
 * Moves the focus with Tab (or Shift+Tab) until `want(focused)` holds, as a keyboard user
 * does; returns how many presses it took.
 */
async function tabTo(page, want, what, { backwards = false, max = 25 } = {}) {
  const path = [];
  for (let presses = 0; presses <= max; presses++) {
    const f = await focused(page);
    if (want(f)) return presses;
    path.push(describeFocus(f));
    if (backwards) await page.keyboard.down('Shift');
    await page.keyboard.press('Tab');
    if (backwards) await page.keyboard.up('Shift');
  }
  throw new Error(`could not reach ${what} with ${backwards ? 'Shift+Tab' : 'Tab'} in ${max} presses; the focus went: ${path.join(' → ')}`);
}

/** Presses Enter on the focused button and waits for the page it leads to. */
async function enterAndWait(page) {
  const [response] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'load', timeout: NAV_TIMEOUT_MS }),
    page.keyboard.press('Enter'),
  ]);
  return response;
}

async function pageText(page) {
  return page.evaluate(() => document.body ? document.body.innerText.replace(/\s+/g, ' ').trim() : '');
}

/**
 * A page in a fresh context, with every request the browser really sent (the headers as
 * they went on the wire, from Network.requestWillBeSentExtraInfo), hop by hop.
 */
async function openBrowserPage() {
  const context = await s.browser.createBrowserContext();
  const page = await context.newPage();
  page.setDefaultNavigationTimeout(NAV_TIMEOUT_MS);
  const cdp = await page.createCDPSession();
  const hops = new Map();   // requestId -> { sent: [{method, url}], wire: [headers] }
  const hop = (id) => {
    if (!hops.has(id)) hops.set(id, { sent: [], wire: [] });
    return hops.get(id);
  };
  cdp.on('Network.requestWillBeSent', (e) => hop(e.requestId).sent.push({ method: e.request.method, url: e.request.url }));
  cdp.on('Network.requestWillBeSentExtraInfo', (e) => hop(e.requestId).wire.push(e.headers));
  await cdp.send('Network.enable');
  const log = [];
  page.on('response', (r) => {
    if (r.request().isNavigationRequest()) log.push(`${r.request().method()} ${r.url()} -> ${r.status()}`);
  });
  return {
    context, page, log,
    /** The headers (lower-case names) the browser sent with `method` to `url`'s path. */
    sentHeaders(method, url) {
      const want = new URL(url);
      for (const { sent, wire } of hops.values()) {
        for (let i = 0; i < sent.length; i++) {
          const u = new URL(sent[i].url);
          if (sent[i].method === method && u.origin === want.origin && u.pathname === want.pathname && wire[i]) {
            return Object.fromEntries(Object.entries(wire[i]).map(([k, v]) => [k.toLowerCase(), v]));
          }
        }
      }
      return undefined;
    },
    async close() {
      await context.close().catch(() => {});
    },
  };
}

/** Explains where a browser page is, for a failed step. */
async function where(b) {
  let text = '(unreadable)';
  try { text = (await pageText(b.page)).slice(0, 600); } catch { /* navigating */ }
  return `\n  page: ${b.page.url()}\n  text: ${text}\n  navigations: ${b.log.join('; ') || '(none)'}`;
}

// ---------------------------------------------------------------------------------------------

const setup = new Flow('setup', { server, recorder });

setup.step('gatehouse-server serve --dev on 127.0.0.1 port 0, and a client web site on loopback', async () => {
  await server.start();
  await site.start();
  site.serve('/callback', '<!DOCTYPE html><title>Client callback</title><p>Back at the client.</p>',
    { contentType: 'text/html; charset=utf-8' });
});

setup.step(`Chromium (${CHROMIUM}) starts headless through puppeteer-core`, async () => {
  try {
    s.browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,   // Chromium's new headless mode
      // Root (CI) cannot use Chromium's sandbox; the browser only visits loopback pages here.
      args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
        '--disable-dev-shm-usage', '--no-first-run', '--no-default-browser-check'],
      timeout: 30000,
    });
  } catch (err) {
    throw new Error(`could not start ${CHROMIUM} (Debian's chromium package; build-aux/setup.sh test installs it): ${err.message}`);
  }
  const version = await s.browser.version();
  process.stderr.write(`# browser: ${version}\n`);
}, { timeout: 40000 });

/**
 * One interactive flow for `clientId`: login and consent with the keyboard; `decision` is
 * 'allow' or 'deny'. Returns the flow's state; its steps are registered on `flow`.
 */
function interactiveFlow(flow, getClient, { decision, consentShows = [] }) {
  const f = { state: `st-${randomBytes(6).toString('hex')}`, ...pkcePair() };

  flow.step('GET /authorize in a fresh browser: the login page, the first user focused', async () => {
    f.client = await getClient();
    f.browser = await openBrowserPage();
    const url = new URL(`${server.issuer()}/authorize`);
    url.search = new URLSearchParams({
      response_type: 'code', client_id: f.client.clientId, redirect_uri: f.client.redirectUri,
      code_challenge: f.challenge, code_challenge_method: 'S256',
      scope: 'openid', state: f.state,
    }).toString();
    const response = await f.browser.page.goto(url.href, { waitUntil: 'load' });
    const at = new URL(f.browser.page.url());
    assert.equal(`${at.origin}${at.pathname}`, `${server.issuer()}/login`,
      `expected the login page${await where(f.browser)}`);
    assert.equal(response.status(), 200, `login page status${await where(f.browser)}`);
    f.referrerPolicy = response.headers()['referrer-policy'];
    f.metaReferrer = await f.browser.page.$eval('meta[name=referrer]', (m) => m.content);
    // autofocus puts a keyboard user on the default choice.
    const first = await focusedAtLoad(f.browser.page);
    assert.equal(first.name, 'username', `focused at load: ${describeFocus(first)}`);
  });

  flow.step('sign in as dev with Tab and Enter: the consent page', async () => {
    const page = f.browser.page;
    await tabTo(page, (e) => e.tag === 'button' && e.name === 'username' && e.value === 'dev',
      'the “dev” button');
    await enterAndWait(page);
    const at = new URL(page.url());
    assert.equal(`${at.origin}${at.pathname}`, `${server.issuer()}/consent`,
      `expected the consent page after signing in${await where(f.browser)}`);
    const sent = f.browser.sentHeaders('POST', `${server.issuer()}/login`);
    assert.ok(sent, `the browser's POST /login was not seen${await where(f.browser)}`);
    assert.equal(sent.origin, new URL(server.issuer()).origin,
      `Origin of the login form's POST as Chromium sent it (Sec-Fetch-Site: ${sent['sec-fetch-site']})`);
    // What keeps the origin there (no-referrer made it "null").
    assert.equal(f.referrerPolicy, 'same-origin', 'the login page\'s Referrer-Policy');
    assert.equal(f.metaReferrer, 'same-origin', 'the login page\'s <meta name="referrer">');
    const text = await pageText(page);
    for (const needle of ['dev', f.client.clientId, ...consentShows]) {
      assert.ok(text.includes(needle), `the consent page should show “${needle}”: ${text.slice(0, 600)}`);
    }
    const first = await focusedAtLoad(page);
    assert.equal(first.value, 'allow', `focused at load: ${describeFocus(first)}`);
  });

  flow.step(`${decision} with the keyboard: back at the client's redirect URI`, async () => {
    const page = f.browser.page;
    if (decision === 'allow') {
      await tabTo(page, (e) => e.tag === 'button' && e.value === 'allow', 'the Allow button');
    } else {
      await tabTo(page, (e) => e.tag === 'button' && e.value === 'deny', 'the Deny button',
        { backwards: true });
    }
    await enterAndWait(page);
    const callback = new URL(page.url());
    assert.equal(`${callback.origin}${callback.pathname}`, f.client.redirectUri,
      `expected the client's redirect URI${await where(f.browser)}`);
    const sent = f.browser.sentHeaders('POST', `${server.issuer()}/consent`);
    assert.ok(sent, `the browser's POST /consent was not seen${await where(f.browser)}`);
    assert.equal(sent.origin, new URL(server.issuer()).origin,
      `Origin of the consent form's POST as Chromium sent it (Sec-Fetch-Site: ${sent['sec-fetch-site']})`);
    if (decision === 'allow') {
      f.code = checkCallback(callback, { state: f.state, issuer: server.issuer() });
    } else {
      const p = callback.searchParams;
      assert.equal(p.get('error'), 'access_denied', `the redirect: ${callback.href}`);
      assert.equal(p.get('code'), null, `no code after Deny: ${callback.href}`);
      assert.equal(p.get('state'), f.state, `state: ${callback.href}`);
      assert.equal(p.get('iss'), server.issuer(), `iss: ${callback.href}`);
    }
    await f.browser.close();
  });

  if (decision === 'allow') {
    flow.step('the code is redeemed at /token with the PKCE verifier', async () => {
      const response = await recorder.fetch(`${server.issuer()}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code', client_id: f.client.clientId, code: f.code,
          code_verifier: f.verifier, redirect_uri: f.client.redirectUri,
        }),
      });
      const body = await response.json();
      assert.equal(response.status, 200, `/token: ${show(body)}`);
      assert.equal(body.token_type, 'Bearer', show(body));
      assert.ok(body.access_token && body.id_token, `an access token and an ID token: ${show(body)}`);
    });
  }
  return f;
}

async function createClient(name) {
  const redirectUri = site.url('/callback');
  const client = await server.cli(['client', 'create', '--name', name, '--redirect-uri', redirectUri,
    '--auth-method', 'none'], { json: true });
  assert.match(String(client.client_id), /^client_[0-9a-f]{24}$/, `client create --json: ${show(client)}`);
  return { clientId: client.client_id, redirectUri };
}

// (a) A client registered ahead of time with the CLI.
const registered = new Flow('pre-registered client', { server, recorder, needs: [setup] });
interactiveFlow(registered, () => createClient('Browser test app'), { decision: 'allow' });

// (b) A CIMD client: its client_id is the URL of its metadata document, served here over http
// on loopback (serve --dev projects allow loopback CIMD).
const cimd = new Flow('CIMD client', { server, recorder, needs: [setup] });
interactiveFlow(cimd, async () => {
  const redirectUri = site.url('/callback');
  const clientId = site.url('/cimd/client.json');
  site.serve('/cimd/client.json', {
    client_id: clientId, client_name: 'Browser CIMD app', redirect_uris: [redirectUri],
    token_endpoint_auth_method: 'none', grant_types: ['authorization_code'], response_types: ['code'],
  }, { headers: { 'cache-control': 'public, max-age=300' } });
  return { clientId, redirectUri };
}, { decision: 'allow', consentShows: ['Browser CIMD app'] });

// (c) Consent denied: the client hears access_denied.
const denied = new Flow('consent denied', { server, recorder, needs: [setup] });
interactiveFlow(denied, () => createClient('Browser test app (denied)'), { decision: 'deny' });

// A forged post: a page on another 127.0.0.1 port (the same site as a loopback issuer, so the
// SameSite=Lax cookie goes along) that hides its origin (no-referrer: Origin: null) and
// submits a form by script to /login or /consent with the real request id and anti-forgery
// token, as if stolen. The server must refuse it (403, no code); the person, with the keyboard,
// still signs in and allows afterwards.

/** Has a page of the client web site (another port) auto-submit `fields` to `path`. */
async function forgePost(b, path, fields) {
  const name = `/forge${path.replace(/\//g, '-')}-${randomBytes(4).toString('hex')}.html`;
  const escape = (v) => String(v).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  const inputs = Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${escape(k)}" value="${escape(v)}">`).join('');
  site.serve(name, '<!DOCTYPE html><meta name="referrer" content="no-referrer"><title>A prize</title>'
    + `<form id="f" method="POST" action="${escape(server.issuer() + path)}">${inputs}</form>`
    + '<script>document.getElementById("f").submit()</script>',
  { contentType: 'text/html; charset=utf-8' });
  const page = await b.context.newPage();
  try {
    const target = `${server.issuer()}${path}`;
    const posted = page.waitForResponse((r) => r.request().method() === 'POST' && r.url() === target,
      { timeout: NAV_TIMEOUT_MS });
    await page.goto(site.url(name), { waitUntil: 'load' });
    const response = await posted;
    await page.waitForNetworkIdle({ idleTime: 200, timeout: NAV_TIMEOUT_MS }).catch(() => {});
    return {
      status: response.status(), location: response.headers().location, at: page.url(),
      sent: response.request().headers(), text: (await pageText(page)).slice(0, 300),
    };
  } finally {
    await page.close().catch(() => {});
  }
}

async function hiddenFields(page) {
  return page.evaluate(() => Object.fromEntries(
    [...document.querySelectorAll('form input[type=hidden]')].map((i) => [i.name, i.value])));
}

function assertRefused(result, what) {
  assert.equal(result.status, 403, `${what}: ${show(result)}`);
  assert.equal(result.location, undefined, `${what} must not redirect: ${show(result)}`);
  assert.ok(!result.at.startsWith(site.url('/callback')), `${what} reached the client: ${show(result)}`);
  assert.equal(new URL(result.at).searchParams.get('code'), null, `${what}: ${show(result)}`);
}

const forged = new Flow('forged posts from another loopback port', { server, recorder, needs: [setup] });
{
  const f = { state: `st-${randomBytes(6).toString('hex')}`, ...pkcePair() };

  forged.step('a person starts a sign-in: the login page', async () => {
    f.client = await createClient('Browser test app (forged)');
    f.browser = await openBrowserPage();
    const url = new URL(`${server.issuer()}/authorize`);
    url.search = new URLSearchParams({
      response_type: 'code', client_id: f.client.clientId, redirect_uri: f.client.redirectUri,
      code_challenge: f.challenge, code_challenge_method: 'S256', scope: 'openid', state: f.state,
    }).toString();
    await f.browser.page.goto(url.href, { waitUntil: 'load' });
    const at = new URL(f.browser.page.url());
    assert.equal(`${at.origin}${at.pathname}`, `${server.issuer()}/login`, await where(f.browser));
  });

  forged.step('another port\'s page posts the login form by script: 403, nobody signed in', async () => {
    const fields = await hiddenFields(f.browser.page);
    assert.ok(fields.request && fields.csrf_token, `the login form's hidden fields: ${show(fields)}`);
    const result = await forgePost(f.browser, '/login', { ...fields, username: 'dev' });
    assertRefused(result, 'the forged POST /login');
  });

  forged.step('the person signs in with Tab and Enter: the consent page', async () => {
    const page = f.browser.page;
    await tabTo(page, (e) => e.tag === 'button' && e.name === 'username' && e.value === 'dev',
      'the “dev” button');
    await enterAndWait(page);
    const at = new URL(page.url());
    assert.equal(`${at.origin}${at.pathname}`, `${server.issuer()}/consent`, await where(f.browser));
  });

  forged.step('another port\'s page posts the consent form (allow) by script: 403, no code', async () => {
    const fields = await hiddenFields(f.browser.page);
    assert.ok(fields.request && fields.csrf_token, `the consent form's hidden fields: ${show(fields)}`);
    const result = await forgePost(f.browser, '/consent', { ...fields, decision: 'allow' });
    assertRefused(result, 'the forged POST /consent');
  });

  forged.step('the person allows with the keyboard: a code, at the client', async () => {
    const page = f.browser.page;
    await tabTo(page, (e) => e.tag === 'button' && e.value === 'allow', 'the Allow button');
    await enterAndWait(page);
    const callback = new URL(page.url());
    assert.equal(`${callback.origin}${callback.pathname}`, f.client.redirectUri, await where(f.browser));
    checkCallback(callback, { state: f.state, issuer: server.issuer() });
    await f.browser.close();
  });
}

// The issuer's URL opened in a browser: a page, not a JSON 404.
const issuerPage = new Flow('issuer page', { server, recorder, needs: [setup] });
issuerPage.step('opening the issuer URL shows the issuer, its metadata and JWKS URLs', async () => {
  const b = await openBrowserPage();
  try {
    const response = await b.page.goto(`${server.issuer()}/`, { waitUntil: 'load' });
    assert.equal(response.status(), 200, `GET / in a browser${await where(b)}`);
    const links = await b.page.$$eval('a', (as) => as.map((a) => a.href));
    assert.deepEqual(links, [
      `${server.issuer()}/.well-known/oauth-authorization-server`,
      `${server.issuer()}/.well-known/openid-configuration`,
      `${server.issuer()}/jwks`,
    ], `links on the issuer page${await where(b)}`);
    assert.ok((await pageText(b.page)).includes(server.issuer()), await where(b));
  } finally {
    await b.close();
  }
});

// A browser-based client (the MCP Inspector) on another origin, adding a header of its own:
// the browser's real preflight must let discovery, /register and /token through.
const cors = new Flow('CORS from another origin', { server, recorder, needs: [setup] });
cors.step('fetch() with X-Custom-Thing and DPoP headers reads discovery, /register and /token', async () => {
  const b = await openBrowserPage();
  try {
    site.serve('/inspector.html', '<!DOCTYPE html><title>A browser client</title>',
      { contentType: 'text/html; charset=utf-8' });
    await b.page.goto(site.url('/inspector.html'), { waitUntil: 'load' });
    const results = await b.page.evaluate(async (issuer) => {
      const extra = { 'X-Custom-Thing': 'yes', DPoP: 'not-checked-here', 'MCP-Protocol-Version': '2025-06-18' };
      const attempt = async (url, init) => {
        try {
          const r = await fetch(url, init);
          return { url, status: r.status, body: (await r.text()).slice(0, 200) };
        } catch (err) {
          return { url, error: String(err) };
        }
      };
      return [
        await attempt(`${issuer}/.well-known/oauth-authorization-server`, { headers: extra }),
        await attempt(`${issuer}/register`, {
          method: 'POST', headers: { ...extra, 'Content-Type': 'application/json' },
          body: JSON.stringify({ redirect_uris: ['http://127.0.0.1/cb'], token_endpoint_auth_method: 'none' }),
        }),
        await attempt(`${issuer}/token`, {
          method: 'POST', headers: { ...extra, 'Content-Type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=authorization_code&code=nope&client_id=nope',
        }),
      ];
    }, server.issuer());
    const [discovery, register, token] = results;
    for (const r of results) {
      assert.equal(r.error, undefined, `the browser blocked ${r.url}: ${show(r)}`);
    }
    assert.equal(discovery.status, 200, show(discovery));
    assert.equal(register.status, 201, show(register));
    // Refused (no such client), and the page can read why.
    assert.equal(token.status, 401, show(token));
    assert.match(token.body, /"error":"invalid_client"/, show(token));
  } finally {
    await b.close();
  }
});

test('teardown: Chromium closes', { timeout: 15000 }, async () => {
  if (s.browser) {
    const browser = s.browser;
    s.browser = undefined;
    await browser.close();
  }
});
stopStep(server);
