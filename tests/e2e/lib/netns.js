// A second "host" on this machine for network-fault tests: a network
// namespace the test makes itself, joined to the root namespace by a veth
// pair with addresses from 198.18.0.0/15, the range RFC 2544 sets aside for
// benchmark tests (not link-local 169.254/16: the media server's ICE stack,
// str0m, refuses link-local candidates). The server stays in the root
// namespace; an impaired Chromium runs inside through a wrapper script.
// Impairments (loss, delay, blocked UDP, a bandwidth cap) only ever act on
// that veth pair, so the only traffic they touch is the test's own.
//
// Needs root, iproute2, nftables, iptables (legacy NFQUEUE: this kernel has
// neither netem nor nft's queue statement) and python3 for delayer.py.
// Everything is undone by destroy(), by an exit hook, and, for a run that
// was killed, by the next run (namespaces whose creating process is gone).

import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_PATH } from './browser.js';

const PREFIX = 'cmtest';
export const BENCHMARK_RANGE = '198.18.0.0/15';
const DELAYER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'delayer.py');
const QUEUE = 0; // queue numbers are per namespace: ours has only this one
const live = new Set();

function run(command, args) {
  return new Promise((resolve, reject) => {
    execFile(command, args, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')}: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}

/** The IPv4 addresses on any interface of the root namespace. */
async function rootAddresses() {
  const out = await run('ip', ['-4', '-o', 'addr', 'show']);
  return new Set([...out.matchAll(/inet (\d+\.\d+\.\d+\.\d+)/g)].map((m) => m[1]));
}

/** Removes namespaces of earlier runs whose process is gone (a killed run skips its clean-up). */
async function sweepStale() {
  const names = new Set([
    ...(await run('ip', ['netns', 'list'])).split('\n').map((line) => line.split(' ')[0]),
    ...readdirSync(tmpdir()).map((entry) => entry.replace(/-[^-]*$/, '')), // wrapper folders
  ]);
  for (const name of names) {
    const pid = Number(new RegExp(`^${PREFIX}-(\\d+)-\\d+$`).exec(name)?.[1]);
    if (!pid || pid === process.pid) continue;
    try { process.kill(pid, 0); continue; } catch { /* that run is gone */ }
    removeNamespace(name);
  }
}

/** Kills what still runs in namespace `name` (all of it started by a test) and deletes it with its veth pair and rules. */
function removeNamespace(name) {
  let pids = '';
  try { pids = execFileSync('ip', ['netns', 'pids', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }); } catch { /* no such namespace */ }
  for (const pid of pids.split('\n').filter(Boolean)) {
    try { process.kill(Number(pid), 'SIGKILL'); } catch { /* already gone */ }
  }
  try { execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' }); } catch { /* already gone */ }
  // Its Chromium wrapper's folder (mkdtemp of `${name}-`).
  for (const entry of readdirSync(tmpdir())) {
    if (entry.startsWith(`${name}-`)) rmSync(path.join(tmpdir(), entry), { recursive: true, force: true });
  }
}

process.on('exit', () => { for (const name of live) removeNamespace(name); });

let counter = 0;

/**
 * Creates a namespace with a veth pair to the root namespace.
 * `rootAddress` is the root side (bind the server there), `nsAddress` the
 * inside; `chromium` is the wrapper to give playwright as executablePath.
 */
export async function createNetns() {
  if (process.getuid?.() !== 0) throw new Error('network-fault tests need root (ip netns, nft, tc)');
  await sweepStale();
  const n = counter++;
  const name = `${PREFIX}-${process.pid}-${n}`;
  const rootDev = `cm${process.pid}x${n}r`.slice(-15);
  const nsDev = `cm${process.pid}x${n}n`.slice(-15);
  // A /30 of 198.18.0.0/15 that nothing here uses or routes to (but other
  // test namespaces), so the veth is the only place its addresses exist and
  // we disturb nobody's network.
  const routes = (await run('ip', ['-4', 'route', 'show', 'root', BENCHMARK_RANGE])).split('\n');
  if (routes.some((route) => route.trim() !== '' && !/ dev cm\d+x\d+r /.test(route))) {
    throw new Error(`this machine routes part of ${BENCHMARK_RANGE} already; refusing to add test addresses there`);
  }
  const taken = await rootAddresses();
  let a; let b;
  do {
    a = Math.floor(Math.random() * 256);
    b = 4 * Math.floor(Math.random() * 64);
  } while (taken.has(`198.18.${a}.${b + 1}`) || taken.has(`198.18.${a}.${b + 2}`));
  const rootAddress = `198.18.${a}.${b + 1}`;
  const nsAddress = `198.18.${a}.${b + 2}`;
  const inside = (command, args) => run('ip', ['netns', 'exec', name, command, ...args]);

  let wrapperDir;
  let delayer;
  const ns = {
    name, rootDev, nsDev, rootAddress, nsAddress,
    chromium: undefined,

    /** Drops `percent` % of UDP at random, each direction: arriving (input hook) and leaving the namespace. */
    async loss(percent) {
      const drop = `meta l4proto udp numgen random mod 100 < ${Number(percent)} counter drop`;
      await nftInside(`civicmeet_loss_${Number(percent)}`, drop);
    },

    /** Drops every UDP packet in and out: only TCP gets through. */
    async blockUdp() {
      await nftInside('civicmeet_block_udp', 'meta l4proto udp counter drop');
    },

    /** Lifts `blockUdp()`: UDP flows again (a network that came back, or a new one). */
    async unblockUdp() {
      await inside('nft', ['delete', 'table', 'inet', 'civicmeet_block_udp']);
      await inside('nft', ['delete', 'table', 'netdev', 'civicmeet_block_udp']);
    },

    /** Holds every UDP packet in and out for `ms` milliseconds (so the round trip grows by 2 × ms). */
    async delay(ms) {
      if (delayer) throw new Error('delay is already set');
      delayer = spawn('ip', ['netns', 'exec', name, process.env.PYTHON ?? 'python3', DELAYER, '--queue', String(QUEUE), '--delay-ms', String(ms)], { stdio: ['ignore', 'pipe', 'pipe'] });
      await new Promise((resolve, reject) => {
        let err = '';
        delayer.stderr.on('data', (chunk) => { err += chunk; });
        delayer.stdout.once('data', (chunk) => (String(chunk).startsWith('ready') ? resolve() : reject(new Error(`delayer: ${chunk}`))));
        delayer.once('exit', (code) => reject(new Error(`delayer exited (${code}): ${err}`)));
      });
      // iptables-legacy: this kernel has NFQUEUE as an xtables target only.
      await inside('iptables-legacy', ['-A', 'INPUT', '-i', nsDev, '-p', 'udp', '-j', 'NFQUEUE', '--queue-num', String(QUEUE)]);
      await inside('iptables-legacy', ['-A', 'OUTPUT', '-o', nsDev, '-p', 'udp', '-j', 'NFQUEUE', '--queue-num', String(QUEUE)]);
    },

    /** UDP packets the loss and block rules dropped so far: `{ in, out }` as seen from inside. */
    async dropped() {
      const { nftables } = JSON.parse(await inside('nft', ['-j', 'list', 'ruleset']));
      const count = { in: 0, out: 0 };
      for (const { rule } of nftables) {
        const packets = rule?.expr?.find((e) => e.counter)?.counter.packets;
        if (packets !== undefined && rule.table.startsWith('civicmeet_')) count[rule.chain] += packets;
      }
      return count;
    },

    /** Caps the link at `kbit` kbit/s each way (tbf on both ends of the veth). */
    async bandwidthCap(kbit) {
      const tbf = ['root', 'tbf', 'rate', `${Number(kbit)}kbit`, 'burst', '32kbit', 'latency', '50ms'];
      await run('tc', ['qdisc', 'replace', 'dev', rootDev, ...tbf]);
      await inside('tc', ['qdisc', 'replace', 'dev', nsDev, ...tbf]);
    },

    /** Undoes everything: the delayer, anything still running inside, the namespace with its veth pair and rules, the wrapper. */
    async destroy() {
      delayer?.kill('SIGKILL');
      removeNamespace(name);
      live.delete(name);
      if (wrapperDir) await rm(wrapperDir, { recursive: true, force: true });
      if ((await run('ip', ['netns', 'list'])).split('\n').some((line) => line.split(' ')[0] === name)) {
        throw new Error(`namespace ${name} is still there`);
      }
    },
  };

  /** One table per impairment inside the namespace: the input hook for arriving packets, the veth's egress hook for leaving ones (an output-hook drop would hand the sender an error instead of losing the packet). */
  async function nftInside(table, statement) {
    const rules = [
      `table inet ${table} {`,
      '  chain in {',
      '    type filter hook input priority -10;',
      `    iifname "${nsDev}" ${statement}`,
      '  }',
      '}',
      `table netdev ${table} {`,
      '  chain out {',
      `    type filter hook egress device "${nsDev}" priority 0;`,
      `    ${statement}`,
      '  }',
      '}',
      '',
    ].join('\n');
    await new Promise((resolve, reject) => {
      const child = spawn('ip', ['netns', 'exec', name, 'nft', '-f', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (chunk) => { err += chunk; });
      child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`nft in ${name}: ${err}`))));
      child.stdin.end(rules);
    });
  }

  live.add(name);
  try {
    await run('ip', ['netns', 'add', name]);
    await run('ip', ['link', 'add', rootDev, 'type', 'veth', 'peer', 'name', nsDev, 'netns', name]);
    // No IPv6 on the veth: its link-local address would appear a second or
    // two after the link comes up (duplicate address detection), and a
    // Chromium already running takes that for a network change and fails
    // the requests in flight (ERR_NETWORK_CHANGED: a page whose scripts
    // failed so submitted its join form natively, in CI).
    await run('sysctl', ['-q', '-w', `net.ipv6.conf.${rootDev}.disable_ipv6=1`]);
    await inside('sysctl', ['-q', '-w', `net.ipv6.conf.${nsDev}.disable_ipv6=1`]);
    await run('ip', ['addr', 'add', `${rootAddress}/30`, 'dev', rootDev]);
    await run('ip', ['link', 'set', rootDev, 'up']);
    await run('ip', ['-n', name, 'addr', 'add', `${nsAddress}/30`, 'dev', nsDev]);
    await run('ip', ['-n', name, 'link', 'set', nsDev, 'up']);
    await run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    // Settled before any browser starts: both ends report carrier.
    for (const deadline = Date.now() + 5_000; ;) {
      const root = await run('ip', ['-o', 'link', 'show', rootDev]);
      const peer = await run('ip', ['-n', name, '-o', 'link', 'show', nsDev]);
      if (/LOWER_UP/.test(root) && /LOWER_UP/.test(peer)) break;
      if (Date.now() > deadline) throw new Error(`the veth pair did not come up: ${root} ${peer}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    wrapperDir = await mkdtemp(path.join(tmpdir(), `${name}-`));
    ns.chromium = path.join(wrapperDir, 'chromium');
    // exec keeps the pid and the pipes playwright talks to Chromium over.
    await writeFile(ns.chromium, `#!/bin/sh\nexec ip netns exec ${name} '${CHROMIUM_PATH}' "$@"\n`, { mode: 0o755 });
  } catch (error) {
    await ns.destroy().catch(() => {});
    throw error;
  }
  return ns;
}
