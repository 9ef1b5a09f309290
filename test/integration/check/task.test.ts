// `lakesync check` before any server is contacted: task-file problems are sentences, not stacks.
import assert from 'node:assert/strict';
import { runCli, writeTask } from '../../harness';
import { assertCleanOutput } from './helpers';

describe('lakesync check (task file)', () => {
  it('names a missing password variable and exits 1 without contacting a server', async () => {
    const file = writeTask({ name: 'noenv', source: { type: 'postgres', host: '127.0.0.1', port: 1, user: 'u',
      password: '${env:LAKESYNC_CHECK_UNSET_PW}', database: 'd' }, mode: 'database-mirror', databases: ['public'] });
    const r = await runCli(['check', file], { env: { LAKESYNC_CHECK_UNSET_PW: undefined } });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /noenv\.sync\.yaml:\d+:\d+ .*LAKESYNC_CHECK_UNSET_PW is not set/);
    assert.doesNotMatch(r.stdout, /connect to/);
    assertCleanOutput(r, []);
  });

  it('run refuses a start position its source cannot start from, before contacting the server (one rule with the extension)', async () => {
    const file = writeTask({ name: 'pos', source: { type: 'postgres', host: '127.0.0.1', port: 1, user: 'u', database: 'd' },
      mode: 'database-mirror', databases: ['public'] });
    const r = await runCli(['run', file, '--position', '2026-11-24T10:00:00Z']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /--position: A PostgreSQL task cannot start from a point in time \(2026-11-24T10:00:00Z\).*Start from lsn:X\/Y/);
    assert.doesNotMatch(r.stderr + r.stdout, /connect|ECONNREFUSED/i);
    assertCleanOutput(r, []);
  });

  it('reports a missing task file in one line', async () => {
    const r = await runCli(['check', '/nonexistent/folder/x.sync.yaml']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /x\.sync\.yaml/);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assertCleanOutput(r, []);
  });
});
