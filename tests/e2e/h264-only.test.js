// Two browsers that offer only H.264 for video (as some hardware-decoding
// devices do) still see each other: the media server negotiates H.264.

import { test } from 'node:test';
import { serverAndBrowser } from './lib/fixture.js';
import assert from 'node:assert/strict';
import { createMeeting } from './lib/server.js';
import { openPage, offerOnlyH264 } from './lib/browser.js';
import { joinThroughUi, guestAdmitted, absolute, assertMediaFlowsFrom, assertCleanPage } from './lib/meeting.js';


function outboundVideoCodec(page) {
  return page.evaluate(async () => {
    const report = await window.civicmeet.pc.getStats();
    const out = [...report.values()].find((s) => s.type === 'outbound-rtp' && s.kind === 'video');
    return report.get(out?.codecId)?.mimeType;
  });
}

const env = serverAndBrowser();

test('two pages offering only H.264 decode each other\'s H.264 video', { timeout: 120_000 }, async (t) => {
  const meeting = await createMeeting(env.server.url);
  const pages = [await openPage(env.browser, { initScript: offerOnlyH264 }), await openPage(env.browser, { initScript: offerOnlyH264 })];
  const ids = [
    await joinThroughUi(pages[0], absolute(meeting.host_url, env.server.url), 'Hedy'),
    await guestAdmitted(pages[0], pages[1], 'Alan', { link: absolute(meeting.guest_url, env.server.url) }),
  ];

  for (const [i, page] of pages.entries()) {
    const other = ids[1 - i];
    const { stats, fps } = await assertMediaFlowsFrom(page, [other]);
    assert.equal(stats[other].video.codec, 'video/H264');
    assert.equal(await outboundVideoCodec(page), 'video/H264');
    t.diagnostic(`page ${i} decodes ${stats[other].video.codec} ${stats[other].video.frameWidth}x${stats[other].video.frameHeight} at ${fps[other]} fps`);
  }
  for (const page of pages) assertCleanPage(page, env.server.url);
});
