// The stage of the meeting view: someone else's shared screen, large,
// above the tiles (beside them on wide screens), with the sharer's name.
//
// Owns: the #stage section (its heading names the sharer, so screen
// readers reach it by heading or landmark), its video, the "Full screen"
// button and, for hosts, "Stop sharing". It keeps every participant's
// screen track as it arrives, because the track and the `screen_share`
// message that says who shares come in either order.
// It knows nothing of sockets: the page says who shares and hears back
// when a host asks to stop a share. Announcements are the page's.

import { t, onLanguageChange } from './i18n.js';

export class Stage {
  /**
   * @param {HTMLElement} section the #stage section (hidden until a share)
   * @param {{nameOf: (id: string) => string, onStop: (id: string, button: HTMLElement) => void}} handlers
   */
  constructor(section, { nameOf, onStop }) {
    this.section = section;
    this.video = section.querySelector('video');
    this.caption = section.querySelector('.stage-caption');
    this.stopButton = section.querySelector('.stage-stop');
    this.fullscreenButton = section.querySelector('.stage-fullscreen');
    this.nameOf = nameOf;
    /** participant id → their screen track (stays across shares). */
    this.tracks = new Map();
    this.sharer = null;
    this.hostControls = false;
    this.stopButton.addEventListener('click', () => {
      if (this.sharer !== null) onStop(this.sharer, this.stopButton);
    });
    // Not every browser lets a video go full screen (iOS Safari).
    this.fullscreenButton.hidden = !this.video.requestFullscreen;
    this.fullscreenButton.addEventListener('click', () => {
      this.video.requestFullscreen?.().catch(() => { /* refused: stays in the page */ });
    });
    onLanguageChange(() => this.render());
  }

  /** A participant's screen track arrived (it may be shown now or later). */
  addTrack(id, track) {
    this.tracks.set(String(id), track);
    if (this.sharer === String(id)) this.play(track);
  }

  /** Shows `id`'s screen, large, with their name. */
  show(id) {
    this.sharer = String(id);
    this.section.dataset.participantId = this.sharer;
    this.render();
    this.section.hidden = false;
    this.section.parentElement?.classList.add('sharing');
    const track = this.tracks.get(this.sharer);
    if (track) this.play(track);
  }

  /** No share to show. Focus inside the stage moves to `focusAfter`. */
  hide(focusAfter) {
    const hadFocus = this.section.contains(document.activeElement);
    this.sharer = null;
    delete this.section.dataset.participantId;
    this.section.hidden = true;
    this.section.parentElement?.classList.remove('sharing');
    this.video.srcObject = null;
    if (hadFocus) focusAfter?.focus();
  }

  /** Forgets a participant who left (their track ended with them). */
  forget(id) {
    this.tracks.delete(String(id));
  }

  /** Shows "Stop sharing" to hosts. */
  setHostControls(enabled) {
    this.hostControls = enabled;
    this.stopButton.hidden = !enabled;
  }

  clear(focusAfter) {
    this.hide(focusAfter);
    this.tracks.clear();
  }

  play(track) {
    if (this.video.srcObject?.getVideoTracks()[0] === track) return;
    this.video.srcObject = new MediaStream([track]);
    this.video.play().catch(() => { /* autoplay waits for a gesture; Join was one */ });
  }

  render() {
    if (this.sharer === null) return;
    const name = this.nameOf(this.sharer);
    this.caption.textContent = t('stage.caption', { name });
    this.video.setAttribute('aria-label', t('stage.caption', { name }));
    this.stopButton.textContent = t('stage.stop');
    // The visible text starts the accessible name (WCAG 2.5.3).
    this.stopButton.setAttribute('aria-label', `${t('stage.stop')}: ${name}`);
    this.fullscreenButton.textContent = t('stage.fullscreen');
  }
}
