// The tile grid of the meeting view: one tile per participant, ours first.
//
// Owns: the <li class="tile"> elements under the tiles list, each with a
// video, the participant's name and their mute markers. Tiles carry
// `data-participant-id` (the wire id) so tests and styles can find them.
// It knows nothing of sockets or peer connections: the page tells it who
// is here and which stream belongs to whom.

import { t, onLanguageChange } from './i18n.js';

export class Tiles {
  /** @param {HTMLElement} list the <ul> that holds the tiles */
  constructor(list) {
    this.list = list;
    this.sinkId = '';
    onLanguageChange(() => {
      for (const tile of this.list.children) this.renderName(tile);
    });
  }

  /**
   * Adds or updates a participant's tile.
   * @param {{id: number|string, name: string, media: {audio: boolean, video: boolean}}} participant
   * @param {{self?: boolean}} options `self` marks our own tile (muted playback, "(you)")
   */
  upsert(participant, { self = false } = {}) {
    const tile = this.get(participant.id) ?? this.create(participant.id, self);
    tile.dataset.name = participant.name;
    tile.querySelector('.tile-initial').textContent = initial(participant.name);
    this.renderName(tile);
    tile.querySelector('[data-marker="muted"]').hidden = participant.media.audio;
    tile.querySelector('[data-marker="camera-off"]').hidden = participant.media.video;
    tile.classList.toggle('camera-off', !participant.media.video);
    return tile;
  }

  /** Plays a participant's media stream in their tile (created if unknown yet). */
  attachStream(id, stream) {
    const tile = this.get(id) ?? this.upsert({ id, name: '', media: { audio: true, video: true } });
    const video = tile.querySelector('video');
    if (video.srcObject !== stream) {
      video.srcObject = stream;
      video.play().catch(() => { /* autoplay waits for a gesture; Join was one */ });
    }
  }

  /** Plays everyone else's audio on the chosen output device. */
  setSpeaker(sinkId) {
    this.sinkId = sinkId;
    for (const video of this.list.querySelectorAll('.tile:not(.self) video')) applySink(video, sinkId);
  }

  get(id) {
    return this.list.querySelector(`.tile[data-participant-id="${CSS.escape(String(id))}"]`);
  }

  /** The name shown for a participant, or '' if there is no such tile. */
  nameOf(id) {
    return this.get(id)?.dataset.name ?? '';
  }

  remove(id) {
    const tile = this.get(id);
    if (!tile) return;
    tile.querySelector('video').srcObject = null;
    tile.remove();
  }

  clear() {
    for (const tile of [...this.list.children]) this.remove(tile.dataset.participantId);
  }

  create(id, self) {
    const tile = element('li', 'tile');
    tile.dataset.participantId = String(id);
    tile.classList.toggle('self', self);
    const video = element('video');
    video.autoplay = true;
    video.playsInline = true;
    // Our own tile shows our camera; playing our own microphone would echo.
    video.muted = self;
    if (!self && this.sinkId) applySink(video, this.sinkId);
    const initialEl = element('span', 'tile-initial');
    initialEl.setAttribute('aria-hidden', 'true');
    const label = element('p', 'tile-label');
    label.append(element('span', 'tile-name'), marker('muted', 'tile.muted'), marker('camera-off', 'tile.camera_off'));
    tile.append(video, initialEl, label);
    // Our own tile comes first, everyone else in order of arrival.
    if (self) this.list.prepend(tile); else this.list.append(tile);
    return tile;
  }

  renderName(tile) {
    const name = tile.dataset.name ?? '';
    tile.querySelector('.tile-name').textContent = tile.classList.contains('self') ? t('tile.you', { name }) : name;
  }
}

function element(tag, className) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  return el;
}

function marker(kind, key) {
  const el = element('span', 'marker');
  el.dataset.marker = kind;
  el.dataset.i18n = key;
  el.textContent = t(key);
  el.hidden = true;
  return el;
}

function initial(name) {
  return [...name.trim()][0]?.toUpperCase() ?? '';
}

function applySink(video, sinkId) {
  video.setSinkId?.(sinkId).catch((err) => console.warn('civicmeet: cannot use speaker', err.name));
}
