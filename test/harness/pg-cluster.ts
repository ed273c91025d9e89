import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

const PG_BIN = process.env.FSMETA_TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';
/** Every throwaway cluster lives in a directory named so under os.tmpdir(). */
const DIR_PREFIX = 'fsmeta-pg-';
/** The pid of the test process that made the cluster: once it is gone, the cluster is a leftover. */
const OWNER_FILE = 'owner.pid';
/** A directory without an owner file (made before there was one) is a leftover once this old. */
const UNOWNED_LEFTOVER_MS = 60 * 60 * 1000;
const START_ATTEMPTS = 3;

/** A TCP port nothing listens on right now (the kernel's pick). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A throwaway PostgreSQL cluster of a test's own (never the shared one), for
 * faults that need a restart: initdb as the `postgres` user into a directory
 * under os.tmpdir(), trust auth on 127.0.0.1 at a free port (picked when it
 * first starts). `remove()` stops it and deletes the directory; call it in
 * afterAll even when the test failed. A run killed before its afterAll leaves
 * its cluster running: `create()` stops and deletes such leftovers first.
 */
export class ThrowawayCluster {
  readonly dir: string;
  private running = false;
  private started = false;

  private constructor(private portNumber: number) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), DIR_PREFIX));
    fs.chmodSync(this.dir, 0o777);
    fs.writeFileSync(path.join(this.dir, OWNER_FILE), String(process.pid));
  }

  /** Cleans up leftovers of killed runs, then makes a cluster directory (not initialised yet: `init`). */
  static async create(): Promise<ThrowawayCluster> {
    ThrowawayCluster.removeLeftovers();
    return new ThrowawayCluster(await freePort());
  }

  get port(): number {
    return this.portNumber;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.portNumber}/postgres`;
  }

  /**
   * Stops and deletes the clusters of test processes that are gone (killed
   * before their afterAll), and unowned ones older than an hour; returns how
   * many. Clusters of live processes are left alone.
   */
  static removeLeftovers(): number {
    let removed = 0;
    for (const name of fs.readdirSync(os.tmpdir())) {
      if (!name.startsWith(DIR_PREFIX)) continue;
      const dir = path.join(os.tmpdir(), name);
      let owner: number | undefined;
      try {
        owner = Number(fs.readFileSync(path.join(dir, OWNER_FILE), 'utf8'));
      } catch {
        owner = undefined;
      }
      if (owner !== undefined && Number.isInteger(owner) && owner > 0 && alive(owner)) continue;
      try {
        if (owner === undefined && Date.now() - fs.statSync(dir).mtimeMs < UNOWNED_LEFTOVER_MS) continue;
      } catch {
        continue;
      }
      const data = path.join(dir, 'data');
      if (fs.existsSync(path.join(data, 'postmaster.pid'))) {
        try {
          execFileSync('runuser', ['-u', 'postgres', '--', path.join(PG_BIN, 'pg_ctl'), '-D', data, '-m', 'immediate', '-w', '-t', '60', 'stop'], { stdio: 'pipe', timeout: 60_000 });
        } catch {
          // not running after all
        }
      }
      fs.rmSync(dir, { recursive: true, force: true });
      removed++;
    }
    return removed;
  }

  /** Whether the postgres binaries and the `postgres` user are there (otherwise the test cannot run). */
  static available(): boolean {
    try {
      execFileSync('id', ['postgres'], { stdio: 'ignore' });
      return fs.existsSync(path.join(PG_BIN, 'initdb')) && process.getuid?.() === 0;
    } catch {
      return false;
    }
  }

  private asPostgres(cmd: string, args: string[]): void {
    execFileSync('runuser', ['-u', 'postgres', '--', path.join(PG_BIN, cmd), ...args], { stdio: 'pipe', timeout: 60_000 });
  }

  init(): void {
    this.asPostgres('initdb', ['-D', path.join(this.dir, 'data'), '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  }

  /**
   * Starts the server. The first start may find its port taken meanwhile (the
   * pick is only a moment's truth): it tries another free port; later starts
   * (restarts) keep the port, which servers and clients already use.
   */
  async start(): Promise<void> {
    const data = path.join(this.dir, 'data');
    for (let attempt = 1; ; attempt++) {
      const opts = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200`;
      try {
        this.asPostgres('pg_ctl', ['-D', data, '-o', opts, '-l', path.join(this.dir, 'log'), '-w', '-t', '60', 'start']);
        break;
      } catch (err) {
        if (this.started || attempt >= START_ATTEMPTS || !/could not bind|Address already in use/i.test(this.log())) throw err;
        this.portNumber = await freePort();
      }
    }
    this.running = true;
    this.started = true;
  }

  /** Stops the server: `fast` terminates sessions (57P01), `immediate` is a crash (recovery at the next start). */
  stop(mode: 'fast' | 'immediate' = 'fast'): void {
    this.asPostgres('pg_ctl', ['-D', path.join(this.dir, 'data'), '-m', mode, '-w', '-t', '60', 'stop']);
    this.running = false;
  }

  async restart(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    this.stop(mode);
    await this.start();
  }

  /** Stops the server if it runs and deletes everything; never throws. */
  remove(): void {
    if (this.running) {
      try {
        this.stop('immediate');
      } catch {
        // already gone
      }
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** The server's log, for a failed test's message. */
  log(): string {
    try {
      return fs.readFileSync(path.join(this.dir, 'log'), 'utf8');
    } catch {
      return '';
    }
  }
}
