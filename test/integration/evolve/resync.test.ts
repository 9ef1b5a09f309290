// A MariaDB DDL LakeSync cannot read (Oracle-mode VARCHAR2) stops only its table; `lakesync resync` while the task runs starts it again from the
// table as the server describes it now, with no restart, and it streams on exactly.
import assert from 'node:assert/strict';
import { startMariadb, type ServerHandle } from '../../harness';
import { Source, insertRows, type Task } from '../modes/helpers';

describe('resync after a DDL LakeSync could not follow (MariaDB)', function () {
  this.timeout(240_000);
  let server: ServerHandle;
  let src: Source;
  let task: Task | undefined;
  before(async () => { server = await startMariadb({ binlogRowMetadata: 'NO_LOG' }); src = await Source.on('mariadb', server); });
  afterEach(() => { task?.kill(); task = undefined; });
  after(async () => { await src?.cleanup(); await server?.stop(); });

  it('the table stops with the statement; a resync while running resets its schema history at once', async () => {
    const a = await src.space('unk');
    const t = `${a}.items`;
    const other = `${a}.other`;
    await src.sql(`CREATE TABLE ${t} (id int PRIMARY KEY, v int)`);
    await src.sql(`CREATE TABLE ${other} (id int PRIMARY KEY, v int)`);
    await src.sql(insertRows(t, 1, 50, (i) => `${i}, ${i}`));
    await src.sql(insertRows(other, 1, 50, (i) => `${i}, ${i}`));
    task = src.task({ mode: 'multi-table-mirror', tables: [t, other] });
    await task.start();
    await task.waitPhase(t, 'incremental');
    await task.waitPhase(other, 'incremental');

    // Oracle mode (one session: the harness keeps one connection per database)
    await src.sql(`SET SESSION sql_mode = 'ORACLE'`);
    await src.sql(`ALTER TABLE ${t} ADD COLUMN w VARCHAR2(10)`);
    await src.sql(`SET SESSION sql_mode = DEFAULT`);
    await src.sql(`UPDATE ${t} SET v = v + 100, w = 'x' WHERE id <= 10`);
    await src.sql(`UPDATE ${other} SET v = v + 100 WHERE id <= 10`);
    await task.waitPhase(t, 'failed');
    assert.match(JSON.stringify((await task.table(t)).errors), /lakesync resync/);
    await task.waitSame(other, 'other', ['id', 'v']);

    await task.cli('resync', ['--table', t]);
    await task.waitPhase(t, 'incremental', 120_000);
    await src.sql(`UPDATE ${t} SET v = v + 1000, w = 'y' WHERE id > 40`);
    await src.sql(insertRows(t, 51, 20, (i) => `${i}, ${i}, 'z${i}'`));
    await src.sql(`DELETE FROM ${t} WHERE id % 7 = 0`);
    await task.waitSame(t, 'items', ['id', 'v', 'w'], 120_000);
    assert.equal((await task.table(t)).phase, 'incremental');
    await task.stop();
  });
});
