// Meetings with PINs (issue 4, part 3): a link of a meeting with a host PIN
// and a guest PIN asks for the PIN after Join; a wrong PIN is said to be
// wrong and may be tried again; the right one lets the host in and the
// guest into the waiting room. The field takes digits only. Three wrong
// PINs block the link with an end view.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser } from './lib/fixture.js';
import { openPage } from './lib/browser.js';
import { createMeeting } from './lib/server.js';
import { absolute, fillJoinForm, ownId, waitingView, admit, assertMediaFlowsFrom, assertCleanPage } from './lib/meeting.js';

const env = serverAndBrowser();

/** Types a PIN and joins; the PIN field must be showing. */
async function enterPin(page, pin) {
  const field = page.getByLabel('PIN', { exact: true });
  await field.fill(pin);
  await page.getByRole('button', { name: 'Join' }).click();
}

test('host and guest PINs: asked for, wrong once, then right; host in, guest waits and is admitted', { timeout: 180_000 }, async () => {
  const meeting = await createMeeting(env.server.url, { kind: 'open', host_pin: '1234', guest_pin: '5678' });

  const host = await openPage(env.browser);
  await fillJoinForm(host, absolute(meeting.host_url, env.server.url), 'Hanna');
  await host.getByRole('button', { name: 'Join' }).click();
  await host.getByRole('alert').filter({ hasText: 'This meeting needs a PIN' }).waitFor();
  const field = host.getByLabel('PIN', { exact: true });
  assert.equal(await host.evaluate(() => document.activeElement?.id), 'pin', 'the PIN field has focus');
  assert.equal(await field.getAttribute('inputmode'), 'numeric');
  // Digits only, 4 to 10.
  await field.fill('12ab');
  assert.equal(await field.inputValue(), '12');
  await host.getByRole('button', { name: 'Join' }).click();
  await host.getByRole('alert').filter({ hasText: '4 to 10 digits' }).waitFor();
  assert.equal(await field.getAttribute('aria-invalid'), 'true');

  await enterPin(host, '9999');
  await host.getByRole('alert').filter({ hasText: 'The PIN is wrong' }).waitFor();
  await enterPin(host, '1234');
  const hostId = await ownId(host);

  // The guest's PIN is another; the host's PIN does not open the guest link.
  const guest = await openPage(env.browser);
  await fillJoinForm(guest, absolute(meeting.guest_url, env.server.url), 'Gustav');
  await guest.getByRole('button', { name: 'Join' }).click();
  await guest.getByRole('alert').filter({ hasText: 'This meeting needs a PIN' }).waitFor();
  await enterPin(guest, '1234');
  await guest.getByRole('alert').filter({ hasText: 'The PIN is wrong' }).waitFor();
  await enterPin(guest, '5678');
  await waitingView(guest);
  await admit(host, 'Gustav');
  const guestId = await ownId(guest);
  await assertMediaFlowsFrom(host, [guestId]);
  await assertMediaFlowsFrom(guest, [hostId]);
  for (const page of [host, guest]) assertCleanPage(page, env.server.url);
});

test('three wrong PINs block the link', { timeout: 120_000 }, async (t) => {
  const meeting = await createMeeting(env.server.url, { kind: 'open', host_pin: '1234', guest_pin: '5678' });
  const guest = await openPage(env.browser);
  await fillJoinForm(guest, absolute(meeting.guest_url, env.server.url), 'Mallory');
  await guest.getByRole('button', { name: 'Join' }).click();
  await guest.getByRole('alert').filter({ hasText: 'This meeting needs a PIN' }).waitFor();
  // Three attempts (Pexip's rule): the third wrong PIN, or at the latest
  // the next try, ends with the link blocked.
  const blocked = guest.getByRole('heading', { name: 'Too many wrong PINs' });
  let attempts = 0;
  while (!(await blocked.isVisible())) {
    assert.ok(attempts < 4, 'blocked after at most four wrong PINs');
    await enterPin(guest, String(attempts).repeat(4));
    attempts += 1;
    // The answer came: the button is back (wrong PIN) or the end view shows.
    await guest.waitForFunction(() => !document.getElementById('join-button').disabled || !document.getElementById('left-view').hidden);
  }
  t.diagnostic(`blocked after ${attempts} wrong PINs`);
  assert.equal(await guest.getByRole('button', { name: 'Join again' }).isVisible(), true);
  assert.deepEqual(guest.problems, []);
});
