// What the user sees when the binlog they need is gone, and that a lost binlog connection ends the
// stream with an error (so the runner reconnects) instead of hanging. Private server: binlogs are purged.
import assert from 'node:assert/strict';
import { startMariadb, waitUntil, type ServerHandle } from '../../harness';
import { createMysqlSource } from '../../../src/engine/source/mysql';
import { UserError } from '../../../src/engine/errors';
import type { SourceAdapter } from '../../../src/engine/source/adapter';
import type { BinlogPosition } from '../../../src/engine/positions';
import { planFor } from './helpers';

describe('MySQL source: purged binlogs and lost connections', function () {
  this.timeout(120_000);
  let server: ServerHandle;
  let adapter: SourceAdapter;

  before(async () => {
    server = await startMariadb({ args: ['--innodb-flush-log-at-trx-commit=1'] });
    await server.sql('CREATE DATABASE app');
    await server.sql('CREATE TABLE app.t (id INT PRIMARY KEY)');
    adapter = createMysqlSource(planFor(server, ['app.t']));
  });
  after(async () => {
    await adapter?.close();
    await server?.stop();
  });

  it('refuses a purged position with the oldest binlog and what to run, for FILE:POS and gtid:SET', async () => {
    await server.sql('INSERT INTO app.t VALUES (1)');
    const old = await adapter.currentPosition() as BinlogPosition;
    await server.sql('INSERT INTO app.t VALUES (2)');
    await server.sql('FLUSH BINARY LOGS');
    await server.sql('INSERT INTO app.t VALUES (3)');
    await server.sql('FLUSH BINARY LOGS');
    const now = await adapter.currentPosition() as BinlogPosition;
    // MariaDB keeps a binlog until its crash-recovery checkpoint has moved on: retry the purge.
    for (let i = 0; ; i++) {
      await server.sql(`PURGE BINARY LOGS TO '${now.file}'`);
      const logs = await server.sql<{ Log_name: string }>('SHOW BINARY LOGS');
      if (logs[0].Log_name === now.file) break;
      if (i > 40) assert.fail(`PURGE BINARY LOGS left ${JSON.stringify(logs)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const tables = await adapter.discover();

    const check = (err: unknown): boolean => {
      assert.ok(err instanceof UserError, String(err));
      assert.match(err.message, new RegExp(`oldest binlog still on the server: ${now.file.replace('.', '\\.')}`));
      assert.match(err.message, /lakesync resync/);
      assert.match(err.message, /lakesync reset/);
      return true;
    };
    await assert.rejects(adapter.resolveStart({ kind: 'binlog', file: old.file, pos: old.pos }), check);
    await assert.rejects(adapter.stream({ kind: 'binlog', file: old.file, pos: old.pos }, tables, () => undefined), check);
    // A GTID the remaining binlogs do not reach: the server refuses the dump; the stream fails with the same advice.
    const h = await adapter.stream({ kind: 'gtid', set: old.gtid! }, tables, () => undefined).catch((e: unknown) => e);
    const err = h instanceof Error ? h : await (h as { done: Promise<void> }).done.then(() => undefined, (e: unknown) => e);
    check(err);
  });

  it('ends the stream with an error when the server kills the binlog connection', async () => {
    const tables = await adapter.discover();
    const handle = await adapter.stream(await adapter.currentPosition(), tables, () => undefined);
    // The stream is started once the dump is requested; the server lists the dump thread a moment later.
    let rows: { Id: number; Command: string }[] = [];
    let dump: typeof rows = [];
    await waitUntil('the binlog dump thread', async () => {
      rows = await server.sql<{ Id: number; Command: string }>('SHOW PROCESSLIST');
      dump = rows.filter((r) => /Binlog Dump/i.test(r.Command));
      return dump.length > 0;
    }).catch(() => undefined); // the assertion below shows the process list
    assert.equal(dump.length, 1, JSON.stringify(rows));
    const t0 = Date.now();
    await server.sql(`KILL ${dump[0].Id}`);
    await assert.rejects(handle.done);
    assert.ok(Date.now() - t0 < 15_000, 'noticed within seconds');
    await handle.stop();
  });

  it('ends the stream with an error when the server restarts, and resumes from the last position after it', async () => {
    const tables = await adapter.discover();
    const seen: string[] = [];
    let last: BinlogPosition | undefined;
    const handle = await adapter.stream(await adapter.currentPosition(), tables, (tx) => {
      for (const c of tx.changes) if (c.kind === 'insert') seen.push(c.after![0]!);
      if (!tx.partial) last = tx.position as BinlogPosition;
    });
    await server.sql('INSERT INTO app.t VALUES (100)');
    await waitUntil('row 100 streamed', () => seen.includes('100'));
    await server.restart();
    await assert.rejects(handle.done);
    await handle.stop();
    await server.sql('INSERT INTO app.t VALUES (101)');
    const again = await adapter.stream(last!, tables, (tx) => {
      for (const c of tx.changes) if (c.kind === 'insert') seen.push(c.after![0]!);
    });
    await waitUntil('row 101 streamed', () => seen.includes('101')).catch(() => undefined); // the assertion below shows what came
    await again.stop();
    assert.deepEqual(seen, ['100', '101']);
  });
});
