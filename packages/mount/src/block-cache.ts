/**
 * A bounded LRU of block objects (immutable, so a cached block is never
 * stale), with one in-flight load per key so concurrent readers share a fetch.
 */
export class BlockCache {
  private readonly blocks = new Map<string, Buffer>();
  private readonly loading = new Map<string, Promise<Buffer>>();
  private bytes = 0;
  hits = 0;
  misses = 0;

  constructor(readonly capacityBytes: number) {}

  get size(): number {
    return this.bytes;
  }

  async get(key: string, load: () => Promise<Buffer>): Promise<Buffer> {
    const hit = this.blocks.get(key);
    if (hit !== undefined) {
      // Re-insert: Map iteration order is the LRU order.
      this.blocks.delete(key);
      this.blocks.set(key, hit);
      this.hits++;
      return hit;
    }
    const pending = this.loading.get(key);
    if (pending !== undefined) return pending;
    this.misses++;
    const p = load().then(
      (buf) => {
        this.loading.delete(key);
        this.put(key, buf);
        return buf;
      },
      (err: unknown) => {
        this.loading.delete(key);
        throw err;
      },
    );
    this.loading.set(key, p);
    return p;
  }

  /** Keeps a block just written (a read-after-write then needs no fetch). */
  put(key: string, buf: Buffer): void {
    if (buf.length > this.capacityBytes) return;
    const old = this.blocks.get(key);
    if (old !== undefined) {
      this.bytes -= old.length;
      this.blocks.delete(key);
    }
    this.blocks.set(key, buf);
    this.bytes += buf.length;
    for (const [k, v] of this.blocks) {
      if (this.bytes <= this.capacityBytes) break;
      this.blocks.delete(k);
      this.bytes -= v.length;
    }
  }

  delete(key: string): void {
    const old = this.blocks.get(key);
    if (old !== undefined) {
      this.bytes -= old.length;
      this.blocks.delete(key);
    }
  }
}
