import type { DataPath } from './data';
import { ROOT, isFsmetaError, type Meta } from './meta';

/** How long a claimed deletion or compaction is ours before fsmeta offers it again. */
const LEASE_MS = 120_000;
const DELETE_BATCH = 1000;
/** Compactions done per round, at most (a round is one period). */
const COMPACTIONS_PER_ROUND = 16;

/**
 * The duties a storage node owes fsmeta: delete the objects of slices nothing
 * references any more, and compact chunks with many records into one slice.
 * Each round claims work with a lease, does it, and acknowledges or commits;
 * work this node drops (crash, error) comes back after the lease.
 */
export class Workers {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  deleted = 0;
  compacted = 0;

  constructor(
    private readonly meta: Meta,
    private readonly data: DataPath,
    private readonly periodMs: number,
    private readonly log: (msg: string) => void,
  ) {}

  start(): void {
    const tick = (): void => {
      if (this.stopped) return;
      this.running = this.round()
        .catch((err: unknown) => this.log(`background work failed: ${err instanceof Error ? err.message : String(err)}`))
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) this.timer = setTimeout(tick, this.periodMs * (0.75 + Math.random() / 2)).unref();
        });
    };
    this.timer = setTimeout(tick, this.periodMs * Math.random()).unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One round of each duty (exported for tests and for `stop`'s final pass). */
  async round(): Promise<void> {
    await this.deleteSlices();
    for (let i = 0; i < COMPACTIONS_PER_ROUND && !this.stopped; i++) if (!(await this.compactOne())) break;
  }

  private async deleteSlices(): Promise<void> {
    for (;;) {
      const res = await this.meta.call('ClaimSliceDeletions', ROOT, { limit: DELETE_BATCH, leaseMs: LEASE_MS });
      if (res.slices.length === 0) return;
      await Promise.all(res.slices.map((s) => this.data.deleteSlice(BigInt(s.id), s.size)));
      await this.meta.call('AckSliceDeletions', ROOT, { ids: res.slices.map((s) => s.id) });
      this.deleted += res.slices.length;
      if (res.slices.length < DELETE_BATCH || this.stopped) return;
    }
  }

  private async compactOne(): Promise<boolean> {
    const claim = await this.meta.call('ClaimCompaction', ROOT, { leaseMs: LEASE_MS });
    if (!claim.found) return false;
    const out = Buffer.alloc(claim.size);
    let at = 0;
    const reads: Array<Promise<void>> = [];
    for (const s of claim.slices) {
      if (s.id !== '0' && s.id !== '') reads.push(this.data.readSlice(BigInt(s.id), s.size, s.off, out.subarray(at, at + s.len)));
      at += s.len;
    }
    await Promise.all(reads);
    const newId = BigInt(claim.newSliceId);
    await this.data.putSlice(newId, out);
    try {
      await this.meta.call('CommitCompaction', ROOT, { inode: claim.inode, chunkIndex: claim.chunkIndex, newSliceId: claim.newSliceId });
      this.data.invalidate(BigInt(claim.inode));
      this.compacted++;
    } catch (err) {
      // EBUSY: the chunk changed or the claim lapsed; fsmeta queues the new slice for deletion.
      if (!(isFsmetaError(err) && err.errnoName === 'EBUSY')) throw err;
    }
    return true;
  }
}
