// A meeting's guest PIN typed on a real phone's keypad (issue 7): baresip
// (lib/baresip.js) dials a meeting that has a guest PIN and a waiting room,
// and presses keys as RFC 4733 telephone-events, each time after it heard
// the server's voice prompt, as a person would. Three wrong PINs: the
// server says goodbye and ends the call with its own BYE, and the host
// never sees the phone waiting. A second call with the right PIN and `#`:
// the call stays up, the phone hears that it waits, the host's page lists
// it in the waiting room, the host admits it, and both pages (the host
// and a guest who typed the PIN in the page) hear its tone.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, createMeeting } from './lib/server.js';
import { launchBrowser, openPage } from './lib/browser.js';
import { startBaresip } from './lib/baresip.js';
import {
  joinThroughUi, fillJoinForm, waitingView, admit, ownId, absolute, assertHeard, assertCleanPage,
} from './lib/meeting.js';

const PIN = '4321';
const NAME = 'Keypad Phone';
/**
 * Where, after the keys were sent, a new prompt is looked for in the
 * recording: the first key stops the prompt that was playing, and what
 * was already on its way has played out by then.
 */
const AFTER_KEYS_SECONDS = 0.5;

const env = { server: undefined, browser: undefined };
before(async () => {
  env.server = await startServer({ sip: true });
  env.browser = await launchBrowser();
});
after(async () => {
  await env.browser?.close();
  await env.server?.stop();
});

test('a PIN on the keypad: three wrong PINs end the call with the server\'s BYE; the right one and # lead to the waiting room, the host admits the phone and both pages hear it', { timeout: 120_000 }, async (t) => {
  const meeting = await createMeeting(env.server.url, { waiting_room: true, guest_pin: PIN });
  const host = await openPage(env.browser);
  const guest = await openPage(env.browser);
  t.after(() => Promise.all([host.context().close(), guest.context().close()]));
  const hostId = await joinThroughUi(host, absolute(meeting.host_url, env.server.url), 'Hanna');
  // The guest page types the same PIN, waits and is admitted.
  await fillJoinForm(guest, absolute(meeting.guest_url, env.server.url), 'Gustav');
  await guest.getByRole('button', { name: 'Join' }).click();
  await guest.getByRole('alert').filter({ hasText: 'This meeting needs a PIN' }).waitFor();
  await guest.getByLabel('PIN', { exact: true }).fill(PIN);
  await guest.getByRole('button', { name: 'Join' }).click();
  await waitingView(guest);
  await admit(host, 'Gustav');
  const guestId = await ownId(guest);

  const phone = await startBaresip({ name: NAME, user: 'keypad', codecs: ['g711'] });
  t.after(() => phone.stop());
  const number = `sip:${meeting.dial_number}@127.0.0.1:${env.server.sipPort}`;
  const why = () => `\n${phone.explain()}\ncivicmeet log (last 4000 characters):\n${env.server.logs().slice(-4_000)}`;
  const sentByPhone = (trace) => trace.route.includes(`127.0.0.1:${phone.sipPort} ->`);
  const waitingList = host.locator('#waiting-list li');

  // First call: three wrong PINs, each typed once the phone heard a prompt.
  await phone.dial(number);
  await phone.established({ timeoutMs: 10_000 });
  assert.match(phone.sdp().at(-1) ?? '', /^a=rtpmap:\d+ telephone-event\/8000/m, `the answer takes RFC 4733 key presses${why()}`);
  await phone.hearsSound({ what: 'the PIN prompt' });
  const wrongPins = ['1111#', '2222#', '3333#'];
  let typedAt;
  for (const [attempt, keys] of wrongPins.entries()) {
    typedAt = await phone.heardSeconds();
    await phone.sendDigits(keys);
    if (attempt === wrongPins.length - 1) break;
    await phone.hearsSound({ fromSeconds: typedAt + AFTER_KEYS_SECONDS, what: `the wrong-PIN prompt after ${keys}` });
    assert.equal(await waitingList.count(), 0, `after the wrong PIN ${keys} nobody waits`);
  }
  // The server says goodbye, then hangs up: its BYE, not the phone's.
  const closed = await phone.closed({ timeoutMs: 30_000 });
  const trace = phone.sipTrace();
  const byeFromServer = trace.find((m) => !sentByPhone(m) && /^BYE /.test(m.message));
  assert.ok(byeFromServer, `the server ended the call with BYE (closed: ${closed.param})${why()}`);
  assert.ok(!trace.some((m) => sentByPhone(m) && /^BYE /.test(m.message)), `the phone did not hang up itself${why()}`);
  const farewellAt = await phone.hearsSound({ fromSeconds: typedAt + AFTER_KEYS_SECONDS, timeoutMs: 1_000, what: 'the farewell before the BYE' });
  t.diagnostic(`three wrong PINs: farewell ${(farewellAt - typedAt).toFixed(2)} s after the last keys; closed "${closed.param}"`);
  assert.equal(await waitingList.count(), 0, 'the phone never waited');
  assert.equal(await host.locator('#tiles .tile').count(), 2, 'and never came in');

  // Second call: the right PIN and #.
  await phone.dial(number);
  await phone.established({ timeoutMs: 10_000 });
  await phone.hearsSound({ what: 'the PIN prompt of the second call' });
  typedAt = await phone.heardSeconds();
  await phone.sendDigits(`${PIN}#`);
  const admitButton = host.getByRole('button', { name: `Admit: ${NAME}`, exact: true });
  try {
    await admitButton.waitFor({ timeout: 10_000 });
  } catch (error) {
    assert.fail(`the host's waiting list shows no "Admit: ${NAME}" 10 s after the phone typed the PIN: ${error.message}${why()}`);
  }
  await phone.hearsSound({ fromSeconds: typedAt + AFTER_KEYS_SECONDS, what: 'the waiting prompt' });
  assert.ok(phone.running(), 'baresip runs');
  const callEvents = phone.events.filter((e) => e.type === 'CALL_CLOSED');
  assert.equal(callEvents.length, 1, `only the first call closed: the second stays up while it waits${why()}`);
  // The phone's keys went as telephone-events in its RTP, not as SIP INFO.
  assert.ok(!phone.sipTrace().some((m) => sentByPhone(m) && /^INFO /.test(m.message)), 'no SIP INFO from the phone');

  await admitButton.click();
  let phoneId;
  for (const page of [host, guest]) {
    const tile = page.locator('#tiles .tile').filter({ hasText: NAME });
    try {
      await tile.waitFor({ timeout: 10_000 });
    } catch (error) {
      assert.fail(`no tile for "${NAME}" after the host admitted it: ${error.message}${why()}`);
    }
    assert.equal(await page.locator('#tiles .tile').count(), 3, 'host, guest and the phone');
    const id = await tile.getAttribute('data-participant-id');
    assert.ok(![hostId, guestId].includes(id), 'the phone is a participant of its own');
    if (phoneId !== undefined) assert.equal(id, phoneId, 'both pages know the phone by the same id');
    phoneId = id;
  }
  for (const page of [host, guest]) await assertHeard(page, phoneId, { who: 'the phone', why });

  await phone.hangup();
  await phone.closed();
  for (const page of [host, guest]) {
    await page.locator(`#tiles .tile[data-participant-id="${phoneId}"]`).waitFor({ state: 'detached', timeout: 10_000 })
      .catch((error) => assert.fail(`the phone's tile stayed after it hung up: ${error.message}${why()}`));
  }
  for (const page of [host, guest]) assertCleanPage(page, env.server.url);
});
