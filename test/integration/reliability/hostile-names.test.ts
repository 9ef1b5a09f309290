// Names people really use, and names nobody should: quotes (' and "), spaces, dots, unicode,
// reserved words, mixed case and the maximum length (PostgreSQL 63 bytes, MySQL 64 characters),
// for the database/schema, the tables, the columns (the key column too) and the target namespace.
// They go through the snapshot and the stream through the CLI; the target equals the source.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli, sharedMariadb, sharedPostgres, sleep, spawnCli, tempDir, writeTask, type ServerHandle } from '../../harness';
import { assertTablesEqual } from '../../support/compare';
import { lastStatus } from '../../faults/scenario';

interface TableSpec { name: string; key: string; cols: string[] }

const pgMax = 'M' + 'é'.repeat(31); // 63 bytes
const myMax = 'ü'.repeat(64); // 64 characters
const commonCols = ['select', 'group', "it's", 'say "hi"', 'a.b', 'Größe 量', 'Mixed Case'];

const specs: Record<'postgres' | 'mariadb', { db: string; schema?: string; namespace: string; tables: TableSpec[] }> = {
  postgres: {
    db: `LakeSync "Hostile" db's é`,
    schema: `Sch.ema "q" 'x' Ü`,
    namespace: 'Lake "ns" ü',
    tables: [
      { name: 'order', key: 'Primary "Key"', cols: commonCols },
      { name: `Mixed Case.Table "q" 'x'`, key: 'id', cols: ['order', 'c'.repeat(63)] },
      { name: '表_ü_données', key: 'ключ', cols: ['値'] },
      { name: pgMax, key: 'x'.repeat(63), cols: ['user'] },
    ],
  },
  mariadb: {
    db: `LakeSync "Hostile" db's é`,
    namespace: 'Lake "ns" ü',
    tables: [
      { name: 'order', key: 'Primary "Key"', cols: commonCols },
      { name: `Mixed Case.Table "q" 'x' \`b\``, key: 'id', cols: ['order', 'c'.repeat(64)] },
      { name: '表_ü_données', key: 'ключ', cols: ['値'] },
      { name: myMax, key: 'ü'.repeat(64), cols: ['select'] },
      { name: 'select', key: 'from', cols: ['where'] },
    ],
  },
};

for (const kind of ['postgres', 'mariadb'] as const) {
  describe(`reliability: hostile names through snapshot and stream (${kind})`, function () {
    this.timeout(180_000);
    const spec = specs[kind];
    let server: ServerHandle;
    before(async () => {
      server = kind === 'postgres' ? await sharedPostgres() : await sharedMariadb();
      await server.dropDatabase(spec.db).catch(() => undefined);
      await server.createDatabase(spec.db);
    });
    after(async () => {
      if (kind === 'postgres') {
        await server.sql('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = $1', [spec.db]).catch(() => undefined);
      }
      await server?.dropDatabase(spec.db).catch(() => undefined);
    });

    const q = (n: string) => (kind === 'postgres' ? `"${n.replace(/"/g, '""')}"` : `\`${n.replace(/`/g, '``')}\``);
    const lit = (v: string) => (kind === 'postgres' ? `'${v.replace(/'/g, "''")}'` : `'${v.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`);
    const schema = spec.schema ?? spec.db;
    const ref = (t: TableSpec) => `${q(schema)}.${q(t.name)}`;
    const sql = (text: string) => server.sql(text, [], { database: spec.db });
    // task-file names: double-quoted literals ("" is one quote)
    const taskName = (n: string) => `"${n.replace(/"/g, '""')}"`;

    it('database/schema, tables, columns, key and namespace: equal after snapshot and after streamed changes', async () => {
      if (spec.schema) await sql(`CREATE SCHEMA ${q(spec.schema)}`);
      for (const t of spec.tables) {
        await sql(`CREATE TABLE ${ref(t)} (${q(t.key)} INT PRIMARY KEY, ${t.cols.map((c) => `${q(c)} VARCHAR(40)`).join(', ')})`);
        const rows = [1, 2, 3].map((i) => `(${i}, ${t.cols.map((c) => lit(`${i} ${c.slice(0, 10)} 'q' "d"`)).join(', ')})`);
        await sql(`INSERT INTO ${ref(t)} VALUES ${rows.join(', ')}`);
      }
      const dir = tempDir('hostile');
      const lake = join(dir, 'lake.duckdb');
      const file = writeTask({
        name: 'hostile', source: server.source(spec.db, kind === 'mariadb' ? { serverId: 6903 } : {}), mode: 'multi-table-mirror',
        tables: spec.tables.map((t) => `${taskName(schema)}.${taskName(t.name)}`),
        target: { type: 'duckdb', path: lake, namespace: spec.namespace }, parameters: { flushIntervalMs: 200 },
      }, dir);
      const compare = () => assertTablesEqual(spec.tables.map((t) => ({
        server, database: spec.db, table: { db: schema, table: t.name }, duckdbPath: lake, namespace: spec.namespace,
      })));

      const r = await runCli(['run', file, '--until-caught-up']);
      assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
      await compare();

      const p = spawnCli(['run', file, '--json']);
      try {
        await p.waitFor(/"phase":"incremental"/, 60_000);
        for (const t of spec.tables) {
          const c0 = q(t.cols[0]);
          await sql(`INSERT INTO ${ref(t)} (${q(t.key)}, ${c0}) VALUES (10, ${lit('new \'row\' "x"')})`);
          await sql(`UPDATE ${ref(t)} SET ${c0} = ${lit('upd é')} WHERE ${q(t.key)} = 1`);
          await sql(`DELETE FROM ${ref(t)} WHERE ${q(t.key)} = 2`);
          await sql(`UPDATE ${ref(t)} SET ${q(t.key)} = 30 WHERE ${q(t.key)} = 3`);
        }
        await sleep(2000); // streamed (whatever is left is applied by the catch-up run below)
      } finally {
        p.kill('SIGTERM');
      }
      const stopped = await p.exited;
      assert.equal(stopped.code, 0, stopped.stderr);
      assert.equal(lastStatus(p)?.tables.length, spec.tables.length, 'every table in the status');
      const r2 = await runCli(['run', file, '--until-caught-up']);
      assert.equal(r2.code, 0, r2.stderr);
      await compare();
    });
  });
}
