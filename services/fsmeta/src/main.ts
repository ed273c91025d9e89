#!/usr/bin/env node
// Tracing first: its instrumentations patch @grpc/grpc-js and pg as they load (src/tracing.ts).
import './tracing-init';
import { stopTracing } from './tracing';
import { createLogger, startFsmeta, StartupError, type RunningFsmeta } from './app';
import { ConfigError, configHelp, loadConfig, redact } from './config';
import { migrate } from './store/migrate';
import { startEmbedded } from './store/embedded';
import { commandsHelp, findCommand, runCli } from './cli';

const USAGE = `usage: fsmeta <command> [flags]

commands:
  serve     run the gRPC server (formats an empty database at first start)
  migrate   apply pending schema migrations and exit
${commandsHelp()}
  help      show this text

Each admin command takes --help, --json and --database-url (or FSMETA_DATABASE_URL).

serve and migrate flags (each also read from its environment variable):
${configHelp()}`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help') {
    console.log(USAGE);
    return command === undefined ? 2 : 0;
  }
  // Admin subcommands (status, dump, fsck, ...) live in src/cli, one module each.
  if (findCommand(command) !== undefined) return runCli(command, rest);
  const config = loadConfig(rest);
  const log = createLogger(config.logLevel);
  switch (command) {
    case 'serve': {
      // Signal handlers go in first: a SIGTERM during start-up stops the server as soon as it is up.
      const state: { app?: RunningFsmeta; signal?: string; stopped: boolean } = { stopped: false };
      const stop = () => {
        const { app, signal } = state;
        if (app === undefined || signal === undefined || state.stopped) return;
        state.stopped = true;
        log.info({ signal }, 'shutting down: NOT_SERVING, draining in-flight calls');
        app.stop().then(stopTracing).then(
          () => process.exit(0),
          (err: unknown) => {
            log.error({ err }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      for (const name of ['SIGTERM', 'SIGINT'] as const) {
        process.on(name, () => {
          state.signal ??= name;
          stop();
        });
      }
      state.app = await startFsmeta(config, log);
      console.error(`fsmeta serving on ${state.app.address}`);
      stop();
      return -1; // keep running
    }
    case 'migrate': {
      let url = config.databaseUrl;
      const embedded = url === '' ? await startEmbedded(config.dataDir, () => undefined) : undefined;
      url = embedded?.url ?? url;
      try {
        const applied = await migrate(url);
        console.log(applied.length === 0 ? `database ${redact(url)} is up to date` : `applied ${applied.join(', ')}`);
      } finally {
        await embedded?.stop();
      }
      return 0;
    }
    default:
      throw new ConfigError(`unknown command "${command}" (try fsmeta help)`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    const known = err instanceof ConfigError || err instanceof StartupError;
    console.error(`fsmeta: ${known ? err.message : err instanceof Error ? err.message : String(err)}`);
    process.exit(known ? 2 : 1);
  },
);
