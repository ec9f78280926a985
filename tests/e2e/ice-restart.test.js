// ICE restart after a network outage (issue 6, resilience). The guest's
// browser sits in a namespace of the test's own (lib/netns.js); the test
// drops all of its UDP, as when Wi-Fi goes and mobile data has not taken
// over yet. Its ICE connection goes `disconnected`, and the page restarts
// ICE through the usual offer (new ufrag and password, on the signalling
// socket, which is TCP and untouched); the server's router takes the new
// credentials and answers with its own new ones. The router counts the
// restart as connectivity lost (its log says so) and keeps the participant
// for its grace period. When UDP flows again, the restarted ICE session
// connects and video decodes both ways, on the same RTCPeerConnection and
// in the same seat.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverBehindImpairedLink } from './lib/fixture.js';
import { createMeeting } from './lib/server.js';
import { openPage } from './lib/browser.js';
import { joinThroughUi, guestAdmitted, absolute, assertMediaFlowsFrom, ownId, assertCleanPage } from './lib/meeting.js';

// A clean link to start with: the test impairs it itself, later.
const env = serverBehindImpairedLink(async () => {}, { env: { CIVICMEET_LOG: 'info,civicmeet_router=debug' } });
const LOST = /ice connectivity lost, waiting for a restart/;

/** The ICE ufrags of the guest's current local and remote descriptions. */
function ufrags(page) {
  return page.evaluate(() => {
    const ufrag = (description) => description?.sdp.match(/^a=ice-ufrag:(.*)$/m)?.[1].trim();
    const pc = window.civicmeet.pc;
    return { local: ufrag(pc.localDescription), remote: ufrag(pc.remoteDescription), ice: pc.iceConnectionState };
  });
}

test('a guest whose UDP goes away restarts ICE and gets media back once it returns', { timeout: 240_000 }, async (t) => {
  const meeting = await createMeeting(env.server.url);
  const host = await openPage(env.browser);
  const guest = await openPage(env.impairedBrowser);
  const hostId = await joinThroughUi(host, absolute(meeting.host_url, env.server.url), 'Hedy');
  const guestId = await guestAdmitted(host, guest, 'Alan', { link: absolute(meeting.guest_url, env.server.url) });
  await assertMediaFlowsFrom(guest, [hostId]);
  await assertMediaFlowsFrom(host, [guestId]);
  const before = await ufrags(guest);
  await guest.evaluate(() => { window.__pc = window.civicmeet.pc; });

  const cutAt = Date.now();
  await env.ns.blockUdp();
  // The page notices and restarts: a new local ufrag, answered by a new
  // one of the server's.
  await guest.waitForFunction(
    (old) => {
      const ufrag = (d) => d?.sdp.match(/^a=ice-ufrag:(.*)$/m)?.[1].trim();
      const pc = window.civicmeet.pc;
      return pc.signalingState === 'stable' && ufrag(pc.localDescription) !== old.local && ufrag(pc.remoteDescription) !== old.remote;
    },
    before,
    { timeout: 60_000, polling: 250 },
  );
  const during = await ufrags(guest);
  t.diagnostic(`ICE restarted ${Date.now() - cutAt} ms after UDP went away (ICE ${during.ice}); ufrags ${before.local}/${before.remote} -> ${during.local}/${during.remote}`);

  // The router has taken note (its grace period runs).
  for (const deadline = Date.now() + 45_000; !LOST.test(env.server.logs());) {
    assert.ok(Date.now() < deadline, 'the router never saw ICE connectivity lost');
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  t.diagnostic(`the router saw ICE connectivity lost ${Date.now() - cutAt} ms after the cut`);
  // (The counters go with the rule.)
  const dropped = await env.ns.dropped();
  assert.ok(dropped.out > 0 && dropped.in > 0, `UDP was really blocked: ${JSON.stringify(dropped)}`);
  await env.ns.unblockUdp();
  const backAt = Date.now();
  await guest.waitForFunction(() => ['connected', 'completed'].includes(window.civicmeet.pc.iceConnectionState), null, { timeout: 30_000 });
  t.diagnostic(`ICE connected again ${Date.now() - backAt} ms after UDP came back`);
  await assertMediaFlowsFrom(guest, [hostId]);
  await assertMediaFlowsFrom(host, [guestId]);

  // The restarted session is the one in use, in the same seat and call.
  const after = await ufrags(guest);
  assert.deepEqual([after.local, after.remote], [during.local, during.remote]);
  assert.equal(await guest.evaluate(() => window.civicmeet.pc === window.__pc), true, 'the same RTCPeerConnection');
  assert.equal(await ownId(guest), guestId);
  assert.equal(await host.locator('#tiles .tile').count(), 2);
  for (const page of [host, guest]) assertCleanPage(page, env.server.url);
});
