import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

const MAIN = path.resolve(__dirname, '../../services/fsmeta/dist/main.js');

/**
 * fsmeta replicas as child processes (the built `fsmeta serve`, as deployed),
 * so that they can be killed with SIGKILL. Every exit is recorded: one the
 * test did not cause is a crash.
 */
export class Replica {
  readonly exits: { code: number | null; signal: NodeJS.Signals | null; expected: boolean }[] = [];
  private proc?: ChildProcess;
  private expectExit = false;
  address = '';
  private stderr = '';

  constructor(
    readonly databaseUrl: string,
    readonly args: string[] = [],
  ) {}

  /** Starts (or restarts, on the same address once it had one) and resolves when it serves. */
  async start(): Promise<void> {
    const listen = this.address === '' ? '127.0.0.1:0' : this.address;
    const proc = spawn(process.execPath, [MAIN, 'serve', '--listen', listen, '--database-url', this.databaseUrl, '--metrics-port', '0', ...this.args], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, FSMETA_LOG_LEVEL: process.env.FSMETA_TEST_LOG_LEVEL ?? 'error' },
    });
    this.proc = proc;
    this.expectExit = false;
    proc.on('exit', (code, signal) => {
      this.exits.push({ code, signal, expected: this.expectExit });
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`replica did not start: ${this.stderr.slice(-2000)}`)), 60_000);
      proc.stderr!.on('data', (d: Buffer) => {
        this.stderr = (this.stderr + d.toString()).slice(-20_000);
        const m = /fsmeta serving on (\S+)/.exec(this.stderr);
        if (m !== null) {
          clearTimeout(timer);
          this.address = m[1]!;
          resolve();
        }
      });
      proc.on('exit', () => {
        clearTimeout(timer);
        reject(new Error(`replica exited while starting: ${this.stderr.slice(-2000)}`));
      });
    });
  }

  /** kill -9: no shutdown at all, as a node failure. */
  async kill9(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** SIGTERM: the graceful stop. */
  async stop(): Promise<void> {
    await this.signal('SIGTERM');
  }

  private async signal(sig: NodeJS.Signals): Promise<void> {
    const proc = this.proc;
    if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
    this.expectExit = true;
    const gone = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill(sig);
    await gone;
  }

  /** Exits nobody asked for (crashes). */
  unexpectedExits(): string[] {
    return this.exits.filter((e) => !e.expected).map((e) => `exit code ${e.code} signal ${e.signal}: ${this.stderr.slice(-1500)}`);
  }
}
