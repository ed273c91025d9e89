import { runCli } from '@fsmeta/fsmeta';

export interface CliRun {
  code: number;
  out: string;
  err: string;
  /** stdout parsed as JSON (for --json runs). */
  json<T = any>(): T; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Runs `fsmeta <command> ...args --database-url url` in-process and captures what it prints. */
export async function cli(url: string | undefined, command: string, ...args: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const argv = url === undefined ? args : [...args, '--database-url', url];
  const code = await runCli(command, argv, { out: (l) => out.push(l), err: (l) => err.push(l), interactive: false });
  const o = out.join('\n');
  return { code, out: o, err: err.join('\n'), json: () => JSON.parse(o) };
}
