// An automated WCAG 2.1 AA audit (axe-core, run inside the page from
// node_modules; nothing is fetched) of every view: start page, not found,
// incomplete link, device check, waiting room, meeting with the host panel
// (someone waiting, an invitation shown, the confirmation dialog), the
// host's meeting with a guest's shared screen on the stage (English and
// German), a guest's meeting (with the connection quality shown on the
// host's tile), left. All at a 360px phone width, without sideways scrolling.
// Automated checks find only part of the problems; keyboard.test.js covers
// operation by keyboard.

import { test } from 'node:test';
import { serverAndBrowser } from './lib/fixture.js';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createMeeting } from './lib/server.js';
import { openPage } from './lib/browser.js';
import { joinToWaitingRoom, inviteGuest, admit, ownId, absolute } from './lib/meeting.js';
import { startSharing, stopSharing, stageOf } from './lib/screen-share.js';

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

  const meeting = await createMeeting(env.server.url);
  const noSideways = async (page, view) => assert.ok(
    await page.evaluate(() => document.documentElement.scrollWidth <= 360),
    `no horizontal scrolling at 360px in ${view}`,
  );
  const phone = async () => {
    const page = await openPage(env.browser);
    await page.setViewportSize({ width: 360, height: 740 });
    return page;
  };

  const incomplete = await phone();
  await incomplete.goto(`${env.server.url}/m/${meeting.id}`);
  await incomplete.getByRole('heading', { name: 'This link is incomplete' }).waitFor();
  await audit(incomplete, 'incomplete link');

  const host = await phone();
  await host.goto(absolute(meeting.host_url, env.server.url));
  await host.locator('#camera-select option').first().waitFor({ state: 'attached' });
  await audit(host, 'device check');
  await host.getByLabel('Your name').fill('Ada');
  await host.getByRole('button', { name: 'Join' }).click();
  await ownId(host);

  const guest = await phone();
  await joinToWaitingRoom(guest, await inviteGuest(host), 'Grace');
  await audit(guest, 'waiting room');
  await noSideways(guest, 'waiting room');

  await host.getByRole('button', { name: 'Admit: Grace' }).waitFor();
  await audit(host, 'host panel with someone waiting and an invitation');
  await noSideways(host, 'host panel');
  await admit(host, 'Grace');
  const graceId = await ownId(guest);
  await guest.getByRole('button', { name: 'Mute microphone' }).click();
  await host.locator(`#tiles .tile[data-participant-id="${graceId}"] .tile-actions-toggle`).click();
  await audit(host, 'meeting, host actions open');
  await host.getByRole('button', { name: 'End meeting for everyone' }).click();
  await host.getByRole('dialog').waitFor();
  await audit(host, 'confirmation dialog');
  await host.getByRole('button', { name: 'Cancel' }).click();

  // A guest shares a screen: the host's stage (with "Stop sharing").
  await startSharing(guest);
  await stageOf(host, 'Grace').waitFor({ timeout: 10_000 });
  await audit(host, 'meeting with a shared screen');
  await noSideways(host, 'meeting with a shared screen');
  await host.getByRole('button', { name: 'Deutsch' }).click();
  await host.getByRole('region', { name: 'Bildschirm von Grace' }).waitFor();
  await audit(host, 'meeting with a shared screen (German)');
  await host.getByRole('button', { name: 'English' }).click();
  await stopSharing(guest);
  await stageOf(host, 'Grace').waitFor({ state: 'hidden' });

  await guest.locator('#tiles .tile').nth(1).waitFor();
  // The quality indicator appears once a few seconds of media were judged.
  await guest.locator('#tiles .tile:not(.self) .quality').waitFor({ timeout: 45_000 });
  await audit(guest, 'meeting (guest)');
  await noSideways(guest, 'meeting');

  await guest.getByRole('button', { name: 'Leave' }).click();
  await guest.getByRole('heading', { name: 'You left the meeting' }).waitFor();
  await audit(guest, 'left');
});
