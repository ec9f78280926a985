// Bad input while a call runs: garbage datagrams on the media port and
// broken signalling from a raw WebSocket. Each bad message gets its typed
// error; the two people in the call keep seeing and hearing each other.

import { test } from 'node:test';
import { serverAndBrowser } from './lib/fixture.js';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { createMeeting } from './lib/server.js';
import { openPage } from './lib/browser.js';
import { joinThroughUi, guestAdmitted, absolute, assertMediaFlowsFrom } from './lib/meeting.js';

const MAX_MESSAGE_BYTES = 64 * 1024; // civicmeet-wire's limit

const env = serverAndBrowser();

/** Sends garbage that looks like each protocol on the media port (and some that looks like none). */
async function sprayDatagrams(port) {
  const socket = dgram.createSocket('udp4');
  const send = (buf) => new Promise((resolve) => socket.send(buf, port, '127.0.0.1', () => resolve()));
  for (let i = 0; i < 200; i++) {
    const body = randomBytes(1 + (i * 37) % 1400);
    // First bytes pick the demultiplexing path (RFC 7983): STUN 0-3, DTLS 20-63, RTP/RTCP 128-191.
    body[0] = [0x00, 0x01, 0x16, 0x17, 0x80, 0x90, 0xc8, 0xff][i % 8];
    if (i % 8 === 0 && body.length >= 20) body.writeUInt32BE(0x2112a442, 4); // STUN magic cookie, bad rest
    await send(body);
  }
  await send(Buffer.alloc(0));
  socket.close();
}

/** Opens a raw socket, sends `frames` in order, resolves with the first error message. */
function firstError(url, frames) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { maxPayload: 1 << 20 });
    const timer = setTimeout(() => { ws.terminate(); reject(new Error(`no error message on ${url} for ${String(frames[0]).slice(0, 60)}`)); }, 10_000);
    ws.on('open', () => { for (const frame of frames) ws.send(frame); });
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data));
      if (msg.type !== 'error') return;
      clearTimeout(timer);
      ws.close();
      resolve(msg);
    });
    ws.on('unexpected-response', (_req, res) => { clearTimeout(timer); reject(new Error(`upgrade refused with HTTP ${res.statusCode} on ${url}`)); });
    ws.on('error', (err) => { clearTimeout(timer); reject(err); });
  });
}

test('garbage datagrams and broken signalling do not disturb a running call', { timeout: 150_000 }, async (t) => {
  const meeting = await createMeeting(env.server.url);
  const { id } = meeting;
  const hostKey = meeting.host_url.split('#')[1];
  const guestKey = meeting.guest_url.split('#')[1];
  const pages = [await openPage(env.browser), await openPage(env.browser)];
  const ids = [
    await joinThroughUi(pages[0], absolute(meeting.host_url, env.server.url), 'Emmy'),
    await guestAdmitted(pages[0], pages[1], 'Kurt', { link: absolute(meeting.guest_url, env.server.url) }),
  ];
  await assertMediaFlowsFrom(pages[0], [ids[1]]);
  await assertMediaFlowsFrom(pages[1], [ids[0]]);

  await sprayDatagrams(env.server.mediaPort);

  const wsBase = env.server.url.replace(/^http/, 'ws');
  const socketUrl = `${wsBase}/api/meetings/${id}/ws`;
  const joinAs = (key, name = 'Mallory') => JSON.stringify({ type: 'join', version: 2, name, media: { audio: true, video: true }, key });
  const join = joinAs(hostKey);
  const cases = [
    { what: 'malformed JSON', url: socketUrl, frames: ['{"type": "join", '], code: 'bad_message' },
    { what: 'an unknown message type', url: socketUrl, frames: ['{"type":"shout"}'], code: 'bad_message' },
    { what: 'an oversized message', url: socketUrl, frames: [JSON.stringify({ type: 'offer', sdp: 'a'.repeat(MAX_MESSAGE_BYTES + 1) })], code: 'message_too_large' },
    { what: 'an offer before join', url: socketUrl, frames: ['{"type":"offer","sdp":"v=0"}'], code: 'unexpected_message' },
    { what: 'a protocol version from the future', url: socketUrl, frames: [join.replace('"version":2', '"version":99')], code: 'unsupported_version' },
    { what: 'the old protocol version 1', url: socketUrl, frames: [join.replace('"version":2', '"version":1')], code: 'unsupported_version' },
    { what: 'an empty name', url: socketUrl, frames: [joinAs(hostKey, '   ')], code: 'invalid_name' },
    { what: 'a join without a key', url: socketUrl, frames: [JSON.stringify({ type: 'join', version: 2, name: 'Mallory' })], code: 'bad_message' },
    { what: 'a made-up key', url: socketUrl, frames: [joinAs('not-a-key-of-this-meeting')], code: 'link_invalid' },
    { what: 'an unparseable SDP offer', url: socketUrl, frames: [join, '{"type":"offer","sdp":"this is not sdp"}'], code: 'sdp_rejected' },
    // Before admission a guest may send nothing but leave.
    { what: 'a guest in the waiting room admitting someone', url: socketUrl, frames: [joinAs(guestKey), `{"type":"admit","id":${ids[1]}}`], code: 'unexpected_message' },
    { what: 'an unknown meeting id', url: `${wsBase}/api/meetings/${'0'.repeat(32)}/ws`, frames: [join], code: 'meeting_not_found' },
  ];
  for (const c of cases) {
    const msg = await firstError(c.url, c.frames);
    assert.equal(msg.code, c.code, `${c.what}: ${JSON.stringify(msg)}`);
    assert.equal(typeof msg.message, 'string');
    assert.equal(typeof msg.fatal, 'boolean');
    t.diagnostic(`${c.what} → ${msg.code}${msg.fatal ? ' (fatal)' : ''}`);
  }

  // An admitted guest's host action is refused by role (not_allowed), and
  // the guest stays in the meeting.
  const mallory = new WebSocket(socketUrl);
  const inbox = [];
  const next = (type) => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type}; got ${JSON.stringify(inbox)}`)), 15_000);
    const look = () => {
      const i = inbox.findIndex((m) => m.type === type);
      if (i < 0) return setTimeout(look, 50);
      clearTimeout(timer);
      return resolve(inbox.splice(i, 1)[0]);
    };
    look();
  });
  mallory.on('message', (data) => inbox.push(JSON.parse(String(data))));
  await new Promise((resolve) => mallory.once('open', resolve));
  mallory.send(joinAs(guestKey, 'Mallory'));
  await next('waiting');
  await pages[0].getByRole('button', { name: 'Admit: Mallory', exact: true }).click();
  await next('welcome');
  for (const frame of [{ type: 'admit', id: Number(ids[1]) }, { type: 'mute', id: Number(ids[0]), kind: 'audio' }, { type: 'remove', id: Number(ids[0]) }, { type: 'end_meeting' }, { type: 'invite', role: 'guest' }]) {
    mallory.send(JSON.stringify(frame));
    const msg = await next('error');
    assert.equal(msg.code, 'not_allowed', `an admitted guest's ${frame.type}: ${JSON.stringify(msg)}`);
    assert.equal(msg.fatal, false);
  }
  t.diagnostic('an admitted guest\'s admit, mute, remove, end_meeting, invite → not_allowed');
  mallory.send(JSON.stringify({ type: 'leave' }));
  mallory.close();
  assert.equal(await pages[0].getByRole('heading', { name: 'The meeting has ended' }).isVisible(), false);

  // The call goes on, and nobody else stays in it (Mallory joined once, then went).
  assert.ok(env.server.running(), 'civicmeet is still running');
  await sprayDatagrams(env.server.mediaPort);
  await assertMediaFlowsFrom(pages[0], [ids[1]]);
  await assertMediaFlowsFrom(pages[1], [ids[0]]);
  for (const page of pages) await page.waitForFunction(() => document.querySelectorAll('#tiles .tile').length === 2, null, { timeout: 10_000 });
});
