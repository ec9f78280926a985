// A host calls a room system from the meeting page (issue 7, part 6): the
// host panel's "Call a room system" form, reached by its labels and sent
// with Enter as a keyboard user would, makes the server dial a baresip
// (lib/baresip.js, a SIP client nobody here wrote). baresip answers by
// itself; the call joins as a participant straight away, although the
// meeting has a waiting room: a tile on the host's and an admitted guest's
// page, whose audio (baresip's 440 Hz tone) both hear. The host's status
// region says the call is connected and, after baresip hangs up, that it
// ended; the tile goes. A host can also end the call by removing the
// room system from its tile: baresip's call ends. A baresip that rejects the ringing call makes the
// status region say so, and no tile appears.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, createMeeting } from './lib/server.js';
import { launchBrowser, openPage } from './lib/browser.js';
import { startBaresip } from './lib/baresip.js';
import { joinThroughUi, guestAdmitted, absolute, assertHeard, assertCleanPage, sleep, callerTileId, hostActionOnTile } from './lib/meeting.js';

const env = { server: undefined, browser: undefined };
before(async () => {
  env.server = await startServer({ sip: true });
  env.browser = await launchBrowser();
});
after(async () => {
  await env.browser?.close();
  await env.server?.stop();
});

/** The host page's status line of the dial-out form (an aria-live region). */
function dialStatus(host, text) {
  return host.getByRole('status').filter({ hasText: text });
}

/** Fills the form by its labels and sends it with Enter from the name field. */
async function callFromPage(host, uri, name) {
  await host.getByLabel('SIP address').fill(uri);
  const nameField = host.getByLabel('Name in the meeting (optional)');
  await nameField.fill(name);
  await nameField.press('Enter');
}

/** A meeting with a waiting room, its host and an admitted guest on their pages. */
async function meetingWithHostAndGuest(t) {
  const meeting = await createMeeting(env.server.url, { waiting_room: true });
  const host = await openPage(env.browser);
  const guest = await openPage(env.browser);
  t.after(() => Promise.all([host.context().close(), guest.context().close()]));
  const hostId = await joinThroughUi(host, absolute(meeting.host_url, env.server.url), 'Hanna');
  const guestId = await guestAdmitted(host, guest, 'Gustav', { link: absolute(meeting.guest_url, env.server.url) });
  return { host, guest, hostId, guestId };
}

test('a host calls a room system from the page: it answers, both pages see and hear it, the status says so, and its tile goes when it hangs up', { timeout: 90_000 }, async (t) => {
  const { host, guest, hostId, guestId } = await meetingWithHostAndGuest(t);
  const phone = await startBaresip({ name: 'Room', user: 'saal', codecs: ['g711'] });
  t.after(() => phone.stop());
  const why = () => `\n${phone.explain()}\ncivicmeet log (last 4000 characters):\n${env.server.logs().slice(-4_000)}`;

  await callFromPage(host, phone.uri, 'Saal 3');
  try {
    await phone.answered({ timeoutMs: 15_000 });
  } catch (error) {
    assert.fail(`${error.message}\ncivicmeet log (last 4000 characters):\n${env.server.logs().slice(-4_000)}`);
  }
  await dialStatus(host, /answered and joins the meeting|hat angenommen/).waitFor({ timeout: 10_000 })
    .catch((error) => assert.fail(`the host's status never said the call is connected: ${error.message}${why()}`));

  // Straight in, waiting room or not: a third tile on both pages, named as
  // the host asked, with baresip's tone.
  const roomId = await callerTileId([host, guest], 'Saal 3', { others: [hostId, guestId], tiles: 3, why });
  for (const page of [host, guest]) await assertHeard(page, roomId, { who: 'the room system', why });
  assert.equal(await host.getByRole('button', { name: /^Admit:/ }).count(), 0, 'nobody waits to be admitted');

  await phone.hangup();
  await phone.closed();
  for (const page of [host, guest]) {
    await page.locator(`#tiles .tile[data-participant-id="${roomId}"]`).waitFor({ state: 'detached', timeout: 10_000 })
      .catch((error) => assert.fail(`the room system's tile stayed after it hung up: ${error.message}${why()}`));
    assert.equal(await page.locator('#tiles .tile').count(), 2);
  }
  await dialStatus(host, /has ended|ist beendet/).waitFor({ timeout: 10_000 })
    .catch((error) => assert.fail(`the host's status never said the call ended: ${error.message}${why()}`));
  for (const page of [host, guest]) assertCleanPage(page, env.server.url);
});

test('the host ends a dialled call by removing the room system: baresip\'s call ends and its tile goes', { timeout: 90_000 }, async (t) => {
  const { host, guest, hostId, guestId } = await meetingWithHostAndGuest(t);
  const phone = await startBaresip({ name: 'Room', user: 'saal', codecs: ['opus'] });
  t.after(() => phone.stop());
  const why = () => `\n${phone.explain()}\ncivicmeet log (last 4000 characters):\n${env.server.logs().slice(-4_000)}`;

  await callFromPage(host, phone.uri, 'Saal 3');
  await phone.answered({ timeoutMs: 15_000 });
  const roomId = await callerTileId([host, guest], 'Saal 3', { others: [hostId, guestId], tiles: 3, why });
  await hostActionOnTile(host, roomId, 'Remove');
  const dialog = host.getByRole('dialog', { name: 'Remove Saal 3?' });
  await dialog.getByRole('button', { name: 'Remove', exact: true }).click();
  // A farewell prompt may play before the BYE.
  const closed = await phone.closed({ timeoutMs: 20_000 });
  t.diagnostic(`baresip's call ended: ${closed.param}`);
  const byes = phone.sipTrace().filter((m) => m.message.startsWith('BYE ') && !m.route.startsWith(`UDP 127.0.0.1:${phone.sipPort} `));
  assert.equal(byes.length > 0, true, `the server hung up with BYE${why()}`);
  for (const page of [host, guest]) {
    await page.locator(`#tiles .tile[data-participant-id="${roomId}"]`).waitFor({ state: 'detached', timeout: 10_000 })
      .catch((error) => assert.fail(`the room system's tile stayed after the host removed it: ${error.message}${why()}`));
  }
  await dialStatus(host, /has ended|ist beendet/).waitFor({ timeout: 10_000 })
    .catch((error) => assert.fail(`the host's status never said the call ended: ${error.message}${why()}`));
  for (const page of [host, guest]) assertCleanPage(page, env.server.url);
});

test('a room system that rejects the call: the host reads why, and no tile appears', { timeout: 60_000 }, async (t) => {
  const { host, guest } = await meetingWithHostAndGuest(t);
  const phone = await startBaresip({ name: 'Room', user: 'saal', codecs: ['g711'], answerMode: 'manual' });
  t.after(() => phone.stop());
  const why = () => `\n${phone.explain()}\ncivicmeet log (last 4000 characters):\n${env.server.logs().slice(-4_000)}`;

  await callFromPage(host, phone.uri, 'Saal 3');
  await phone.incoming({ timeoutMs: 15_000 });
  await dialStatus(host, /is ringing|klingelt/).waitFor({ timeout: 10_000 })
    .catch((error) => assert.fail(`the host's status never said it rings: ${error.message}${why()}`));
  // baresip refuses a call that rings.
  await phone.hangup();
  const failure = dialStatus(host, /is busy|declined the call|ist besetzt|abgelehnt/);
  await failure.waitFor({ timeout: 10_000 })
    .catch((error) => assert.fail(`the host's status shows no refusal: ${error.message}${why()}`));
  t.diagnostic(`the host reads: ${await failure.textContent()}`);

  await sleep(2_000);
  for (const page of [host, guest]) {
    assert.equal(await page.locator('#tiles .tile').filter({ hasText: 'Saal 3' }).count(), 0, 'no tile for the rejected call');
    assert.equal(await page.locator('#tiles .tile').count(), 2);
  }
  for (const page of [host, guest]) assertCleanPage(page, env.server.url);
});
