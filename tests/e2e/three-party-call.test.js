// Three people meet: one starts a meeting on the start page (and is its
// host), invites the two others with "Invite guest", admits them from the
// waiting room; all see and hear both others through the media server; when
// one leaves, the others' tiles for them go, and they can come back.

import { test } from 'node:test';
import { serverAndBrowser } from './lib/fixture.js';
import assert from 'node:assert/strict';
import { openPage } from './lib/browser.js';
import { newMeetingFromStartPage, joinThroughUi, guestAdmitted, inviteGuest, joinToWaitingRoom, admit, ownId, assertMediaFlowsFrom, msUntilFrames, assertCleanPage } from './lib/meeting.js';

const env = serverAndBrowser();

test('three pages see and hear each other, and a leaver\'s tile goes', { timeout: 180_000 }, async (t) => {
  const names = ['Ada', 'Grace', 'Linus'];
  const pages = await Promise.all(names.map(() => openPage(env.browser)));
  const link = await newMeetingFromStartPage(pages[0], env.server.url);

  const ids = [await joinThroughUi(pages[0], link, names[0]), await guestAdmitted(pages[0], pages[1], names[1])];
  // The third joins into a running call: how soon do frames flow both ways
  // once the host admits?
  const third = await inviteGuest(pages[0]);
  await joinToWaitingRoom(pages[2], third, names[2]);
  const clickedAt = Date.now();
  await admit(pages[0], names[2]);
  ids.push(await ownId(pages[2]));
  assert.equal(new Set(ids).size, 3, `three distinct participant ids: ${ids}`);
  const [toNewcomer, fromNewcomer] = await Promise.all([
    msUntilFrames(pages[2], ids.slice(0, 2), clickedAt),
    msUntilFrames(pages[0], [ids[2]], clickedAt),
  ]);
  t.diagnostic(`after the host admitted the third page: it decoded frames from both others in ${toNewcomer} ms; the first page decoded its frames in ${fromNewcomer} ms`);

  for (const [i, page] of pages.entries()) {
    const others = ids.filter((_, j) => j !== i);
    // Every page shows both others by name.
    for (const [j, id] of ids.entries()) {
      if (j === i) continue;
      await page.locator(`#tiles .tile[data-participant-id="${id}"] .tile-name`).filter({ hasText: names[j] }).waitFor();
    }
    const { stats, fps } = await assertMediaFlowsFrom(page, others);
    // Decoded frames reach the screen: the remote videos play and have a size.
    const playing = await page.$$eval('#tiles .tile:not(.self) video', (videos) => videos.map((v) => !v.paused && v.videoWidth > 0));
    assert.deepEqual(playing, [true, true], `${names[i]}'s remote videos play`);
    const sizes = others.map((id) => `${stats[id].video.frameWidth}x${stats[id].video.frameHeight} ${stats[id].video.codec}`);
    t.diagnostic(`${names[i]} decodes ${JSON.stringify(fps)} fps from ${others.join(', ')} (${sizes.join(', ')})`);
  }

  // Linus leaves through the UI.
  await pages[2].getByRole('button', { name: 'Leave' }).click();
  await pages[2].getByRole('heading', { name: 'You left the meeting' }).waitFor();
  for (const page of pages.slice(0, 2)) {
    await page.locator(`#tiles .tile[data-participant-id="${ids[2]}"]`).waitFor({ state: 'detached', timeout: 10_000 });
    assert.equal(await page.locator('#tiles .tile').count(), 2);
  }
  // The two who stay still see each other.
  await assertMediaFlowsFrom(pages[0], [ids[1]]);
  await assertMediaFlowsFrom(pages[1], [ids[0]]);

  // Linus joins again from the left view (waiting again, with the same
  // invitation) and everyone sees everyone again once the host admits him.
  await pages[2].getByRole('button', { name: 'Join again' }).click();
  await pages[2].getByRole('heading', { name: 'Waiting room', level: 1 }).waitFor();
  await admit(pages[0], names[2]);
  const rejoined = await ownId(pages[2]);
  await assertMediaFlowsFrom(pages[2], ids.slice(0, 2));
  await assertMediaFlowsFrom(pages[0], [ids[1], rejoined]);

  for (const page of pages) assertCleanPage(page, env.server.url);
});
