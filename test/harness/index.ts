// The test harness: private database servers, the shared servers of a run, task files, the CLI.
export { startPostgres, findPostgresBin, type PostgresOptions } from './servers/postgres';
export { startMariadb, findMariadbBinaries, type MariadbOptions } from './servers/mariadb';
export type { ServerHandle, SqlOptions } from './servers/types';
export { uniqueName, randomPassword, sleep } from './servers/process';
export { sharedPostgres, sharedMariadb, stopSharedServers } from './shared';
export { writeTask, tempDir } from './task';
export { runCli, runWithInit, spawnCli, ensureBuilt, repoRoot, type CliResult, type CliProcess, type CliOptions } from './cli';
export { startSshd, type SshdHandle } from './servers/sshd';
export type { TestCerts } from './servers/certs';
export { waitUntil } from './wait';
