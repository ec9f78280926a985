// Hearing mode (issue 4, part 7; VC-14, §128a ZPO): everyone must tick the
// notice that recording is forbidden before entering; the judge goes
// straight in, guests wait and are admitted by the judge; the judge's tile
// is pinned first and marked "Judge" ("Richter/in") on every page.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser } from './lib/fixture.js';
import { openPage } from './lib/browser.js';
import { createMeeting } from './lib/server.js';
import { absolute, fillJoinForm, ownId, admit, assertMediaFlowsFrom, assertCleanPage } from './lib/meeting.js';

const env = serverAndBrowser();

/** The first tile's participant id and whether its "Judge" marker shows. */
async function firstTile(page) {
  const tile = page.locator('#tiles .tile').first();
  return { id: await tile.getAttribute('data-participant-id'), judge: await tile.locator('[data-marker="judge"]').isVisible() };
}

test('a hearing: the notice must be acknowledged; the judge admits; judges are pinned first', { timeout: 180_000 }, async () => {
  const meeting = await createMeeting(env.server.url, { kind: 'hearing' });
  assert.ok(meeting.judge_url, 'a hearing has a judge link');

  const judge = await openPage(env.browser);
  await fillJoinForm(judge, absolute(meeting.judge_url, env.server.url), 'Richterin Roth');
  await judge.getByRole('button', { name: 'Join' }).click();
  await judge.getByText(/^Recording is forbidden \(§128a ZPO\)/).waitFor();
  const ack = judge.getByRole('checkbox', { name: 'I have read the notice and will not record.' });
  assert.equal(await judge.evaluate(() => document.activeElement?.id), 'notice-ack', 'focus on the checkbox');
  // Join without ticking: refused in the page, with the reason.
  await judge.getByRole('button', { name: 'Join' }).click();
  await judge.getByRole('alert').filter({ hasText: 'Please confirm the notice' }).waitFor();
  await ack.check();
  await judge.getByRole('button', { name: 'Join' }).click();
  const judgeId = await ownId(judge);
  assert.deepEqual(await firstTile(judge), { id: judgeId, judge: true });

  // A German guest: the notice in German, then the waiting room.
  const guest = await openPage(env.browser, { locale: 'de-DE' });
  await guest.goto(absolute(meeting.guest_url, env.server.url));
  await guest.getByLabel('Ihr Name').fill('Klara');
  await guest.getByRole('button', { name: 'Beitreten' }).click();
  await guest.getByText(/^Aufzeichnen ist verboten \(§ 128a ZPO\)/).waitFor();
  await guest.getByRole('checkbox', { name: 'Ich habe den Hinweis gelesen und zeichne nicht auf.' }).check();
  await guest.getByRole('button', { name: 'Beitreten' }).click();
  await guest.getByRole('heading', { name: 'Warteraum', level: 1 }).waitFor();
  await admit(judge, 'Klara');
  const guestId = await ownId(guest);

  // A second guest arrives later; the judge stays first everywhere.
  const other = await openPage(env.browser);
  await fillJoinForm(other, absolute(meeting.guest_url, env.server.url), 'Bert');
  await other.getByRole('button', { name: 'Join' }).click();
  await other.getByRole('checkbox', { name: /I have read the notice/ }).check();
  await other.getByRole('button', { name: 'Join' }).click();
  await other.getByRole('heading', { name: 'Waiting room', level: 1 }).waitFor();
  await admit(judge, 'Bert');
  const otherId = await ownId(other);
  await guest.locator(`#tiles .tile[data-participant-id="${otherId}"]`).waitFor();

  assert.deepEqual(await firstTile(guest), { id: judgeId, judge: true }, 'the judge is first on the guest\'s page');
  assert.equal(await guest.locator('#tiles .tile').first().locator('[data-marker="judge"]').innerText(), 'Richter/in');
  assert.deepEqual(await firstTile(other), { id: judgeId, judge: true }, 'the judge is first on the later guest\'s page');
  await assertMediaFlowsFrom(judge, [guestId, otherId]);
  await assertMediaFlowsFrom(guest, [judgeId, otherId]);
  for (const page of [judge, guest, other]) assertCleanPage(page, env.server.url);
});
