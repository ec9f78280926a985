// The RTCPeerConnection to the media server.
//
// Owns: the peer connection, SDP offer/answer with the server, and handing
// received tracks to the page. The server is an ICE-lite SFU that puts its
// one host candidate in its answer, so there are no ICE servers (never any
// third-party STUN) and no trickle ICE: the server learns our address from
// our connectivity checks.
//
// Our own tracks go out as sendonly transceivers in the one offer we make
// after `welcome`. Everyone else's tracks arrive through server offers; a
// received track's stream id is the sending participant's id.

import { message } from './signalling.js';

// Video goes out in three layers (simulcast): quarter, half and full
// resolution, each at the full frame rate. The server forwards to each
// participant the layer that fits their tile and their connection, so a
// weak link gets a smaller picture, not a slower one (EN 301 549 §6.5:
// frame rate before resolution, for sign language). The rids are the
// server's names for the layers (crates/civicmeet-router/src/layers.rs).
const SIMULCAST = [
  { rid: 'l', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { rid: 'm', scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { rid: 'h', maxBitrate: 1_500_000 },
];

export class Call {
  /**
   * @param {MediaStream} localStream our microphone and camera (may have no tracks)
   * @param {(msg: object) => void} send sends a client message on the socket
   * @param {object} handlers
   *   onTrack(participantId: string, stream: MediaStream) a track of theirs arrived
   *   onFailed() the media connection is gone for good
   */
  constructor(localStream, send, { onTrack, onFailed }) {
    this.send = send;
    this.pc = new RTCPeerConnection();
    // Signalling steps run one after another; a server offer may arrive
    // while our own description is still being applied.
    this.queue = Promise.resolve();
    this.pc.addEventListener('track', (event) => {
      const stream = event.streams[0];
      if (stream) onTrack(stream.id, stream);
    });
    this.pc.addEventListener('connectionstatechange', () => {
      if (this.pc.connectionState === 'failed') onFailed();
    });
    for (const track of localStream.getTracks()) {
      this.pc.addTransceiver(track, {
        direction: 'sendonly',
        streams: [localStream],
        ...(track.kind === 'video' ? { sendEncodings: SIMULCAST } : {}),
      });
    }
    // Without camera and microphone an offer would have no media section,
    // which the server cannot answer: ask to receive audio instead. The
    // server sends nothing on it; others' tracks come by its own offers.
    if (localStream.getTracks().length === 0) {
      this.pc.addTransceiver('audio', { direction: 'recvonly' });
    }
  }

  /** Makes our one offer; the server's `answer` completes it. */
  start() {
    this.enqueue(async () => {
      await this.pc.setLocalDescription(await this.pc.createOffer());
      this.send(message.offer(this.pc.localDescription.sdp));
    });
  }

  /** Applies the server's answer to our offer. */
  handleAnswer(sdp) {
    this.enqueue(() => this.pc.setRemoteDescription({ type: 'answer', sdp }));
  }

  /** Applies a server offer (others' tracks came or went) and answers it. */
  handleOffer(sdp) {
    this.enqueue(async () => {
      await this.pc.setRemoteDescription({ type: 'offer', sdp });
      await this.pc.setLocalDescription(await this.pc.createAnswer());
      this.send(message.answer(this.pc.localDescription.sdp));
    });
  }

  close() {
    this.pc.close();
  }

  enqueue(step) {
    this.queue = this.queue.then(step).catch((err) => {
      if (this.pc.signalingState !== 'closed') console.error('civicmeet: negotiation failed', err);
    });
  }
}
