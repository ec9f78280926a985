// An automated WCAG 2.1 AA audit (axe-core, run inside the page from
// node_modules; nothing is fetched) of every view: start page, not found,
// device check, meeting, left. Also the meeting at a 360px phone width.
// Automated checks find only part of the problems; keyboard.test.js covers
// operation by keyboard.

import { test } from 'node:test';
import { serverAndBrowser } from './lib/fixture.js';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createMeeting } from './lib/server.js';
import { openPage } from './lib/browser.js';
import { joinThroughUi } from './lib/meeting.js';

const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const env = serverAndBrowser();

/** Runs axe on the page as it is now; fails with every violation listed. */
async function audit(page, view) {
  // Evaluated through the driver, so the page's CSP (no inline script) does not apply.
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  });
  assert.deepEqual(violations, [], `accessibility violations in ${view}`);
}

test('every view passes an automated WCAG 2.1 AA audit, in English and German', { timeout: 120_000 }, async () => {
  for (const locale of ['en-US', 'de-DE']) {
    const page = await openPage(env.browser, { locale });
    await page.goto(env.server.url);
    await audit(page, `start page (${locale})`);
    await page.goto(`${env.server.url}/m/${'0'.repeat(32)}`);
    await audit(page, `not found (${locale})`);
  }

  const { url } = await createMeeting(env.server.url);
  const link = new URL(url, env.server.url).href;
  const page = await openPage(env.browser);
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto(link);
  await page.locator('#camera-select option').first().waitFor({ state: 'attached' });
  await audit(page, 'device check');

  const other = await openPage(env.browser);
  await joinThroughUi(other, link, 'Ada');
  await joinThroughUi(page, link, 'Grace');
  await page.getByRole('button', { name: 'Mute microphone' }).click();
  await page.locator('#tiles .tile').nth(1).waitFor();
  await audit(page, 'meeting');
  // Nothing sticks out sideways on a phone.
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'no horizontal scrolling at 360px');

  await page.getByRole('button', { name: 'Leave' }).click();
  await page.getByRole('heading', { name: 'You left the meeting' }).waitFor();
  await audit(page, 'left');
});
