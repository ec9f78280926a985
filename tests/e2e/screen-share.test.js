// Screen sharing (issue 6) between two headless Chromium pages through the
// media server: a guest (a citizen showing a document) shares; the host's
// page shows it large, named after the sharer, announced once, and decodes
// it on its own track next to the guest's camera, which keeps going. One
// share at a time: the host's own share is refused while the guest shares.
// The share ends when the sharer stops, when a host stops it, and when the
// sharer leaves, and each time the stage goes at the other page.
// Headless Chromium shares a generated test pattern as its screen (see
// lib/browser.js: the fake-device flags cover getDisplayMedia too).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { serverAndBrowser } from './lib/fixture.js';
import { openPage } from './lib/browser.js';
import { newMeetingFromStartPage, joinThroughUi, guestAdmitted, inboundByParticipant, assertMediaFlowsFrom, assertCleanPage, sleep } from './lib/meeting.js';
import { startSharing, stopSharing, stageOf, stageDecoding, assertStageDecodes } from './lib/screen-share.js';

const env = serverAndBrowser();

// The page's own msid reader, loaded as an ES module (see quality.test.js).
const msidSource = await readFile(new URL('../../crates/civicmeet/assets/js/msid.js', import.meta.url), 'utf8');
const { msidOf, isScreen } = await import(`data:text/javascript,${encodeURIComponent(msidSource)}`);

test('msid.js finds the screen by the msid track id of the right m-line', () => {
  // Shaped like the server's offers (str0m writes CRLF; a=msid after a=mid).
  const offer = [
    'v=0', 'o=- 1 2 IN IP4 0.0.0.0', 's=-', 't=0 0',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'a=mid:1', 'a=msid:7 k3Jd', 'a=sendonly',
    'm=video 9 UDP/TLS/RTP/SAVPF 96', 'a=mid:10', 'a=msid:7 Qz81', 'a=sendonly',
    'm=video 9 UDP/TLS/RTP/SAVPF 96', 'a=mid:11', 'a=msid:7 screen', 'a=sendonly',
    'm=video 0 UDP/TLS/RTP/SAVPF 96', 'a=mid:12', 'a=inactive',
    '',
  ].join('\r\n');
  assert.deepEqual(msidOf(offer, '11'), ['7', 'screen']);
  assert.equal(isScreen(offer, '11'), true);
  // 'a=mid:1' is not 'a=mid:10': whole lines only.
  assert.equal(isScreen(offer, '1'), false);
  assert.equal(isScreen(offer, '10'), false);
  assert.equal(msidOf(offer, '12'), null, 'no msid');
  assert.equal(isScreen(offer, '99'), false, 'no such mid');
  assert.equal(isScreen(offer.replaceAll('\r\n', '\n'), '11'), true, 'LF only');
  assert.equal(isScreen(undefined, '11'), false);
  assert.equal(isScreen(offer, null), false);
});

/** The text the page's live region holds once it settles. */
async function announced(page, text) {
  await page.locator('#announcer').filter({ hasText: text }).waitFor({ timeout: 10_000 });
}

test('a shared screen appears large at the other page, decodes beside the camera, and goes when the share ends', { timeout: 180_000 }, async (t) => {
  const [host, guest] = await Promise.all([openPage(env.browser), openPage(env.browser)]);
  const link = await newMeetingFromStartPage(host, env.server.url);
  await joinThroughUi(host, link, 'Ada');
  const graceId = await guestAdmitted(host, guest, 'Grace');
  await assertMediaFlowsFrom(host, [graceId]);
  assert.equal(await stageOf(host, 'Grace').count(), 0, 'no stage before a share');

  // Grace shares; Ada's page shows it large with her name and says so.
  await startSharing(guest);
  await announced(guest, 'You are sharing your screen.');
  const stage = stageOf(host, 'Grace');
  await stage.waitFor({ timeout: 10_000 });
  await stage.getByRole('heading', { name: 'Screen of Grace' }).waitFor();
  await announced(host, 'Grace is sharing their screen.');

  // The screen decodes on its own track; the camera keeps decoding on its
  // own (the tile holds only the camera), and the stage video plays.
  const camera = (await inboundByParticipant(host))[graceId].video.framesDecoded;
  const screen = await assertStageDecodes(host);
  const cameraAfter = (await inboundByParticipant(host))[graceId].video.framesDecoded;
  assert.ok(cameraAfter > camera, `the camera stopped while sharing: ${camera} → ${cameraAfter}`);
  const tileTracks = await host.locator(`#tiles .tile[data-participant-id="${graceId}"] video`)
    .evaluate((video) => video.srcObject.getVideoTracks().map((track) => track.id));
  assert.equal(tileTracks.length, 1, `the tile plays one video track: ${tileTracks}`);
  assert.notEqual(tileTracks[0], screen.trackId, 'the tile plays the camera, not the screen');
  const playing = await host.locator('#stage-video').evaluate((v) => !v.paused && v.videoWidth > 0);
  assert.ok(playing, 'the stage video plays');
  t.diagnostic(`screen at the host: ${screen.frameWidth}x${screen.frameHeight}, mid ${screen.mid}; the receiver's track.id is "${screen.trackId}" (inbound-rtp trackIdentifier "${screen.trackIdentifier}")`);

  // One share at a time: Ada's own share is refused with a clear message.
  await host.getByRole('button', { name: 'Share screen' }).click();
  await host.getByRole('alert').filter({ hasText: 'Someone else is sharing their screen' }).waitFor({ timeout: 10_000 });
  assert.equal(await host.getByRole('button', { name: 'Share screen' }).getAttribute('aria-pressed'), 'false');
  assert.ok(await stage.isVisible(), 'the refused share left Grace\'s on the stage');

  // Grace stops with the button: the stage goes at Ada's page.
  await stopSharing(guest);
  await stage.waitFor({ state: 'hidden', timeout: 10_000 });
  await announced(host, 'Grace stopped sharing their screen.');
  const stopped = await stageDecoding(host);
  assert.equal(stopped, null, 'no stage video after the share');

  // She shares again (the same transceiver, no renegotiation); Ada, a
  // host, stops it from the stage; Grace is told why.
  await startSharing(guest);
  await stage.waitFor({ timeout: 10_000 });
  await assertStageDecodes(host);
  await host.getByRole('button', { name: 'Stop sharing: Grace' }).click();
  await stage.waitFor({ state: 'hidden', timeout: 10_000 });
  // The visible notice (the same words are also announced).
  await guest.locator('#call-notice').filter({ hasText: 'A host ended your screen sharing.' }).waitFor({ timeout: 10_000 });
  await announced(guest, 'A host ended your screen sharing.');
  await guest.getByRole('button', { name: 'Share screen', pressed: false }).waitFor();

  // Leaving ends a share: the stage goes with the sharer.
  await startSharing(guest);
  await stage.waitFor({ timeout: 10_000 });
  await guest.getByRole('button', { name: 'Leave' }).click();
  await stage.waitFor({ state: 'hidden', timeout: 10_000 });
  await host.locator(`#tiles .tile[data-participant-id="${graceId}"]`).waitFor({ state: 'detached' });
  // And the stage stays away: nothing brings a share back after she left.
  await sleep(1_000);
  assert.equal(await stage.count(), 0);

  for (const page of [host, guest]) assertCleanPage(page, env.server.url);
});
