// OpenID Connect provider for authproxy's end-to-end tests and scripts/dev,
// built on oidc-provider 9.13.3.
//
// It accepts any login and password. The subject (sub) is a hash of the
// login, so it never equals the login. A test that finds the login as the
// Argilla username proves that authproxy read preferred_username. A test
// that signs in twice proves that authproxy binds the account by subject.
//
// A login may carry tags after "+", in the style of Keycloak realm roles:
//   alice+owner          realm_access.roles = ["argilla_role:owner"]
//   bob+admin+ws=team-b  realm_access.roles = ["argilla_role:admin", "argilla_workspace:team-b"]
// The tags stay part of preferred_username.
//
// Environment:
//   IDP_PORT               port on 127.0.0.1 (required); the issuer is http://127.0.0.1:<port>
//   IDP_CLIENT_ID          client id of the one confidential client (required)
//   IDP_CLIENT_SECRET      its secret (required)
//   IDP_REDIRECT_URIS      comma-separated redirect URIs of that client (required)
//   IDP_TOKEN_AUTH_METHOD  client_secret_basic (default) or client_secret_post
//   IDP_LOG_FILE           file to append the log to; standard output when unset
//   IDP_NODE_MODULES       node_modules directory that contains oidc-provider; when
//                          unset, Node resolves oidc-provider next to this file

import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

// scripts/lib.sh installs oidc-provider into a cache outside the repository,
// but an ES module import looks up a bare name only in the node_modules
// folders above the importing file.
const providerEntry = process.env.IDP_NODE_MODULES
  ? pathToFileURL(createRequire(join(process.env.IDP_NODE_MODULES, 'resolve.js')).resolve('oidc-provider')).href
  : 'oidc-provider';
const { default: Provider } = await import(providerEntry);

const maxFormBytes = 64 * 1024;

function requireEnv(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`idp: environment variable ${name} is missing`);
    process.exit(2);
  }
  return value;
}

const port = Number.parseInt(requireEnv('IDP_PORT'), 10);
const clientId = requireEnv('IDP_CLIENT_ID');
const clientSecret = requireEnv('IDP_CLIENT_SECRET');
const redirectUris = requireEnv('IDP_REDIRECT_URIS').split(',').map((s) => s.trim()).filter(Boolean);
const tokenAuthMethod = process.env.IDP_TOKEN_AUTH_METHOD || 'client_secret_basic';
const logFile = process.env.IDP_LOG_FILE;
const issuer = `http://127.0.0.1:${port}`;

function log(message, fields = {}) {
  const line = `${new Date().toISOString()} ${message} ${JSON.stringify(fields)}\n`;
  if (logFile) {
    appendFileSync(logFile, line);
  } else {
    process.stdout.write(line);
  }
}

// Logins seen since start, by subject. findAccount needs the login back
// because the subject is a one-way hash.
const loginsBySubject = new Map();

function subjectFor(login) {
  return `sub-${createHash('sha256').update(`authproxy-e2e:${login}`).digest('hex').slice(0, 32)}`;
}

function rolesFor(login) {
  const roles = [];
  for (const tag of login.split('+').slice(1)) {
    if (['owner', 'admin', 'annotator'].includes(tag)) {
      roles.push(`argilla_role:${tag}`);
    } else if (tag.startsWith('ws=') && tag.length > 3) {
      roles.push(`argilla_workspace:${tag.slice(3)}`);
    }
  }
  return roles;
}

function claimsFor(subject, login) {
  const base = login.split('+')[0] || login;
  const givenName = base.charAt(0).toUpperCase() + base.slice(1);
  const claims = {
    sub: subject,
    preferred_username: login,
    given_name: givenName,
    name: givenName,
    email: `${encodeURIComponent(base)}@example.org`,
    email_verified: true,
  };
  const roles = rolesFor(login);
  if (roles.length > 0) {
    claims.realm_access = { roles };
  }
  return claims;
}

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'e2e-rs256', alg: 'RS256', use: 'sig' };

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: redirectUris,
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: tokenAuthMethod,
  }],
  // Each key is a scope, and its value lists the claims that the scope releases.
  claims: {
    openid: ['sub'],
    profile: ['preferred_username', 'given_name', 'name', 'realm_access'],
    email: ['email', 'email_verified'],
  },
  // Keycloak also puts the scope's claims into the ID token.
  conformIdTokenClaims: false,
  cookies: { keys: [randomBytes(32).toString('base64')] },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  jwks: { keys: [signingKey] },
  // oidc-provider 9 accepts only S256, so this makes S256 PKCE mandatory.
  pkce: { required: () => true },
  async findAccount(ctx, subject) {
    const login = loginsBySubject.get(subject);
    if (login === undefined) {
      log('account not found', { sub: subject });
      return undefined;
    }
    return {
      accountId: subject,
      async claims() {
        return claimsFor(subject, login);
      },
    };
  },
});

for (const event of ['server_error', 'authorization.error', 'grant.error', 'userinfo.error', 'discovery.error']) {
  provider.on(event, (ctx, err) => {
    log(event, { path: ctx?.path, error: err?.message, description: err?.error_description });
  });
}
provider.on('grant.success', (ctx) => {
  log('grant.success', { client: ctx.oidc?.client?.clientId });
});

function escapeHtml(value) {
  return String(value)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

function sendHtml(res, status, title, body) {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
  });
  res.end(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`);
}

async function readForm(req) {
  let size = 0;
  const chunks = [];
  for await (const chunk of req) {
    size += chunk.length;
    if (size > maxFormBytes) {
      throw new Error(`form body larger than ${maxFormBytes} bytes`);
    }
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function loginPage(uid, clientIdShown) {
  return `<p>Test identity provider: any login and password are accepted.</p>
<p>Client: <code>${escapeHtml(clientIdShown)}</code></p>
<form method="post" action="/interaction/${escapeHtml(uid)}/login" id="login-form">
  <label>Login <input type="text" name="login" autocomplete="off" autofocus required></label>
  <label>Password <input type="password" name="password"></label>
  <button type="submit" id="sign-in">Sign-in</button>
</form>`;
}

function consentPage(uid, clientIdShown, scope) {
  return `<p>Client <code>${escapeHtml(clientIdShown)}</code> requests the scopes <code>${escapeHtml(scope)}</code>.</p>
<form method="post" action="/interaction/${escapeHtml(uid)}/confirm" id="consent-form">
  <button type="submit" id="consent-allow">Continue</button>
</form>
<form method="post" action="/interaction/${escapeHtml(uid)}/abort">
  <button type="submit" id="consent-deny">Cancel</button>
</form>`;
}

// Handles /interaction/<uid>[/login|/confirm|/abort], the pages that
// oidc-provider sends the browser to when it needs a login or a consent.
async function handleInteraction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) {
    sendHtml(res, 400, 'Invalid interaction', '<p>The interaction in the URL does not match the interaction cookie.</p>');
    return;
  }
  const { prompt, params, session } = details;

  if (req.method === 'GET' && action === undefined) {
    if (prompt.name === 'login') {
      sendHtml(res, 200, 'Sign-in', loginPage(uid, params.client_id));
    } else if (prompt.name === 'consent') {
      sendHtml(res, 200, 'Authorize', consentPage(uid, params.client_id, params.scope));
    } else {
      sendHtml(res, 501, 'Not implemented', `<p>Prompt ${escapeHtml(prompt.name)} is not supported.</p>`);
    }
    return;
  }

  if (req.method !== 'POST') {
    sendHtml(res, 405, 'Method not allowed', '<p>Use the form on the interaction page.</p>');
    return;
  }

  if (action === 'abort') {
    await provider.interactionFinished(req, res, {
      error: 'access_denied',
      error_description: 'End-User aborted interaction',
    }, { mergeWithLastSubmission: false });
    return;
  }

  if (action === 'login' && prompt.name === 'login') {
    const form = await readForm(req);
    const login = form.get('login') ?? '';
    if (login === '') {
      sendHtml(res, 400, 'Sign-in', `<p>Login is missing.</p>${loginPage(uid, params.client_id)}`);
      return;
    }
    const subject = subjectFor(login);
    loginsBySubject.set(subject, login);
    log('login', { login, sub: subject });
    await provider.interactionFinished(req, res, { login: { accountId: subject } }, { mergeWithLastSubmission: false });
    return;
  }

  if (action === 'confirm' && prompt.name === 'consent') {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = prompt.details;
    if (missingOIDCScope) {
      grant.addOIDCScope(missingOIDCScope.join(' '));
    }
    if (missingOIDCClaims) {
      grant.addOIDCClaims(missingOIDCClaims);
    }
    for (const [indicator, scopes] of Object.entries(missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    return;
  }

  sendHtml(res, 400, 'Invalid interaction', `<p>Action ${escapeHtml(action)} does not fit prompt ${escapeHtml(prompt.name)}.</p>`);
}

const interactionPath = /^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login|confirm|abort))?$/;
const providerHandler = provider.callback();

const server = createServer((req, res) => {
  const started = Date.now();
  const path = new URL(req.url, issuer).pathname;
  res.on('finish', () => {
    log('request', { method: req.method, path, status: res.statusCode, ms: Date.now() - started });
  });

  const match = interactionPath.exec(path);
  if (!match) {
    providerHandler(req, res);
    return;
  }
  handleInteraction(req, res, match[1], match[2]).catch((err) => {
    log('interaction failed', { path, error: err.message });
    if (!res.headersSent) {
      sendHtml(res, 400, 'Interaction failed', `<p>${escapeHtml(err.message)}</p>`);
    }
  });
});

server.listen(port, '127.0.0.1', () => {
  log('idp listening', { issuer, clientId, redirectUris, tokenAuthMethod });
});

function shutdown(signal) {
  log('idp stopping', { signal });
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
