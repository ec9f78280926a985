// OpenID Connect login against a real provider (the npm package
// `oidc-provider`, started here): Chromium opens /login, clicks "Log in
// with your organisation", signs in and consents at the provider, and
// lands on /staff as that person (authorization code flow with PKCE; the
// server checks the ID token against the provider's keys). A person whose
// groups map to no civicmeet role is refused and gets no session.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.js';
import { launchBrowser } from './lib/browser.js';
import { startProvider, freePort, CLIENT_ID, CLIENT_SECRET } from './lib/oidc-provider.js';

const env = { server: undefined, provider: undefined, browser: undefined };

before(async () => {
  const providerPort = await freePort();
  const issuer = `http://127.0.0.1:${providerPort}`;
  env.server = await startServer({
    env: {
      CIVICMEET_OIDC_ISSUER: issuer,
      CIVICMEET_OIDC_CLIENT_ID: CLIENT_ID,
      CIVICMEET_OIDC_CLIENT_SECRET: CLIENT_SECRET,
      CIVICMEET_OIDC_SCOPES: 'openid,profile,groups',
      CIVICMEET_OIDC_STAFF_VALUES: 'civicmeet-staff',
      CIVICMEET_OIDC_ADMIN_VALUES: 'civicmeet-admins',
    },
  });
  env.provider = await startProvider({ port: providerPort, redirectUri: `${env.server.url}/login/oidc/callback` });
  env.browser = await launchBrowser();
});

after(async () => {
  await env.browser?.close();
  await env.provider?.stop();
  await env.server?.stop();
});

/** Logs in at the provider's development login page as `login` and consents. */
async function loginAtProvider(page, login) {
  await page.waitForSelector('input[name="login"]');
  await page.fill('input[name="login"]', login);
  await page.fill('input[name="password"]', 'any password');
  await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
  // The consent page ("Continue").
  await page.waitForSelector('button[type="submit"]');
  await Promise.all([page.waitForNavigation({ url: (u) => u.toString().startsWith(env.server.url) }), page.click('button[type="submit"]')]);
}

async function freshPage() {
  const context = await env.browser.newContext({ locale: 'en-US' });
  // The provider's test login page imports a web font; there is no network.
  await context.route(/fonts\.googleapis\.com/, (route) => route.abort());
  return context.newPage();
}

test('a staff member logs in with their organisation and lands on /staff', { timeout: 60_000 }, async () => {
  const page = await freshPage();
  // An unauthenticated visit to /staff goes to the login page first.
  await page.goto(`${env.server.url}/staff`);
  assert.ok(page.url().startsWith(`${env.server.url}/login?next=`), page.url());
  await page.getByRole('link', { name: 'Log in with your organisation' }).click();
  assert.ok(page.url().startsWith(env.provider.issuer), page.url());
  await loginAtProvider(page, 'erika');
  await page.waitForLoadState();
  assert.equal(new URL(page.url()).pathname, '/staff');
  assert.match(await page.textContent('body'), /Erika Mustermann/);
  // Staff, not admin.
  const admin = await page.goto(`${env.server.url}/admin`);
  assert.equal(admin.status(), 403);
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === 'session');
  assert.ok(session?.httpOnly && session.sameSite === 'Lax', JSON.stringify(cookies));
  // Logging out ends it.
  await page.goto(`${env.server.url}/staff`);
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.waitForURL(/\/login$/);
  await page.goto(`${env.server.url}/staff`);
  assert.ok(page.url().startsWith(`${env.server.url}/login`), page.url());
  await page.context().close();
});

test('a person without a mapped group is refused', { timeout: 60_000 }, async () => {
  const page = await freshPage();
  await page.goto(`${env.server.url}/login`);
  await page.getByRole('link', { name: 'Log in with your organisation' }).click();
  await loginAtProvider(page, 'mallory');
  await page.waitForLoadState();
  assert.match(await page.textContent('main'), /no role in civicmeet/);
  const cookies = await page.context().cookies(env.server.url);
  assert.equal(cookies.find((c) => c.name === 'session'), undefined);
  const staff = await page.goto(`${env.server.url}/staff`);
  assert.ok(page.url().startsWith(`${env.server.url}/login`), `${staff.status()} ${page.url()}`);
  await page.context().close();
});
