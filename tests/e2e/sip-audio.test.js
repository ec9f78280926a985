// A phone or room system dials into a meeting over SIP (issue 7): a real
// SIP client nobody here wrote, baresip (lib/baresip.js), calls the
// meeting's dial number while two headless Chromium pages (a host and an
// admitted guest) are in it. The caller waits; the host admits it from the
// waiting list by its From display name; then it is a participant like any
// other: a tile on both pages, one audio track they receive and hear (its
// 440 Hz tone: bytes rising and a non-zero audioLevel), and baresip hears the
// meeting (its recording of the pages' beeping fake microphones is not
// silence). When baresip hangs up, its tile goes on both pages. Once with
// Opus and once with G.711, each forced by loading only that codec module
// into baresip, and once over SIP TLS with SRTP (SDES keys, baresip's srtp
// module, mandatory): both SDPs are RTP/SAVP with a=crypto, the server
// logs the call's media as SRTP, and the audio still gets through both ways.
//
// The first test checks the harness alone, without civicmeet: baresip
// calling baresip, so a failure further down is the server's, not the
// phone's.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { startServer, createMeeting } from './lib/server.js';
import { launchBrowser, openPage } from './lib/browser.js';
import { startBaresip, audioLevel } from './lib/baresip.js';
import { joinThroughUi, guestAdmitted, absolute, assertHeard, assertCleanPage, sleep, callerTileId } from './lib/meeting.js';

const env = { server: undefined, browser: undefined };
before(async () => {
  env.server = await startServer({ sip: true, sipTls: true });
  env.browser = await launchBrowser();
});
after(async () => {
  await env.browser?.close();
  await env.server?.stop();
});

/** The last `seconds` of a recording (all of it if shorter). */
function tail(wav, seconds) {
  const keep = Math.min(wav.samples.length, Math.round(seconds * wav.sampleRate) * wav.channels);
  return { ...wav, samples: wav.samples.subarray(wav.samples.length - keep) };
}

test('harness self-check: baresip records another baresip\'s 440 Hz tone as not silence and a silent caller as silence; an unanswered call fails with its SIP trace', { timeout: 30_000 }, async (t) => {
  const callee = await startBaresip({ name: 'Callee', user: 'callee', codecs: ['g711'], toneHz: 440 });
  t.after(() => callee.stop());
  const caller = await startBaresip({ name: 'Caller', user: 'caller', codecs: ['g711'], toneHz: 0 });
  t.after(() => caller.stop());

  await caller.dial(callee.uri);
  await caller.established();
  await callee.answered();
  await sleep(2_000);
  await caller.hangup();
  await caller.closed();
  await callee.closed();

  const [heardByCaller] = (await caller.recordings()).heard;
  const [heardByCallee] = (await callee.recordings()).heard;
  t.diagnostic(`caller heard ${JSON.stringify(heardByCaller.level)}; callee heard ${JSON.stringify(heardByCallee.level)}; codecs ${JSON.stringify(caller.codecs())}`);
  assert.equal(heardByCaller.sampleRate, 8000, 'G.711 decodes at 8 kHz');
  assert.ok(heardByCaller.level.seconds > 1, 'the caller recorded the call');
  assert.equal(heardByCaller.level.silent, false, 'the callee\'s tone is not silence');
  assert.ok(Math.abs(heardByCaller.level.pitchHz - 440) < 20, `the tone is 440 Hz: ${heardByCaller.level.pitchHz}`);
  assert.ok(heardByCallee.level.seconds > 1, 'the callee recorded the call');
  assert.equal(heardByCallee.level.silent, true, 'the silent caller is silence');
  assert.match(caller.codecs().decoder, /^PCM[UA] 8000Hz/);

  // A SIP "server" that swallows every datagram: the failure names the
  // unanswered INVITE and its SDP.
  const sink = dgram.createSocket('udp4');
  await new Promise((resolve) => sink.bind(0, '127.0.0.1', resolve));
  t.after(() => sink.close());
  await caller.dial(`sip:123456789@127.0.0.1:${sink.address().port}`);
  await assert.rejects(caller.established({ timeoutMs: 1_500 }),
    /no answer to its call to sip:123456789@127\.0\.0\.1:\d+ within 1500 ms[\s\S]*INVITE sip:123456789@[\s\S]*m=audio \d+ RTP\/AVP 0 8/);
  await caller.hangup();
});

for (const { codec, name, decoder, tls = false } of [
  { codec: 'opus', name: 'Council Room', decoder: /^opus 48000Hz/ },
  { codec: 'g711', name: 'Desk Phone', decoder: /^PCM[UA] 8000Hz/ },
  { codec: 'g711', name: 'Secure Room', decoder: /^PCM[UA] 8000Hz/, tls: true },
]) {
  test(`a phone dials in with ${codec}${tls ? ' over TLS with SRTP' : ''}: the host admits it, both pages hear it, it hears the meeting, and its tile goes when it hangs up`, { timeout: 60_000 }, async (t) => {
    const meeting = await createMeeting(env.server.url, { waiting_room: true });
    assert.match(meeting.dial_number, /^\d{9}$/);
    const host = await openPage(env.browser);
    const guest = await openPage(env.browser);
    t.after(() => Promise.all([host.context().close(), guest.context().close()]));
    const hostId = await joinThroughUi(host, absolute(meeting.host_url, env.server.url), 'Hanna');
    const guestId = await guestAdmitted(host, guest, 'Gustav', { link: absolute(meeting.guest_url, env.server.url) });

    const phone = await startBaresip({ name, user: 'room', codecs: [codec], tls: tls ? { caFile: env.server.sipCertFile } : undefined });
    t.after(() => phone.stop());
    const number = tls
      ? `sip:${meeting.dial_number}@127.0.0.1:${env.server.sipTlsPort};transport=tls`
      : `sip:${meeting.dial_number}@127.0.0.1:${env.server.sipPort}`;
    // Why a step failed: what baresip saw and sent, and the server's log.
    const why = () => `\n${phone.explain()}\ncivicmeet log (last 4000 characters):\n${env.server.logs().slice(-4_000)}`;
    const dialedAt = Date.now();
    await phone.dial(number);

    // It waits until the host lets it in, under its From display name.
    const admit = host.getByRole('button', { name: `Admit: ${name}`, exact: true });
    try {
      await admit.waitFor({ timeout: 10_000 });
    } catch (error) {
      assert.fail(`the host's waiting list shows no "Admit: ${name}" 10 s after baresip dialed ${number}: ${error.message}${why()}`);
    }
    await admit.click();
    const admittedAt = Date.now();
    try {
      await phone.established({ timeoutMs: 10_000 });
    } catch (error) {
      assert.fail(`${error.message}\ncivicmeet log (last 4000 characters):\n${env.server.logs().slice(-4_000)}`);
    }
    t.diagnostic(`${codec}: admitted ${admittedAt - dialedAt} ms after dialing; baresip uses ${JSON.stringify(phone.codecs())}`);
    assert.match(phone.codecs().decoder ?? '', decoder, `baresip decodes ${codec}${why()}`);
    if (tls) {
      // Signalling over TLS, the offer and our answer SRTP with SDES keys.
      assert.ok(phone.sipTrace().some((m) => m.route.startsWith('TLS')), `SIP went over TLS${why()}`);
      const [offer, answer] = phone.sdp();
      for (const [sdp, whose] of [[offer, 'baresip\'s offer'], [answer, 'our answer']]) {
        assert.match(sdp ?? '', /m=audio \d+ RTP\/SAVP /, `${whose} is SRTP${why()}`);
        assert.match(sdp ?? '', /a=crypto:\d+ AES_CM_128_HMAC_SHA1_(80|32) inline:/, `${whose} carries a key${why()}`);
      }
      assert.match(env.server.logs(), /media agreed.*srtp=true/, `the server's leg uses SRTP${why()}`);
    }

    // A third tile on both pages, named like the caller, with its audio.
    const phoneId = await callerTileId([host, guest], name, { others: [hostId, guestId], tiles: 3, why });
    for (const page of [host, guest]) await assertHeard(page, phoneId, { who: 'the phone', why });

    // Let baresip hear the meeting for a while, then hang up.
    await sleep(Math.max(0, 4_000 - (Date.now() - admittedAt)));
    const hungUpAt = Date.now();
    await phone.hangup();
    await phone.closed();
    for (const page of [host, guest]) {
      await page.locator(`#tiles .tile[data-participant-id="${phoneId}"]`).waitFor({ state: 'detached', timeout: 10_000 })
        .catch((error) => assert.fail(`the phone's tile stayed after it hung up: ${error.message}${why()}`));
      assert.equal(await page.locator('#tiles .tile').count(), 2);
    }

    // What baresip heard after it was let in (a waiting prompt, if any,
    // comes before): the pages' fake microphones beep.
    const heard = (await phone.recordings()).heard;
    assert.ok(heard.length > 0, `baresip recorded nothing${why()}`);
    const meetingPart = tail(heard.at(-1), (hungUpAt - admittedAt) / 1000 - 0.5);
    const level = audioLevel(meetingPart);
    t.diagnostic(`${codec}: baresip heard in the meeting ${JSON.stringify(level)} (${heard.length} recording(s), ${heard.at(-1).sampleRate} Hz, ${heard.at(-1).channels} ch)`);
    assert.ok(level.seconds > 1, `baresip's recording of the meeting is ${level.seconds} s long${why()}`);
    assert.equal(level.silent, false, `baresip's recording of the meeting is silence: ${JSON.stringify(level)}${why()}`);

    for (const page of [host, guest]) assertCleanPage(page, env.server.url);
  });
}

