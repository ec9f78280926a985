// A signalling reconnect keeps the seat (issue 6, resilience). A guest's
// page reaches the server through a TCP relay (lib/relay.js); the test
// resets the relay's connections, as a network change or a proxy's timeout
// would: the page's WebSocket dies without a Close frame, its media
// connection does not. The page reconnects by itself and takes its seat
// back with its resume secret: the same participant id and tile at the
// host (no leave, no join, no duplicate), no second waiting-room pass, the
// same RTCPeerConnection, video decoding both ways; and the new socket
// carries signalling: a newcomer's tracks reach the guest by a server
// offer on it. A second test: when the page is back only after the
// server's grace period, its secret opens nothing any more and the page
// joins anew, through the waiting room.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serverAndBrowser } from './lib/fixture.js';
import { openPage } from './lib/browser.js';
import { createMeeting, startServer } from './lib/server.js';
import { startRelay } from './lib/relay.js';
import {
  absolute, joinThroughUi, joinToWaitingRoom, waitingView, admit, ownId, assertMediaFlowsFrom, msUntilFrames, assertCleanPage,
} from './lib/meeting.js';

const env = serverAndBrowser();
const cleanup = [];
after(async () => { for (const step of cleanup.reverse()) await step(); });

// Test instrumentation, installed from the test into the page (not part of
// the page): what the announcer said, what the call notice showed, and
// whether the waiting room was ever shown.
function watchPage() {
  window.__seen = { announced: [], notices: [], waitingShown: false };
  const announcer = document.getElementById('announcer');
  new MutationObserver(() => window.__seen.announced.push(announcer.textContent))
    .observe(announcer, { childList: true, characterData: true, subtree: true });
  const notice = document.getElementById('call-notice');
  new MutationObserver(() => { if (!notice.hidden) window.__seen.notices.push(notice.textContent); })
    .observe(notice, { attributes: true, childList: true, characterData: true, subtree: true });
  const waiting = document.getElementById('waiting-view');
  new MutationObserver(() => { if (!waiting.hidden) window.__seen.waitingShown = true; })
    .observe(waiting, { attributes: true });
}

test('a guest whose socket drops reconnects by itself and keeps its seat, tile and call', { timeout: 240_000 }, async (t) => {
  const { port } = new URL(env.server.url);
  const relay = await startRelay({ host: '127.0.0.1', port: Number(port) });
  cleanup.push(() => relay.close());
  const meeting = await createMeeting(env.server.url);

  const host = await openPage(env.browser);
  const hostId = await joinThroughUi(host, absolute(meeting.host_url, env.server.url), 'Hanna');
  const guest = await openPage(env.browser);
  await joinToWaitingRoom(guest, absolute(meeting.guest_url, relay.url), 'Gina');
  await admit(host, 'Gina');
  const guestId = await ownId(guest);
  await assertMediaFlowsFrom(host, [guestId]);
  await assertMediaFlowsFrom(guest, [hostId]);

  await host.evaluate(watchPage);
  await guest.evaluate(watchPage);
  await host.evaluate((id) => { window.__tile = document.querySelector(`#tiles .tile[data-participant-id="${id}"]`); }, guestId);
  await guest.evaluate(() => { window.__pc = window.civicmeet.pc; });

  const before = relay.accepted();
  const cutAt = Date.now();
  relay.cut();
  await guest.waitForFunction(() => window.__seen.notices.some((n) => n.includes('interrupted')), null, { timeout: 10_000 });
  await guest.waitForFunction(() => window.__seen.announced.includes('Connected again.') && document.getElementById('call-notice').hidden, null, { timeout: 30_000 });
  t.diagnostic(`back ${Date.now() - cutAt} ms after the cut, over ${relay.accepted() - before} new connection(s)`);
  assert.ok(relay.accepted() > before, 'the page opened a new socket');
  assert.match(env.server.logs(), /socket dropped: seat kept/);
  assert.match(env.server.logs(), /seat resumed/);

  // The same seat: the same id, the same call, no waiting room.
  assert.equal(await ownId(guest), guestId);
  assert.equal(await guest.evaluate(() => window.civicmeet.pc === window.__pc), true, 'the same RTCPeerConnection');
  const guestSeen = await guest.evaluate(() => window.__seen);
  assert.equal(guestSeen.waitingShown, false, 'no second waiting-room pass');
  assert.equal(await guest.locator('#tiles .tile').count(), 2);
  // The host saw nobody leave, arrive or wait: the same tile, no duplicate.
  assert.equal(await host.evaluate((id) => window.__tile === document.querySelector(`#tiles .tile[data-participant-id="${id}"]`) && window.__tile.isConnected, guestId), true, 'the same tile element');
  assert.equal(await host.locator('#tiles .tile').count(), 2);
  const hostSeen = await host.evaluate(() => window.__seen);
  assert.deepEqual(hostSeen.announced.filter((text) => text.includes('Gina')), [], 'nothing announced about Gina');
  assert.equal(await host.locator('#waiting-list li').count(), 0);

  await assertMediaFlowsFrom(host, [guestId]);
  await assertMediaFlowsFrom(guest, [hostId]);

  // Signalling runs on the new socket: a newcomer's tracks reach the guest
  // through a server offer and the guest's answer, and the other way.
  const third = await openPage(env.browser);
  const joinedAt = Date.now();
  const thirdId = await joinThroughUi(third, absolute(meeting.host_url, env.server.url), 'Hedy');
  await msUntilFrames(guest, [thirdId], joinedAt);
  await msUntilFrames(third, [guestId], joinedAt);
  await assertMediaFlowsFrom(guest, [hostId, thirdId]);

  assertCleanPage(host, env.server.url);
  assertCleanPage(guest, relay.url);
  assertCleanPage(third, env.server.url);
});

test('back only after the grace period, the page joins anew through the waiting room', { timeout: 180_000 }, async (t) => {
  // A server of this test's own that keeps a dropped seat 2 s.
  const dir = await mkdtemp(path.join(tmpdir(), 'civicmeet-grace-'));
  const config = path.join(dir, 'civicmeet.toml');
  await writeFile(config, '[meetings]\nrejoin_grace_secs = 2\n');
  const server = await startServer({ env: { CIVICMEET_CONFIG: config } });
  cleanup.push(() => server.stop(), () => rm(dir, { recursive: true, force: true }));
  const { port } = new URL(server.url);
  const relay = await startRelay({ host: '127.0.0.1', port: Number(port) });
  cleanup.push(() => relay.close());
  const meeting = await createMeeting(server.url);

  const host = await openPage(env.browser);
  const hostId = await joinThroughUi(host, absolute(meeting.host_url, server.url), 'Hanna');
  const guest = await openPage(env.browser);
  await joinToWaitingRoom(guest, absolute(meeting.guest_url, relay.url), 'Gina');
  await admit(host, 'Gina');
  const oldId = await ownId(guest);
  await assertMediaFlowsFrom(host, [oldId]);

  // The network stays down past the grace period: the seat goes.
  relay.hold();
  relay.cut();
  await guest.locator('#call-notice', { hasText: 'The connection was interrupted. Reconnecting' }).waitFor();
  await host.locator(`#tiles .tile[data-participant-id="${oldId}"]`).waitFor({ state: 'detached', timeout: 15_000 });
  relay.hold(false);

  // The page's next attempt is an ordinary join: the waiting room again.
  await waitingView(guest, 30_000);
  await host.locator('#waiting-list li').filter({ hasText: 'Gina' }).waitFor();
  assert.match(server.logs(), /no seat to resume: joining anew/);
  assert.equal(await guest.evaluate(() => window.civicmeet.pc), null, 'no media connection while waiting');
  await admit(host, 'Gina');
  const newId = await ownId(guest);
  assert.notEqual(newId, oldId, 'a new seat');
  await assertMediaFlowsFrom(guest, [hostId]);
  await assertMediaFlowsFrom(host, [newId]);
  assert.equal(await host.locator('#tiles .tile').count(), 2, 'no tile of the old seat');
  t.diagnostic(`seat ${oldId} expired; the page came back as ${newId}`);
});
