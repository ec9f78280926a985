// Starts the real civicmeet binary for one test: free ports on loopback, a
// fresh data directory, and a stop() that kills it and removes the data.
//
// The binary is $CIVICMEET_BIN, else target/debug/civicmeet of this repo.

import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import net from 'node:net';
import dgram from 'node:dgram';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const binary = process.env.CIVICMEET_BIN ?? path.join(repoRoot, 'target/debug/civicmeet');

/** A TCP port on `host` that was free a moment ago. */
function freeTcpPort(host) {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * A port on `host` free a moment ago for UDP and for TCP: SIP runs over
 * both on the same port number.
 */
async function freeSipPort(host) {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await freeUdpPort(host);
    const tcpFree = await new Promise((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, host, () => server.close(() => resolve(true)));
    });
    if (tcpFree) return port;
  }
  throw new Error(`no port free for both UDP and TCP on ${host}`);
}

/** A UDP port on `host` that was free a moment ago. */
function freeUdpPort(host) {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, host, () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

/**
 * Starts civicmeet (with extra environment `env`, e.g. CIVICMEET_OIDC_*)
 * and waits until GET /health answers "ok". stop() fails
 * if the server panicked at any point.
 *
 * `host` is the address both the web server and the media socket bind to
 * and announce: loopback, or the root side of a test's own namespace
 * (lib/netns.js). `mediaTcp` also opens a TCP media port (ICE-TCP) there.
 * `sip` turns the SIP gateway on (`CIVICMEET_SIP_LISTEN`) on a port free
 * for UDP and TCP alike; phones dial `sip:<dial_number>@<host>:<sipPort>`.
 * `sipTls` (with `sip`) also opens SIP over TLS on `sipTlsPort` with a
 * self-signed certificate made here for `host` (`sipCertFile`, the PEM a
 * phone may trust); phones dial `sip:<dial_number>@<host>:<sipTlsPort>;transport=tls`.
 * @returns {Promise<{url: string, httpPort: number, mediaPort: number, mediaTcpPort?: number, sipPort?: number, sipTlsPort?: number, sipCertFile?: string, dataDir: string, logs: () => string, stop: () => Promise<void>}>}
 */
export async function startServer({ env = {}, host = '127.0.0.1', mediaTcp = false, sip = false, sipTls = false } = {}) {
  // Only loopback, or the benchmark range lib/netns.js gives a test
  // namespace's veth: a test server is never reachable from another machine.
  if (!/^(127\.\d+|198\.1[89])\.\d+\.\d+$/.test(host)) {
    throw new Error(`refusing to serve on ${host}: only loopback or a test namespace's address (198.18.0.0/15)`);
  }
  const dataDir = await mkdtemp(path.join(tmpdir(), 'civicmeet-e2e-'));
  const httpPort = await freeTcpPort(host);
  const mediaPort = await freeUdpPort(host);
  const mediaTcpPort = mediaTcp ? await freeTcpPort(host) : undefined;
  // `media.tcp_port`: browsers that cannot send UDP connect here (ICE-TCP).
  if (mediaTcp) env = { CIVICMEET_MEDIA_TCP_PORT: String(mediaTcpPort), ...env };
  const sipPort = sip ? await freeSipPort(host) : undefined;
  if (sip) env = { CIVICMEET_SIP_LISTEN: `${host}:${sipPort}`, ...env };
  const sipTlsPort = sip && sipTls ? await freeTcpPort(host) : undefined;
  const sipCertFile = sipTlsPort ? path.join(dataDir, 'sip-cert.pem') : undefined;
  if (sipTlsPort) {
    const keyFile = path.join(dataDir, 'sip-key.pem');
    await makeCertificate(host, sipCertFile, keyFile);
    env = {
      CIVICMEET_SIP_TLS_LISTEN: `${host}:${sipTlsPort}`,
      CIVICMEET_SIP_CERT_FILE: sipCertFile,
      CIVICMEET_SIP_KEY_FILE: keyFile,
      ...env,
    };
  }
  const url = `http://${host}:${httpPort}`;
  const child = spawn(binary, [
    '--http-listen', `${host}:${httpPort}`,
    '--media-listen', `${host}:${mediaPort}`,
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
    mediaTcpPort,
    sipPort,
    sipTlsPort,
    sipCertFile,
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

/** A self-signed certificate for `host` (an IP address), valid a day, with its key (openssl). */
async function makeCertificate(host, certFile, keyFile) {
  await promisify(execFile)('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', '1',
    '-subj', `/CN=${host}`, '-addext', `subjectAltName=IP:${host}`,
  ]);
}
