// The host panel of the meeting view: who is waiting (admit, reject), the
// lock toggle, ending the meeting for everyone, and invitation links.
//
// Owns: the elements inside #host-panel. It sends nothing itself: it calls
// the page's handlers, and the page feeds it what the server says
// (`waiting_list`, `meeting_updated`, `invite_created`). It announces new
// arrivals in the waiting room through the `announce` callback.

import { t, onLanguageChange } from './i18n.js';

const $ = (id) => document.getElementById(id);

export class HostPanel {
  /**
   * @param {object} handlers
   *   admit(id) · reject(id) · lock(locked: boolean) · end(button) · invite()
   *   announce(text) tells screen readers
   */
  constructor(handlers) {
    this.handlers = handlers;
    this.waiting = []; // [{id, name, verified}] as last received
    this.locked = false;
    this.inviteUrl = '';
    $('lock-toggle').addEventListener('click', () => this.handlers.lock(!this.locked));
    $('end-meeting').addEventListener('click', (event) => this.handlers.end(event.currentTarget));
    $('invite-guest').addEventListener('click', () => this.handlers.invite());
    $('invite-copy').addEventListener('click', () => this.copyInvite());
    onLanguageChange(() => this.renderWaiting());
  }

  /** Shows the panel (hosts and judges) or hides it, forgetting old state. */
  show(visible) {
    $('host-panel').hidden = !visible;
    if (!visible) {
      this.waiting = [];
      this.renderWaiting();
      $('invite-result').hidden = true;
    }
  }

  /** The whole waiting list, as the server sent it; new names are announced. */
  setWaiting(waiting) {
    const known = new Set(this.waiting.map((w) => String(w.id)));
    const arrived = waiting.filter((w) => !known.has(String(w.id)));
    this.waiting = waiting;
    this.renderWaiting();
    if (arrived.length === 1) this.handlers.announce(t('host.arrived', { name: arrived[0].name }));
    else if (arrived.length > 1) this.handlers.announce(t('host.arrived_many', { names: arrived.map((w) => w.name).join(', ') }));
  }

  setLocked(locked) {
    this.locked = locked;
    $('lock-toggle').setAttribute('aria-pressed', String(locked));
    const status = $('lock-status');
    status.dataset.i18n = locked ? 'host.locked' : 'host.unlocked';
    status.textContent = t(status.dataset.i18n);
  }

  /** Shows a new invitation link and tries to copy it. */
  async showInvite(url) {
    this.inviteUrl = url;
    $('invite-link').value = url;
    $('invite-result').hidden = false;
    await this.copyInvite(true);
  }

  async copyInvite(created = false) {
    const url = this.inviteUrl;
    if (!url) return;
    try {
      await navigator.clipboard.writeText(url);
      this.handlers.announce(t(created ? 'host.invite_created_copied' : 'host.invite_copied'));
    } catch {
      // No clipboard (permission, insecure origin): the link is in the field.
      this.handlers.announce(t(created ? 'host.invite_created' : 'host.invite_copy_failed'));
      $('invite-link').select();
    }
  }

  renderWaiting() {
    const list = $('waiting-list');
    const count = this.waiting.length;
    $('waiting-count').textContent = t('host.waiting_count', { n: count });
    $('waiting-empty').hidden = count > 0;
    const focusedId = list.contains(document.activeElement) ? document.activeElement.closest('li')?.dataset.participantId : undefined;
    list.replaceChildren(...this.waiting.map((w) => this.waitingItem(w)));
    // Keep keyboard users in the list when it changes under them.
    if (focusedId !== undefined) {
      const same = list.querySelector(`li[data-participant-id="${CSS.escape(focusedId)}"] button`);
      (same ?? list.querySelector('button') ?? $('invite-guest')).focus();
    }
  }

  waitingItem(w) {
    const item = document.createElement('li');
    item.className = 'waiting-item';
    item.dataset.participantId = String(w.id);
    const name = document.createElement('span');
    name.className = 'waiting-name';
    name.textContent = w.name;
    item.append(name);
    if (w.verified) {
      const badge = document.createElement('span');
      badge.className = 'badge';
      badge.textContent = t('tile.verified');
      item.append(' ', badge);
    }
    const actions = document.createElement('span');
    actions.className = 'waiting-actions';
    actions.append(
      this.button('host.admit', w.name, 'primary', () => this.handlers.admit(w.id)),
      this.button('host.reject', w.name, '', () => this.handlers.reject(w.id)),
    );
    item.append(actions);
    return item;
  }

  button(key, name, className, onClick) {
    const button = document.createElement('button');
    button.type = 'button';
    if (className) button.className = className;
    button.textContent = t(key);
    // The visible text starts the accessible name (WCAG 2.5.3): "Admit: Ada".
    button.setAttribute('aria-label', `${t(key)}: ${name}`);
    button.addEventListener('click', onClick);
    return button;
  }
}
