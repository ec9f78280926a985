// Entry module of the meeting page (/m/{id}): join view, meeting view and
// left view, and the glue between socket, peer connection, devices and tiles.
//
// Test hook (kept tiny on purpose): `window.civicmeet.pc` is the current
// RTCPeerConnection (or null), so end-to-end tests can read getStats().
// Tiles carry `data-participant-id`. Nothing else is exposed.

import { initI18n, t } from './i18n.js';
import { connect, message } from './signalling.js';
import { Call } from './call.js';
import { openMedia, stopMedia, listDevices, fillSelect, canChooseSpeaker, LevelMeter } from './devices.js';
import { Tiles } from './tiles.js';

const $ = (id) => document.getElementById(id);
const NAME_KEY = 'civicmeet.name';
const MAX_NAME_CHARS = 64;

const meetingId = decodeURIComponent(location.pathname.split('/').filter(Boolean).pop() ?? '');
const tiles = new Tiles($('tiles'));
const levelMeter = new LevelMeter($('mic-level'));

const state = {
  localStream: null,
  socket: null,
  call: null,
  me: null, // our participant id, from `welcome`
  media: { audio: true, video: true }, // what we intend to send
  leaving: false,
  preview: Promise.resolve(), // the device check in progress
};

window.civicmeet = Object.freeze({ get pc() { return state.call?.pc ?? null; } });

// ---- views -----------------------------------------------------------------

function showView(name) {
  for (const view of ['join', 'call', 'left']) $(`${view}-view`).hidden = view !== name;
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

// ---- joining and the meeting -----------------------------------------------

function readName() {
  const name = $('name').value.trim();
  const valid = name.length > 0 && [...name].length <= MAX_NAME_CHARS;
  $('name').setAttribute('aria-invalid', String(!valid));
  return valid ? name : null;
}

async function join() {
  if (state.socket || $('join-button').disabled) return; // already joining (Enter twice)
  const name = readName();
  if (!name) {
    showError(t('error.invalid_name'));
    $('name').focus();
    return;
  }
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
  state.me = null;
  try {
    state.socket = await connect(meetingId, { onMessage: (msg) => handleMessage(msg, name), onClose: handleClose });
  } catch {
    setJoining(false);
    showError(t('error.unavailable'));
    return;
  }
  state.socket.send(message.join(name, state.media));
}

function setJoining(joining) {
  const button = $('join-button');
  button.disabled = joining;
  button.dataset.i18n = joining ? 'join.joining' : 'join.submit';
  button.textContent = t(button.dataset.i18n);
}

function handleMessage(msg, name) {
  switch (msg.type) {
    case 'welcome': return enterMeeting(msg, name);
    case 'answer': return state.call?.handleAnswer(msg.sdp);
    case 'offer': return state.call?.handleOffer(msg.sdp);
    case 'participant_joined':
      tiles.upsert(msg.participant);
      return announce(t('announce.joined', { name: msg.participant.name }));
    case 'participant_updated': return tiles.upsert(msg.participant);
    case 'participant_left': {
      const left = tiles.nameOf(msg.id);
      tiles.remove(msg.id);
      return announce(t('announce.left', { name: left }));
    }
    case 'error': return showError(errorText(msg.code, msg.message));
    default: console.warn('civicmeet: ignoring unknown server message', msg.type);
  }
}

function enterMeeting(welcome, name) {
  state.me = welcome.you;
  levelMeter.stop();
  setJoining(false);
  showView('call');
  tiles.clear();
  tiles.upsert({ id: welcome.you, name, media: state.media }, { self: true });
  tiles.attachStream(welcome.you, state.localStream);
  for (const participant of welcome.participants) {
    if (participant.id !== welcome.you) tiles.upsert(participant);
  }
  syncToggles();
  state.call = new Call(state.localStream, state.socket.send, {
    onTrack: (participantId, stream) => tiles.attachStream(participantId, stream),
    onFailed: () => showError(t('error.media_failed')),
  });
  state.call.start();
  $('mic-toggle').focus();
  announce(t('announce.you_joined'));
}

function handleClose() {
  if (state.leaving) return;
  const wasInMeeting = state.me !== null;
  teardown();
  setJoining(false);
  if (wasInMeeting) {
    // The server went away or ended our session: offer to join again.
    showLeft('left.lost_heading');
  } else {
    // Refused before `welcome` (its error message is showing): stay in the device check.
    startPreview();
  }
}

function leave() {
  state.leaving = true;
  state.socket?.send(message.leave());
  state.socket?.close();
  teardown();
  showError('');
  showLeft('left.heading');
}

function teardown() {
  state.call?.close();
  state.call = null;
  state.socket = null;
  state.me = null;
  stopMedia(state.localStream);
  state.localStream = null;
  levelMeter.stop();
  tiles.clear();
}

function showLeft(headingKey) {
  const heading = $('left-heading');
  heading.dataset.i18n = headingKey;
  heading.textContent = t(headingKey);
  showView('left');
  heading.focus();
}

async function rejoin() {
  showError('');
  showView('join');
  await startPreview();
  await join();
}

// ---- controls --------------------------------------------------------------

function toggle(kind) {
  const tracks = kind === 'audio' ? state.localStream?.getAudioTracks() : state.localStream?.getVideoTracks();
  if (!tracks?.length) return;
  state.media = { ...state.media, [kind]: !state.media[kind] };
  // A disabled track keeps its sender: unmuting needs no renegotiation.
  for (const track of tracks) track.enabled = state.media[kind];
  state.socket?.send(message.mediaState(state.media));
  syncToggles();
  if (state.me !== null) tiles.upsert({ id: state.me, name: tiles.nameOf(state.me), media: state.media }, { self: true });
}

function syncToggles() {
  const has = (kind) => (kind === 'audio' ? state.localStream?.getAudioTracks() : state.localStream?.getVideoTracks())?.length > 0;
  for (const [id, kind] of [['mic-toggle', 'audio'], ['camera-toggle', 'video']]) {
    const button = $(id);
    button.setAttribute('aria-pressed', String(!state.media[kind]));
    button.disabled = !has(kind);
  }
}

async function copyLink() {
  const url = location.origin + location.pathname;
  try {
    await navigator.clipboard.writeText(url);
    announce(t('call.link_copied'));
  } catch {
    announce(t('call.link_copy_failed', { url }));
  }
}

// ---- wiring ----------------------------------------------------------------

initI18n();
showView('join');
try { $('name').value = localStorage.getItem(NAME_KEY) ?? ''; } catch { /* see join() */ }

$('join-form').addEventListener('submit', (event) => {
  event.preventDefault();
  levelMeter.resume();
  join();
});
$('camera-select').addEventListener('change', startPreview);
$('microphone-select').addEventListener('change', startPreview);
$('speaker-select').addEventListener('change', (event) => tiles.setSpeaker(event.target.value));
$('mic-toggle').addEventListener('click', () => toggle('audio'));
$('camera-toggle').addEventListener('click', () => toggle('video'));
$('copy-link').addEventListener('click', copyLink);
$('leave').addEventListener('click', leave);
$('rejoin').addEventListener('click', rejoin);
// The level meter's audio context may only run after a user gesture.
document.addEventListener('pointerdown', () => levelMeter.resume(), { once: true });
document.addEventListener('keydown', () => levelMeter.resume(), { once: true });
navigator.mediaDevices?.addEventListener('devicechange', refreshDeviceLists);
// Closing the tab says goodbye, so the others' tiles go at once.
addEventListener('pagehide', () => { if (state.socket) state.socket.send(message.leave()); });

startPreview();
