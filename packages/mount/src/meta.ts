import * as os from 'node:os';
import { FsmetaError, MetaClient, type ArgsOf, type ResponseOf, type Session, type v1 } from '@fsmeta/client';

/**
 * The mount's one door to fsmeta: every RPC goes through here, so switching
 * to a richer client (failover, caches, its own heartbeats) touches this
 * module only. It owns the session and its heartbeat loop.
 */

export type Caller = v1.Caller;
export const ROOT: Caller = { uid: 0, gid: 0, gids: [] };

type SessionMethod = Parameters<Session['call']>[0];

export interface MetaOptions {
  mountpoint: string;
  version: string;
  /** Called when the session is found gone (expired while this process stalled). */
  onSessionLost?: (err: unknown) => void;
  log: (msg: string) => void;
}

export class Meta {
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(
    readonly client: MetaClient,
    private session: Session,
    readonly format: v1.Format__Output,
    readonly heartbeatMs: number,
    private readonly opts: MetaOptions,
  ) {}

  static async connect(address: string, opts: MetaOptions): Promise<Meta> {
    const client = new MetaClient(address, { deadlineMs: 60_000 });
    const session = await client.newSession(ROOT, {
      version: opts.version,
      hostName: os.hostname(),
      mountPoint: opts.mountpoint,
      processId: process.pid,
    });
    const opened = session.opened!;
    const format = opened.format ?? (await client.call('GetFormat', { ctx: { sessionId: session.id, caller: ROOT } })).format!;
    const meta = new Meta(client, session, format, opened.heartbeatMs || 12_000, opts);
    meta.startHeartbeat();
    return meta;
  }

  get sessionId(): string {
    return this.session.id;
  }

  call<M extends SessionMethod>(method: M, caller: Caller, args: ArgsOf<M>): Promise<ResponseOf<M>> {
    return this.session.call(method, args, { caller });
  }

  private startHeartbeat(): void {
    const beat = async (): Promise<void> => {
      if (this.closed) return;
      try {
        await this.session.heartbeat();
      } catch (err) {
        if (err instanceof FsmetaError && err.errnoName === 'ESTALE') {
          // The session expired (this process was stopped or cut off longer than the expiry):
          // its opens are gone. Carry on under a new session; files opened before fail on close.
          this.opts.log(`session ${this.session.id} expired; starting a new one`);
          this.opts.onSessionLost?.(err);
          try {
            this.session = await this.client.newSession(ROOT, { version: this.opts.version, hostName: os.hostname(), mountPoint: this.opts.mountpoint, processId: process.pid });
          } catch (e) {
            this.opts.log(`new session failed: ${String(e)}`);
          }
        } else {
          this.opts.log(`heartbeat failed: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      if (!this.closed) this.heartbeatTimer = setTimeout(() => void beat(), this.heartbeatMs).unref();
    };
    this.heartbeatTimer = setTimeout(() => void beat(), this.heartbeatMs).unref();
  }

  /** Ends the session (its remaining opens are released by fsmeta) and the channel. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.heartbeatTimer);
    try {
      await this.session.close();
    } finally {
      this.client.close();
    }
  }
}

export function isFsmetaError(err: unknown): err is FsmetaError {
  return err instanceof FsmetaError;
}
