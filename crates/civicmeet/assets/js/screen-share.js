// Sharing our own screen: the "Share screen" button's side of it.
//
// Owns: the getDisplayMedia capture and its life. A share goes
//   idle → asking (the browser's picker, then the server's go-ahead)
//         → sharing (the track is on our screen transceiver) → idle.
// The server decides who shares (one person per meeting): we capture
// first (the picker needs the click's user activation), then ask, and
// send the track only once a `screen_share` message names us. A refusal,
// a host's stop, the browser's own "Stop sharing" (the track's `ended`
// event) and our button all end in `release()`, which stops the capture.
// It never touches the page beyond the one toggle button.

import { message } from './signalling.js';

export class ScreenShare {
  /**
   * @param {HTMLButtonElement} button the "Share screen" toggle (aria-pressed while sharing)
   * @param {object} handlers
   *   send(msg) sends a client message on the socket
   *   call() the current Call, or null
   *   onError(key) a translated error to show (the picker failed)
   */
  constructor(button, { send, call, onError }) {
    this.button = button;
    this.send = send;
    this.call = call;
    this.onError = onError;
    this.phase = 'idle';
    this.track = null;
    // Phones and some browsers cannot share a screen: no button then.
    this.supported = typeof navigator.mediaDevices?.getDisplayMedia === 'function';
    button.hidden = !this.supported;
    button.addEventListener('click', () => (this.phase === 'idle' ? this.start() : this.stop()));
  }

  get sharing() {
    return this.phase === 'sharing';
  }

  /** Opens the browser's picker, then asks the server. */
  async start() {
    if (this.phase !== 'idle') return;
    this.phase = 'asking';
    this.sync();
    let stream;
    try {
      stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    } catch (err) {
      this.phase = 'idle';
      this.sync();
      // Cancelling the picker is a choice, not an error.
      if (err.name !== 'NotAllowedError' && err.name !== 'AbortError') this.onError('error.screen_unavailable');
      return;
    }
    const track = stream.getVideoTracks()[0];
    if (this.phase !== 'asking' || !track) {
      // Left the meeting while the picker was open.
      for (const tr of stream.getTracks()) tr.stop();
      return;
    }
    // Text on a screen should stay sharp: lower the frame rate before the
    // resolution when bandwidth is short.
    track.contentHint = 'detail';
    track.addEventListener('ended', () => this.stop());
    this.track = track;
    this.send(message.screenShare(true));
  }

  /** The server says who shares now (`sharer`, our id `me`; null: nobody). */
  sharerChanged(sharer, me) {
    const mine = sharer !== null && sharer === me;
    if (mine && this.phase === 'asking' && this.track) {
      this.phase = 'sharing';
      this.call()?.shareScreen(this.track);
      this.sync();
    } else if (!mine && this.phase === 'sharing') {
      // Ended by the server (a host stopped it).
      this.release();
    }
  }

  /** The server refused our share (someone else shares). */
  refused() {
    if (this.phase === 'asking') this.release();
  }

  /** We stop: the button, or the browser's own "Stop sharing". */
  stop() {
    if (this.phase === 'idle') return;
    if (this.track) this.send(message.screenShare(false));
    this.release();
  }

  /** Ends the capture and our sending, whoever ended the share. */
  release() {
    const wasSharing = this.phase === 'sharing';
    this.phase = 'idle';
    this.track?.stop();
    this.track = null;
    if (wasSharing) this.call()?.stopScreen();
    this.sync();
  }

  /**
   * Pressed while sharing. Never disabled while asking: that would drop
   * keyboard focus; a second press cancels instead.
   */
  sync() {
    this.button.setAttribute('aria-pressed', String(this.phase === 'sharing'));
  }
}
