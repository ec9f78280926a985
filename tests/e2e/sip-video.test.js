// A video room system dials into a meeting over SIP (issue 7, part 4):
// baresip with a synthetic camera (fakevideo) stands in for a Cisco or Poly
// system. Two headless Chromium pages are in the meeting, sending VP8 from
// their fake cameras. The room system's camera becomes a video track of
// the meeting (both pages decode it: framesDecoded rising), and the room
// system sees the meeting (baresip decodes frames of it: a snapshot of
// what it received, at the size the pages send). Audio goes both ways in
// the same call: both pages hear the room system's tone, and baresip's
// recording of the meeting is not silence.
//
// Once with Opus + VP8 (the meeting's VP8 is forwarded as it is), once
// with G.711 + H.264 (the room system's H.264 goes into the meeting as VP8,
// which every browser decodes; the pages' VP8 is transcoded to H.264 for
// the room system), and once with Opus + VP8 over SIP TLS, where audio and
// video both are SRTP with SDES keys. Then a Firefox page (no H.264
// without Cisco's plugin) shows an H.264 room system, and a VP8-only room
// system sees pages that send only H.264.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, createMeeting } from './lib/server.js';
import { launchBrowser, openPage, offerOnlyH264 } from './lib/browser.js';
import { startBaresip, audioLevel } from './lib/baresip.js';
import { launchFirefox, openFirefoxPage, ffJoin, ffOwnId } from './lib/firefox.js';
import { joinThroughUi, absolute, inboundByParticipant, assertCleanPage, assertHeard, callerTileId, sleep } from './lib/meeting.js';

const env = { server: undefined, browser: undefined };
before(async () => {
  env.server = await startServer({ sip: true, sipTls: true });
  env.browser = await launchBrowser();
});
after(async () => {
  await env.browser?.close();
  await env.server?.stop();
});

/** Width and height of a PNG, from its IHDR chunk. */
function pngSize(bytes) {
  assert.equal(bytes.toString('ascii', 1, 4), 'PNG', 'a PNG file');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

for (const { audio, video, name, mime, tls = false } of [
  { audio: 'opus', video: 'vp8', name: 'Court Room', mime: 'video/VP8' },
  // The room system's H.264 reaches the pages as VP8 (sip.transcode_h264).
  { audio: 'g711', video: 'h264', name: 'Council Hall', mime: 'video/VP8' },
  { audio: 'opus', video: 'vp8', name: 'Secure Hall', mime: 'video/VP8', tls: true },
]) {
  test(`a room system with ${audio} and ${video}${tls ? ' over TLS with SRTP' : ''}: both pages decode its camera, and it decodes the meeting`, { timeout: 90_000 }, async (t) => {
    const meeting = await createMeeting(env.server.url, { waiting_room: false });
    const host = await openPage(env.browser);
    const guest = await openPage(env.browser);
    t.after(() => Promise.all([host.context().close(), guest.context().close()]));
    const hostId = await joinThroughUi(host, absolute(meeting.host_url, env.server.url), 'Hanna');
    const guestId = await joinThroughUi(guest, absolute(meeting.guest_url, env.server.url), 'Gustav');

    const room = await startBaresip({ name, user: 'room', codecs: [audio], video, tls: tls ? { caFile: env.server.sipCertFile } : undefined });
    t.after(() => room.stop());
    const why = () => `\n${room.explain()}\ncivicmeet log (last 4000 characters):\n${env.server.logs().slice(-4_000)}`;
    await room.dial(tls
      ? `sip:${meeting.dial_number}@127.0.0.1:${env.server.sipTlsPort};transport=tls`
      : `sip:${meeting.dial_number}@127.0.0.1:${env.server.sipPort}`);
    try {
      await room.established({ timeoutMs: 15_000 });
    } catch (error) {
      assert.fail(`${error.message}\ncivicmeet log (last 4000 characters):\n${env.server.logs().slice(-4_000)}`);
    }
    const answer = room.sdp().at(-1) ?? '';
    assert.match(answer, /^m=video [1-9]\d* /m, `the server took the video m-line${why()}`);
    if (tls) {
      assert.match(answer, /^m=video \d+ RTP\/SAVP /m, `the video is SRTP${why()}`);
      assert.equal(answer.match(/^a=crypto:/gm)?.length, 2, `a key for audio and one for video${why()}`);
    }

    // Its camera: a tile on both pages that decodes video in its codec.
    const id = await callerTileId([host, guest], name, { others: [hostId, guestId], tiles: 3, why });
    for (const page of [host, guest]) {
      const deadline = Date.now() + 15_000;
      let first;
      for (;;) {
        first = (await inboundByParticipant(page))[id]?.video;
        if (first?.framesDecoded > 0) break;
        if (Date.now() > deadline) assert.fail(`the page decoded no video of the room system within 15 s: ${JSON.stringify(first)}${why()}`);
        await sleep(250);
      }
      await sleep(1_500);
      const second = (await inboundByParticipant(page))[id]?.video;
      t.diagnostic(`${video}: a page decodes the room system at ${second?.frameWidth}x${second?.frameHeight} ${second?.codec}, ${second?.framesDecoded} frames`);
      assert.ok(second?.framesDecoded > first.framesDecoded, `the room system's video stopped: ${JSON.stringify({ first, second })}${why()}`);
      assert.equal(second.codec, mime, 'the room system\'s camera reaches the page in the codec every browser decodes');
      await assertHeard(page, id, { who: 'the room system', why });
    }

    // What it sees: frames of the meeting that baresip decodes.
    const snapshot = await room.snapshot({ timeoutMs: 15_000 });
    const size = pngSize(snapshot.bytes);
    t.diagnostic(`${video}: baresip decoded the meeting at ${size.width}x${size.height}`);
    assert.ok(size.width >= 160 && size.height >= 90, `a real picture, not a placeholder: ${JSON.stringify(size)}`);
    assert.match(room.logs(), new RegExp(`Set video decoder: ${video === 'vp8' ? 'VP8' : 'H264'}`), `baresip decodes ${video}${why()}`);

    await room.hangup();
    await room.closed();
    // Its recording of the meeting: the pages' fake microphones beep.
    const heard = (await room.recordings()).heard.at(-1);
    assert.ok(heard, `baresip recorded nothing${why()}`);
    const level = audioLevel(heard);
    t.diagnostic(`${video}: baresip heard the meeting ${JSON.stringify(level)}`);
    assert.equal(level.silent, false, `baresip's recording of the meeting is silence${why()}`);
    for (const page of [host, guest]) assertCleanPage(page, env.server.url);
  });
}

test('a Firefox page shows an H.264 room system, whose camera the server turns into VP8', { timeout: 300_000 }, async (t) => {
  const firefox = await launchFirefox();
  t.after(() => firefox.close());
  const meeting = await createMeeting(env.server.url, { waiting_room: false });
  const host = await openPage(env.browser);
  t.after(() => host.context().close());
  const hostId = await joinThroughUi(host, absolute(meeting.host_url, env.server.url), 'Hanna');
  const guest = await openFirefoxPage(firefox.browser);
  await ffJoin(guest, absolute(meeting.guest_url, env.server.url), 'Gustav');
  const guestId = await ffOwnId(guest);

  const name = 'Court Camera';
  const room = await startBaresip({ name, user: 'room', codecs: ['g711'], video: 'h264' });
  t.after(() => room.stop());
  const why = () => `\n${room.explain()}\ncivicmeet log (last 4000 characters):\n${env.server.logs().slice(-4_000)}`;
  await room.dial(`sip:${meeting.dial_number}@127.0.0.1:${env.server.sipPort}`);
  await room.established({ timeoutMs: 15_000 });
  assert.match(room.sdp().at(-1) ?? '', /^a=rtpmap:\d+ H264\/90000/m, `the room system sends H.264${why()}`);
  const id = await callerTileId([host], name, { others: [hostId, guestId], why });

  // Firefox decodes its first frame late on two cores: a generous wait.
  const deadline = Date.now() + 90_000;
  let first;
  for (;;) {
    first = (await inboundByParticipant(guest))[id]?.video;
    if (first?.framesDecoded > 0) break;
    if (Date.now() > deadline) assert.fail(`Firefox decoded no video of the room system within 90 s: ${JSON.stringify(first)}${why()}`);
    await sleep(500);
  }
  await sleep(2_000);
  const second = (await inboundByParticipant(guest))[id]?.video;
  t.diagnostic(`Firefox decodes the room system at ${second?.frameWidth}x${second?.frameHeight} ${second?.codec}, ${second?.framesDecoded} frames`);
  assert.ok(second?.framesDecoded > first.framesDecoded, `the room system's video stopped in Firefox: ${JSON.stringify({ first, second })}${why()}`);
  assert.equal(second.codec, 'video/VP8');
  await room.hangup();
  await room.closed();
});

test('a VP8-only room system sees a meeting whose pages send only H.264, transcoded to VP8', { timeout: 90_000 }, async (t) => {
  const meeting = await createMeeting(env.server.url, { waiting_room: false });
  const host = await openPage(env.browser, { initScript: offerOnlyH264 });
  t.after(() => host.context().close());
  await joinThroughUi(host, absolute(meeting.host_url, env.server.url), 'Hanna');
  const room = await startBaresip({ name: 'Old Room', user: 'room', codecs: ['opus'], video: 'vp8' });
  t.after(() => room.stop());
  const why = () => `\n${room.explain()}\ncivicmeet log (last 4000 characters):\n${env.server.logs().slice(-4_000)}`;
  await room.dial(`sip:${meeting.dial_number}@127.0.0.1:${env.server.sipPort}`);
  await room.established({ timeoutMs: 15_000 });
  const sent = await host.evaluate(async () => {
    const report = await window.civicmeet.pc.getStats();
    const out = [...report.values()].find((s) => s.type === 'outbound-rtp' && s.kind === 'video' && s.codecId);
    return report.get(out?.codecId)?.mimeType;
  });
  assert.equal(sent, 'video/H264', 'the page sends H.264');
  const snapshot = await room.snapshot({ timeoutMs: 15_000 });
  const size = pngSize(snapshot.bytes);
  t.diagnostic(`baresip decoded the H.264 page, transcoded to VP8, at ${size.width}x${size.height}`);
  assert.ok(size.width >= 160 && size.height >= 90, `a real picture: ${JSON.stringify(size)}${why()}`);
  assert.match(room.logs(), /Set video decoder: VP8/, `baresip decodes VP8${why()}`);
  await room.hangup();
  await room.closed();
});
