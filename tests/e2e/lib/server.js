// Starts the real civicmeet binary for one test: free ports on loopback, a
// fresh data directory, and a stop() that kills it and removes the data.
//
// The binary is $CIVICMEET_BIN, else target/debug/civicmeet of this repo.

import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import net from 'node:net';
import dgram from 'node:dgram';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const binary = process.env.CIVICMEET_BIN ?? path.join(repoRoot, 'target/debug/civicmeet');

/** A TCP port that was free a moment ago. */
function freeTcpPort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** A UDP port that was free a moment ago. */
function freeUdpPort() {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

/**
 * Starts civicmeet (with extra environment `env`, e.g. CIVICMEET_OIDC_*)
 * and waits until GET /health answers "ok". stop() fails
 * if the server panicked at any point.
 * @returns {Promise<{url: string, httpPort: number, mediaPort: number, dataDir: string, logs: () => string, stop: () => Promise<void>}>}
 */
export async function startServer({ env = {} } = {}) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'civicmeet-e2e-'));
  const httpPort = await freeTcpPort();
  const mediaPort = await freeUdpPort();
  const url = `http://127.0.0.1:${httpPort}`;
  const child = spawn(binary, [
    '--http-listen', `127.0.0.1:${httpPort}`,
    '--media-listen', `127.0.0.1:${mediaPort}`,
    '--data-dir', dataDir,
  ], { stdio: ['ignore', 'pipe', 'pipe'], env: { RUST_LOG: 'info', ...process.env, ...env } });

  let output = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  child.stderr.on('data', (chunk) => { output += chunk; });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let exitInfo = null;
  exited.then((info) => { exitInfo = info; });

  const deadline = Date.now() + 20_000;
  for (;;) {
    if (exitInfo) throw new Error(`civicmeet exited early (${JSON.stringify(exitInfo)}):\n${output}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok && (await res.text()).trim() === 'ok') break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`civicmeet did not become healthy within 20 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    url,
    httpPort,
    mediaPort,
    /** The server's data folder (mails land in its mail/ as .eml files). */
    dataDir,
    logs: () => output,
    /** Whether the process is still running (it must survive bad input). */
    running: () => exitInfo === null,
    async stop() {
      if (!exitInfo) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dataDir, { recursive: true, force: true });
      // "A panic is a bug": nothing a test does may panic a server thread.
      if (/panicked/.test(output)) throw new Error(`civicmeet panicked during the test:\n${output}`);
    },
  };
}

/**
 * Creates a meeting through the JSON API; returns `{id, url, host_url,
 * guest_url}` (relative URLs with the key in the fragment; hearings also
 * `judge_url`). `options` is the JSON body: `{kind, host_pin, guest_pin}`.
 */
export async function createMeeting(baseUrl, options) {
  const init = { method: 'POST' };
  if (options) {
    init.headers = { 'content-type': 'application/json' };
    init.body = JSON.stringify(options);
  }
  const res = await fetch(`${baseUrl}/api/meetings`, init);
  if (res.status !== 201) throw new Error(`POST /api/meetings answered ${res.status}: ${await res.text()}`);
  return res.json();
}
