// The staff dashboard and the admin pages in Chromium: an automated WCAG
// 2.1 AA audit (axe-core from node_modules, nothing fetched) of every
// staff and admin page, in German and English, including a form shown
// again with its error summary; and a keyboard-only round through the
// dashboard's bulk cancellation.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import { serverAndBrowser } from './lib/fixture.js';

const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const env = serverAndBrowser();

async function audit(page, view) {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  });
  assert.deepEqual(violations, [], `accessibility violations in ${view}`);
}

/** The admin credential the server generated into its data folder. */
async function credentials() {
  const password = (await readFile(path.join(env.server.dataDir, 'admin-password'), 'utf8')).trim();
  return { username: 'admin', password };
}

async function staffPage(locale) {
  // The Basic credential goes with every request: a browser without a
  // login is sent to /login rather than asked for Basic credentials.
  const { username, password } = await credentials();
  const authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  const context = await env.browser.newContext({ locale, extraHTTPHeaders: { authorization }, viewport: { width: 1024, height: 768 } });
  const page = await context.newPage();
  page.requests = [];
  page.on('request', (req) => page.requests.push(req.url()));
  return page;
}

/** JSON from the admin API. */
async function api(pathname) {
  const { username, password } = await credentials();
  const response = await fetch(new URL(pathname, env.server.url), {
    headers: { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` },
  });
  assert.equal(response.status, 200, pathname);
  return response.json();
}

function tomorrow() {
  const d = new Date(Date.now() + 24 * 3600 * 1000);
  return d.toISOString().slice(0, 10);
}

test('every staff and admin page passes an automated WCAG 2.1 AA audit', { timeout: 180_000 }, async () => {
  const [office] = await api('/api/v1/offices');
  const [service] = await api('/api/v1/services');
  const [person] = await api('/api/v1/staff');
  assert.ok(office && service && person, 'the demo catalogue is seeded');

  for (const locale of ['de-DE', 'en-US']) {
    const page = await staffPage(locale);
    const views = [
      '/staff',
      `/staff/cancel-day?office=${office.id}&staff=&date=${tomorrow()}`,
      `/staff/cancel-day?office=${office.id}&staff=&date=2020-01-01`,
      '/admin',
      '/admin/offices/new',
      `/admin/offices/${office.id}`,
      '/admin/services/new',
      `/admin/services/${service.id}`,
      '/admin/staff/new',
      `/admin/staff/${person.id}`,
      '/admin/webhooks/new',
      '/admin/accounts',
      '/admin/accounts/new',
      '/admin/audit',
      '/login',
    ];
    for (const view of views) {
      const response = await page.goto(`${env.server.url}${view}`);
      assert.ok([200, 422].includes(response.status()), `${view}: ${response.status()}`);
      await audit(page, `${view} (${locale})`);
    }

    // A refused form: the summary is announced and links to the field.
    await page.goto(`${env.server.url}/admin/offices/new`);
    await page.locator('#hours-monday').fill('16:00-08:00');
    await page.locator('#name').fill('Test');
    await page.locator('form button[type=submit]').click();
    await page.locator('#error-summary').waitFor();
    await audit(page, `office form with errors (${locale})`);

    // Nothing came from another origin.
    const origin = new URL(env.server.url).origin;
    assert.deepEqual(page.requests.filter((u) => !u.startsWith(origin) && !u.startsWith('data:')), []);
    await page.context().close();
  }
});

test('the bulk cancellation works by keyboard alone', { timeout: 60_000 }, async () => {
  const page = await staffPage('en-US');
  await page.goto(`${env.server.url}/staff`);
  // Type the date and submit with Enter (implicit submission, no mouse).
  await page.locator('#date').fill(tomorrow());
  await page.locator('#date').press('Enter');
  await page.getByRole('heading', { name: 'Cancel the day' }).waitFor();
  await page.getByRole('button', { name: 'Yes, cancel all and notify' }).focus();
  await page.keyboard.press('Enter');
  await page.getByRole('status').waitFor();
  assert.match(await page.getByRole('status').innerText(), /Appointments cancelled: 0/);
  await page.context().close();
});
