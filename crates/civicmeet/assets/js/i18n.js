// Translations (German and English) and the language switch.
//
// Owns: which language the page shows, every user-visible string, and the
// `lang` attribute of <html>. Markup names its strings with data attributes
// (`data-i18n` for text, `data-i18n-aria-label`, `data-i18n-placeholder`);
// scripts call `t(key)` for text they build. It never touches the network.
//
// The language is the one remembered in localStorage, else the browser's
// first preferred language we have, else English.

const STORAGE_KEY = 'civicmeet.lang';

const STRINGS = {
  en: {
    'lang.switch': 'Deutsch',
    'lang.switch_label': 'Auf Deutsch wechseln',
    'home.title': 'civicmeet',
    'home.heading': 'Video meetings on your own server',
    'home.intro': 'Start a meeting and share its link. Everyone who opens the link can join with camera and microphone. No account is needed, and audio and video stay on this server.',
    'home.new_meeting': 'New meeting',
    'home.more': 'More',
    'home.book': 'Book a video appointment with an office',
    'home.staff': 'Staff: appointments and administration',
    'not_found.title': 'Meeting not found · civicmeet',
    'not_found.heading': 'Meeting not found',
    'not_found.text': 'This meeting link is not valid. Please check the link or start a new meeting.',
    'not_found.home': 'Go to the start page',
    'meeting.title': 'Meeting · civicmeet',
    'join.heading': 'Join the meeting',
    'join.intro': 'Check your camera and microphone, enter your name, then join.',
    'join.preview_label': 'Your camera preview',
    'join.camera_off': 'No camera',
    'join.level': 'Microphone level',
    'join.name': 'Your name',
    'join.camera': 'Camera',
    'join.microphone': 'Microphone',
    'join.speaker': 'Speaker',
    'join.submit': 'Join',
    'join.joining': 'Joining…',
    'join.no_devices': 'Camera and microphone are not available. You can still join and see and hear the others.',
    'join.device_default': 'Default',
    'join.device_unnamed': 'Device {n}',
    'call.heading': 'Meeting',
    'call.tiles': 'Participants',
    'call.controls': 'Meeting controls',
    'call.mute': 'Mute microphone',
    'call.camera_off': 'Turn camera off',
    'call.copy_link': 'Copy meeting link',
    'call.leave': 'Leave',
    'call.link_copied': 'Meeting link copied.',
    'call.link_copy_failed': 'Could not copy. The link is: {url}',
    'tile.you': '{name} (you)',
    'tile.muted': 'Microphone muted',
    'tile.camera_off': 'Camera off',
    'announce.joined': '{name} joined the meeting.',
    'announce.left': '{name} left the meeting.',
    'announce.you_joined': 'You joined the meeting.',
    'left.heading': 'You left the meeting',
    'left.text': 'You can join again with the same link.',
    'left.lost_heading': 'The connection was lost',
    'left.rejoin': 'Join again',
    'left.home': 'Start page',
    'error.bad_message': 'The server did not understand a message from this page.',
    'error.message_too_large': 'A message was too large for the server.',
    'error.unsupported_version': 'This page is out of date. Please reload it.',
    'error.meeting_not_found': 'This meeting does not exist.',
    'error.unexpected_message': 'The server received a message at the wrong time.',
    'error.invalid_name': 'Please enter a name of at most 64 characters.',
    'error.sdp_rejected': 'Audio and video could not be set up with this browser.',
    'error.unavailable': 'The server is busy. Please try again.',
    'error.unknown': 'Something went wrong: {message}',
    'error.media_failed': 'The media connection failed.',
  },
  de: {
    'lang.switch': 'English',
    'lang.switch_label': 'Switch to English',
    'home.title': 'civicmeet',
    'home.heading': 'Videokonferenzen auf dem eigenen Server',
    'home.intro': 'Starten Sie eine Besprechung und teilen Sie den Link. Alle, die den Link öffnen, können mit Kamera und Mikrofon teilnehmen. Ein Konto ist nicht nötig, Bild und Ton bleiben auf diesem Server.',
    'home.new_meeting': 'Neue Besprechung',
    'home.more': 'Weiteres',
    'home.book': 'Einen Video-Termin bei einem Amt buchen',
    'home.staff': 'Für Beschäftigte: Termine und Verwaltung',
    'not_found.title': 'Besprechung nicht gefunden · civicmeet',
    'not_found.heading': 'Besprechung nicht gefunden',
    'not_found.text': 'Dieser Besprechungslink ist ungültig. Bitte prüfen Sie den Link oder starten Sie eine neue Besprechung.',
    'not_found.home': 'Zur Startseite',
    'meeting.title': 'Besprechung · civicmeet',
    'join.heading': 'Der Besprechung beitreten',
    'join.intro': 'Prüfen Sie Kamera und Mikrofon, geben Sie Ihren Namen ein und treten Sie bei.',
    'join.preview_label': 'Vorschau Ihrer Kamera',
    'join.camera_off': 'Keine Kamera',
    'join.level': 'Mikrofonpegel',
    'join.name': 'Ihr Name',
    'join.camera': 'Kamera',
    'join.microphone': 'Mikrofon',
    'join.speaker': 'Lautsprecher',
    'join.submit': 'Beitreten',
    'join.joining': 'Beitritt läuft …',
    'join.no_devices': 'Kamera und Mikrofon sind nicht verfügbar. Sie können trotzdem beitreten und die anderen sehen und hören.',
    'join.device_default': 'Standard',
    'join.device_unnamed': 'Gerät {n}',
    'call.heading': 'Besprechung',
    'call.tiles': 'Teilnehmende',
    'call.controls': 'Steuerung der Besprechung',
    'call.mute': 'Mikrofon stummschalten',
    'call.camera_off': 'Kamera ausschalten',
    'call.copy_link': 'Besprechungslink kopieren',
    'call.leave': 'Verlassen',
    'call.link_copied': 'Besprechungslink kopiert.',
    'call.link_copy_failed': 'Kopieren nicht möglich. Der Link lautet: {url}',
    'tile.you': '{name} (Sie)',
    'tile.muted': 'Mikrofon stumm',
    'tile.camera_off': 'Kamera aus',
    'announce.joined': '{name} ist der Besprechung beigetreten.',
    'announce.left': '{name} hat die Besprechung verlassen.',
    'announce.you_joined': 'Sie sind der Besprechung beigetreten.',
    'left.heading': 'Sie haben die Besprechung verlassen',
    'left.text': 'Mit demselben Link können Sie wieder beitreten.',
    'left.lost_heading': 'Die Verbindung wurde unterbrochen',
    'left.rejoin': 'Wieder beitreten',
    'left.home': 'Startseite',
    'error.bad_message': 'Der Server hat eine Nachricht dieser Seite nicht verstanden.',
    'error.message_too_large': 'Eine Nachricht war zu groß für den Server.',
    'error.unsupported_version': 'Diese Seite ist veraltet. Bitte laden Sie sie neu.',
    'error.meeting_not_found': 'Diese Besprechung gibt es nicht.',
    'error.unexpected_message': 'Der Server hat eine Nachricht zur falschen Zeit erhalten.',
    'error.invalid_name': 'Bitte geben Sie einen Namen mit höchstens 64 Zeichen ein.',
    'error.sdp_rejected': 'Bild und Ton konnten mit diesem Browser nicht eingerichtet werden.',
    'error.unavailable': 'Der Server ist ausgelastet. Bitte versuchen Sie es erneut.',
    'error.unknown': 'Etwas ist schiefgegangen: {message}',
    'error.media_failed': 'Die Medienverbindung ist fehlgeschlagen.',
  },
};

const LANGUAGES = Object.keys(STRINGS);
const listeners = new Set();
let current = chooseLanguage();

function chooseLanguage() {
  const stored = readStored();
  if (LANGUAGES.includes(stored)) return stored;
  for (const tag of navigator.languages ?? [navigator.language]) {
    const base = String(tag).toLowerCase().split('-')[0];
    if (LANGUAGES.includes(base)) return base;
  }
  return 'en';
}

// localStorage throws in some privacy modes; the switch then lasts one page.
function readStored() {
  try { return localStorage.getItem(STORAGE_KEY); } catch { return null; }
}

function writeStored(lang) {
  try { localStorage.setItem(STORAGE_KEY, lang); } catch { /* see readStored */ }
}

/** The active language code, "en" or "de". */
export function language() {
  return current;
}

/** The text for `key` in the active language, with `{name}` placeholders filled. */
export function t(key, params = {}) {
  const text = STRINGS[current][key] ?? STRINGS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ''));
}

/** Fills every element under `root` that names a string with data-i18n*. */
export function translate(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-aria-label]')) el.setAttribute('aria-label', t(el.dataset.i18nAriaLabel));
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.setAttribute('placeholder', t(el.dataset.i18nPlaceholder));
}

/** Switches language, remembers it, re-translates the page and tells listeners. */
export function setLanguage(lang) {
  if (!LANGUAGES.includes(lang)) return;
  current = lang;
  writeStored(lang);
  apply();
  for (const listener of listeners) listener(lang);
}

/** Calls `listener(lang)` after every switch, for text that scripts build. */
export function onLanguageChange(listener) {
  listeners.add(listener);
}

function apply() {
  document.documentElement.lang = current;
  translate(document);
}

/**
 * Translates the page and wires every `[data-lang-switch]` button to toggle
 * between the two languages. Each page's entry module calls this once.
 */
export function initI18n() {
  apply();
  for (const button of document.querySelectorAll('[data-lang-switch]')) {
    // Hidden in the markup: without JavaScript the switch could not work.
    button.hidden = false;
    // The button's text is in the language it switches to.
    const syncLang = () => button.lang = current === 'de' ? 'en' : 'de';
    syncLang();
    onLanguageChange(syncLang);
    button.addEventListener('click', () => setLanguage(current === 'de' ? 'en' : 'de'));
  }
}
