import type { v1 } from '@fsmeta/proto';

/**
 * Client-side metadata caches (as JuiceFS's attr/entry caches and openfiles),
 * each bounded in entries and bytes, with a TTL, an off switch, and
 * hit/miss/eviction counters. Kept true by the change feed (ClientCache.apply)
 * and by this client's own mutations; an item the feed cannot vouch for
 * expires by its TTL.
 */

export interface CacheKnobs {
  /** Off switch. Default on. */
  enabled?: boolean;
  ttlMs?: number;
  maxEntries?: number;
  maxBytes?: number;
}

export interface CacheOptions {
  /** Attributes by inode (GetAttr; also learnt from Lookup, Readdir plus, mutations). Default TTL 10 s. */
  attr?: CacheKnobs;
  /** Lookup results by (parent, name), positive. Default TTL 10 s. */
  entry?: CacheKnobs;
  /** Lookup ENOENT by (parent, name). Default TTL 1 s. */
  negative?: CacheKnobs;
  /** ReadLink targets. Default TTL 60 s. */
  symlink?: CacheKnobs;
  /** Readdir pages by (directory, cursor, limit, plus). Default TTL 10 s. */
  dir?: CacheKnobs;
  /** Open files: attributes and the slices of each chunk read, kept `ttlMs` after the last close. Default 60 s. */
  openFile?: CacheKnobs;
}

export interface CacheStats {
  hits: number;
  misses: number;
  evictions: number;
  invalidations: number;
  entries: number;
  bytes: number;
}

const DEFAULTS: Record<keyof CacheOptions, Required<CacheKnobs>> = {
  attr: { enabled: true, ttlMs: 10_000, maxEntries: 100_000, maxBytes: 64 << 20 },
  entry: { enabled: true, ttlMs: 10_000, maxEntries: 100_000, maxBytes: 64 << 20 },
  negative: { enabled: true, ttlMs: 1_000, maxEntries: 10_000, maxBytes: 4 << 20 },
  symlink: { enabled: true, ttlMs: 60_000, maxEntries: 10_000, maxBytes: 16 << 20 },
  dir: { enabled: true, ttlMs: 10_000, maxEntries: 1_000, maxBytes: 64 << 20 },
  openFile: { enabled: true, ttlMs: 60_000, maxEntries: 10_000, maxBytes: 128 << 20 },
};

/** Rough memory of an item: what the bounds count. */
const ATTR_BYTES = 200;
const SLICE_BYTES = 64;
const ENTRY_OVERHEAD = 120;

interface Item<V> {
  value: V;
  bytes: number;
  expires: number;
}

/** An LRU map with a TTL and bounds in entries and bytes. */
export class BoundedCache<K, V> {
  private readonly map = new Map<K, Item<V>>();
  private bytes = 0;
  readonly stats = { hits: 0, misses: 0, evictions: 0, invalidations: 0 };

  constructor(readonly knobs: Required<CacheKnobs>) {}

  get enabled(): boolean {
    return this.knobs.enabled;
  }

  /** The cached value (counted as a hit), or undefined (a miss). */
  get(key: K, now = Date.now()): V | undefined {
    const v = this.peek(key, now);
    if (v === undefined) this.stats.misses++;
    else this.stats.hits++;
    return v;
  }

  /** The cached value without counting or reordering. */
  peek(key: K, now = Date.now()): V | undefined {
    if (!this.knobs.enabled) return undefined;
    const item = this.map.get(key);
    if (item === undefined) return undefined;
    if (item.expires <= now) {
      this.remove(key, item);
      this.stats.evictions++;
      return undefined;
    }
    this.map.delete(key);
    this.map.set(key, item);
    return item.value;
  }

  set(key: K, value: V, bytes: number, ttlMs = this.knobs.ttlMs): void {
    if (!this.knobs.enabled || bytes > this.knobs.maxBytes) return;
    const old = this.map.get(key);
    if (old !== undefined) this.remove(key, old);
    this.map.set(key, { value, bytes, expires: Date.now() + ttlMs });
    this.bytes += bytes;
    while (this.map.size > this.knobs.maxEntries || this.bytes > this.knobs.maxBytes) {
      const [k, item] = this.map.entries().next().value as [K, Item<V>];
      this.remove(k, item);
      this.stats.evictions++;
    }
  }

  /** Adjusts the counted size of an item changed in place. */
  resize(key: K, bytes: number): void {
    const item = this.map.get(key);
    if (item === undefined) return;
    this.bytes += bytes - item.bytes;
    item.bytes = bytes;
  }

  delete(key: K): void {
    const item = this.map.get(key);
    if (item === undefined) return;
    this.remove(key, item);
    this.stats.invalidations++;
  }

  clear(): void {
    this.stats.invalidations += this.map.size;
    this.map.clear();
    this.bytes = 0;
  }

  keys(): IterableIterator<K> {
    return this.map.keys();
  }

  snapshot(): CacheStats {
    return { ...this.stats, entries: this.map.size, bytes: this.bytes };
  }

  private remove(key: K, item: Item<V>): void {
    this.map.delete(key);
    this.bytes -= item.bytes;
  }
}

export interface OpenFile {
  attr?: v1.Attr__Output;
  /** Visible layout per chunk index, as Read returns it. */
  chunks: Map<number, v1.Slice__Output[]>;
  refs: number;
}

export type Caches = { [K in keyof CacheOptions]: BoundedCache<string, unknown> };

export function makeKnobs(options: CacheOptions | true): Record<keyof CacheOptions, Required<CacheKnobs>> {
  const o = options === true ? {} : options;
  const out = {} as Record<keyof CacheOptions, Required<CacheKnobs>>;
  for (const k of Object.keys(DEFAULTS) as (keyof CacheOptions)[]) out[k] = { ...DEFAULTS[k], ...o[k] };
  return out;
}

export function entryKey(parent: string, name: Buffer): string {
  return `${parent}/${name.toString('hex')}`;
}

export function attrBytes(): number {
  return ATTR_BYTES;
}

export function entryBytes(name: Buffer): number {
  return ENTRY_OVERHEAD + name.length + ATTR_BYTES;
}

export function pageBytes(page: v1.ReaddirResponse__Output): number {
  let n = ENTRY_OVERHEAD + page.nextCursor.length;
  for (const e of page.entries) n += ENTRY_OVERHEAD + e.name.length + (e.attr === null ? 0 : ATTR_BYTES);
  return n;
}

export function openFileBytes(f: OpenFile): number {
  let n = ATTR_BYTES;
  for (const s of f.chunks.values()) n += ENTRY_OVERHEAD + s.length * SLICE_BYTES;
  return n;
}
