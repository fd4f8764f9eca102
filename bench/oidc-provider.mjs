// The peer server for bench/run.sh: node oidc-provider, configured like
// `gatehouse-server serve --dev` as far as the benchmark's endpoints go.
//
//   BENCH_INTROSPECT_SECRET=SECRET node oidc-provider.mjs --listen 127.0.0.1:0 \
//     --redirect-uri URI --resource URI --opaque-resource URI
//
// Prints "listening on http://127.0.0.1:PORT" (the issuer) once it accepts
// connections, like gatehouse-server. Everything lives in memory (the
// default adapter): nothing is written to disk.
//
// Pre-registered clients:
//   bench-public        public (token_endpoint_auth_method none), code + refresh_token
//   bench-introspector  confidential (client_secret_basic), used for /token/introspection
//
// Authorization is headless: the interaction URL is answered by this process
// itself, which logs in the dev account "dev" and grants what was asked, then
// sends the browser (our helper, with its cookies) back to resume the request.

import { createServer } from 'node:http';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';

import { Provider } from 'oidc-provider';

const { values: opt } = parseArgs({
  options: {
    listen: { type: 'string', default: '127.0.0.1:0' },
    'redirect-uri': { type: 'string' },
    resource: { type: 'string' },
    'opaque-resource': { type: 'string' },
  },
});
for (const k of ['redirect-uri', 'resource', 'opaque-resource']) {
  if (!opt[k]) {
    console.error(`oidc-provider.mjs: --${k} is required`);
    process.exit(2);
  }
}
// The confidential client's secret comes through the environment, not argv.
const introspectSecret = process.env.BENCH_INTROSPECT_SECRET;
if (!introspectSecret) {
  console.error('oidc-provider.mjs: BENCH_INTROSPECT_SECRET is required');
  process.exit(2);
}

const [host, portText] = opt.listen.split(':');
if (host !== '127.0.0.1') {
  console.error('oidc-provider.mjs: only 127.0.0.1 is allowed');
  process.exit(2);
}

const DEV_ACCOUNT = 'dev';
const RESOURCE_SCOPE = 'mcp';

// One ES256 (P-256) signing key made at start, like gatehouse's first key.
const signingKey = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .privateKey.export({ format: 'jwk' });
signingKey.kid = randomBytes(16).toString('base64url');
signingKey.alg = 'ES256';
signingKey.use = 'sig';

function configuration() {
  return {
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },

    clients: [
      {
        client_id: 'bench-public',
        token_endpoint_auth_method: 'none',
        application_type: 'web',
        redirect_uris: [opt['redirect-uri']],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
      {
        client_id: 'bench-introspector',
        client_secret: introspectSecret,
        token_endpoint_auth_method: 'client_secret_basic',
        redirect_uris: [],
        grant_types: [],
        response_types: [],
      },
    ],
    clientDefaults: {
      id_token_signed_response_alg: 'ES256',
    },

    async findAccount(_ctx, sub) {
      if (sub !== DEV_ACCOUNT) return undefined;
      return {
        accountId: sub,
        async claims() { return { sub }; },
      };
    },

    // PKCE is mandatory for every client; oidc-provider only knows S256.
    pkce: { required: () => true },

    // Every refresh answers with a new refresh token; the old one is consumed
    // (reusing it revokes the grant).
    rotateRefreshToken: true,
    // A refresh token whenever the client may use the refresh_token grant,
    // without the OIDC offline_access + prompt=consent dance.
    async issueRefreshToken(_ctx, client) {
      return client.grantTypeAllowed('refresh_token');
    },

    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      IdToken: 3600,
      RefreshToken: 30 * 24 * 3600,
      Interaction: 600,
      Session: 24 * 3600,
      Grant: 30 * 24 * 3600,
    },

    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true },
      introspection: {
        enabled: true,
        async allowedPolicy(ctx, client) {
          return client.clientAuthMethod !== 'none';
        },
      },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        async defaultResource(_ctx, _client, oneOf) {
          return oneOf || undefined;
        },
        async useGrantedResource() {
          return true;
        },
        async getResourceServerInfo(_ctx, indicator) {
          if (indicator === opt.resource) {
            // JWT access token, aud = the resource, signed ES256.
            return {
              scope: RESOURCE_SCOPE,
              audience: indicator,
              accessTokenTTL: 3600,
              accessTokenFormat: 'jwt',
              jwt: { sign: { alg: 'ES256' } },
            };
          }
          if (indicator === opt['opaque-resource']) {
            // oidc-provider cannot introspect its JWT access tokens
            // ("Structured JWT Tokens cannot be introspected"): the
            // introspection run uses an opaque access token for this one.
            return {
              scope: RESOURCE_SCOPE,
              audience: indicator,
              accessTokenTTL: 3600,
              accessTokenFormat: 'opaque',
            };
          }
          throw new Provider.errors.InvalidTarget();
        },
      },
    },

    interactions: {
      url(_ctx, interaction) {
        return `/interaction/${interaction.uid}`;
      },
    },

    renderError(ctx, out) {
      ctx.type = 'application/json';
      ctx.body = JSON.stringify(out);
    },
  };
}

// The automatic interaction: log in "dev", grant the requested scopes for the
// requested resources, and resume. No HTML anywhere.
async function autoApprove(provider, req, res) {
  try {
    const details = await provider.interactionDetails(req, res);
    const { params } = details;
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: DEV_ACCOUNT, clientId: params.client_id });
    if (params.scope) grant.addOIDCScope(params.scope);
    const resources = [params.resource].flat().filter(Boolean);
    for (const resource of resources) grant.addResourceScope(resource, RESOURCE_SCOPE);
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, {
      login: { accountId: DEV_ACCOUNT, remember: false },
      consent: { grantId },
    }, { mergeWithLastSubmission: false });
  } catch (err) {
    res.statusCode = 400;
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ error: 'interaction_failed', error_description: String(err?.message ?? err) }));
  }
}

const server = createServer();
server.keepAliveTimeout = 65_000;

server.listen(Number(portText), host, () => {
  const { port } = server.address();
  const issuer = `http://${host}:${port}`;
  const provider = new Provider(issuer, configuration());
  provider.on('server_error', (_ctx, err) => console.error('server_error', err));
  if (process.env.BENCH_DEBUG) {
    provider.on('grant.error', (_ctx, err) => console.error('grant.error', err.message, err.error_detail));
  }
  const handle = provider.callback();
  server.on('request', (req, res) => {
    if (req.url.startsWith('/interaction/')) {
      autoApprove(provider, req, res);
    } else {
      handle(req, res);
    }
  });
  console.log(`listening on ${issuer}`);
});

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  });
}
