import type { Logger } from 'pino';

/** A background job: `run` does one bounded batch and returns how much it did. */
export interface Job {
  name: string;
  run(): Promise<number>;
}

/**
 * Runs jobs on a jittered period. Every replica runs them; the SQL behind each
 * one claims work with SKIP LOCKED, so replicas share it without coordinating.
 * A job that filled its batch runs again at once.
 */
export class JobRunner {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly jobs: Job[],
    private readonly periodMs: number,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    const delay = this.periodMs * (0.9 + Math.random() * 0.2);
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => this.schedule());
    }, delay);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    for (const job of this.jobs) {
      if (this.stopped) return;
      try {
        const n = await job.run();
        if (n > 0) this.log.debug({ job: job.name, n }, 'job ran');
      } catch (err) {
        this.log.warn({ job: job.name, err: err instanceof Error ? err.message : String(err) }, 'job failed');
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.running;
  }
}
