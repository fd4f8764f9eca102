// tests/interop/gui-flow.mjs — one whole MCP TypeScript SDK flow against a server the caller
// owns, for tests/gui/test-flows-live.c (the console watches it in Live flows): the SDK's
// auth() discovers (RFC 9728, then RFC 8414), registers by DCR, authorizes (the project's
// auto-approve user), exchanges the code and refreshes once, against a stand-in MCP server
// started here. Not a node:test file: run by tests/interop/run.sh --dir DIR gui-flow.mjs.
//
// Copyright 2026 The Gatehouse developers
// SPDX-License-Identifier: GPL-3.0-or-later
//
// In: GATEHOUSE_FLOW_ISSUER (the project's issuer; its settings already allow the flow).
// Out: one JSON line on stdout, {"ok": true, "client_id", "finished_at_us", "requests"} (the
// time the last answer came, µs since the epoch), or {"ok": false, "error"} and status 1.

import { auth } from '@modelcontextprotocol/sdk/client/auth.js';

import {
  HttpRecorder, McpResourceServer, checkCallback, followAuthorization, unusedPortish,
} from './harness.mjs';

const recorder = new HttpRecorder();
const issuer = process.env.GATEHOUSE_FLOW_ISSUER;
let mcp;

/** The SDK's OAuthClientProvider, in memory; "opening the browser" follows the redirects. */
function provider(redirectUrl) {
  const kept = {};
  return {
    redirectUrl,
    clientMetadata: {
      redirect_uris: [redirectUrl],
      client_name: 'Live flows GUI test (MCP SDK)',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    },
    state: () => { kept.state = `st-${Math.random().toString(36).slice(2)}`; return kept.state; },
    lastState: () => kept.state,
    callback: () => kept.callback,
    clientInformation: () => kept.client,
    saveClientInformation: (info) => { kept.client = info; },
    tokens: () => kept.tokens,
    saveTokens: (tokens) => { kept.tokens = tokens; },
    codeVerifier: () => kept.verifier,
    saveCodeVerifier: (verifier) => { kept.verifier = verifier; },
    discoveryState: () => kept.discovery,
    saveDiscoveryState: (state) => { kept.discovery = state; },
    invalidateCredentials: (scope) => {
      throw new Error(`the SDK invalidated its credentials (${scope})`);
    },
    redirectToAuthorization: async (url) => {
      kept.callback = await followAuthorization(recorder, url, redirectUrl);
    },
  };
}

async function run() {
  if (!issuer) throw new Error('GATEHOUSE_FLOW_ISSUER is not set');
  mcp = new McpResourceServer({ issuer, jwksUri: `${issuer}/jwks` });
  const serverUrl = await mcp.start();
  const p = provider(`http://127.0.0.1:${unusedPortish()}/oauth/callback`);
  const options = { serverUrl, fetchFn: recorder.fetch };

  const first = await auth(p, options);
  if (first !== 'REDIRECT') throw new Error(`auth(): ${first}, expected REDIRECT`);
  const code = checkCallback(p.callback(), { state: p.lastState(), issuer });
  const second = await auth(p, { ...options, authorizationCode: code });
  if (second !== 'AUTHORIZED') throw new Error(`auth() with the code: ${second}`);
  const third = await auth(p, options);
  if (third !== 'AUTHORIZED') throw new Error(`auth() with the refresh token: ${third}`);
  const finished = Date.now() * 1000;
  return {
    ok: true,
    client_id: p.clientInformation().client_id,
    finished_at_us: finished,
    requests: recorder.exchanges.map((e) => `${e.method} ${new URL(e.url).pathname} ${e.status}`),
  };
}

let result;
try {
  result = await run();
} catch (err) {
  result = { ok: false, error: `${err.stack || err}\n${recorder.describeSince(0)}` };
}
await mcp?.stop();
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exitCode = result.ok ? 0 : 1;
