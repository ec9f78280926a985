// A person without a camera (or who refused it) still joins: the others
// hear them and see "Camera off" on their tile, and they see and hear the
// others.

import { test } from 'node:test';
import { serverAndBrowser } from './lib/fixture.js';
import assert from 'node:assert/strict';
import { createMeeting } from './lib/server.js';
import { openPage } from './lib/browser.js';
import { joinThroughUi, guestAdmitted, absolute, assertMediaFlowsFrom, inboundByParticipant, sleep } from './lib/meeting.js';

// Runs in the page before its scripts: asking for a camera fails as it does
// on a machine that has none.
function noCamera() {
  const getUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = (constraints) => (constraints.video
    ? Promise.reject(new DOMException('Requested device not found', 'NotFoundError'))
    : getUserMedia(constraints));
}

const env = serverAndBrowser();

test('someone without a camera joins with audio only', { timeout: 120_000 }, async () => {
  const meeting = await createMeeting(env.server.url);
  const [listener, viewer] = [await openPage(env.browser, { initScript: noCamera }), await openPage(env.browser)];
  // The one without a camera is the guest: the waiting room works without one.
  const viewerId = await joinThroughUi(viewer, absolute(meeting.host_url, env.server.url), 'Francis');
  const listenerId = await guestAdmitted(viewer, listener, 'Rosalind', { link: absolute(meeting.guest_url, env.server.url) });

  assert.equal(await listener.getByRole('button', { name: 'Turn camera off' }).isDisabled(), true);
  await viewer.locator(`#tiles .tile[data-participant-id="${listenerId}"] [data-marker="camera-off"]`).waitFor({ state: 'visible' });

  await assertMediaFlowsFrom(listener, [viewerId]);
  const audioBytes = async () => (await inboundByParticipant(viewer))[listenerId]?.audio?.bytesReceived ?? 0;
  const deadline = Date.now() + 30_000;
  while ((await audioBytes()) === 0) {
    assert.ok(Date.now() < deadline, 'no audio from the person without a camera');
    await sleep(250);
  }
  const earlier = await audioBytes();
  await sleep(2_000);
  assert.ok((await audioBytes()) > earlier, 'their audio keeps arriving');
  for (const page of [listener, viewer]) assert.deepEqual(page.problems, []);
});

// Runs in the page before its scripts: no camera and no microphone at all.
function noDevices() {
  navigator.mediaDevices.getUserMedia = () =>
    Promise.reject(new DOMException('Requested device not found', 'NotFoundError'));
}

test('someone without camera and microphone still sees and hears the others', { timeout: 120_000 }, async () => {
  const meeting = await createMeeting(env.server.url);
  const [onlooker, speaker] = [await openPage(env.browser, { initScript: noDevices }), await openPage(env.browser)];
  const speakerId = await joinThroughUi(speaker, absolute(meeting.host_url, env.server.url), 'Grace');
  await guestAdmitted(speaker, onlooker, 'Ada', { link: absolute(meeting.guest_url, env.server.url) });

  await assertMediaFlowsFrom(onlooker, [speakerId]);
  for (const page of [onlooker, speaker]) assert.deepEqual(page.problems, []);
});
