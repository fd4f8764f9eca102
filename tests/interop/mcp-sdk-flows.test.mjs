// tests/interop/mcp-sdk-flows.test.mjs — the admin API's flows and discovery hits after a real
// MCP TypeScript SDK client: the SDK's auth() discovers (RFC 9728, then RFC 8414 / OIDC at
// gatehouse-server), registers by DCR, authorizes (auto-approve), exchanges the code and
// refreshes; then GET /admin/v1/projects/default/flows shows that one flow, succeeded, and
// its detail lists the SDK's discovery requests to gatehouse-server as probable hits, each
// with the status it got; GET .../discovery/hits has them too. (Last: while the flow's events
// carry no request address the probable-hits step is a TODO, and a failed step ends a flow.)
//
// Copyright 2026 The Gatehouse developers
// SPDX-License-Identifier: GPL-3.0-or-later

import assert from 'node:assert/strict';
import { after } from 'node:test';
import { auth } from '@modelcontextprotocol/sdk/client/auth.js';

import {
  Flow, HttpRecorder, useServer, followAuthorization, checkCallback, show, unusedPortish,
  stopStep, McpResourceServer,
} from './harness.mjs';

const recorder = new HttpRecorder();
const server = useServer();
const s = {};
let mcp;
after(async () => { await mcp?.stop(); });

/** An OAuthClientProvider in memory; "opening the browser" follows the auto-approve redirect. */
class Provider {
  constructor(redirectUrl) {
    this.redirectUrl = redirectUrl;
    this.clientMetadata = {
      redirect_uris: [redirectUrl],
      client_name: 'admin flows interop',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
    this.redirects = [];
  }

  state() { this.lastState = `st-${Math.random().toString(36).slice(2)}`; return this.lastState; }
  clientInformation() { return this._client; }
  saveClientInformation(info) { this._client = info; }
  tokens() { return this._tokens; }
  saveTokens(tokens) { this._tokens = tokens; }
  saveCodeVerifier(verifier) { this._verifier = verifier; }
  codeVerifier() { return this._verifier; }
  saveDiscoveryState(state) { this._discovery = state; }
  discoveryState() { return this._discovery; }
  invalidateCredentials(scope) { throw new Error(`the SDK invalidated its credentials (${scope}): see the HTTP exchanges`); }

  async redirectToAuthorization(url) {
    this.redirects.push(url);
    this.callback = await followAuthorization(recorder, url, this.redirectUrl);
  }
}

/** GET an admin API path with the admin token: its JSON (200 expected). */
async function admin(path) {
  const response = await recorder.fetch(`${server.base}${path}`, { headers: { authorization: `Bearer ${s.adminToken}` } });
  const body = await response.text();
  assert.equal(response.status, 200, `GET ${path}: HTTP ${response.status} ${body}`);
  return JSON.parse(body);
}

const flow = new Flow('admin flows after the MCP SDK', { server, recorder });

flow.step('start gatehouse-server, an admin token, auto-approve for dev, a stand-in MCP server', async () => {
  await server.start();
  s.adminToken = (await server.cli(['admin-token', 'create', '--label', 'interop'])).trim();
  assert.match(s.adminToken, /^ghat_/, `admin-token create printed ${show(s.adminToken)}`);
  await server.cli(['project', 'set', 'default', 'auto_approve_user=dev']);
  s.issuer = server.issuer('default');
  mcp = new McpResourceServer({ issuer: s.issuer, jwksUri: `${s.issuer}/jwks` });
  s.mcpUrl = await mcp.start();
  s.provider = new Provider(`http://127.0.0.1:${unusedPortish()}/oauth/callback`);
});

flow.step('the SDK\'s auth(): discovery, DCR, authorization, code exchange, refresh', async () => {
  s.mark = recorder.mark();
  const first = await auth(s.provider, { serverUrl: s.mcpUrl, fetchFn: recorder.fetch });
  assert.equal(first, 'REDIRECT', `auth(): ${show(first)}`);
  const code = checkCallback(s.provider.callback, { state: s.provider.lastState, issuer: s.issuer });
  const second = await auth(s.provider, { serverUrl: s.mcpUrl, authorizationCode: code, fetchFn: recorder.fetch });
  assert.equal(second, 'AUTHORIZED', `auth() with the code: ${show(second)}`);
  const third = await auth(s.provider, { serverUrl: s.mcpUrl, fetchFn: recorder.fetch });
  assert.equal(third, 'AUTHORIZED', `auth() with a refresh token: ${show(third)}`);
  s.clientId = s.provider.clientInformation().client_id;
  // What the SDK asked gatehouse-server's well-known paths, as it went
  s.probes = recorder.exchanges.slice(s.mark)
    .filter((e) => e.url.startsWith(`${server.base}/`) && new URL(e.url).pathname.includes('/.well-known/'))
    .map((e) => ({ method: e.method, path: new URL(e.url).pathname, status: e.status }));
  assert.ok(s.probes.length >= 1, `the SDK made no discovery request to gatehouse-server: ${show(recorder.exchanges.slice(s.mark).map((e) => e.url))}`);
});

flow.step('GET /admin/v1/projects/default/flows?client_id=...: one flow, succeeded, for dev', async () => {
  const list = await admin(`/admin/v1/projects/default/flows?client_id=${encodeURIComponent(s.clientId)}`);
  assert.equal(list.flows.length, 1, `flows of the SDK's client: ${show(list)}`);
  s.flow = list.flows[0];
  assert.equal(s.flow.state, 'succeeded', `flow: ${show(s.flow)}`);
  assert.equal(s.flow.user_id, 'dev', `flow: ${show(s.flow)}`);
  assert.equal(s.flow.last_error, null, `flow: ${show(s.flow)}`);
});

flow.step('the flow\'s steps in order: code issued, tokens issued, refreshed', async () => {
  s.detail = await admin(`/admin/v1/projects/default/flows/${encodeURIComponent(s.flow.id)}`);
  const types = s.detail.steps.map((step) => step.type);
  const known = types.filter((t) => ['code.issued', 'token.issued', 'token.refreshed'].includes(t));
  assert.deepEqual(known, ['code.issued', 'token.issued', 'token.refreshed'], `steps: ${show(types)}`);
  assert.equal(s.detail.steps.length, s.detail.flow.steps, 'every event of the flow is a step');
});

flow.step('GET /admin/v1/projects/default/discovery/hits has every discovery request the SDK made', async () => {
  const page = await admin('/admin/v1/projects/default/discovery/hits?limit=200');
  for (const probe of s.probes) {
    assert.ok(page.hits.some((h) => h.method === probe.method && h.path === probe.path && h.status === probe.status),
      `the SDK's ${probe.method} ${probe.path} (${probe.status}) is missing from the hits: ${show(page.hits.slice(0, 10))}`);
  }
});

flow.step('the flow lists the SDK\'s discovery requests as probable hits (path, method, status)', async (t) => {
  // The hits are matched on the address and User-Agent of the flow's events: the ones written
  // at /authorize and /token carry them once those steps record their request (issue 11).
  if (!s.detail.steps.some((step) => step.source === '127.0.0.1')) {
    t.todo('no event of this flow carries its request\'s address yet (authorization.started, token steps)');
  }
  const hits = s.detail.discovery_hits.map((h) => ({ method: h.method, path: h.path, status: h.status }));
  for (const probe of s.probes) {
    assert.ok(hits.some((h) => h.method === probe.method && h.path === probe.path && h.status === probe.status),
      `the SDK's ${probe.method} ${probe.path} (${probe.status}) is not among the flow's probable hits: ${show(hits)}`);
  }
  assert.ok(s.detail.discovery_hits.every((h) => h.probable === true), 'every hit is marked probable');
});

stopStep(server);
