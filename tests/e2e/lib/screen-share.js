// Screen sharing in headless Chromium: what a person does and sees around
// a share. The browser's usual fake-device flags (browser.js) are what let
// getDisplayMedia succeed without a person at a picker.

import assert from 'node:assert/strict';
import { sleep } from './meeting.js';

/** Clicks "Share screen" and waits until the server let us share (the button is pressed). */
export async function startSharing(page) {
  await page.getByRole('button', { name: 'Share screen', pressed: false }).click();
  await page.getByRole('button', { name: 'Share screen', pressed: true }).waitFor({ timeout: 10_000 });
}

/** Clicks the pressed "Share screen" to stop. */
export async function stopSharing(page) {
  await page.getByRole('button', { name: 'Share screen', pressed: true }).click();
  await page.getByRole('button', { name: 'Share screen', pressed: false }).waitFor();
}

/** The stage, found as a person with a screen reader finds it: a region named after the sharer. */
export function stageOf(page, sharerName) {
  return page.getByRole('region', { name: `Screen of ${sharerName}` });
}

/**
 * What the page decodes of the screen on its stage, from the receiver of
 * the stage's track: frames decoded, their size, and how the track is
 * named (the receiver's track id and mid), or null without a share.
 */
export function stageDecoding(page) {
  return page.evaluate(async () => {
    const track = document.getElementById('stage-video')?.srcObject?.getVideoTracks()[0];
    const pc = window.civicmeet?.pc;
    const transceiver = pc?.getTransceivers().find((tr) => tr.receiver.track === track);
    if (!track || !transceiver) return null;
    const report = await transceiver.receiver.getStats();
    const inbound = [...report.values()].find((s) => s.type === 'inbound-rtp');
    return {
      framesDecoded: inbound?.framesDecoded ?? 0,
      frameWidth: inbound?.frameWidth ?? 0,
      frameHeight: inbound?.frameHeight ?? 0,
      trackId: track.id,
      trackIdentifier: inbound?.trackIdentifier,
      mid: transceiver.mid,
    };
  });
}

/** Waits until the stage decodes frames, then asserts they keep coming; returns the last reading. */
export async function assertStageDecodes(page, { timeoutMs = 20_000, gapMs = 2_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let first;
  for (;;) {
    first = await stageDecoding(page);
    if (first?.framesDecoded > 0) break;
    if (Date.now() > deadline) assert.fail(`the stage decoded no frame within ${timeoutMs} ms: ${JSON.stringify(first)}`);
    await sleep(250);
  }
  await sleep(gapMs);
  const second = await stageDecoding(page);
  assert.ok(second?.framesDecoded > first.framesDecoded, `the screen stopped: ${JSON.stringify({ first, second })}`);
  return second;
}
