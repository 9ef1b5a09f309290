// PostgreSQL metadata against a real server: full types, keys, replica identity, hostile names,
// each mode's table set, and `lakesync preview --json`.
import assert from 'node:assert/strict';
import pg from 'pg';
import { runCli, sharedPostgres, writeTask, type ServerHandle } from '../../harness';
import { loadTask } from '../../../src/engine/config';
import { describePostgresTables, listPostgresSchemas, listPostgresTables } from '../../../src/engine/source/postgres/metadata';
import { discoverTables, planMappings } from '../../../src/engine/source/discover';
import { tableKey, type SourceTable } from '../../../src/engine/source/types';
import type { PreviewJson } from '../../../src/protocol/webview';

const HOSTILE_SCHEMA = 'Sch "e.ma" ü';
const HOSTILE_TABLE = `select ${'x'.repeat(30)} "q".t ✓`.slice(0, 40);
const LONG = 'l'.repeat(63);

describe('PostgreSQL metadata (real server)', () => {
  let server: ServerHandle;
  let db: string;
  let client: pg.Client;

  before(async () => {
    server = await sharedPostgres();
    db = await server.createDatabase();
    const q = (s: string) => server.sql(s, [], { database: db });
    await q(`CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy face')`);
    await q(`CREATE DOMAIN price AS numeric(10,2) CHECK (VALUE >= 0)`);
    await q(`CREATE DOMAIN tags AS text[]`);
    await q(`CREATE TABLE public.typed (
      a int4 NOT NULL, b text NOT NULL, s int2, big int8, n numeric, n12 numeric(12,2), n50 numeric(50,5), m money,
      r real, d double precision, ok boolean, c char(3), vc varchar(20), nm name, by bytea, bt bit(5), vb varbit(9), vbu varbit,
      dt date, ts timestamp(3), tstz timestamptz, tm time(0), ttz timetz, iv interval, u uuid, j json, jb jsonb, ip inet, cd cidr,
      mac macaddr, x xml, tv tsvector, pt point, md mood, pr price, tg tags, ia int4[], ta text[][], na numeric(8,3)[], ma mood[],
      gen int8 GENERATED ALWAYS AS (big * 2) STORED,
      PRIMARY KEY (b, a))`);
    await q(`ALTER TABLE public.typed REPLICA IDENTITY FULL`);
    await q(`CREATE SCHEMA ${ident(HOSTILE_SCHEMA)}`);
    await q(`CREATE TABLE ${ident(HOSTILE_SCHEMA)}.${ident(HOSTILE_TABLE)} (${ident('Mixed "Case".col')} int PRIMARY KEY, ${ident(LONG)} text)`);
    await q(`CREATE TABLE ${ident(HOSTILE_SCHEMA)}."order" ("select" int)`);
    await q(`CREATE TABLE public.orders_1 (id int PRIMARY KEY, amount numeric(10,2), note text)`);
    await q(`CREATE TABLE public.orders_2 (id bigint PRIMARY KEY, amount numeric(12,4), extra jsonb)`);
    await q(`CREATE TABLE public.parted (id int, k int, PRIMARY KEY (id, k)) PARTITION BY RANGE (k)`);
    await q(`CREATE TABLE public.parted_1 PARTITION OF public.parted FOR VALUES FROM (0) TO (10)`);
    await q(`CREATE VIEW public.v AS SELECT 1 AS one`);
    await q(`INSERT INTO public.orders_1 SELECT g, g, 'n' FROM generate_series(1, 100) g`);
    await q(`ANALYZE public.orders_1`);
    client = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database: db });
    await client.connect();
  });
  after(async () => { await client?.end(); await server?.dropDatabase(db); });

  it('lists user schemas and tables (no views, no partitions), hostile names intact', async () => {
    assert.deepEqual(await listPostgresSchemas(client), ['public', HOSTILE_SCHEMA].sort());
    const tables = (await listPostgresTables(client)).map(tableKey);
    assert.deepEqual(tables, [...[`${HOSTILE_SCHEMA}.${HOSTILE_TABLE}`, `${HOSTILE_SCHEMA}.order`].sort(),
      'public.orders_1', 'public.orders_2', 'public.parted', 'public.typed'].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)));
    assert.deepEqual((await listPostgresTables(client, ['nope'])), []);
  });

  it('describes every column with its full type, key order, replica identity, estimated rows', async () => {
    const [t] = await describePostgresTables(client, [{ db: 'public', table: 'typed' }]);
    assert.deepEqual(t.primaryKey, ['b', 'a']);
    assert.equal(t.replicaIdentity, 'f');
    const col = (n: string) => { const c = t.columns.find((x) => x.name === n); assert.ok(c, n); return c; };
    assert.deepEqual(t.columns.map((c) => c.ordinal), t.columns.map((_, i) => i + 1));
    assert.equal(col('a').nullable, false);
    assert.equal(col('s').nullable, true);
    assert.deepEqual(pick(col('n12')), { dataType: 'numeric', fullType: 'numeric(12,2)', precision: 12, scale: 2 });
    assert.deepEqual(pick(col('n')), { dataType: 'numeric', fullType: 'numeric' });
    assert.deepEqual(pick(col('vc')), { dataType: 'varchar', fullType: 'character varying(20)', length: 20 });
    assert.deepEqual(pick(col('c')), { dataType: 'bpchar', fullType: 'character(3)', length: 3 });
    assert.deepEqual(pick(col('bt')), { dataType: 'bit', fullType: 'bit(5)', length: 5 });
    assert.deepEqual(pick(col('ts')), { dataType: 'timestamp', fullType: 'timestamp(3) without time zone', precision: 3 });
    assert.deepEqual(pick(col('tm')), { dataType: 'time', fullType: 'time(0) without time zone', precision: 0 });
    assert.deepEqual(col('md').enumValues, ['sad', 'ok', 'happy face']);
    assert.deepEqual(pick(col('pr')), { dataType: 'numeric', fullType: 'numeric(10,2)', precision: 10, scale: 2, domain: 'price' });
    assert.deepEqual(pick(col('tg')), { dataType: 'text[]', fullType: 'text[]', isArray: true, elementType: 'text', domain: 'tags' });
    assert.deepEqual(pick(col('ia')), { dataType: 'int4[]', fullType: 'integer[]', isArray: true, elementType: 'int4' });
    assert.deepEqual(pick(col('ta')), { dataType: 'text[]', fullType: 'text[][]', isArray: true, elementType: 'text' });
    assert.deepEqual(pick(col('na')), { dataType: 'numeric[]', fullType: 'numeric(8,3)[]', isArray: true, elementType: 'numeric', precision: 8, scale: 3 });
    assert.deepEqual(col('ma').enumValues, ['sad', 'ok', 'happy face']);
    assert.equal(t.columns.find((c) => c.name === 'gen'), undefined, 'generated columns are not replicated by pgoutput: left out');
    const oids = await client.query<{ oid: number }>(`SELECT 'int4'::regtype::oid::int AS oid`);
    assert.equal(col('a').typeOid, oids.rows[0].oid);
    const [o] = await describePostgresTables(client, [{ db: 'public', table: 'orders_1' }]);
    assert.equal(o.estimatedRows, 100);
    // 100 narrow rows: one or two 8 KiB heap pages (the bulk path leaves such a table to the row path)
    assert.ok(o.estimatedBytes !== undefined && o.estimatedBytes >= 8192 && o.estimatedBytes < 65536, `estimatedBytes ${o.estimatedBytes}`);
    assert.equal(o.replicaIdentity, 'd');
  });

  it('maps every column of the typed table to the documented DuckDB type', async () => {
    const [t] = await describePostgresTables(client, [{ db: 'public', table: 'typed' }]);
    const plan = fakePlan({ mode: 'multi-table-mirror', tables: ['public.typed'] });
    const { mappings, warnings } = planMappings(plan, [t]);
    assert.deepEqual(warnings, []);
    const types = Object.fromEntries(mappings[0].columns.map((c) => [c.name, c.targetType]));
    assert.deepEqual(types, {
      a: 'INTEGER', b: 'VARCHAR', s: 'SMALLINT', big: 'BIGINT', n: 'VARCHAR', n12: 'DECIMAL(12,2)', n50: 'VARCHAR', m: 'DECIMAL(19,2)',
      r: 'FLOAT', d: 'DOUBLE', ok: 'BOOLEAN', c: 'VARCHAR', vc: 'VARCHAR', nm: 'VARCHAR', by: 'BLOB', bt: 'BIT', vb: 'VARCHAR', vbu: 'VARCHAR',
      dt: 'DATE', ts: 'TIMESTAMP', tstz: 'TIMESTAMPTZ', tm: 'TIME', ttz: 'TIMETZ', iv: 'INTERVAL', u: 'UUID', j: 'JSON', jb: 'JSON',
      ip: 'VARCHAR', cd: 'VARCHAR', mac: 'VARCHAR', x: 'VARCHAR', tv: 'VARCHAR', pt: 'VARCHAR', md: 'VARCHAR', pr: 'DECIMAL(10,2)',
      tg: 'VARCHAR[]', ia: 'INTEGER[]', ta: 'VARCHAR[][]', na: 'DECIMAL(8,3)[]', ma: 'VARCHAR[]',
    });
    assert.deepEqual(mappings[0].key, ['b', 'a']);
  });

  it('hostile names round trip through listing, describing and selection', async () => {
    const want = { db: HOSTILE_SCHEMA, table: HOSTILE_TABLE };
    const [t] = await describePostgresTables(client, [want]);
    assert.deepEqual(t.id, want);
    assert.deepEqual(t.columns.map((c) => c.name), ['Mixed "Case".col', LONG]);
    assert.deepEqual(t.primaryKey, ['Mixed "Case".col']);
    assert.deepEqual(await describePostgresTables(client, [{ db: 'public', table: 'missing' }]), []);
    const twice = await describePostgresTables(client, [want, want]);
    assert.deepEqual(twice.map((x) => x.columns.length), [2, 2], 'asking twice does not double the columns');
  });

  describe('table sets of each mode (discoverTables)', () => {
    const discover = async (p: Record<string, unknown>) => {
      const file = writeTask({ source: server.source(db), target: { path: 'x.duckdb', namespace: 'ods' }, ...p });
      const plan = await loadTask(file, { env: { ...process.env, ...server.env } });
      const tables = await discoverTables(plan);
      return { tables, ...planMappings(plan, tables) };
    };

    it('database-mirror: every table of the listed schemas', async () => {
      const r = await discover({ mode: 'database-mirror', databases: [HOSTILE_SCHEMA] });
      assert.deepEqual(r.tables.map((t) => t.id.table).sort(), [HOSTILE_TABLE, 'order'].sort());
      assert.deepEqual(r.mappings.map((m) => m.table).sort(), [HOSTILE_TABLE, 'order'].sort());
      assert.deepEqual(r.warnings, []);
      const order = r.mappings.find((m) => m.table === 'order');
      assert.match(order?.warnings.join('\n') ?? '', /\.order has no primary key/);
    });

    it('multi-table-mirror: globs, quoted names, excludes, and patterns that match nothing', async () => {
      const r = await discover({ mode: 'multi-table-mirror',
        tables: ['public.orders_*', 'public.typed', `"${HOSTILE_SCHEMA.replace(/"/g, '""')}"."order"`, 'public.nothing_*'],
        exclude: ['public.orders_2'] });
      assert.deepEqual(r.tables.map((t) => tableKey(t.id)).sort(), [`${HOSTILE_SCHEMA}.order`, 'public.orders_1', 'public.typed'].sort());
      assert.deepEqual(r.mappings.map((m) => m.table).sort(), [`${HOSTILE_SCHEMA}_order`, 'public_orders_1', 'public_typed'].sort());
      assert.match(r.warnings.join('\n'), /tables "public\.nothing_\*" matches no source table/);
    });

    it('multi-table-merge: one target fed by every matching source, types widened', async () => {
      const r = await discover({ mode: 'multi-table-merge', virtualTables: { orders_all: ['public\\.orders_\\d+'] } });
      assert.equal(r.mappings.length, 1);
      const m = r.mappings[0];
      assert.deepEqual(m.sources.map(tableKey), ['public.orders_1', 'public.orders_2']);
      assert.deepEqual(m.columns.map((c) => [c.name, c.targetType]),
        [['id', 'BIGINT'], ['amount', 'DECIMAL(14,4)'], ['note', 'VARCHAR'], ['extra', 'JSON']]);
      assert.deepEqual(m.key, ['_lakesync_source_db', '_lakesync_source_table', 'id']);
      assert.deepEqual(m.columns[0].mergedFrom?.map((f) => [tableKey(f.table), f.column.fullType]),
        [['public.orders_1', 'integer'], ['public.orders_2', 'bigint']]);
    });
  });

  it('lakesync preview --json lists the tables and typed columns', async () => {
    const file = writeTask({ name: 'pgpreview', source: server.source(db), mode: 'multi-table-mirror', tables: ['public.typed', 'public.orders_1'],
      target: { path: 'x.duckdb', namespace: 'ods' } });
    const r = await runCli(['preview', file, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as PreviewJson;
    assert.equal(doc.task, 'pgpreview');
    assert.equal(doc.mode, 'multi-table-mirror');
    assert.match(doc.source, /^postgres 127\.0\.0\.1:\d+\//);
    assert.deepEqual(doc.tables.map((t) => [t.target, t.sources]), [['ods.orders_1', ['public.orders_1']], ['ods.typed', ['public.typed']]]);
    const typed = doc.tables[1];
    assert.deepEqual(typed.key, ['b', 'a']);
    const c = (n: string) => typed.columns.find((x) => x.name === n);
    assert.deepEqual(c('n12'), { name: 'n12', sourceType: 'numeric(12,2)', targetType: 'DECIMAL(12,2)', nullable: true, key: false, note: 'NaN lands as NULL (DECIMAL has no NaN)' });
    assert.deepEqual(c('a'), { name: 'a', sourceType: 'integer', targetType: 'INTEGER', nullable: false, key: true });
    assert.equal(c('pr')?.sourceType, 'price (numeric(10,2))');
    assert.equal(c('n')?.targetType, 'VARCHAR');
    assert.ok(c('n')?.note);
    const text = await runCli(['preview', file]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /ods\.typed <- public\.typed/);
    assert.match(text.stdout, /n12 +numeric\(12,2\) +-> DECIMAL\(12,2\)/);
  });
});

function ident(s: string): string { return `"${s.replace(/"/g, '""')}"`; }

function pick(c: SourceTable['columns'][number]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of ['dataType', 'fullType', 'precision', 'scale', 'length', 'isArray', 'elementType', 'domain'] as const) {
    if (c[k] !== undefined) out[k] = c[k];
  }
  return out;
}

function fakePlan(p: Record<string, unknown>): Parameters<typeof planMappings>[0] {
  return { source: { type: 'postgres' }, target: { namespace: 'ods' }, databases: [], tables: [], exclude: [], virtualTables: {}, ...p } as never;
}
