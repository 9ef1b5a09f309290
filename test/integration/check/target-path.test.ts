// A target path that exists but is not a LakeSync lakehouse (a CSV file, an empty file,
// /proc/self/mem): `lakesync check` fails it and `lakesync run` refuses it, leaving it untouched;
// an existing lakehouse passes.
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, sharedPostgres, tempDir, writeTask } from '../../harness';

describe('lakesync check / run: the target path must be a lakehouse or new', function () {
  this.timeout(120_000);

  it('a CSV file, an empty file and /proc/self/mem are refused by check and run, and left as they were', async () => {
    const pg = await sharedPostgres();
    const db = await pg.createDatabase();
    await pg.sql('CREATE TABLE t (id int PRIMARY KEY)', [], { database: db });
    const dir = tempDir('target-path');
    const csv = join(dir, 'orders.csv');
    const empty = join(dir, 'empty.duckdb');
    writeFileSync(csv, 'id,total\n1,9.50\n2,3.25\n');
    writeFileSync(empty, '');
    for (const path of [csv, empty, '/proc/self/mem']) {
      const before = path.startsWith('/proc') ? undefined : { text: readFileSync(path, 'utf8'), mtime: statSync(path).mtimeMs };
      const file = writeTask({ name: 'tp', source: pg.source(db), mode: 'multi-table-mirror', tables: ['public.t'], target: { path } }, dir);
      const check = await runCli(['check', file]);
      assert.equal(check.code, 1, check.stdout + check.stderr);
      assert.match(check.stdout, new RegExp(`^✘ target ${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is writable: .*(is not a LakeSync lakehouse|is empty|cannot be read as a database file)`, 'm'));
      assert.match(check.stdout, /fix: LakeSync leaves that file untouched/);
      const run = await runCli(['run', file, '--until-caught-up'], { timeoutMs: 60_000 });
      assert.notEqual(run.code, 0);
      assert.match(run.stderr + run.stdout, /target\.path: .*(not a LakeSync lakehouse|is empty|cannot be read as a database file).*leaves that file untouched/);
      assert.doesNotMatch(run.stderr, /at \w+ \(/);
      if (before) {
        assert.equal(readFileSync(path, 'utf8'), before.text);
        assert.equal(statSync(path).mtimeMs, before.mtime);
      }
    }
    // a lakehouse LakeSync made passes
    const good = writeTask({ name: 'tp2', source: pg.source(db), mode: 'multi-table-mirror', tables: ['public.t'], target: { path: 'lake.duckdb' } }, dir);
    assert.equal((await runCli(['run', good, '--until-caught-up'], { timeoutMs: 60_000 })).code, 0);
    const again = await runCli(['check', good]);
    assert.match(again.stdout, /^✔ target .*lake\.duckdb is writable: an existing lakehouse$/m);
    await pg.sql("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE 'lakesync_tp%' AND NOT active").catch(() => undefined);
  });
});
