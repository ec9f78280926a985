// The tile grid of the meeting view: one tile per participant.
//
// Owns: the <li class="tile"> elements under the tiles list, each with a
// video, the participant's name, their markers (muted, camera off, judge,
// host, verified by login), on everyone else's tile the connection quality
// (bars, with the level as text for screen readers) and, for hosts, a
// disclosure of host actions.
// Tiles carry `data-participant-id` (the wire id) so tests and styles can
// find them. Order: judges first (pinned in everyone's layout, hearing
// mode), then whoever speaks now (the server names the active speaker),
// then our own tile, then everyone else in order of arrival.
// It knows nothing of sockets or peer connections: the page tells it who
// is here and which stream belongs to whom, and hears back which host
// action was chosen.

import { t, onLanguageChange } from './i18n.js';

/** Host actions on someone else's tile, in display order. */
const HOST_ACTIONS = [
  { action: 'mute_audio', key: 'host.mute_audio' },
  { action: 'mute_video', key: 'host.mute_video' },
  { action: 'send_to_waiting_room', key: 'host.send_back' },
  { action: 'remove', key: 'host.remove', danger: true },
];

export class Tiles {
  /**
   * @param {HTMLElement} list the <ul> that holds the tiles
   * @param {{onHostAction?: (id: string, action: string, button: HTMLElement) => void}} handlers
   */
  constructor(list, { onHostAction } = {}) {
    this.list = list;
    this.sinkId = '';
    this.hostControls = false;
    this.onHostAction = onHostAction ?? (() => {});
    onLanguageChange(() => {
      for (const tile of this.list.children) this.renderName(tile);
    });
  }

  /**
   * Adds or updates a participant's tile.
   * @param {{id: number|string, name: string, media: {audio: boolean, video: boolean}, role?: string, verified?: boolean}} participant
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
    if (participant.role !== undefined || participant.verified !== undefined) {
      const role = participant.role ?? tile.dataset.role ?? 'guest';
      tile.querySelector('[data-marker="judge"]').hidden = role !== 'judge';
      tile.querySelector('[data-marker="host"]').hidden = role !== 'host';
      tile.querySelector('[data-marker="verified"]').hidden = !participant.verified;
      if (tile.dataset.role !== role) {
        tile.dataset.role = role;
        tile.classList.toggle('judge', role === 'judge');
        this.place(tile);
      }
    }
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

  /**
   * Shows how well a participant's media arrive: 'good', 'weak' or 'bad'
   * (quality.js judges). Bars for the eye, "Connection: good" for screen
   * readers as part of the tile's label; not a live region, so a change is
   * read when someone reaches the tile, not shouted at every turn.
   */
  setQuality(id, level) {
    const indicator = this.get(id)?.querySelector('.quality');
    if (!indicator) return;
    indicator.dataset.level = level;
    const text = indicator.querySelector('.quality-text');
    text.dataset.i18n = `quality.${level}`;
    text.textContent = t(text.dataset.i18n);
    indicator.hidden = false;
  }

  /**
   * Marks the participant who speaks now and moves their tile forward
   * (speaker first, after judges). Not announced: speakers change too often
   * for a screen reader; the tile's frame shows it.
   */
  setActiveSpeaker(id) {
    for (const tile of this.list.querySelectorAll('.tile.speaking')) {
      tile.classList.remove('speaking');
      this.place(tile);
    }
    const tile = this.get(id);
    if (!tile || tile.classList.contains('self')) return;
    tile.classList.add('speaking');
    this.place(tile);
  }

  /** Whether a participant's camera is on (as their tile shows it). */
  cameraOn(id) {
    const tile = this.get(id);
    return tile !== null && !tile.classList.contains('camera-off');
  }

  /** Plays everyone else's audio on the chosen output device. */
  setSpeaker(sinkId) {
    this.sinkId = sinkId;
    for (const video of this.list.querySelectorAll('.tile:not(.self) video')) applySink(video, sinkId);
  }

  /** Shows or hides the host actions on everyone else's tile. */
  setHostControls(enabled) {
    this.hostControls = enabled;
    for (const tile of this.list.querySelectorAll('.tile:not(.self)')) {
      const actions = tile.querySelector('.tile-actions');
      actions.hidden = !enabled;
      if (!enabled) this.collapse(tile);
    }
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
    label.append(
      element('span', 'tile-name'),
      marker('judge', 'tile.judge', 'role'),
      marker('host', 'tile.host', 'role'),
      marker('verified', 'tile.verified', 'verified'),
      marker('muted', 'tile.muted'),
      marker('camera-off', 'tile.camera_off'),
    );
    if (!self) label.append(qualityIndicator());
    tile.append(video, initialEl, label);
    if (!self) tile.append(this.actions(tile));
    this.place(tile);
    return tile;
  }

  /** Puts a tile where it belongs: judges, the speaker, ours, the rest. */
  place(tile) {
    const rank = (el) => {
      if (el.classList.contains('judge')) return 0;
      if (el.classList.contains('speaking')) return 1;
      return el.classList.contains('self') ? 2 : 3;
    };
    const mine = rank(tile);
    // Before the first tile of a higher rank (after everyone of our rank).
    const next = [...this.list.children].find((el) => el !== tile && rank(el) > mine);
    if (next) {
      if (tile.nextElementSibling !== next) this.list.insertBefore(tile, next);
    } else if (tile !== this.list.lastElementChild) {
      this.list.append(tile);
    }
  }

  /** The host actions of a tile: a disclosure button and its list of actions. */
  actions(tile) {
    const box = element('div', 'tile-actions');
    box.hidden = !this.hostControls;
    const toggle = element('button', 'tile-actions-toggle');
    toggle.type = 'button';
    toggle.setAttribute('aria-expanded', 'false');
    const menu = element('ul', 'tile-actions-list');
    menu.hidden = true;
    const listId = `actions-${tile.dataset.participantId}`;
    menu.id = listId;
    toggle.setAttribute('aria-controls', listId);
    toggle.dataset.labelKey = 'host.actions';
    toggle.append(i18nSpan('host.actions'));
    toggle.addEventListener('click', () => {
      const open = toggle.getAttribute('aria-expanded') !== 'true';
      if (open) this.expand(tile); else this.collapse(tile);
    });
    for (const { action, key, danger } of HOST_ACTIONS) {
      const item = element('li');
      const button = element('button', danger ? 'danger' : '');
      button.type = 'button';
      button.dataset.action = action;
      button.dataset.labelKey = key;
      button.append(i18nSpan(key));
      button.addEventListener('click', () => {
        // Focus on the toggle before any confirmation dialog opens: a modal
        // dialog gives focus back, as it closes, to what had it before —
        // the hidden action button otherwise, so focus fell to the page
        // until the dialog's close event moved it.
        this.collapse(tile, { focus: true });
        this.onHostAction(tile.dataset.participantId, action, toggle);
      });
      item.append(button);
      menu.append(item);
    }
    box.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && !menu.hidden) {
        event.stopPropagation();
        this.collapse(tile, { focus: true });
      }
    });
    box.append(toggle, menu);
    return box;
  }

  expand(tile) {
    // One open at a time keeps the grid readable.
    for (const other of this.list.querySelectorAll('.tile')) if (other !== tile) this.collapse(other);
    tile.querySelector('.tile-actions-toggle').setAttribute('aria-expanded', 'true');
    tile.querySelector('.tile-actions-list').hidden = false;
    tile.classList.add('actions-open');
    tile.querySelector('.tile-actions-list button').focus();
  }

  collapse(tile, { focus = false } = {}) {
    const toggle = tile.querySelector('.tile-actions-toggle');
    if (!toggle) return;
    toggle.setAttribute('aria-expanded', 'false');
    tile.querySelector('.tile-actions-list').hidden = true;
    tile.classList.remove('actions-open');
    if (focus) toggle.focus();
  }

  renderName(tile) {
    const name = tile.dataset.name ?? '';
    tile.querySelector('.tile-name').textContent = tile.classList.contains('self') ? t('tile.you', { name }) : name;
    for (const span of tile.querySelectorAll('[data-i18n]')) span.textContent = t(span.dataset.i18n);
    // Each action's button says whose tile it acts on ("Mute: Ada"); the
    // visible text starts the accessible name (WCAG 2.5.3).
    for (const button of tile.querySelectorAll('[data-label-key]')) {
      button.setAttribute('aria-label', `${t(button.dataset.labelKey)}: ${name}`);
    }
  }
}

function element(tag, className) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  return el;
}

function i18nSpan(key) {
  const span = element('span');
  span.dataset.i18n = key;
  span.textContent = t(key);
  return span;
}

function marker(kind, key, variant = 'alert') {
  const el = element('span', `marker marker-${variant}`);
  el.dataset.marker = kind;
  el.dataset.i18n = key;
  el.textContent = t(key);
  el.hidden = true;
  return el;
}

/** Hidden until quality.js has judged a few seconds of the participant's media. */
function qualityIndicator() {
  const indicator = element('span', 'quality');
  indicator.hidden = true;
  const bars = element('span', 'quality-bars');
  bars.setAttribute('aria-hidden', 'true');
  bars.append(element('span'), element('span'), element('span'));
  indicator.append(bars, element('span', 'quality-text visually-hidden'));
  return indicator;
}

function initial(name) {
  return [...name.trim()][0]?.toUpperCase() ?? '';
}

function applySink(video, sinkId) {
  video.setSinkId?.(sinkId).catch((err) => console.warn('civicmeet: cannot use speaker', err.name));
}
