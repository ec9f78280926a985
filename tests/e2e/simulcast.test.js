// Simulcast (issue 6): each page sends its camera in three layers, and the
// server forwards to each viewer the layer that fits the tile it shows:
// a large window gets the full picture, a phone-sized one a smaller one,
// and video keeps decoding across the switch.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser } from './lib/fixture.js';
import { createMeeting } from './lib/server.js';
import { openPage } from './lib/browser.js';
import { joinThroughUi, guestAdmitted, absolute, assertMediaFlowsFrom, inboundByParticipant, outboundVideo, assertCleanPage, sleep } from './lib/meeting.js';

const env = serverAndBrowser();

/** Waits until `page` decodes `from`'s video at `height` pixels; returns the heights seen. */
async function untilHeight(page, from, wanted, timeoutMs = 20_000) {
  const seen = [];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const height = (await inboundByParticipant(page))[from]?.video?.frameHeight ?? 0;
    if (seen.at(-1) !== height) seen.push(height);
    if (height === wanted) return seen;
    await sleep(250);
  }
  assert.fail(`video from ${from} never arrived at ${wanted} px; heights seen: ${seen.join(', ')}`);
}

test('a viewer gets the layer that fits its tile, and video goes on across the switch', { timeout: 150_000 }, async (t) => {
  const meeting = await createMeeting(env.server.url);
  const host = await openPage(env.browser);
  const guest = await openPage(env.browser);
  const hostId = await joinThroughUi(host, absolute(meeting.host_url, env.server.url), 'Hedy');
  const guestId = await guestAdmitted(host, guest, 'Alan', { link: absolute(meeting.guest_url, env.server.url) });
  await assertMediaFlowsFrom(guest, [hostId]);

  // The host really sends layers: several outbound video streams with rids,
  // each smaller than the next.
  const sent = (await outboundVideo(host)).layers.filter((l) => l.frameHeight > 0);
  t.diagnostic(`host sends ${sent.map((l) => `${l.rid}: ${l.frameHeight}p`).join(', ')}`);
  assert.ok(sent.length >= 2, `simulcast layers sent: ${JSON.stringify(sent)}`);
  const heights = sent.map((l) => l.frameHeight).sort((a, b) => a - b);
  const [smallest, largest] = [heights[0], heights.at(-1)];
  assert.ok(smallest < largest);

  // A large window: the host's tile is tall, the full layer comes.
  await guest.setViewportSize({ width: 1600, height: 1000 });
  const up = await untilHeight(guest, hostId, largest);
  t.diagnostic(`large window: heights ${up.join(' → ')}`);

  // A small window: a smaller layer, and frames keep coming after the switch.
  // A tile about 100 px tall (a thumbnail on a narrow phone).
  await guest.setViewportSize({ width: 180, height: 320 });
  const down = await untilHeight(guest, hostId, heights.find((h) => h < largest));
  t.diagnostic(`small window: heights ${down.join(' → ')}`);
  const { fps } = await assertMediaFlowsFrom(guest, [hostId]);
  t.diagnostic(`after the switch the guest decodes ${fps[hostId]} fps`);

  // And the other way round works as before.
  await assertMediaFlowsFrom(host, [guestId]);
  for (const page of [host, guest]) assertCleanPage(page, env.server.url);
});
