// A direct call between two pages, Chromium to Chromium with no server in
// the media path: the reference a network-fault test holds our media server
// against (what the same link allows at best). Both pages must be on a
// secure origin for the camera (the server's start page will do); the
// offer and answer go through the test, with every candidate in them.

import { sleep } from './meeting.js';

async function camera(page, url) {
  await page.goto(url);
  await page.evaluate(async () => {
    const pc = new RTCPeerConnection();
    window.directCall = pc;
    // The description after ICE gathering, so it carries every candidate.
    window.directCallGathered = () => new Promise((resolve) => {
      const done = () => pc.iceGatheringState === 'complete' && resolve(pc.localDescription.toJSON());
      pc.addEventListener('icegatheringstatechange', done);
      done();
    });
    // The size the meeting page asks for.
    const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 360 }, audio: false });
    for (const track of stream.getTracks()) pc.addTrack(track, stream);
  });
}

/** Connects `a` and `b` (both open `url`) and waits until each decodes the other's video. */
export async function directCall(a, b, url) {
  await camera(a, url);
  await camera(b, url);
  const offer = await a.evaluate(async () => {
    await window.directCall.setLocalDescription();
    return window.directCallGathered();
  });
  const answer = await b.evaluate(async (o) => {
    await window.directCall.setRemoteDescription(o);
    await window.directCall.setLocalDescription();
    return window.directCallGathered();
  }, offer);
  await a.evaluate((o) => window.directCall.setRemoteDescription(o), answer);
  const deadline = Date.now() + 60_000;
  for (const page of [a, b]) {
    while (!((await inbound(page)).frames > 0)) {
      if (Date.now() > deadline) throw new Error('the direct call decoded no video within 60 s');
      await sleep(250);
    }
  }
}

function inbound(page) {
  return page.evaluate(async () => {
    const s = [...(await window.directCall.getStats()).values()].find((x) => x.type === 'inbound-rtp' && x.kind === 'video') ?? {};
    return { frames: s.framesDecoded ?? 0, freezes: s.freezeCount ?? 0, lost: s.packetsLost ?? 0, nacks: s.nackCount ?? 0, fec: s.fecPacketsReceived ?? 0, codec: s.codecId ?? '' };
  });
}

/** Per page: decoded fps, freezes, packets lost and NACKs sent over `windowMs`. */
export async function directVideoOverWindow(pages, windowMs) {
  const first = await Promise.all(pages.map(inbound));
  const started = Date.now();
  await sleep(windowMs);
  const last = await Promise.all(pages.map(inbound));
  const seconds = (Date.now() - started) / 1000;
  return last.map((b, i) => ({
    fps: (b.frames - first[i].frames) / seconds,
    freezes: b.freezes - first[i].freezes,
    packetsLost: b.lost - first[i].lost,
    nacksSent: b.nacks - first[i].nacks,
    // Chromium protects a direct call with forward error correction
    // (RED/ULPFEC) besides NACK; through civicmeet it has NACK only.
    fecPacketsReceived: b.fec - first[i].fec,
  }));
}
