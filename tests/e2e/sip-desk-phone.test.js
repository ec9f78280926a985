// A plain G.711 desk phone joins a meeting audio-only (issue 7): PJSIP's
// pjsua2 (lib/pjsua.js), a SIP stack nobody here wrote and not baresip,
// with only PCMU and PCMA enabled, no Opus, no G.722, no video. It dials
// the meeting's number over UDP while two headless Chromium pages are in
// a meeting without a waiting room, so it is let in at once. The server's
// SIP answer chooses PCMU or PCMA; both pages show its tile and hear its
// tone (bytes rising, a non-zero audioLevel); its recording of the meeting
// (the pages' beeping fake microphones) is not silence; its tile goes
// when it hangs up.
//
// The first test checks the phone alone, against baresip: a failure
// further down is then the server's, not the harness's.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, createMeeting } from './lib/server.js';
import { launchBrowser, openPage } from './lib/browser.js';
import { startBaresip } from './lib/baresip.js';
import { startPjsua } from './lib/pjsua.js';
import { joinThroughUi, absolute, assertHeard, assertCleanPage, sleep, callerTileId } from './lib/meeting.js';

const NAME = 'Desk Phone';
/** PJSIP's G.711 codecs, the only ones the phone enables. */
const G711 = ['PCMU', 'PCMA'];

const env = { server: undefined, browser: undefined };
before(async () => {
  env.server = await startServer({ sip: true });
  env.browser = await launchBrowser();
});
after(async () => {
  await env.browser?.close();
  await env.server?.stop();
});

/**
 * The audio m-line of an SDP: its port and payload types, and the
 * encoding name of each type (static G.711 types need no rtpmap).
 */
function audioLine(sdp) {
  const m = /^m=audio (\d+) RTP\/AVP ([\d ]+)$/m.exec(sdp);
  if (!m) return undefined;
  const types = m[2].trim().split(/\s+/).map(Number);
  const names = { 0: 'PCMU', 8: 'PCMA' };
  for (const [, pt, name] of sdp.matchAll(/^a=rtpmap:(\d+) ([^/\s]+)\//gm)) names[pt] = name;
  return { port: Number(m[1]), types, encodings: types.map((pt) => names[pt] ?? `?${pt}`) };
}

test('harness self-check: the pjsua2 phone offers only G.711, sends its tone to baresip and records baresip\'s', { timeout: 30_000 }, async (t) => {
  const callee = await startBaresip({ name: 'Callee', user: 'callee', codecs: ['g711', 'opus'], toneHz: 880 });
  t.after(() => callee.stop());
  const phone = await startPjsua({ name: NAME, codecs: G711, toneHz: 440 });
  t.after(() => phone.stop());
  assert.deepEqual(phone.codecs.map((id) => id.split('/')[0]).sort(), ['PCMA', 'PCMU'], `enabled codecs: ${phone.codecs}`);

  phone.dial(callee.uri);
  await phone.established();
  await callee.answered();
  // baresip, offered only G.711 by the phone, answers with G.711 though it has Opus.
  const offer = audioLine(callee.sdp()[0]);
  assert.ok(offer, `an audio m-line in the phone's offer: ${callee.sdp()[0]}`);
  assert.deepEqual(offer.encodings.filter((e) => e !== 'telephone-event').sort(), ['PCMA', 'PCMU'], `the phone offers only G.711: ${JSON.stringify(offer)}`);
  const media = await phone.media();
  assert.ok(G711.includes(media.codec), `the phone uses G.711: ${JSON.stringify(media)}`);
  await sleep(2_000);
  phone.hangup();
  await phone.closed();
  await callee.closed();

  const heard = await phone.recording();
  const [heardByCallee] = (await callee.recordings()).heard;
  t.diagnostic(`pjsua2 ${phone.version} heard ${JSON.stringify(heard.level)}; baresip heard ${JSON.stringify(heardByCallee.level)}`);
  assert.ok(heard.level.seconds > 1, 'the phone recorded the call');
  assert.equal(heard.level.silent, false, 'baresip\'s tone is not silence');
  assert.ok(Math.abs(heard.level.pitchHz - 880) < 30, `the phone heard 880 Hz: ${heard.level.pitchHz}`);
  assert.equal(heardByCallee.level.silent, false, 'the phone\'s tone is not silence');
  assert.ok(Math.abs(heardByCallee.level.pitchHz - 440) < 20, `baresip heard 440 Hz: ${heardByCallee.level.pitchHz}`);
});

test('a G.711-only desk phone (pjsua2) joins audio-only: the answer chooses PCMU or PCMA, both pages hear it, it hears the meeting', { timeout: 90_000 }, async (t) => {
  const meeting = await createMeeting(env.server.url, { waiting_room: false });
  const host = await openPage(env.browser);
  const guest = await openPage(env.browser);
  t.after(() => Promise.all([host.context().close(), guest.context().close()]));
  const hostId = await joinThroughUi(host, absolute(meeting.host_url, env.server.url), 'Hanna');
  const guestId = await joinThroughUi(guest, absolute(meeting.guest_url, env.server.url), 'Gustav');

  const phone = await startPjsua({ name: NAME, codecs: G711, toneHz: 440 });
  t.after(() => phone.stop());
  const number = `sip:${meeting.dial_number}@127.0.0.1:${env.server.sipPort}`;
  // Why a step failed: what the phone saw and sent, and the server's log.
  const why = () => `\n${phone.explain()}\ncivicmeet log (last 4000 characters):\n${env.server.logs().slice(-4_000)}`;
  const dialedAt = Date.now();
  phone.dial(number);
  try {
    await phone.established({ timeoutMs: 10_000 });
  } catch (error) {
    assert.fail(`${error.message}\ncivicmeet log (last 4000 characters):\n${env.server.logs().slice(-4_000)}`);
  }

  // The server's answer: G.711 first (the codec of the call), nothing the
  // phone did not offer, no video.
  const answer = await phone.answer();
  const audio = audioLine(answer);
  assert.ok(audio && audio.port > 0, `the answer accepts audio: ${answer}${why()}`);
  assert.ok(G711.includes(audio.encodings[0]), `the answer chooses PCMU or PCMA: ${JSON.stringify(audio)}\n${answer}`);
  for (const encoding of audio.encodings) {
    assert.ok([...G711, 'telephone-event'].includes(encoding), `the answer has ${encoding}, which the phone did not offer:\n${answer}`);
  }
  assert.doesNotMatch(answer, /^m=video [1-9]/m, 'no video for an audio-only phone');
  const media = await phone.media();
  assert.equal(media.codec, audio.encodings[0], `PJSIP uses the answer's codec: ${JSON.stringify(media)}`);
  assert.equal(media.clockRate, 8000);
  t.diagnostic(`answer ${JSON.stringify(audio)}; pjsua2 ${phone.version} sends ${media.codec}/${media.clockRate}; connected ${Date.now() - dialedAt} ms after dialing`);

  // No waiting room: the phone's tile comes at once, on both pages.
  const phoneId = await callerTileId([host, guest], NAME, { others: [hostId, guestId], tiles: 3, why });
  const heardFrom = Date.now();
  for (const page of [host, guest]) await assertHeard(page, phoneId, { who: 'the desk phone', why });

  // Let the phone hear the meeting for a while, then hang up.
  await sleep(Math.max(0, 4_000 - (Date.now() - heardFrom)));
  phone.hangup();
  await phone.closed();
  for (const page of [host, guest]) {
    await page.locator(`#tiles .tile[data-participant-id="${phoneId}"]`).waitFor({ state: 'detached', timeout: 10_000 })
      .catch((error) => assert.fail(`the phone's tile stayed after it hung up: ${error.message}${why()}`));
    assert.equal(await page.locator('#tiles .tile').count(), 2);
  }

  // The pages' fake microphones beep; the phone heard that, through G.711.
  const heard = await phone.recording();
  t.diagnostic(`the phone heard in the meeting ${JSON.stringify(heard.level)} (${heard.sampleRate} Hz, ${heard.channels} ch)`);
  assert.ok(heard.level.seconds > 3, `the phone's recording of the meeting is ${heard.level.seconds} s long${why()}`);
  assert.equal(heard.level.silent, false, `the phone's recording of the meeting is silence: ${JSON.stringify(heard.level)}${why()}`);

  for (const page of [host, guest]) assertCleanPage(page, env.server.url);
});
