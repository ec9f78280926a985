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
// Screen sharing is one more sendonly video transceiver, added by a second
// offer of ours that names its mid (`screen`), and kept for later shares
// (stopping replaces its track with none: no renegotiation). A received
// track is someone's screen when its m-line's msid track id is `screen`.
// We read that from the SDP (msid.js), not from `track.id`: the spec does not tie a
// remote track's id to the msid, and engines differ (Chromium 156 reports
// `screen`, Firefox ESR 153 a random UUID; screen-share.test.js and
// firefox.test.js print what each shows).
//
// The connection outlives a dropped signalling socket (the server keeps our
// seat and its side of the connection). When the network itself changes
// (Wi-Fi to mobile) ICE goes `disconnected` or `failed`: we restart it with
// a new offer (new ufrag and password) through the usual offer path, once
// the socket is there to carry it. If the server's offer crosses ours, ours
// wins: the server drops its offer when it takes ours and offers again.

import { message } from './signalling.js';
import { isScreen } from './msid.js';

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

/** How long ICE may stay `disconnected` before we restart it: short losses heal alone. */
const RESTART_AFTER_MS = 2_000;

export class Call {
  /**
   * @param {MediaStream} localStream our microphone and camera (may have no tracks)
   * @param {(msg: object) => boolean} send sends a client message on the
   *   socket; false while there is no socket to send it on
   * @param {object} handlers
   *   onTrack(participantId: string, stream: MediaStream) a track of theirs arrived
   *   onScreenTrack(participantId: string, track: MediaStreamTrack) their screen arrived
   *   onFailed() the media connection failed (a restart may still bring it back)
   *   onConnected() the media connection is up (again)
   */
  constructor(localStream, send, { onTrack, onScreenTrack, onFailed, onConnected }) {
    this.send = send;
    this.pc = new RTCPeerConnection();
    /** Our screen's transceiver, once we shared. */
    this.screen = null;
    // Signalling steps run one after another; a server offer may arrive
    // while our own description is still being applied.
    this.queue = Promise.resolve();
    // An ICE restart is wanted but waits for the exchange in progress.
    this.restartOwed = false;
    this.restartTimer = null;
    this.pc.addEventListener('track', (event) => {
      const stream = event.streams[0];
      if (!stream) return;
      if (isScreen(this.pc.remoteDescription?.sdp, event.transceiver?.mid)) {
        // The screen shares its msid stream with the camera; the tile
        // plays that stream, so the screen must not stay in it.
        stream.removeTrack(event.track);
        onScreenTrack(stream.id, event.track);
        return;
      }
      onTrack(stream.id, stream);
    });
    this.pc.addEventListener('connectionstatechange', () => {
      if (this.pc.connectionState === 'failed') onFailed();
      if (this.pc.connectionState === 'connected') onConnected?.();
    });
    this.pc.addEventListener('iceconnectionstatechange', () => this.iceChanged());
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
      // Our own offer (a screen share, an ICE restart) crossed this one.
      // The server drops its offer when it accepts ours and offers the
      // same changes again after its answer, so we ignore this one rather
      // than roll ours back.
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

  /**
   * Sends `track` (from getDisplayMedia) as our screen: the first time
   * through a new transceiver and an offer that names its mid, later on
   * the same transceiver without renegotiating.
   */
  shareScreen(track) {
    this.enqueue(async () => {
      if (this.screen) {
        await this.screen.sender.replaceTrack(track);
        return;
      }
      this.screen = this.pc.addTransceiver(track, { direction: 'sendonly' });
      await this.pc.setLocalDescription(await this.pc.createOffer());
      this.send(message.offer(this.pc.localDescription.sdp, this.screen.mid));
    });
  }

  /** Stops sending our screen; the transceiver stays for the next share. */
  stopScreen() {
    this.enqueue(async () => {
      if (this.screen && this.pc.signalingState !== 'closed') await this.screen.sender.replaceTrack(null);
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

