// Headless Chromium for the tests, driven by playwright-core.
//
// One browser per test file; every page gets its own browser context
// (separate storage, permissions and media devices), like a separate person.

import { chromium } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  // This machine: no sandbox as root, no GPU, no network but loopback.
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // A moving test pattern as camera, a beep as microphone, no permission
  // prompt. The two also make getDisplayMedia work headless: the fake UI
  // picks a screen at once, and the fake device makes that screen a test
  // pattern (1280x720, label "screen:-3:0"). Tried here: without the fake
  // UI getDisplayMedia never settles (no picker to click), with it but
  // without fake devices it fails ("Could not start video source": there
  // is no display); --auto-select-desktop-capture-source and
  // --auto-accept-this-tab-capture are not needed.
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  // Gather 127.0.0.1 as a host candidate too: the media server listens on
  // loopback, and a machine may have no other interface to send from.
  '--allow-loopback-in-peer-connection',
];

/**
 * `executablePath` may be a wrapper (lib/netns.js runs Chromium inside a
 * test namespace). `origin` is a server origin that is not loopback (a test
 * namespace's address): Chromium gives camera and microphone
 * only to secure origins, and plain http counts as one only on loopback.
 */
export function launchBrowser({ executablePath = CHROMIUM_PATH, origin } = {}) {
  const args = origin ? [...CHROMIUM_ARGS, `--unsafely-treat-insecure-origin-as-secure=${origin}`] : CHROMIUM_ARGS;
  return chromium.launch({ executablePath, headless: true, args });
}

/**
 * Opens a page in a fresh context. Collects page errors and console errors
 * (a CSP violation shows up there) and every request URL, so tests can
 * assert that nothing failed and nothing left the origin.
 */
export async function openPage(browser, { locale = 'en-US', initScript } = {}) {
  const context = await browser.newContext({ locale, viewport: { width: 1024, height: 768 } });
  await context.grantPermissions(['camera', 'microphone']);
  if (initScript) await context.addInitScript(initScript);
  const page = await context.newPage();
  page.problems = [];
  page.requests = [];
  page.on('pageerror', (err) => page.problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => { if (msg.type() === 'error') page.problems.push(`console: ${msg.text()}`); });
  page.on('request', (req) => page.requests.push(req.url()));
  return page;
}

// For page.addInitScript: runs in the page before its scripts: every video transceiver the page
// adds prefers only H.264 (and its retransmission codec).
export function offerOnlyH264() {
  const addTransceiver = RTCPeerConnection.prototype.addTransceiver;
  RTCPeerConnection.prototype.addTransceiver = function (trackOrKind, init) {
    const transceiver = addTransceiver.call(this, trackOrKind, init);
    const kind = typeof trackOrKind === 'string' ? trackOrKind : trackOrKind.kind;
    if (kind === 'video') {
      const only = (caps) => caps.codecs.filter((c) => /^video\/(h264|rtx)$/i.test(c.mimeType));
      try {
        transceiver.setCodecPreferences(only(RTCRtpSender.getCapabilities('video')));
      } catch {
        // Older Chromium checks preferences against receive capabilities.
        transceiver.setCodecPreferences(only(RTCRtpReceiver.getCapabilities('video')));
      }
    }
    return transceiver;
  };
}
