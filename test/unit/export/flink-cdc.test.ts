// `lakesync export --to flink-cdc`: every mode, rule and source option maps to the Flink CDC 3.6
// keys (names checked against apache/flink-cdc's own option classes), for MySQL and PostgreSQL;
// what the pipeline cannot express is refused with an alternative; secrets are never resolved.
import { strict as assert } from 'node:assert';
import { parse } from 'yaml';
import { buildPlan } from '../../../src/engine/config/build';
import type { TaskPlan } from '../../../src/engine/config/plan';
import { planMappings } from '../../../src/engine/source/discover';
import type { SourceColumn, SourceTable } from '../../../src/engine/source/types';
import { exportFlinkCdc, type ExportInput, type StartPosition } from '../../../src/engine/export/flink-cdc/pipeline';
import { isMariaDbGtid } from '../../../src/engine/export/handover';

type Doc = {
  source: Record<string, unknown>; sink: Record<string, unknown>; pipeline: Record<string, unknown>;
  route?: Record<string, string>[]; transform?: Record<string, string>[];
};

const col = (name: string, ordinal: number, dataType: string, extra: Partial<SourceColumn> = {}): SourceColumn =>
  ({ name, ordinal, dataType, fullType: extra.fullType ?? dataType, nullable: ordinal > 1, ...extra });
const table = (db: string, name: string, key: string[] = ['id'], columns?: SourceColumn[]): SourceTable => ({
  id: { db, table: name }, primaryKey: key,
  columns: columns ?? [col('id', 1, 'int'), col('total', 2, 'decimal', { fullType: 'decimal(12,2)', precision: 12, scale: 2 }), col('note', 3, 'varchar', { fullType: 'varchar(40)' })],
});

const RESOLVED = 's3cr3t-resolved-value';

function task(data: Record<string, unknown>): TaskPlan {
  const plan = buildPlan({ name: 'shop', ...data }, '/work/tasks/shop.sync.yaml');
  plan.source.password = RESOLVED; // what loadTask resolves in memory: must never reach the file
  return plan;
}

function run(data: Record<string, unknown>, tables: SourceTable[], extra: Partial<ExportInput> = {}) {
  const plan = task(data);
  const { mappings } = planMappings(plan, tables);
  const src = data.source as Record<string, unknown>;
  const result = exportFlinkCdc({ plan, rawSource: { host: src.host, user: src.user, password: src.password }, mappings,
    sink: 'iceberg', warehouse: '/work/tasks/.lakehouse/shop', ...extra });
  return { ...result, doc: parse(result.yaml) as Doc };
}

const mysql = { type: 'mysql', host: '10.0.0.5', port: 3307, user: 'lakesync', password: '${env:SHOP_DB_PASSWORD}', serverId: 6100 };
const postgres = { type: 'postgres', host: 'db.local', user: 'lakesync', password: '${secret:shop-db}', database: 'shop', slot: 'lakesync_shop', publication: 'lakesync_pub' };

describe('export --to flink-cdc', () => {
  describe('MySQL source', () => {
    it('multi-table-mirror: names and globs become selectors, exclude becomes tables.exclude, one route and transform each', () => {
      const { doc, refusals } = run({ source: mysql, mode: 'multi-table-mirror', tables: ['shop.orders', 'shop.order_*', 'shop.item?_{a,b}'], exclude: ['shop.order_tmp*'],
        snapshot: { concurrency: 3, chunkSize: 20000 } }, [table('shop', 'orders'), table('shop', 'order_lines'), table('shop', 'item1_a')]);
      assert.deepEqual(refusals, []);
      assert.equal(doc.source.type, 'mysql');
      assert.equal(doc.source.hostname, '10.0.0.5');
      assert.equal(doc.source.port, 3307);
      assert.equal(doc.source.username, 'lakesync');
      assert.equal(doc.source.tables, 'shop.orders,shop.order_\\.*,shop.item\\._(a|b)');
      assert.equal(doc.source['tables.exclude'], 'shop.order_tmp\\.*');
      assert.equal(doc.source['server-id'], '6100-6102', 'one id per parallel reader, from the task serverId');
      assert.equal(doc.source['scan.incremental.snapshot.chunk.size'], 20000);
      assert.equal(doc.source['scan.startup.mode'], 'initial');
      assert.equal(doc.source['scan.binlog.newly-added-table.enabled'], true, 'globs + newTables: sync');
      assert.deepEqual(doc.route, [
        { 'source-table': 'shop.orders', 'sink-table': 'ods.<>', 'replace-symbol': '<>', description: 'shop.orders -> ods.<table>' },
        { 'source-table': 'shop.order_\\.*', 'sink-table': 'ods.<>', 'replace-symbol': '<>', description: 'shop.order_* -> ods.<table>' },
        { 'source-table': 'shop.item\\._(a|b)', 'sink-table': 'ods.<>', 'replace-symbol': '<>', description: 'shop.item?_{a,b} -> ods.<table>' },
      ]);
      assert.equal(doc.transform!.length, 1);
      assert.equal(doc.transform![0]['source-table'], 'shop.orders,shop.order_\\.*,shop.item\\._(a|b)');
      assert.match(doc.transform![0].projection, /^\\\*, CASE WHEN __data_event_type__ = '\+I' THEN 'insert' .* AS _lakesync_op, CURRENT_TIMESTAMP AS _lakesync_source_ts, CURRENT_TIMESTAMP AS _lakesync_synced_at$/);
      assert.equal(doc.transform![0]['primary-keys'], undefined, 'mirrored tables keep their source key');
      assert.equal(doc.pipeline.parallelism, 3);
      assert.equal(doc.pipeline['schema.change.behavior'], 'evolve');
      assert.equal(doc.pipeline.name, 'LakeSync task shop');
    });

    it('database-mirror: every table of each database, new tables captured from the binlog', () => {
      const { doc, refusals } = run({ source: mysql, mode: 'database-mirror', databases: ['shop', 'crm'] }, [table('shop', 'orders'), table('crm', 'people')]);
      assert.deepEqual(refusals, []);
      assert.equal(doc.source.tables, 'shop.\\.*,crm.\\.*');
      assert.equal(doc.source['scan.binlog.newly-added-table.enabled'], true);
      assert.equal(doc.source['server-id'], '6100-6103', 'default snapshot.concurrency 4');
      // two databases: LakeSync's default name is {schema}_{table} (config/naming.ts), so the routes say so
      assert.deepEqual(doc.route!.map((r) => [r['source-table'], r['sink-table']]), [['shop.\\.*', 'ods.shop_<>'], ['crm.\\.*', 'ods.crm_<>']]);
    });

    it('database-mirror with newTables: ignore does not follow new tables', () => {
      const { doc } = run({ source: mysql, mode: 'database-mirror', databases: ['shop'], rules: { newTables: 'ignore' } }, [table('shop', 'orders')]);
      assert.equal(doc.source['scan.binlog.newly-added-table.enabled'], undefined);
    });

    it('multi-table-merge: a route to one sink table and a transform that puts the source identity first in the key (#2882)', () => {
      const { doc, refusals } = run({ source: mysql, mode: 'multi-table-merge', virtualTables: { orders_all: ['shard_\\d+\\.orders_\\d+', 'legacy\\.orders'] } },
        [table('shard_1', 'orders_1'), table('shard_2', 'orders_7'), table('legacy', 'orders')]);
      assert.deepEqual(refusals, []);
      assert.equal(doc.source.tables, 'shard_\\d+.orders_\\d+,legacy.orders');
      assert.deepEqual(doc.route, [{ 'source-table': 'shard_\\d+.orders_\\d+,legacy.orders', 'sink-table': 'ods.orders_all',
        description: 'merge shard_\\d+\\.orders_\\d+, legacy\\.orders -> ods.orders_all' }]);
      const t = doc.transform![0];
      assert.equal(t['source-table'], 'shard_\\d+.orders_\\d+,legacy.orders');
      assert.equal(t['primary-keys'], '_lakesync_source_db,_lakesync_source_table,id');
      assert.match(t.projection, /__schema_name__ AS _lakesync_source_db, __table_name__ AS _lakesync_source_table$/);
    });

    it('a merge regex without one escaped dot between database and table is refused with the fix', () => {
      const { refusals } = run({ source: mysql, mode: 'multi-table-merge', virtualTables: { all: ['shard.*orders'] } }, [table('shard1', 'orders')]);
      assert.equal(refusals.length, 1);
      assert.match(refusals[0], /exactly one escaped dot/);
      assert.match(refusals[0], /Alternative/);
    });

    it('snapshot.enabled: false starts at the latest offset', () => {
      const { doc } = run({ source: mysql, mode: 'multi-table-mirror', tables: ['shop.orders'], snapshot: { enabled: false } }, [table('shop', 'orders')]);
      assert.equal(doc.source['scan.startup.mode'], 'latest-offset');
    });

    it('hand-over from MySQL: specific-offset with binlog file, position and GTID set', () => {
      const start: StartPosition = { kind: 'binlog', checkpoint: 'binlog.000042:1577#gtid:3e11fa47-71ca-11e1-9e33-c80aa9429562:1-77', file: 'binlog.000042', pos: 1577,
        gtid: '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-77', mariadb: false };
      const { doc, yaml } = run({ source: mysql, mode: 'multi-table-mirror', tables: ['shop.orders'] }, [table('shop', 'orders')], { start });
      assert.equal(doc.source['scan.startup.mode'], 'specific-offset');
      assert.equal(doc.source['scan.startup.specific-offset.file'], 'binlog.000042');
      assert.equal(doc.source['scan.startup.specific-offset.pos'], 1577);
      assert.equal(doc.source['scan.startup.specific-offset.gtid-set'], '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-77');
      assert.match(yaml, /scan\.startup\.mode: initial/, 'initial is named as the alternative');
    });

    it('hand-over from MariaDB: file and position only (Flink CDC does not follow MariaDB GTIDs)', () => {
      const start: StartPosition = { kind: 'binlog', checkpoint: 'mysql-bin.000003:8811#gtid:0-1-253', file: 'mysql-bin.000003', pos: 8811, gtid: '0-1-253', mariadb: true };
      const { doc, yaml } = run({ source: mysql, mode: 'multi-table-mirror', tables: ['shop.orders'] }, [table('shop', 'orders')], { start });
      assert.equal(doc.source['scan.startup.mode'], 'specific-offset');
      assert.equal(doc.source['scan.startup.specific-offset.file'], 'mysql-bin.000003');
      assert.equal(doc.source['scan.startup.specific-offset.pos'], 8811);
      assert.equal(doc.source['scan.startup.specific-offset.gtid-set'], undefined);
      assert.match(yaml, /does not follow MariaDB GTIDs/);
    });

    it('a MariaDB checkpoint with only a GTID cannot be handed over: refused with the alternative', () => {
      const start: StartPosition = { kind: 'binlog', checkpoint: 'gtid:0-1-99', gtid: '0-1-99', mariadb: true };
      const { refusals } = run({ source: mysql, mode: 'multi-table-mirror', tables: ['shop.orders'] }, [table('shop', 'orders')], { start });
      assert.equal(refusals.length, 1);
      assert.match(refusals[0], /MariaDB GTID.*without --handover/);
    });

    it('type differences that lose information are warned about (DECIMAL over 38 digits, TIME, unsigned BIGINT, spatial)', () => {
      const cols = [col('id', 1, 'bigint', { unsigned: true, fullType: 'bigint unsigned' }), col('big', 2, 'decimal', { fullType: 'decimal(65,10)', precision: 65, scale: 10 }),
        col('dur', 3, 'time', { fullType: 'time(6)', precision: 6 }), col('pos', 4, 'point'), col('ok', 5, 'decimal', { fullType: 'decimal(38,2)', precision: 38, scale: 2 })];
      const { warnings, refusals } = run({ source: mysql, mode: 'multi-table-mirror', tables: ['shop.m'] }, [table('shop', 'm', ['id'], cols)]);
      assert.deepEqual(refusals, []);
      const typeWarnings = warnings.filter((w) => w.startsWith('shop.m.'));
      assert.deepEqual(typeWarnings.map((w) => w.split(':')[0]), ['shop.m.id', 'shop.m.big', 'shop.m.dur', 'shop.m.pos']);
      assert.match(typeWarnings[1], /decimal\(65,10\) becomes STRING/);
    });
  });

  describe('PostgreSQL source', () => {
    it('database-mirror: database.schema selectors, the task slot and publication, pgoutput', () => {
      const { doc, warnings, refusals } = run({ source: postgres, mode: 'database-mirror', databases: ['public', 'sales'], snapshot: { concurrency: 2, chunkSize: 5000 } },
        [table('public', 'orders'), table('sales', 'leads')]);
      assert.deepEqual(refusals, []);
      assert.equal(doc.source.type, 'postgres');
      assert.equal(doc.source.port, 5432);
      assert.equal(doc.source.tables, 'shop.public.\\.*,shop.sales.\\.*');
      assert.equal(doc.source['slot.name'], 'lakesync_shop');
      assert.equal(doc.source['debezium.publication.name'], 'lakesync_pub');
      assert.equal(doc.source['decoding.plugin.name'], 'pgoutput');
      assert.equal(doc.source['scan.incremental.snapshot.chunk.size'], 5000);
      assert.equal(doc.source['server-id'], undefined);
      assert.equal(doc.source['scan.binlog.newly-added-table.enabled'], undefined);
      assert.equal(doc.pipeline.parallelism, 2);
      assert.deepEqual(doc.route!.map((r) => r['source-table']), ['shop.public.\\.*', 'shop.sales.\\.*']);
      assert.ok(warnings.some((w) => /does not carry schema changes/.test(w)));
    });

    it('multi-table-mirror with exclude', () => {
      const { doc } = run({ source: postgres, mode: 'multi-table-mirror', tables: ['public.orders', 'public.order_*'], exclude: ['public.order_tmp'] },
        [table('public', 'orders'), table('public', 'order_lines')]);
      assert.equal(doc.source.tables, 'shop.public.orders,shop.public.order_\\.*');
      assert.equal(doc.source['tables.exclude'], 'shop.public.order_tmp');
    });

    it('multi-table-merge: the schema becomes _lakesync_source_db, in the key', () => {
      const { doc } = run({ source: postgres, mode: 'multi-table-merge', virtualTables: { orders: ['tenant_\\w+\\.orders'] } },
        [table('tenant_a', 'orders'), table('tenant_b', 'orders')]);
      assert.equal(doc.source.tables, 'shop.tenant_\\w+.orders');
      assert.equal(doc.route![0]['sink-table'], 'ods.orders');
      assert.equal(doc.transform![0]['primary-keys'], '_lakesync_source_db,_lakesync_source_table,id');
    });

    it('hand-over: committed-offset on the task\'s own slot', () => {
      const { doc, yaml } = run({ source: postgres, mode: 'database-mirror', databases: ['public'] }, [table('public', 'orders')],
        { start: { kind: 'lsn', checkpoint: 'lsn:0/16B3748', lsn: '0/16B3748' } });
      assert.equal(doc.source['scan.startup.mode'], 'committed-offset');
      assert.equal(doc.source['slot.name'], 'lakesync_shop');
      assert.match(yaml, /lsn:0\/16B3748/);
    });

    it('a MySQL checkpoint on a PostgreSQL task is refused', () => {
      const { refusals } = run({ source: postgres, mode: 'database-mirror', databases: ['public'] }, [table('public', 'orders')],
        { start: { kind: 'binlog', checkpoint: 'b.000001:4', file: 'b.000001', pos: 4, mariadb: false } });
      assert.match(refusals[0], /MySQL position/);
    });

    it('interval and numeric without precision are warned about', () => {
      const cols = [col('id', 1, 'integer'), col('span', 2, 'interval'), col('amount', 3, 'numeric')];
      const { warnings } = run({ source: postgres, mode: 'multi-table-mirror', tables: ['public.t'] }, [table('public', 't', ['id'], cols)]);
      assert.ok(warnings.some((w) => w.startsWith('public.t.span: interval becomes BIGINT')));
      assert.ok(warnings.some((w) => w.startsWith('public.t.amount: numeric without a precision')));
    });
  });

  describe('connections', () => {
    it('an SSH tunnel and verified TLS are not exported silently: each is a warning that says what to set', () => {
      const withConn = (src: Record<string, unknown>) => ({ ...src, ssh: { host: 'bastion.example.com', user: 'deploy', password: '${env:BASTION_PASSWORD}' }, tls: { mode: 'verify-full', ca: 'certs/ca.pem' } });
      const my = run({ source: withConn(mysql), mode: 'multi-table-mirror', tables: ['shop.m'] }, [table('shop', 'm')]);
      assert.ok(my.warnings.some((w) => w.startsWith('source.ssh: Flink CDC has no SSH tunnel; the pipeline connects to 10.0.0.5:3307 directly')), my.warnings.join('\n'));
      assert.ok(my.warnings.some((w) => /^source\.tls\.mode verify-full is not exported: .*debezium\.database\.ssl\.mode/.test(w)), my.warnings.join('\n'));
      const pg = run({ source: withConn(postgres), mode: 'multi-table-mirror', tables: ['public.t'] }, [table('public', 't')]);
      assert.ok(pg.warnings.some((w) => /^source\.tls\.mode verify-full is not exported: .*debezium\.database\.sslmode/.test(w)), pg.warnings.join('\n'));
      assert.doesNotMatch(my.yaml + pg.yaml, /bastion|BASTION_PASSWORD|certs\/ca\.pem/);
      const plain = run({ source: { ...mysql, tls: { mode: 'prefer' } }, mode: 'multi-table-mirror', tables: ['shop.m'] }, [table('shop', 'm')]);
      assert.ok(!plain.warnings.some((w) => /^source\.(ssh|tls)/.test(w)));
    });
  });

  describe('rules', () => {
    const base = { source: mysql, mode: 'multi-table-mirror', tables: ['shop.orders'] };
    const tables = [table('shop', 'orders')];

    it('ignore and keep rules become the sink\'s exclude.schema.changes; the rest evolves', () => {
      assert.deepEqual(run({ ...base, rules: { addColumn: 'ignore', dropColumn: 'keep', renameColumn: 'ignore', changeType: 'ignore' } }, tables).doc.sink['exclude.schema.changes'],
        ['add.column', 'drop.column', 'rename.column', 'alter.column.type']);
      const applyAll = run({ ...base, rules: { addColumn: 'apply', dropColumn: 'drop', renameColumn: 'apply', changeType: 'apply' } }, tables);
      assert.equal(applyAll.doc.sink['exclude.schema.changes'], undefined);
      assert.equal(applyAll.doc.pipeline['schema.change.behavior'], 'evolve');
      assert.deepEqual(run(base, tables).doc.sink['exclude.schema.changes'], ['drop.column'], 'the default dropColumn: keep');
    });

    it('every schema rule fail -> schema.change.behavior: exception; one fail alone is refused', () => {
      const all = run({ ...base, rules: { addColumn: 'fail', dropColumn: 'fail', renameColumn: 'fail', changeType: 'fail', dropTable: 'fail' } }, tables);
      assert.deepEqual(all.refusals, []);
      assert.equal(all.doc.pipeline['schema.change.behavior'], 'exception');
      const one = run({ ...base, rules: { addColumn: 'fail' } }, tables);
      assert.equal(one.refusals.length, 1);
      assert.match(one.refusals[0], /addColumn: fail.*not on one kind.*Alternative/);
    });

    it('dropTable: drop and truncate events are warned about (the sinks cannot drop or truncate)', () => {
      const { warnings } = run({ ...base, rules: { dropTable: 'drop' } }, tables);
      assert.ok(warnings.some((w) => /dropTable: drop/.test(w)));
      assert.ok(warnings.some((w) => /truncate/.test(w)));
    });

    it('event filters: without update or delete a transform filter drops them; without insert it is refused', () => {
      assert.equal(run({ ...base, rules: { events: ['insert', 'update'] } }, tables).doc.transform![0].filter, "__data_event_type__ NOT IN ('-D')");
      assert.equal(run({ ...base, rules: { events: ['insert', 'delete'] } }, tables).doc.transform![0].filter, "__data_event_type__ NOT IN ('-U', '+U')");
      assert.equal(run(base, tables).doc.transform![0].filter, undefined);
      assert.match(run({ ...base, rules: { events: ['update', 'delete'] } }, tables).refusals[0], /snapshot rows as inserts/);
    });
  });

  describe('target naming (config/naming.ts)', () => {
    it('namespace {from: source} and a tableName template become route patterns', () => {
      const { doc } = run({ source: mysql, mode: 'database-mirror', databases: ['shop', 'crm'], target: { namespace: { from: 'source' }, tableName: 'raw_{table}_v1' } },
        [table('shop', 'orders'), table('crm', 'people')]);
      assert.deepEqual(doc.route!.map((r) => [r['source-table'], r['sink-table'], r['replace-symbol']]), [['shop.\\.*', 'shop.raw_<>_v1', '<>'], ['crm.\\.*', 'crm.raw_<>_v1', '<>']]);
    });

    it('PostgreSQL {database} is the task database; a fixed namespace stays', () => {
      const { doc } = run({ source: postgres, mode: 'multi-table-mirror', tables: ['public.orders'], target: { namespace: 'lake', tableName: '{database}_{schema}_{table}' } },
        [table('public', 'orders')]);
      assert.equal(doc.route![0]['sink-table'], 'lake.shop_public_<>');
    });

    it('naming a pattern cannot write (lowerCase; {schema} under a glob) gets one route per table, with a warning', () => {
      const lower = run({ source: mysql, mode: 'multi-table-mirror', tables: ['shop.*'], target: { lowerCase: true } }, [table('shop', 'Orders'), table('shop', 'Lines')]);
      assert.deepEqual(lower.doc.route!.map((r) => [r['source-table'], r['sink-table']]), [['shop.Lines', 'ods.lines'], ['shop.Orders', 'ods.orders']]);
      assert.ok(lower.warnings.some((w) => /cannot be written as a Flink CDC route pattern/.test(w)));
      const glob = run({ source: mysql, mode: 'multi-table-mirror', tables: ['shard_*.orders'] }, [table('shard_1', 'orders'), table('shard_2', 'orders')]);
      assert.deepEqual(glob.doc.route!.map((r) => r['sink-table']), ['ods.shard_1_orders', 'ods.shard_2_orders']);
      assert.equal(glob.doc.source.tables, 'shard_\\.*.orders');
    });

    it('a merge target keeps its virtual table name in the fixed namespace', () => {
      const { doc } = run({ source: mysql, mode: 'multi-table-merge', target: { namespace: 'bronze' }, virtualTables: { all_orders: ['s\\d\\.orders'] } }, [table('s1', 'orders')]);
      assert.equal(doc.route![0]['sink-table'], 'bronze.all_orders');
    });
  });

  describe('refusals and sinks', () => {
    it('a table without a primary key is refused with the reason and the alternatives', () => {
      const { refusals } = run({ source: mysql, mode: 'multi-table-mirror', tables: ['shop.*'] }, [table('shop', 'orders'), table('shop', 'audit_log', [])]);
      assert.equal(refusals.length, 1);
      assert.match(refusals[0], /shop\.audit_log has no primary key/);
      assert.match(refusals[0], /exclude: \["shop\.audit_log"\]/);
    });

    it('iceberg: a Hadoop catalog at the task\'s warehouse; paimon: a filesystem metastore', () => {
      const ice = run({ source: mysql, mode: 'multi-table-mirror', tables: ['shop.orders'] }, [table('shop', 'orders')]);
      assert.equal(ice.doc.sink.type, 'iceberg');
      assert.equal(ice.doc.sink['catalog.properties.type'], 'hadoop');
      assert.equal(ice.doc.sink['catalog.properties.warehouse'], '/work/tasks/.lakehouse/shop');
      assert.match(ice.yaml, /equality deletes/);
      const paimon = run({ source: mysql, mode: 'multi-table-mirror', tables: ['shop.orders'] }, [table('shop', 'orders')], { sink: 'paimon', warehouse: '/data/paimon' });
      assert.equal(paimon.doc.sink.type, 'paimon');
      assert.equal(paimon.doc.sink['catalog.properties.metastore'], 'filesystem');
      assert.equal(paimon.doc.sink['catalog.properties.warehouse'], '/data/paimon');
    });

    it('the YAML has exactly the top-level sections of Flink CDC\'s parser', () => {
      const { doc } = run({ source: mysql, mode: 'multi-table-merge', virtualTables: { all: ['s\\d\\.t'] } }, [table('s1', 't')]);
      assert.deepEqual(Object.keys(doc).sort(), ['pipeline', 'route', 'sink', 'source', 'transform']);
      for (const r of doc.route!) for (const k of Object.keys(r)) assert.ok(['source-table', 'sink-table', 'replace-symbol', 'description'].includes(k), k);
      for (const t of doc.transform!) for (const k of Object.keys(t)) assert.ok(['source-table', 'projection', 'filter', 'primary-keys', 'partition-keys', 'table-options', 'description'].includes(k), k);
    });
  });

  describe('secrets', () => {
    const tables = [table('shop', 'orders')];
    const base = { mode: 'multi-table-mirror', tables: ['shop.orders'] };

    it('${env:NAME} stays a reference: a ${NAME} placeholder for envsubst, never the value', () => {
      const { yaml, doc } = run({ ...base, source: mysql }, tables);
      assert.equal(doc.source.password, '${SHOP_DB_PASSWORD}');
      assert.match(yaml, /password: '\$\{SHOP_DB_PASSWORD\}'/);
      assert.match(yaml, /envsubst '\$SHOP_DB_PASSWORD'/);
      assert.ok(!yaml.includes(RESOLVED));
    });

    it('${secret:NAME} becomes the CLI\'s LAKESYNC_SECRET_<NAME> placeholder', () => {
      const { doc, yaml } = run({ source: postgres, mode: 'database-mirror', databases: ['public'] }, [table('public', 'orders')]);
      assert.equal(doc.source.password, '${LAKESYNC_SECRET_SHOP_DB}');
      assert.ok(!yaml.includes(RESOLVED));
    });

    it('a plain-text password in the task file is not copied: a placeholder and a warning', () => {
      const { yaml, doc, warnings } = run({ ...base, source: { ...mysql, password: 'hunter2-in-plain-text' } }, tables);
      assert.equal(doc.source.password, '${SHOP_DB_PASSWORD}');
      assert.ok(!yaml.includes('hunter2'));
      assert.ok(!yaml.includes(RESOLVED));
      assert.ok(warnings.some((w) => /plain text/.test(w)));
    });

    it('references in host and user become placeholders too', () => {
      const { doc } = run({ ...base, source: { ...mysql, host: '${env:DB_HOST}', user: '${secret:db-user}' } }, tables);
      assert.equal(doc.source.hostname, '${DB_HOST}');
      assert.equal(doc.source.username, '${LAKESYNC_SECRET_DB_USER}');
    });
  });

  it('MariaDB GTID sets are told from MySQL ones', () => {
    assert.equal(isMariaDbGtid('0-1-253'), true);
    assert.equal(isMariaDbGtid('0-1-253,1-2-7'), true);
    assert.equal(isMariaDbGtid('3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5'), false);
  });
});

describe('export --to flink-cdc: server ids', () => {
  it('a derived serverId above 2^31-1 (LakeSync allows it, Flink CDC reads ids as Java int) moves into range, stably', async () => {
    const { flinkServerId } = await import('../../../src/engine/export/flink-cdc/pipeline');
    assert.equal(flinkServerId(6100, 4), 6100);
    assert.equal(flinkServerId(2147483644, 4), 2147483644);
    const moved = flinkServerId(3111541567, 4);
    assert.ok(moved >= 5400 && moved + 3 <= 2147483647, String(moved));
    assert.equal(flinkServerId(3111541567, 4), moved);
  });
});
