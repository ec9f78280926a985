// How one video stream fares over a time window, from both ends' getStats:
// frames decoded, freezes and loss at the receiver; NACKs, keyframe requests
// and retransmissions at the sender. Read-only, like meeting.js.

import { inboundByParticipant, outboundVideo, sleep } from './meeting.js';

/** A direction of a call: `receiver` decodes the video of participant `from`, which `sender` (its page) sends. */
async function sample({ sender, receiver, from }) {
  const [inbound, outbound] = await Promise.all([
    inboundByParticipant(receiver).then((stats) => stats[from]?.video),
    outboundVideo(sender),
  ]);
  if (!inbound) throw new Error(`no video from ${from} at the receiver`);
  return { inbound, outbound };
}

/**
 * Samples every direction, waits `windowMs`, samples again; returns per
 * direction the rates and counts over exactly that window.
 */
export async function videoOverWindow(directions, windowMs) {
  const first = await Promise.all(directions.map(sample));
  const started = Date.now();
  await sleep(windowMs);
  const last = await Promise.all(directions.map(sample));
  const seconds = (Date.now() - started) / 1000;
  return last.map(({ inbound: b, outbound: y }, i) => {
    const { inbound: a, outbound: x } = first[i];
    return {
      fps: (b.framesDecoded - a.framesDecoded) / seconds,
      size: `${b.frameWidth}x${b.frameHeight}`,
      freezes: b.freezeCount - a.freezeCount,
      freezeSeconds: b.totalFreezesDuration - a.totalFreezesDuration,
      packetsReceived: b.packetsReceived - a.packetsReceived,
      packetsLost: b.packetsLost - a.packetsLost,
      nacksSent: b.nackCount - a.nackCount,
      plisSent: b.pliCount - a.pliCount,
      retransmissionsReceived: b.retransmittedPacketsReceived - a.retransmittedPacketsReceived,
      // The sender's first hop ends at the server, which forwards frames,
      // not packets: loss on that hop shows here (the server's NACKs,
      // keyframe requests and receiver reports), not at the receiver.
      senderNacksReceived: y.nackCount - x.nackCount,
      senderKeyframeRequests: y.pliCount - x.pliCount + y.firCount - x.firCount,
      senderRetransmissions: y.retransmittedPacketsSent - x.retransmittedPacketsSent,
      senderReportedLost: y.remotePacketsLost - x.remotePacketsLost,
    };
  });
}

/** One line for a `# ` diagnostic. */
export function describeVideo(m) {
  return `${m.fps.toFixed(1)} fps ${m.size}, ${m.freezes} freezes (${m.freezeSeconds.toFixed(2)} s); `
    + `receiver: ${m.packetsLost} of ${m.packetsLost + m.packetsReceived} packets lost, ${m.nacksSent} NACKs and ${m.plisSent} PLIs sent, ${m.retransmissionsReceived} retransmissions received; `
    + `sender: ${m.senderNacksReceived} NACKs and ${m.senderKeyframeRequests} keyframe requests received, ${m.senderRetransmissions} retransmissions, ${m.senderReportedLost} reported lost`;
}
