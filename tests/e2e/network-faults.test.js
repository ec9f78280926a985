// A citizen on a poor mobile link: their browser sits behind 5% random UDP
// loss and 80 ms delay each way (a namespace of the test's own, lib/netns.js);
// the host's browser and the server sit on a clean link. Issue 6 asks that
// video still decodes at 15 fps or more, with few freezes, both ways.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverBehindImpairedLink } from './lib/fixture.js';
import { createMeeting } from './lib/server.js';
import { openPage } from './lib/browser.js';
import { joinThroughUi, guestAdmitted, absolute, assertMediaFlowsFrom, selectedCandidatePair, sleep } from './lib/meeting.js';
import { videoOverWindow, describeVideo } from './lib/quality.js';
import { directCall, directVideoOverWindow } from './lib/direct-call.js';

const LOSS_PERCENT = 5;
const DELAY_MS = 80;
// Issue 6's acceptance criterion; the fake camera sends 20 fps.
const MIN_FPS = 15;
// Chromium counts a freeze when a frame comes more than max(3 frame
// intervals, average + 150 ms) after the one before: one lost packet
// repaired by NACK over this link's 160 ms round trip is about one freeze.
// A direct Chromium-to-Chromium call over the same link froze 0 or 1 times
// per 12 s here (the first test checks that each run); through the server,
// towards the impaired guest, 0 to 5 times in 9 runs and once 7 times
// (2.2 s frozen) in a full run (2026-11-27), although every lost packet was
// retransmitted in time and the guest knows the 160 ms round trip
// (remote-inbound-rtp) — a gap to the direct call that is not understood
// yet (not the bandwidth estimator: the same with it off). So the bound is
// on what a person notices: a freeze at most every two seconds on average,
// and video frozen at most a fifth of the time, over 24 s: a count over a
// longer window varies less against the same rate. Frozen video (the
// layer-switch bug this test caught) fails both.
const WINDOW_MS = 24_000;
const MAX_FREEZES = WINDOW_MS / 2_000;
const MAX_FROZEN_SHARE = 0.2;
const WARM_UP_MS = 5_000; // past the first keyframes and the bandwidth ramp-up

const env = serverBehindImpairedLink(async (ns) => {
  await ns.loss(LOSS_PERCENT);
  await ns.delay(DELAY_MS);
});

// The reference: Chromium to Chromium directly over the same link, no server
// in the media path. If this fails, the link or the machine is to blame,
// not the server, and the bounds below are asking too much.
test('reference: a direct Chromium-to-Chromium call over the same link meets the same bounds', { timeout: 120_000 }, async (t) => {
  const [a, b] = [await openPage(env.browser), await openPage(env.impairedBrowser)];
  await directCall(a, b, `${env.server.url}/`);
  await sleep(WARM_UP_MS);
  const results = await directVideoOverWindow([b, a], WINDOW_MS);
  await Promise.all([a.context().close(), b.context().close()]);
  for (const [way, v] of [['to the impaired page', results[0]], ['from the impaired page', results[1]]]) {
    t.diagnostic(`direct, ${way}: ${v.fps.toFixed(1)} fps, ${v.freezes} freezes, ${v.packetsLost} packets lost, ${v.nacksSent} NACKs sent, ${v.fecPacketsReceived} FEC packets received`);
    assert.ok(v.fps >= MIN_FPS && v.freezes <= MAX_FREEZES, `direct call ${way}: ${JSON.stringify(v)}`);
  }
});

// One call and one measurement window for the tests below: host on the
// clean side, guest behind the impaired link.
let measured;
function measureCall() {
  measured ??= (async () => {
    const meeting = await createMeeting(env.server.url);
    const host = await openPage(env.browser);
    const guest = await openPage(env.impairedBrowser);
    const hostId = await joinThroughUi(host, absolute(meeting.host_url, env.server.url), 'Hedy');
    const guestId = await guestAdmitted(host, guest, 'Alan', { link: absolute(meeting.guest_url, env.server.url) });
    await assertMediaFlowsFrom(guest, [hostId], { timeoutMs: 60_000 });
    await assertMediaFlowsFrom(host, [guestId], { timeoutMs: 60_000 });
    await sleep(WARM_UP_MS);
    const droppedBefore = await env.ns.dropped();
    const [down, up] = await videoOverWindow([
      { sender: host, receiver: guest, from: hostId },
      { sender: guest, receiver: host, from: guestId },
    ], WINDOW_MS);
    const droppedAfter = await env.ns.dropped();
    return {
      down,
      up,
      dropped: { in: droppedAfter.in - droppedBefore.in, out: droppedAfter.out - droppedBefore.out },
      guestPair: await selectedCandidatePair(guest),
      hostPair: await selectedCandidatePair(host),
    };
  })();
  return measured;
}

const directions = (m) => [['to the impaired guest', m.down], ['from the impaired guest', m.up]];

test(`video keeps >= ${MIN_FPS} fps both ways across ${LOSS_PERCENT}% loss and ${DELAY_MS} ms delay`, { timeout: 180_000 }, async (t) => {
  const m = await measureCall();
  for (const [way, v] of directions(m)) {
    t.diagnostic(`${way}: ${describeVideo(v)}`);
    assert.ok(v.fps >= MIN_FPS, `video ${way}: ${v.fps.toFixed(1)} fps, under ${MIN_FPS}`);
  }
});

test(`video freezes at most ${MAX_FREEZES} times and is frozen at most ${MAX_FROZEN_SHARE * 100}% of ${WINDOW_MS / 1000} s each way across the same link`, { timeout: 180_000 }, async () => {
  const m = await measureCall();
  for (const [way, v] of directions(m)) {
    const detail = `video ${way}: ${v.freezes} freezes (${v.freezeSeconds.toFixed(2)} s) in ${WINDOW_MS / 1000} s`;
    assert.ok(v.freezes <= MAX_FREEZES, detail);
    assert.ok(v.freezeSeconds <= MAX_FROZEN_SHARE * (WINDOW_MS / 1000), detail);
  }
});

// Without this, the tests above could pass on a link the harness failed to
// impair: the rules must drop UDP both ways, the loss must reach the media
// (downstream at the guest's receiver; upstream at the server, which tells
// the guest's sender), and the delay must show in the round trip.
test('the impairment is real: UDP dropped both ways, loss seen by the media, the round trip 2 × the delay longer than on the clean link', { timeout: 180_000 }, async (t) => {
  const m = await measureCall();
  const ms = (pair) => (pair?.currentRoundTripTime * 1000).toFixed(0);
  t.diagnostic(`the harness dropped ${m.dropped.in} UDP packets into the namespace and ${m.dropped.out} out of it in ${WINDOW_MS / 1000} s`);
  t.diagnostic(`round trip: impaired guest ${ms(m.guestPair)} ms (${m.guestPair?.local.address} → ${m.guestPair?.remote.address}), host ${ms(m.hostPair)} ms`);

  assert.ok(m.dropped.in > 0 && m.dropped.out > 0, `dropped ${JSON.stringify(m.dropped)}`);
  assert.ok(m.down.packetsLost > 0 || m.down.nacksSent > 0, `no loss at the impaired guest: ${describeVideo(m.down)}`);
  assert.ok(m.up.senderNacksReceived > 0 || m.up.senderReportedLost > 0, `the server reported no loss to the impaired guest's sender: ${describeVideo(m.up)}`);
  // The guest's media crosses the veth from inside the namespace.
  assert.equal(m.guestPair?.local.address, env.ns.nsAddress);
  // Each way is delayed, so the guest's round trip is at least 2 × DELAY_MS
  // (less 10% for timer granularity) longer than the host's on the clean
  // link; comparing the two leaves out what a busy machine adds to both.
  const extra = (m.guestPair.currentRoundTripTime - m.hostPair.currentRoundTripTime) * 1000;
  assert.ok(extra >= 2 * DELAY_MS * 0.9, `guest round trip ${ms(m.guestPair)} ms, host ${ms(m.hostPair)} ms`);
});
