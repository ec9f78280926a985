// The meeting WebSocket: typed JSON messages, mirroring crates/civicmeet-wire
// (protocol version 2).
//
// Owns: the socket to /api/meetings/{id}/ws, encoding of client messages and
// decoding of server messages. It knows nothing of the page or of WebRTC;
// callers get each server message as a plain object tagged by `type`:
//   welcome {version, you, role, meeting: {kind, locked}, participants, resume}
//   waiting {you, meeting, resume} · waiting_list {waiting: [{id, name, verified}]}
//   meeting_updated {meeting} · muted_by_host {kind} · invite_created {role, url}
//   active_speaker {id}
//   screen_share {sharer} (a participant id, or null: nobody shares)
//   answer {sdp} · offer {sdp}
//   participant_joined {participant} · participant_updated {participant}
//   participant_left {id}
//   error {code, message, fatal}
// A participant is {id, name, media: {audio, video}, role, verified}; role is
// host, judge or guest. Participant ids are numbers on the wire; they are the
// `msid` stream ids of that participant's tracks in SDP (as decimal strings);
// the msid track id of a participant's screen-share track is `screen`.
// `kind` of mute and muted_by_host is audio, video or screen.
// `resume` is the seat's secret: a `join` that carries it after the socket
// dropped gets the same seat back (within the server's grace period). It is
// kept in memory only, never stored.

export const PROTOCOL_VERSION = 2;

/** Client messages, one builder per wire type. */
export const message = {
  /**
   * `key` is the meeting link's fragment; `pin` and `notice` only when asked
   * for; `resume` only when coming back after the socket dropped.
   */
  join: ({ name, media, key, pin, noticeAcknowledged, resume }) => ({
    type: 'join',
    version: PROTOCOL_VERSION,
    name,
    media,
    key,
    ...(pin ? { pin } : {}),
    ...(noticeAcknowledged ? { notice_acknowledged: true } : {}),
    ...(resume ? { resume } : {}),
  }),
  /** `screen`: the mid of the offer's screen-share track, when it has one. */
  offer: (sdp, screen) => ({ type: 'offer', sdp, ...(screen ? { screen } : {}) }),
  answer: (sdp) => ({ type: 'answer', sdp }),
  mediaState: (media) => ({ type: 'media_state', media }),
  /** Start (true) or stop (false) sharing our screen; one share per meeting. */
  screenShare: (sharing) => ({ type: 'screen_share', sharing }),
  leave: () => ({ type: 'leave' }),
  /** How large each remote tile is shown: [{id, height|null}] (tile-sizes.js). */
  tiles: (tiles) => ({ type: 'tiles', tiles }),
  // Host actions; the server refuses them to guests (not_allowed).
  admit: (id) => ({ type: 'admit', id: Number(id) }),
  reject: (id) => ({ type: 'reject', id: Number(id) }),
  mute: (id, kind) => ({ type: 'mute', id: Number(id), kind }),
  sendToWaitingRoom: (id) => ({ type: 'send_to_waiting_room', id: Number(id) }),
  remove: (id) => ({ type: 'remove', id: Number(id) }),
  lock: (locked) => ({ type: 'lock', locked }),
  endMeeting: () => ({ type: 'end_meeting' }),
  invite: (role) => ({ type: 'invite', role }),
};

/** The socket URL of a meeting on this page's origin. */
export function socketUrl(meetingId) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/api/meetings/${encodeURIComponent(meetingId)}/ws`;
}

/**
 * Opens the meeting socket. `onMessage(msg)` gets every server message;
 * `onClose()` is called once when the socket is gone, whoever closed it.
 * Resolves with `{ send(msg), close() }` once the socket is open; `send`
 * returns whether the message went out (false once the socket is closing).
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
          if (socket.readyState !== WebSocket.OPEN) return false;
          socket.send(JSON.stringify(msg));
          return true;
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
