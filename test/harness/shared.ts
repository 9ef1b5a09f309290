// One PostgreSQL and one MariaDB for the whole mocha run, started the first time a test asks and
// stopped by the root hook in hooks.ts. Tests create their own uniquely named databases on them.
// Tests that stop, restart or kill a server start a private one instead (startPostgres/startMariadb).
import { startPostgres } from './servers/postgres';
import { startMariadb } from './servers/mariadb';
import type { ServerHandle } from './servers/types';

let pgServer: Promise<ServerHandle> | undefined;
let mariaServer: Promise<ServerHandle> | undefined;

export function sharedPostgres(): Promise<ServerHandle> {
  pgServer ??= startPostgres();
  // A failed start is reported to every caller, and retried by none: the log is in the error.
  return pgServer;
}

export function sharedMariadb(): Promise<ServerHandle> {
  mariaServer ??= startMariadb();
  return mariaServer;
}

/** Stops whichever shared servers were started (the root afterAll hook calls this). */
export async function stopSharedServers(): Promise<void> {
  const all = [pgServer, mariaServer];
  pgServer = undefined;
  mariaServer = undefined;
  await Promise.all(all.map(async (p) => {
    if (!p) return;
    const s = await p.catch(() => undefined);
    await s?.stop();
  }));
}
