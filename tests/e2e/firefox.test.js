// A second browser engine: Firefox ESR (driven by puppeteer-core over
// WebDriver BiDi) meets headless Chromium through the real server. Each
// joins through the UI, once as the host who admits and once as the guest
// who waits; each decodes the other's video and receives the other's audio
// (getStats through window.civicmeet.pc), and shows the other's connection
// as good. Then the Chromium host shares a screen and Firefox shows it on
// its stage and decodes it: Firefox finds the screen by the msid in the
// server's offer, as Chromium does. A client bug that only one engine shows
// (an API only Chromium has, an SDP only Chromium accepts) fails here.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser } from './lib/fixture.js';
import { openPage } from './lib/browser.js';
import { launchFirefox, openFirefoxPage, byRole, ffNewMeeting, ffJoin, ffWaitingView, ffOwnId, ffInviteGuest, ffAdmit } from './lib/firefox.js';
import { newMeetingFromStartPage, joinThroughUi, inviteGuest, joinToWaitingRoom, admit, ownId, assertMediaFlowsFrom, assertCleanPage, sleep } from './lib/meeting.js';
import { startSharing, stopSharing, assertStageDecodes } from './lib/screen-share.js';

const env = serverAndBrowser();
let firefox;
before(async () => { firefox = await launchFirefox(); }, { timeout: 180_000 });
after(async () => { await firefox?.close(); });

/**
 * Polls the remote tile's quality indicator until it shows `level`; returns
 * the last level seen. (page.evaluate only: the two drivers' waitForFunction
 * take their arguments in different orders.)
 */
async function qualityShown(page, id, level, timeoutMs = 45_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const shown = await page.evaluate((participant) => {
      const indicator = document.querySelector(`#tiles .tile[data-participant-id="${participant}"] .quality`);
      return indicator && !indicator.hidden ? indicator.dataset.level : null;
    }, id);
    if (shown === level || Date.now() > deadline) return shown;
    await sleep(500);
  }
}

/** Both pages decode each other's video and receive audio; prints what flows. */
async function assertBothWays(t, pages, ids) {
  for (const [i, [label, page]] of pages.entries()) {
    const other = ids[1 - i];
    // Firefox decodes its first frame late on two cores: a generous wait.
    const { stats, fps } = await assertMediaFlowsFrom(page, [other], { timeoutMs: 90_000, gapMs: 3_000 });
    const video = stats[other].video;
    t.diagnostic(`${label} decodes ${fps[other]} fps from ${other} (${video.frameWidth}x${video.frameHeight} ${video.codec}), audio ${stats[other].audio.bytesReceived} bytes`);
    // Decoded frames reach the screen, not only the decoder.
    const playing = await page.evaluate(() => [...document.querySelectorAll('#tiles .tile:not(.self) video')].map((v) => !v.paused && v.videoWidth > 0));
    assert.deepEqual(playing, [true], `${label}'s remote video plays`);
    // The quality indicator reads this engine's getStats() too (Firefox
    // reports no freezes; the other numbers still judge).
    assert.equal(await qualityShown(page, other, 'good'), 'good', `${label} shows the connection from ${other} as good`);
  }
}

test('a Chromium host admits a Firefox guest; each decodes the other\'s video and audio', { timeout: 300_000 }, async (t) => {
  const host = await openPage(env.browser);
  const guest = await openFirefoxPage(firefox.browser);
  try {
    const link = await newMeetingFromStartPage(host, env.server.url);
    const hostId = await joinThroughUi(host, link, 'Ada');
    const invitation = await inviteGuest(host);
    await ffJoin(guest, invitation, 'Grace');
    await ffWaitingView(guest);
    await admit(host, 'Grace');
    const guestId = await ffOwnId(guest);
    await assertBothWays(t, [['Chromium host', host], ['Firefox guest', guest]], [hostId, guestId]);

    // Ada shares her screen: Firefox shows it on its stage and decodes it.
    await startSharing(host);
    await byRole(guest, 'heading', 'Screen of Ada').setTimeout(30_000).wait();
    const screen = await assertStageDecodes(guest, { timeoutMs: 60_000, gapMs: 3_000 });
    t.diagnostic(`Firefox decodes the screen at ${screen.frameWidth}x${screen.frameHeight}, mid ${screen.mid}; its track.id is "${screen.trackId}"`);
    await stopSharing(host);
    await guest.waitForFunction(() => document.getElementById('stage').hidden, { timeout: 30_000 });
    assertCleanPage(host, env.server.url);
    assertCleanPage(guest, env.server.url);
  } finally {
    await guest.close();
    await host.context().close();
  }
});

test('a Firefox host admits a Chromium guest; each decodes the other\'s video and audio', { timeout: 300_000 }, async (t) => {
  const host = await openFirefoxPage(firefox.browser);
  const guest = await openPage(env.browser);
  try {
    const link = await ffNewMeeting(host, env.server.url);
    await ffJoin(host, link, 'Hedy');
    const hostId = await ffOwnId(host);
    const invitation = await ffInviteGuest(host);
    await joinToWaitingRoom(guest, invitation, 'Linus');
    await ffAdmit(host, 'Linus');
    const guestId = await ownId(guest);
    await assertBothWays(t, [['Firefox host', host], ['Chromium guest', guest]], [hostId, guestId]);
    assertCleanPage(host, env.server.url);
    assertCleanPage(guest, env.server.url);
  } finally {
    await host.close();
    await guest.context().close();
  }
});
