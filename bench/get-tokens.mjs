// Headless authorization code + PKCE (S256) flows against one server, for
// bench/run.sh. Every flow is its own authorization, so every refresh token
// starts its own family.
//
//   node get-tokens.mjs --issuer URL --client-id ID --redirect-uri URI \
//     --resource URI [--scope "openid offline_access"] [--count N] [--field refresh_token]
//   node get-tokens.mjs ... --check
//
// Prints one token a line (the --field of each token response). With --check,
// makes one authorization and checks what the benchmark relies on instead: the
// access token is a JWT whose aud is the resource; a refresh answers with a new
// refresh token; the spent one is then refused. Prints what it saw on one line. Follows only
// redirects that stay on the issuer's origin, and stops at the redirect_uri
// (which is never contacted). Any unexpected answer ends with exit status 1
// and the request/response on stderr.

import { createHash, randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
  options: {
    issuer: { type: 'string' },
    'client-id': { type: 'string' },
    'redirect-uri': { type: 'string' },
    resource: { type: 'string' },
    scope: { type: 'string', default: 'openid offline_access' },
    count: { type: 'string', default: '1' },
    field: { type: 'string', default: 'refresh_token' },
    'max-hops': { type: 'string', default: '8' },
    'timeout-ms': { type: 'string', default: '10000' },
    check: { type: 'boolean', default: false },
  },
});
for (const k of ['issuer', 'client-id', 'redirect-uri', 'resource']) {
  if (!opt[k]) fail(`--${k} is required`);
}
const count = Number(opt.count);
const maxHops = Number(opt['max-hops']);
const timeoutMs = Number(opt['timeout-ms']);
if (!(count >= 1 && count <= 10000)) fail('--count must be 1..10000');

function fail(msg) {
  process.stderr.write(`get-tokens: ${msg}\n`);
  process.exit(1);
}

const issuerOrigin = new URL(opt.issuer).origin;
if (new URL(opt.issuer).hostname !== '127.0.0.1') fail('the issuer must be on 127.0.0.1');

async function request(url, init = {}) {
  if (new URL(url).origin !== issuerOrigin) fail(`refusing to contact ${url}`);
  return fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
}

async function describe(res) {
  const body = await res.text().catch(() => '');
  return `${res.status} ${res.statusText}\n${[...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n\n${body.slice(0, 2000)}`;
}

const discoveryUrl = `${opt.issuer}/.well-known/openid-configuration`;
const discoveryRes = await request(discoveryUrl);
if (discoveryRes.status !== 200) fail(`GET ${discoveryUrl}\n${await describe(discoveryRes)}`);
const meta = await discoveryRes.json();
for (const k of ['authorization_endpoint', 'token_endpoint']) {
  if (!meta[k]) fail(`discovery has no ${k}: ${JSON.stringify(meta)}`);
}

// A minimal cookie jar: name -> value, sent on every request to the issuer.
// (oidc-provider's interaction needs its cookies; gatehouse needs none.)
const jar = new Map();
function remember(res) {
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(';');
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    if (/expires=Thu, 01 Jan 1970/i.test(c) || value === '') jar.delete(name);
    else jar.set(name, value);
  }
}
function cookieHeader() {
  return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
}

async function authorizeOnce() {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const state = randomBytes(16).toString('base64url');

  const auth = new URL(meta.authorization_endpoint);
  auth.search = new URLSearchParams({
    response_type: 'code',
    client_id: opt['client-id'],
    redirect_uri: opt['redirect-uri'],
    scope: opt.scope,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    resource: opt.resource,
  }).toString();

  let url = auth.toString();
  let location;
  for (let hop = 0; ; hop++) {
    if (hop >= maxHops) fail(`more than ${maxHops} redirects from ${auth}`);
    const res = await request(url, { headers: jar.size ? { cookie: cookieHeader() } : {} });
    remember(res);
    if (res.status < 300 || res.status > 399 || !res.headers.get('location')) {
      fail(`GET ${url}\nexpected a redirect, got\n${await describe(res)}`);
    }
    await res.arrayBuffer();
    location = new URL(res.headers.get('location'), url);
    if (location.toString().startsWith(opt['redirect-uri'])) break;
    url = location.toString();
  }

  const q = location.searchParams;
  if (q.get('error')) fail(`authorization error: ${location}`);
  if (q.get('state') !== state) fail(`state mismatch in ${location}`);
  const code = q.get('code');
  if (!code) fail(`no code in ${location}`);

  const form = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: opt['redirect-uri'],
    client_id: opt['client-id'],
    code_verifier: verifier,
    resource: opt.resource,
  });
  const res = await request(meta.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: form.toString(),
  });
  if (res.status !== 200) fail(`POST ${meta.token_endpoint}\n${form}\n${await describe(res)}`);
  const tokens = await res.json();
  if (opt.check) return tokens;
  const value = tokens[opt.field];
  if (typeof value !== 'string' || !value) {
    fail(`token response has no ${opt.field}: ${JSON.stringify(tokens)}`);
  }
  return value;
}

async function refresh(refreshToken) {
  const form = new URLSearchParams({
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    client_id: opt['client-id'],
  });
  const res = await request(meta.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: form.toString(),
  });
  return { res, form };
}

function jwtParts(token) {
  const parts = String(token).split('.');
  if (parts.length !== 3) return undefined;
  try {
    return parts.slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()));
  } catch {
    return undefined;
  }
}

if (opt.check) {
  const first = await authorizeOnce();
  const jwt = jwtParts(first.access_token);
  if (!jwt) fail(`the access token is not a JWT: ${first.access_token}`);
  const [header, payload] = jwt;
  const aud = [payload.aud].flat();
  if (!aud.includes(opt.resource)) fail(`the access token's aud ${JSON.stringify(payload.aud)} is not ${opt.resource}`);
  if (!first.refresh_token) fail(`no refresh token: ${JSON.stringify(first)}`);

  const one = await refresh(first.refresh_token);
  if (one.res.status !== 200) fail(`POST ${meta.token_endpoint}\n${one.form}\n${await describe(one.res)}`);
  const second = await one.res.json();
  if (!second.refresh_token || second.refresh_token === first.refresh_token) {
    fail(`the refresh did not rotate: ${JSON.stringify(second)}`);
  }
  const again = await refresh(first.refresh_token);
  if (again.res.status === 200) fail('the spent refresh token was accepted again (no rotation)');
  const againBody = await again.res.text();
  process.stdout.write(`access token JWT ${header.alg} typ=${header.typ} aud=${payload.aud}; `
    + `refresh rotates; spent token -> ${again.res.status} ${againBody.slice(0, 120)}\n`);
} else {
  const out = [];
  for (let i = 0; i < count; i++) out.push(await authorizeOnce());
  process.stdout.write(`${out.join('\n')}\n`);
}
