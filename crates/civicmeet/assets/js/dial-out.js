// "Call a room system" in the host panel: a SIP address and an optional
// name go to the server as `dial_out`; what the server reports back
// (`dial_out_status`: calling, ringing, answered, failed with a reason,
// ended) is shown and read out in an aria-live region.
//
// Owns: #dial-out and what is inside it. Shown only to hosts, and only
// when the server says dial-out is available (`meeting.dial_out`). The
// address is checked by the server, not here: the page only trims it.

import { t } from './i18n.js';

const $ = (id) => document.getElementById(id);

export class DialOutPanel {
  /** @param {(uri: string, name: string|undefined) => void} dial */
  constructor(dial) {
    $('dial-out').addEventListener('submit', (event) => {
      event.preventDefault();
      const uri = $('dial-out-uri').value.trim();
      const name = $('dial-out-name').value.trim();
      if (!uri) {
        $('dial-out-uri').focus();
        return;
      }
      dial(uri, name || undefined);
    });
  }

  show(visible) {
    $('dial-out').hidden = !visible;
    if (!visible) $('dial-out-status').textContent = '';
  }

  /** A `dial_out_status` from the server. */
  status(msg) {
    const key = msg.state === 'failed'
      ? `dial_out.failed.${msg.reason ?? 'failed'}`
      : `dial_out.${msg.state}`;
    $('dial-out-status').textContent = t(key, { uri: msg.uri });
    if (msg.state === 'answered') $('dial-out-uri').value = '';
  }
}
