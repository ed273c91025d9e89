export { startFsmeta, createLogger, type RunningFsmeta } from './app';
export { loadConfig, type Config } from './config';
export { migrate, loadMigrations, MIGRATIONS_DIR } from './store/migrate';
export { Db } from './store/db';
export { startEmbedded, freePort } from './store/embedded';
export { runCli, COMMANDS } from './cli';
export { METHOD_ACCESS, type AccessClass } from './server/auth';
export { ROLES, type Role } from './server/identities';
export { configHelp } from './config';
