import { CliError, EXIT_FAILED, EXIT_USAGE, PROCESS_IO, runCommand, type CliIo, type Command } from './command';
import { dump } from './dump';
import { fsck } from './fsck';
import { gc } from './gc';
import { info } from './info';
import { load } from './load';
import { quota } from './quota';
import { sessions } from './sessions';
import { status } from './status';
import { summary } from './summary';

/** The admin subcommands, in the order `fsmeta help` lists them. */
export const COMMANDS: Command[] = [status, sessions, info, summary, quota, fsck, gc, dump, load];

export function commandsHelp(): string {
  return COMMANDS.map((c) => `  ${c.name.padEnd(9)} ${c.summary}`).join('\n');
}

export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name);
}

/**
 * Runs `fsmeta <name> ...args`; returns the exit code. Errors worth one line
 * (CliError) are printed as `fsmeta: ...`; anything else propagates.
 */
export async function runCli(name: string, argv: string[], io: CliIo = PROCESS_IO): Promise<number> {
  const command = findCommand(name);
  if (command === undefined) throw new CliError(`unknown command "${name}" (try fsmeta help)`, EXIT_USAGE);
  try {
    return await runCommand(command, argv, io);
  } catch (err) {
    if (err instanceof CliError) {
      io.err(`fsmeta ${name}: ${err.message}`);
      return err.exitCode;
    }
    // Anything else (database unreachable, I/O error) still gets one line; the stack only on request.
    io.err(`fsmeta ${name}: ${err instanceof Error ? err.message : String(err)}`);
    if (process.env.FSMETA_DEBUG === '1' && err instanceof Error && err.stack !== undefined) io.err(err.stack);
    return EXIT_FAILED;
  }
}

export { CliError, type CliIo } from './command';
