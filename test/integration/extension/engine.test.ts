// The extension's engine client against the real bundled engine and a real MariaDB: the password
// travels only in the IPC init message, statuses drive the tree model to incremental, a query
// runs through the engine, a stop is clean and leaves the status file the tree reads next.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureBuilt, repoRoot, sharedMariadb, tempDir, writeTask, type ServerHandle } from '../../harness';
import { TaskSupervisor } from '../../../src/extension/engine/supervisor';
import { TaskModel } from '../../../src/extension/model/taskModel';
import { readTaskFileInfo, statusFileOf } from '../../../src/extension/model/taskFile';
import { taskChildren, taskNode } from '../../../src/extension/model/treeNodes';
import type { QueryResult } from '../../../src/protocol/ipc';

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('extension engine client with the real engine (MariaDB)', function () {
  this.timeout(180_000);
  let server: ServerHandle;
  let db: string;

  before(async () => {
    await ensureBuilt();
    server = await sharedMariadb();
    db = await server.createDatabase();
    await server.sql('CREATE TABLE orders (id INT PRIMARY KEY, total DECIMAL(10,2))', [], { database: db });
    await server.sql('INSERT INTO orders VALUES (1, 12.50), (2, 3.00), (3, 7.25)', [], { database: db });
  });
  after(async () => { await server?.dropDatabase(db); });

  it('runs a task with a ${secret:} password to incremental, answers a query, stops cleanly', async () => {
    const dir = tempDir('ext-engine');
    const file = writeTask({ name: 'shop', source: server.source(db, { password: '${secret:shop-db}' }), mode: 'multi-table-mirror',
      tables: [`${db}.orders`], target: { path: 'lake.duckdb', namespace: 'ods' } }, dir);
    const model = new TaskModel();
    model.upsert(readTaskFileInfo(file, fs.readFileSync(file, 'utf8')));
    const logs: string[] = [];
    const ended: string[] = [];
    const sup = new TaskSupervisor({
      prepare: async () => ({
        enginePath: path.join(repoRoot, 'dist', 'engine.js'), runtime: { execPath: process.execPath, env: {} }, execArgv: ['--max-old-space-size=512'],
        // No LAKESYNC_SECRET_* anywhere: the engine can only get the password from init.
        args: ['run', file, '--ipc'], cwd: dir, secrets: { 'shop-db': server.password }, logLevel: 'info',
      }),
    });
    sup.on('state', (s, d) => model.setRun(file, s, d.error, d.restartAt));
    sup.on('status', (st) => model.applyEngineStatus(file, st, Date.now()));
    sup.on('log', (level, m) => logs.push(`${level} ${m}`));
    sup.on('ended', (k, e) => ended.push(`${k}${e ? `: ${e}` : ''}`));
    await sup.start();
    try {
      await until('incremental', () => model.get(file)?.status?.tables[0]?.phase === 'incremental' || ended.length > 0);
      assert.deepEqual(ended, [], logs.join('\n'));
      const node = taskNode(model.get(file)!, Date.now());
      assert.match(node.description!, /^incremental/);
      assert.equal(node.contextValue, 'lakesync.task.running');
      const table = taskChildren(model.get(file)!, Date.now()).find((n) => n.kind === 'table')!;
      assert.equal(table.label, `${db}.orders`);

      await server.sql('INSERT INTO orders VALUES (4, 1.00)', [], { database: db });
      let result: QueryResult | undefined;
      await until('the new row in the target', async () => {
        result = (await sup.request({ type: 'query', sql: 'SELECT id, CAST(total AS VARCHAR) FROM ods.orders ORDER BY id' })) as QueryResult;
        return result.rows.length === 4;
      });
      assert.deepEqual(result!.rows.map((r) => r.map(String)), [['1', '12.50'], ['2', '3.00'], ['3', '7.25'], ['4', '1.00']]);
      assert.ok(!logs.some((l) => l.includes(server.password)), 'the password never shows in the log');
    } finally {
      await sup.stop();
    }
    assert.deepEqual(ended, ['stopped']);
    assert.equal(model.get(file)!.run, 'stopped');
    const statusFile = statusFileOf(model.get(file)!.info);
    assert.ok(fs.existsSync(statusFile), `status file at ${statusFile}`);
    const last = JSON.parse(fs.readFileSync(statusFile, 'utf8'));
    assert.equal(last.tables[0].source, `${db}.orders`);
  });

  it('after SIGKILL of the engine it restarts (a failover), resumes without a full sync, and keeps the target equal to the source', async () => {
    const dir = tempDir('ext-engine-crash');
    await server.sql('CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(20))', [], { database: db });
    await server.sql("INSERT INTO items VALUES (1, 'a'), (2, 'b')", [], { database: db });
    const file = writeTask({ name: 'crash', source: server.source(db, { password: '${secret:c}' }), mode: 'multi-table-mirror',
      tables: [`${db}.items`], target: { path: 'lake.duckdb', namespace: 'ods' } }, dir);
    const model = new TaskModel();
    model.upsert(readTaskFileInfo(file, fs.readFileSync(file, 'utf8')));
    const failovers: string[] = [];
    const sup = new TaskSupervisor({
      prepare: async () => ({ enginePath: path.join(repoRoot, 'dist', 'engine.js'), runtime: { execPath: process.execPath, env: {} }, execArgv: [],
        args: ['run', file, '--ipc'], cwd: dir, secrets: { c: server.password } }),
      restartDelay: () => 200,
    });
    sup.on('state', (st, d) => model.setRun(file, st, d.error, d.restartAt));
    sup.on('status', (st) => model.applyEngineStatus(file, st, Date.now()));
    sup.on('failover', (cause) => { failovers.push(cause); model.recordFailover(file, cause); });
    await sup.start();
    try {
      await until('incremental', () => model.get(file)?.status?.tables[0]?.phase === 'incremental');
      const firstPid = sup.process!.pid!;
      const killedAt = Date.now();
      process.kill(firstPid, 'SIGKILL');
      await until('the restart', () => failovers.length === 1 && sup.current === 'running' && sup.process?.pid !== firstPid);
      assert.match(failovers[0], /killed by SIGKILL/);
      assert.match(taskNode(model.get(file)!, Date.now()).description!, /1 failover/);
      await server.sql("INSERT INTO items VALUES (3, 'c')", [], { database: db });
      await server.sql("UPDATE items SET name = 'B' WHERE id = 2", [], { database: db });
      let rows: unknown[][] = [];
      await until('the changes after the restart', async () => {
        rows = ((await sup.request({ type: 'query', sql: 'SELECT id, name FROM ods.items ORDER BY id' })) as QueryResult).rows;
        return JSON.stringify(rows.map((r) => r.map(String))) === JSON.stringify([['1', 'a'], ['2', 'B'], ['3', 'c']]);
      });
      // a query can be answered before the restarted engine's first status with its tables
      await until('the restarted engine to report the table', () => model.get(file)?.status?.tables[0]?.phase === 'incremental');
      const table = model.get(file)!.status!.tables[0];
      assert.ok(table.snapshotEndedAt && Date.parse(table.snapshotEndedAt) < killedAt, `resumed from the checkpoint, no second full sync (${table.snapshotEndedAt})`);
    } finally {
      await sup.stop();
    }
  });
});
