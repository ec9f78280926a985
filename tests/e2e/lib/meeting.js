// What a person does on the meeting page, and what the page's WebRTC stats
// say about it. Everything goes through the UI (labels and roles), except
// reading getStats() through the page's one test hook, window.civicmeet.pc.

import assert from 'node:assert/strict';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Clicks "New meeting" on the start page; resolves with the creator's host
 * link (`/m/<id>#<host key>`, the key in the fragment).
 */
export async function newMeetingFromStartPage(page, baseUrl) {
  await page.goto(baseUrl);
  await page.getByRole('button', { name: 'New meeting' }).click();
  await page.waitForURL(/\/m\/[^/#]+#.+$/);
  return page.url();
}

/** An absolute URL for a relative one from the API (keeps the fragment). */
export function absolute(url, baseUrl) {
  return new URL(url, baseUrl).href;
}

/** Opens a meeting link, types a name and joins straight in (a host link); resolves with our participant id. */
export async function joinThroughUi(page, meetingUrl, name) {
  await fillJoinForm(page, meetingUrl, name);
  await clickJoin(page);
  return ownId(page);
}

/** Opens a guest link, types a name and joins: we land in the waiting room. */
export async function joinToWaitingRoom(page, meetingUrl, name) {
  await fillJoinForm(page, meetingUrl, name);
  await clickJoin(page);
  await waitingView(page);
}

/**
 * Clicks Join and waits until the page took it (the button says
 * "Joining…" or the join view is gone). Twice in full CI runs a click on a
 * freshly loaded page changed nothing at all — no "Joining…", no error, no
 * console message — and a person would simply click again; so does this,
 * once, saying so, and it fails if the second click is not taken either.
 */
async function clickJoin(page) {
  const join = page.getByRole('button', { name: 'Join', exact: true });
  const taken = () => page.waitForFunction(() => {
    const view = document.getElementById('join-view');
    const button = document.getElementById('join-button');
    return !view || view.hidden || button?.disabled || !document.getElementById('error')?.hidden;
  }, null, { timeout: 3_000 });
  await join.click();
  try {
    await taken();
  } catch {
    console.log(`# the Join click was not taken (page: ${JSON.stringify(await pageState(page))}); clicking again`);
    await join.click();
    await taken();
  }
}

/** Waits until the page shows the waiting room and its message. */
export async function waitingView(page, timeout = 15_000) {
  await page.getByRole('heading', { name: 'Waiting room', level: 1 }).waitFor({ timeout });
  await page.getByRole('status').filter({ hasText: 'a host will let you in' }).waitFor({ timeout });
}

/** The host creates a guest invitation in the UI ("Invite guest"); resolves with the link. */
export async function inviteGuest(host) {
  const field = host.getByLabel('Invitation link for a guest');
  const before = (await field.isVisible()) ? await field.inputValue() : '';
  await host.getByRole('button', { name: 'Invite guest' }).click();
  await host.waitForFunction((old) => {
    const value = document.getElementById('invite-link')?.value ?? '';
    return value !== '' && value !== old;
  }, before, { timeout: 10_000 });
  return field.inputValue();
}

/** The host admits `name` from the waiting list. */
export async function admit(host, name) {
  await host.getByRole('button', { name: `Admit: ${name}`, exact: true }).click({ timeout: 15_000 });
}

/**
 * A guest joins through an invitation the host created in the UI, waits,
 * and is admitted by the host; resolves with the guest's participant id.
 */
export async function guestAdmitted(host, guest, name, { link } = {}) {
  const url = link ?? await inviteGuest(host);
  await joinToWaitingRoom(guest, url, name);
  await admit(host, name);
  return ownId(guest);
}

/** Opens a tile's host actions and picks one ("Mute", "Stop camera", "Send to waiting room", "Remove"). */
export async function hostActionOnTile(host, participantId, action) {
  const tile = host.locator(`#tiles .tile[data-participant-id="${participantId}"]`);
  await tile.getByRole('button', { name: /^Actions/ }).click();
  await tile.getByRole('button', { name: new RegExp(`^${action}:`) }).click();
}

/** Opens a meeting link and types a name, ready to click Join. */
export async function fillJoinForm(page, meetingUrl, name) {
  await page.goto(meetingUrl);
  await page.getByLabel('Your name').fill(name);
}

/** Our participant id, once we are in the meeting (our tile is there). */
export async function ownId(page) {
  const self = page.locator('#tiles .tile.self');
  try {
    await self.waitFor({ timeout: 15_000 });
  } catch (error) {
    error.message += `\nthe page instead: ${JSON.stringify(await pageState(page))}`;
    throw error;
  }
  return self.getAttribute('data-participant-id');
}

/** What a page shows and has logged, for a failure message: which view, which error, which problems. */
async function pageState(page) {
  const shown = await page.evaluate(() => ({
    url: location.href.replace(/#.*/, '#…'),
    views: [...document.querySelectorAll('main > section')].filter((s) => !s.hidden).map((s) => s.id),
    joinButton: document.getElementById('join-button')?.textContent,
    error: document.querySelector('[role=alert]')?.textContent?.trim(),
  })).catch((e) => ({ unreadable: e.message }));
  return { ...shown, problems: page.problems };
}

/**
 * Inbound RTP stats grouped by the participant whose tile plays the track:
 * { [participantId]: { video: {framesDecoded, codec, ...}, audio: {bytesReceived, audioLevel, ...} } }.
 */
export function inboundByParticipant(page) {
  return page.evaluate(async () => {
    const pc = window.civicmeet?.pc;
    if (!pc) return {};
    const owner = new Map();
    for (const tile of document.querySelectorAll('#tiles .tile:not(.self)')) {
      for (const track of tile.querySelector('video').srcObject?.getTracks() ?? []) owner.set(track.id, tile.dataset.participantId);
    }
    const report = await pc.getStats();
    const out = {};
    for (const stat of report.values()) {
      if (stat.type !== 'inbound-rtp') continue;
      const id = owner.get(stat.trackIdentifier);
      if (id === undefined) continue;
      out[id] ??= {};
      out[id][stat.kind] = {
        framesDecoded: stat.framesDecoded ?? 0,
        framesPerSecond: stat.framesPerSecond ?? 0,
        frameWidth: stat.frameWidth ?? 0,
        frameHeight: stat.frameHeight ?? 0,
        bytesReceived: stat.bytesReceived ?? 0,
        packetsReceived: stat.packetsReceived ?? 0,
        packetsLost: stat.packetsLost ?? 0,
        nackCount: stat.nackCount ?? 0,
        retransmittedPacketsReceived: stat.retransmittedPacketsReceived ?? 0,
        pliCount: stat.pliCount ?? 0,
        freezeCount: stat.freezeCount ?? 0,
        totalFreezesDuration: stat.totalFreezesDuration ?? 0,
        // Audio only: the level now (0..1, of what is played out) and the
        // energy summed since the start (grows only while it is not silence).
        audioLevel: stat.audioLevel ?? 0,
        totalAudioEnergy: stat.totalAudioEnergy ?? 0,
        codec: report.get(stat.codecId)?.mimeType ?? '',
      };
    }
    return out;
  });
}

/**
 * The page's own video as sent, summed over its simulcast layers (one
 * outbound-rtp each): NACKs and PLIs it got, packets it sent again, and
 * what the receiver's RTCP reports say of it (remote-inbound-rtp: packets
 * lost, round-trip time in seconds). `layers` has each layer's rid, frame
 * size and rate.
 */
export function outboundVideo(page) {
  return page.evaluate(async () => {
    const report = await window.civicmeet.pc.getStats();
    const outs = [...report.values()].filter((s) => s.type === 'outbound-rtp' && s.kind === 'video');
    const remotes = outs.map((out) => [...report.values()].find((s) => s.type === 'remote-inbound-rtp' && s.localId === out.id));
    const sum = (list, key) => list.reduce((total, s) => total + (s?.[key] ?? 0), 0);
    return {
      packetsSent: sum(outs, 'packetsSent'),
      nackCount: sum(outs, 'nackCount'),
      pliCount: sum(outs, 'pliCount'),
      firCount: sum(outs, 'firCount'),
      retransmittedPacketsSent: sum(outs, 'retransmittedPacketsSent'),
      framesPerSecond: Math.max(0, ...outs.map((s) => s.framesPerSecond ?? 0)),
      qualityLimitationReason: outs[0]?.qualityLimitationReason,
      remotePacketsLost: sum(remotes, 'packetsLost'),
      remoteRoundTripTime: remotes.find((r) => r?.roundTripTime !== undefined)?.roundTripTime,
      layers: outs.map((s) => ({ rid: s.rid, frameHeight: s.frameHeight ?? 0, framesPerSecond: s.framesPerSecond ?? 0, active: s.active })),
    };
  });
}

/**
 * The ICE candidate pair the page's connection uses: its round-trip time in
 * seconds and the local and remote candidate (address, port, protocol,
 * candidateType), or null before one is chosen.
 */
export function selectedCandidatePair(page) {
  return page.evaluate(async () => {
    const pc = window.civicmeet?.pc;
    if (!pc) return null;
    const report = await pc.getStats();
    const transport = [...report.values()].find((s) => s.type === 'transport' && s.selectedCandidatePairId);
    const pair = report.get(transport?.selectedCandidatePairId);
    if (!pair) return null;
    const candidate = (id) => {
      const c = report.get(id);
      return { address: c?.address, port: c?.port, protocol: c?.protocol, candidateType: c?.candidateType };
    };
    return { state: pair.state, currentRoundTripTime: pair.currentRoundTripTime, local: candidate(pair.localCandidateId), remote: candidate(pair.remoteCandidateId) };
  });
}

/**
 * Waits until the page decodes video and receives audio from every one of
 * `others` (participant ids), then samples again after `gapMs` and asserts
 * both kept rising. Returns the second sample and the measured frame rates.
 */
export async function assertMediaFlowsFrom(page, others, { timeoutMs = 30_000, gapMs = 2_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let first;
  for (;;) {
    first = await inboundByParticipant(page);
    const ready = others.every((id) => first[id]?.video?.framesDecoded > 0 && first[id]?.audio?.bytesReceived > 0);
    if (ready) break;
    if (Date.now() > deadline) assert.fail(`no media from all of ${others.join(', ')} within ${timeoutMs} ms; stats: ${JSON.stringify(first)}`);
    await sleep(250);
  }
  const started = Date.now();
  await sleep(gapMs);
  const second = await inboundByParticipant(page);
  const seconds = (Date.now() - started) / 1000;
  const fps = {};
  for (const id of others) {
    const [a, b] = [first[id], second[id]];
    assert.ok(b?.video?.framesDecoded > a.video.framesDecoded, `video from ${id} stopped: ${JSON.stringify({ a, b })}`);
    assert.ok(b?.audio?.bytesReceived > a.audio.bytesReceived, `audio from ${id} stopped: ${JSON.stringify({ a, b })}`);
    fps[id] = Number(((b.video.framesDecoded - a.video.framesDecoded) / seconds).toFixed(1));
  }
  return { stats: second, fps };
}

/** Chromium's inbound audioLevel is 1/32767 for digital silence; a tone is far above this. */
export const AUDIBLE_LEVEL = 0.01;

/**
 * Asserts the page receives audio from participant `id` and it is
 * audible: bytes arrive, audioLevel rises above AUDIBLE_LEVEL within
 * `timeoutMs`, and both bytes and the audio energy keep growing a second
 * later. `who` names the sender in failure messages, `why()` adds to them
 * (e.g. a SIP client's log).
 */
export async function assertHeard(page, id, { who = 'the participant', why = () => '', timeoutMs = 10_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let first;
  for (;;) {
    first = (await inboundByParticipant(page))[id]?.audio;
    if (first?.bytesReceived > 0 && first.audioLevel > AUDIBLE_LEVEL) break;
    if (Date.now() > deadline) assert.fail(`no audible audio from ${who} (${id}) within ${timeoutMs} ms: ${JSON.stringify(first)}${why()}`);
    await sleep(200);
  }
  await sleep(1_000);
  const second = (await inboundByParticipant(page))[id]?.audio;
  assert.ok(second?.bytesReceived > first.bytesReceived, `audio from ${who} stopped: ${JSON.stringify({ first, second })}${why()}`);
  assert.ok(second.totalAudioEnergy > first.totalAudioEnergy, `the audio from ${who} went silent: ${JSON.stringify({ first, second })}${why()}`);
}

/**
 * Waits until the page has decoded a video frame from each of `from`
 * (participant ids); returns the milliseconds since `since`.
 */
export async function msUntilFrames(page, from, since, timeoutMs = 30_000) {
  for (;;) {
    const stats = await inboundByParticipant(page);
    if (from.every((id) => stats[id]?.video?.framesDecoded > 0)) return Date.now() - since;
    if (Date.now() - since > timeoutMs) assert.fail(`no video frame from all of ${from.join(', ')} within ${timeoutMs} ms`);
    await sleep(20);
  }
}

/** Asserts the page loaded nothing from another origin and logged no errors. */
export function assertCleanPage(page, baseUrl) {
  const origin = new URL(baseUrl).origin;
  const foreign = page.requests.filter((url) => !/^(data|blob):/.test(url) && new URL(url).origin !== origin);
  assert.deepEqual(foreign, [], 'requests to other origins');
  assert.deepEqual(page.problems, [], 'page errors');
}

/**
 * Waits for a caller's tile (a phone or room system, named `name`) on each
 * of `pages`, and returns its participant id: one participant of its own
 * (not one of `others`), known by the same id on every page. `tiles` is
 * how many tiles each page then shows, if the test knows.
 */
export async function callerTileId(pages, name, { others = [], tiles, why = () => '' } = {}) {
  let callerId;
  for (const page of pages) {
    const tile = page.locator('#tiles .tile').filter({ hasText: name });
    try {
      await tile.waitFor({ timeout: 10_000 });
    } catch (error) {
      assert.fail(`no tile for "${name}": ${error.message}${why()}`);
    }
    if (tiles !== undefined) assert.equal(await page.locator('#tiles .tile').count(), tiles, `${tiles} tiles with the caller's`);
    const id = await tile.getAttribute('data-participant-id');
    assert.ok(!others.includes(id), 'the caller is a participant of its own');
    if (callerId !== undefined) assert.equal(id, callerId, 'every page knows the caller by the same id');
    callerId = id;
  }
  return callerId;
}
