// A real OpenID Connect provider (panva's oidc-provider) on loopback, for finaid's single sign-on tests only.
//
// Started by tests/integration/oidc/conftest.py as `node provider.mjs` with:
//   OIDC_PORT     the loopback port to listen on (the issuer is http://127.0.0.1:PORT)
//   OIDC_CLIENTS  JSON list of client metadata (client_id, client_secret, redirect_uris, post_logout_redirect_uris)
//   OIDC_USERS    JSON object: login -> {password, name, groups, personal_number?} (personal_number: a citizen of the
//                 e-service's e-identification test, a claim given with the openid scope as BankID brokers do)
// It prints "ready ISSUER" on stdout once it listens. Its own login page (/interaction/UID) asks for a login and
// a password; consent is granted without a page (a first-party client), as a municipality's IdP would.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import { URLSearchParams } from 'node:url';

import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT);
const issuer = `http://127.0.0.1:${port}`;
const clients = JSON.parse(process.env.OIDC_CLIENTS || '[]');
const users = JSON.parse(process.env.OIDC_USERS || '{}');

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key-1', use: 'sig', alg: 'RS256' };

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

// The provider's own pages, plain (its defaults load web fonts from the internet, which tests must never reach).
async function logoutSource(ctx, form) {
  ctx.type = 'html';
  ctx.body = `<!DOCTYPE html><html><head><title>Logga ut</title></head><body>
<h1>Vill du logga ut från kommunens inloggning?</h1>${form}
<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Ja, logga ut</button>
<button type="submit" form="op.logoutForm">Nej</button></body></html>`;
}

async function postLogoutSuccessSource(ctx) {
  ctx.type = 'html';
  ctx.body = '<!DOCTYPE html><html><head><title>Utloggad</title></head><body><h1>Utloggad</h1></body></html>';
}

const provider = new Provider(issuer, {
  clients,
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  claims: {
    openid: ['sub', 'personal_number'],
    profile: ['name', 'preferred_username'],
    email: ['email'],
    groups: ['groups'],
  },
  scopes: ['openid', 'profile', 'email', 'groups'],
  conformIdTokenClaims: false, // the scopes' claims go into the ID token too (as Keycloak and Entra ID do)
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
  },
  async findAccount(ctx, sub) {
    const user = users[sub];
    if (!user) return undefined;
    return {
      accountId: sub,
      async claims() {
        return {
          sub, name: user.name, preferred_username: sub, email: `${sub}@kommun.test`, groups: user.groups || [],
          ...(user.personal_number ? { personal_number: user.personal_number } : {}),
        };
      },
    };
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = `<!DOCTYPE html><title>error</title><pre id="error">${escape(JSON.stringify(out))}</pre>`;
  },
});

function loginPage(res, uid, status, message) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
  res.end(`<!DOCTYPE html><html><head><title>Kommunens inloggning</title></head><body>
<h1>Kommunens inloggning (test)</h1>${message ? `<p id="message">${escape(message)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<input type="text" name="login" autofocus><input type="password" name="password">
<button type="submit">Logga in</button></form></body></html>`);
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return Object.fromEntries(new URLSearchParams(body));
}

async function consent(req, res, details) {
  const { prompt: { details: missing }, params, session, grantId } = details;
  const grant = grantId
    ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  if (missing.missingResourceScopes) {
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes)) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
  }
  const saved = await grant.save();
  await provider.interactionFinished(req, res, { consent: grantId ? {} : { grantId: saved } },
    { mergeWithLastSubmission: true });
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error('interaction mismatch');
  if (details.prompt.name === 'consent') return consent(req, res, details);
  if (req.method === 'GET' && !action) return loginPage(res, uid, 200, '');
  if (req.method === 'POST' && action === 'login') {
    const form = await readForm(req);
    const user = users[form.login];
    if (!user || user.password !== form.password) return loginPage(res, uid, 401, 'Fel användarnamn eller lösenord');
    return provider.interactionFinished(req, res, { login: { accountId: form.login } },
      { mergeWithLastSubmission: false });
  }
  res.writeHead(405);
  return res.end();
}

const handler = provider.callback();
const server = http.createServer((req, res) => {
  const match = /^\/interaction\/([\w-]+)(?:\/(login))?\/?$/.exec(req.url.split('?')[0]);
  if (!match) return handler(req, res);
  return interaction(req, res, match[1], match[2]).catch((err) => {
    res.writeHead(400, { 'content-type': 'text/plain' });
    res.end(`interaction failed: ${err.message}`);
  });
});
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`ready ${issuer}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
