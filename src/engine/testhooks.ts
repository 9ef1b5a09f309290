// A test hook: integration tests force an interleaving of the engine with the source (DDL run at
// one exact moment) through real servers. Inert unless the environment variable
// LAKESYNC_TEST_PAUSE names a folder, which no task file or setting of a user does: then at a
// named point the engine stops once, if the test armed that point (`<point>.armed`), says so
// (`<point>.reached`) and goes on when the test lets it (`<point>.go`).
import { access, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const exists = (file: string): Promise<boolean> => access(file).then(() => true, () => false);

/**
 * Points: `resync-copy`, a resync's copy about to read the source's shape (runtime/snapshot.ts);
 * `schema-in-target`, a schema change committed in an Iceberg table, not yet in the state store
 * (sink/iceberg/sink.ts applySchema).
 */
export async function testPause(point: string): Promise<void> {
  const dir = process.env.LAKESYNC_TEST_PAUSE;
  if (!dir) return;
  const armed = join(dir, `${point}.armed`);
  if (!(await exists(armed))) return;
  await rm(armed, { force: true });
  await writeFile(join(dir, `${point}.reached`), '');
  const go = join(dir, `${point}.go`);
  while (!(await exists(go))) await new Promise((r) => setTimeout(r, 50));
  await rm(go, { force: true });
}

/**
 * `linger.armed` in LAKESYNC_TEST_PAUSE: after the command has finished, a timer that is never
 * cleared holds the process, as a native worker that never returns would (cli.ts's exit grace).
 */
export async function testLinger(): Promise<void> {
  const dir = process.env.LAKESYNC_TEST_PAUSE;
  if (!dir || !(await exists(join(dir, 'linger.armed')))) return;
  setInterval(() => undefined, 60_000);
}
