// A SIP phone for the tests: a headless baresip (Debian's baresip-core)
// with a config folder of its own in a temp dir. It sends a 440 Hz tone
// (ausine) as its microphone, records what it hears to WAV (sndfile: the
// decoded audio, before any player), answers calls by itself, and is driven
// over its ctrl_tcp socket (dial, hang up; call events come back there).
// Only the codec modules a test asks for are loaded, which forces the codec.
//
// It owns the baresip processes it starts: stop() kills one, an exit hook
// kills any left, and baresip's own `-t` quits it after `maxSeconds` even
// if this node process dies without running hooks. It only ever binds and
// talks to 127.0.0.1.
//
// It also reads those WAV files (readWav: RIFF/WAVE, 16-bit PCM) and
// measures them (audioLevel: RMS, loudest window, a zero-crossing pitch).

import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import net from 'node:net';
import dgram from 'node:dgram';

export const BARESIP_PATH = process.env.BARESIP ?? '/usr/bin/baresip';
const MODULE_PATH = '/usr/lib/baresip/modules';
const HOST = '127.0.0.1';

/** The codec names a test may ask for, and baresip's module for each. */
const CODEC_MODULES = { opus: 'opus.so', g711: 'g711.so', g722: 'g722.so' };
/** The video codecs: VP8 (libvpx), H.264 (avcodec, Debian's baresip-ffmpeg). */
const VIDEO_MODULES = { vp8: 'vp8.so', h264: 'avcodec.so' };

/** Loudest-window RMS (full scale = 1) below which a recording counts as silence: -50 dBFS. */
export const SILENCE_RMS = 0.003;

const running = new Set();
process.on('exit', () => {
  for (const phone of running) {
    try { phone.child.kill('SIGKILL'); } catch { /* already gone */ }
    rmSync(phone.dir, { recursive: true, force: true });
  }
});

/** Whether `port` can be bound on 127.0.0.1 over `kind` ('tcp' or 'udp'). */
function canBind(kind, port) {
  return new Promise((resolve) => {
    const done = (ok, close) => { close(); resolve(ok); };
    if (kind === 'udp') {
      const socket = dgram.createSocket('udp4');
      socket.once('error', () => done(false, () => socket.close()));
      socket.bind(port, HOST, () => done(true, () => socket.close()));
    } else {
      const server = net.createServer();
      server.once('error', () => done(false, () => {}));
      server.listen(port, HOST, () => done(true, () => server.close()));
    }
  });
}

/**
 * A SIP port for baresip: UDP and TCP free on it, and TCP on the next one
 * (baresip binds SIP over TLS on port + 1 whatever the config says).
 */
async function freeSipPort() {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    if (await canBind('udp', port) && await canBind('tcp', port) && await canBind('tcp', port + 1)) return port;
  }
  throw new Error('no free SIP port pair for baresip on 127.0.0.1');
}

async function freeTcpPort() {
  const server = net.createServer();
  await new Promise((resolve, reject) => { server.once('error', reject); server.listen(0, HOST, resolve); });
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** baresip's call status line, redrawn ten times a second; left out of logs(). */
const STATUS_LINE = /\[\d+:\d\d:\d\d\] audio=\S+ \(bit\/s\)\s*/g;
/** One SIP message of its trace (-s): "#", "UDP from -> to", the message; in colour. */
const TRACE_BLOCK = /\x1b\[36;1m#\r?\n([\s\S]*?)\x1b\[;m/g;
const COLOUR = /\x1b\[[0-9;]*m/g;

/** The log as text: no colours, no status line. */
function plain(output) {
  return output.replace(COLOUR, '').replace(STATUS_LINE, '');
}

/** The SIP messages of the trace, each `{route, message}` ("UDP a -> b", the message with its body). */
function sipTrace(output) {
  return [...output.matchAll(TRACE_BLOCK)].map((m) => {
    const [route, ...rest] = m[1].split('\n');
    return { route: route.trim(), message: rest.join('\n').trim() };
  });
}

/**
 * Starts baresip. `name` is the display name in its From header, `user` its
 * SIP user part; `codecs` a non-empty subset of ['opus', 'g711', 'g722'];
 * `toneHz` the ausine frequency it sends, or 0 for silence (a silent WAV
 * of `maxSeconds` played by aufile). Resolves once its control socket
 * answers. The phone answers incoming calls at once (answermode=auto).
 * `video` ('vp8' or 'h264') makes it a room system: a synthetic camera
 * (fakevideo) in that codec, and what it receives decoded (snapshot()).
 * `tls: {caFile}` makes it a phone for SIP over TLS with mandatory SRTP
 * (SDES, the srtp module; `mediaenc=srtp-mand`), trusting `caFile` (a
 * server's PEM certificate); dial it `sip:...;transport=tls`.
 * `answerMode: 'manual'` lets incoming calls ring (incoming()) until the
 * test answers or rejects them (hangup(): baresip refuses a ringing call).
 */
export async function startBaresip({ name = 'Phone', user = 'phone', codecs = ['opus'], toneHz = 440, maxSeconds = 120, video, tls, answerMode = 'auto' } = {}) {
  if (!codecs.length || codecs.some((codec) => !CODEC_MODULES[codec])) {
    throw new Error(`codecs must be some of ${Object.keys(CODEC_MODULES).join(', ')}, not ${JSON.stringify(codecs)}`);
  }
  if (video !== undefined && !VIDEO_MODULES[video]) throw new Error(`video must be one of ${Object.keys(VIDEO_MODULES).join(', ')}, not ${video}`);
  if (!['auto', 'manual'].includes(answerMode)) throw new Error(`answerMode must be auto or manual, not ${answerMode}`);
  if (!/^[A-Za-z0-9 .'-]+$/.test(name) || !/^[a-z0-9]+$/.test(user)) throw new Error(`unsafe name or user: ${name}, ${user}`);
  const dir = await mkdtemp(path.join(tmpdir(), 'civicmeet-baresip-'));
  const sipPort = await freeSipPort();
  const ctrlPort = await freeTcpPort();
  const config = [
    'poll_method\tepoll',
    `sip_listen\t${HOST}:${sipPort}`,
    // An address, not an interface name: baresip 1.0 fails to bind with `lo`.
    `net_interface\t${HOST}`,
    // ausine only makes 48 kHz stereo; baresip resamples it for the codec.
    toneHz ? `audio_source\tausine,${toneHz}` : `audio_source\taufile,${path.join(dir, 'silence.wav')}`,
    `ausrc_srate\t${toneHz ? 48000 : SILENCE_RATE}`,
    `ausrc_channels\t${toneHz ? 2 : 1}`,
    // No player: sndfile records the decoded audio before it would play.
    'audio_player\t',
    'audio_alert\t',
    `module_path\t${MODULE_PATH}`,
    ...codecs.map((codec) => `module\t${CODEC_MODULES[codec]}`),
    toneHz ? 'module\tausine.so' : 'module\taufile.so',
    // SDES-keyed SRTP; baresip 1.0 trusts the CA file for SIP TLS.
    ...(tls ? ['module\tsrtp.so', `sip_cafile\t${tls.caFile}`] : []),
    'module\tsndfile.so',
    `snd_path\t${dir}`,
    ...(video ? [
      `module\t${VIDEO_MODULES[video]}`,
      'module\tfakevideo.so',
      // Decoded frames pass its filter; snapshot_recv saves the next as PNG.
      'module\tsnapshot.so',
      'video_source\tfakevideo,nil',
      'video_size\t640x360',
      'video_fps\t15',
      'video_bitrate\t500000',
    ] : []),
    'module_tmp\taccount.so',
    // menu brings the dial and hangup commands; no stdio.so, stdin is /dev/null.
    'module_app\tmenu.so',
    'statmode_default\toff',
    'module_app\tctrl_tcp.so',
    `ctrl_tcp_listen\t${HOST}:${ctrlPort}`,
    '',
  ].join('\n');
  await writeFile(path.join(dir, 'config'), config);
  const account = tls
    ? `"${name}" <sip:${user}@${HOST}:${sipPort};transport=tls>;regint=0;answermode=${answerMode};mediaenc=srtp-mand`
    : `"${name}" <sip:${user}@${HOST}:${sipPort}>;regint=0;answermode=${answerMode}`;
  await writeFile(path.join(dir, 'accounts'), `${account}\n`);
  await writeFile(path.join(dir, 'contacts'), '');
  if (!toneHz) await writeFile(path.join(dir, 'silence.wav'), silentWav(maxSeconds));

  // -s: the SIP trace (with the SDP) goes into the log for failure messages.
  const child = spawn(BARESIP_PATH, ['-f', dir, '-s', '-t', String(maxSeconds)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const phone = { child, dir };
  running.add(phone);
  let output = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  child.stderr.on('data', (chunk) => { output += chunk; });
  let exitInfo = null;
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => { exitInfo = { code, signal }; resolve(exitInfo); }));
  child.once('error', (error) => { output += `\nspawn error: ${error.message}`; });
  const logs = () => plain(output);

  const endProcess = async () => {
    if (!exitInfo) {
      // The first signal ends calls with BYE and waits for open SIP
      // transactions; a second one a moment later forces the exit.
      child.kill('SIGTERM');
      const again = setTimeout(() => child.kill('SIGTERM'), 500);
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(again);
      clearTimeout(timer);
    }
    running.delete(phone);
  };

  let control;
  try {
    control = await connectControl(ctrlPort, () => exitInfo, logs);
  } catch (error) {
    await endProcess();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  const events = control.events;
  /** The first event at index >= `from` that `match`es; rejects on `failOn`, exit or timeout. */
  const waitForEvent = async (match, { from = 0, timeoutMs = 20_000, what, failOn = () => false }) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (let i = from; i < events.length; i++) {
        if (match(events[i])) return events[i];
        if (failOn(events[i])) throw new Error(`baresip: no ${what}: ${describe(events[i])}\n${explain()}`);
      }
      if (exitInfo) throw new Error(`baresip exited (${JSON.stringify(exitInfo)}) before ${what}\n${explain()}`);
      if (Date.now() > deadline) throw new Error(`baresip: no ${what} within ${timeoutMs} ms\n${explain()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  // For a failure message: the call events, every SIP message's first line
  // (retransmissions included: they show what went unanswered), each
  // distinct SDP once, and the rest of the log.
  const explain = () => {
    const trace = sipTrace(output);
    const sdps = [...new Set(trace.map((t) => /\r?\n\r?\n(v=0[\s\S]*)$/.exec(t.message)?.[1]).filter(Boolean))];
    const received = trace.filter((t) => !t.route.includes(`${HOST}:${sipPort} ->`)).length;
    return [
      `baresip events: ${JSON.stringify(events.filter((e) => e.type !== 'CALL_RTCP').map(describe))}`,
      `SIP messages: ${trace.length - received} sent, ${received} received${trace.length && !received ? ' (nothing came back: is anything listening there?)' : ''}`,
      ...trace.map((t) => `  ${t.route}: ${t.message.split(/\r?\n/)[0]}`),
      ...sdps.map((sdp, i) => `SDP ${i + 1}:\n${sdp.trim()}`),
      `baresip log (without the SIP trace):\n${plain(output.replace(TRACE_BLOCK, '')).replace(/\n{3,}/g, '\n\n')}`,
    ].join('\n');
  };
  let callStart = 0;
  let dialed = '';
  /** The recordings of calls before the current one. */
  let earlierDumps = new Set();
  const dumps = async () => (await readdir(dir)).filter((f) => /^dump-.*-dec\.wav$/.test(f)).sort();
  /** What the current call heard so far, or undefined before its recording starts. */
  const currentRecording = async () => {
    const file = (await dumps()).find((f) => !earlierDumps.has(f));
    if (!file) return undefined;
    const bytes = await readFile(path.join(dir, file));
    // sndfile writes the header first: until then, nothing to read.
    return bytes.length > 44 ? readWav(bytes) : undefined;
  };

  return {
    /** Where to call this phone. */
    uri: `sip:${user}@${HOST}:${sipPort}`,
    sipPort,
    dir,
    /** Every ctrl_tcp event so far ({type, peeruri, param, ...}). */
    events,
    /** The log without its status line: the SIP trace (with SDP), codecs, errors. */
    logs,
    explain,
    /** Places a call to `uri`; resolves when baresip took the command. */
    async dial(uri) {
      callStart = events.length;
      dialed = uri;
      earlierDumps = new Set(await dumps());
      await control.command('dial', uri);
    },
    /**
     * Resolves when the call is answered (CALL_ESTABLISHED); rejects with
     * the reason and the log if it closes first, or nothing happens in time.
     */
    established({ timeoutMs = 20_000 } = {}) {
      return waitForEvent((e) => e.type === 'CALL_ESTABLISHED', {
        from: callStart, timeoutMs, what: `answer to its call to ${dialed}`, failOn: (e) => e.type === 'CALL_CLOSED',
      });
    },
    /** Resolves with the CALL_CLOSED event (its `param` is the reason) of the current call. */
    closed({ timeoutMs = 20_000 } = {}) {
      return waitForEvent((e) => e.type === 'CALL_CLOSED', { from: callStart, timeoutMs, what: `end of its call to ${dialed || 'it'}` });
    },
    /** Resolves when someone calls this phone (CALL_INCOMING: it rings). */
    incoming({ timeoutMs = 20_000 } = {}) {
      return waitForEvent((e) => e.type === 'CALL_INCOMING', { timeoutMs, what: 'an incoming call' });
    },
    /** Resolves when someone called this phone and it answered. */
    answered({ timeoutMs = 20_000 } = {}) {
      return waitForEvent((e) => e.type === 'CALL_ESTABLISHED', { timeoutMs, what: 'an incoming call' });
    },
    /**
     * Saves the next frame baresip decodes from the far end as a PNG in its
     * folder; resolves with the file's path once it is there (rejects after
     * `timeoutMs`: no video was decoded).
     */
    async snapshot({ timeoutMs = 10_000 } = {}) {
      const file = path.join(dir, `received-${Date.now()}.png`);
      await control.command('snapshot_recv', file);
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        try {
          const bytes = await readFile(file);
          if (bytes.length > 8) return { file, bytes };
        } catch { /* not written yet */ }
        if (Date.now() > deadline) throw new Error(`baresip decoded no video frame within ${timeoutMs} ms\n${explain()}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    /** Hangs up the current call (sends BYE, or CANCEL while it rings). */
    async hangup() {
      await control.command('hangup', '');
    },
    /**
     * Presses keys on the current call (`0`-`9`, `*`, `#`, `A`-`D`), sent
     * as RFC 4733 telephone-events (menu's `sndcode`): one press and
     * release per key, in order.
     */
    async sendDigits(keys) {
      if (!/^[0-9*#A-D]+$/.test(keys)) throw new Error(`not keypad keys: ${JSON.stringify(keys)}`);
      await control.command('sndcode', keys);
    },
    /** How many seconds the current call's recording of what it hears holds so far (0 before it starts). */
    async heardSeconds() {
      const wav = await currentRecording();
      return wav ? wav.samples.length / wav.channels / wav.sampleRate : 0;
    },
    /**
     * Waits until the current call's recording holds sound (a 100 ms
     * window louder than SILENCE_RMS, as a person would notice a voice)
     * starting at or after `fromSeconds` into it; resolves with that
     * second. The recording grows while the call goes on, so this is how
     * a test waits for a voice prompt before it types.
     */
    async hearsSound({ fromSeconds = 0, timeoutMs = 10_000, what = 'sound' } = {}) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const wav = await currentRecording();
        const at = wav ? firstLoudSecond(wav, fromSeconds) : undefined;
        if (at !== undefined) return at;
        if (exitInfo) throw new Error(`baresip exited (${JSON.stringify(exitInfo)}) before it heard ${what}\n${explain()}`);
        if (Date.now() > deadline) {
          const heard = wav ? `${(wav.samples.length / wav.channels / wav.sampleRate).toFixed(2)} s recorded` : 'no recording of this call';
          throw new Error(`baresip heard no ${what} after second ${fromSeconds} of its call within ${timeoutMs} ms (${heard})\n${explain()}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    /**
     * The codecs the call uses, from the log: {encoder, decoder}, each like
     * "opus 48000Hz 2ch" or "PCMU 8000Hz 1ch" (the last one set).
     */
    codecs() {
      const last = (kind) => [...logs().matchAll(new RegExp(`Set audio ${kind}: (\\S+ \\d+Hz \\d+ch)`, 'g'))].at(-1)?.[1];
      return { encoder: last('encoder'), decoder: last('decoder') };
    },
    /** The SDP bodies in the SIP trace, in order (offer and answer of each exchange). */
    sdp() {
      return sipTrace(output).map((t) => /\r?\n\r?\n(v=0[\s\S]*)$/.exec(t.message)?.[1]?.trim()).filter(Boolean);
    },
    /** The SIP trace: every message sent and received, `{route, message}`. */
    sipTrace: () => sipTrace(output),
    /**
     * Its recordings: `heard` (decoded, what the far end sent) and `sent`,
     * one WAV each per call in order, each with its audioLevel(). Complete
     * once the call has ended.
     */
    async recordings() {
      const files = (await readdir(dir)).filter((f) => /^dump-.*-(dec|enc)\.wav$/.test(f)).sort();
      const read = async (file) => {
        const wav = readWav(await readFile(path.join(dir, file)));
        return { file, ...wav, level: audioLevel(wav) };
      };
      return {
        heard: await Promise.all(files.filter((f) => f.endsWith('-dec.wav')).map(read)),
        sent: await Promise.all(files.filter((f) => f.endsWith('-enc.wav')).map(read)),
      };
    },
    running: () => exitInfo === null,
    /** Ends baresip (SIGTERM, again after 0.5 s, SIGKILL after 3 s) and removes its folder with the recordings. */
    async stop() {
      control.close();
      await endProcess();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const SILENCE_RATE = 8000;

/** A WAV file of `seconds` of digital silence, 16-bit mono at SILENCE_RATE. */
function silentWav(seconds) {
  const dataBytes = seconds * SILENCE_RATE * 2;
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(SILENCE_RATE, 24);
  header.writeUInt32LE(SILENCE_RATE * 2, 28); // bytes per second
  header.writeUInt16LE(2, 32); // bytes per frame
  header.writeUInt16LE(16, 34); // bits per sample
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(dataBytes, 40);
  return Buffer.concat([header, Buffer.alloc(dataBytes)]);
}

/** A short text for an event in a failure message. */
function describe(event) {
  return [event.type, event.peeruri, event.param === event.peeruri ? '' : event.param].filter(Boolean).join(' ');
}

/**
 * Connects to baresip's ctrl_tcp socket (netstrings of JSON: commands and
 * their responses, and every call event). Retries while baresip starts.
 */
async function connectControl(port, exitInfo, logs) {
  const deadline = Date.now() + 10_000;
  let socket;
  for (;;) {
    try {
      socket = await new Promise((resolve, reject) => {
        const s = net.connect(port, HOST, () => resolve(s));
        s.once('error', reject);
      });
      break;
    } catch (error) {
      if (exitInfo()) throw new Error(`baresip exited at start (${JSON.stringify(exitInfo())}):\n${logs()}`);
      if (Date.now() > deadline) throw new Error(`baresip's control socket did not open within 10 s (${error.message}):\n${logs()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const events = [];
  const pending = new Map();
  let buffer = Buffer.alloc(0);
  let token = 0;
  socket.on('error', () => { /* baresip went away: exitInfo says so */ });
  socket.on('data', (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    // netstring: "<length>:<bytes>,"
    for (;;) {
      const colon = buffer.indexOf(0x3a);
      if (colon < 0) break;
      const length = Number(buffer.subarray(0, colon).toString());
      if (!Number.isInteger(length) || buffer.length < colon + 1 + length + 1) break;
      const body = buffer.subarray(colon + 1, colon + 1 + length).toString();
      buffer = buffer.subarray(colon + 1 + length + 1);
      let message;
      try { message = JSON.parse(body); } catch { continue; }
      if (message.event) events.push(message);
      else if (message.response && pending.has(message.token)) {
        pending.get(message.token)(message);
        pending.delete(message.token);
      }
    }
  });
  return {
    events,
    command(command, params) {
      const id = String(++token);
      const body = Buffer.from(JSON.stringify({ command, params, token: id }));
      socket.write(Buffer.concat([Buffer.from(`${body.length}:`), body, Buffer.from(',')]));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => { pending.delete(id); reject(new Error(`baresip did not answer "${command}" within 5 s:\n${logs()}`)); }, 5_000);
        pending.set(id, (message) => {
          clearTimeout(timer);
          if (message.ok === false) reject(new Error(`baresip refused "${command} ${params}": ${message.data}\n${logs()}`));
          else resolve(message.data);
        });
      });
    },
    close: () => socket.destroy(),
  };
}

/**
 * Parses a WAV file: `{sampleRate, channels, samples}` with `samples` the
 * interleaved 16-bit PCM as an Int16Array. A header written before the
 * recording ended may give the data chunk a wrong size; then the data runs
 * to the end of the file.
 */
export function readWav(bytes) {
  const fail = (why) => { throw new Error(`not a WAV file we read: ${why}`); };
  if (bytes.length < 12 || bytes.toString('ascii', 0, 4) !== 'RIFF' || bytes.toString('ascii', 8, 12) !== 'WAVE') fail('no RIFF/WAVE header');
  let format;
  for (let at = 12; at + 8 <= bytes.length;) {
    const id = bytes.toString('ascii', at, at + 4);
    const size = bytes.readUInt32LE(at + 4);
    const body = at + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > bytes.length) fail('short fmt chunk');
      let tag = bytes.readUInt16LE(body);
      // WAVE_FORMAT_EXTENSIBLE: the real format is the sub-format GUID's first two bytes.
      if (tag === 0xfffe && size >= 40 && body + 26 <= bytes.length) tag = bytes.readUInt16LE(body + 24);
      format = { tag, channels: bytes.readUInt16LE(body + 2), sampleRate: bytes.readUInt32LE(body + 4), bits: bytes.readUInt16LE(body + 14) };
    } else if (id === 'data') {
      if (!format) fail('data before fmt');
      if (format.tag !== 1 || format.bits !== 16) fail(`format ${format.tag} with ${format.bits} bits (only 16-bit PCM)`);
      const end = size === 0 || body + size > bytes.length ? bytes.length : body + size;
      const count = Math.floor((end - body) / 2);
      const samples = new Int16Array(count);
      for (let i = 0; i < count; i++) samples[i] = bytes.readInt16LE(body + 2 * i);
      return { sampleRate: format.sampleRate, channels: format.channels, samples };
    }
    at = body + size + (size % 2);
  }
  return fail('no data chunk');
}

/**
 * The second at or after `fromSeconds` where the first 100 ms window
 * louder than SILENCE_RMS starts in `wav`, or undefined.
 */
function firstLoudSecond({ sampleRate, channels, samples }, fromSeconds) {
  const window = Math.round(sampleRate / 10);
  const frames = Math.floor(samples.length / channels);
  for (let start = Math.max(0, Math.round(fromSeconds * sampleRate)); start + window <= frames; start += window) {
    let sum = 0;
    for (let i = start * channels; i < (start + window) * channels; i++) sum += (samples[i] / 32768) ** 2;
    if (Math.sqrt(sum / (window * channels)) >= SILENCE_RMS) return start / sampleRate;
  }
  return undefined;
}

/**
 * How loud a recording is, full scale = 1: `rms` over all of it, `peakRms`
 * of its loudest `windowMs` window, the share of windows louder than
 * SILENCE_RMS (`loudShare`), `seconds`, `silent` (peakRms < SILENCE_RMS),
 * and `pitchHz`, the zero-crossing rate of the first channel in the loud
 * windows (a pure tone's frequency; a rough guess for anything else).
 */
export function audioLevel({ sampleRate, channels, samples }, { windowMs = 100 } = {}) {
  const frames = Math.floor(samples.length / channels);
  const window = Math.max(1, Math.round(sampleRate * windowMs / 1000));
  let total = 0;
  let peak = 0;
  let windows = 0;
  let loud = 0;
  let crossings = 0;
  let loudFrames = 0;
  for (let start = 0; start + window <= frames; start += window) {
    let sum = 0;
    let windowCrossings = 0;
    for (let f = start; f < start + window; f++) {
      for (let c = 0; c < channels; c++) {
        const v = samples[f * channels + c] / 32768;
        sum += v * v;
      }
      if (f > start && (samples[f * channels] >= 0) !== (samples[(f - 1) * channels] >= 0)) windowCrossings++;
    }
    total += sum;
    const rms = Math.sqrt(sum / (window * channels));
    peak = Math.max(peak, rms);
    windows++;
    if (rms >= SILENCE_RMS) {
      loud++;
      crossings += windowCrossings;
      loudFrames += window;
    }
  }
  const round = (x, digits) => Number(x.toFixed(digits));
  return {
    seconds: round(frames / sampleRate, 2),
    rms: windows ? round(Math.sqrt(total / (windows * window * channels)), 5) : 0,
    peakRms: round(peak, 5),
    loudShare: windows ? round(loud / windows, 3) : 0,
    silent: peak < SILENCE_RMS,
    pitchHz: loudFrames ? Math.round(crossings / 2 / (loudFrames / sampleRate)) : 0,
  };
}
