import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { ThrowawayCluster } from '../harness/pg-cluster';

/**
 * The throwaway clusters of the fault tests (test/harness/pg-cluster.ts): a
 * free port each, so a cluster left running by a killed run (or anything
 * else on a port) is no obstacle, and such leftovers are stopped and deleted
 * by the next run. Needs root and the PostgreSQL binaries, like the fault test.
 */
const available = ThrowawayCluster.available();
const maybe = available ? it : it.skip;

async function answers(url: string): Promise<boolean> {
  const c = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

maybe('a cluster left running by a dead test process is stopped and removed; a live one stands, on a port of its own', async () => {
  const leftover = await ThrowawayCluster.create();
  const live = await ThrowawayCluster.create();
  try {
    leftover.init();
    await leftover.start();
    live.init();
    await live.start();
    expect(live.port).not.toBe(leftover.port);
    // The leftover's owner dies without its afterAll (a process that has exited: its pid is free).
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    fs.writeFileSync(path.join(leftover.dir, 'owner.pid'), dead.stdout);
    expect(await answers(leftover.url)).toBe(true);

    expect(ThrowawayCluster.removeLeftovers()).toBeGreaterThanOrEqual(1);
    expect(fs.existsSync(leftover.dir)).toBe(false);
    expect(await answers(leftover.url)).toBe(false);
    expect(fs.existsSync(live.dir)).toBe(true);
    expect(await answers(live.url)).toBe(true);
  } finally {
    leftover.remove();
    live.remove();
  }
}, 180_000);
