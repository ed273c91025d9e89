import * as os from 'node:os';
import { FsmetaError, MetaClient, type ArgsOf, type ResponseOf, type Session, type TlsOptions, type v1 } from '@fsmeta/client';

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
  /** TLS to fsmeta (docs/security.md): CA, client certificate and key for mutual TLS, server name. */
  tls?: TlsOptions;
  /** Bearer token, or a function asked on every call (a rotated token file). */
  token?: string | (() => string);
}

export class Meta {
  private closed = false;
  /** Aborted when the mount gives up on fsmeta (shutdown past its deadline): every call in flight fails at once. */
  private readonly abort = new AbortController();

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
    const client = new MetaClient(address, { deadlineMs: 60_000, tls: opts.tls, token: opts.token });
    let session: Session;
    try {
      session = await client.openSession(ROOT, {
        info: { version: opts.version, hostName: os.hostname(), mountPoint: opts.mountpoint, processId: process.pid },
      });
    } catch (err) {
      await client.close().catch(() => undefined);
      throw new Error(`cannot open a session on fsmeta at ${client.addresses.join(',')}: ${describe(err, opts.tls !== undefined)}`);
    }
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
    return this.session.call(method, args, { caller, signal: this.abort.signal });
  }

  /** Whether fsmeta answers within `ms` (one attempt's worth: the shutdown's question "is it there at all?"). */
  async reachable(ms: number): Promise<boolean> {
    const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(ms)]);
    try {
      await this.session.call('GetFormat', {}, { caller: ROOT, signal, deadlineMs: ms });
      return true;
    } catch {
      return false;
    }
  }

  /** Fails every call in flight and every later one (CANCELLED): the mount has given up on fsmeta. */
  giveUp(): void {
    this.abort.abort();
  }

  get givenUp(): boolean {
    return this.abort.signal.aborted;
  }

  /**
   * Ends the session (its remaining opens are released by fsmeta) and the
   * channels, waiting at most `ms`. False when the session could not be closed
   * (fsmeta unreachable): it then expires by itself after missed heartbeats.
   */
  async close(ms = 10_000): Promise<boolean> {
    if (this.closed) return true;
    this.closed = true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    try {
      return await Promise.race([this.client.close().then(() => true), timeout]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** One line for an error of the first contact with fsmeta, with the likely cause of the common ones. */
function describe(err: unknown, tls: boolean): string {
  if (!(err instanceof FsmetaError)) return err instanceof Error ? err.message : String(err);
  const msg = err.message.split('\n')[0]!;
  switch (err.code) {
    case 14 /* UNAVAILABLE */:
      return `unreachable (${msg})${tls ? '; with TLS: check --tls-ca (the server must be signed by it), --tls-server-name, and the client certificate when the server requires mutual TLS' : '; if the server speaks TLS, give --tls-ca'}`;
    case 16 /* UNAUTHENTICATED */:
      return `not authenticated (${msg}): check --token-file / FSMETA_MOUNT_TOKEN, or the client certificate's identity`;
    case 7 /* PERMISSION_DENIED */:
      return `permission denied (${msg}): this identity may not open a read-write session`;
    default:
      return msg;
  }
}

export function isFsmetaError(err: unknown): err is FsmetaError {
  return err instanceof FsmetaError;
}
