// A one-line progress bar with rate and ETA for long CLI loops, written to a stream (stderr by default).
// Redraws at most every 200 ms; on a non-TTY stream prints a plain line every 10% instead.

export interface ProgressStream {
  write(s: string): unknown;
  isTTY?: boolean;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export class ProgressBar {
  private done = 0;
  private readonly start: number;
  private lastDraw = 0;
  private lastDecile = -1;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly stream: ProgressStream = process.stderr,
    private readonly now: () => number = Date.now,
  ) {
    this.start = now();
  }

  /** The line shown after `done` of `total` items: bar, count, rate, elapsed and ETA. */
  line(): string {
    const elapsed = (this.now() - this.start) / 1000;
    const frac = this.total > 0 ? this.done / this.total : 1;
    const width = 24;
    const filled = Math.round(frac * width);
    const rate = elapsed > 0 ? this.done / elapsed : 0;
    const eta = rate > 0 ? (this.total - this.done) / rate : Infinity;
    return (
      `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.done}/${this.total} ${rate.toFixed(1)}/s elapsed ` +
      `${formatDuration(elapsed)} ETA ${formatDuration(eta)}`
    );
  }

  tick(n = 1): void {
    this.done = Math.min(this.total, this.done + n);
    const t = this.now();
    if (this.stream.isTTY) {
      if (t - this.lastDraw >= 200 || this.done === this.total) {
        this.stream.write(`\r${this.line()}`);
        this.lastDraw = t;
      }
    } else {
      const decile = Math.floor((this.done / Math.max(1, this.total)) * 10);
      if (decile !== this.lastDecile) {
        this.stream.write(`${this.line()}\n`);
        this.lastDecile = decile;
      }
    }
  }

  finish(): number {
    if (this.stream.isTTY) this.stream.write(`\r${this.line()}\n`);
    return (this.now() - this.start) / 1000;
  }
}
