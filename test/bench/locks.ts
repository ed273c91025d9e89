import type { MetaClient, Session } from '@fsmeta/client';
import type { LatencyLine } from './measure';
import { createFile, prepareParent, timed, type LineRunner, type SingleParams } from './single-client';

/**
 * Lock lines (docs/benchmarks.md): an uncontended SetLk lock + unlock pair,
 * and the hand-over from an unlock to a blocked waiter on another replica.
 */

const MAX_OFFSET = '18446744073709551615';
const OWNER = '1';
/** A blocked request's deadline: long enough that no iteration ends in EINTR. */
const WAIT_DEADLINE_MS = 30_000;
/** Hand-overs take a queue check each: fewer iterations than the other lines by default. */
const HANDOVER_MAX_N = 200;

function setlk(s: Session, inode: string, type: 'LOCK_TYPE_WRITE' | 'LOCK_TYPE_UNLOCK', block = false) {
  return s.call('SetLk', { inode, owner: OWNER, type, start: '0', end: MAX_OFFSET, pid: 1, block }, block ? { deadlineMs: WAIT_DEADLINE_MS } : {});
}

export const LOCK_LINES: [string, LineRunner][] = [
  [
    'setlk_pair',
    async (s, p) => {
      const parent = await prepareParent(s, 'bench-setlk');
      const inode = await createFile(s, parent, 'file');
      return timed(p, 'setlk_pair', async () => {
        await setlk(s, inode, 'LOCK_TYPE_WRITE');
        await setlk(s, inode, 'LOCK_TYPE_UNLOCK');
      });
    },
  ],
];

/** Resolves once `s` has a queued (waiting) lock request on `inode`, as ListSessions shows it. */
async function queued(admin: MetaClient, s: Session, inode: string): Promise<void> {
  for (;;) {
    const { sessions } = await admin.call('ListSessions', { withLocks: true });
    const mine = sessions.find((x) => x.sessionId === s.id);
    if (mine?.locks.some((l) => l.inode === inode && l.waiting) === true) return;
    await new Promise((r) => setTimeout(r, 1));
  }
}

/**
 * `lock-handover`: `a` (one replica) holds a write lock; `b` (another
 * replica) waits for it with a blocking SetLk; timed from just before `a`'s
 * unlock is sent until `b`'s SetLk returns granted: the unlock's commit, the
 * notification, the waiter's wake-up and its granting transaction. The two
 * swap roles every iteration.
 */
export async function lockHandover(a: Session, b: Session, admin: MetaClient, p: SingleParams): Promise<LatencyLine> {
  const parent = await prepareParent(a, 'bench-handover');
  const inode = await createFile(a, parent, 'file');
  await b.call('Open', { inode, flags: 2 });
  let holder = a;
  let waiter = b;
  await setlk(holder, inode, 'LOCK_TYPE_WRITE');
  let granted: Promise<unknown> = Promise.resolve();
  const n = Math.min(p.n, HANDOVER_MAX_N);
  return timed(
    { ...p, warmup: Math.min(p.warmup, 10) },
    'lock-handover',
    async () => {
      await setlk(holder, inode, 'LOCK_TYPE_UNLOCK');
      await granted;
      [holder, waiter] = [waiter, holder];
    },
    async () => {
      granted = setlk(waiter, inode, 'LOCK_TYPE_WRITE', true);
      await queued(admin, waiter, inode);
    },
    n,
  );
}
