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
    'home.intro': 'Start a meeting: you are its host. Inside it, “Invite guest” makes a link for each guest; guests wait until you let them in. No account is needed, and audio and video stay on this server.',
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
    'call.leave': 'Leave',
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
    'join.pin': 'PIN',
    'join.pin_hint': '4 to 10 digits, from your invitation',
    'join.notice_legend': 'Notice',
    'join.notice_text': 'Recording is forbidden (§128a ZPO). You must not record or pass on sound or pictures of this hearing, with this device or any other.',
    'join.notice_ack': 'I have read the notice and will not record.',
    'waiting.heading': 'Waiting room',
    'waiting.text': 'Please wait — a host will let you in.',
    'waiting.sent_back': 'A host moved you to the waiting room. Please wait — a host will let you in.',
    'waiting.note': 'Your camera and microphone stay ready. The meeting starts as soon as you are let in.',
    'waiting.leave': 'Leave',
    'call.muted_by_host': 'A host muted your microphone. You can switch it on again.',
    'call.camera_stopped_by_host': 'A host turned off your camera. You can switch it on again.',
    'call.reconnecting': 'The connection was interrupted. Reconnecting …',
    'announce.reconnected': 'Connected again.',
    'tile.judge': 'Judge',
    'tile.host': 'Host',
    'tile.verified': 'Verified by login',
    'quality.good': 'Connection: good',
    'quality.weak': 'Connection: weak',
    'quality.bad': 'Connection: bad',
    'announce.quality_bad': 'Bad connection: sound and picture of {name} may break up.',
    'call.share': 'Share screen',
    'call.screen_stopped_by_host': 'A host ended your screen sharing. You can share again.',
    'stage.caption': 'Screen of {name}',
    'stage.fullscreen': 'Full screen',
    'stage.stop': 'Stop sharing',
    'announce.share_started': '{name} is sharing their screen.',
    'announce.share_stopped': '{name} stopped sharing their screen.',
    'announce.you_share': 'You are sharing your screen.',
    'announce.you_stopped_sharing': 'You stopped sharing your screen.',
    'host.share_stopped_done': 'The screen sharing of {name} was ended.',
    'error.screen_share_busy': 'Someone else is sharing their screen. Only one person can share at a time.',
    'error.screen_unavailable': 'Your screen cannot be shared from this browser.',
    'host.heading': 'Host controls',
    'host.waiting_heading': 'Waiting room',
    'host.waiting_count': '({n})',
    'host.nobody_waiting': 'Nobody is waiting.',
    'host.arrived': '{name} is waiting in the waiting room.',
    'host.arrived_many': 'Waiting in the waiting room: {names}.',
    'host.admit': 'Admit',
    'host.reject': 'Reject',
    'dial_out.title': 'Call a room system',
    'dial_out.uri': 'SIP address',
    'dial_out.name': 'Name in the meeting (optional)',
    'dial_out.call': 'Call',
    'dial_out.calling': 'Calling {uri} …',
    'dial_out.ringing': '{uri} is ringing.',
    'dial_out.answered': '{uri} answered and joins the meeting.',
    'dial_out.ended': 'The call to {uri} has ended.',
    'dial_out.failed.invalid_address': 'That is not a SIP address we can call. Write it as sip:name@host.',
    'dial_out.failed.not_allowed': 'Calls to {uri} are not allowed on this server.',
    'dial_out.failed.too_many': 'Too many calls are being placed from this meeting. Wait until one is answered.',
    'dial_out.failed.unknown_host': 'The host in {uri} is not known.',
    'dial_out.failed.busy': '{uri} is busy.',
    'dial_out.failed.declined': '{uri} declined the call.',
    'dial_out.failed.not_found': '{uri} does not exist there.',
    'dial_out.failed.unauthorized': '{uri} asks for a password, which this server does not send.',
    'dial_out.failed.no_answer': 'Nobody answered at {uri}.',
    'dial_out.failed.unreachable': '{uri} cannot be reached.',
    'dial_out.failed.failed': 'The call to {uri} failed.',
    'dial_out.failed.unavailable': 'Calling room systems is not possible right now.',
    'host.invite': 'Invite guest',
    'host.invite_link': 'Invitation link for a guest',
    'host.invite_copy': 'Copy link',
    'host.invite_created': 'Invitation link created. It is shown below the button.',
    'host.invite_created_copied': 'Invitation link created and copied.',
    'host.invite_copied': 'Invitation link copied.',
    'host.invite_copy_failed': 'Could not copy. Select the link in the field and copy it.',
    'host.lock': 'Lock meeting',
    'host.locked': 'Locked: everyone new but hosts waits to be let in, whatever their link.',
    'host.unlocked': 'Open: hosts come straight in, guests wait to be let in.',
    'host.end': 'End meeting for everyone',
    'host.end_title': 'End the meeting for everyone?',
    'host.end_text': 'Everyone leaves the meeting, also those in the waiting room.',
    'host.end_confirm': 'End meeting',
    'host.actions': 'Actions',
    'host.mute_audio': 'Mute',
    'host.mute_video': 'Stop camera',
    'host.send_back': 'Send to waiting room',
    'host.remove': 'Remove',
    'host.muted_done': '{name} was muted.',
    'host.camera_stopped_done': 'The camera of {name} was stopped.',
    'host.sent_back_done': '{name} was sent to the waiting room.',
    'host.remove_title': 'Remove {name}?',
    'host.remove_text': '{name} leaves the meeting and cannot come back with the same link.',
    'host.remove_confirm': 'Remove',
    'host.removed_done': '{name} was removed.',
    'dialog.cancel': 'Cancel',
    'announce.locked': 'The meeting is locked.',
    'announce.unlocked': 'The meeting is unlocked.',
    'end.incomplete_heading': 'This link is incomplete',
    'end.incomplete_text': 'This link is incomplete — ask for the full invitation link.',
    'end.link_invalid_heading': 'This link does not work',
    'end.link_invalid_text': 'The link is not valid, or no longer. Ask the person who invited you for a new link.',
    'end.pin_blocked_heading': 'Too many wrong PINs',
    'end.pin_blocked_text': 'This link is blocked for a while. Please try again later.',
    'end.rejected_heading': 'You were not let in',
    'end.rejected_text': 'A host did not let you into the meeting.',
    'end.removed_heading': 'You were removed from the meeting',
    'end.removed_text': 'A host removed you. This link no longer works.',
    'end.ended_heading': 'The meeting has ended',
    'end.ended_text': 'The meeting was ended for everyone.',
    'end.consultation_heading': 'The consultation is over',
    'end.consultation_text': 'The other side left or ended the consultation.',
    'error.pin_required': 'This meeting needs a PIN. Please enter it.',
    'error.pin_wrong': 'The PIN is wrong. Please try again.',
    'error.pin_format': 'Please enter the PIN: 4 to 10 digits.',
    'error.notice_required': 'Please read the notice and confirm it to continue.',
    'error.notice_unticked': 'Please confirm the notice to continue.',
    'error.not_allowed': 'Only hosts may do that.',
    'error.unknown_participant': 'That person is no longer here.',
  },
  de: {
    'lang.switch': 'English',
    'lang.switch_label': 'Switch to English',
    'home.title': 'civicmeet',
    'home.heading': 'Videokonferenzen auf dem eigenen Server',
    'home.intro': 'Starten Sie eine Besprechung: Sie leiten sie. Darin erstellt „Gast einladen“ einen Link für jeden Gast; Gäste warten, bis Sie sie einlassen. Ein Konto ist nicht nötig, Bild und Ton bleiben auf diesem Server.',
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
    'call.leave': 'Verlassen',
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
    'join.pin': 'PIN',
    'join.pin_hint': '4 bis 10 Ziffern, aus Ihrer Einladung',
    'join.notice_legend': 'Hinweis',
    'join.notice_text': 'Aufzeichnen ist verboten (§ 128a ZPO). Sie dürfen Bild und Ton dieser Verhandlung weder aufnehmen noch weitergeben, auch nicht mit einem anderen Gerät.',
    'join.notice_ack': 'Ich habe den Hinweis gelesen und zeichne nicht auf.',
    'waiting.heading': 'Warteraum',
    'waiting.text': 'Bitte warten Sie — Sie werden gleich eingelassen.',
    'waiting.sent_back': 'Sie wurden in den Warteraum verschoben. Bitte warten Sie — Sie werden gleich eingelassen.',
    'waiting.note': 'Kamera und Mikrofon bleiben bereit. Die Besprechung beginnt, sobald Sie eingelassen werden.',
    'waiting.leave': 'Verlassen',
    'call.muted_by_host': 'Ihr Mikrofon wurde von der Leitung stummgeschaltet. Sie können es wieder einschalten.',
    'call.camera_stopped_by_host': 'Ihre Kamera wurde von der Leitung ausgeschaltet. Sie können sie wieder einschalten.',
    'call.reconnecting': 'Die Verbindung wurde unterbrochen. Sie wird wiederhergestellt …',
    'announce.reconnected': 'Wieder verbunden.',
    'tile.judge': 'Richter/in',
    'tile.host': 'Leitung',
    'tile.verified': 'Per Anmeldung bestätigt',
    'quality.good': 'Verbindung: gut',
    'quality.weak': 'Verbindung: schwach',
    'quality.bad': 'Verbindung: schlecht',
    'announce.quality_bad': 'Schlechte Verbindung: Ton und Bild von {name} können aussetzen.',
    'call.share': 'Bildschirm teilen',
    'call.screen_stopped_by_host': 'Die Leitung hat Ihre Bildschirmfreigabe beendet. Sie können wieder teilen.',
    'stage.caption': 'Bildschirm von {name}',
    'stage.fullscreen': 'Vollbild',
    'stage.stop': 'Freigabe beenden',
    'announce.share_started': '{name} teilt den Bildschirm.',
    'announce.share_stopped': '{name} teilt den Bildschirm nicht mehr.',
    'announce.you_share': 'Sie teilen Ihren Bildschirm.',
    'announce.you_stopped_sharing': 'Sie teilen Ihren Bildschirm nicht mehr.',
    'host.share_stopped_done': 'Die Bildschirmfreigabe von {name} wurde beendet.',
    'error.screen_share_busy': 'Jemand anderes teilt gerade den Bildschirm. Es kann immer nur eine Person teilen.',
    'error.screen_unavailable': 'Ihr Bildschirm kann in diesem Browser nicht geteilt werden.',
    'host.heading': 'Steuerung für die Leitung',
    'host.waiting_heading': 'Warteraum',
    'host.waiting_count': '({n})',
    'host.nobody_waiting': 'Niemand wartet.',
    'host.arrived': '{name} wartet im Warteraum.',
    'host.arrived_many': 'Im Warteraum warten: {names}.',
    'host.admit': 'Einlassen',
    'host.reject': 'Abweisen',
    'dial_out.title': 'Raumsystem anrufen',
    'dial_out.uri': 'SIP-Adresse',
    'dial_out.name': 'Name in der Besprechung (optional)',
    'dial_out.call': 'Anrufen',
    'dial_out.calling': '{uri} wird angerufen …',
    'dial_out.ringing': 'Bei {uri} klingelt es.',
    'dial_out.answered': '{uri} hat angenommen und kommt in die Besprechung.',
    'dial_out.ended': 'Der Anruf bei {uri} ist beendet.',
    'dial_out.failed.invalid_address': 'Das ist keine SIP-Adresse, die wir anrufen können. Schreiben Sie sie als sip:name@host.',
    'dial_out.failed.not_allowed': 'Anrufe bei {uri} sind auf diesem Server nicht erlaubt.',
    'dial_out.failed.too_many': 'Aus dieser Besprechung laufen zu viele Anrufe. Warten Sie, bis einer angenommen ist.',
    'dial_out.failed.unknown_host': 'Der Host in {uri} ist unbekannt.',
    'dial_out.failed.busy': '{uri} ist besetzt.',
    'dial_out.failed.declined': '{uri} hat den Anruf abgelehnt.',
    'dial_out.failed.not_found': '{uri} gibt es dort nicht.',
    'dial_out.failed.unauthorized': '{uri} verlangt ein Passwort, das dieser Server nicht sendet.',
    'dial_out.failed.no_answer': 'Bei {uri} hat niemand angenommen.',
    'dial_out.failed.unreachable': '{uri} ist nicht erreichbar.',
    'dial_out.failed.failed': 'Der Anruf bei {uri} ist fehlgeschlagen.',
    'dial_out.failed.unavailable': 'Raumsysteme können gerade nicht angerufen werden.',
    'host.invite': 'Gast einladen',
    'host.invite_link': 'Einladungslink für einen Gast',
    'host.invite_copy': 'Link kopieren',
    'host.invite_created': 'Einladungslink erstellt. Er steht unter der Schaltfläche.',
    'host.invite_created_copied': 'Einladungslink erstellt und kopiert.',
    'host.invite_copied': 'Einladungslink kopiert.',
    'host.invite_copy_failed': 'Kopieren nicht möglich. Markieren Sie den Link im Feld und kopieren Sie ihn.',
    'host.lock': 'Besprechung sperren',
    'host.locked': 'Gesperrt: Alle Neuen außer der Leitung warten auf Einlass, egal mit welchem Link.',
    'host.unlocked': 'Offen: Die Leitung kommt direkt hinein, Gäste warten auf Einlass.',
    'host.end': 'Besprechung für alle beenden',
    'host.end_title': 'Besprechung für alle beenden?',
    'host.end_text': 'Alle verlassen die Besprechung, auch wer im Warteraum ist.',
    'host.end_confirm': 'Besprechung beenden',
    'host.actions': 'Aktionen',
    'host.mute_audio': 'Stummschalten',
    'host.mute_video': 'Kamera ausschalten',
    'host.send_back': 'In den Warteraum',
    'host.remove': 'Entfernen',
    'host.muted_done': '{name} wurde stummgeschaltet.',
    'host.camera_stopped_done': 'Die Kamera von {name} wurde ausgeschaltet.',
    'host.sent_back_done': '{name} wurde in den Warteraum geschickt.',
    'host.remove_title': '{name} entfernen?',
    'host.remove_text': '{name} verlässt die Besprechung und kann mit demselben Link nicht zurückkommen.',
    'host.remove_confirm': 'Entfernen',
    'host.removed_done': '{name} wurde entfernt.',
    'dialog.cancel': 'Abbrechen',
    'announce.locked': 'Die Besprechung ist gesperrt.',
    'announce.unlocked': 'Die Besprechung ist nicht mehr gesperrt.',
    'end.incomplete_heading': 'Dieser Link ist unvollständig',
    'end.incomplete_text': 'Dieser Link ist unvollständig — bitten Sie um den vollständigen Einladungslink.',
    'end.link_invalid_heading': 'Dieser Link funktioniert nicht',
    'end.link_invalid_text': 'Der Link ist ungültig oder nicht mehr gültig. Bitten Sie die Person, die Sie eingeladen hat, um einen neuen Link.',
    'end.pin_blocked_heading': 'Zu viele falsche PINs',
    'end.pin_blocked_text': 'Dieser Link ist vorübergehend gesperrt. Bitte versuchen Sie es später noch einmal.',
    'end.rejected_heading': 'Sie wurden nicht eingelassen',
    'end.rejected_text': 'Die Leitung hat Sie nicht in die Besprechung eingelassen.',
    'end.removed_heading': 'Sie wurden aus der Besprechung entfernt',
    'end.removed_text': 'Die Leitung hat Sie entfernt. Dieser Link funktioniert nicht mehr.',
    'end.ended_heading': 'Die Besprechung ist beendet',
    'end.ended_text': 'Die Besprechung wurde für alle beendet.',
    'end.consultation_heading': 'Die Beratung ist beendet',
    'end.consultation_text': 'Die andere Seite hat die Beratung verlassen oder beendet.',
    'error.pin_required': 'Für diese Besprechung ist eine PIN nötig. Bitte geben Sie sie ein.',
    'error.pin_wrong': 'Die PIN ist falsch. Bitte versuchen Sie es noch einmal.',
    'error.pin_format': 'Bitte geben Sie die PIN ein: 4 bis 10 Ziffern.',
    'error.notice_required': 'Bitte lesen und bestätigen Sie den Hinweis, um fortzufahren.',
    'error.notice_unticked': 'Bitte bestätigen Sie den Hinweis, um fortzufahren.',
    'error.not_allowed': 'Das darf nur die Leitung.',
    'error.unknown_participant': 'Diese Person ist nicht mehr da.',
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
