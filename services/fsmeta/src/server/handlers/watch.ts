import * as grpc from '@grpc/grpc-js';
import type { v1 } from '@fsmeta/proto';
import type { Logger } from 'pino';
import type { Meta } from '../../meta';
import type { Change, WatchMessage } from '../../meta/changes';
import { InvalidArgument } from '../../meta/errors';
import { opContext, u64 } from '../convert';
import { unconfine, type Auth } from '../auth';
import { toServiceError } from '../status';

type WatchCall = grpc.ServerWritableStream<v1.WatchRequest__Output, v1.WatchResponse | Buffer>;

const KIND_NAMES: Record<Change['kind'], v1.ChangeKind> = {
  1: 'CHANGE_KIND_ATTR',
  2: 'CHANGE_KIND_ENTRY',
  3: 'CHANGE_KIND_REMOVED',
  4: 'CHANGE_KIND_CHUNK',
  5: 'CHANGE_KIND_XATTR',
};
/**
 * A watcher that leaves this many messages unread (each at most a batch of
 * changes) is ended (it resumes from its position) rather than buffered for.
 */
const MAX_BUFFERED_MESSAGES = 256;
/** Most inodes one Watch may filter on. */
export const MAX_WATCH_INODES = 100_000;

function messageToWire(m: WatchMessage): v1.WatchResponse {
  return {
    position: m.position,
    fellBehind: m.fellBehind,
    changes: m.changes.map((c) => ({
      kind: KIND_NAMES[c.kind],
      inode: c.inode.toString(),
      parent: c.parent.toString(),
      name: c.name ?? Buffer.alloc(0),
      chunkIndex: c.chunkIndex ?? 0,
      originSessionId: c.origin?.session.toString() ?? '0',
      originRequestId: c.origin?.requestId ?? '',
    })),
  };
}

/**
 * The Watch method's response serializer: messages arrive already encoded
 * (below), anything else goes through the generated one.
 */
export function preEncodedSerializer(serialize: (m: v1.WatchResponse) => Buffer): (m: v1.WatchResponse | Buffer) => Buffer {
  return (m) => (Buffer.isBuffer(m) ? m : serialize(m));
}

/**
 * Watch: validates, then hands the stream to the replica's change feed until
 * the watcher goes away. The feed gives every unfiltered subscriber the same
 * message object; `serialize` runs once per object, not once per stream.
 */
export function watchHandler(
  meta: Meta,
  log: Logger,
  auth: Auth,
  serialize: (m: v1.WatchResponse) => Buffer,
): grpc.handleServerStreamingCall<v1.WatchRequest__Output, v1.WatchResponse | Buffer> {
  const encoded = new WeakMap<WatchMessage, Buffer>();
  const encode = (m: WatchMessage): Buffer => {
    let buf = encoded.get(m);
    if (buf === undefined) {
      buf = serialize(messageToWire(m));
      encoded.set(m, buf);
    }
    return buf;
  };
  return (call: WatchCall) => {
    let unsubscribe: (() => void) | undefined;
    let done = false;
    const finish = (err?: grpc.ServiceError): void => {
      if (done) return;
      done = true;
      unsubscribe?.();
      // grpc-js sends a server stream's failure status when the call emits 'error'.
      if (err !== undefined) call.emit('error', err);
      else call.end();
    };
    call.on('cancelled', () => finish());
    call.on('error', () => finish());
    void (async () => {
      // Admitted as every other call (identity, role); the stream has the metadata and request a unary call has.
      // A confined identity's filters come back mapped to volume inodes (auth.ts); what it is sent is mapped back.
      const admitted = await auth.admit('Watch', call as unknown as grpc.ServerUnaryCall<unknown, unknown>);
      const confine = admitted.confinedTo;
      const req = call.request;
      opContext(req.ctx);
      const inodes = req.inodes.map((x, i) => u64(x, `inodes[${i}]`));
      if (inodes.length > MAX_WATCH_INODES) throw new InvalidArgument('inodes', `more than ${MAX_WATCH_INODES}`);
      const sub = confine?.toString();
      const unsub = await meta.changes.subscribe(
        req.position,
        { subtree: u64(req.subtree, 'subtree'), inodes: new Set(inodes), ...(confine === undefined ? {} : { confine }) },
        {
          send(m) {
            if (done) return true;
            if (sub === undefined) call.write(encode(m));
            else {
              const wire = messageToWire(m);
              // Other identities' sessions and request ids are not a confined identity's to see.
              for (const c of wire.changes!) {
                c.originSessionId = '0';
                c.originRequestId = '';
              }
              unconfine(wire.changes, sub);
              call.write(serialize(wire));
            }
            // An object-mode stream counts messages.
            return call.writableLength < MAX_BUFFERED_MESSAGES;
          },
          end(reason) {
            const details = reason === 'slow' ? 'watcher fell behind its stream; resume from the last position' : 'server shutting down';
            finish(Object.assign(new Error(details), { code: grpc.status.UNAVAILABLE, details, metadata: new grpc.Metadata() }));
          },
        },
      );
      if (done) unsub();
      else unsubscribe = unsub;
    })().catch((err: unknown) => finish(toServiceError(err, log, 'Watch')));
  };
}
