// A real OpenID Connect provider (the certified `oidc-provider` package) on loopback, for Quire's
// sign-in tests. Usage: node server.mjs CLIENT_ID CLIENT_SECRET REDIRECT_URI
// Prints "READY <issuer>" once listening on a free port of 127.0.0.1. Its login page is a plain
// form (any user name signs in as that person; "Cancel" answers access_denied), and consent is
// granted at once, so a test can drive the whole redirect flow over HTTP or in a browser.
import http from 'node:http';
import { URLSearchParams } from 'node:url';
import Provider from 'oidc-provider';

const [clientId, clientSecret, redirectUri] = process.argv.slice(2);
if (!clientId || !clientSecret || !redirectUri) {
  console.error('usage: node server.mjs CLIENT_ID CLIENT_SECRET REDIRECT_URI');
  process.exit(2);
}

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: [redirectUri] }],
    claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'] },
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true },
    cookies: { keys: ['quire-test-only-cookie-key'] },
    async findAccount(_ctx, sub) {
      return {
        accountId: sub,
        async claims() {
          const name = sub.charAt(0).toUpperCase() + sub.slice(1);
          return { sub, name, email: `${sub}@id.example`, email_verified: true };
        },
      };
    },
  });
  provider.proxy = false;
  const handler = provider.callback();

  const readBody = (req) => new Promise((resolve) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => resolve(new URLSearchParams(body)));
  });

  server.on('request', async (req, res) => {
    const match = req.url.match(/^\/interaction\/([^/?]+)(\/(login|abort))?/);
    if (!match) {
      handler(req, res);
      return;
    }
    try {
      const details = await provider.interactionDetails(req, res);
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(`<!doctype html><title>Test ID: sign in</title>
<form method="post" action="/interaction/${details.uid}/login">
<label for="login">User name</label> <input id="login" name="login" autofocus>
<button type="submit" id="sign-in">Sign in</button></form>
<form method="post" action="/interaction/${details.uid}/abort"><button type="submit" id="cancel">Cancel</button></form>`);
        return;
      }
      if (match[3] === 'abort') {
        await provider.interactionFinished(req, res, {
          error: 'access_denied',
          error_description: 'End-User aborted interaction',
        }, { mergeWithLastSubmission: false });
        return;
      }
      const form = await readBody(req);
      const accountId = (form.get('login') || 'ruth').trim().toLowerCase();
      const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
      grant.addOIDCScope(String(details.params.scope));
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, {
        login: { accountId },
        consent: { grantId },
      }, { mergeWithLastSubmission: false });
    } catch (err) {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(String(err && err.message));
    }
  });
  console.log(`READY ${issuer}`);
});

process.on('SIGTERM', () => process.exit(0));
