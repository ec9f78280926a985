// A citizen books a video appointment through the pages in headless
// Chromium (journey 1): the demo office's service, a free slot, the form
// (pow.js does the proof of work), the confirm link from the .eml the
// server wrote, the confirmation page, and the join link into the meeting.
// axe-core audits every citizen page on the way, the form also with errors.
//
// The join link (/a/<token>) leads to the meeting with the citizen's key in
// the fragment, and the citizen waits in the waiting room. The case worker
// opens the staff dashboard, "Join as host" (a POST) leads through the
// server to a fresh host link that skips the waiting room, the case worker admits the citizen
// from the waiting list, and both decode each other's video.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { serverAndBrowser } from './lib/fixture.js';
import { openPage } from './lib/browser.js';
import { joinToWaitingRoom, admit, ownId, assertMediaFlowsFrom } from './lib/meeting.js';

// A cheaper proof of work than the default keeps the test quick; the
// script's work is the same, only shorter.
process.env.CIVICMEET_BOOKING_PROOF_OF_WORK_BITS ??= '12';

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

/** The first .eml in the server's mail folder containing `needle`, with quoted-printable soft breaks undone. */
async function readMail(needle) {
  const dir = path.join(env.server.dataDir, 'mail');
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const names = await readdir(dir).catch(() => []);
    for (const name of names.filter((n) => n.endsWith('.eml'))) {
      const text = (await readFile(path.join(dir, name), 'utf8')).replaceAll('=\r\n', '').replaceAll('=3D', '=');
      if (text.includes(needle)) return text;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no mail containing ${needle}`);
}

test('a citizen books, confirms by the mailed link and meets the case worker; every page passes axe', { timeout: 180_000 }, async () => {
  const english = await openPage(env.browser, { locale: 'en-US' });
  await english.goto(`${env.server.url}/book`);
  await english.getByRole('heading', { name: 'Book an appointment' }).waitFor();
  await audit(english, 'services (en)');

  const page = await openPage(env.browser, { locale: 'de-DE' });
  await page.goto(`${env.server.url}/book`);
  await audit(page, 'services');
  await page.getByRole('link', { name: 'Wohngeld-Beratung' }).click();
  // The demo office is closed at weekends: go on to a week with slots.
  for (let week = 0; (await page.locator('a.slot').count()) === 0; week += 1) {
    assert.ok(week < 6, 'free slots within six weeks');
    await page.getByRole('link', { name: /Nächste Woche/ }).first().click();
  }
  await audit(page, 'slots');
  const slot = page.locator('a.slot').first();
  const slotName = await slot.getAttribute('aria-label');
  assert.match(slotName, /^\p{L}+, \d+\. \p{L}+ \d{4}, \d\d:\d\d Uhr$/u, 'the slot link says the whole date');
  await slot.click();

  // First without consent: the form comes back with an error summary.
  await page.getByLabel('Name', { exact: true }).fill('Erika Mustermann');
  await page.getByLabel('E-Mail-Adresse').fill('erika@example.org');
  await page.getByRole('button', { name: 'Termin reservieren' }).click();
  await page.getByRole('alert').waitFor();
  assert.equal(await page.getByLabel(/Datenschutzhinweis/).getAttribute('aria-invalid'), 'true');
  await audit(page, 'form with errors');

  await page.getByLabel(/Datenschutzhinweis/).check();
  await audit(page, 'form');
  await page.getByRole('button', { name: 'Termin reservieren' }).click();
  await page.getByRole('heading', { name: 'Bitte bestätigen Sie per E-Mail' }).waitFor();
  await audit(page, 'check your e-mail');

  const mail = await readMail('/book/confirm/');
  const confirmUrl = mail.match(/https?:\/\/[^\s"<>]+\/book\/confirm\/[A-Za-z0-9_-]+/)[0];
  await page.goto(confirmUrl);
  await audit(page, 'confirm');
  await page.getByRole('button', { name: 'Termin verbindlich bestätigen' }).click();
  await page.getByRole('heading', { name: 'Ihr Termin ist gebucht' }).waitFor();
  await audit(page, 'confirmed');

  const invitation = await readMail('METHOD:REQUEST');
  assert.match(invitation, /BEGIN:VEVENT/);

  const cancelUrl = await page.getByRole('link', { name: 'Termin absagen' }).getAttribute('href');
  const join = await page.getByRole('link', { name: 'Zum Video-Termin (Teilnahme-Link)' }).getAttribute('href');
  await page.goto(join);
  await page.waitForURL(/\/m\/[0-9a-f]{32}#.+$/);
  await page.locator('#camera-select option').first().waitFor({ state: 'attached' });

  const other = await openPage(env.browser, { locale: 'de-DE' });
  await other.goto(cancelUrl);
  await audit(other, 'cancel');

  // The citizen joins from the join link and waits; the case worker joins
  // from the dashboard as host (no waiting) and admits the citizen.
  const citizen = await openPage(env.browser);
  await joinToWaitingRoom(citizen, new URL(join, env.server.url).href, 'Erika');
  const password = (await readFile(path.join(env.server.dataDir, 'admin-password'), 'utf8')).trim();
  const context = await env.browser.newContext({
    locale: 'en-US',
    // Sent with every request: without it a browser goes to /login.
    extraHTTPHeaders: { authorization: `Basic ${Buffer.from(`admin:${password}`).toString('base64')}` },
    viewport: { width: 1024, height: 768 },
  });
  await context.grantPermissions(['camera', 'microphone']);
  const worker = await context.newPage();
  await worker.goto(`${env.server.url}/staff`);
  // A form button: the server issues a fresh host link and redirects to it.
  await worker.getByRole('button', { name: /^Join as host/ }).first().click();
  await worker.waitForURL(/\/m\/[0-9a-f]{32}#.+$/);
  assert.equal(new URL(worker.url()).pathname, new URL(page.url()).pathname, 'the dashboard leads to the appointment\'s meeting');
  assert.notEqual(new URL(worker.url()).hash, new URL(page.url()).hash, 'the case worker gets a host key, not the citizen\'s');
  await worker.getByLabel('Your name').fill('Case worker');
  await worker.getByRole('button', { name: 'Join' }).click();
  const workerId = await ownId(worker);
  await admit(worker, 'Erika');
  const citizenId = await ownId(citizen);
  await assertMediaFlowsFrom(citizen, [workerId]);
  await assertMediaFlowsFrom(worker, [citizenId]);

  // No script errors or CSP violations (the form's 400 answer is logged by
  // Chromium as a failed load, which is expected), nothing from elsewhere.
  const origin = new URL(env.server.url).origin;
  for (const p of [english, page, other]) {
    assert.deepEqual(p.problems.filter((m) => !/status of 400/.test(m)), [], 'no errors in the console');
    assert.deepEqual(p.requests.filter((u) => !u.startsWith('data:') && new URL(u).origin !== origin), [], 'only our origin');
  }
});
