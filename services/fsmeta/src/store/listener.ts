import { Client } from 'pg';
import type { Logger } from 'pino';

/** Channel names are SQL identifiers we choose; never built from request values. */
const CHANNEL_RE = /^[a-z_][a-z0-9_]*$/;
const RECONNECT_MIN_MS = 50;
const RECONNECT_MAX_MS = 5_000;

/** Called with the payload, or with `undefined` after a reconnect (notifications may have been missed). */
export type NotificationCallback = (payload: string | undefined) => void;

/**
 * PostgreSQL LISTEN/NOTIFY for one replica: one dedicated connection (not from
 * the pool) listening on every channel some callback wants, and sending
 * notifications. After the connection drops (e.g. a database restart) it
 * reconnects with backoff, listens again, and calls every callback with
 * `undefined`, since notifications sent meanwhile were lost. General on
 * purpose: any module that waits for another replica's commit subscribes a
 * channel here.
 */
export class Listener {
  private client?: Client;
  private connecting?: Promise<Client | undefined>;
  private readonly callbacks = new Map<string, Set<NotificationCallback>>();
  private closed = false;
  private backoffMs = RECONNECT_MIN_MS;
  private retryTimer?: NodeJS.Timeout;
  /** One statement at a time on the connection (pg queues them, but warns). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly connectionString: string,
    private readonly log: Logger,
  ) {}

  /** Subscribes `cb` to `channel`; returns the unsubscribe function. */
  async listen(channel: string, cb: NotificationCallback): Promise<() => void> {
    checkChannel(channel);
    let set = this.callbacks.get(channel);
    const fresh = set === undefined;
    if (set === undefined) {
      set = new Set();
      this.callbacks.set(channel, set);
    }
    set.add(cb);
    const client = await this.connection();
    if (fresh && client !== undefined) await this.run(client, `listen ${channel}`).catch(() => this.broken(client));
    return () => {
      const s = this.callbacks.get(channel);
      s?.delete(cb);
      if (s !== undefined && s.size === 0) {
        this.callbacks.delete(channel);
        const c = this.client;
        if (c !== undefined) this.run(c, `unlisten ${channel}`).catch(() => undefined);
      }
    };
  }

  /** Sends a notification (delivered to every listener on the channel, this replica's too); false if the database is unreachable. */
  async notify(channel: string, payload = ''): Promise<boolean> {
    checkChannel(channel);
    const client = await this.connection();
    if (client === undefined) return false;
    try {
      await this.run(client, 'select pg_notify($1, $2)', [channel, payload]);
      return true;
    } catch {
      this.broken(client);
      return false;
    }
  }

  private run(client: Client, text: string, values?: unknown[]): Promise<unknown> {
    const next = this.queue.then(() => client.query(text, values));
    this.queue = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    const client = this.client ?? (await this.connecting);
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private connection(): Promise<Client | undefined> {
    if (this.client !== undefined) return Promise.resolve(this.client);
    this.connecting ??= this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async connect(): Promise<Client | undefined> {
    if (this.closed) return undefined;
    const client = new Client({ connectionString: this.connectionString, application_name: 'fsmeta-listener', keepAlive: true });
    client.on('error', () => this.broken(client));
    client.on('end', () => this.broken(client));
    client.on('notification', (msg) => {
      for (const cb of this.callbacks.get(msg.channel) ?? []) cb(msg.payload ?? '');
    });
    try {
      await client.connect();
      for (const channel of this.callbacks.keys()) await client.query(`listen ${channel}`);
    } catch (err) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'listener cannot connect; retrying');
      this.scheduleReconnect();
      return undefined;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return undefined;
    }
    this.client = client;
    this.backoffMs = RECONNECT_MIN_MS;
    return client;
  }

  private broken(client: Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    client.removeAllListeners('end');
    client.end().catch(() => undefined);
    if (this.closed) return;
    this.log.warn('listener connection lost; reconnecting');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retryTimer !== undefined) return;
    const delay = this.backoffMs * (0.5 + Math.random() / 2);
    this.backoffMs = Math.min(RECONNECT_MAX_MS, this.backoffMs * 2);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connection().then((client) => {
        // Whatever was sent while we were away is lost: let every subscriber look for itself.
        if (client !== undefined) for (const set of this.callbacks.values()) for (const cb of set) cb(undefined);
      });
    }, delay);
    this.retryTimer.unref();
  }
}

function checkChannel(channel: string): void {
  if (!CHANNEL_RE.test(channel)) throw new Error(`bad channel name ${channel}`);
}
