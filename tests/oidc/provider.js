// A real OpenID Connect provider for the tracker's single sign-on tests: oidc-provider (the
// certified Node.js implementation) on loopback, with its own development login pages
// (devInteractions: any password is accepted; the login is the account id) and the test
// accounts and clients of a JSON file. tests/oidc_fixtures.py starts it once per test session.
//
//   node tests/oidc/provider.js CONFIG.json [PORT]      (PORT, or $OIDC_PORT; 0 = any free port)
//
// CONFIG.json: {"accounts": {"<account id = sub>": {"email", "email_verified", "name", ...}},
//               "clients": [{"client_id", "client_secret", "redirect_uris": [...]}],
//               "id_token_ttl": seconds (optional)}
// The accounts are read again from the file at each sign-in, so a test can change a person's
// email at the provider (same sub) by rewriting the file. Once listening, the script prints one
// line of JSON, {"issuer": "http://127.0.0.1:<port>"}, on stdout.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

import Provider, { interactionPolicy } from 'oidc-provider';

const [configPath, portArgument] = process.argv.slice(2);
if (!configPath) {
  console.error('usage: node provider.js CONFIG.json [PORT]');
  process.exit(2);
}
const readConfig = () => JSON.parse(readFileSync(configPath, 'utf8'));
const config = readConfig();
const port = Number(portArgument ?? process.env.OIDC_PORT ?? 0);

// A signing key made at start: nothing secret is committed, and each test session has its own.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = {
  ...privateKey.export({ format: 'jwk' }), kid: randomBytes(8).toString('hex'), use: 'sig', alg: 'RS256',
};

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

// The tracker is a first-party client: after the login page, no consent page (a "native"
// client is otherwise always asked for consent; loadExistingGrant below gives the grant).
const policy = interactionPolicy.base();
policy.get('consent').checks.remove('native_client_prompt');

const configuration = {
  interactions: { policy },
  clients: config.clients.map((client) => ({
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    // "native" lets an http loopback redirect URI match on any port (RFC 8252 7.3): the browser
    // tests' server listens on a port chosen at run time.
    application_type: 'native',
    ...client,
  })),
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  features: {
    devInteractions: { enabled: true },
    // The tracker reads no userinfo: the claims it needs travel in the ID token, as with
    // Microsoft Entra ID and Google.
    userinfo: { enabled: false },
  },
  conformIdTokenClaims: false,
  claims: {
    openid: ['sub', 'tid'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  scopes: ['openid', 'email', 'profile'],
  pkce: { required: () => true },
  ttl: {
    IdToken: config.id_token_ttl ?? 300,
    AccessToken: 300,
    AuthorizationCode: 60,
    Interaction: 600,
    Session: 600,
    Grant: 600,
  },
  async findAccount(ctx, id) {
    const account = readConfig().accounts[id];
    if (!account) {
      return undefined;
    }
    return {
      accountId: id,
      async claims() {
        return { ...account, sub: id };
      },
    };
  },
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      const grant = await ctx.oidc.provider.Grant.find(grantId);
      if (grant) {
        return grant;
      }
    }
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
  renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = `<!DOCTYPE html><html lang="en"><head><title>Provider error</title></head><body>
<main><h1>${escape(out.error)}</h1><p>${escape(out.error_description ?? '')}</p></main></body></html>`;
  },
};

const server = createServer();
server.listen(port, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, configuration);
  // What went wrong goes to stderr (the fixture keeps it in the session's temporary folder).
  for (const event of ['server_error', 'authorization.error', 'grant.error', 'backchannel.error']) {
    provider.on(event, (ctx, error) => console.error(`${event}: ${error.stack ?? error}`));
  }
  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});
// Stop at once: nothing is kept (the provider's state is in memory), and waiting for the
// clients' keep-alive connections to close would hold up the end of the test session.
const stop = () => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
