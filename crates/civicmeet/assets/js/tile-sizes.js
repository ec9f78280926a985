// Tells the server how large this page shows each other participant's
// video, so that it sends the simulcast layer that fits (a thumbnail needs
// no full resolution) and pauses video nobody can see: tiles scrolled out
// of view or a hidden tab. Saves the citizen's mobile data and the
// server's bandwidth; the server's bandwidth estimate still has the last
// word.
//
// Owns: the observers on the tile list. Sends `tiles` messages only when a
// height actually changed, at most every REPORT_DELAY_MS.

const REPORT_DELAY_MS = 300;

export class TileSizes {
  /**
   * @param {HTMLElement} list the tiles' <ul>
   * @param {(tiles: {id: number, height: number|null}[]) => void} report sends a `tiles` message
   */
  constructor(list, report) {
    this.list = list;
    this.report = report;
    this.visible = new Map();
    this.sent = new Map();
    this.timer = null;
    this.resize = new ResizeObserver(() => this.schedule());
    this.intersect = new IntersectionObserver((entries) => {
      for (const entry of entries) this.visible.set(entry.target, entry.isIntersecting);
      this.schedule();
    });
    this.mutations = new MutationObserver(() => this.observeTiles());
    this.mutations.observe(list, { childList: true });
    this.onVisibility = () => this.schedule();
    document.addEventListener('visibilitychange', this.onVisibility);
    this.observeTiles();
  }

  observeTiles() {
    for (const tile of this.list.querySelectorAll('.tile:not(.self)')) {
      if (this.visible.has(tile)) continue;
      this.visible.set(tile, true);
      this.resize.observe(tile);
      this.intersect.observe(tile);
    }
    for (const tile of this.visible.keys()) {
      if (!tile.isConnected) {
        this.visible.delete(tile);
        this.resize.unobserve(tile);
        this.intersect.unobserve(tile);
      }
    }
    this.schedule();
  }

  schedule() {
    if (this.timer === null) this.timer = setTimeout(() => this.send(), REPORT_DELAY_MS);
  }

  send() {
    this.timer = null;
    const changed = [];
    for (const [tile, inView] of this.visible) {
      const id = Number(tile.dataset.participantId);
      const shown = inView && document.visibilityState === 'visible';
      // Screen pixels, not CSS pixels: a sharp display needs the sharper
      // layer (capped at 2x, beyond that nobody sees the difference).
      const scale = Math.min(window.devicePixelRatio || 1, 2);
      const height = shown ? Math.round(tile.getBoundingClientRect().height * scale) : null;
      if (this.sent.get(id) !== height) {
        this.sent.set(id, height);
        changed.push({ id, height });
      }
    }
    if (changed.length > 0) this.report(changed);
  }

  stop() {
    clearTimeout(this.timer);
    this.resize.disconnect();
    this.intersect.disconnect();
    this.mutations.disconnect();
    document.removeEventListener('visibilitychange', this.onVisibility);
  }
}
