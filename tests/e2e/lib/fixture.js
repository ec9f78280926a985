// The per-file set-up every browser test shares: one civicmeet server and
// one Chromium for the file, stopped at the end (a server panic fails it).

import { before, after } from 'node:test';
import { startServer } from './server.js';
import { launchBrowser } from './browser.js';
import { createNetns } from './netns.js';

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

/**
 * For network-fault tests: a namespace of the test's own (lib/netns.js)
 * impaired by `impair(ns)`, the server on its root side, `browser` in the
 * root namespace (a clean link) and `impairedBrowser` inside. Everything is
 * torn down afterwards, each step even when an earlier one failed.
 */
export function serverBehindImpairedLink(impair, serverOptions = {}) {
  const env = { ns: undefined, server: undefined, browser: undefined, impairedBrowser: undefined };
  before(async () => {
    env.ns = await createNetns();
    await impair(env.ns);
    env.server = await startServer({ ...serverOptions, host: env.ns.rootAddress });
    env.browser = await launchBrowser({ origin: env.server.url });
    env.impairedBrowser = await launchBrowser({ executablePath: env.ns.chromium, origin: env.server.url });
  });
  after(async () => {
    const errors = [];
    for (const step of [() => env.impairedBrowser?.close(), () => env.browser?.close(), () => env.ns?.destroy(), () => env.server?.stop()]) {
      try { await step(); } catch (error) { errors.push(error); }
    }
    if (errors.length) throw errors[0];
  });
  return env;
}
