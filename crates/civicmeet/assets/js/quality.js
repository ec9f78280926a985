// Connection quality of each remote participant: good, weak or bad, from
// what getStats() says about their media arriving here.
//
// Owns: reading the inbound RTP stats of each participant's tracks every
// POLL_MS, turning the last few seconds into numbers (packet loss, audio
// jitter, decoded frame rate, frozen time) and those into a level. It never
// touches the DOM or the network: tiles.js shows the level, meeting.js
// wires it up and announces. `classify` and `windowMetrics` are pure
// functions of numbers, so node tests them without a browser.
//
// What the level means: how well this participant's audio and video reach
// us. It cannot tell their uplink from our downlink, so the text says
// "Connection", not whose fault it is.

/** How often the stats are read. */
export const POLL_MS = 2_000;

/** The judged window: the last few seconds, long enough that one late packet is no verdict. */
export const WINDOW_MS = 6_000;

/** Fewer packets in a window than this say too little about loss (a mostly silent, DTX audio stream). */
export const MIN_PACKETS = 50;

/**
 * The thresholds. A participant is as bad as their worst number.
 *
 * - loss (fraction of packets lost): Opus's in-band FEC and video
 *   retransmission (NACK) hide about 2%; from 10% speech breaks up and the
 *   picture freezes while it waits for keyframes.
 * - jitterMs (audio, as the receiver measures it): a jitter buffer absorbs
 *   about 30 ms without audible delay; at 100 ms it adds more delay than
 *   EN 301 549 allows between sound and picture (100 ms).
 * - fps (decoded, only while their camera is on): below 12 lips and signs
 *   are hard to follow (EN 301 549 §6.5 asks for 20; the sender's camera
 *   and encoder choose the rate too, so only a clearly low one counts
 *   against the connection); below 5 it is a slide show.
 * - freeze (share of the window the picture stood still; Chromium reports
 *   it, Firefox does not): 5% is a noticeable hitch, 20% a broken picture.
 */
export const THRESHOLDS = Object.freeze({
  loss: { weak: 0.02, bad: 0.10 },
  jitterMs: { weak: 30, bad: 100 },
  fps: { weak: 12, bad: 5 },
  freeze: { weak: 0.05, bad: 0.20 },
});

export const LEVELS = Object.freeze(['good', 'weak', 'bad']);

/**
 * The level for one participant's numbers; a missing number (undefined)
 * says nothing. Returns null when there is nothing to judge.
 * @param {{lossFraction?: number, jitterMs?: number, fps?: number, freezeFraction?: number}} metrics
 * @returns {'good'|'weak'|'bad'|null}
 */
export function classify({ lossFraction, jitterMs, fps, freezeFraction } = {}) {
  const ranks = [
    higherIsWorse(lossFraction, THRESHOLDS.loss),
    higherIsWorse(jitterMs, THRESHOLDS.jitterMs),
    lowerIsWorse(fps, THRESHOLDS.fps),
    higherIsWorse(freezeFraction, THRESHOLDS.freeze),
  ].filter((rank) => rank !== null);
  return ranks.length ? LEVELS[Math.max(...ranks)] : null;
}

function higherIsWorse(value, { weak, bad }) {
  if (!Number.isFinite(value)) return null;
  return value >= bad ? 2 : value >= weak ? 1 : 0;
}

function lowerIsWorse(value, { weak, bad }) {
  if (!Number.isFinite(value)) return null;
  return value < bad ? 2 : value < weak ? 1 : 0;
}

/**
 * One reading of a participant's inbound streams (see `sampleOf`):
 * { at: ms, audio: {packets, lost, jitter}, video: {packets, lost, frames, freezeSeconds} }.
 * The numbers between two readings, for `classify`. Frame rate and freezes
 * only count while their camera is on (`videoExpected`) and once a first
 * frame was decoded before the window: a switched-off camera or a picture
 * still waiting for its first keyframe is not a bad connection.
 */
export function windowMetrics(older, newer, { videoExpected = true } = {}) {
  const seconds = (newer.at - older.at) / 1000;
  const metrics = {};
  if (!(seconds > 0)) return metrics;
  const delta = (kind, field) => (newer[kind]?.[field] ?? 0) - (older[kind]?.[field] ?? 0);
  const packets = delta('audio', 'packets') + delta('video', 'packets');
  // packetsLost may shrink when late packets arrive after all.
  const lost = Math.max(0, delta('audio', 'lost') + delta('video', 'lost'));
  if (packets + lost >= MIN_PACKETS) metrics.lossFraction = lost / (packets + lost);
  if (delta('audio', 'packets') > 0 && Number.isFinite(newer.audio?.jitter)) {
    metrics.jitterMs = newer.audio.jitter * 1000;
  }
  if (videoExpected && older.video?.frames > 0) {
    metrics.fps = delta('video', 'frames') / seconds;
    if (Number.isFinite(newer.video.freezeSeconds) && Number.isFinite(older.video.freezeSeconds)) {
      metrics.freezeFraction = Math.max(0, delta('video', 'freezeSeconds')) / seconds;
    }
  }
  return metrics;
}

/**
 * A reading for one participant from getStats() entries: their inbound-rtp
 * stats (those whose trackIdentifier is one of `trackIds`), summed per kind.
 */
export function sampleOf(stats, trackIds, at) {
  const sample = { at, audio: null, video: null };
  for (const stat of stats) {
    if (stat.type !== 'inbound-rtp' || !trackIds.has(stat.trackIdentifier)) continue;
    const kind = stat.kind === 'video' ? 'video' : 'audio';
    const into = sample[kind] ??= { packets: 0, lost: 0 };
    into.packets += stat.packetsReceived ?? 0;
    into.lost += stat.packetsLost ?? 0;
    if (Number.isFinite(stat.jitter)) into.jitter = Math.max(into.jitter ?? 0, stat.jitter);
    if (kind === 'video') {
      into.frames = (into.frames ?? 0) + (stat.framesDecoded ?? 0);
      if (Number.isFinite(stat.totalFreezesDuration)) into.freezeSeconds = (into.freezeSeconds ?? 0) + stat.totalFreezesDuration;
    }
  }
  return sample;
}

/** Announce a participant's bad connection at most this often (no announcement spam). */
const ANNOUNCE_EVERY_MS = 60_000;

/**
 * Reads getStats() of one peer connection every POLL_MS and reports each
 * watched participant's level when it changes.
 */
export class QualityMonitor {
  /**
   * @param {RTCPeerConnection} pc
   * @param {object} options
   *   videoExpected(id) whether the participant's camera is on
   *   onChange(id, level) the level changed ('good' | 'weak' | 'bad')
   *   onBad(id) the level became bad (at most once a minute per participant)
   */
  constructor(pc, { videoExpected = () => true, onChange, onBad = () => {} }) {
    this.pc = pc;
    this.videoExpected = videoExpected;
    this.onChange = onChange;
    this.onBad = onBad;
    this.watched = new Map(); // id -> { stream, samples, level, video, announcedAt }
    this.busy = false;
    this.timer = setInterval(() => this.poll(), POLL_MS);
  }

  /** Judges a participant's media from now on (their stream may gain tracks later). */
  watch(id, stream) {
    const key = String(id);
    const entry = this.watched.get(key);
    if (entry) entry.stream = stream;
    else this.watched.set(key, { stream, samples: [], level: null, video: undefined, announcedAt: -Infinity });
  }

  forget(id) {
    this.watched.delete(String(id));
  }

  stop() {
    clearInterval(this.timer);
    this.watched.clear();
  }

  async poll() {
    if (this.busy || this.watched.size === 0) return;
    this.busy = true;
    try {
      const report = await this.pc.getStats();
      const stats = [...report.values()];
      const now = performance.now();
      // No path to the server at all: nobody's media can arrive.
      const cutOff = ['disconnected', 'failed'].includes(this.pc.iceConnectionState);
      for (const [id, entry] of this.watched) this.judge(id, entry, stats, now, cutOff);
    } catch {
      // The connection closed between two readings; the page tears down.
    } finally {
      this.busy = false;
    }
  }

  judge(id, entry, stats, now, cutOff) {
    const video = this.videoExpected(id);
    // Their camera went on or off: the frame rate before says nothing now.
    if (video !== entry.video) entry.samples = [];
    entry.video = video;
    const trackIds = new Set(entry.stream.getTracks().map((track) => track.id));
    entry.samples.push(sampleOf(stats, trackIds, now));
    while (entry.samples.length > 2 && now - entry.samples[1].at >= WINDOW_MS) entry.samples.shift();
    const level = cutOff
      ? 'bad'
      : entry.samples.length >= 2
        ? classify(windowMetrics(entry.samples[0], entry.samples.at(-1), { videoExpected: video }))
        : null;
    if (level === null || level === entry.level) return;
    const was = entry.level;
    entry.level = level;
    this.onChange(id, level);
    if (level === 'bad' && was !== 'bad' && now - entry.announcedAt >= ANNOUNCE_EVERY_MS) {
      entry.announcedAt = now;
      this.onBad(id);
    }
  }
}
