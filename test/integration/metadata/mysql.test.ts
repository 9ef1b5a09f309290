// MySQL/MariaDB metadata against a real MariaDB: full types, keys, charsets, hostile names, each
// mode's table set, and `lakesync preview --json`.
import assert from 'node:assert/strict';
import mysql from 'mysql2/promise';
import { runCli, sharedMariadb, writeTask, type ServerHandle } from '../../harness';
import { loadTask } from '../../../src/engine/config';
import { describeMysqlTables, listMysqlDatabases, listMysqlTables, parseEnumLabels } from '../../../src/engine/source/mysql/metadata';
import { discoverTables, planMappings } from '../../../src/engine/source/discover';
import { tableKey, type SourceColumn } from '../../../src/engine/source/types';
import type { PreviewJson } from '../../../src/protocol/webview';

const q = (s: string) => '`' + s.replace(/`/g, '``') + '`';
const HOSTILE_DB = 'd`b. ü "x"';
const HOSTILE_TABLE = 'Sel ect.`t` ✓';
const LONG = 'c'.repeat(64);

describe('MySQL/MariaDB metadata (real server)', () => {
  let server: ServerHandle;
  let db: string;
  let shard2: string;
  let conn: mysql.Connection;

  before(async () => {
    server = await sharedMariadb();
    db = await server.createDatabase();
    shard2 = await server.createDatabase();
    await server.sql(`CREATE DATABASE ${q(HOSTILE_DB)}`);
    await server.sql(`CREATE TABLE typed (
      a INT NOT NULL, b VARCHAR(10) CHARACTER SET latin1 NOT NULL,
      ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, mi MEDIUMINT UNSIGNED, i INT, bi BIGINT, biu BIGINT UNSIGNED,
      d1 DECIMAL(12,2), d2 DECIMAL(65,30), du DECIMAL(10,0) UNSIGNED, f FLOAT, dbl DOUBLE, bt BIT(10), y YEAR,
      dt DATE, dtm DATETIME(6), ts TIMESTAMP(3) NULL, tm TIME(6), ch CHAR(3), vc VARCHAR(20) CHARACTER SET utf8mb4,
      tx TEXT, lt LONGTEXT, en ENUM('a', 'b''c', 'd e'), st SET('x', 'y'), j JSON, bl BLOB, bn BINARY(4), vb VARBINARY(8),
      u UUID, ip6 INET6, ip4 INET4, g GEOMETRY, gen INT AS (i * 2) VIRTUAL,
      PRIMARY KEY (b, a)) ENGINE=InnoDB`, [], { database: db });
    await server.sql(`CREATE TABLE ${q(HOSTILE_TABLE)} (${q('Mixed "Case".c`')} INT PRIMARY KEY, ${q(LONG)} TEXT)`, [], { database: HOSTILE_DB });
    await server.sql('CREATE TABLE `order` (`select` INT)', [], { database: HOSTILE_DB });
    await server.sql('CREATE TABLE orders_1 (id INT PRIMARY KEY, amount DECIMAL(10,2), note TEXT)', [], { database: db });
    await server.sql('CREATE TABLE orders_1 (id BIGINT PRIMARY KEY, amount DECIMAL(12,4), extra JSON)', [], { database: shard2 });
    await server.sql('CREATE VIEW v AS SELECT 1 AS one', [], { database: db });
    await server.sql('CREATE SEQUENCE seq1', [], { database: shard2 });
    await server.sql('CREATE TABLE hist (id INT PRIMARY KEY) WITH SYSTEM VERSIONING', [], { database: shard2 });
    conn = await mysql.createConnection({ host: server.host, port: server.port, user: server.user, password: server.password });
  });
  after(async () => {
    await conn?.end();
    for (const d of [db, shard2]) await server?.dropDatabase(d).catch(() => undefined);
    await server?.sql(`DROP DATABASE IF EXISTS ${q(HOSTILE_DB)}`);
  });

  it('lists databases and base tables (no views), hostile names intact', async () => {
    const dbs = await listMysqlDatabases(conn);
    for (const d of [db, shard2, HOSTILE_DB]) assert.ok(dbs.includes(d), d);
    assert.ok(!dbs.includes('mysql') && !dbs.includes('information_schema'));
    assert.deepEqual((await listMysqlTables(conn, [db, HOSTILE_DB])).map(tableKey).sort(),
      [`${db}.orders_1`, `${db}.typed`, `${HOSTILE_DB}.order`, `${HOSTILE_DB}.${HOSTILE_TABLE}`].sort());
    assert.deepEqual((await listMysqlTables(conn, [shard2])).map((t) => t.table).sort(), ['hist', 'orders_1'], 'system-versioned yes, sequence no');
  });

  it('describes every column with its full type, charset, key order and estimated rows', async () => {
    const [t] = await describeMysqlTables(conn, [{ db, table: 'typed' }]);
    assert.deepEqual(t.primaryKey, ['b', 'a']);
    assert.equal(typeof t.estimatedRows, 'number');
    assert.equal(typeof t.estimatedBytes, 'number');
    const col = (n: string): SourceColumn => { const c = t.columns.find((x) => x.name === n); assert.ok(c, n); return c; };
    assert.deepEqual(t.columns.map((c) => c.ordinal), t.columns.map((_, i) => i + 1));
    assert.equal(col('a').nullable, false);
    assert.equal(col('b').charset, 'latin1');
    assert.equal(col('b').length, 10);
    assert.equal(col('vc').charset, 'utf8mb4');
    assert.equal(col('tiu').unsigned, true);
    assert.equal(col('biu').unsigned, true);
    assert.equal(col('bi').unsigned, undefined);
    assert.equal(col('du').unsigned, true);
    assert.deepEqual([col('d2').precision, col('d2').scale], [65, 30]);
    assert.deepEqual([col('d1').dataType, col('d1').fullType], ['decimal', 'decimal(12,2)']);
    assert.equal(col('bt').length, 10);
    assert.equal(col('dtm').precision, 6);
    assert.equal(col('ts').precision, 3);
    assert.equal(col('tm').precision, 6);
    assert.deepEqual(col('en').enumValues, ['a', "b'c", 'd e']);
    assert.deepEqual(col('st').enumValues, ['x', 'y']);
    assert.equal(col('j').dataType, 'json', 'MariaDB JSON (longtext + json_valid) is recognised');
    assert.equal(col('lt').dataType, 'longtext');
    assert.equal(col('u').dataType, 'uuid');
    assert.equal(col('ip6').dataType, 'inet6');
    assert.equal(col('gen').generated, true);
  });

  it('maps every column of the typed table to the documented DuckDB type', async () => {
    const [t] = await describeMysqlTables(conn, [{ db, table: 'typed' }]);
    const plan = { source: { type: 'mysql' }, target: { namespace: 'ods' }, mode: 'multi-table-mirror', databases: [],
      tables: [`${db}.typed`], exclude: [], virtualTables: {} } as never;
    const { mappings, warnings } = planMappings(plan, [t]);
    assert.deepEqual(warnings, []);
    assert.deepEqual(mappings[0].warnings, []);
    assert.deepEqual(Object.fromEntries(mappings[0].columns.map((c) => [c.name, c.targetType])), {
      a: 'INTEGER', b: 'VARCHAR', ti: 'TINYINT', tiu: 'UTINYINT', si: 'SMALLINT', mi: 'UINTEGER', i: 'INTEGER', bi: 'BIGINT',
      biu: 'UBIGINT', d1: 'DECIMAL(12,2)', d2: 'VARCHAR', du: 'DECIMAL(10,0)', f: 'FLOAT', dbl: 'DOUBLE', bt: 'UBIGINT', y: 'SMALLINT',
      dt: 'DATE', dtm: 'TIMESTAMP', ts: 'TIMESTAMPTZ', tm: 'INTERVAL', ch: 'VARCHAR', vc: 'VARCHAR', tx: 'VARCHAR', lt: 'VARCHAR',
      en: 'VARCHAR', st: 'VARCHAR', j: 'JSON', bl: 'BLOB', bn: 'BLOB', vb: 'BLOB', u: 'UUID', ip6: 'VARCHAR', ip4: 'VARCHAR',
      g: 'BLOB', gen: 'INTEGER',
    });
  });

  it('hostile names round trip', async () => {
    const want = { db: HOSTILE_DB, table: HOSTILE_TABLE };
    const [t] = await describeMysqlTables(conn, [want, { db: HOSTILE_DB, table: 'missing' }]);
    assert.deepEqual(t.id, want);
    assert.deepEqual(t.columns.map((c) => c.name), ['Mixed "Case".c`', LONG]);
    assert.deepEqual(t.primaryKey, ['Mixed "Case".c`']);
  });

  it('parses enum labels with quotes, commas and parentheses', () => {
    assert.deepEqual(parseEnumLabels("enum('a','b''c','x,y','(p)')"), ['a', "b'c", 'x,y', '(p)']);
  });

  describe('table sets of each mode (discoverTables)', () => {
    const discover = async (p: Record<string, unknown>) => {
      const file = writeTask({ source: server.source(), target: { path: 'x.duckdb', namespace: 'ods' }, ...p });
      const plan = await loadTask(file, { env: { ...process.env, ...server.env } });
      const tables = await discoverTables(plan);
      return { tables, ...planMappings(plan, tables) };
    };

    it('database-mirror: every table of the listed databases', async () => {
      const r = await discover({ mode: 'database-mirror', databases: [HOSTILE_DB] });
      assert.deepEqual(r.tables.map((t) => t.id.table).sort(), [HOSTILE_TABLE, 'order'].sort());
      assert.deepEqual(r.warnings, []);
    });

    it('multi-table-mirror: globs across databases, excludes, and patterns that match nothing', async () => {
      const r = await discover({ mode: 'multi-table-mirror', tables: ['*.orders_?', `${db}.typ*`, `${db}.nothing`], exclude: [`${shard2}.*`] });
      assert.deepEqual(r.tables.map((t) => tableKey(t.id)).sort(), [`${db}.orders_1`, `${db}.typed`].sort());
      assert.deepEqual(r.mappings.map((m) => m.table).sort(), [`${db}_orders_1`, `${db}_typed`].sort());
      assert.deepEqual(r.warnings, [`tables "${db}.nothing" matches no source table`]);
    });

    it('multi-table-merge: equal tables of two databases into one target, keys kept apart', async () => {
      const r = await discover({ mode: 'multi-table-merge', virtualTables: { orders_all: [`(${db}|${shard2})\\.orders_\\d+`], none: ['zzz\\..*'] } });
      assert.equal(r.mappings.length, 1);
      const m = r.mappings[0];
      assert.deepEqual(m.sources.map(tableKey).sort(), [`${db}.orders_1`, `${shard2}.orders_1`].sort());
      assert.deepEqual(Object.fromEntries(m.columns.map((c) => [c.name, c.targetType])),
        { id: 'BIGINT', amount: 'DECIMAL(14,4)', note: 'VARCHAR', extra: 'JSON' });
      assert.deepEqual(m.key, ['_lakesync_source_db', '_lakesync_source_table', 'id']);
      assert.deepEqual(r.warnings, ['virtualTables.none pattern "zzz\\..*" matches no source table']);
    });
  });

  it('lakesync preview --json lists the tables and typed columns', async () => {
    const file = writeTask({ name: 'mypreview', source: server.source(db), mode: 'multi-table-mirror', tables: [`${db}.*`],
      target: { path: 'x.duckdb', namespace: 'ods' } });
    const r = await runCli(['preview', file, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as PreviewJson;
    assert.equal(doc.task, 'mypreview');
    assert.match(doc.source, /^mysql 127\.0\.0\.1:\d+\//);
    assert.deepEqual(doc.tables.map((t) => [t.target, t.sources]), [['ods.orders_1', [`${db}.orders_1`]], ['ods.typed', [`${db}.typed`]]]);
    const typed = doc.tables[1];
    assert.deepEqual(typed.key, ['b', 'a']);
    const c = (n: string) => typed.columns.find((x) => x.name === n);
    assert.deepEqual(c('biu'), { name: 'biu', sourceType: 'bigint(20) unsigned', targetType: 'UBIGINT', nullable: true, key: false });
    assert.deepEqual(c('b'), { name: 'b', sourceType: 'varchar(10)', targetType: 'VARCHAR', nullable: false, key: true });
    assert.equal(c('d2')?.targetType, 'VARCHAR');
    assert.match(c('d2')?.note ?? '', /exact decimal text/);
    assert.match(c('dt')?.note ?? '', /zero dates/);
  });
});
