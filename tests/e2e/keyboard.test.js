// Keyboard only: start a meeting, reach the name field and the Join button
// with Tab, join with Enter, invite a guest and admit them, and toggle the
// microphone; focus is visible and the toggle's state is exposed as
// aria-pressed (and seen by others). Host actions on a tile and the
// confirmation before removing someone work by keyboard too, and so do
// sharing a screen and a host's stopping it from the stage (focus then
// lands on the host's own "Share screen", not on the page's body).

import { test } from 'node:test';
import { serverAndBrowser } from './lib/fixture.js';
import assert from 'node:assert/strict';
import { openPage } from './lib/browser.js';
import { joinToWaitingRoom, ownId } from './lib/meeting.js';
import { stageOf } from './lib/screen-share.js';

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
  await page.waitForURL(/\/m\/[^/#]+#.+$/);

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

  // Grace invites Ada by keyboard and admits her from the waiting list.
  await tabTo(page, '#invite-guest');
  await assertFocusVisible(page);
  await page.keyboard.press('Enter');
  const inviteField = page.getByLabel('Invitation link for a guest');
  await inviteField.waitFor();
  await page.waitForFunction(() => document.getElementById('invite-link').value !== '');
  const invitation = await inviteField.inputValue();
  const other = await openPage(env.browser);
  await joinToWaitingRoom(other, invitation, 'Ada');
  await page.bringToFront();
  await page.getByRole('button', { name: 'Admit: Ada' }).waitFor();
  await tabTo(page, '.waiting-item button.primary');
  await assertFocusVisible(page);
  await page.keyboard.press('Enter');
  const adaId = await ownId(other);

  // Someone else watches the mute marker on Grace's tile.
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

  // A tile's host actions open with Enter, close with Escape, and Remove asks first.
  const actions = page.locator(`#tiles .tile[data-participant-id="${adaId}"] .tile-actions-toggle`);
  await actions.focus();
  await page.keyboard.press('Enter');
  assert.equal(await actions.getAttribute('aria-expanded'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Mute: Ada');
  await page.keyboard.press('Escape');
  assert.equal(await actions.getAttribute('aria-expanded'), 'false');
  assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('tile-actions-toggle')), true);
  await page.keyboard.press('Enter');
  await tabTo(page, '[data-action="remove"]', 5);
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Remove Ada?' });
  await dialog.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'confirm-no', 'the safe choice has focus');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('tile-actions-toggle')), true, 'focus returns to the tile');
  assert.equal(await other.getByRole('heading', { name: 'You were removed from the meeting' }).isVisible(), false);

  // Ada shares her screen by keyboard; Grace, the host, reaches "Stop
  // sharing" on the stage by Tab and stops it.
  await other.bringToFront();
  await tabTo(other, '#share-toggle', 40);
  await assertFocusVisible(other);
  await other.keyboard.press('Enter');
  await other.getByRole('button', { name: 'Share screen', pressed: true }).waitFor({ timeout: 10_000 });
  await page.bringToFront();
  await stageOf(page, 'Ada').waitFor({ timeout: 10_000 });
  await tabTo(page, '.stage-stop', 40);
  await assertFocusVisible(page);
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Stop sharing: Ada');
  await page.keyboard.press('Enter');
  await stageOf(page, 'Ada').waitFor({ state: 'hidden', timeout: 10_000 });
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'share-toggle', 'focus stays in the controls');
  await other.getByRole('button', { name: 'Share screen', pressed: false }).waitFor({ timeout: 10_000 });

  // Leave and rejoin are reachable too.
  await tabTo(page, '#leave');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'You left the meeting' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'left-heading');
});
