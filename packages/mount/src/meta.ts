import * as os from 'node:os';
import { FsmetaError, MetaClient, type ArgsOf, type ResponseOf, type Session, type v1 } from '@fsmeta/client';

/**
 * The mount's one door to fsmeta: every RPC goes through here (@fsmeta/client
 * without its metadata caches: the kernel caches, with the timeouts the mount
 * gives it). It owns the session.
 */

export type Caller = v1.Caller;
export const ROOT: Caller = { uid: 0, gid: 0, gids: [] };

type SessionMethod = Parameters<Session['call']>[0];

export interface MetaOptions {
  mountpoint: string;
  version: string;
  /** Called when the session was found gone (expired while this process stalled) and replaced. */
  onSessionLost?: (previousId: string) => void;
  log: (msg: string) => void;
}

export class Meta {
  private closed = false;

  private constructor(
    readonly client: MetaClient,
    private readonly session: Session,
    readonly format: v1.Format__Output,
    readonly heartbeatMs: number,
  ) {}

  /**
   * Connects to one or more replicas (the client fails over between them) and
   * opens a session that keeps itself alive: @fsmeta/client heartbeats it and,
   * if it expired anyway (this process was stopped longer than the expiry),
   * registers a new one; files open before then lost their registration.
   */
  static async connect(address: string | string[], opts: MetaOptions): Promise<Meta> {
    const client = new MetaClient(address, { deadlineMs: 60_000 });
    const session = await client.openSession(ROOT, {
      info: { version: opts.version, hostName: os.hostname(), mountPoint: opts.mountpoint, processId: process.pid },
    });
    session.on('reregistered', ({ previousId, id }: { previousId: string; id: string }) => {
      opts.log(`session ${previousId} expired; continuing as session ${id} (opens and locks of the old one are gone)`);
      opts.onSessionLost?.(previousId);
    });
    session.on('heartbeatFailed', (err: unknown) => opts.log(`heartbeat failed: ${err instanceof Error ? err.message : String(err)}`));
    const opened = session.opened!;
    const format = opened.format ?? (await session.call('GetFormat', {})).format!;
    return new Meta(client, session, format, opened.heartbeatMs);
  }

  get sessionId(): string {
    return this.session.id;
  }

  call<M extends SessionMethod>(method: M, caller: Caller, args: ArgsOf<M>): Promise<ResponseOf<M>> {
    return this.session.call(method, args, { caller });
  }

  /** Ends the session (its remaining opens are released by fsmeta) and the channels. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.close();
  }
}

export function isFsmetaError(err: unknown): err is FsmetaError {
  return err instanceof FsmetaError;
}
