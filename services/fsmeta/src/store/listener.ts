import { Client } from 'pg';
import type { Logger } from 'pino';

/** A channel's subscriber: `notify` per notification, `gap` after a reconnect (notifications may have been missed). */
export interface ChannelHandler {
  notify(payload: string): void;
  gap?(): void;
}

const CHANNEL_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const RECONNECT_BASE_MS = 100;
const RECONNECT_MAX_MS = 5000;

/**
 * PostgreSQL LISTEN for the whole replica: one dedicated connection (never a
 * pool connection, so nobody waiting for a notification holds one), shared by
 * every subscriber, fanning each notification out in-process by channel. The
 * connection is made again after it is lost (a database restart, a
 * terminated backend), with backoff, and every channel is listened to again;
 * subscribers then get `gap()` so they can re-check what they wait for.
 */
export class Notifications {
  private client: Client | undefined;
  private connecting: Promise<void> | undefined;
  private readonly channels = new Map<string, Set<ChannelHandler>>();
  private closed = false;
  private failures = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly connectionString: string,
    private readonly log: Logger,
  ) {}

  /**
   * Subscribes `handler` to `channel`. Resolves once the channel is listened to
   * (or, while the database is unreachable, once the subscription is recorded:
   * it is listened to on reconnect, followed by `gap()`). Returns the unsubscribe.
   */
  async listen(channel: string, handler: ChannelHandler): Promise<() => Promise<void>> {
    if (!CHANNEL_NAME.test(channel)) throw new Error(`bad channel name ${JSON.stringify(channel)}`);
    let set = this.channels.get(channel);
    const first = set === undefined;
    if (set === undefined) {
      set = new Set();
      this.channels.set(channel, set);
    }
    set.add(handler);
    if (first) await this.run(`listen ${channel}`);
    else await this.ensureConnected().catch(() => undefined);
    return async () => {
      const s = this.channels.get(channel);
      if (s === undefined || !s.delete(handler) || s.size > 0) return;
      this.channels.delete(channel);
      await this.run(`unlisten ${channel}`);
    };
  }

  /** True while the LISTEN connection is up. */
  get connected(): boolean {
    return this.client !== undefined && this.connecting === undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => undefined);
  }

  /** Runs a LISTEN/UNLISTEN on the live connection; a lost connection is not the caller's failure (reconnect re-listens). */
  private async run(sql: string): Promise<void> {
    try {
      await this.ensureConnected();
      await this.client?.query(sql);
    } catch (err) {
      this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'notification listener: statement failed');
    }
  }

  private ensureConnected(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.client !== undefined && this.connecting === undefined) return Promise.resolve();
    this.connecting ??= this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.connectionString, application_name: 'fsmeta-listen' });
    client.on('notification', (msg) => {
      for (const h of this.channels.get(msg.channel) ?? []) h.notify(msg.payload ?? '');
    });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    try {
      await client.connect();
      for (const channel of this.channels.keys()) await client.query(`listen ${channel}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      this.scheduleReconnect();
      throw err;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    const reconnected = this.failures > 0;
    this.failures = 0;
    this.client = client;
    if (reconnected) {
      this.log.info('notification listener reconnected');
      for (const set of this.channels.values()) for (const h of set) h.gap?.();
    }
  }

  private lost(client: Client, err: Error): void {
    if (this.client !== client) return;
    this.client = undefined;
    client.end().catch(() => undefined);
    if (this.closed) return;
    this.log.warn({ err: err.message }, 'notification listener lost its connection');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer !== undefined) return;
    this.failures++;
    const delay = Math.min(RECONNECT_MAX_MS, RECONNECT_BASE_MS * 2 ** (this.failures - 1));
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.ensureConnected().catch(() => undefined);
    }, delay * (0.5 + Math.random() / 2));
    this.reconnectTimer.unref();
  }
}
