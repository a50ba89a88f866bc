/**
 * Progress display for long work: a redrawn bar with ETA on a terminal,
 * plain lines otherwise (one per tenth of the work, for logs and CI).
 */
import type { CliIO } from './framework.js';

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export class Progress {
  private readonly t0 = performance.now();
  private lastDraw = 0;
  private lastTenth = -1;
  private done = false;

  constructor(
    private readonly io: CliIO,
    private readonly label: string,
    private readonly total: number,
    /** Resumed runs start part-way: ETA counts from here. */
    private readonly start = 0,
  ) {}

  update(current: number, detail = ''): void {
    if (this.done) return;
    const now = performance.now();
    const frac = this.total > 0 ? Math.min(1, current / this.total) : 1;
    const elapsed = (now - this.t0) / 1000;
    const doneWork = current - this.start;
    const rate = doneWork > 0 ? doneWork / elapsed : 0;
    const eta = rate > 0 ? (this.total - current) / rate : NaN;
    if (this.io.isTTY) {
      if (now - this.lastDraw < 100 && current < this.total) return;
      this.lastDraw = now;
      const width = 24;
      const filled = Math.round(frac * width);
      const bar = '#'.repeat(filled) + '.'.repeat(width - filled);
      this.io.err(
        `\r${this.label} [${bar}] ${(frac * 100).toFixed(0).padStart(3)}% ` +
          `${current}/${this.total} ETA ${formatDuration(eta)} ${detail}\x1b[K`,
      );
    } else {
      const tenth = Math.floor(frac * 10);
      if (tenth === this.lastTenth) return;
      this.lastTenth = tenth;
      this.io.err(
        `${this.label}: ${current}/${this.total} (${(frac * 100).toFixed(0)}%)` +
          `, ${formatDuration(elapsed)} elapsed, ETA ${formatDuration(eta)}` +
          `${detail ? `, ${detail}` : ''}\n`,
      );
    }
  }

  finish(): void {
    if (this.done) return;
    this.done = true;
    if (this.io.isTTY) this.io.err('\n');
  }
}
