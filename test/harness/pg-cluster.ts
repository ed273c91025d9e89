import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const PG_BIN = process.env.FSMETA_TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';

/**
 * A throwaway PostgreSQL cluster of a test's own (never the shared one), for
 * faults that need a restart: initdb as the `postgres` user into a directory
 * under os.tmpdir(), trust auth on 127.0.0.1:`port`. `remove()` stops it and
 * deletes the directory; call it in afterAll even when the test failed.
 */
export class ThrowawayCluster {
  readonly dir: string;
  readonly url: string;
  private running = false;

  constructor(readonly port: number) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fsmeta-pg-'));
    fs.chmodSync(this.dir, 0o777);
    this.url = `postgres://postgres@127.0.0.1:${port}/postgres`;
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

  start(): void {
    const data = path.join(this.dir, 'data');
    const opts = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200`;
    this.asPostgres('pg_ctl', ['-D', data, '-o', opts, '-l', path.join(this.dir, 'log'), '-w', '-t', '60', 'start']);
    this.running = true;
  }

  /** Stops the server: `fast` terminates sessions (57P01), `immediate` is a crash (recovery at the next start). */
  stop(mode: 'fast' | 'immediate' = 'fast'): void {
    this.asPostgres('pg_ctl', ['-D', path.join(this.dir, 'data'), '-m', mode, '-w', '-t', '60', 'stop']);
    this.running = false;
  }

  restart(mode: 'fast' | 'immediate' = 'fast'): void {
    this.stop(mode);
    this.start();
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
