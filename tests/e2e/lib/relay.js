// A TCP relay in front of the server, for one page: the page loads the
// meeting and opens its signalling WebSocket through it, so a test can cut
// that page's connections the way a network change or a proxy's timeout
// does (reset, no WebSocket Close frame), without any hook in the page.
// Media does not pass through it: the page reaches the media port directly.

import net from 'node:net';

/**
 * Relays 127.0.0.1:<free port> to `target` (`{host, port}`).
 * @returns {Promise<{url: string, accepted: () => number, hold: (on?: boolean) => void, cut: () => void, close: () => Promise<void>}>}
 */
export function startRelay(target) {
  const open = new Set();
  let accepted = 0;
  let holding = false;
  const server = net.createServer((client) => {
    // The network is still down: the connection fails at once.
    if (holding) {
      client.resetAndDestroy();
      return;
    }
    accepted += 1;
    const upstream = net.connect(target.port, target.host);
    const pair = { client, upstream };
    open.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      open.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('error', end);
      socket.on('close', end);
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        /** How many connections the relay took so far. */
        accepted: () => accepted,
        /** While held, every new connection is reset at once (`hold(false)` ends it). */
        hold(on = true) {
          holding = on;
        },
        /** Resets every open connection on both sides. */
        cut() {
          for (const { client, upstream } of open) {
            client.resetAndDestroy();
            upstream.resetAndDestroy();
          }
          open.clear();
        },
        close() {
          this.cut();
          return new Promise((done) => server.close(() => done()));
        },
      });
    });
  });
}
