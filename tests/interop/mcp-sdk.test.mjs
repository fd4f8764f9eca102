// tests/interop/mcp-sdk.test.mjs — the official MCP TypeScript SDK's OAuth client against
// gatehouse-server: Dynamic Client Registration with the SDK's registerClient (open, and with
// an Initial Access Token sent through the SDK's fetch hook), discovery, PKCE authorization with
// a resource indicator, code exchange, RFC 9068 access tokens checked with jose, refresh-token
// rotation and reuse detection; for the default project (root issuer) and for a second project
// at {base}/p/acme; a client created with the CLI (port-less loopback redirect URI); and the
// SDK's high-level auth() with an in-memory OAuthClientProvider and a stand-in MCP server that
// serves RFC 9728 metadata: by DCR, and as a CIMD client (Client ID Metadata Document served by
// the test itself, over http on loopback and over https with a throwaway test CA); CIMD
// refusals (/authorize and `cimd resolve`).
//
// Copyright 2026 The Gatehouse developers
// SPDX-License-Identifier: GPL-3.0-or-later

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import {
  auth,
  discoverAuthorizationServerMetadata,
  buildDiscoveryUrls,
  extractWWWAuthenticateParams,
  registerClient,
  startAuthorization,
  exchangeAuthorization,
  refreshAuthorization,
} from '@modelcontextprotocol/sdk/client/auth.js';
import { InvalidClientMetadataError, InvalidGrantError, InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import { jwtVerify, createRemoteJWKSet, decodeProtectedHeader } from 'jose';

import {
  Flow, HttpRecorder, useServer, followAuthorization, checkCallback, show, unusedPortish,
  HTTP_TIMEOUT_MS, stopStep, makeTestPki, ClientDocumentServer,
} from './harness.mjs';

const recorder = new HttpRecorder();
const server = useServer();

// A test CA for the CIMD documents served over HTTPS on loopback; the server trusts it through
// `serve --ca-file` (and `cimd resolve --ca-file`).
const pki = makeTestPki({ ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'] });
const pkiDir = mkdtempSync(join(tmpdir(), 'gatehouse-interop-ca-'));
const caFile = join(pkiDir, 'test-ca.pem');
writeFileSync(caFile, pki.caPem);
after(() => rmSync(pkiDir, { recursive: true, force: true }));
server.serveArgs = ['--ca-file', caFile];

const setup = new Flow('setup', { server, recorder });
setup.step('start gatehouse-server (serve --dev, port 0, --secrets file)', async () => {
  const base = await server.start();
  assert.match(base, /^http:\/\/127\.0\.0\.1:\d+$/, `the server printed an unexpected URL: ${base}`);
});

/**
 * A fetch for the SDK's `fetchFn` option that adds `Authorization: Bearer <token>` to POSTs to
 * `endpoint` only (the registration request), leaving every other request as it is.
 */
function withBearerFor(endpoint, token, baseFetch) {
  return (input, init = {}) => {
    const url = typeof Request !== 'undefined' && input instanceof Request ? input.url : String(input);
    if (url === endpoint && (init.method || 'GET').toUpperCase() === 'POST') {
      const headers = new Headers(init.headers);
      headers.set('Authorization', `Bearer ${token}`);
      return baseFetch(input, { ...init, headers });
    }
    return baseFetch(input, init);
  };
}

/** Issues an Initial Access Token with the CLI; it must be printed alone on stdout. */
async function issueIat(slug, ...extra) {
  const out = await server.cli(['iat', 'issue', '--project', slug, ...extra]);
  const token = out.trim();
  assert.match(token, /^iatk_[A-Za-z0-9_-]{16,}$/,
    `iat issue must print the token alone on stdout (iatk_...); got ${show(out)}`);
  return token;
}

/**
 * Checks a registration response (RFC 7591 §3.2.1) as it came over the wire (the SDK's parsed
 * result drops registration_access_token and registration_client_uri); returns its body.
 */
function checkRegistrationResponse(exchange, { issuer, redirectUri, publicClient = true }) {
  assert.ok(exchange, 'no registration request was recorded');
  assert.equal(exchange.status, 201, `a successful registration answers 201 Created (RFC 7591 §3.2.1); got HTTP ${exchange.status}: ${exchange.body}`);
  assert.match(exchange.headers['content-type'] || '', /^application\/json/, 'registration response Content-Type');
  assert.match(exchange.headers['cache-control'] || '', /no-store/,
    `the registration response carries credentials: Cache-Control: no-store expected; got ${show(exchange.headers)}`);
  const body = HttpRecorder.json(exchange);
  assert.match(String(body.client_id), /^client_[0-9a-f]{24}$/, `client_id must be client_<24 hex>: ${show(body)}`);
  if (publicClient) {
    assert.equal(body.token_endpoint_auth_method, 'none', `a public client's token_endpoint_auth_method: ${show(body)}`);
    assert.equal(body.client_secret, undefined, `a public client (auth method none) must get no client_secret: ${show(body)}`);
  }
  assert.ok(Array.isArray(body.redirect_uris) && body.redirect_uris.includes(redirectUri),
    `redirect_uris must be returned as registered (RFC 7591 §3.2.1), with ${redirectUri}: ${show(body)}`);
  assert.ok(body.grant_types?.includes('refresh_token'), `grant_types must keep refresh_token: ${show(body)}`);
  assert.equal(typeof body.registration_access_token, 'string', `no registration_access_token (RFC 7592 §3): ${show(body)}`);
  assert.equal(body.registration_client_uri, `${issuer}/register/${body.client_id}`,
    `registration_client_uri (RFC 7592 §3): ${show(body)}`);
  return body;
}

/**
 * The MCP SDK's authorization flow for one project.
 *  slug: project; registerResource: add the MCP server with `resource add` first (else the
 *  dev profile's open resource policy must accept it); scope: the scope to request;
 *  registration: 'cli' (client create), 'dcr-open' (registerClient, dcr_mode open) or
 *  'dcr-iat' (registerClient with an Initial Access Token, dcr_mode initial_access_token).
 */
function mcpFlow({ slug, createProject = false, registerResource = false, scope, portlessRedirect = false, registration = 'cli' }) {
  const label = { cli: 'client created with the CLI', 'dcr-open': 'DCR in open mode', 'dcr-iat': 'DCR with an initial access token' }[registration];
  const flow = new Flow(`mcp-sdk [${slug}, ${label}${portlessRedirect ? ', port-less loopback redirect' : ''}]`, { server, recorder, needs: [setup] });
  const s = { scope }; // state handed from step to step

  const settings = ['auto_approve_user=dev'];
  if (registration === 'dcr-iat') settings.push('dcr_mode=initial_access_token');
  flow.step(`configure the project with the CLI (${settings.join(', ')})`, async () => {
    if (createProject) {
      await server.cli(['project', 'create', slug, '--dev']);
    }
    await server.cli(['project', 'set', slug, ...settings]);
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
    if (registration !== 'cli') {
      assert.equal(metadata.registration_endpoint, `${s.issuer}/register`,
        `dcr_mode is not disabled: metadata must list registration_endpoint (RFC 8414 §2): ${show(metadata)}`);
    }
    s.metadata = metadata;
    s.jwks = createRemoteJWKSet(new URL(metadata.jwks_uri), { timeoutDuration: HTTP_TIMEOUT_MS });
  });

  if (registerResource) {
    flow.step('register the MCP server with the CLI (resource add)', async () => {
      await server.cli(['resource', 'add', s.mcpUrl, '--project', slug, '--name', 'interop MCP server',
        '--scopes', 'mcp:tools mcp:read']);
    });
  }

  // What an MCP client sends; with an IAT pinning the method, token_endpoint_auth_method is
  // left out and the server fills it in (the SDK must then use what the server returned).
  const clientMetadata = () => ({
    redirect_uris: [s.registeredRedirectUri],
    client_name: `MCP SDK interop (${slug}, ${label})`,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    ...(registration === 'dcr-iat' ? {} : { token_endpoint_auth_method: 'none' }),
    application_type: 'native',
  });

  if (registration === 'dcr-open') {
    flow.step('registerClient (RFC 7591, dcr_mode open): a public client', async () => {
      const info = await registerClient(s.issuer, {
        metadata: s.metadata, clientMetadata: clientMetadata(), scope, fetchFn: recorder.fetch,
      });
      const exchange = recorder.last(s.metadata.registration_endpoint, 'POST');
      assert.equal(exchange.authorization, undefined, 'open registration sent an Authorization header');
      checkRegistrationResponse(exchange, { issuer: s.issuer, redirectUri: s.registeredRedirectUri });
      if (scope) assert.equal(info.scope, scope, `registered scope: ${show(info)}`);
      s.clientInformation = info;
    });
  }

  if (registration === 'dcr-iat') {
    flow.step('registerClient without the initial access token fails: HTTP 401 invalid_token surfaces as an error', async () => {
      let refused;
      try {
        const info = await registerClient(s.issuer, { metadata: s.metadata, clientMetadata: clientMetadata(), fetchFn: recorder.fetch });
        assert.fail(`dcr_mode initial_access_token: a registration without a token was accepted: ${show(info)}`);
      } catch (err) {
        if (err instanceof assert.AssertionError) throw err;
        refused = err;
      }
      const exchange = recorder.last(s.metadata.registration_endpoint, 'POST');
      assert.equal(exchange.status, 401, `no initial access token: HTTP 401 expected (RFC 6750 §3.1); got ${exchange.status}: ${exchange.body}`);
      assert.match(exchange.headers['www-authenticate'] || '', /^Bearer\b/,
        `a 401 must carry WWW-Authenticate: Bearer (RFC 6750 §3); got ${show(exchange.headers)}`);
      assert.ok(refused instanceof InvalidTokenError,
        `expected the SDK's InvalidTokenError (error invalid_token), got ${refused.name}: ${refused.message} (HTTP ${exchange.status}: ${exchange.body})`);
    });

    flow.step('registerClient with a wrong initial access token fails: HTTP 401 error="invalid_token"', async () => {
      const fetchFn = withBearerFor(s.metadata.registration_endpoint, 'iatk_not-a-token-this-server-issued', recorder.fetch);
      await assert.rejects(
        registerClient(s.issuer, { metadata: s.metadata, clientMetadata: clientMetadata(), fetchFn }),
        (err) => {
          const exchange = recorder.last(s.metadata.registration_endpoint, 'POST');
          assert.equal(exchange.status, 401, `a wrong token: HTTP 401 expected; got ${exchange.status}: ${exchange.body}`);
          assert.match(exchange.headers['www-authenticate'] || '', /error="invalid_token"/,
            `a rejected token: WWW-Authenticate must carry error="invalid_token" (RFC 6750 §3.1): ${show(exchange.headers)}`);
          assert.ok(err instanceof InvalidTokenError, `expected InvalidTokenError, got ${err.name}: ${err.message}`);
          return true;
        },
        'a registration with a token the server never issued was accepted',
      );
    });

    flow.step('registerClient with an IAT (iat issue --pin token_endpoint_auth_method=none) through fetchFn', async () => {
      s.iat = await issueIat(slug, '--pin', 'token_endpoint_auth_method=none');
      const fetchFn = withBearerFor(s.metadata.registration_endpoint, s.iat, recorder.fetch);
      const info = await registerClient(s.issuer, { metadata: s.metadata, clientMetadata: clientMetadata(), scope, fetchFn });
      const exchange = recorder.last(s.metadata.registration_endpoint, 'POST');
      assert.match(exchange.authorization || '', /^Bearer iatk_/, 'the fetch hook did not add the IAT to the registration request');
      // The pin filled in the method the client left out; the SDK keeps what the server returned.
      checkRegistrationResponse(exchange, { issuer: s.issuer, redirectUri: s.registeredRedirectUri });
      assert.equal(info.token_endpoint_auth_method, 'none', `the SDK's client information: ${show(info)}`);
      s.clientInformation = info;
    });

    flow.step('the IAT is used up (--max-uses 1 by default): a second registerClient with it fails with 401', async () => {
      const fetchFn = withBearerFor(s.metadata.registration_endpoint, s.iat, recorder.fetch);
      await assert.rejects(
        registerClient(s.issuer, { metadata: s.metadata, clientMetadata: clientMetadata(), fetchFn }),
        (err) => {
          const exchange = recorder.last(s.metadata.registration_endpoint, 'POST');
          assert.equal(exchange.status, 401, `a used-up IAT: HTTP 401 expected; got ${exchange.status}: ${exchange.body}`);
          assert.ok(err instanceof InvalidTokenError, `expected InvalidTokenError, got ${err.name}: ${err.message}`);
          return true;
        },
        'a single-use initial access token registered a second client',
      );
    });
  }

  if (registration === 'cli') flow.step('register a public client with the CLI (client create)', async () => {
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

// ---------------------------------------------------------------------------------------------
// The SDK's high-level auth(), as MCP clients call it after a 401 from an MCP server.

/**
 * A stand-in MCP server (a resource server on loopback): RFC 9728 metadata naming the
 * authorization server, 401 with `WWW-Authenticate: Bearer resource_metadata=...` without a
 * valid token, 200 with an access token jose accepts for it (aud = its URL).
 */
class StandInMcpServer {
  constructor({ issuer, jwksUri, scopes }) {
    this.issuer = issuer;
    this.jwks = createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: HTTP_TIMEOUT_MS });
    this.scopes = scopes;
    this.http = createServer((req, res) => {
      this.handle(req, res).catch((err) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(err));
      });
    });
  }

  async start() {
    await new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(0, '127.0.0.1', resolve);
    });
    const origin = `http://127.0.0.1:${this.http.address().port}`;
    this.url = `${origin}/mcp`;
    this.metadataUrl = `${origin}/.well-known/oauth-protected-resource/mcp`;
    return this.url;
  }

  async handle(req, res) {
    const path = new URL(req.url, 'http://x').pathname;
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
    try {
      const { payload } = await jwtVerify(m[1], this.jwks, { issuer: this.issuer, audience: this.url, typ: 'at+jwt' });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, sub: payload.sub, client_id: payload.client_id, scope: payload.scope }));
    } catch (err) {
      res.writeHead(401, {
        'www-authenticate': `${challenge}, error="invalid_token", error_description="${String(err.code || err.message).replace(/"/g, "'")}"`,
        'content-type': 'application/json',
      });
      res.end(JSON.stringify({ error: 'invalid_token', error_description: err.message }));
    }
  }

  async stop() {
    this.http.closeAllConnections?.();
    await new Promise((resolve) => this.http.close(() => resolve()));
  }
}

/**
 * An OAuthClientProvider keeping everything in memory, as a headless MCP client would: client
 * information, tokens, code verifier, discovery state. redirectToAuthorization "opens the
 * browser": it follows the auto-approve redirect (fetch, redirect: 'manual') and keeps the
 * callback URL (with follow: false it only records the authorization URL). No
 * clientMetadataUrl unless given; clientInformation seeds what an earlier run saved.
 */
class InMemoryOAuthClientProvider {
  constructor({ redirectUrl, clientMetadata, clientMetadataUrl, clientInformation, follow = true }) {
    this._redirectUrl = redirectUrl;
    this._clientMetadata = clientMetadata;
    if (clientMetadataUrl !== undefined) this.clientMetadataUrl = clientMetadataUrl;
    this._clientInformation = clientInformation;
    this.follow = follow;
    this.redirects = [];
    this.invalidations = [];
    this.savedClientInformation = [];
  }

  get redirectUrl() { return this._redirectUrl; }

  get clientMetadata() { return this._clientMetadata; }

  state() {
    this.lastState = `st-${Math.random().toString(36).slice(2)}`;
    return this.lastState;
  }

  clientInformation() { return this._clientInformation; }

  saveClientInformation(info) {
    this.savedClientInformation.push(info);
    this._clientInformation = info;
  }

  tokens() { return this._tokens; }

  saveTokens(tokens) { this._tokens = tokens; }

  async redirectToAuthorization(authorizationUrl) {
    this.redirects.push(authorizationUrl);
    if (!this.follow) return;
    this.callback = await followAuthorization(recorder, authorizationUrl, String(this._redirectUrl));
  }

  saveCodeVerifier(codeVerifier) { this._codeVerifier = codeVerifier; }

  codeVerifier() {
    if (!this._codeVerifier) throw new Error('the SDK asked for a code verifier it never saved');
    return this._codeVerifier;
  }

  saveDiscoveryState(state) { this._discoveryState = state; }

  discoveryState() { return this._discoveryState; }

  invalidateCredentials(scope) {
    this.invalidations.push(scope);
    if (scope === 'all' || scope === 'client') this._clientInformation = undefined;
    if (scope === 'all' || scope === 'tokens') this._tokens = undefined;
    if (scope === 'all' || scope === 'verifier') this._codeVerifier = undefined;
    if (scope === 'all' || scope === 'discovery') this._discoveryState = undefined;
  }
}

function countRegistrations(issuer) {
  return recorder.exchanges.filter((e) => e.method === 'POST' && e.url === `${issuer}/register`).length;
}

function authFlow() {
  const flow = new Flow('mcp-sdk auth() [default, DCR in open mode, OAuthClientProvider]', { server, recorder, needs: [setup] });
  const s = { scope: 'mcp:tools' };
  let mcp;
  after(async () => { await mcp?.stop(); });

  flow.step('start a stand-in MCP server (RFC 9728 metadata) and register it with the CLI (resource add)', async () => {
    await server.cli(['project', 'set', 'default', 'auto_approve_user=dev']);
    s.issuer = server.issuer('default');
    mcp = new StandInMcpServer({ issuer: s.issuer, jwksUri: `${s.issuer}/jwks`, scopes: [s.scope] });
    s.mcpUrl = await mcp.start();
    s.jwks = mcp.jwks;
    await server.cli(['resource', 'add', s.mcpUrl, '--name', 'stand-in MCP server', '--scopes', s.scope]);
    s.redirectUri = `http://127.0.0.1:${unusedPortish()}/oauth/callback`;
    s.provider = new InMemoryOAuthClientProvider({
      redirectUrl: s.redirectUri,
      clientMetadata: {
        redirect_uris: [s.redirectUri],
        client_name: 'MCP SDK interop (auth())',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
        application_type: 'native',
      },
    });
  });

  flow.step('an MCP request without a token: 401 with WWW-Authenticate resource_metadata (extractWWWAuthenticateParams)', async () => {
    const response = await recorder.fetch(s.mcpUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(response.status, 401, 'the stand-in MCP server must answer 401 without a token');
    const params = extractWWWAuthenticateParams(response);
    assert.equal(params.resourceMetadataUrl?.href, mcp.metadataUrl, `resource_metadata from WWW-Authenticate: ${show(params)}`);
    s.resourceMetadataUrl = params.resourceMetadataUrl;
  });

  flow.step('auth(): RFC 9728 + RFC 8414 discovery, registration by DCR (no clientMetadataUrl, CIMD advertised), authorization redirect followed', async () => {
    assert.equal(s.provider.clientMetadataUrl, undefined, 'this provider must not offer a clientMetadataUrl');
    const mark = recorder.mark();
    const result = await auth(s.provider, { serverUrl: s.mcpUrl, resourceMetadataUrl: s.resourceMetadataUrl, fetchFn: recorder.fetch });
    assert.equal(result, 'REDIRECT', `auth() without tokens must start an authorization (REDIRECT); got ${show(result)}`);
    // CIMD is advertised, yet a client without a document must still register by DCR.
    assert.equal(s.provider.discoveryState()?.authorizationServerMetadata?.client_id_metadata_document_supported, true,
      `the metadata auth() used must advertise client_id_metadata_document_supported: true (dev project, cimd_enabled): ${show(s.provider.discoveryState()?.authorizationServerMetadata)}`);
    const urls = recorder.exchanges.slice(mark).map((e) => `${e.method} ${e.url}`);
    assert.equal(urls[0], `GET ${mcp.metadataUrl}`, `auth() must read the protected resource metadata first: ${show(urls)}`);
    // Discovery, then registration at the advertised endpoint.
    const registration = recorder.last(`${s.issuer}/register`, 'POST');
    assert.ok(registration && recorder.exchanges.indexOf(registration) >= mark,
      `auth() did not register by DCR (no POST ${s.issuer}/register): ${show(urls)}`);
    const registered = checkRegistrationResponse(registration, { issuer: s.issuer, redirectUri: s.redirectUri });
    assert.equal(JSON.parse(registration.requestBody).scope, s.scope,
      `auth() registers with the scope from the resource metadata's scopes_supported (SEP-835): ${registration.requestBody}`);
    const info = s.provider.clientInformation();
    assert.equal(info?.client_id, registered.client_id, `saveClientInformation got ${show(info)}`);
    assert.equal(info.issuer, s.issuer, `the SDK binds the client information to the authorization server: ${show(info)}`);
    // The authorization request the SDK built.
    assert.equal(s.provider.redirects.length, 1, 'redirectToAuthorization was not called exactly once');
    const p = s.provider.redirects[0].searchParams;
    assert.equal(p.get('client_id'), registered.client_id, 'authorization request client_id');
    assert.equal(p.get('resource'), s.mcpUrl, 'authorization request resource (RFC 8707): the resource metadata\'s resource');
    assert.equal(p.get('scope'), s.scope, 'authorization request scope');
    assert.equal(p.get('code_challenge_method'), 'S256', 'PKCE method');
    assert.equal(p.get('redirect_uri'), s.redirectUri, 'authorization request redirect_uri');
    s.code = checkCallback(s.provider.callback, { state: s.provider.lastState, issuer: s.issuer });
    s.clientId = registered.client_id;
  });

  flow.step('auth() with the authorization code: tokens saved (AUTHORIZED), access token verified with jose', async () => {
    const result = await auth(s.provider, { serverUrl: s.mcpUrl, authorizationCode: s.code, fetchFn: recorder.fetch });
    assert.equal(result, 'AUTHORIZED', `auth() with a code: ${show(result)}`);
    assert.deepEqual(s.provider.invalidations, [],
      'the SDK invalidated credentials (it got invalid_client/invalid_grant and retried): see the HTTP exchanges');
    const exchange = recorder.last(`${s.issuer}/token`, 'POST');
    const form = new URLSearchParams(exchange.requestBody);
    assert.equal(form.get('resource'), s.mcpUrl, `token request resource: ${exchange.requestBody}`);
    assert.equal(form.get('client_id'), s.clientId, `token request client_id (auth method none): ${exchange.requestBody}`);
    s.tokens = s.provider.tokens();
    assert.ok(s.tokens?.access_token && s.tokens.refresh_token, `saveTokens got ${show(s.tokens && Object.keys(s.tokens))}`);
    s.claims = await verifyAccessToken({ ...s, clientInformation: { client_id: s.clientId } }, s.tokens.access_token);
  });

  flow.step('the stand-in MCP server accepts the access token (aud = its URL)', async () => {
    const response = await recorder.fetch(s.mcpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${s.tokens.access_token}` },
      body: '{}',
    });
    const body = await response.text();
    assert.equal(response.status, 200, `the MCP server refused the token: HTTP ${response.status} ${response.headers.get('www-authenticate')} ${body}`);
    assert.equal(JSON.parse(body).client_id, s.clientId);
  });

  flow.step('auth() again with stored tokens: a refresh (rotated refresh token), no new registration or redirect', async () => {
    const registrations = countRegistrations(s.issuer);
    const result = await auth(s.provider, { serverUrl: s.mcpUrl, fetchFn: recorder.fetch });
    assert.equal(result, 'AUTHORIZED', `auth() with a refresh token: ${show(result)}`);
    assert.equal(countRegistrations(s.issuer), registrations, 'auth() registered a new client although it had one');
    assert.equal(s.provider.redirects.length, 1, 'auth() started a new authorization instead of refreshing');
    const exchange = recorder.last(`${s.issuer}/token`, 'POST');
    assert.equal(new URLSearchParams(exchange.requestBody).get('grant_type'), 'refresh_token', `last token request: ${exchange.requestBody}`);
    const tokens = s.provider.tokens();
    assert.notEqual(tokens.refresh_token, s.tokens.refresh_token, 'the refresh token was not rotated');
    const claims = await verifyAccessToken({ ...s, clientInformation: { client_id: s.clientId } }, tokens.access_token);
    assert.notEqual(claims.jti, s.claims.jti, 'the refreshed access token has the same jti');
  });

  return flow;
}


// ---------------------------------------------------------------------------------------------
// Client ID Metadata Documents (CIMD): the client_id is the URL of a JSON document the client
// serves; the authorization server fetches it at /authorize. The SDK chooses CIMD when the
// provider has a clientMetadataUrl and the metadata says client_id_metadata_document_supported
// (it then never registers and saves { client_id: URL }); it accepts only an https URL.

const CIMD_CACHE_CONTROL = 'public, max-age=300';

function cimdDocument(url, redirectUri, name) {
  return {
    client_id: url,
    client_name: name,
    client_uri: new URL(url).origin,
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  };
}

/**
 * One CIMD client through the SDK's auth(), with a stand-in MCP server of its server.
 *  'https': the SDK's own CIMD choice (provider.clientMetadataUrl, https, served with the test
 *    CA that the server trusts through `serve --ca-file`).
 *  'http': a document on http://127.0.0.1 (accepted because `serve --dev` projects have
 *    allow_loopback_cimd), which the SDK refuses as a clientMetadataUrl (https only): the
 *    provider resumes with the client information the SDK saves when it chooses CIMD.
 */
function cimdFlow(variant) {
  const flow = new Flow(`mcp-sdk auth() [default, CIMD client, ${variant} document]`, { server, recorder, needs: [setup] });
  const s = { scope: 'mcp:tools' };
  const v = { name: variant };
  let mcp;
  let docs;
  after(async () => {
    await mcp?.stop();
    await docs?.stop();
  });
  const clientMetadata = () => ({
    redirect_uris: [v.redirectUri],
    client_name: `MCP SDK interop (CIMD, ${variant})`,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  });
  const title = variant === 'https'
    ? 'serve the document over https on 127.0.0.1 (a test CA, given to serve --ca-file), a stand-in MCP server, resource add'
    : 'serve the document over http on 127.0.0.1, a stand-in MCP server, resource add';
  flow.step(title, async () => {
    s.firstMark = recorder.mark();
    await server.cli(['project', 'set', 'default', 'auto_approve_user=dev']);
    s.issuer = server.issuer('default');
    mcp = new StandInMcpServer({ issuer: s.issuer, jwksUri: `${s.issuer}/jwks`, scopes: [s.scope] });
    s.mcpUrl = await mcp.start();
    s.jwks = mcp.jwks;
    await server.cli(['resource', 'add', s.mcpUrl, '--name', `stand-in MCP server (CIMD, ${variant})`, '--scopes', s.scope]);
    docs = new ClientDocumentServer(variant === 'https' ? { tls: pki } : {});
    await docs.start();
    v.docs = docs;
    v.path = '/oauth/client.json';
    v.url = docs.url(v.path);
    v.redirectUri = `http://127.0.0.1:${unusedPortish()}/oauth/callback`;
    docs.serve(v.path, cimdDocument(v.url, v.redirectUri, `MCP SDK interop (CIMD over ${variant})`),
      { headers: { 'cache-control': CIMD_CACHE_CONTROL } });
  });

  flow.step('discovery advertises client_id_metadata_document_supported: true (and "none"; registration_endpoint stays)', async () => {
    const metadata = await discoverAuthorizationServerMetadata(s.issuer, { fetchFn: recorder.fetch });
    assert.equal(metadata.client_id_metadata_document_supported, true,
      `a dev project has cimd_enabled: metadata must say client_id_metadata_document_supported: true: ${show(metadata)}`);
    assert.ok(metadata.token_endpoint_auth_methods_supported?.includes('none'),
      `CIMD clients are public: token_endpoint_auth_methods_supported must include "none": ${show(metadata.token_endpoint_auth_methods_supported)}`);
    assert.equal(metadata.registration_endpoint, `${s.issuer}/register`, 'DCR stays available next to CIMD');
    s.metadata = metadata;
  });

  if (variant === 'https') {
    flow.step('auth() with an https clientMetadataUrl: no DCR, the document URL is the client_id (REDIRECT)', async () => {
      v.provider = new InMemoryOAuthClientProvider({
        redirectUrl: v.redirectUri, clientMetadata: clientMetadata(), clientMetadataUrl: v.url, follow: false,
      });
      const mark = recorder.mark();
      const result = await auth(v.provider, { serverUrl: s.mcpUrl, resourceMetadataUrl: new URL(mcp.metadataUrl), fetchFn: recorder.fetch });
      assert.equal(result, 'REDIRECT', `auth(): ${show(result)}`);
      const urls = recorder.exchanges.slice(mark).map((e) => `${e.method} ${e.url}`);
      assert.ok(!urls.some((u) => u.startsWith(`POST ${s.issuer}/register`)),
        `CIMD is advertised and the provider has a clientMetadataUrl: the SDK must not register by DCR: ${show(urls)}`);
      assert.deepEqual(v.provider.savedClientInformation, [{ client_id: v.url, issuer: s.issuer }],
        'the SDK saves the document URL as the client_id, bound to the authorization server');
      assert.equal(v.provider.redirects.length, 1, 'redirectToAuthorization was not called exactly once');
      checkCimdAuthorizationUrl(s, v, v.provider.redirects[0]);
      assert.equal(docs.count(v.path), 0, `the document is fetched by the server at /authorize, not before: ${docs.describe()}`);
    });

    flow.step('/authorize fetches the https document (test CA via serve --ca-file) once and redirects with code, state, iss', async () => {
      v.provider.callback = await followAuthorization(recorder, v.provider.redirects[0], v.redirectUri);
      v.code = checkCallback(v.provider.callback, { state: v.provider.lastState, issuer: s.issuer });
      assert.equal(docs.count(v.path), 1, `the server must fetch the document once: ${docs.describe()}`);
    });
  } else {
    flow.step('auth() with an http clientMetadataUrl: the SDK refuses it (InvalidClientMetadataError: https only), registers nothing', async () => {
      const provider = new InMemoryOAuthClientProvider({
        redirectUrl: v.redirectUri, clientMetadata: clientMetadata(), clientMetadataUrl: v.url,
      });
      const mark = recorder.mark();
      await assert.rejects(
        auth(provider, { serverUrl: s.mcpUrl, resourceMetadataUrl: new URL(mcp.metadataUrl), fetchFn: recorder.fetch }),
        (err) => err instanceof InvalidClientMetadataError && /HTTPS/i.test(err.message),
        'the SDK accepted an http clientMetadataUrl',
      );
      const urls = recorder.exchanges.slice(mark).map((e) => `${e.method} ${e.url}`);
      assert.ok(!urls.some((u) => u.startsWith(`POST ${s.issuer}/register`) || u.includes('/authorize')),
        `the SDK went on after refusing the URL: ${show(urls)}`);
      assert.equal(docs.count(v.path), 0, `nothing may fetch the document: ${docs.describe()}`);
    });

    flow.step('auth() resumed with the client information a CIMD choice saves ({ client_id: URL }): document fetched once, REDIRECT with code, state, iss', async () => {
      v.provider = new InMemoryOAuthClientProvider({
        redirectUrl: v.redirectUri, clientMetadata: clientMetadata(), clientInformation: { client_id: v.url, issuer: s.issuer },
      });
      const mark = recorder.mark();
      const result = await auth(v.provider, { serverUrl: s.mcpUrl, resourceMetadataUrl: new URL(mcp.metadataUrl), fetchFn: recorder.fetch });
      assert.equal(result, 'REDIRECT', `auth(): ${show(result)}`);
      const urls = recorder.exchanges.slice(mark).map((e) => `${e.method} ${e.url}`);
      assert.ok(!urls.some((u) => u.startsWith(`POST ${s.issuer}/register`)), `the SDK registered by DCR: ${show(urls)}`);
      checkCimdAuthorizationUrl(s, v, v.provider.redirects[0]);
      v.code = checkCallback(v.provider.callback, { state: v.provider.lastState, issuer: s.issuer });
      assert.equal(docs.count(v.path), 1, `the server must fetch the document exactly once at /authorize: ${docs.describe()}`);
    });
  }

  flow.step('auth() with the code: AUTHORIZED, no client secret, access token verified with jose (client_id claim = the document URL), accepted by the MCP server', async () => {
    const result = await auth(v.provider, { serverUrl: s.mcpUrl, authorizationCode: v.code, fetchFn: recorder.fetch });
    assert.equal(result, 'AUTHORIZED', `auth() with a code: ${show(result)}`);
    assert.deepEqual(v.provider.invalidations, [], 'the SDK invalidated credentials: see the HTTP exchanges');
    const exchange = recorder.last(`${s.issuer}/token`, 'POST');
    const form = new URLSearchParams(exchange.requestBody);
    assert.equal(form.get('client_id'), v.url, `token request client_id: ${exchange.requestBody}`);
    assert.equal(form.get('client_secret'), null, 'a CIMD client (auth method none) sent a client_secret');
    assert.equal(exchange.authorization, undefined, 'a CIMD client (auth method none) sent an Authorization header');
    assert.equal(form.get('resource'), s.mcpUrl, `token request resource: ${exchange.requestBody}`);
    v.tokens = v.provider.tokens();
    assert.ok(v.tokens?.access_token && v.tokens.refresh_token, `saveTokens got ${show(v.tokens && Object.keys(v.tokens))}`);
    v.claims = await verifyAccessToken({ ...s, clientInformation: { client_id: v.url } }, v.tokens.access_token);
    const response = await recorder.fetch(s.mcpUrl, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${v.tokens.access_token}` }, body: '{}',
    });
    const body = await response.text();
    assert.equal(response.status, 200, `the stand-in MCP server refused the token: HTTP ${response.status} ${response.headers.get('www-authenticate')} ${body}`);
    assert.equal(JSON.parse(body).client_id, v.url);
  });

  flow.step(`auth() again: a refresh (rotated), no registration or redirect, the document not fetched again (${CIMD_CACHE_CONTROL})`, async () => {
    const fetched = docs.count(v.path);
    const result = await auth(v.provider, { serverUrl: s.mcpUrl, fetchFn: recorder.fetch });
    assert.equal(result, 'AUTHORIZED', `auth() with a refresh token: ${show(result)}`);
    assert.equal(v.provider.redirects.length, 1, 'auth() started a new authorization instead of refreshing');
    const exchange = recorder.last(`${s.issuer}/token`, 'POST');
    const form = new URLSearchParams(exchange.requestBody);
    assert.equal(form.get('grant_type'), 'refresh_token', `last token request: ${exchange.requestBody}`);
    assert.equal(form.get('client_id'), v.url, `refresh request client_id: ${exchange.requestBody}`);
    const tokens = v.provider.tokens();
    assert.notEqual(tokens.refresh_token, v.tokens.refresh_token, 'the refresh token was not rotated');
    const claims = await verifyAccessToken({ ...s, clientInformation: { client_id: v.url } }, tokens.access_token);
    assert.notEqual(claims.jti, v.claims.jti, 'the refreshed access token has the same jti');
    assert.equal(docs.count(v.path), fetched,
      `the document was fetched again within its cache lifetime (${CIMD_CACHE_CONTROL}): ${docs.describe()}`);
    assert.equal(fetched, 1, `the whole flow must fetch the document once: ${docs.describe()}`);
  });

  flow.step('the CIMD client made no request to the registration endpoint (counted through the fetch wrapper)', async () => {
    const registrations = recorder.exchanges.slice(s.firstMark).filter((e) => e.url.startsWith(`${s.issuer}/register`));
    assert.deepEqual(registrations.map((e) => `${e.method} ${e.url}`), [], 'a CIMD client used DCR');
  });

  return flow;
}

function checkCimdAuthorizationUrl(s, v, authorizationUrl) {
  const p = authorizationUrl.searchParams;
  assert.equal(`${authorizationUrl.origin}${authorizationUrl.pathname}`, s.metadata.authorization_endpoint, 'authorization endpoint');
  assert.equal(p.get('client_id'), v.url, 'authorization request client_id: the document URL');
  assert.equal(p.get('redirect_uri'), v.redirectUri, 'authorization request redirect_uri');
  assert.equal(p.get('resource'), s.mcpUrl, 'authorization request resource (RFC 8707)');
  assert.equal(p.get('scope'), s.scope, 'authorization request scope');
  assert.equal(p.get('code_challenge_method'), 'S256', 'PKCE method');
  assert.ok(p.get('state'), 'authorization request state');
}

/** Documents the server must refuse, at /authorize and in `cimd resolve`. */
function cimdRefusalFlow() {
  const flow = new Flow('CIMD refusals and cimd resolve [default]', { server, recorder, needs: [setup] });
  const s = {};
  let http;
  let https;
  after(async () => {
    await http?.stop();
    await https?.stop();
  });

  flow.step('serve a document whose client_id is not its URL, and good ones (http and https on loopback)', async () => {
    s.issuer = server.issuer('default');
    s.metadata = await discoverAuthorizationServerMetadata(s.issuer, { fetchFn: recorder.fetch });
    http = new ClientDocumentServer();
    https = new ClientDocumentServer({ tls: pki });
    await http.start();
    await https.start();
    s.redirectUri = `http://127.0.0.1:${unusedPortish()}/oauth/callback`;
    s.wrongPath = '/oauth/wrong-client-id.json';
    s.wrongUrl = http.url(s.wrongPath);
    http.serve(s.wrongPath, { ...cimdDocument(s.wrongUrl, s.redirectUri, 'wrong client_id'), client_id: `${http.origin}/oauth/another.json` },
      { headers: { 'cache-control': CIMD_CACHE_CONTROL } });
    s.goodUrl = http.url('/oauth/good.json');
    http.serve('/oauth/good.json', cimdDocument(s.goodUrl, s.redirectUri, 'good (http)'), { headers: { 'cache-control': CIMD_CACHE_CONTROL } });
    s.goodHttpsUrl = https.url('/oauth/good.json');
    https.serve('/oauth/good.json', cimdDocument(s.goodHttpsUrl, s.redirectUri, 'good (https)'), { headers: { 'cache-control': CIMD_CACHE_CONTROL } });
  });

  flow.step('/authorize with a document whose client_id differs from its URL: HTTP 400 page, no redirect to the client', async () => {
    const { authorizationUrl } = await startAuthorization(s.issuer, {
      metadata: s.metadata,
      clientInformation: { client_id: s.wrongUrl },
      redirectUrl: s.redirectUri,
      scope: 'mcp:tools',
      state: 'st-wrong-client-id',
      resource: new URL(`http://127.0.0.1:${unusedPortish()}/mcp`),
    });
    // As a browser asks (the user's browser is where /authorize answers): an HTML page.
    const response = await recorder.fetch(authorizationUrl, {
      redirect: 'manual', headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' },
    });
    const body = await response.text();
    assert.equal(response.headers.get('location'), null,
      `an unverifiable client must never be redirected to (RFC 6749 §4.1.2.1): Location ${response.headers.get('location')}`);
    assert.equal(response.status, 400, `HTTP ${response.status}: ${body.slice(0, 600)}`);
    assert.match(response.headers.get('content-type') || '', /^text\/html/, 'a browser gets the refusal as a page');
    assert.match(body, /client_id/, `the page should name the client_id rule: ${body.slice(0, 600)}`);
    assert.equal(http.count(s.wrongPath), 1, `the server must have fetched the document once: ${http.describe()}`);
    // Without text/html in Accept: the same refusal as JSON, still no redirect.
    const plain = await recorder.fetch(authorizationUrl, { redirect: 'manual' });
    const json = await plain.json();
    assert.equal(plain.status, 400, `HTTP ${plain.status}: ${show(json)}`);
    assert.equal(plain.headers.get('location'), null, 'a non-browser request was redirected');
    assert.equal(json.error, 'invalid_client', `error: ${show(json)}`);
    assert.match(json.error_description || '', /client_id/, `error_description names the rule: ${show(json)}`);
  });

  flow.step('cimd resolve on that document exits 1 and names the client_id rule (document.client_id)', async () => {
    const r = await server.cliStatus(['cimd', 'resolve', s.wrongUrl]);
    assert.equal(r.code, 1, `cimd resolve of a refused document must exit 1: exit ${r.code}\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /FAIL\s+document\.client_id\b.*not byte for byte the URL/,
      `the report must fail the client_id rule: ${r.stdout}`);
  });

  flow.step('cimd resolve on a good http loopback document exits 0', async () => {
    const r = await server.cliStatus(['cimd', 'resolve', s.goodUrl]);
    assert.equal(r.code, 0, `cimd resolve of a good document must exit 0: exit ${r.code}\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /ok\s+document\.client_id\b/, `the report: ${r.stdout}`);
  });

  flow.step('cimd resolve --ca-file (test CA) on a good https loopback document exits 0', async () => {
    const r = await server.cliStatus(['cimd', 'resolve', s.goodHttpsUrl, '--ca-file', caFile]);
    assert.equal(r.code, 0, `cimd resolve of a good https document must exit 0: exit ${r.code}\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /ok\s+document\.client_id\b/, `the report: ${r.stdout}`);
  });

  return flow;
}

mcpFlow({ slug: 'default', registerResource: true, scope: 'mcp:tools', registration: 'dcr-open' });
mcpFlow({ slug: 'acme', createProject: true, registration: 'dcr-iat' });
mcpFlow({ slug: 'default', portlessRedirect: true, registration: 'cli' });
authFlow();
cimdFlow('http');
cimdFlow('https');
cimdRefusalFlow();

stopStep(server);
