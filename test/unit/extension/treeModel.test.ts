import assert from 'node:assert/strict';
import { TaskModel } from '../../../src/extension/model/taskModel';
import { readTaskFileInfo } from '../../../src/extension/model/taskFile';
import { taskChildren, taskNode, shownTaskPhase, STALE_STATUS_MS } from '../../../src/extension/model/treeNodes';
import type { TableStatus, TaskStatus } from '../../../src/protocol/status';

const FILE = '/w/shop.sync.yaml';
const T0 = Date.parse('2026-11-24T10:00:00Z');

function table(p: Partial<TableStatus> & { source: string }): TableStatus {
  return { target: `ods.${p.source.split('.')[1]}`, phase: 'pending', chunksDone: 0, chunksTotal: 0, snapshotRows: 0,
    rowsRead: 0, rowsWritten: 0, errors: [], ...p };
}
function status(p: Partial<TaskStatus>): TaskStatus {
  return { name: 'shop', file: FILE, phase: 'initializing', updatedAt: new Date(T0).toISOString(), rowsRead: 0, rowsWritten: 0,
    readRate: 0, writeRate: 0, failovers: 0, failoverEvents: [], phases: [], tables: [], ...p };
}
function model(): TaskModel {
  const m = new TaskModel();
  m.upsert(readTaskFileInfo(FILE, 'source:\n  type: mysql\n  host: db1\n  port: 3306\ntarget:\n  path: out/shop.duckdb\n'));
  return m;
}

describe('tree model built from status events', () => {
  it('a task file nobody runs is stopped, with source and target under it', () => {
    const m = model();
    const e = m.get(FILE)!;
    const node = taskNode(e, T0);
    assert.equal(node.label, 'shop');
    assert.equal(node.description, 'stopped');
    assert.equal(node.icon.id, 'circle-large-outline');
    assert.equal(node.contextValue, 'lakesync.task.stopped');
    const kids = taskChildren(e, T0);
    assert.deepEqual(kids.map((k) => k.kind), ['source', 'target', 'hint']);
    assert.equal(kids[0].description, 'mysql db1:3306');
    assert.equal(kids[1].description, 'duckdb ods.{schema}_{table} · out/shop.duckdb');
  });

  it('starting shows initializing; the first engine status flips the run state to running', () => {
    const m = model();
    m.setRun(FILE, 'starting');
    assert.equal(shownTaskPhase(m.get(FILE)!, T0), 'initializing');
    assert.equal(taskNode(m.get(FILE)!, T0).contextValue, 'lakesync.task.running');
    m.applyEngineStatus(FILE, status({ phase: 'full-sync', rowsWritten: 12345, tables: [
      table({ source: 'shop.orders', phase: 'full-sync', chunksDone: 3, chunksTotal: 4, snapshotRows: 12000 }),
      table({ source: 'shop.customers', phase: 'pending', chunksTotal: 4 }),
    ] }), T0);
    const e = m.get(FILE)!;
    assert.equal(e.run, 'running');
    const node = taskNode(e, T0);
    assert.equal(node.description, 'full sync 37% · 12,345 rows');
    assert.equal(node.icon.id, 'sync~spin');
    const kids = taskChildren(e, T0);
    assert.deepEqual(kids.map((k) => k.label), ['Source', 'Target', 'shop.customers', 'shop.orders']);
    const orders = kids[3];
    assert.equal(orders.description, 'full sync 75% · 12,000 rows');
    assert.equal(orders.contextValue, 'lakesync.table.full-sync.live');
    assert.equal(kids[2].icon.id, 'clock');
  });

  it('incremental tables show rows and lag; the task shows the worst lag', () => {
    const m = model();
    m.setRun(FILE, 'running');
    m.applyEngineStatus(FILE, status({ phase: 'incremental', rowsWritten: 500, catchUp: { goal: 'binlog:b.1:900', caughtUp: true, quietMs: 0 }, tables: [
      table({ source: 'shop.a', phase: 'incremental', rowsWritten: 300, latencyMs: 850 }),
      table({ source: 'shop.b', phase: 'incremental', rowsWritten: 200, latencyMs: 2300 }),
    ] }), T0);
    const e = m.get(FILE)!;
    assert.equal(taskNode(e, T0).description, 'incremental · lag 2.3 s · 500 rows');
    assert.equal(taskNode(e, T0).icon.id, 'pass-filled');
    assert.equal(taskChildren(e, T0)[2].description, '300 rows · lag 850 ms');
  });

  it('no ✔ while streaming but behind the source: the positions-only rule of --until-caught-up', () => {
    const m = model();
    m.setRun(FILE, 'running');
    const tables = [table({ source: 'shop.a', phase: 'incremental', rowsWritten: 300, latencyMs: 5 })];
    // the phase says incremental and the lag of the last batch is tiny, but the checkpoint is behind
    m.applyEngineStatus(FILE, status({ phase: 'incremental', rowsWritten: 300, tables, catchUp: { goal: 'lsn:0/3A1C4770', caughtUp: false, bytesLeft: 5 * 1024 * 1024, quietMs: 0 } }), T0);
    let e = m.get(FILE)!;
    assert.equal(taskNode(e, T0).icon.id, 'sync~spin');
    assert.equal(taskNode(e, T0).description, 'incremental, catching up, 5.0 MiB behind · lag 5 ms · 300 rows');
    assert.equal(taskChildren(e, T0)[2].icon.id, 'sync~spin');
    // no source position known yet: not caught up either
    m.applyEngineStatus(FILE, status({ phase: 'incremental', rowsWritten: 300, tables }), T0);
    assert.equal(taskNode(m.get(FILE)!, T0).icon.id, 'sync~spin');
    m.applyEngineStatus(FILE, status({ phase: 'incremental', rowsWritten: 300, tables, catchUp: { goal: 'lsn:0/3A1C4770', caughtUp: true, quietMs: 0 } }), T0);
    e = m.get(FILE)!;
    assert.equal(taskNode(e, T0).icon.id, 'pass-filled');
    assert.equal(taskChildren(e, T0)[2].icon.id, 'pass-filled');
  });

  it('a crash restart is shown as restarting with a failover count; a reported failure as failed', () => {
    const m = model();
    m.setRun(FILE, 'running');
    m.recordFailover(FILE, 'the engine exited with code 3');
    m.setRun(FILE, 'restarting', 'the engine exited with code 3', T0 + 4000);
    let node = taskNode(m.get(FILE)!, T0);
    assert.equal(node.description, 'restarting in 4.0 s · 1 failover');
    assert.equal(node.icon.id, 'loading~spin');
    m.setRun(FILE, 'stopped', 'source.port must be a number');
    node = taskNode(m.get(FILE)!, T0);
    assert.equal(node.description, 'failed · 1 failover');
    assert.equal(node.icon.id, 'error');
    assert.equal(node.contextValue, 'lakesync.task.failed');
    assert.match(node.tooltip!, /Error: source.port must be a number/);
    m.setRun(FILE, 'starting');
    assert.equal(m.get(FILE)!.lastError, undefined);
  });

  it('a status file counts as live only while fresh; stale means the engine is gone', () => {
    const m = model();
    const st = status({ phase: 'incremental', updatedAt: new Date(T0).toISOString(), tables: [table({ source: 'shop.a', phase: 'incremental', latencyMs: 100 })] });
    m.applyFileStatus(FILE, st);
    assert.equal(shownTaskPhase(m.get(FILE)!, T0 + 1000), 'incremental');
    assert.match(taskNode(m.get(FILE)!, T0 + 1000).description!, /runs outside this window/);
    assert.equal(taskNode(m.get(FILE)!, T0 + 1000).contextValue, 'lakesync.task.external', 'no Start while another engine holds the target');
    assert.equal(shownTaskPhase(m.get(FILE)!, T0 + STALE_STATUS_MS + 1), 'stopped');
    // Tables of a stopped task keep their last phase but stop spinning, and show no lag.
    const kid = taskChildren(m.get(FILE)!, T0 + STALE_STATUS_MS + 1)[2];
    assert.equal(kid.icon.id, 'pass');
    assert.equal(kid.contextValue, 'lakesync.table.incremental');
    assert.equal(kid.description, '0 rows');
  });

  it('a status file whose engine process is alive stays live however old; a dead one is stopped at once', () => {
    const m = model();
    m.applyFileStatus(FILE, status({ phase: 'incremental', pid: 4242, updatedAt: new Date(T0).toISOString() }));
    m.setFilePidAlive(FILE, true);
    assert.equal(shownTaskPhase(m.get(FILE)!, T0 + 10 * STALE_STATUS_MS), 'incremental', 'an idle engine writes its status only on change');
    assert.equal(taskNode(m.get(FILE)!, T0 + 10 * STALE_STATUS_MS).contextValue, 'lakesync.task.external');
    m.setFilePidAlive(FILE, false);
    assert.equal(shownTaskPhase(m.get(FILE)!, T0 + 1), 'stopped', 'killed: not running even though the file is fresh');
  });

  it("after this window's engine stops, its last status no longer counts as running", () => {
    const m = model();
    m.setRun(FILE, 'running');
    m.applyEngineStatus(FILE, status({ phase: 'incremental' }), T0);
    m.setRun(FILE, 'stopping');
    assert.equal(shownTaskPhase(m.get(FILE)!, T0), 'stopping');
    m.setRun(FILE, 'stopped');
    assert.equal(shownTaskPhase(m.get(FILE)!, T0 + 10), 'stopped');
    assert.equal(taskNode(m.get(FILE)!, T0 + 10).contextValue, 'lakesync.task.stopped');
    m.applyFileStatus(FILE, status({ phase: 'stopped' }));
    assert.equal(m.get(FILE)!.statusFrom, 'file', 'the status file the engine wrote last replaces the stream');
  });

  it('the engine stream wins over a status file while the engine runs', () => {
    const m = model();
    m.setRun(FILE, 'running');
    m.applyEngineStatus(FILE, status({ phase: 'incremental' }), T0);
    m.applyFileStatus(FILE, status({ phase: 'failed' }));
    assert.equal(m.get(FILE)!.status!.phase, 'incremental');
  });

  it('without any status, tables come from the mapping preview', () => {
    const m = model();
    m.setPreviewLoading(FILE);
    assert.equal(taskChildren(m.get(FILE)!, T0)[2].label, 'Loading tables…');
    m.setPreviewTables(FILE, [{ source: 'shop.orders', target: 'ods.orders' }]);
    const kids = taskChildren(m.get(FILE)!, T0);
    assert.equal(kids[2].label, 'shop.orders');
    assert.equal(kids[2].description, '→ ods.orders · not synced yet');
    m.setPreviewTables(FILE, undefined, 'connect ECONNREFUSED 127.0.0.1:3306');
    assert.equal(taskChildren(m.get(FILE)!, T0)[2].label, 'shop.orders', 'a failed refresh keeps the last known tables');
  });

  it('a rescan keeps the state of files that remain and drops the others', () => {
    const m = model();
    m.setRun(FILE, 'running');
    let changes = 0;
    m.onChange(() => changes++);
    m.replaceAll([readTaskFileInfo(FILE, 'name: renamed\n'), readTaskFileInfo('/w/b.sync.yaml', '')]);
    assert.equal(m.get(FILE)!.run, 'running');
    assert.equal(m.get(FILE)!.info.name, 'renamed');
    assert.deepEqual(m.list().map((e) => e.info.name), ['b', 'renamed']);
    assert.equal(changes, 1);
  });
});

describe('Iceberg tables in the tree', () => {
  const ICE = '/w/ice.sync.yaml';
  it('the target is the warehouse; each table shows its files, and its snapshots and last maintenance in the tooltip', () => {
    const m = new TaskModel();
    m.upsert(readTaskFileInfo(ICE, 'source:\n  type: postgres\n  host: db1\n  database: shop\ntarget:\n  type: iceberg\n  warehouse: lake/shop\n  namespace: ods\n'));
    m.setRun(ICE, 'running');
    const storage = { dataFiles: 12, deleteFiles: 3, snapshots: 40,
      maintenance: { at: '2026-12-06T23:10:04Z', outcome: 'ok' as const, detail: '8 data files and 3 delete files compacted, 2 snapshots expired, 0 orphan files removed' } };
    m.applyEngineStatus(ICE, status({ file: ICE, phase: 'incremental', tables: [
      table({ source: 'public.orders', phase: 'incremental', rowsWritten: 1200, storage }),
      table({ source: 'public.items', phase: 'incremental', rowsWritten: 5, storage: { dataFiles: 1, deleteFiles: 0, snapshots: 2,
        maintenance: { at: '2026-12-06T23:11:00Z', outcome: 'failed', detail: 'ENOSPC: no space left on device' } } }),
      table({ source: 'public.fresh', phase: 'incremental', rowsWritten: 1, storage: { dataFiles: 1, deleteFiles: 0, snapshots: 1 } }),
    ] }), T0);
    const kids = taskChildren(m.get(ICE)!, T0);
    assert.equal(kids[1].description, 'iceberg ods.{schema}_{table} · lake/shop');
    assert.match(kids[1].tooltip!, /Iceberg warehouse `\/w\/lake\/shop`/);
    const node = (name: string) => kids.find((k) => k.label === name)!;
    assert.equal(node('public.orders').description, '1,200 rows · 15 files');
    assert.match(node('public.orders').tooltip!, /Files: 12 data files, 3 delete files, 40 snapshots/);
    assert.match(node('public.orders').tooltip!, /Last maintenance: 2026-12-06T23:10:04Z: ok \(8 data files and 3 delete files compacted, 2 snapshots expired/);
    assert.equal(node('public.items').description, '5 rows · 1 file (maintenance failed)');
    assert.match(node('public.items').tooltip!, /Files: 1 data file, 0 delete files, 2 snapshots/);
    assert.match(node('public.items').tooltip!, /Last maintenance: .*: failed \(ENOSPC: no space left on device\)/);
    assert.match(node('public.fresh').tooltip!, /Last maintenance: none yet/);
  });

  it('a DuckDB target keeps its file and its tables show no storage line', () => {
    const m = model();
    m.setRun(FILE, 'running');
    m.applyEngineStatus(FILE, status({ phase: 'incremental', tables: [table({ source: 'shop.a', phase: 'incremental', rowsWritten: 3 })] }), T0);
    const kids = taskChildren(m.get(FILE)!, T0);
    assert.equal(kids[1].description, 'duckdb ods.{schema}_{table} · out/shop.duckdb');
    assert.equal(kids[2].description, '3 rows');
    assert.doesNotMatch(kids[2].tooltip!, /Files:|maintenance/);
  });
});

describe('task file info', () => {
  it('reads name, source and a target path relative to the file; survives broken YAML', () => {
    const i = readTaskFileInfo('/w/x/orders.sync.yaml', 'source:\n  type: postgres\n  slot: s1\ntarget:\n  path: ../lake/o.duckdb\nparameters:\n  memoryMb: 512\n');
    assert.equal(i.name, 'orders');
    assert.equal(i.targetPath, '/w/lake/o.duckdb');
    assert.equal(i.slot, 's1');
    assert.equal(i.memoryMb, 512);
    const b = readTaskFileInfo('/w/bad.sync.yaml', 'source: [unclosed\n');
    assert.equal(b.broken, true);
    assert.equal(b.name, 'bad');
    assert.equal(b.targetPath, '/w/.lakehouse/bad.duckdb');
  });
});

describe('status bar summary', () => {
  it('counts running tasks, shows the worst lag, and calls out failures', async () => {
    const { statusBarText } = await import('../../../src/extension/model/statusSummary');
    const m = model();
    assert.equal(statusBarText(m, T0), undefined, 'hidden when nothing runs');
    m.setRun(FILE, 'running');
    m.applyEngineStatus(FILE, status({ phase: 'incremental', tables: [table({ source: 'shop.a', phase: 'incremental', latencyMs: 1500 })] }), T0);
    m.upsert(readTaskFileInfo('/w/b.sync.yaml', ''));
    m.setRun('/w/b.sync.yaml', 'stopped', 'bad config');
    const v = statusBarText(m, T0)!;
    assert.equal(v.text, '$(database) 1 running · lag 1.5 s · $(error) 1 failed');
    assert.equal(v.failed, 1);
  });
});
