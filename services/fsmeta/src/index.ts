export { startFsmeta, createLogger, type RunningFsmeta } from './app';
export { loadConfig, type Config } from './config';
export { migrate, loadMigrations, MIGRATIONS_DIR } from './store/migrate';
export { startEmbedded, freePort } from './store/embedded';
export { runCli, COMMANDS } from './cli';
