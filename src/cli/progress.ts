/**
 * Progress for long work: a bar redrawn in place on a terminal, plain periodic lines otherwise
 * (so CI logs stay readable). Always on stderr.
 */
export class Progress {
  private last: number;
  private lastPct = -1;
  private readonly tty = Boolean(process.stderr.isTTY);
  private readonly t0: number;
  private readonly enabled: boolean;
  constructor(
    private readonly label: string,
    enabled = true,
    /** The clock (ms); tests pass their own. */
    private readonly now: () => number = () => performance.now(),
  ) {
    // `epcsim --quiet ...` silences progress everywhere.
    this.enabled = enabled && !process.env.EPCSIM_QUIET;
    this.t0 = now();
    // In a log, the first line comes after 5 s: short commands print none.
    this.last = this.t0;
  }

  /** Elapsed time, and the remaining time extrapolated from the fraction done. */
  private clock(fraction: number): string {
    const s = (this.now() - this.t0) / 1000;
    const fmt = (x: number) =>
      x < 60 ? `${x.toFixed(0)}s` : `${Math.floor(x / 60)}m${String(Math.round(x % 60)).padStart(2, "0")}s`;
    if (fraction <= 0.01 || fraction >= 1) return fmt(s);
    return `${fmt(s)}, ETA ${fmt((s * (1 - fraction)) / fraction)}`;
  }

  update(fraction: number, detail = ""): void {
    if (!this.enabled) return;
    const pct = Math.max(0, Math.min(100, Math.floor(fraction * 100)));
    detail = `(${this.clock(fraction)}) ${detail}`.trimEnd();
    const now = this.now();
    if (this.tty) {
      if (pct === this.lastPct && now - this.last < 200) return;
      const w = 30;
      const filled = Math.round((pct / 100) * w);
      process.stderr.write(
        `\r${this.label} [${"#".repeat(filled)}${"-".repeat(w - filled)}] ${pct}% ${detail}   `,
      );
    } else {
      if (now - this.last < 5000) return;
      process.stderr.write(`${this.label}: ${pct}% ${detail}\n`);
    }
    this.last = now;
    this.lastPct = pct;
  }

  done(): void {
    if (this.enabled && this.tty && this.lastPct >= 0) process.stderr.write("\r\x1b[K");
  }
}
