// tests/interop/openid-client.test.mjs — openid-client v6 (a certified OpenID Connect relying
// party library) against gatehouse-server: discovery, authorization code + PKCE with nonce and
// state, ID token (signature, iss, aud, nonce, at_hash), userinfo, refresh, revocation, and
// introspection by a confidential client (client_secret_basic); Dynamic Client Registration
// (RFC 7591) with an Initial Access Token, of a public and of a confidential client, each then
// running the code flow.
//
// Copyright 2026 The Gatehouse developers
// SPDX-License-Identifier: GPL-3.0-or-later

import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { jwtVerify, createRemoteJWKSet } from 'jose';

import {
  Flow, HttpRecorder, useServer, followAuthorization, checkCallback, show, unusedPortish, atHash,
  HTTP_TIMEOUT_MS, stopStep,
} from './harness.mjs';

const recorder = new HttpRecorder();
const server = useServer();
const clientTimeoutSeconds = Math.ceil(HTTP_TIMEOUT_MS / 1000);

function discoveryOptions(extra = {}) {
  return {
    execute: [client.allowInsecureRequests], // http issuer on loopback
    [client.customFetch]: recorder.fetch,
    timeout: clientTimeoutSeconds,
    ...extra,
  };
}

const setup = new Flow('setup', { server, recorder });
setup.step('start gatehouse-server (serve --dev, port 0, --secrets file)', async () => {
  const base = await server.start();
  assert.match(base, /^http:\/\/127\.0\.0\.1:\d+$/, `the server printed an unexpected URL: ${base}`);
  await server.cli(['project', 'set', 'default', 'auto_approve_user=dev']);
});

/** Authorization code + PKCE + nonce + state through the auto-approve user; returns tokens. */
async function codeFlow(s, config, { scope }) {
  const codeVerifier = client.randomPKCECodeVerifier();
  const codeChallenge = await client.calculatePKCECodeChallenge(codeVerifier);
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: s.redirectUri,
    scope,
    code_challenge: codeChallenge,
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  const callback = await followAuthorization(recorder, url, s.redirectUri);
  checkCallback(callback, { state, issuer: s.issuer }); // clearer messages than the library's
  const tokens = await client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: codeVerifier,
    expectedNonce: nonce,
    expectedState: state,
    idTokenExpected: true,
  });
  const exchange = recorder.last(config.serverMetadata().token_endpoint, 'POST');
  assert.match(exchange?.headers['cache-control'] || '', /no-store/,
    `token response must carry Cache-Control: no-store (RFC 6749 §5.1); got ${show(exchange?.headers)}`);
  assert.ok(tokens.id_token, 'no id_token for scope openid');
  const claims = tokens.claims();
  assert.equal(claims.nonce, nonce, 'ID token nonce');
  assert.equal(claims.iss, s.issuer, 'ID token iss');
  assert.equal(claims.sub, 'dev', 'ID token sub must be the auto-approved user');
  // openid-client trusts the TLS channel for the ID token's signature and leaves at_hash to
  // the relying party in the code flow: both are checked here.
  const { payload } = await jwtVerify(tokens.id_token, s.jwks, {
    issuer: s.issuer,
    audience: config.clientMetadata().client_id,
    requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat'],
  }).catch((err) => { throw new Error(`jose refused the ID token: ${err.code}: ${err.message}; claims ${show(claims)}`, { cause: err }); });
  assert.ok(payload.at_hash, `ID token has no at_hash: ${show(payload)}`);
  assert.equal(payload.at_hash, atHash(tokens.access_token),
    'ID token at_hash must be base64url(left half of SHA-256(access_token)) (OIDC Core §3.1.3.6)');
  assert.ok(tokens.refresh_token, `no refresh_token: ${show(Object.keys(tokens))}`);
  return tokens;
}

// ---------------------------------------------------------------------------------------------
// A public client: the full OIDC flow, refresh and revocation.

const pub = new Flow('openid-client [public]', { server, recorder, needs: [setup] });
const s = {};

pub.step('discovery (OIDC, allowInsecureRequests on loopback)', async () => {
  s.issuer = server.issuer('default');
  const config = await client.discovery(new URL(s.issuer), 'not-yet-registered', undefined, client.None(), discoveryOptions());
  const md = config.serverMetadata();
  assert.equal(md.issuer, s.issuer, 'issuer');
  assert.ok(md.supportsPKCE('S256'), `PKCE S256 not advertised: ${show(md.code_challenge_methods_supported)}`);
  for (const field of ['authorization_endpoint', 'token_endpoint', 'jwks_uri', 'userinfo_endpoint',
    'revocation_endpoint', 'introspection_endpoint']) {
    assert.equal(typeof md[field], 'string', `metadata lacks ${field}: ${show(md)}`);
  }
  assert.ok(md.id_token_signing_alg_values_supported?.includes('ES256'),
    `id_token_signing_alg_values_supported must list ES256 (OIDC Discovery §3, REQUIRED): ${show(md.id_token_signing_alg_values_supported)}`);
  assert.ok(Array.isArray(md.subject_types_supported),
    `subject_types_supported is REQUIRED (OIDC Discovery §3): ${show(md.subject_types_supported)}`);
  s.jwks = createRemoteJWKSet(new URL(md.jwks_uri), { timeoutDuration: HTTP_TIMEOUT_MS });
  s.serverMetadata = md;
});

pub.step('register a public client with the CLI', async () => {
  s.redirectUri = `http://127.0.0.1:${unusedPortish()}/cb`;
  const c = await server.cli(['client', 'create', '--redirect-uri', s.redirectUri, '--name', 'openid-client interop',
    '--auth-method', 'none', '--scope', 'openid profile email'], { json: true });
  assert.match(String(c.client_id), /^client_[0-9a-f]{24}$/, `client create --json: ${show(c)}`);
  s.clientId = c.client_id;
  // The same metadata, now with the registered client.
  s.config = new client.Configuration(s.serverMetadata, s.clientId, undefined, client.None());
  client.allowInsecureRequests(s.config);
  s.config[client.customFetch] = recorder.fetch;
  s.config.timeout = clientTimeoutSeconds;
});

pub.step('an authorization error (no PKCE) returns to the client with state and iss: AuthorizationResponseError', async () => {
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(s.config, { redirect_uri: s.redirectUri, scope: 'openid', state });
  const callback = await followAuthorization(recorder, url, s.redirectUri);
  assert.equal(callback.searchParams.get('iss'), s.issuer,
    `an error response must carry iss too (RFC 9207 §2): ${callback.href}`);
  await assert.rejects(
    client.authorizationCodeGrant(s.config, callback, { expectedState: state, pkceCodeVerifier: client.randomPKCECodeVerifier() }),
    (err) => {
      assert.ok(err instanceof client.AuthorizationResponseError,
        `expected an AuthorizationResponseError, got ${err.name}: ${err.message} (${callback.href})`);
      assert.equal(err.error, 'invalid_request', `error code for a request without code_challenge: ${callback.href}`);
      return true;
    },
  );
});

pub.step('authorization code + PKCE S256 + nonce + state; ID token, iss, at_hash validated', async () => {
  s.tokens = await codeFlow(s, s.config, { scope: 'openid profile email' });
});

pub.step('fetchUserInfo', async () => {
  const info = await client.fetchUserInfo(s.config, s.tokens.access_token, s.tokens.claims().sub);
  assert.equal(info.sub, 'dev', `userinfo sub: ${show(info)}`);
  const exchange = recorder.last(s.config.serverMetadata().userinfo_endpoint);
  assert.equal(exchange?.status, 200, 'userinfo status');
});

pub.step('refreshTokenGrant rotates the refresh token', async () => {
  const refreshed = await client.refreshTokenGrant(s.config, s.tokens.refresh_token);
  assert.ok(refreshed.access_token, 'no access token from refresh');
  assert.ok(refreshed.refresh_token, 'no refresh token from refresh: public clients must get a rotated one (OAuth 2.1 §4.3.1)');
  assert.notEqual(refreshed.refresh_token, s.tokens.refresh_token, 'the refresh token was not rotated');
  if (refreshed.id_token) {
    assert.equal(refreshed.claims().sub, 'dev', 'refreshed ID token sub');
  }
  s.refreshed = refreshed;
});

pub.step('tokenRevocation of the refresh token, then refresh fails with invalid_grant', async () => {
  await client.tokenRevocation(s.config, s.refreshed.refresh_token, { token_type_hint: 'refresh_token' });
  const revoke = recorder.last(s.config.serverMetadata().revocation_endpoint, 'POST');
  assert.equal(revoke?.status, 200, `revocation must answer 200 (RFC 7009 §2.2): HTTP ${revoke?.status} ${revoke?.body}`);
  await assert.rejects(
    client.refreshTokenGrant(s.config, s.refreshed.refresh_token),
    (err) => {
      assert.ok(err instanceof client.ResponseBodyError,
        `expected a ResponseBodyError (an OAuth error response), got ${err.name}: ${err.message}`);
      assert.equal(err.error, 'invalid_grant', `error code after revocation: ${show(err.cause)}`);
      assert.equal(err.status, 400, 'HTTP status of invalid_grant (RFC 6749 §5.2)');
      return true;
    },
    'a revoked refresh token was accepted',
  );
});

// ---------------------------------------------------------------------------------------------
// A confidential client (client_secret_basic): introspection of its own tokens.

const conf = new Flow('openid-client [confidential]', { server, recorder, needs: [setup] });
const c = {};

conf.step('register a confidential client (client_secret_basic) with the CLI', async () => {
  c.issuer = server.issuer('default');
  c.redirectUri = `http://127.0.0.1:${unusedPortish()}/confidential/cb`;
  const created = await server.cli(['client', 'create', '--redirect-uri', c.redirectUri, '--name', 'openid-client confidential',
    '--auth-method', 'client_secret_basic', '--scope', 'openid profile'], { json: true });
  assert.match(String(created.client_id), /^client_[0-9a-f]{24}$/, `client create --json: ${show(created)}`);
  assert.equal(typeof created.client_secret, 'string', `a confidential client must get a client_secret: ${show(created)}`);
  c.clientId = created.client_id;
  c.clientSecret = created.client_secret;
  c.config = await client.discovery(new URL(c.issuer), c.clientId, undefined,
    client.ClientSecretBasic(c.clientSecret), discoveryOptions());
  const md = c.config.serverMetadata();
  assert.ok(md.token_endpoint_auth_methods_supported?.includes('client_secret_basic'),
    `token_endpoint_auth_methods_supported lacks client_secret_basic: ${show(md.token_endpoint_auth_methods_supported)}`);
  c.jwks = createRemoteJWKSet(new URL(md.jwks_uri), { timeoutDuration: HTTP_TIMEOUT_MS });
});

conf.step('authorization code flow with client_secret_basic', async () => {
  c.tokens = await codeFlow(c, c.config, { scope: 'openid profile' });
  const exchange = recorder.last(c.config.serverMetadata().token_endpoint, 'POST');
  assert.ok(!/client_secret=/.test(exchange.requestBody || ''), 'client_secret_basic must not send the secret in the body');
});

conf.step('tokenIntrospection: a fresh access token and refresh token are active', async () => {
  const at = await client.tokenIntrospection(c.config, c.tokens.access_token, { token_type_hint: 'access_token' });
  assert.equal(at.active, true, `a fresh access token must be active: ${show(at)}`);
  assert.equal(at.client_id, c.clientId, `introspection client_id: ${show(at)}`);
  assert.equal(at.sub, 'dev', `introspection sub: ${show(at)}`);
  assert.ok(typeof at.exp === 'number' && at.exp > Date.now() / 1000, `introspection exp: ${show(at)}`);
  if (at.iss !== undefined) assert.equal(at.iss, c.issuer, `introspection iss: ${show(at)}`);
  if (at.scope !== undefined) {
    assert.ok(at.scope.split(' ').includes('openid'), `introspection scope: ${show(at)}`);
  }
  const rt = await client.tokenIntrospection(c.config, c.tokens.refresh_token, { token_type_hint: 'refresh_token' });
  assert.equal(rt.active, true, `a fresh refresh token must be active: ${show(rt)}`);
  const exchange = recorder.last(c.config.serverMetadata().introspection_endpoint, 'POST');
  assert.equal(exchange?.status, 200, 'introspection status');
});

conf.step('tokenRevocation of the access token, then introspection says active false', async () => {
  await client.tokenRevocation(c.config, c.tokens.access_token, { token_type_hint: 'access_token' });
  const revoke = recorder.last(c.config.serverMetadata().revocation_endpoint, 'POST');
  assert.equal(revoke?.status, 200, `revocation must answer 200 (RFC 7009 §2.2): HTTP ${revoke?.status} ${revoke?.body}`);
  const at = await client.tokenIntrospection(c.config, c.tokens.access_token, { token_type_hint: 'access_token' });
  assert.equal(at.active, false, `a revoked access token must introspect as active false (RFC 7662 §2.2): ${show(at)}`);
  const extra = Object.keys(at).filter((k) => k !== 'active');
  if (extra.length) {
    // RFC 7662 §2.2: SHOULD NOT include more about an inactive token.
    process.stderr.write(`# note: inactive introspection response carries ${extra.join(', ')}\n`);
  }
});

conf.step('tokenRevocation of the refresh token, then introspection says active false', async () => {
  await client.tokenRevocation(c.config, c.tokens.refresh_token, { token_type_hint: 'refresh_token' });
  const rt = await client.tokenIntrospection(c.config, c.tokens.refresh_token, { token_type_hint: 'refresh_token' });
  assert.equal(rt.active, false, `a revoked refresh token must be inactive: ${show(rt)}`);
});

conf.step('introspection of a garbage token says active false', async () => {
  const r = await client.tokenIntrospection(c.config, 'not-a-token-at-all');
  assert.equal(r.active, false, `unknown token: ${show(r)}`);
});

// ---------------------------------------------------------------------------------------------
// Discovery of a project with a path issuer, with both of openid-client's algorithms.

const acme = new Flow('openid-client [acme]', { server, recorder, needs: [setup] });
acme.step('discovery of {base}/p/acme: OIDC (appended) and RFC 8414 (path-inserted) algorithms', async () => {
  await server.cli(['project', 'create', 'acme', '--dev']);
  const issuer = server.issuer('acme');
  const c1 = await client.discovery(new URL(issuer), 'unused', undefined, client.None(), discoveryOptions());
  assert.equal(c1.serverMetadata().issuer, issuer, 'issuer via {issuer}/.well-known/openid-configuration');
  const c2 = await client.discovery(new URL(issuer), 'unused', undefined, client.None(),
    discoveryOptions({ algorithm: 'oauth2' }));
  assert.equal(c2.serverMetadata().issuer, issuer, 'issuer via /.well-known/oauth-authorization-server/p/acme');
  assert.equal(recorder.exchanges.at(-1).url, `${server.base}/.well-known/oauth-authorization-server/p/acme`);
});

// ---------------------------------------------------------------------------------------------
// Dynamic Client Registration with an Initial Access Token (dcr_mode initial_access_token), in a
// project of its own at {base}/p/dcr.

const dcrSlug = 'dcr';
const dcrSetup = new Flow('openid-client [DCR with an initial access token]', { server, recorder, needs: [setup] });
const d = {};

/** Issues an Initial Access Token with the CLI; it must be printed alone on stdout. */
async function issueIat(...extra) {
  const out = await server.cli(['iat', 'issue', '--project', dcrSlug, ...extra]);
  const token = out.trim();
  assert.match(token, /^iatk_[A-Za-z0-9_-]{16,}$/, `iat issue must print the token alone on stdout (iatk_...); got ${show(out)}`);
  return token;
}

function dcrMetadata(redirectUri, extra = {}) {
  return {
    redirect_uris: [redirectUri],
    client_name: 'openid-client interop (DCR)',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    scope: 'openid profile email',
    application_type: 'native',
    ...extra,
  };
}

/** The registration exchange as it came over the wire (RFC 7591 §3.2.1, RFC 7592 §3). */
function checkRegistration(issuer, { withToken }) {
  const exchange = recorder.last(`${issuer}/register`, 'POST');
  assert.ok(exchange, `no POST ${issuer}/register was recorded`);
  if (withToken) {
    assert.match(exchange.authorization || '', /^Bearer iatk_/, 'openid-client did not send the initial access token as a Bearer header');
  }
  assert.equal(exchange.status, 201, `registration: 201 Created expected (RFC 7591 §3.2.1); got ${exchange.status}: ${exchange.body}`);
  assert.match(exchange.headers['cache-control'] || '', /no-store/, `registration response Cache-Control: ${show(exchange.headers)}`);
  const body = HttpRecorder.json(exchange);
  assert.match(String(body.client_id), /^client_[0-9a-f]{24}$/, `client_id must be client_<24 hex>: ${show(body)}`);
  assert.equal(typeof body.registration_access_token, 'string', `no registration_access_token: ${show(body)}`);
  assert.equal(body.registration_client_uri, `${issuer}/register/${body.client_id}`, `registration_client_uri: ${show(body)}`);
  return body;
}

dcrSetup.step('configure a project (project create dcr --dev; dcr_mode=initial_access_token, auto_approve_user=dev)', async () => {
  await server.cli(['project', 'create', dcrSlug, '--dev']);
  await server.cli(['project', 'set', dcrSlug, 'dcr_mode=initial_access_token', 'auto_approve_user=dev']);
  d.issuer = server.issuer(dcrSlug);
  d.redirectUri = `http://127.0.0.1:${unusedPortish()}/dcr/cb`;
  const config = await client.discovery(new URL(d.issuer), 'not-yet-registered', undefined, client.None(), discoveryOptions());
  const md = config.serverMetadata();
  assert.equal(md.registration_endpoint, `${d.issuer}/register`,
    `dcr_mode initial_access_token: metadata must list registration_endpoint: ${show(md.registration_endpoint)}`);
  d.jwks = createRemoteJWKSet(new URL(md.jwks_uri), { timeoutDuration: HTTP_TIMEOUT_MS });
});

dcrSetup.step('dynamicClientRegistration without an initial access token: WWWAuthenticateChallengeError (HTTP 401, Bearer)', async () => {
  await assert.rejects(
    client.dynamicClientRegistration(new URL(d.issuer), dcrMetadata(d.redirectUri, { token_endpoint_auth_method: 'none' }), undefined,
      discoveryOptions()),
    (err) => {
      const exchange = recorder.last(`${d.issuer}/register`, 'POST');
      assert.equal(exchange?.status, 401, `no initial access token: HTTP 401 expected; got ${exchange?.status}: ${exchange?.body}`);
      assert.ok(err instanceof client.WWWAuthenticateChallengeError,
        `expected a WWWAuthenticateChallengeError (a 401 with WWW-Authenticate), got ${err.name}: ${err.message}`);
      assert.equal(err.status, 401, 'error status');
      assert.equal(err.cause?.[0]?.scheme, 'bearer', `challenge: ${show(err.cause)}`);
      return true;
    },
    'a registration without an initial access token was accepted in dcr_mode initial_access_token',
  );
});

const dcrPub = new Flow('openid-client [DCR with an initial access token, public client]', { server, recorder, needs: [dcrSetup] });
const p = {};

dcrPub.step('dynamicClientRegistration with an IAT (iat issue --pin token_endpoint_auth_method=none): a public client', async () => {
  Object.assign(p, { issuer: d.issuer, redirectUri: d.redirectUri, jwks: d.jwks });
  const initialAccessToken = await issueIat('--pin', 'token_endpoint_auth_method=none', '--label', 'openid-client interop');
  p.config = await client.dynamicClientRegistration(new URL(p.issuer),
    dcrMetadata(p.redirectUri, { token_endpoint_auth_method: 'none' }), undefined /* clientAuth: None without a secret */,
    discoveryOptions({ initialAccessToken }));
  const body = checkRegistration(p.issuer, { withToken: true });
  const md = p.config.clientMetadata();
  assert.equal(md.client_id, body.client_id, `openid-client's client_id: ${show(md)}`);
  assert.equal(body.client_secret, undefined, `a public client (none) must get no client_secret: ${show(body)}`);
  assert.equal(body.token_endpoint_auth_method, 'none', `token_endpoint_auth_method: ${show(body)}`);
  assert.deepEqual(body.redirect_uris, [p.redirectUri], `redirect_uris: ${show(body)}`);
});

dcrPub.step('authorization code + PKCE S256 + nonce + state with the registered client; ID token, iss, at_hash validated', async () => {
  p.tokens = await codeFlow(p, p.config, { scope: 'openid profile email' });
  const exchange = recorder.last(p.config.serverMetadata().token_endpoint, 'POST');
  assert.equal(new URLSearchParams(exchange.requestBody).get('client_id'), p.config.clientMetadata().client_id,
    'a public client sends client_id in the token request body');
});

dcrPub.step('refreshTokenGrant rotates the refresh token', async () => {
  const refreshed = await client.refreshTokenGrant(p.config, p.tokens.refresh_token);
  assert.ok(refreshed.access_token, 'no access token from refresh');
  assert.ok(refreshed.refresh_token, 'no refresh token from refresh: public clients must get a rotated one (OAuth 2.1 §4.3.1)');
  assert.notEqual(refreshed.refresh_token, p.tokens.refresh_token, 'the refresh token was not rotated');
  assert.notEqual(refreshed.access_token, p.tokens.access_token, 'the same access token was returned again');
  if (refreshed.id_token) {
    assert.equal(refreshed.claims().sub, 'dev', 'refreshed ID token sub');
    assert.equal(refreshed.claims().aud, p.config.clientMetadata().client_id, 'refreshed ID token aud');
  }
});

const dcrConf = new Flow('openid-client [DCR with an initial access token, confidential client]', { server, recorder, needs: [dcrSetup] });
const q = {};

dcrConf.step('dynamicClientRegistration with an IAT of a client_secret_post client: client_secret issued', async () => {
  Object.assign(q, { issuer: d.issuer, redirectUri: `http://127.0.0.1:${unusedPortish()}/dcr/confidential/cb`, jwks: d.jwks });
  const initialAccessToken = await issueIat('--label', 'openid-client interop (confidential)');
  // openid-client defaults to ClientSecretPost when the registration returns a secret.
  q.config = await client.dynamicClientRegistration(new URL(q.issuer),
    dcrMetadata(q.redirectUri, { token_endpoint_auth_method: 'client_secret_post', scope: 'openid profile' }), undefined,
    discoveryOptions({ initialAccessToken }));
  const body = checkRegistration(q.issuer, { withToken: true });
  assert.equal(body.token_endpoint_auth_method, 'client_secret_post', `token_endpoint_auth_method: ${show(body)}`);
  assert.equal(typeof body.client_secret, 'string', `a confidential client must get a client_secret (RFC 7591 §3.2.1): ${show(body)}`);
  assert.ok(body.client_secret.length >= 32, 'client_secret is too short to be a secret');
  assert.equal(body.client_secret_expires_at, 0,
    `client_secret_expires_at is REQUIRED with a client_secret (RFC 7591 §3.2.1; 0 = never): ${show(body)}`);
});

dcrConf.step('authorization code flow with client_secret_post (the registered secret); ID token validated', async () => {
  q.tokens = await codeFlow(q, q.config, { scope: 'openid profile' });
  const exchange = recorder.last(q.config.serverMetadata().token_endpoint, 'POST');
  assert.ok(/(^|&)client_secret=/.test(exchange.requestBody || ''), 'client_secret_post must send the secret in the body');
});

const dcrUsed = new Flow('openid-client [DCR with an initial access token, used up]', { server, recorder, needs: [dcrSetup] });

dcrUsed.step('an IAT is single use (default --max-uses 1): a second dynamicClientRegistration with it gets 401 error="invalid_token"', async () => {
  const initialAccessToken = await issueIat();
  const metadata = dcrMetadata(d.redirectUri, { token_endpoint_auth_method: 'none' });
  await client.dynamicClientRegistration(new URL(d.issuer), metadata, undefined, discoveryOptions({ initialAccessToken }));
  checkRegistration(d.issuer, { withToken: true });
  await assert.rejects(
    client.dynamicClientRegistration(new URL(d.issuer), metadata, undefined, discoveryOptions({ initialAccessToken })),
    (err) => {
      const exchange = recorder.last(`${d.issuer}/register`, 'POST');
      assert.equal(exchange?.status, 401, `a used-up IAT: HTTP 401 expected; got ${exchange?.status}: ${exchange?.body}`);
      assert.ok(err instanceof client.WWWAuthenticateChallengeError, `got ${err.name}: ${err.message}`);
      assert.equal(err.cause?.[0]?.parameters?.error, 'invalid_token', `challenge: ${show(err.cause)}`);
      return true;
    },
    'a single-use initial access token registered a second client',
  );
});

stopStep(server);
