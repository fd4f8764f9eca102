// tests/interop/mcp-sdk.test.mjs — the official MCP TypeScript SDK's OAuth client against
// gatehouse-server: discovery, PKCE authorization with a resource indicator, code exchange,
// RFC 9068 access tokens checked with jose, refresh-token rotation and reuse detection; for
// the default project (root issuer) and for a second project at {base}/p/acme.
//
// Copyright 2026 The Gatehouse developers
// SPDX-License-Identifier: GPL-3.0-or-later

import assert from 'node:assert/strict';
import {
  discoverAuthorizationServerMetadata,
  buildDiscoveryUrls,
  startAuthorization,
  exchangeAuthorization,
  refreshAuthorization,
} from '@modelcontextprotocol/sdk/client/auth.js';
import { InvalidGrantError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import { jwtVerify, createRemoteJWKSet, decodeProtectedHeader } from 'jose';

import {
  Flow, HttpRecorder, useServer, followAuthorization, checkCallback, show, unusedPortish,
  HTTP_TIMEOUT_MS, stopStep,
} from './harness.mjs';

const recorder = new HttpRecorder();
const server = useServer();

const setup = new Flow('setup', { server, recorder });
setup.step('start gatehouse-server (serve --dev, port 0, --secrets file)', async () => {
  const base = await server.start();
  assert.match(base, /^http:\/\/127\.0\.0\.1:\d+$/, `the server printed an unexpected URL: ${base}`);
});

/**
 * The MCP SDK's authorization flow for one project.
 *  slug: project; registerResource: add the MCP server with `resource add` first (else the
 *  dev profile's open resource policy must accept it); scope: the scope to request.
 */
function mcpFlow({ slug, createProject = false, registerResource = false, scope, portlessRedirect = false }) {
  const flow = new Flow(`mcp-sdk [${slug}${portlessRedirect ? ', port-less loopback redirect' : ''}]`, { server, recorder, needs: [setup] });
  const s = { scope }; // state handed from step to step

  flow.step('configure the project with the CLI (auto_approve_user=dev)', async () => {
    if (createProject) {
      await server.cli(['project', 'create', slug, '--dev']);
    }
    await server.cli(['project', 'set', slug, 'auto_approve_user=dev']);
    s.issuer = server.issuer(slug);
    s.mcpUrl = `http://127.0.0.1:${unusedPortish()}/mcp`;
    s.redirectUri = `http://127.0.0.1:${unusedPortish()}/oauth/callback`;
    // Like Claude Code's CIMD document: registered without a port, called back on a random
    // one; the port is ignored for loopback redirects (RFC 8252 §7.3).
    s.registeredRedirectUri = portlessRedirect ? 'http://127.0.0.1/oauth/callback' : s.redirectUri;
  });

  flow.step('discovery with discoverAuthorizationServerMetadata', async () => {
    const mark = recorder.mark();
    const metadata = await discoverAuthorizationServerMetadata(s.issuer, { fetchFn: recorder.fetch });
    assert.ok(metadata, `the SDK found no metadata at any of ${buildDiscoveryUrls(s.issuer).map((u) => u.url.href).join(', ')}`);
    // The SDK tries RFC 8414 first (path-inserted for an issuer with a path); it must answer.
    const first = recorder.exchanges[mark];
    const expectedFirst = buildDiscoveryUrls(s.issuer)[0].url.href;
    assert.equal(first.url, expectedFirst, 'the SDK asked an unexpected URL first');
    assert.equal(first.status, 200,
      `RFC 8414 metadata at ${expectedFirst} must answer 200 (the SDK fell back); got HTTP ${first.status}: ${first.body}`);
    assert.equal(metadata.issuer, s.issuer,
      `metadata issuer must equal the issuer the client derived, byte for byte (RFC 8414 §3.3)`);
    for (const field of ['authorization_endpoint', 'token_endpoint', 'jwks_uri']) {
      assert.equal(typeof metadata[field], 'string', `metadata lacks ${field}: ${show(metadata)}`);
      assert.ok(metadata[field].startsWith(`${s.issuer}/`) || new URL(metadata[field]).origin === new URL(s.issuer).origin,
        `metadata ${field} ${metadata[field]} is not on the server`);
    }
    assert.ok(metadata.code_challenge_methods_supported?.includes('S256'),
      `metadata must list code_challenge_methods_supported ["S256"]: ${show(metadata.code_challenge_methods_supported)}`);
    assert.ok(metadata.response_types_supported.includes('code'), 'response_types_supported lacks "code"');
    assert.ok(metadata.grant_types_supported?.includes('refresh_token'),
      `grant_types_supported lacks refresh_token: ${show(metadata.grant_types_supported)}`);
    assert.ok(metadata.token_endpoint_auth_methods_supported?.includes('none'),
      `token_endpoint_auth_methods_supported must include "none": ${show(metadata.token_endpoint_auth_methods_supported)}`);
    assert.equal(metadata.authorization_response_iss_parameter_supported, true,
      'authorization_response_iss_parameter_supported must be true (RFC 9207)');
    s.metadata = metadata;
    s.jwks = createRemoteJWKSet(new URL(metadata.jwks_uri), { timeoutDuration: HTTP_TIMEOUT_MS });
  });

  flow.step(`register ${registerResource ? 'the MCP server (resource add) and ' : ''}a public client with the CLI`, async () => {
    if (registerResource) {
      await server.cli(['resource', 'add', s.mcpUrl, '--project', slug, '--name', 'interop MCP server',
        '--scopes', 'mcp:tools mcp:read']);
    }
    const args = ['client', 'create', '--project', slug, '--redirect-uri', s.registeredRedirectUri,
      '--name', `MCP SDK interop (${slug})`, '--auth-method', 'none'];
    if (scope) args.push('--scope', scope);
    const client = await server.cli(args, { json: true });
    assert.match(String(client.client_id), /^client_[0-9a-f]{24}$/,
      `client create --json: client_id must be client_<24 hex>; got ${show(client)}`);
    assert.equal(client.client_secret, undefined,
      `client create --json: a public client (auth method none) must have no client_secret; got ${show(client)}`);
    assert.ok(Array.isArray(client.redirect_uris) && client.redirect_uris.includes(s.registeredRedirectUri),
      `client create --json: redirect_uris must list ${s.registeredRedirectUri}; got ${show(client)}`);
    s.clientInformation = { client_id: client.client_id, redirect_uris: client.redirect_uris };
    if (client.token_endpoint_auth_method) {
      assert.equal(client.token_endpoint_auth_method, 'none', `client create --json: ${show(client)}`);
      s.clientInformation.token_endpoint_auth_method = client.token_endpoint_auth_method;
    }
  });

  flow.step('startAuthorization (PKCE S256, resource, state)', async () => {
    s.state = `st-${Math.random().toString(36).slice(2)}`;
    const { authorizationUrl, codeVerifier } = await startAuthorization(s.issuer, {
      metadata: s.metadata,
      clientInformation: s.clientInformation,
      redirectUrl: s.redirectUri,
      scope,
      state: s.state,
      resource: new URL(s.mcpUrl),
    });
    const p = authorizationUrl.searchParams;
    assert.equal(authorizationUrl.origin + authorizationUrl.pathname, s.metadata.authorization_endpoint);
    assert.equal(p.get('code_challenge_method'), 'S256');
    assert.equal(p.get('resource'), s.mcpUrl);
    s.authorizationUrl = authorizationUrl;
    s.codeVerifier = codeVerifier;
  });

  flow.step('authorization with auto-approve: redirect to redirect_uri with code, state, iss', async () => {
    const callback = await followAuthorization(recorder, s.authorizationUrl, s.redirectUri);
    s.code = checkCallback(callback, { state: s.state, issuer: s.issuer });
  });

  flow.step('exchangeAuthorization (code + verifier + resource)', async () => {
    const tokens = await exchangeAuthorization(s.issuer, {
      metadata: s.metadata,
      clientInformation: s.clientInformation,
      authorizationCode: s.code,
      codeVerifier: s.codeVerifier,
      redirectUri: s.redirectUri,
      resource: new URL(s.mcpUrl),
      fetchFn: recorder.fetch,
    });
    const exchange = recorder.last(s.metadata.token_endpoint, 'POST');
    assert.match(exchange?.headers['cache-control'] || '', /no-store/,
      `token response must carry Cache-Control: no-store (RFC 6749 §5.1); got ${show(exchange?.headers)}`);
    assert.equal(tokens.token_type.toLowerCase(), 'bearer', `token_type: ${show(tokens)}`);
    assert.ok(tokens.access_token, 'no access_token');
    assert.ok(tokens.refresh_token, `no refresh_token (the client has the refresh_token grant): ${show(Object.keys(tokens))}`);
    assert.ok(tokens.expires_in > 0, `expires_in must be positive: ${show(tokens.expires_in)}`);
    s.tokens = tokens;
  });

  flow.step('access token is an RFC 9068 JWT: verified with jose against jwks_uri', async () => {
    s.claims = await verifyAccessToken(s, s.tokens.access_token);
  });

  flow.step('refreshAuthorization rotates the refresh token', async () => {
    const refreshed = await refreshAuthorization(s.issuer, {
      metadata: s.metadata,
      clientInformation: s.clientInformation,
      refreshToken: s.tokens.refresh_token,
      resource: new URL(s.mcpUrl),
      fetchFn: recorder.fetch,
    });
    const exchange = recorder.last(s.metadata.token_endpoint, 'POST');
    assert.ok(/"refresh_token"/.test(exchange?.body || ''),
      'the refresh response has no refresh_token: public clients must get a rotated one (OAuth 2.1 §4.3.1)');
    assert.notEqual(refreshed.refresh_token, s.tokens.refresh_token, 'the refresh token was not rotated');
    assert.notEqual(refreshed.access_token, s.tokens.access_token, 'the same access token was returned again');
    assert.match(exchange?.headers['cache-control'] || '', /no-store/, 'refresh response lacks Cache-Control: no-store');
    const claims = await verifyAccessToken(s, refreshed.access_token);
    assert.notEqual(claims.jti, s.claims.jti, 'the refreshed access token has the same jti');
    s.refreshed = refreshed;
  });

  flow.step('reuse of the rotated refresh token is refused with invalid_grant', async () => {
    await expectInvalidGrant(s, s.tokens.refresh_token, 'the old (rotated) refresh token');
  });

  flow.step('after reuse detection the whole family is revoked: the new refresh token is refused too', async () => {
    await expectInvalidGrant(s, s.refreshed.refresh_token, 'the newest refresh token of a family whose old token was replayed');
  });

  flow.step('the authorization code is single use: a replay is refused with invalid_grant', async () => {
    let refused;
    try {
      await exchangeAuthorization(s.issuer, {
        metadata: s.metadata,
        clientInformation: s.clientInformation,
        authorizationCode: s.code,
        codeVerifier: s.codeVerifier,
        redirectUri: s.redirectUri,
        resource: new URL(s.mcpUrl),
        fetchFn: recorder.fetch,
      });
    } catch (err) {
      refused = err;
    }
    const exchange = recorder.last(s.metadata.token_endpoint, 'POST');
    assert.ok(refused, 'a used authorization code was accepted again (OAuth 2.1 §4.1.3: codes are single use)');
    assert.ok(refused instanceof InvalidGrantError,
      `a replayed code: expected the SDK's InvalidGrantError, got ${refused.name}: ${refused.message} (HTTP ${exchange?.status}: ${exchange?.body})`);
    assert.equal(exchange.status, 400, 'invalid_grant must come with HTTP 400 (RFC 6749 §5.2)');
  });

  return flow;
}

async function verifyAccessToken(s, accessToken) {
  const header = decodeProtectedHeader(accessToken);
  let result;
  try {
    result = await jwtVerify(accessToken, s.jwks, {
      issuer: s.issuer,
      audience: s.mcpUrl,
      typ: 'at+jwt',
      requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'client_id'],
    });
  } catch (err) {
    const [, body] = accessToken.split('.');
    let payload;
    try { payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')); } catch { payload = '(undecodable)'; }
    throw new Error(`jose jwtVerify refused the access token: ${err.code || err.name}: ${err.message}\n  header: ${show(header)}\n  payload: ${show(payload)}`, { cause: err });
  }
  const { payload, protectedHeader } = result;
  assert.equal(protectedHeader.alg, 'ES256', `access token alg: ${show(protectedHeader)}`);
  assert.ok(protectedHeader.kid, `access token header has no kid: ${show(protectedHeader)}`);
  assert.equal(payload.sub, 'dev', `sub must be the auto-approved user: ${show(payload)}`);
  assert.equal(payload.client_id, s.clientInformation.client_id, `client_id claim: ${show(payload)}`);
  const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  assert.deepEqual(aud, [s.mcpUrl], `aud must be exactly the resource (RFC 8707 / RFC 9068 §3): ${show(payload)}`);
  const now = Math.floor(Date.now() / 1000);
  assert.ok(payload.exp > now, `exp is in the past: ${show(payload)}`);
  assert.ok(payload.iat <= now + 60, `iat is in the future: ${show(payload)}`);
  if (s.scope) {
    assert.equal(typeof payload.scope, 'string', `scope claim must be a space-separated string (RFC 9068 §2.2.3): ${show(payload)}`);
    for (const want of s.scope.split(' ')) {
      assert.ok(payload.scope.split(' ').includes(want), `scope claim lacks the requested "${want}": ${show(payload)}`);
    }
  }
  return payload;
}

async function expectInvalidGrant(s, refreshToken, what) {
  let refused;
  try {
    const tokens = await refreshAuthorization(s.issuer, {
      metadata: s.metadata,
      clientInformation: s.clientInformation,
      refreshToken,
      resource: new URL(s.mcpUrl),
      fetchFn: recorder.fetch,
    });
    assert.fail(`${what} was accepted (got new tokens: ${show(Object.keys(tokens))}); it must be refused with invalid_grant`);
  } catch (err) {
    if (err instanceof assert.AssertionError) throw err;
    refused = err;
  }
  const exchange = recorder.last(s.metadata.token_endpoint, 'POST');
  assert.ok(refused instanceof InvalidGrantError,
    `${what}: expected the SDK's InvalidGrantError, got ${refused.name}: ${refused.message} (HTTP ${exchange?.status}: ${exchange?.body})`);
  assert.equal(exchange.status, 400, `${what}: invalid_grant must come with HTTP 400 (RFC 6749 §5.2); got ${exchange.status}`);
}

mcpFlow({ slug: 'default', registerResource: true, scope: 'mcp:tools' });
mcpFlow({ slug: 'acme', createProject: true });
mcpFlow({ slug: 'default', portlessRedirect: true });

stopStep(server);
