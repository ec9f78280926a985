// Headless Firefox ESR for the tests: a second browser engine, driven by
// puppeteer-core over WebDriver BiDi (playwright-core cannot drive stock
// Firefox). See ../shared/TESTING.md, "Firefox".
//
// Owns: launching Firefox with fake devices in a fresh profile, and what a
// person does on the meeting page in it. puppeteer has no getByRole, so
// elements are found by their accessible name with puppeteer's ARIA
// selector (`::-p-aria(...)`), which asks the browser's accessibility tree
// as a screen reader would. Reading getStats() works as in Chromium: the
// helpers of meeting.js that only call page.evaluate() take these pages too.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import puppeteer from 'puppeteer-core';

export const FIREFOX_PATH = process.env.FIREFOX ?? '/usr/bin/firefox-esr';

const PREFS = {
  // A test pattern as camera, a tone as microphone, no permission prompt.
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  // Gather 127.0.0.1 as a host candidate: the media server listens on
  // loopback, and Firefox pairs a loopback remote candidate only with a
  // loopback local one (Chromium's --allow-loopback-in-peer-connection, see
  // browser.js).
  'media.peerconnection.ice.loopback': true,
  // Camera and microphone allowed for every site (1 = allow). Without a
  // stored permission Firefox gathers candidates only on the interface of
  // the default route ("default address only"), never on lo, even while the
  // page captures the fake devices; ICE then fails.
  'permissions.default.camera': 1,
  'permissions.default.microphone': 1,
};

/**
 * Launches Firefox ESR in a fresh profile folder; close() quits it and
 * removes the folder. Firefox starts slowly on two cores: the timeout is
 * generous, and nothing measures it.
 */
export async function launchFirefox() {
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'civicmeet-firefox-'));
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_PATH,
    headless: true,
    userDataDir,
    extraPrefsFirefox: PREFS,
    timeout: 120_000,
    protocolTimeout: 120_000,
  });
  return {
    browser,
    async close() {
      await browser.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A new page with the same bookkeeping as browser.js's openPage: page
 * errors, console errors and every request URL, for assertCleanPage().
 */
export async function openFirefoxPage(browser) {
  const page = await browser.newPage();
  // Generous, never measured: on two busy cores a second Firefox page has
  // taken more than 30 s to answer its first navigation or locator.
  page.setDefaultTimeout(90_000);
  page.setDefaultNavigationTimeout(90_000);
  await page.setViewport({ width: 1024, height: 768 });
  page.problems = [];
  page.requests = [];
  page.on('pageerror', (err) => page.problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => { if (msg.type() === 'error') page.problems.push(`console: ${msg.text()}`); });
  page.on('request', (req) => page.requests.push(req.url()));
  return page;
}

/** An element by role and accessible name (exact), as getByRole would find it. */
export function byRole(page, role, name) {
  return page.locator(`::-p-aria([name=${JSON.stringify(name)}][role="${role}"])`);
}

/** Clicks "New meeting" on the start page; resolves with the host link. */
export async function ffNewMeeting(page, baseUrl) {
  await page.goto(baseUrl);
  await byRole(page, 'button', 'New meeting').click();
  const href = await page.waitForFunction(
    () => (/\/m\/[^/#]+#.+$/.test(location.href) ? location.href : null),
    { timeout: 90_000 },
  );
  // The page's own location: under BiDi, puppeteer's page.url() has been
  // seen to still name the start page after the redirect to the meeting.
  return href.jsonValue();
}

/** Opens a meeting link, types a name, waits for the device check, clicks Join. */
export async function ffJoin(page, meetingUrl, name) {
  await page.goto(meetingUrl);
  await byRole(page, 'textbox', 'Your name').fill(name);
  // The camera list fills once getUserMedia has answered: join with devices.
  await page.waitForSelector('#camera-select option', { timeout: 60_000 });
  await byRole(page, 'button', 'Join').click();
}

/** Waits until the page shows the waiting room and its message. */
export async function ffWaitingView(page) {
  await byRole(page, 'heading', 'Waiting room').wait();
  await page.waitForFunction(
    () => document.querySelector('[role="status"]')?.textContent.includes('a host will let you in'),
    { timeout: 90_000 },
  );
}

/** Our participant id, once we are in the meeting (our tile is there). */
export async function ffOwnId(page) {
  const self = await page.waitForSelector('#tiles .tile.self', { timeout: 60_000 });
  return self.evaluate((el) => el.dataset.participantId);
}

/** The host creates a guest invitation with "Invite guest"; resolves with the link. */
export async function ffInviteGuest(page) {
  await byRole(page, 'button', 'Invite guest').click();
  const field = await page.waitForFunction(() => {
    const input = document.getElementById('invite-link');
    return input?.value ? input : null;
  }, { timeout: 90_000 });
  return field.evaluate((input) => input.value);
}

/** The host admits `name` from the waiting list. */
export async function ffAdmit(page, name) {
  await byRole(page, 'button', `Admit: ${name}`).setTimeout(60_000).click();
}
