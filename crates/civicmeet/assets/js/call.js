// The RTCPeerConnection to the media server.
//
// Owns: the peer connection, SDP offer/answer with the server, ICE restarts,
// and handing received tracks to the page. The server is an ICE-lite SFU
// that puts its one host candidate in its answer, so there are no ICE
// servers (never any third-party STUN) and no trickle ICE: the server
// learns our address from our connectivity checks.
//
// Our own tracks go out as sendonly transceivers in the one offer we make
// after `welcome`. Everyone else's tracks arrive through server offers; a
// received track's stream id is the sending participant's id.
//
// The connection outlives a dropped signalling socket (the server keeps our
// seat and its side of the connection). When the network itself changes
// (Wi-Fi to mobile) ICE goes `disconnected` or `failed`: we restart it with
// a new offer (new ufrag and password) through the usual offer path, once
// the socket is there to carry it. If the server's offer crosses ours, ours
// wins: the server drops its offer when it takes ours and offers again.

import { message } from './signalling.js';

/** How long ICE may stay `disconnected` before we restart it: short losses heal alone. */
const RESTART_AFTER_MS = 2_000;

export class Call {
  /**
   * @param {MediaStream} localStream our microphone and camera (may have no tracks)
   * @param {(msg: object) => boolean} send sends a client message on the
   *   socket; false while there is no socket to send it on
   * @param {object} handlers
   *   onTrack(participantId: string, stream: MediaStream) a track of theirs arrived
   *   onFailed() the media connection failed (a restart may still bring it back)
   *   onConnected() the media connection is up (again)
   */
  constructor(localStream, send, { onTrack, onFailed, onConnected }) {
    this.send = send;
    this.pc = new RTCPeerConnection();
    // Signalling steps run one after another; a server offer may arrive
    // while our own description is still being applied.
    this.queue = Promise.resolve();
    // An ICE restart is wanted but waits for the exchange in progress.
    this.restartOwed = false;
    this.restartTimer = null;
    this.pc.addEventListener('track', (event) => {
      const stream = event.streams[0];
      if (stream) onTrack(stream.id, stream);
    });
    this.pc.addEventListener('connectionstatechange', () => {
      if (this.pc.connectionState === 'failed') onFailed();
      if (this.pc.connectionState === 'connected') onConnected?.();
    });
    this.pc.addEventListener('iceconnectionstatechange', () => this.iceChanged());
    for (const track of localStream.getTracks()) {
      this.pc.addTransceiver(track, { direction: 'sendonly', streams: [localStream] });
    }
    // Without camera and microphone an offer would have no media section,
    // which the server cannot answer: ask to receive audio instead. The
    // server sends nothing on it; others' tracks come by its own offers.
    if (localStream.getTracks().length === 0) {
      this.pc.addTransceiver('audio', { direction: 'recvonly' });
    }
  }

  /** Makes our first offer; the server's `answer` completes it. */
  start() {
    this.offer();
  }

  /** Applies the server's answer to our offer. */
  handleAnswer(sdp) {
    this.enqueue(async () => {
      // An answer to an offer we no longer wait for (sent twice around a
      // reconnect) has nothing to complete.
      if (this.pc.signalingState !== 'have-local-offer') return;
      await this.pc.setRemoteDescription({ type: 'answer', sdp });
      await this.restartIfOwed();
    });
  }

  /** Applies a server offer (others' tracks came or went) and answers it. */
  handleOffer(sdp) {
    this.enqueue(async () => {
      // Our offer crossed the server's: the server yields and offers again.
      if (this.pc.signalingState === 'have-local-offer') return;
      await this.pc.setRemoteDescription({ type: 'offer', sdp });
      await this.pc.setLocalDescription(await this.pc.createAnswer());
      this.send(message.answer(this.pc.localDescription.sdp));
      await this.restartIfOwed();
    });
  }

  /**
   * The signalling socket is back (our seat resumed). Whatever could not be
   * sent meanwhile goes now: our offer if it is still unanswered (it, or
   * its answer, may have been lost with the old socket), or an ICE restart
   * the network change asked for.
   */
  resumed() {
    this.enqueue(async () => {
      if (this.pc.signalingState === 'have-local-offer') {
        this.send(message.offer(this.pc.localDescription.sdp));
      } else if (this.iceLost()) {
        this.restartOwed = false;
        await this.sendOffer({ iceRestart: true });
      }
    });
  }

  close() {
    clearTimeout(this.restartTimer);
    this.pc.close();
  }

  /** Queues a new offer (an ICE restart if asked). */
  offer({ iceRestart = false } = {}) {
    this.enqueue(() => this.sendOffer({ iceRestart }));
  }

  /** Without a socket the offer stays pending and `resumed()` sends it. */
  async sendOffer({ iceRestart }) {
    if (iceRestart) this.pc.restartIce();
    await this.pc.setLocalDescription(await this.pc.createOffer());
    this.send(message.offer(this.pc.localDescription.sdp));
  }

  async restartIfOwed() {
    if (!this.restartOwed || this.pc.signalingState !== 'stable') return;
    this.restartOwed = false;
    if (this.iceLost()) await this.sendOffer({ iceRestart: true });
  }

  iceLost() {
    return ['disconnected', 'failed'].includes(this.pc.iceConnectionState);
  }

  /** `failed`: restart now; `disconnected`: restart unless it heals within a moment. */
  iceChanged() {
    clearTimeout(this.restartTimer);
    const state = this.pc.iceConnectionState;
    if (state === 'failed') {
      this.restartIce();
    } else if (state === 'disconnected') {
      this.restartTimer = setTimeout(() => {
        if (this.iceLost()) this.restartIce();
      }, RESTART_AFTER_MS);
    }
  }

  restartIce() {
    this.restartOwed = true;
    this.enqueue(() => this.restartIfOwed());
  }

  enqueue(step) {
    this.queue = this.queue.then(step).catch((err) => {
      if (this.pc.signalingState !== 'closed') console.error('civicmeet: negotiation failed', err);
    });
  }
}
