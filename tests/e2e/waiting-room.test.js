// The waiting room and host controls (issue 4, UX-1): a guest comes in
// through an invitation the host made in the UI, waits, and is admitted;
// video flows both ways. The host mutes the guest from the guest's tile and
// the guest's audio stops reaching the host (the media server stops
// forwarding it: Chrome keeps sending silence for a disabled track, so a
// flat byte count proves the server), the guest sees why, unmutes, and the
// audio comes back. Sent back to the waiting room, the guest loses media and
// gets it back on re-admission. Rejected, removed and "end for everyone"
// each lead to their end view, and a removed guest's link stops working.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser } from './lib/fixture.js';
import { openPage } from './lib/browser.js';
import {
  newMeetingFromStartPage, joinThroughUi, inviteGuest, joinToWaitingRoom, waitingView, admit, ownId,
  hostActionOnTile, assertMediaFlowsFrom, inboundByParticipant, assertCleanPage, sleep, fillJoinForm,
} from './lib/meeting.js';

const env = serverAndBrowser();

/** Audio packets and bytes the page received from one participant so far. */
async function audioFrom(page, id) {
  const audio = (await inboundByParticipant(page))[id]?.audio;
  return { bytes: audio?.bytesReceived ?? 0, packets: audio?.packetsReceived ?? 0 };
}

/** Polls until `check()` is true; fails with `what` after `timeoutMs`. */
async function until(check, what, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out: ${what}`);
    await sleep(100);
  }
}

test('a guest waits, is admitted, is muted by the host (audio stops at the server), unmutes, and is sent back and admitted again', { timeout: 240_000 }, async (t) => {
  const host = await openPage(env.browser);
  const link = await newMeetingFromStartPage(host, env.server.url);
  const hostId = await joinThroughUi(host, link, 'Hanna');
  // The host got no waiting room and sees the host panel.
  await host.getByRole('complementary', { name: 'Host controls' }).waitFor();
  await host.getByText('Nobody is waiting.').waitFor();

  const invitation = await inviteGuest(host);
  assert.match(invitation, new RegExp(`^${env.server.url}/m/[0-9a-f]{32}#.+`), 'an absolute link with a key');
  assert.notEqual(new URL(invitation).hash, new URL(link).hash, 'the guest gets another key than the host');

  const guest = await openPage(env.browser);
  await joinToWaitingRoom(guest, invitation, 'Gustav');
  assert.equal(await guest.evaluate(() => window.civicmeet.pc), null, 'no media connection while waiting');
  // The device preview stays open while waiting.
  assert.equal(await guest.evaluate(() => document.getElementById('waiting-preview').srcObject?.getVideoTracks()[0]?.readyState), 'live');

  // The host sees the name in the waiting list; screen readers hear it.
  await host.locator('#waiting-list li').filter({ hasText: 'Gustav' }).waitFor();
  await host.waitForFunction(() => document.getElementById('announcer').textContent.includes('Gustav is waiting'));
  assert.equal(await host.locator('#tiles .tile').count(), 1, 'a waiting guest has no tile');

  const admittedAt = Date.now();
  await admit(host, 'Gustav');
  const guestId = await ownId(guest);
  await assertMediaFlowsFrom(host, [guestId]);
  await assertMediaFlowsFrom(guest, [hostId]);
  t.diagnostic(`media flowed both ways ${Date.now() - admittedAt} ms after the host clicked Admit (including a 2 s check)`);
  await host.getByText('Nobody is waiting.').waitFor();

  // The host mutes the guest from the guest's tile.
  const mic = guest.getByRole('button', { name: 'Mute microphone' });
  assert.equal(await mic.getAttribute('aria-pressed'), 'false');
  await hostActionOnTile(host, guestId, 'Mute');
  // The visible notice (the screen-reader announcer repeats the same text).
  await guest.locator('#call-notice', { hasText: 'A host muted your microphone. You can switch it on again.' }).waitFor();
  assert.equal(await mic.getAttribute('aria-pressed'), 'true', 'the guest\'s own button shows muted');
  assert.equal(await guest.evaluate(() => window.civicmeet.pc.getSenders().find((s) => s.track?.kind === 'audio').track.enabled), false);
  await guest.locator('#tiles .tile.self [data-marker="muted"]').waitFor({ state: 'visible' });
  await host.locator(`#tiles .tile[data-participant-id="${guestId}"] [data-marker="muted"]`).waitFor({ state: 'visible' });
  // Let packets in flight arrive, then the host receives nothing for 2 s.
  await sleep(1_000);
  const mutedFrom = await audioFrom(host, guestId);
  await sleep(2_000);
  const mutedTo = await audioFrom(host, guestId);
  t.diagnostic(`audio from the muted guest over 2 s: ${mutedTo.packets - mutedFrom.packets} packets, ${mutedTo.bytes - mutedFrom.bytes} bytes`);
  assert.equal(mutedTo.packets, mutedFrom.packets, 'no audio packets from the muted guest reach the host');
  assert.equal(mutedTo.bytes, mutedFrom.bytes, 'no audio bytes from the muted guest reach the host');
  // Video is not touched by an audio mute.
  const before = (await inboundByParticipant(host))[guestId].video.framesDecoded;
  await until(async () => (await inboundByParticipant(host))[guestId].video.framesDecoded > before, 'video from the muted guest goes on');

  // Only the guest can switch the microphone on again; then audio flows.
  await mic.click();
  assert.equal(await mic.getAttribute('aria-pressed'), 'false');
  const unmutedFrom = await audioFrom(host, guestId);
  await until(async () => (await audioFrom(host, guestId)).bytes > unmutedFrom.bytes, 'audio from the unmuted guest reaches the host again');
  await host.locator(`#tiles .tile[data-participant-id="${guestId}"] [data-marker="muted"]`).waitFor({ state: 'hidden' });

  // Sent back to the waiting room: the call view and its media go.
  await hostActionOnTile(host, guestId, 'Send to waiting room');
  await waitingView(guest);
  assert.equal(await guest.evaluate(() => window.civicmeet.pc), null, 'the media connection is closed');
  assert.equal(await guest.locator('#tiles .tile').count(), 0);
  await host.locator(`#tiles .tile[data-participant-id="${guestId}"]`).waitFor({ state: 'detached' });
  await host.locator('#waiting-list li').filter({ hasText: 'Gustav' }).waitFor();

  // Admitted again: a fresh call, video both ways.
  await admit(host, 'Gustav');
  const againId = await ownId(guest);
  await assertMediaFlowsFrom(host, [againId]);
  await assertMediaFlowsFrom(guest, [hostId]);

  for (const page of [host, guest]) assertCleanPage(page, env.server.url);
});

test('rejected, removed and ended: each an end view; a removed guest\'s link stops working', { timeout: 240_000 }, async () => {
  const host = await openPage(env.browser);
  const link = await newMeetingFromStartPage(host, env.server.url);
  await joinThroughUi(host, link, 'Hanna');

  // Rejected from the waiting room.
  const rita = await openPage(env.browser);
  await joinToWaitingRoom(rita, await inviteGuest(host), 'Rita');
  await host.getByRole('button', { name: 'Reject: Rita', exact: true }).click();
  await rita.getByRole('heading', { name: 'You were not let in' }).waitFor();
  assert.equal(await rita.getByRole('button', { name: 'Join again' }).isVisible(), false, 'no "join again" after a rejection');
  await host.getByText('Nobody is waiting.').waitFor();

  // Locking: the toggle follows the server's meeting_updated.
  const lock = host.getByRole('button', { name: 'Lock meeting' });
  await lock.click();
  await until(async () => (await lock.getAttribute('aria-pressed')) === 'true', 'the meeting shows locked');
  await host.getByText(/^Locked:/).waitFor();
  await lock.click();
  await until(async () => (await lock.getAttribute('aria-pressed')) === 'false', 'the meeting shows unlocked');

  // Removed, after a confirmation; the same link then no longer works.
  const rolf = await openPage(env.browser);
  const rolfLink = await inviteGuest(host);
  await joinToWaitingRoom(rolf, rolfLink, 'Rolf');
  await admit(host, 'Rolf');
  const rolfId = await ownId(rolf);
  await hostActionOnTile(host, rolfId, 'Remove');
  const dialog = host.getByRole('dialog', { name: 'Remove Rolf?' });
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Remove', exact: true }).click();
  await rolf.getByRole('heading', { name: 'You were removed from the meeting' }).waitFor();
  assert.equal(await rolf.getByRole('button', { name: 'Join again' }).isVisible(), false, 'no "join again" after removal');
  await host.locator(`#tiles .tile[data-participant-id="${rolfId}"]`).waitFor({ state: 'detached' });
  const again = await openPage(env.browser);
  await fillJoinForm(again, rolfLink, 'Rolf');
  await again.getByRole('button', { name: 'Join' }).click();
  await again.getByRole('heading', { name: 'This link does not work' }).waitFor();

  // End for everyone, after a confirmation, reaches the waiting room too.
  const guest = await openPage(env.browser);
  await joinToWaitingRoom(guest, await inviteGuest(host), 'Greta');
  await host.getByRole('button', { name: 'End meeting for everyone' }).click();
  const end = host.getByRole('dialog', { name: 'End the meeting for everyone?' });
  await end.getByRole('button', { name: 'Cancel' }).click();
  await end.waitFor({ state: 'hidden' });
  assert.equal(await host.evaluate(() => document.activeElement?.id), 'end-meeting', 'focus returns after cancelling');
  await host.getByRole('button', { name: 'End meeting for everyone' }).click();
  await end.getByRole('button', { name: 'End meeting', exact: true }).click();
  await guest.getByRole('heading', { name: 'The meeting has ended' }).waitFor();
  await host.getByRole('heading', { name: 'The meeting has ended' }).waitFor();

  for (const page of [host, rita, rolf, guest]) assertCleanPage(page, env.server.url);
});
