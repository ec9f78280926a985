// Reconnecting the meeting socket after it dropped: when to try again.
//
// Owns: the back-off between attempts and when to give up. It knows
// nothing of sockets or the page: `attempt()` is called at each turn and
// reports failure by the page calling `retry()` (the socket did not open,
// or closed again before the server answered); `stop()` ends it (the
// server answered, or the user left). The server keeps a dropped seat 20 s
// by default (`meetings.rejoin_grace_secs`); trying a little longer still
// finds the meeting, as a normal join.

/** Waits between attempts; the last one repeats. */
const DELAYS_MS = [250, 500, 1_000, 2_000, 4_000];
/** No attempt starts after this long. */
const GIVE_UP_MS = 30_000;

export class Reconnect {
  /**
   * @param {{attempt: () => void, giveUp: () => void}} handlers
   */
  constructor({ attempt, giveUp }) {
    this.handlers = { attempt, giveUp };
    this.since = null;
    this.tries = 0;
    this.timer = null;
  }

  get active() {
    return this.since !== null;
  }

  /** The socket dropped: the first attempt follows shortly. */
  start() {
    this.stop();
    this.since = Date.now();
    this.retry();
  }

  /** The last attempt failed: the next one, later, or give up. */
  retry() {
    if (!this.active) return;
    if (Date.now() - this.since > GIVE_UP_MS) {
      this.stop();
      this.handlers.giveUp();
      return;
    }
    const delay = DELAYS_MS[Math.min(this.tries, DELAYS_MS.length - 1)];
    this.tries += 1;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.handlers.attempt(), delay);
  }

  stop() {
    clearTimeout(this.timer);
    this.timer = null;
    this.since = null;
    this.tries = 0;
  }
}
