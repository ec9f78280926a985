// German and English: the browser's language decides, the visible switch
// changes it (text and <html lang>) and the choice is remembered.

import { test } from 'node:test';
import { serverAndBrowser } from './lib/fixture.js';
import assert from 'node:assert/strict';
import { createMeeting } from './lib/server.js';
import { openPage } from './lib/browser.js';
import { assertCleanPage } from './lib/meeting.js';

const env = serverAndBrowser();

const lang = (page) => page.evaluate(() => document.documentElement.lang);

test('a German browser gets German; the switch changes to English and is remembered', { timeout: 60_000 }, async () => {
  const page = await openPage(env.browser, { locale: 'de-DE' });
  await page.goto(env.server.url);
  await page.getByRole('heading', { name: 'Videokonferenzen auf dem eigenen Server' }).waitFor();
  assert.equal(await lang(page), 'de');
  assert.ok(await page.getByRole('button', { name: 'Neue Besprechung' }).isVisible());

  await page.getByRole('button', { name: 'Switch to English' }).click();
  await page.getByRole('heading', { name: 'Video meetings on your own server' }).waitFor();
  assert.equal(await lang(page), 'en');
  assert.ok(await page.getByRole('button', { name: 'New meeting' }).isVisible());

  // Remembered across pages: the meeting page is English too.
  const { guest_url: url } = await createMeeting(env.server.url);
  await page.goto(new URL(url, env.server.url).href);
  await page.getByRole('button', { name: 'Join' }).waitFor();
  assert.equal(await lang(page), 'en');
  assertCleanPage(page, env.server.url);
});

test('an English browser switches the meeting page to German', { timeout: 60_000 }, async () => {
  const page = await openPage(env.browser, { locale: 'en-US' });
  const { guest_url: url } = await createMeeting(env.server.url);
  await page.goto(new URL(url, env.server.url).href);
  await page.getByLabel('Your name').waitFor();
  assert.equal(await lang(page), 'en');

  await page.getByRole('button', { name: 'Auf Deutsch wechseln' }).click();
  assert.equal(await lang(page), 'de');
  assert.ok(await page.getByLabel('Ihr Name').isVisible());
  assert.ok(await page.getByRole('button', { name: 'Beitreten' }).isVisible());
  assert.equal(await page.title(), 'Besprechung · civicmeet');
  assertCleanPage(page, env.server.url);
});

test('a meeting link without its key says so, in German too, instead of a join form', { timeout: 60_000 }, async () => {
  const page = await openPage(env.browser, { locale: 'de-DE' });
  const { id } = await createMeeting(env.server.url);
  await page.goto(`${env.server.url}/m/${id}`);
  await page.getByRole('heading', { name: 'Dieser Link ist unvollständig' }).waitFor();
  assert.ok(await page.getByText('bitten Sie um den vollständigen Einladungslink').isVisible());
  assert.equal(await page.getByRole('button', { name: 'Beitreten' }).isVisible(), false);
  assert.equal(await page.getByRole('button', { name: 'Wieder beitreten' }).isVisible(), false);
  await page.getByRole('button', { name: 'Switch to English' }).click();
  await page.getByText('This link is incomplete — ask for the full invitation link').waitFor();
  assertCleanPage(page, env.server.url);
});

test('an unknown meeting shows a translated not-found page with a link home', { timeout: 60_000 }, async () => {
  const page = await openPage(env.browser, { locale: 'de-DE' });
  const res = await page.goto(`${env.server.url}/m/${'0'.repeat(32)}`);
  assert.equal(res.status(), 404);
  await page.getByRole('heading', { name: 'Besprechung nicht gefunden' }).waitFor();
  await page.getByRole('link', { name: 'Zur Startseite' }).click();
  await page.waitForURL(`${env.server.url}/`);
});
