// Entry module of the meeting page (/m/{id}#{key}): the views (join,
// waiting room, meeting, end) and the glue between socket, peer
// connection, devices, tiles, the screen-share stage and the host panel.
//
// The meeting link's key is the URL fragment: it never travels over HTTP,
// only inside the `join` message. Guests wait in the waiting room until a
// host admits them (`waiting`, then `welcome`); a host may send them back.
//
// When the socket drops without a leave or an ending (a network change, a
// proxy's timeout), the page reconnects by itself with back-off and joins
// with the seat's resume secret (from `welcome`/`waiting`, kept in memory
// only): the server gives the same seat back, the media connection carries
// on, and the tiles catch up from the new `welcome`. A resume the server no
// longer knows (too late) becomes a normal join.
//
// Test hook (kept tiny on purpose): `window.civicmeet.pc` is the current
// RTCPeerConnection (or null), so end-to-end tests can read getStats().
// Tiles carry `data-participant-id`. Nothing else is exposed.

import { initI18n, t } from './i18n.js';
import { connect, message } from './signalling.js';
import { Call } from './call.js';
import { openMedia, stopMedia, listDevices, fillSelect, canChooseSpeaker, LevelMeter } from './devices.js';
import { Tiles } from './tiles.js';
import { HostPanel } from './host-panel.js';
import { DialOutPanel } from './dial-out.js';
import { confirmAction } from './dialog.js';
import { QualityMonitor } from './quality.js';
import { TileSizes } from './tile-sizes.js';
import { Stage } from './stage.js';
import { ScreenShare } from './screen-share.js';
import { Reconnect } from './reconnect.js';

const $ = (id) => document.getElementById(id);
const NAME_KEY = 'civicmeet.name';
const MAX_NAME_CHARS = 64;
const PIN_PATTERN = /^[0-9]{4,10}$/;

const meetingId = decodeURIComponent(location.pathname.split('/').filter(Boolean).pop() ?? '');
const linkKey = readKey();
const tiles = new Tiles($('tiles'), { onHostAction: hostAction });
const hostPanel = new HostPanel({
  admit: (id) => state.socket?.send(message.admit(id)),
  reject: (id) => state.socket?.send(message.reject(id)),
  lock: (locked) => state.socket?.send(message.lock(locked)),
  end: endMeeting,
  invite: () => state.socket?.send(message.invite('guest')),
  announce,
});
const dialOut = new DialOutPanel((uri, name) =>
  state.socket?.send({ type: 'dial_out', uri, ...(name ? { name } : {}) }));
const levelMeter = new LevelMeter($('mic-level'));
const stage = new Stage($('stage'), {
  nameOf: (id) => tiles.nameOf(id),
  onStop: (id) => {
    state.socket?.send(message.mute(id, 'screen'));
    announce(t('host.share_stopped_done', { name: tiles.nameOf(id) }));
  },
});
const screenShare = new ScreenShare($('share-toggle'), {
  send: (msg) => state.socket?.send(msg),
  call: () => state.call,
  onError: (key) => showError(t(key)),
});
const reconnect = new Reconnect({
  attempt: tryReconnect,
  giveUp: () => {
    teardown();
    showEnd('lost');
  },
});

/**
 * How a session ends, by the server's error code: the end view's heading
 * and text, and whether "Join again" makes sense.
 */
const ENDINGS = {
  left: { heading: 'left.heading', text: 'left.text', rejoin: true },
  lost: { heading: 'left.lost_heading', text: 'left.text', rejoin: true },
  link_incomplete: { heading: 'end.incomplete_heading', text: 'end.incomplete_text', rejoin: false },
  link_invalid: { heading: 'end.link_invalid_heading', text: 'end.link_invalid_text', rejoin: false },
  pin_blocked: { heading: 'end.pin_blocked_heading', text: 'end.pin_blocked_text', rejoin: true },
  rejected: { heading: 'end.rejected_heading', text: 'end.rejected_text', rejoin: false },
  removed: { heading: 'end.removed_heading', text: 'end.removed_text', rejoin: false },
  meeting_ended: { heading: 'end.ended_heading', text: 'end.ended_text', rejoin: false },
  // A 1:1 consultation ends when one side leaves (UX-4).
  consultation_ended: { heading: 'end.consultation_heading', text: 'end.consultation_text', rejoin: false },
};

const state = {
  localStream: null,
  socket: null,
  call: null,
  quality: null, // the QualityMonitor of the current call
  phase: 'join', // join | waiting | call | ended
  me: null, // our participant id, from `waiting` or `welcome`
  sharer: null, // who shares their screen (a participant id as a string), or null
  name: '',
  role: null, // host | judge | guest, from `welcome`
  kind: 'open', // open | consultation | hearing, from `waiting` or `welcome`
  media: { audio: true, video: true }, // what we intend to send
  leaving: false, // we closed the socket on purpose
  ending: false, // we ended the meeting for everyone
  preview: Promise.resolve(), // the device check in progress
  joined: null, // what our `join` said (name, key, PIN, notice), to say it again
  resume: null, // our seat's resume secret, from `welcome`/`waiting`; memory only
  fatal: false, // the server ended our session with a fatal error
  mediaUnsent: false, // a mute toggled while the socket was gone
  generation: 0, // which socket is the current one
};

window.civicmeet = Object.freeze({ get pc() { return state.call?.pc ?? null; } });

// The key after '#'. Links may arrive percent-encoded from mail programs.
function readKey() {
  const raw = location.hash.slice(1);
  try { return decodeURIComponent(raw).trim(); } catch { return raw.trim(); }
}

// ---- views -----------------------------------------------------------------

function showView(name) {
  for (const view of ['join', 'waiting', 'call', 'left']) $(`${view}-view`).hidden = view !== name;
}

function showError(text) {
  $('error').textContent = text;
  $('error').hidden = !text;
}

function errorText(code, fallback) {
  const key = `error.${code}`;
  const text = t(key);
  return text === key ? t('error.unknown', { message: fallback ?? code }) : text;
}

// Re-setting the same text would not be announced again, so clear first.
function announce(text) {
  const region = $('announcer');
  region.textContent = '';
  setTimeout(() => { region.textContent = text; }, 50);
}

/** A visible notice in the meeting view (also announced). */
function notify(key) {
  const notice = $('call-notice');
  notice.dataset.i18n = key ?? '';
  notice.textContent = key ? t(key) : '';
  notice.hidden = !key;
  if (key) announce(t(key));
}

// ---- device check ----------------------------------------------------------

function startPreview() {
  state.preview = openPreview();
  return state.preview;
}

async function openPreview() {
  stopMedia(state.localStream);
  state.localStream = await openMedia({
    cameraId: $('camera-select').value,
    microphoneId: $('microphone-select').value,
  });
  const hasVideo = state.localStream.getVideoTracks().length > 0;
  const hasAudio = state.localStream.getAudioTracks().length > 0;
  $('preview').srcObject = hasVideo ? state.localStream : null;
  $('preview-off').hidden = hasVideo;
  $('device-note').hidden = hasVideo || hasAudio;
  levelMeter.start(state.localStream);
  await refreshDeviceLists();
}

async function refreshDeviceLists() {
  const { cameras, microphones, speakers } = await listDevices();
  const track = (kind) => state.localStream?.getTracks().find((tr) => tr.kind === kind);
  fillSelect($('camera-select'), cameras, track('video')?.getSettings().deviceId);
  fillSelect($('microphone-select'), microphones, track('audio')?.getSettings().deviceId);
  const speakerField = $('speaker-field');
  speakerField.hidden = !canChooseSpeaker() || speakers.length === 0;
  if (!speakerField.hidden) fillSelect($('speaker-select'), speakers, tiles.sinkId || 'default');
}

// ---- joining ---------------------------------------------------------------

function readName() {
  const name = $('name').value.trim();
  const valid = name.length > 0 && [...name].length <= MAX_NAME_CHARS;
  $('name').setAttribute('aria-invalid', String(!valid));
  return valid ? name : null;
}

/** The PIN when the meeting asked for one: null if it is asked and not 4–10 digits. */
function readPin() {
  if ($('pin-field').hidden) return '';
  const pin = $('pin').value.trim();
  const valid = PIN_PATTERN.test(pin);
  $('pin').setAttribute('aria-invalid', String(!valid));
  return valid ? pin : null;
}

function readNotice() {
  if ($('notice-field').hidden) return true;
  const ticked = $('notice-ack').checked;
  $('notice-ack').setAttribute('aria-invalid', String(!ticked));
  return ticked;
}

async function join() {
  if ($('join-button').disabled) return; // already joining (Enter twice)
  const name = readName();
  if (!name) return refuse('error.invalid_name', 'name');
  const pin = readPin();
  if (pin === null) return refuse('error.pin_format', 'pin');
  if (!readNotice()) return refuse('error.notice_unticked', 'notice-ack');
  try { localStorage.setItem(NAME_KEY, name); } catch { /* private mode: not remembered */ }
  showError('');
  setJoining(true);
  await state.preview;
  const stream = state.localStream ??= new MediaStream();
  state.media = {
    audio: stream.getAudioTracks().some((tr) => tr.enabled),
    video: stream.getVideoTracks().some((tr) => tr.enabled),
  };
  state.leaving = false;
  state.ending = false;
  state.fatal = false;
  state.resume = null;
  state.name = name;
  state.joined = { name, key: linkKey, pin: pin || undefined, noticeAcknowledged: $('notice-ack').checked };
  // A join refused for a PIN or the notice is answered on the same socket.
  if (!state.socket) {
    try {
      await openSocket();
    } catch {
      setJoining(false);
      showError(t('error.unavailable'));
      return;
    }
  }
  sendJoin();
}

/** Opens the meeting socket; messages and the close of older sockets are ignored. */
async function openSocket() {
  const generation = ++state.generation;
  const current = () => generation === state.generation;
  const socket = await connect(meetingId, {
    onMessage: (msg) => { if (current()) handleMessage(msg); },
    onClose: () => { if (current()) handleClose(); },
  });
  if (!current()) {
    socket.close();
    throw new Error('a newer socket was opened meanwhile');
  }
  state.socket = socket;
}

/** `join` as we first sent it, with our seat's secret when we have one. */
function sendJoin() {
  state.socket?.send(message.join({ ...state.joined, media: state.media, resume: state.resume ?? undefined }));
}

/** Sends on the socket if we are connected; false if the message could not go. */
function sendNow(msg) {
  if (!state.socket || reconnect.active) return false;
  return state.socket.send(msg);
}

/** The join form cannot be sent yet: say why and go to the field. */
function refuse(errorKey, fieldId) {
  showError(t(errorKey));
  $(fieldId).focus();
}

function setJoining(joining) {
  const button = $('join-button');
  button.disabled = joining;
  button.dataset.i18n = joining ? 'join.joining' : 'join.submit';
  button.textContent = t(button.dataset.i18n);
}

/** The server wants a PIN (again): show the field, say why, focus it. */
function askForPin(code) {
  $('pin-field').hidden = false;
  $('pin').value = '';
  $('pin').setAttribute('aria-invalid', String(code === 'pin_wrong'));
  showError(t(`error.${code}`));
  $('pin').focus();
}

/** A hearing: the notice must be acknowledged before entering. */
function askForNotice() {
  $('notice-field').hidden = false;
  showError(t('error.notice_required'));
  $('notice-ack').focus();
}

// ---- server messages -------------------------------------------------------

function handleMessage(msg) {
  switch (msg.type) {
    case 'welcome': return enterMeeting(msg);
    case 'waiting': return enterWaiting(msg);
    case 'waiting_list': return hostPanel.setWaiting(msg.waiting ?? []);
    case 'meeting_updated': return meetingUpdated(msg.meeting);
    case 'muted_by_host': return mutedByHost(msg.kind);
    case 'active_speaker': return tiles.setActiveSpeaker(msg.id);
    case 'screen_share': return sharerChanged(msg.sharer);
    case 'invite_created': return hostPanel.showInvite(msg.url);
    case 'dial_out_status': return dialOut.status(msg);
    case 'answer': return state.call?.handleAnswer(msg.sdp);
    case 'offer': return state.call?.handleOffer(msg.sdp);
    case 'participant_joined':
      tiles.upsert(msg.participant);
      return announce(t('announce.joined', { name: msg.participant.name }));
    case 'participant_updated':
      if (String(msg.participant.id) === String(state.me)) return undefined; // our own tile follows our toggles
      return tiles.upsert(msg.participant);
    case 'participant_left': {
      const left = tiles.nameOf(msg.id);
      // Their share goes with them; "left" is announcement enough.
      if (state.sharer === String(msg.id)) sharerChanged(null, { quiet: true });
      stage.forget(msg.id);
      tiles.remove(msg.id);
      state.quality?.forget(msg.id);
      return left ? announce(t('announce.left', { name: left })) : undefined;
    }
    case 'error': return handleError(msg);
    default: console.warn('civicmeet: ignoring unknown server message', msg.type);
  }
}

function handleError(msg) {
  if (msg.fatal) state.fatal = true;
  switch (msg.code) {
    case 'pin_required':
    case 'pin_wrong':
      setJoining(false);
      return askForPin(msg.code);
    case 'notice_required':
      setJoining(false);
      return askForNotice();
    default:
      break;
  }
  if (msg.code === 'screen_share_busy') screenShare.refused();
  if (msg.code === 'meeting_ended' && state.kind === 'consultation') return end('consultation_ended');
  if (msg.code in ENDINGS) return end(msg.code);
  if (state.phase === 'join') setJoining(false);
  showError(errorText(msg.code, msg.message));
}

function enterWaiting(waiting) {
  const wasInCall = state.phase === 'call';
  const resumed = state.phase === 'waiting' && String(waiting.you) === String(state.me);
  reconnected();
  state.resume = waiting.resume ?? null;
  // Back in our place in the waiting room: nothing else changed.
  if (resumed) return showWaitingStatus('waiting.text');
  state.me = waiting.you;
  state.kind = waiting.meeting?.kind ?? state.kind;
  state.phase = 'waiting';
  state.role = null;
  // Sent back by a host: the media connection goes, the devices stay.
  endShares();
  closeCall();
  tiles.clear();
  hostPanel.show(false);
  notify(null);
  levelMeter.stop();
  setJoining(false);
  showError('');
  const stream = state.localStream;
  const hasVideo = stream?.getVideoTracks().length > 0;
  $('waiting-preview').srcObject = hasVideo ? stream : null;
  $('waiting-preview').hidden = !hasVideo;
  showView('waiting');
  $('waiting-heading').focus();
  showWaitingStatus(wasInCall ? 'waiting.sent_back' : 'waiting.text');
}

/** The waiting room's status, a live region: set afresh so it is read out every time. */
function showWaitingStatus(key) {
  const status = $('waiting-status');
  status.textContent = '';
  setTimeout(() => {
    status.dataset.i18n = key;
    status.textContent = t(key);
  }, 50);
}

function enterMeeting(welcome) {
  const resumed = state.phase === 'call' && state.call !== null && String(welcome.you) === String(state.me);
  reconnected();
  state.resume = welcome.resume ?? null;
  if (resumed) return resumeMeeting(welcome);
  state.me = welcome.you;
  state.role = welcome.role;
  state.kind = welcome.meeting?.kind ?? state.kind;
  state.phase = 'call';
  const isHost = welcome.role === 'host' || welcome.role === 'judge';
  endShares();
  stage.setHostControls(isHost);
  levelMeter.stop();
  setJoining(false);
  showError('');
  notify(null);
  $('waiting-preview').srcObject = null;
  showView('call');
  closeCall();
  tiles.clear();
  tiles.setHostControls(isHost);
  tiles.upsert({ id: welcome.you, name: state.name, media: state.media, role: welcome.role, verified: false }, { self: true });
  tiles.attachStream(welcome.you, state.localStream);
  for (const participant of welcome.participants ?? []) {
    if (String(participant.id) !== String(welcome.you)) tiles.upsert(participant);
  }
  hostPanel.show(isHost);
  dialOut.show(isHost && Boolean(welcome.meeting?.dial_out));
  if (welcome.meeting) hostPanel.setLocked(welcome.meeting.locked);
  syncToggles();
  state.call = new Call(state.localStream, sendNow, {
    onTrack: (participantId, stream) => {
      tiles.attachStream(participantId, stream);
      state.quality?.watch(participantId, stream);
    },
    onScreenTrack: (participantId, track) => stage.addTrack(participantId, track),
    onFailed: () => showError(t('error.media_failed')),
    // An ICE restart brought it back.
    onConnected: () => { if ($('error').textContent === t('error.media_failed')) showError(''); },
  });
  state.quality = new QualityMonitor(state.call.pc, {
    videoExpected: (id) => tiles.cameraOn(id),
    onChange: (id, level) => tiles.setQuality(id, level),
    // Only the turn to bad is announced (at most once a minute each):
    // then someone may not hear or see the others well.
    onBad: (id) => announce(t('announce.quality_bad', { name: tiles.nameOf(id) })),
  });
  state.call.start();
  state.tileSizes = new TileSizes($('tiles'), (sizes) => state.socket?.send(message.tiles(sizes)));
  $('mic-toggle').focus();
  announce(t('announce.you_joined'));
}

/**
 * Our seat came back after the socket dropped: the call carries on as it
 * is, the tiles catch up with who is here now.
 */
function resumeMeeting(welcome) {
  state.role = welcome.role;
  const here = new Set((welcome.participants ?? []).map((p) => String(p.id)));
  here.add(String(welcome.you));
  for (const tile of [...$('tiles').children]) {
    const id = tile.dataset.participantId;
    if (here.has(id)) continue;
    tiles.remove(id);
    state.quality?.forget(id);
  }
  for (const participant of welcome.participants ?? []) {
    if (String(participant.id) !== String(welcome.you)) tiles.upsert(participant);
  }
  if (welcome.meeting) hostPanel.setLocked(welcome.meeting.locked);
  if (state.mediaUnsent) {
    state.mediaUnsent = false;
    sendNow(message.mediaState(state.media));
  }
  state.call.resumed();
}

/** The socket dropped: keep everything and try to get our seat back. */
function startReconnect() {
  if (state.phase === 'call') notify('call.reconnecting');
  else showWaitingStatus('call.reconnecting');
  reconnect.start();
}

async function tryReconnect() {
  if (!reconnect.active || state.leaving) return;
  try {
    await openSocket();
  } catch {
    reconnect.retry();
    return;
  }
  // The answer (`welcome`, `waiting` or an error) takes it from here; a
  // socket that closes again first makes the next attempt.
  sendJoin();
}

/** A `welcome` or `waiting` arrived: whatever reconnecting there was is over. */
function reconnected() {
  if (!reconnect.active) return;
  reconnect.stop();
  if ($('call-notice').dataset.i18n === 'call.reconnecting') notify(null);
  announce(t('announce.reconnected'));
}

function meetingUpdated(meeting) {
  if (!meeting) return;
  hostPanel.setLocked(meeting.locked);
  if (state.phase === 'call') announce(t(meeting.locked ? 'announce.locked' : 'announce.unlocked'));
}

/**
 * Who shares their screen changed (`sharer`: a participant id or null).
 * Announced once per change: "Ada is sharing their screen", "… stopped".
 */
function sharerChanged(sharer, { quiet = false } = {}) {
  const next = sharer === null || sharer === undefined ? null : String(sharer);
  const previous = state.sharer;
  const me = String(state.me);
  screenShare.sharerChanged(next, me);
  if (next === previous) return;
  state.sharer = next;
  if (next === null || next === me) stage.hide(controlAfterStage());
  else stage.show(next);
  if (next === me) {
    // Sharing now: an earlier refusal or a host's stop is no longer news.
    showError('');
    if ($('call-notice').dataset.i18n === 'call.screen_stopped_by_host') notify(null);
  }
  if (quiet) return;
  if (next === me) announce(t('announce.you_share'));
  else if (next !== null) announce(t('announce.share_started', { name: tiles.nameOf(next) }));
  else if (previous === me) announce(t('announce.you_stopped_sharing'));
  else announce(t('announce.share_stopped', { name: tiles.nameOf(previous) }));
}

/** Out of the meeting (or into it afresh): no share, ours or theirs. */
function endShares() {
  screenShare.release();
  state.sharer = null;
  stage.clear(controlAfterStage());
}

/** Where focus goes when the stage it was on goes away. */
function controlAfterStage() {
  return $('share-toggle').hidden ? $('mic-toggle') : $('share-toggle');
}

/** A host stopped our microphone, camera or screen share: switch it off as our own button does. */
function mutedByHost(kind) {
  if (kind === 'screen') {
    // The server ended the share already (screen_share names nobody).
    screenShare.release();
    return notify('call.screen_stopped_by_host');
  }
  if (kind !== 'audio' && kind !== 'video') return;
  if (state.media[kind]) setMedia(kind, false);
  notify(kind === 'audio' ? 'call.muted_by_host' : 'call.camera_stopped_by_host');
}

function handleClose() {
  state.socket = null;
  if (state.leaving) return;
  if (state.ending) return end('meeting_ended');
  const phase = state.phase;
  // Dropped, not ended: the server keeps our seat for a while.
  if ((phase === 'call' || phase === 'waiting') && state.resume && !state.fatal) {
    if (reconnect.active) reconnect.retry(); else startReconnect();
    return;
  }
  if (phase === 'call' || phase === 'waiting') {
    // The server went away or ended our session: offer to join again.
    teardown();
    showEnd('lost');
  } else {
    // Refused before `waiting`/`welcome` (its error message is showing):
    // stay in the device check.
    setJoining(false);
  }
}

/** The session is over for a reason the server gave. */
function end(code) {
  state.leaving = true;
  state.socket?.close();
  teardown();
  showError('');
  showEnd(code);
}

function leave() {
  state.leaving = true;
  state.socket?.send(message.leave());
  state.socket?.close();
  teardown();
  showError('');
  showEnd('left');
}

/** Ends the media connection and its quality readings. */
function closeCall() {
  state.quality?.stop();
  state.quality = null;
  state.tileSizes?.stop();
  state.tileSizes = null;
  state.call?.close();
  state.call = null;
}

function teardown() {
  endShares();
  reconnect.stop();
  state.resume = null;
  closeCall();
  state.socket = null;
  state.me = null;
  state.role = null;
  state.phase = 'ended';
  stopMedia(state.localStream);
  state.localStream = null;
  $('waiting-preview').srcObject = null;
  levelMeter.stop();
  tiles.clear();
  hostPanel.show(false);
  notify(null);
}

function showEnd(reason) {
  const ending = ENDINGS[reason] ?? ENDINGS.lost;
  const heading = $('left-heading');
  heading.dataset.i18n = ending.heading;
  heading.textContent = t(ending.heading);
  const text = $('left-text');
  text.dataset.i18n = ending.text;
  text.textContent = t(ending.text);
  $('rejoin').hidden = !ending.rejoin;
  showView('left');
  heading.focus();
}

async function rejoin() {
  showError('');
  state.phase = 'join';
  showView('join');
  await startPreview();
  await join();
}

// ---- controls --------------------------------------------------------------

function tracksOf(kind) {
  return (kind === 'audio' ? state.localStream?.getAudioTracks() : state.localStream?.getVideoTracks()) ?? [];
}

/** Switches our microphone or camera on or off and tells the others. */
function setMedia(kind, on) {
  const tracks = tracksOf(kind);
  if (!tracks.length) return;
  state.media = { ...state.media, [kind]: on };
  // A disabled track keeps its sender: unmuting needs no renegotiation.
  for (const track of tracks) track.enabled = on;
  if (!sendNow(message.mediaState(state.media))) state.mediaUnsent = true;
  syncToggles();
  if (state.me !== null && state.phase === 'call') {
    tiles.upsert({ id: state.me, name: state.name, media: state.media }, { self: true });
  }
}

function toggle(kind) {
  setMedia(kind, !state.media[kind]);
  // The user acted: a host's earlier notice is no longer news.
  if (state.media[kind]) notify(null);
}

function syncToggles() {
  for (const [id, kind] of [['mic-toggle', 'audio'], ['camera-toggle', 'video']]) {
    const button = $(id);
    button.setAttribute('aria-pressed', String(!state.media[kind]));
    button.disabled = tracksOf(kind).length === 0;
  }
}

// ---- host actions ----------------------------------------------------------

async function hostAction(id, action, opener) {
  const name = tiles.nameOf(id);
  switch (action) {
    case 'mute_audio':
      state.socket?.send(message.mute(id, 'audio'));
      return announce(t('host.muted_done', { name }));
    case 'mute_video':
      state.socket?.send(message.mute(id, 'video'));
      return announce(t('host.camera_stopped_done', { name }));
    case 'send_to_waiting_room':
      state.socket?.send(message.sendToWaitingRoom(id));
      return announce(t('host.sent_back_done', { name }));
    case 'remove': {
      const ok = await confirmAction({
        title: t('host.remove_title', { name }),
        text: t('host.remove_text', { name }),
        confirm: t('host.remove_confirm'),
        returnFocus: opener,
      });
      if (!ok) return undefined;
      state.socket?.send(message.remove(id));
      return announce(t('host.removed_done', { name }));
    }
    default:
      return undefined;
  }
}

async function endMeeting(opener) {
  const ok = await confirmAction({
    title: t('host.end_title'),
    text: t('host.end_text'),
    confirm: t('host.end_confirm'),
    returnFocus: opener,
  });
  if (!ok || !state.socket) return;
  state.ending = true;
  state.socket.send(message.endMeeting());
}

// ---- wiring ----------------------------------------------------------------

initI18n();
try { $('name').value = localStorage.getItem(NAME_KEY) ?? ''; } catch { /* see join() */ }

$('join-form').addEventListener('submit', (event) => {
  event.preventDefault();
  levelMeter.resume();
  join();
});
$('pin').addEventListener('input', () => {
  // Digits only: anything else is dropped as it is typed or pasted.
  const digits = $('pin').value.replace(/[^0-9]/g, '');
  if (digits !== $('pin').value) $('pin').value = digits;
});
$('camera-select').addEventListener('change', startPreview);
$('microphone-select').addEventListener('change', startPreview);
$('speaker-select').addEventListener('change', (event) => tiles.setSpeaker(event.target.value));
$('mic-toggle').addEventListener('click', () => toggle('audio'));
$('camera-toggle').addEventListener('click', () => toggle('video'));
$('leave').addEventListener('click', leave);
$('waiting-leave').addEventListener('click', leave);
$('rejoin').addEventListener('click', rejoin);
// The level meter's audio context may only run after a user gesture.
document.addEventListener('pointerdown', () => levelMeter.resume(), { once: true });
document.addEventListener('keydown', () => levelMeter.resume(), { once: true });
navigator.mediaDevices?.addEventListener('devicechange', refreshDeviceLists);
// Closing the tab says goodbye, so the others' tiles go at once.
addEventListener('pagehide', () => { if (state.socket) state.socket.send(message.leave()); });

if (linkKey) {
  showView('join');
  startPreview();
} else {
  // Without its key the link cannot work: say so instead of a join form.
  state.phase = 'ended';
  showEnd('link_incomplete');
}
