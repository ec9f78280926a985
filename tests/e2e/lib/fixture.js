// The per-file set-up every browser test shares: one civicmeet server and
// one Chromium for the file, stopped at the end (a server panic fails it).

import { before, after } from 'node:test';
import { startServer } from './server.js';
import { launchBrowser } from './browser.js';

/** Registers before/after hooks; the returned object's fields fill in before the tests run. */
export function serverAndBrowser() {
  const env = { server: undefined, browser: undefined };
  before(async () => {
    env.server = await startServer();
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.stop();
  });
  return env;
}
