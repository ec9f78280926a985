// Keyboard only: start a meeting, reach the name field and the Join button
// with Tab, join with Enter, and toggle the microphone; focus is visible
// and the toggle's state is exposed as aria-pressed (and seen by others).

import { test } from 'node:test';
import { serverAndBrowser } from './lib/fixture.js';
import assert from 'node:assert/strict';
import { openPage } from './lib/browser.js';
import { joinThroughUi, ownId } from './lib/meeting.js';

const env = serverAndBrowser();

/** Presses Tab until `selector` has focus; fails after `max` presses. */
async function tabTo(page, selector, max = 25) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((sel) => document.activeElement?.matches(sel), selector)) return;
  }
  assert.fail(`Tab never reached ${selector}`);
}

/** The focused element draws a visible outline (its :focus-visible style). */
async function assertFocusVisible(page) {
  const outline = await page.evaluate(() => {
    const style = getComputedStyle(document.activeElement);
    return { style: style.outlineStyle, width: parseFloat(style.outlineWidth) };
  });
  assert.ok(outline.style !== 'none' && outline.width >= 2, `focus outline ${JSON.stringify(outline)}`);
}

test('the join flow and the mute toggle work by keyboard alone', { timeout: 120_000 }, async () => {
  const page = await openPage(env.browser);
  await page.goto(env.server.url);
  await tabTo(page, '#new-meeting');
  await assertFocusVisible(page);
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/m\/[^/]+$/);
  const link = page.url();

  // Joining without a name explains why and puts focus back on the field.
  await tabTo(page, '#join-button');
  await page.keyboard.press('Enter');
  await page.getByRole('alert').filter({ hasText: 'Please enter a name' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'name');
  assert.equal(await page.getByLabel('Your name').getAttribute('aria-invalid'), 'true');
  await assertFocusVisible(page);
  await page.keyboard.type('Grace');
  await tabTo(page, '#join-button');
  await assertFocusVisible(page);
  await page.keyboard.press('Enter');
  const id = await ownId(page);

  // Joining moves focus to the first meeting control.
  const mic = page.getByRole('button', { name: 'Mute microphone' });
  await mic.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'mic-toggle');
  assert.equal(await mic.getAttribute('aria-pressed'), 'false');

  // Someone else watches the mute marker on Grace's tile.
  const other = await openPage(env.browser);
  await joinThroughUi(other, link, 'Ada');
  const marker = other.locator(`#tiles .tile[data-participant-id="${id}"] [data-marker="muted"]`);
  await marker.waitFor({ state: 'attached' });
  assert.equal(await marker.isVisible(), false);

  await page.bringToFront();
  await mic.focus();
  await page.keyboard.press('Enter');
  assert.equal(await mic.getAttribute('aria-pressed'), 'true');
  assert.equal(await page.evaluate(() => window.civicmeet.pc.getSenders().find((s) => s.track?.kind === 'audio').track.enabled), false);
  await page.locator('#tiles .tile.self [data-marker="muted"]').waitFor({ state: 'visible' });
  await marker.waitFor({ state: 'visible', timeout: 10_000 });

  await page.keyboard.press('Space');
  assert.equal(await mic.getAttribute('aria-pressed'), 'false');
  await marker.waitFor({ state: 'hidden', timeout: 10_000 });

  // Leave and rejoin are reachable too.
  await tabTo(page, '#leave');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'You left the meeting' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'left-heading');
});
