import { EventEmitter } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import type { v1 } from '@fsmeta/proto';

export interface WatchOptions {
  /** Resume from this position (from an earlier batch); default: now. */
  position?: string;
  /** Only changes to this directory and below. */
  subtree?: string;
  /** Only changes to these inodes and entries in these directories. */
  inodes?: string[];
  /** Caller sent in the request context. Default root. */
  caller?: v1.Caller;
}

/** One message of the feed, as delivered. */
export interface WatchBatch {
  changes: v1.Change__Output[];
  position: string;
  /** Changes since the previous position were lost (retention): drop every cache. */
  fellBehind: boolean;
}

type OpenStream = (req: v1.WatchRequest, avoidAddress?: string) => grpc.ClientReadableStream<v1.WatchResponse__Output> & { address: string };

/** Codes after which resuming cannot help: the request itself is wrong or not allowed. */
const FATAL_CODES: ReadonlySet<grpc.status> = new Set([
  grpc.status.INVALID_ARGUMENT,
  grpc.status.PERMISSION_DENIED,
  grpc.status.UNAUTHENTICATED,
  grpc.status.UNIMPLEMENTED,
  grpc.status.NOT_FOUND,
  grpc.status.FAILED_PRECONDITION,
]);
const RESUME_MIN_MS = 20;
const RESUME_MAX_MS = 2000;

/**
 * Follows the change feed. Emits 'batch' (WatchBatch) for every message, the
 * first one included (its position is the start); 'connected' (address) when
 * a stream is open; 'disconnected' (error) when it breaks — it then resumes on
 * another replica from the last position delivered, so no change is lost or
 * repeated; 'error' when the server refuses the watch (not resumed); 'closed'
 * once, when it stops (closed by the application or with its client).
 */
export class Watcher extends EventEmitter {
  /** The position after the last batch delivered ('' until the first). */
  position: string;
  private stream?: grpc.ClientReadableStream<v1.WatchResponse__Output> & { address: string };
  private stopped = false;
  private backoffMs = RESUME_MIN_MS;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly open: OpenStream,
    private readonly options: WatchOptions,
  ) {
    super();
    this.position = options.position ?? '';
    setImmediate(() => this.connect());
  }

  get connected(): boolean {
    return this.stream !== undefined;
  }

  private connect(avoid?: string): void {
    if (this.stopped) return;
    let stream: ReturnType<OpenStream>;
    try {
      stream = this.open(
        {
          ctx: { caller: this.options.caller ?? { uid: 0, gid: 0, gids: [] } },
          position: this.position,
          subtree: this.options.subtree ?? '0',
          inodes: this.options.inodes ?? [],
        },
        avoid,
      );
    } catch {
      // The client was closed under a pending (re)connect: its channels refuse new calls. Stop, rather
      // than throw from a timer.
      this.close();
      return;
    }
    this.stream = stream;
    let first = true;
    stream.on('data', (m: v1.WatchResponse__Output) => {
      if (this.stopped || this.stream !== stream) return;
      if (first) {
        first = false;
        this.backoffMs = RESUME_MIN_MS;
        this.emit('connected', stream.address);
      }
      this.position = m.position;
      this.emit('batch', { changes: m.changes, position: m.position, fellBehind: m.fellBehind } satisfies WatchBatch);
    });
    const broken = (err: grpc.ServiceError | undefined): void => {
      if (this.stream !== stream) return;
      this.stream = undefined;
      if (this.stopped) return;
      if (err !== undefined && FATAL_CODES.has(err.code)) {
        this.close();
        this.emit('error', err);
        return;
      }
      this.emit('disconnected', err);
      const delay = this.backoffMs * (0.5 + Math.random() / 2);
      this.backoffMs = Math.min(RESUME_MAX_MS, this.backoffMs * 2);
      this.timer = setTimeout(() => this.connect(stream.address), delay);
      this.timer.unref();
    };
    stream.on('error', (err: grpc.ServiceError) => broken(err));
    stream.on('end', () => broken(undefined));
  }

  /** Stops watching. */
  close(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    const s = this.stream;
    this.stream = undefined;
    s?.cancel();
    this.emit('closed');
  }
}
