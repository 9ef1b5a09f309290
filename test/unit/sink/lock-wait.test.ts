// An engine that starts while another process peeks at the lakehouse file read-only (`lakesync
// status` of a stopped task, the extension's poll) waits for that reader instead of failing with
// "in use by another process". A real second process holds the lock: DuckDB locks files per process.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Db } from '../../../src/engine/sink/duckdb/db';

describe('DuckDB sink: opening the lakehouse for writing', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'lakesync-lock-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('waits for a brief read-only reader in another process, then opens the file', async () => {
    const path = join(dir, 'lake.duckdb');
    const first = await Db.open(path);
    const c = await first.connect();
    await c.exec('CREATE TABLE t AS SELECT 42 AS v');
    await c.close();
    await first.close();

    // a reader process: opens read-only, says so, holds the lock until told to let go (1.5 s after
    // the writer started to open: a fixed hold from its own start could end before a loaded
    // machine got the writer going, and the lock would go untested), exits
    const reader = spawn(process.execPath, ['-e', `
      const { DuckDBInstance } = require('@duckdb/node-api');
      (async () => {
        const db = await DuckDBInstance.create(${JSON.stringify(path)}, { access_mode: 'READ_ONLY' });
        const conn = await db.connect();
        await conn.run('SELECT * FROM t');
        process.stdout.write('holding\\n');
        process.stdin.once('data', () => { conn.closeSync(); db.closeSync(); process.exit(0); });
      })().catch((e) => { console.error(e.message); process.exit(2); });
    `], { stdio: ['pipe', 'pipe', 'inherit'] });
    const exited = new Promise<number | null>((r) => reader.on('exit', r));
    await new Promise<void>((resolve, reject) => {
      reader.stdout!.on('data', (d) => { if (String(d).includes('holding')) resolve(); });
      reader.on('exit', (code) => reject(new Error(`reader exited with ${code} before holding the file`)));
    });

    const t0 = Date.now();
    const release = () => { if (!reader.stdin!.writableEnded) reader.stdin!.end('release\n'); };
    const timer = setTimeout(release, 1500);
    const writer = await Db.open(path).finally(() => { clearTimeout(timer); release(); });
    const waited = Date.now() - t0;
    const conn = await writer.connect();
    const rows = await conn.rows<{ v: number }>('SELECT v FROM t');
    await writer.close();
    assert.equal(await exited, 0);
    assert.deepEqual(rows.map((r) => Number(r.v)), [42]);
    assert.ok(waited >= 300, `the writer opened while the reader held the file (after ${waited} ms): the lock was not tested`);
  });
});
