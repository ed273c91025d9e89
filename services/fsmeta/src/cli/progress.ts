import { SingleBar } from 'cli-progress';
import type { CliIo } from './command';

/**
 * Progress of long work (dump, load, fsck, gc) on stderr, drawn by the
 * maintained cli-progress library: count, rate and ETA. Drawn only when stderr
 * is a terminal, so scripts and logs get clean output; the counts are kept
 * either way for the final summary.
 */
export class Progress {
  private readonly bar?: SingleBar;
  private readonly started = Date.now();
  value = 0;

  constructor(
    io: CliIo,
    readonly label: string,
    private total: number,
    unit = 'items',
  ) {
    if (io.interactive && io.progressStream !== undefined) {
      this.bar = new SingleBar({
        format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {rate}/s | ETA {eta_formatted}`,
        stream: io.progressStream,
        hideCursor: true,
        etaBuffer: 50,
        fps: 5,
      });
      this.bar.start(Math.max(total, 1), 0, { rate: '0' });
    }
  }

  /** Items per second so far. */
  get rate(): number {
    const s = (Date.now() - this.started) / 1000;
    return s > 0 ? this.value / s : 0;
  }

  get elapsedMs(): number {
    return Date.now() - this.started;
  }

  increment(n = 1): void {
    this.value += n;
    if (this.bar !== undefined) {
      // An estimate (a dump's inode count) may be passed: grow the total rather than overflow.
      if (this.value > this.total) {
        this.total = this.value;
        this.bar.setTotal(this.total);
      }
      this.bar.update(this.value, { rate: Math.round(this.rate).toString() });
    }
  }

  stop(): void {
    this.bar?.update(this.value, { rate: Math.round(this.rate).toString() });
    this.bar?.stop();
  }
}
