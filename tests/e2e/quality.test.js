// The connection quality indicator on each remote tile (issue 6).
//
// The thresholds: quality.js's pure functions, imported by node itself
// (the module has no DOM and no imports), fed numbers on both sides of
// every threshold. Then a healthy loopback call of two Chromium pages
// through the real server: each shows "good" on the other's tile, as bars
// and as text a screen reader reads with the tile (English, and German
// after the language switch), and not on its own tile.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { serverAndBrowser } from './lib/fixture.js';
import { openPage } from './lib/browser.js';
import { newMeetingFromStartPage, joinThroughUi, guestAdmitted, assertMediaFlowsFrom } from './lib/meeting.js';

// The browser's own file, loaded as an ES module (node would take a .js
// outside a "type": "module" package for CommonJS).
const source = await readFile(new URL('../../crates/civicmeet/assets/js/quality.js', import.meta.url), 'utf8');
const quality = await import(`data:text/javascript,${encodeURIComponent(source)}`);
const { classify, windowMetrics, sampleOf, THRESHOLDS, MIN_PACKETS } = quality;

test('classify: each number on both sides of its thresholds; the worst number wins', () => {
  const cases = [
    [{}, null],
    [{ lossFraction: Number.NaN, fps: undefined }, null],
    [{ lossFraction: 0 }, 'good'],
    [{ lossFraction: 0.019 }, 'good'],
    [{ lossFraction: 0.02 }, 'weak'],
    [{ lossFraction: 0.099 }, 'weak'],
    [{ lossFraction: 0.10 }, 'bad'],
    [{ jitterMs: 29.9 }, 'good'],
    [{ jitterMs: 30 }, 'weak'],
    [{ jitterMs: 99 }, 'weak'],
    [{ jitterMs: 100 }, 'bad'],
    [{ fps: 30 }, 'good'],
    [{ fps: 12 }, 'good'],
    [{ fps: 11.9 }, 'weak'],
    [{ fps: 5 }, 'weak'],
    [{ fps: 4.9 }, 'bad'],
    [{ fps: 0 }, 'bad'],
    [{ freezeFraction: 0.049 }, 'good'],
    [{ freezeFraction: 0.05 }, 'weak'],
    [{ freezeFraction: 0.2 }, 'bad'],
    [{ lossFraction: 0, jitterMs: 5, fps: 25, freezeFraction: 0 }, 'good'],
    [{ lossFraction: 0.03, jitterMs: 5, fps: 25 }, 'weak'],
    [{ lossFraction: 0, jitterMs: 5, fps: 25, freezeFraction: 0.3 }, 'bad'],
    [{ lossFraction: 0.5, fps: 30 }, 'bad'],
  ];
  for (const [metrics, expected] of cases) {
    assert.equal(classify(metrics), expected, `classify(${JSON.stringify(metrics)})`);
  }
  // The documented numbers are the ones in force.
  assert.deepEqual(THRESHOLDS, {
    loss: { weak: 0.02, bad: 0.10 },
    jitterMs: { weak: 30, bad: 100 },
    fps: { weak: 12, bad: 5 },
    freeze: { weak: 0.05, bad: 0.20 },
  });
});

test('windowMetrics: loss, jitter, frame rate and frozen share between two readings', () => {
  const reading = (at, { audio = {}, video = {} } = {}) => ({
    at,
    audio: { packets: 0, lost: 0, ...audio },
    video: { packets: 0, lost: 0, frames: 0, ...video },
  });
  const older = reading(0, { audio: { packets: 100, lost: 0 }, video: { packets: 400, lost: 0, frames: 50, freezeSeconds: 1 } });
  const newer = reading(4000, {
    audio: { packets: 300, lost: 5, jitter: 0.012 },
    video: { packets: 1185, lost: 10, frames: 130, freezeSeconds: 1.4 },
  });
  const m = windowMetrics(older, newer);
  assert.equal(m.lossFraction, 15 / 1000);
  assert.equal(m.jitterMs, 12);
  assert.equal(m.fps, 20);
  assert.ok(Math.abs(m.freezeFraction - 0.1) < 1e-9, `freezeFraction ${m.freezeFraction}`);
  assert.equal(classify(m), 'weak', 'a tenth of the time frozen is weak');

  // Their camera is off: frame rate and freezes say nothing.
  assert.deepEqual(Object.keys(windowMetrics(older, newer, { videoExpected: false })).sort(), ['jitterMs', 'lossFraction']);
  // No frame decoded before the window yet (waiting for the first keyframe): no frame rate.
  const starting = reading(0, { audio: { packets: 100 } });
  assert.equal(windowMetrics(starting, newer).fps, undefined);
  // Too few packets to speak of loss (a silent, DTX audio stream).
  const quiet = windowMetrics(reading(0), reading(4000, { audio: { packets: MIN_PACKETS - 2, lost: 1, jitter: 0.001 } }));
  assert.equal(quiet.lossFraction, undefined);
  // Late packets make packetsLost shrink: never a negative loss.
  const recovered = windowMetrics(reading(0, { audio: { packets: 100, lost: 9 } }), reading(2000, { audio: { packets: 200, lost: 4 } }));
  assert.equal(recovered.lossFraction, 0);
  // No audio arrived in the window: its jitter is old news.
  assert.equal(windowMetrics(reading(0, { audio: { packets: 100 } }), reading(2000, { audio: { packets: 100, jitter: 0.5 } })).jitterMs, undefined);
  // Firefox reports no freezes: no freeze share, the rest still counts.
  const firefox = windowMetrics(reading(0, { video: { packets: 100, frames: 10 } }), reading(2000, { video: { packets: 200, frames: 50 } }));
  assert.deepEqual(firefox, { lossFraction: 0, fps: 20 });
  // Nothing between the readings.
  assert.deepEqual(windowMetrics(newer, newer), {});
});

test('sampleOf: sums one participant\'s inbound streams by kind, ignores the rest', () => {
  const stats = [
    { type: 'inbound-rtp', kind: 'audio', trackIdentifier: 'a1', packetsReceived: 50, packetsLost: 1, jitter: 0.004 },
    { type: 'inbound-rtp', kind: 'video', trackIdentifier: 'v1', packetsReceived: 300, packetsLost: 2, jitter: 0.02, framesDecoded: 90, totalFreezesDuration: 0.5 },
    { type: 'inbound-rtp', kind: 'video', trackIdentifier: 'someone-else', packetsReceived: 999, packetsLost: 99, framesDecoded: 9 },
    { type: 'outbound-rtp', kind: 'audio', trackIdentifier: 'a1', packetsSent: 70 },
  ];
  assert.deepEqual(sampleOf(stats, new Set(['a1', 'v1']), 1234), {
    at: 1234,
    audio: { packets: 50, lost: 1, jitter: 0.004 },
    video: { packets: 300, lost: 2, jitter: 0.02, frames: 90, freezeSeconds: 0.5 },
  });
  assert.deepEqual(sampleOf(stats, new Set(), 0), { at: 0, audio: null, video: null });
});

const env = serverAndBrowser();

/** Waits until the remote tile of `id` shows `level`; returns its indicator's text for screen readers. */
async function indicatorOf(page, id, level) {
  const tile = page.locator(`#tiles .tile[data-participant-id="${id}"]`);
  await tile.locator(`.quality[data-level="${level}"]`).waitFor({ timeout: 45_000 });
  return tile;
}

/** The numbers behind the level, over 4 s, measured in the page with the page's own module (a diagnostic). */
function measuredMetrics(page, id) {
  return page.evaluate(async (participant) => {
    const { sampleOf, windowMetrics } = await import('/assets/js/quality.js');
    const video = document.querySelector(`#tiles .tile[data-participant-id="${participant}"] video`);
    const tracks = new Set(video.srcObject.getTracks().map((track) => track.id));
    const read = async () => sampleOf([...(await window.civicmeet.pc.getStats()).values()], tracks, performance.now());
    const older = await read();
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    return windowMetrics(older, await read());
  }, id);
}

test('a healthy loopback call shows "good" on each remote tile, as bars and as text for screen readers', { timeout: 180_000 }, async (t) => {
  const host = await openPage(env.browser);
  const guest = await openPage(env.browser);
  const link = await newMeetingFromStartPage(host, env.server.url);
  const hostId = await joinThroughUi(host, link, 'Ada');
  const guestId = await guestAdmitted(host, guest, 'Grace');
  await assertMediaFlowsFrom(host, [guestId]);
  await assertMediaFlowsFrom(guest, [hostId]);

  for (const [page, other] of [[host, guestId], [guest, hostId]]) {
    const tile = await indicatorOf(page, other, 'good');
    // Visible: three lit bars in the tile, hidden from screen readers.
    const bars = tile.locator('.quality-bars');
    assert.equal(await bars.getAttribute('aria-hidden'), 'true');
    assert.ok(await bars.isVisible(), 'the bars are visible');
    // Screen readers read the level with the tile (the accessibility tree, not only the DOM).
    assert.match(await tile.ariaSnapshot(), /Connection: good/);
    // Not a live region: reaching the tile reads it; changes are not announced one by one.
    assert.equal(await tile.locator('.quality').evaluate((el) => el.closest('[aria-live], [role="status"], [role="alert"]')), null);
    // Our own tile has no indicator (nothing of ours arrives here).
    assert.equal(await page.locator('#tiles .tile.self .quality').count(), 0);
    t.diagnostic(`from ${other}: ${JSON.stringify(await measuredMetrics(page, other))}`);
  }

  // In German the text follows the language switch.
  await guest.getByRole('button', { name: 'Auf Deutsch wechseln' }).click();
  const tile = await indicatorOf(guest, hostId, 'good');
  assert.match(await tile.ariaSnapshot(), /Verbindung: gut/);
});
