// The meeting WebSocket: typed JSON messages, mirroring crates/civicmeet-wire.
//
// Owns: the socket to /api/meetings/{id}/ws, encoding of client messages and
// decoding of server messages. It knows nothing of the page or of WebRTC;
// callers get each server message as a plain object tagged by `type`:
//   welcome {version, you, participants: [{id, name, media}]}
//   answer {sdp} · offer {sdp}
//   participant_joined {participant} · participant_updated {participant}
//   participant_left {id}
//   error {code, message, fatal}
// Participant ids are numbers on the wire; they are the `msid` stream ids of
// that participant's tracks in SDP (as decimal strings).

export const PROTOCOL_VERSION = 1;

/** Client messages, one builder per wire type. */
export const message = {
  join: (name, media) => ({ type: 'join', version: PROTOCOL_VERSION, name, media }),
  offer: (sdp) => ({ type: 'offer', sdp }),
  answer: (sdp) => ({ type: 'answer', sdp }),
  mediaState: (media) => ({ type: 'media_state', media }),
  leave: () => ({ type: 'leave' }),
};

/** The socket URL of a meeting on this page's origin. */
export function socketUrl(meetingId) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/api/meetings/${encodeURIComponent(meetingId)}/ws`;
}

/**
 * Opens the meeting socket. `onMessage(msg)` gets every server message;
 * `onClose()` is called once when the socket is gone, whoever closed it.
 * Resolves with `{ send(msg), close() }` once the socket is open.
 */
export function connect(meetingId, { onMessage, onClose }) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(socketUrl(meetingId));
    let opened = false;
    let closed = false;
    const finish = () => {
      if (closed) return;
      closed = true;
      if (opened) onClose(); else reject(new Error('socket failed to open'));
    };
    socket.addEventListener('open', () => {
      opened = true;
      resolve({
        send: (msg) => {
          if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(msg));
        },
        close: () => socket.close(1000),
      });
    });
    socket.addEventListener('message', (event) => {
      let msg;
      try {
        msg = JSON.parse(event.data);
      } catch {
        console.warn('civicmeet: ignoring a server message that is not JSON');
        return;
      }
      if (msg && typeof msg.type === 'string') onMessage(msg);
    });
    socket.addEventListener('close', finish);
    socket.addEventListener('error', finish);
  });
}
