// The schema evolution rules (runtime/evolve.ts), every rule for every kind of change, against a
// real DuckDB sink: what the target table becomes, whether rows written after the change land in
// it, whether the table stops (with its exception) or goes on, and that the checkpoint moves past
// the change only when the table followed it.
import { strict as assert } from 'node:assert';
import type { Rules, TaskPlan } from '../../../src/engine/config/plan';
import { BatchReducer } from '../../../src/engine/pipeline/batch';
import type { RowChange, SchemaChange } from '../../../src/engine/pipeline/events';
import { makeRoute } from '../../../src/engine/pipeline/route';
import { checkpointOf, lsn, formatPosition } from '../../../src/engine/positions';
import { TaskContext } from '../../../src/engine/runtime/context';
import { applySchemaChange } from '../../../src/engine/runtime/evolve';
import { checkResyncs, sameShape } from '../../../src/engine/runtime/resync';
import { StatusTracker } from '../../../src/engine/runtime/status';
import type { SourceAdapter } from '../../../src/engine/source/adapter';
import type { SourceColumn, SourceTable } from '../../../src/engine/source/types';
import { openSink } from '../../../src/engine/sink/registry';
import type { Sink } from '../../../src/engine/sink/sink';
import { mapTable } from '../../../src/engine/typemap';
import { tempDir } from '../sink/helpers';
import { testPlan } from './plan';

const KEY = 'app.items';
const ID = { db: 'app', table: 'items' };

function col(name: string, type: string, ordinal: number): SourceColumn {
  return { name, ordinal, dataType: type, fullType: type, nullable: name !== 'id' };
}
function shape(cols: [string, string][]): SourceTable {
  return { id: ID, columns: cols.map(([n, t], i) => col(n, t, i + 1)), primaryKey: ['id'] };
}
const BEFORE = shape([['id', 'integer'], ['v', 'text'], ['n', 'integer']]);

/** The runtime's parts over a real DuckDB file; the source is never asked (each change carries its shape). */
class World {
  readonly ctx: TaskContext;
  /** What the source's describe() answers (undefined: the source must not be asked). */
  now?: SourceTable;
  private constructor(readonly plan: TaskPlan, readonly sink: Sink, readonly cleanup: () => Promise<void>) {
    const adapter = new Proxy({}, { get: (_t, p) => {
      // a resync the engine asks for looks at the table as the source has it now
      if (p === 'describe') return async () => { if (!this.now) throw new Error('the source was asked (describe)'); return this.now; };
      return () => { throw new Error(`the source was asked (${String(p)}): a schema change carries its shape`); };
    } }) as SourceAdapter;
    this.ctx = new TaskContext(plan, adapter, sink, new StatusTracker(plan.name, plan.file, undefined), () => undefined);
  }

  static async open(rules: Partial<Rules>): Promise<World> {
    const { dir, cleanup } = tempDir();
    const base = testPlan(dir);
    const plan = testPlan(dir, { rules: { ...base.rules, ...rules } });
    const sink = await openSink(plan.target);
    const w = new World(plan, sink, async () => { await sink.close(); cleanup(); });
    const mapping = mapTable('postgres', BEFORE, 'ods', 'items');
    await sink.ensureTable(mapping);
    w.ctx.routes.set(KEY, makeRoute(BEFORE, mapping));
    await sink.state.upsertTable(KEY, 'ods.items', 'incremental');
    w.ctx.status.table(KEY, 'ods.items').phase = 'incremental';
    await w.write([{ kind: 'insert', table: ID, after: ['1', 'one', '10'] }, { kind: 'insert', table: ID, after: ['2', 'two', '20'] }], 100n);
    return w;
  }

  /** Row changes through the live route, committed with `at` (the stream's path). */
  async write(changes: RowChange[], at: bigint): Promise<void> {
    const reducer = new BatchReducer(this.ctx.routeFor);
    for (const c of changes) reducer.add(c, Date.now());
    await this.sink.applyBatch([...reducer.tables.values()], lsn(at));
  }

  change(after: SourceTable | null, ddl: string, at: bigint, renames?: { from: string; to: string }[]): Promise<void> {
    const c: SchemaChange = { kind: 'schema', table: ID, ddl, shape: after, ...(renames ? { renames } : {}) };
    return applySchemaChange(this.ctx, c, lsn(at));
  }

  /** The target's columns and types. */
  async columns(): Promise<Record<string, string>> {
    const m = this.ctx.routes.get(KEY)?.mapping ?? mapTable('postgres', BEFORE, 'ods', 'items');
    return Object.fromEntries([...(await this.sink.tableColumns(m))].filter(([n]) => !n.startsWith('_lakesync_')));
  }

  async rows(cols: string): Promise<unknown[][]> {
    const r = await this.sink.query(`SELECT ${cols} FROM ods.items ORDER BY id`, 100);
    return r.rows.map((row) => row.map((v) => (v === null ? null : String(v))));
  }

  async exceptions(): Promise<string[]> { return (await this.sink.state.errors(KEY)).map((e) => e.message); }

  get phase(): string { return this.ctx.status.table(KEY).phase; }
  get checkpoint(): string | undefined { return this.ctx.checkpoint && formatPosition(this.ctx.checkpoint); }
}

/** Runs `body` on a fresh world under `rules`. */
async function under(rules: Partial<Rules>, body: (w: World) => Promise<void>): Promise<void> {
  const w = await World.open(rules);
  try { await body(w); } finally { await w.cleanup(); }
}

const ADDED = shape([['id', 'integer'], ['v', 'text'], ['n', 'integer'], ['note', 'text']]);
const DROPPED = shape([['id', 'integer'], ['v', 'text']]);
const RENAMED = shape([['id', 'integer'], ['label', 'text'], ['n', 'integer']]);
const WIDENED = shape([['id', 'integer'], ['v', 'text'], ['n', 'bigint']]);

describe('schema evolution rules against the DuckDB sink', function () {
  this.timeout(60_000);

  describe('a column is added', () => {
    it('apply: the target gets the column, later rows fill it, earlier rows are NULL there, the checkpoint moves past the DDL', () => under({ addColumn: 'apply' }, async (w) => {
      await w.change(ADDED, 'ALTER TABLE items ADD note text', 200n);
      assert.deepEqual(await w.columns(), { id: 'INTEGER', v: 'VARCHAR', n: 'INTEGER', note: 'VARCHAR' });
      assert.equal(w.checkpoint, 'lsn:0/C8');
      await w.write([{ kind: 'insert', table: ID, after: ['3', 'three', '30', 'hello'] }], 300n);
      assert.deepEqual(await w.rows('id, v, n, note'), [['1', 'one', '10', null], ['2', 'two', '20', null], ['3', 'three', '30', 'hello']]);
      assert.equal(w.phase, 'incremental');
    }));
    it('ignore: the target stays as it was and later rows still land, without the new column', () => under({ addColumn: 'ignore' }, async (w) => {
      await w.change(ADDED, 'ALTER TABLE items ADD note text', 200n);
      assert.deepEqual(await w.columns(), { id: 'INTEGER', v: 'VARCHAR', n: 'INTEGER' });
      await w.write([{ kind: 'insert', table: ID, after: ['3', 'three', '30', 'hello'] }], 300n);
      assert.deepEqual(await w.rows('id, v, n'), [['1', 'one', '10'], ['2', 'two', '20'], ['3', 'three', '30']]);
      assert.equal(w.phase, 'incremental');
    }));
    it('fail: the table stops with an exception naming the column and the rule; its later rows are dropped; the checkpoint stays', () => under({ addColumn: 'fail' }, async (w) => {
      await w.change(ADDED, 'ALTER TABLE items ADD note text', 200n);
      assert.equal(w.phase, 'failed');
      assert.deepEqual(await w.exceptions(), ['column note was added (rules.addColumn: fail)']);
      assert.equal(w.ctx.routes.haltReason(KEY), 'failed');
      assert.equal(w.checkpoint, undefined);
      assert.deepEqual(await w.columns(), { id: 'INTEGER', v: 'VARCHAR', n: 'INTEGER' });
      await w.write([{ kind: 'insert', table: ID, after: ['3', 'three', '30', 'hello'] }], 300n);
      assert.deepEqual(await w.rows('id'), [['1'], ['2']]);
    }));
  });

  describe('a column is dropped', () => {
    it('drop: the target loses the column and its values', () => under({ dropColumn: 'drop' }, async (w) => {
      await w.change(DROPPED, 'ALTER TABLE items DROP n', 200n);
      assert.deepEqual(await w.columns(), { id: 'INTEGER', v: 'VARCHAR' });
      await w.write([{ kind: 'insert', table: ID, after: ['3', 'three'] }], 300n);
      assert.deepEqual(await w.rows('id, v'), [['1', 'one'], ['2', 'two'], ['3', 'three']]);
    }));
    it('keep: the column and its values stay; later rows have NULL there', () => under({ dropColumn: 'keep' }, async (w) => {
      await w.change(DROPPED, 'ALTER TABLE items DROP n', 200n);
      assert.deepEqual(await w.columns(), { id: 'INTEGER', v: 'VARCHAR', n: 'INTEGER' });
      await w.write([{ kind: 'insert', table: ID, after: ['3', 'three'] }], 300n);
      assert.deepEqual(await w.rows('id, v, n'), [['1', 'one', '10'], ['2', 'two', '20'], ['3', 'three', null]]);
    }));
    it('fail: the table stops, the column stays', () => under({ dropColumn: 'fail' }, async (w) => {
      await w.change(DROPPED, 'ALTER TABLE items DROP n', 200n);
      assert.equal(w.phase, 'failed');
      assert.deepEqual(await w.exceptions(), ['column n was dropped (rules.dropColumn: fail)']);
      assert.deepEqual(await w.columns(), { id: 'INTEGER', v: 'VARCHAR', n: 'INTEGER' });
    }));
  });

  describe('a column is renamed', () => {
    it('apply: the target column is renamed with its values; later rows fill it', () => under({ renameColumn: 'apply' }, async (w) => {
      await w.change(RENAMED, 'ALTER TABLE items RENAME v TO label', 200n, [{ from: 'v', to: 'label' }]);
      assert.deepEqual(await w.columns(), { id: 'INTEGER', label: 'VARCHAR', n: 'INTEGER' });
      await w.write([{ kind: 'insert', table: ID, after: ['3', 'three', '30'] }], 300n);
      assert.deepEqual(await w.rows('id, label, n'), [['1', 'one', '10'], ['2', 'two', '20'], ['3', 'three', '30']]);
    }));
    it('ignore: the old column stays with its values, NULL from then on; the new name is not added', () => under({ renameColumn: 'ignore' }, async (w) => {
      await w.change(RENAMED, 'ALTER TABLE items RENAME v TO label', 200n, [{ from: 'v', to: 'label' }]);
      assert.deepEqual(await w.columns(), { id: 'INTEGER', v: 'VARCHAR', n: 'INTEGER' });
      await w.write([{ kind: 'insert', table: ID, after: ['3', 'three', '30'] }], 300n);
      assert.deepEqual(await w.rows('id, v, n'), [['1', 'one', '10'], ['2', 'two', '20'], ['3', null, '30']]);
      assert.equal(w.phase, 'incremental');
    }));
    it('fail: the table stops naming both names', () => under({ renameColumn: 'fail' }, async (w) => {
      await w.change(RENAMED, 'ALTER TABLE items RENAME v TO label', 200n, [{ from: 'v', to: 'label' }]);
      assert.equal(w.phase, 'failed');
      assert.deepEqual(await w.exceptions(), ['column v was renamed to label (rules.renameColumn: fail)']);
      assert.deepEqual(await w.columns(), { id: 'INTEGER', v: 'VARCHAR', n: 'INTEGER' });
    }));
  });

  describe('a column changes type', () => {
    it('apply, widening: the target column widens and holds values the old type could not', () => under({ changeType: 'apply' }, async (w) => {
      await w.change(WIDENED, 'ALTER TABLE items ALTER n TYPE bigint', 200n);
      assert.deepEqual(await w.columns(), { id: 'INTEGER', v: 'VARCHAR', n: 'BIGINT' });
      await w.write([{ kind: 'insert', table: ID, after: ['3', 'three', '9000000000'] }], 300n);
      assert.deepEqual(await w.rows('id, n'), [['1', '10'], ['2', '20'], ['3', '9000000000']]);
    }));
    it('apply, narrowing: followed when the target\'s values fit; kept wider (with a table error) when they do not', async () => {
      const WIDE = shape([['id', 'integer'], ['v', 'text'], ['n', 'bigint']]);
      const NARROW = shape([['id', 'integer'], ['v', 'text'], ['n', 'integer']]);
      await under({ changeType: 'apply' }, async (w) => {
        await w.change(WIDE, 'ALTER TABLE items ALTER n TYPE bigint', 200n);
        await w.change(NARROW, 'ALTER TABLE items ALTER n TYPE integer', 300n);
        assert.deepEqual(await w.columns(), { id: 'INTEGER', v: 'VARCHAR', n: 'INTEGER' });
      });
      await under({ changeType: 'apply' }, async (w) => {
        await w.change(WIDE, 'ALTER TABLE items ALTER n TYPE bigint', 200n);
        await w.write([{ kind: 'insert', table: ID, after: ['3', 'three', '9000000000'] }], 250n);
        await w.change(NARROW, 'ALTER TABLE items ALTER n TYPE integer', 300n);
        assert.deepEqual(await w.columns(), { id: 'INTEGER', v: 'VARCHAR', n: 'BIGINT' });
        assert.equal(w.phase, 'incremental');
        assert.match(w.ctx.status.table(KEY).errors.at(-1)!.message, /values in the target do not fit INTEGER: it stays BIGINT/);
        assert.deepEqual(await w.rows('id, n'), [['1', '10'], ['2', '20'], ['3', '9000000000']]);
      });
    });
    it('ignore: the target keeps its type', () => under({ changeType: 'ignore' }, async (w) => {
      await w.change(WIDENED, 'ALTER TABLE items ALTER n TYPE bigint', 200n);
      assert.deepEqual(await w.columns(), { id: 'INTEGER', v: 'VARCHAR', n: 'INTEGER' });
      assert.equal(w.phase, 'incremental');
    }));
    it('fail: the table stops naming the column, both types and the rule', () => under({ changeType: 'fail' }, async (w) => {
      await w.change(WIDENED, 'ALTER TABLE items ALTER n TYPE bigint', 200n);
      assert.equal(w.phase, 'failed');
      assert.deepEqual(await w.exceptions(), ['column n changed type from integer to bigint (target INTEGER -> BIGINT; rules.changeType: fail)']);
    }));
  });

  describe('values the stream does not carry: the table is resynced at the change', () => {
    // the requests without their reasons (asserted through the table's events)
    const queued = (w: World) => w.ctx.snapshotQueue.filter((r) => r.source === KEY).map(({ why: _why, ...r }) => r);
    it('an added column whose existing rows got values the reader cannot know (rewritten): pending, resync queued, why in its events', () => under({ addColumn: 'apply' }, async (w) => {
      const added = shape([['id', 'integer'], ['v', 'text'], ['n', 'integer'], ['at', 'timestamptz']]);
      added.columns[3].rewritten = 'column at was added with DEFAULT clock_timestamp(): every row already in the table got its own value';
      w.now = added;
      await w.change(added, 'ALTER TABLE items ADD at timestamptz DEFAULT clock_timestamp()', 200n);
      assert.deepEqual(await w.columns(), { id: 'INTEGER', v: 'VARCHAR', n: 'INTEGER', at: 'TIMESTAMP WITH TIME ZONE' });
      assert.equal(w.checkpoint, 'lsn:0/C8');
      assert.deepEqual(queued(w), [{ source: KEY, kind: 'fresh', align: true }]);
      assert.equal(w.phase, 'pending');
      assert.equal((await w.sink.state.table(KEY))?.phase, 'pending');
      const e = w.ctx.status.table(KEY).errors.at(-1)!;
      assert.equal(e.level, 'info');
      assert.match(e.message, /^resync: column at was added with DEFAULT clock_timestamp\(\)/);
    }));
    it('a type change that does not keep the values (a decimal scale reduced) is resynced; a widening and a narrower integer are not', () => under({ changeType: 'apply' }, async (w) => {
      const dec = (s: string) => { const t = shape([['id', 'integer'], ['v', 'text'], ['n', s]]); t.columns[2].dataType = 'numeric'; return t; };
      const D104 = dec('numeric(10,4)'); D104.columns[2].precision = 10; D104.columns[2].scale = 4;
      const D124 = dec('numeric(12,4)'); D124.columns[2].precision = 12; D124.columns[2].scale = 4;
      const D122 = dec('numeric(12,2)'); D122.columns[2].precision = 12; D122.columns[2].scale = 2;
      await w.change(WIDENED, 'ALTER TABLE items ALTER n TYPE bigint', 200n);
      await w.change(BEFORE, 'ALTER TABLE items ALTER n TYPE integer', 210n);
      await w.change(D104, 'ALTER TABLE items ALTER n TYPE numeric(10,4)', 220n);
      await w.change(D124, 'ALTER TABLE items ALTER n TYPE numeric(12,4)', 230n);
      assert.deepEqual(queued(w), []);
      assert.equal(w.phase, 'incremental', JSON.stringify(await w.exceptions()));
      w.now = D122;
      await w.change(D122, 'ALTER TABLE items ALTER n TYPE numeric(12,2)', 240n);
      assert.deepEqual(queued(w), [{ source: KEY, kind: 'fresh', align: true }]);
      assert.match(w.ctx.status.table(KEY).errors.at(-1)!.message, /^resync: column n changed from numeric\(12,4\) to numeric\(12,2\)/);
    }));
    it('a PostgreSQL type change that may have been a USING rewrite (rewritten) is resynced, even to the same target type', () => under({ changeType: 'apply' }, async (w) => {
      const retyped = shape([['id', 'integer'], ['v', 'varchar(60)'], ['n', 'integer']]);
      retyped.columns[1].rewritten = 'column v changed type from text to varchar(60): PostgreSQL rewrote its values';
      w.now = retyped;
      await w.change(retyped, 'ALTER TABLE items ALTER v TYPE varchar(60) USING lower(v)', 200n);
      assert.deepEqual(queued(w), [{ source: KEY, kind: 'fresh', align: true }]);
    }));
    it('the source ahead of the stream (more DDL since): the resync waits for the stream to reach that shape', () => under({ addColumn: 'apply' }, async (w) => {
      const added = shape([['id', 'integer'], ['v', 'text'], ['n', 'integer'], ['at', 'timestamptz']]);
      added.columns[3].rewritten = 'column at was added with DEFAULT clock_timestamp()';
      const later = shape([['id', 'integer'], ['v', 'text'], ['n', 'integer'], ['at', 'timestamptz'], ['more', 'text']]);
      w.now = later;
      const asked: string[] = [];
      Object.assign(w.ctx, { adapter: { describe: async () => later, currentPosition: async () => { asked.push('position'); return lsn(500n); } } });
      await w.change(added, 'ALTER TABLE items ADD at timestamptz DEFAULT clock_timestamp()', 200n);
      assert.deepEqual(queued(w), []);
      assert.deepEqual(asked, ['position']);
      assert.equal(w.phase, 'pending');
      await w.change(later, 'ALTER TABLE items ADD more text', 300n);
      assert.deepEqual(queued(w), [{ source: KEY, kind: 'fresh', align: true }]);
      assert.deepEqual(w.ctx.snapshotQueue[0].why, ['column at was added with DEFAULT clock_timestamp()']);
    }));
    it('a DDL the stream never announces (PostgreSQL, no row change after it): the resync starts settled once the checkpoint passes the position read after the source described that shape, unless the source changed again', () => under({ addColumn: 'apply' }, async (w) => {
      const added = shape([['id', 'integer'], ['v', 'text'], ['n', 'integer'], ['at', 'timestamptz']]);
      added.columns[3].rewritten = 'column at was added with DEFAULT clock_timestamp()';
      const later = shape([['id', 'integer'], ['v', 'text'], ['n', 'integer'], ['at', 'timestamptz'], ['more', 'text']]);
      const latest = shape([['id', 'integer'], ['v', 'text'], ['n', 'integer'], ['at', 'timestamptz'], ['more', 'text'], ['last', 'text']]);
      let position = 500n;
      let now = later;
      const order: string[] = [];
      Object.assign(w.ctx, { adapter: {
        describe: async () => { order.push('describe'); return now; },
        currentPosition: async () => { order.push('position'); return lsn(position); },
      } });
      await w.change(added, 'ALTER TABLE items ADD at timestamptz DEFAULT clock_timestamp()', 200n);
      // the position is read after the description: every DDL the description shows lies before it
      assert.deepEqual(order, ['describe', 'position']);
      assert.deepEqual(w.ctx.pendingResync.get(KEY)?.goal, { at: lsn(500n), shape: later });
      // the source changes again before the stream gets there: a new goal with the new shape
      now = latest; position = 600n;
      w.ctx.checkpoint = checkpointOf(lsn(550n));
      await checkResyncs(w.ctx);
      assert.deepEqual(queued(w), []);
      assert.deepEqual(w.ctx.pendingResync.get(KEY)?.goal, { at: lsn(600n), shape: latest });
      w.ctx.checkpoint = checkpointOf(lsn(600n));
      await checkResyncs(w.ctx);
      assert.deepEqual(queued(w), [{ source: KEY, kind: 'fresh', align: true, settled: { at: lsn(600n), shape: latest } }]);
      assert.equal(w.ctx.pendingResync.has(KEY), false);
    }));
    it('shapes equal but for integer display widths (MariaDB describes int(11) what the binlog\'s DDL wrote int) are the same shape; tinyint(1) stays apart', () => {
      const t = (types: string[]) => ({ id: ID, primaryKey: ['id'], columns: types.map((x, i) => col(`c${i}`, x, i + 1)) });
      assert.equal(sameShape(t(['int', 'bigint unsigned', 'tinyint', 'varchar(40)']), t(['int(11)', 'bigint(20) unsigned', 'tinyint(4)', 'varchar(40)'])), true);
      assert.equal(sameShape(t(['tinyint(1)']), t(['tinyint(4)'])), false);
      assert.equal(sameShape(t(['int']), t(['bigint(20)'])), false);
      assert.equal(sameShape(t(['varchar(40)']), t(['varchar(60)'])), false);
      assert.equal(sameShape(t(['int', 'int']), t(['int'])), false);
    });
  });

  describe('the table is dropped', () => {
    it('drop: the target table goes, the table shows stopped and has no route', () => under({ dropTable: 'drop' }, async (w) => {
      await w.change(null, 'DROP TABLE items', 200n);
      assert.equal(w.phase, 'stopped');
      assert.equal(w.ctx.routes.has(KEY), false);
      assert.deepEqual(await w.columns(), {});
    }));
    it('keep: the target table and its rows stay, the table shows stopped', () => under({ dropTable: 'keep' }, async (w) => {
      await w.change(null, 'DROP TABLE items', 200n);
      assert.equal(w.phase, 'stopped');
      assert.equal(w.ctx.routes.has(KEY), false);
      assert.deepEqual(await w.rows('id, v'), [['1', 'one'], ['2', 'two']]);
    }));
    it('fail: the table stops with its exception; the target stays', () => under({ dropTable: 'fail' }, async (w) => {
      await w.change(null, 'DROP TABLE items', 200n);
      assert.equal(w.phase, 'failed');
      assert.deepEqual(await w.exceptions(), ['the source table was dropped (rules.dropTable: fail)']);
      assert.deepEqual(await w.rows('id'), [['1'], ['2']]);
    }));
  });

  it('a change the reader could not follow stops the table with the resync command, under any rule', () => under({}, async (w) => {
    await applySchemaChange(w.ctx, { kind: 'schema', table: ID, ddl: 'ALTER TABLE items ...', error: 'unreadable' } as SchemaChange, lsn(200n));
    assert.equal(w.phase, 'failed');
    assert.match((await w.exceptions())[0], /cannot follow the schema change "ALTER TABLE items \.\.\." \(unreadable\).*lakesync resync .* --table app\.items/);
  }));
});
