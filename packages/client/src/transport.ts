import * as grpc from '@grpc/grpc-js';

/**
 * Where calls go: one gRPC channel per configured address. Calls rotate over
 * the addresses that are not cooling down after a failure; a `dns:///name`
 * address is one channel balancing round-robin over every address the name
 * resolves to (gRPC's own resolver re-resolves when a backend goes away).
 */

/**
 * Targets that may name several backends: a DNS name (every address it resolves to) or a gRPC
 * address list (`ipv4:127.0.0.1:5001,127.0.0.1:5002`). One channel balances round-robin over them,
 * so a call's retry goes to the next backend and a backend that went away is left out.
 */
const BALANCED = /^(dns|ipv4|ipv6):/;

/** After UNAVAILABLE or a missed deadline, an address is skipped for this long (while another is usable). */
const COOLDOWN_MS = 2000;
/** Keepalive pings on idle connections find a dead replica (no FIN, e.g. a lost node) without waiting for a call's deadline. */
export const DEFAULT_KEEPALIVE_MS = 20_000;
const KEEPALIVE_TIMEOUT_MS = 10_000;

export interface Endpoint {
  address: string;
  client: grpc.Client;
  downUntil: number;
}

export class Endpoints {
  readonly list: Endpoint[];
  private next = 0;

  constructor(addresses: string[], credentials: grpc.ChannelCredentials, channelOptions: grpc.ChannelOptions, keepaliveMs: number) {
    if (addresses.length === 0) throw new TypeError('at least one address is needed');
    this.list = addresses.map((address) => ({
      address,
      downUntil: 0,
      client: new grpc.Client(address, credentials, {
        'grpc.max_receive_message_length': 64 << 20,
        'grpc.keepalive_time_ms': keepaliveMs,
        'grpc.keepalive_timeout_ms': KEEPALIVE_TIMEOUT_MS,
        'grpc.keepalive_permit_without_calls': 1,
        ...(BALANCED.test(address)
          ? {
              'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }),
              // The balancing is ours: no DNS TXT lookup for a service config (one more query per resolution).
              'grpc.service_config_disable_resolution': 1,
            }
          : {}),
        ...channelOptions,
      }),
    }));
  }

  /** The next usable address in rotation, skipping `avoid` (the one that just failed) when another exists. */
  pick(avoid?: Endpoint): Endpoint {
    const now = Date.now();
    const n = this.list.length;
    for (let i = 0; i < n; i++) {
      const e = this.list[(this.next + i) % n]!;
      if (e.downUntil <= now && e !== avoid) {
        this.next = (this.next + i + 1) % n;
        return e;
      }
    }
    // Everything is cooling down: the one whose cooldown ends first (not `avoid` if there is a choice).
    const sorted = [...this.list].sort((a, b) => a.downUntil - b.downUntil);
    return sorted.find((e) => e !== avoid) ?? sorted[0]!;
  }

  markDown(e: Endpoint): void {
    // A dns:/// channel balances over its backends itself: one failed backend does not make the name unusable.
    if (this.list.length > 1) e.downUntil = Date.now() + COOLDOWN_MS;
  }

  markUp(e: Endpoint): void {
    e.downUntil = 0;
  }

  close(): void {
    for (const e of this.list) e.client.close();
  }
}

/**
 * A retry budget (as Finagle's RetryBudget): retries within the last
 * `windowMs` may be at most `minPerSecond` x the window in seconds plus
 * `ratio` x the calls made in it. A replica going away retries everything it
 * had in flight; a database outage that fails every call does not turn each
 * call into `maxAttempts` calls.
 */
export class RetryBudget {
  private readonly buckets: { at: number; calls: number; retries: number }[] = [];
  private static readonly BUCKET_MS = 1000;

  constructor(
    private readonly ratio: number,
    private readonly minPerSecond: number,
    private readonly windowMs = 10_000,
  ) {}

  private bucket(): { at: number; calls: number; retries: number } {
    const at = Math.floor(Date.now() / RetryBudget.BUCKET_MS);
    let last = this.buckets[this.buckets.length - 1];
    if (last === undefined || last.at !== at) {
      last = { at, calls: 0, retries: 0 };
      this.buckets.push(last);
    }
    const oldest = at - Math.ceil(this.windowMs / RetryBudget.BUCKET_MS);
    while (this.buckets.length > 0 && this.buckets[0]!.at <= oldest) this.buckets.shift();
    return last;
  }

  /** Counts a first attempt. */
  call(): void {
    this.bucket().calls++;
  }

  /** Takes one retry from the budget; false when it is spent. */
  tryRetry(): boolean {
    const current = this.bucket();
    let calls = 0;
    let retries = 0;
    for (const b of this.buckets) {
      calls += b.calls;
      retries += b.retries;
    }
    if (retries >= this.minPerSecond * (this.windowMs / 1000) + this.ratio * calls) return false;
    current.retries++;
    return true;
  }
}
