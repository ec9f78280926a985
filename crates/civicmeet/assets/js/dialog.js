// The confirmation step before actions that cannot be undone (remove
// someone, end the meeting for everyone).
//
// Owns: the <dialog id="confirm-dialog"> of the meeting page. A modal
// <dialog> keeps focus inside, closes on Escape and is announced with its
// heading and text. Focus returns to the button that opened it.

import { t } from './i18n.js';

const $ = (id) => document.getElementById(id);

/**
 * Asks for confirmation. Resolves true when the user confirms, false when
 * they cancel (button, Escape).
 * @param {{title: string, text: string, confirm: string, returnFocus?: HTMLElement}} options
 */
export function confirmAction({ title, text, confirm, returnFocus }) {
  const dialog = $('confirm-dialog');
  $('confirm-title').textContent = title;
  $('confirm-text').textContent = text;
  $('confirm-yes').textContent = confirm;
  $('confirm-no').textContent = t('dialog.cancel');
  return new Promise((resolve) => {
    const finish = (answer) => {
      $('confirm-yes').removeEventListener('click', yes);
      $('confirm-no').removeEventListener('click', no);
      dialog.removeEventListener('close', closed);
      if (dialog.open) dialog.close();
      if (returnFocus?.isConnected && !returnFocus.closest('[hidden]')) returnFocus.focus();
      resolve(answer);
    };
    const yes = () => finish(true);
    const no = () => finish(false);
    const closed = () => finish(false);
    $('confirm-yes').addEventListener('click', yes);
    $('confirm-no').addEventListener('click', no);
    dialog.addEventListener('close', closed);
    dialog.showModal();
    // The safe choice has focus first.
    $('confirm-no').focus();
  });
}
