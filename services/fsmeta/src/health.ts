import type { Logger } from 'pino';

/**
 * Keeps the health status true to the database: NOT_SERVING while the
 * database does not answer (a replica that cannot reach PostgreSQL can serve
 * nothing, so load balancers should route around it), SERVING again as soon
 * as it answers. Never exits the process: a database outage is weather.
 */
export class DatabaseHealth {
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private reachable = true;
  private probing?: Promise<void>;

  constructor(
    private readonly ping: () => Promise<void>,
    private readonly setServing: (serving: boolean) => void,
    private readonly periodMs: number,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.schedule();
  }

  /** Whether the last probe reached the database. */
  get up(): boolean {
    return this.reachable;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.probing = this.probe().finally(() => this.schedule());
    }, this.periodMs);
    this.timer.unref();
  }

  private async probe(): Promise<void> {
    let ok: boolean;
    let timeout: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.ping(),
        new Promise<never>((_, reject) => {
          timeout = setTimeout(() => reject(new Error(`no answer within ${this.periodMs * 5} ms`)), this.periodMs * 5);
        }),
      ]);
      ok = true;
    } catch (err) {
      ok = false;
      if (this.reachable) this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'database unreachable: NOT_SERVING');
    } finally {
      clearTimeout(timeout);
    }
    if (this.stopped || ok === this.reachable) return;
    this.reachable = ok;
    if (ok) this.log.info('database reachable again: SERVING');
    this.setServing(ok);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.probing;
  }
}
