// Binlog retention warnings: what a user must hear before the binlog a task needs is purged.
import assert from 'node:assert/strict';
import { retentionWarnings } from '../../../src/engine/source/mysql/retention';

const at = (file: string) => ({ kind: 'binlog' as const, file, pos: 4 });

describe('MySQL binlog retention warnings', () => {
  it('says nothing when binlogs never expire', () => {
    assert.deepEqual(retentionWarnings(0, ['b.000001', 'b.000002'], at('b.000001')), []);
  });
  it('warns when retention is under a day, with the statement that raises it', () => {
    const [w, ...rest] = retentionWarnings(6 * 3600, ['b.000003'], at('b.000003'));
    assert.deepEqual(rest, []);
    assert.match(w, /only 6 hours/);
    assert.match(w, /SET GLOBAL binlog_expire_logs_seconds = 604800;/);
  });
  it('warns when the task reads the oldest of several binlogs', () => {
    const ws = retentionWarnings(7 * 86_400, ['b.000003', 'b.000004'], at('b.000003'));
    assert.equal(ws.length, 1);
    assert.match(ws[0], /position is in b\.000003, the oldest binlog still on the server; it is purged after 7 days/);
  });
  it('is quiet when the task reads the newest binlog', () => {
    assert.deepEqual(retentionWarnings(7 * 86_400, ['b.000003', 'b.000004'], at('b.000004')), []);
  });
});
