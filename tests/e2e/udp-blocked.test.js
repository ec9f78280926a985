// A citizen behind an office firewall that lets no UDP through: their
// browser sits in a namespace of the test's own (lib/netns.js) where every
// UDP packet in or out is dropped. Issue 6: they still join and see and
// hear the host, over ICE-TCP to the server's TCP media port.
// (`mediaTcp` in lib/server.js sets `media.tcp_port`.)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverBehindImpairedLink } from './lib/fixture.js';
import { createMeeting } from './lib/server.js';
import { openPage } from './lib/browser.js';
import { joinThroughUi, guestAdmitted, absolute, assertMediaFlowsFrom, selectedCandidatePair, assertCleanPage, sleep } from './lib/meeting.js';

const env = serverBehindImpairedLink((ns) => ns.blockUdp(), { mediaTcp: true });

test('a guest whose network blocks all UDP joins and decodes video both ways over TCP', { timeout: 180_000 }, async (t) => {
  const meeting = await createMeeting(env.server.url);
  const host = await openPage(env.browser);
  const guest = await openPage(env.impairedBrowser);
  const hostId = await joinThroughUi(host, absolute(meeting.host_url, env.server.url), 'Hedy');
  const guestId = await guestAdmitted(host, guest, 'Alan', { link: absolute(meeting.guest_url, env.server.url) });

  // Without a TCP candidate the connection fails (after ~30 s of checks)
  // and the page drops it: say so rather than only "no media".
  const offered = await guest.waitForFunction(() => window.civicmeet?.pc?.remoteDescription?.sdp.match(/^a=candidate:.*$/gm))
    .then((handle) => handle.jsonValue());
  t.diagnostic(`the server's candidates: ${offered.join(' | ')}`);
  let state;
  for (const deadline = Date.now() + 60_000; Date.now() < deadline && state !== 'connected' && state !== 'failed';) {
    state = await guest.evaluate(() => window.civicmeet?.pc?.connectionState ?? 'failed'); // the page drops a failed one
    await sleep(250);
  }
  assert.equal(state, 'connected', `the guest's media connection is ${state}: no candidate pair works without UDP`);

  const { stats, fps } = await assertMediaFlowsFrom(guest, [hostId], { timeoutMs: 60_000 });
  const back = await assertMediaFlowsFrom(host, [guestId], { timeoutMs: 60_000 });
  const pair = await selectedCandidatePair(guest);
  t.diagnostic(`the guest decodes ${stats[hostId].video.frameWidth}x${stats[hostId].video.frameHeight} at ${fps[hostId]} fps, the host ${back.fps[guestId]} fps, over ${pair?.local.protocol} ${pair?.local.address} → ${pair?.remote.address}:${pair?.remote.port}`);

  // Media went over TCP to the server's TCP port, and UDP really was blocked.
  assert.equal(pair?.local.protocol, 'tcp');
  assert.equal(pair?.remote.port, env.server.mediaTcpPort);
  const dropped = await env.ns.dropped();
  assert.ok(dropped.out > 0, `the guest's UDP was never dropped: ${JSON.stringify(dropped)}`);
  for (const page of [host, guest]) assertCleanPage(page, env.server.url);
});
