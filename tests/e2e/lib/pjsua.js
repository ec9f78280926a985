// A plain desk phone for the tests: PJSIP's pjsua2 (PyPI `pjsua2-python`,
// installed into the test venv by `cargo xtask test`), driven by
// lib/pjsua_phone.py. A second SIP stack nobody here wrote, next to
// baresip: G.711 only (the test picks the codecs), no video. It sends a
// tone, records what it hears to WAV, and reports its call as JSON lines.
//
// It owns the processes it starts: stop() ends one, an exit hook kills any
// left, and the driver ends by itself after `maxSeconds` or when its stdin
// closes. It only binds and talks to 127.0.0.1.

import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readWav, audioLevel } from './baresip.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');
/** The test venv's python (xtask passes it; by hand, the default venv of this repo). */
export const PYTHON = process.env.CIVICMEET_TEST_PYTHON ?? path.join(repoRoot, 'target/test-venv/bin/python');
const DRIVER = path.join(here, 'pjsua_phone.py');

const running = new Set();
process.on('exit', () => {
  for (const phone of running) {
    try { phone.child.kill('SIGKILL'); } catch { /* already gone */ }
    rmSync(phone.dir, { recursive: true, force: true });
  }
});

/**
 * Starts a pjsua2 phone. `name` is its From display name, `user` its SIP
 * user part, `codecs` the PJSIP codec names it may use (e.g. ['PCMU',
 * 'PCMA']), `toneHz` the tone it sends (0: none). Resolves once PJSIP is
 * up and has said which codecs it enabled.
 */
export async function startPjsua({ name = 'Desk Phone', user = 'desk', codecs = ['PCMU', 'PCMA'], toneHz = 440, maxSeconds = 120 } = {}) {
  if (!/^[A-Za-z0-9 .'-]+$/.test(name) || !/^[a-z0-9]+$/.test(user) || codecs.some((c) => !/^[A-Za-z0-9]+$/.test(c))) {
    throw new Error(`unsafe name, user or codec: ${name}, ${user}, ${codecs}`);
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'civicmeet-pjsua-'));
  const recordPath = path.join(dir, 'heard.wav');
  const child = spawn(PYTHON, [
    DRIVER, '--name', name, '--user', user, '--codecs', codecs.join(','),
    '--tone-hz', String(toneHz), '--record', recordPath, '--max-seconds', String(maxSeconds),
  ], { stdio: ['pipe', 'pipe', 'pipe'] });
  const phone = { child, dir };
  running.add(phone);

  const events = [];
  let log = '';
  let partial = '';
  child.stdout.on('data', (chunk) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop();
    for (const line of lines) {
      try { events.push(JSON.parse(line)); } catch { log += `(driver said) ${line}\n`; }
    }
  });
  child.stderr.on('data', (chunk) => { log += chunk; });
  child.stdin.on('error', () => { /* the driver went away: exitInfo says so */ });
  let exitInfo = null;
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => { exitInfo = { code, signal }; resolve(exitInfo); }));
  child.once('error', (error) => { log += `\nspawn error (${PYTHON}): ${error.message}`; });

  /** For a failure message: the driver's events, then the end of PJSIP's log (SIP messages included). */
  const explain = () => [
    `pjsua2 events: ${JSON.stringify(events.map(describe))}`,
    `pjsua2 log (last 6000 characters):\n${log.slice(-6_000)}`,
  ].join('\n');
  /** The first event at index >= `from` that `match`es; rejects on `failOn`, exit or timeout. */
  const waitForEvent = async (match, { from = 0, timeoutMs = 20_000, what, failOn = () => false }) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (let i = from; i < events.length; i++) {
        if (match(events[i])) return events[i];
        if (failOn(events[i])) throw new Error(`pjsua2: no ${what}: ${describe(events[i])}\n${explain()}`);
      }
      if (exitInfo) throw new Error(`pjsua2 exited (${JSON.stringify(exitInfo)}) before ${what}\n${explain()}`);
      if (Date.now() > deadline) throw new Error(`pjsua2: no ${what} within ${timeoutMs} ms\n${explain()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const command = (body) => child.stdin.write(`${JSON.stringify(body)}\n`);

  let ready;
  try {
    ready = await waitForEvent((e) => e.event === 'ready', { timeoutMs: 10_000, what: 'start', failOn: (e) => e.event === 'error' });
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    running.delete(phone);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  let dialed = '';

  return {
    /** PJSIP's version and the codec ids it enabled, e.g. ["PCMU/8000/1", "PCMA/8000/1"]. */
    version: ready.version,
    codecs: ready.codecs,
    events,
    logs: () => log,
    explain,
    /** Places the call. */
    dial(uri) {
      dialed = uri;
      command({ command: 'dial', uri });
    },
    /** Resolves when the call is confirmed (200 OK and ACK); rejects if it ends first. */
    established({ timeoutMs = 20_000 } = {}) {
      return waitForEvent((e) => e.event === 'state' && e.state === 'CONFIRMED', {
        timeoutMs, what: `answer to its call to ${dialed}`,
        failOn: (e) => (e.event === 'state' && e.state === 'DISCONNECTED') || e.event === 'error',
      });
    },
    /** The SDP of the 200 OK to our INVITE, as the server sent it. */
    async answer({ timeoutMs = 5_000 } = {}) {
      return (await waitForEvent((e) => e.event === 'answer', { timeoutMs, what: 'SDP answer' })).sdp;
    },
    /** The audio stream PJSIP set up: {codec, clockRate, payloadType}. */
    media({ timeoutMs = 5_000 } = {}) {
      return waitForEvent((e) => e.event === 'media', { timeoutMs, what: 'active audio' });
    },
    /** Hangs up (BYE, or CANCEL while it rings). */
    hangup() {
      command({ command: 'hangup' });
    },
    /** Resolves when the driver has ended the call and finished its recording. */
    closed({ timeoutMs = 20_000 } = {}) {
      return waitForEvent((e) => e.event === 'closed', { timeoutMs, what: `end of its call to ${dialed}` });
    },
    /** What the phone heard, once closed: the WAV ({sampleRate, channels, samples}) and its audioLevel(). */
    async recording() {
      const wav = readWav(await readFile(recordPath));
      return { ...wav, level: audioLevel(wav) };
    },
    running: () => exitInfo === null,
    /** Ends the driver (stdin closed: it hangs up; SIGKILL after 5 s) and removes its folder. */
    async stop() {
      if (!exitInfo) {
        child.stdin.end();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      running.delete(phone);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A short text for an event in a failure message. */
function describe(event) {
  if (event.event === 'answer') return 'answer (SDP)';
  const { event: name, ...rest } = event;
  return `${name} ${JSON.stringify(rest)}`;
}
