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

  it('reports a missing task file in one line', async () => {
    const r = await runCli(['check', '/nonexistent/folder/x.sync.yaml']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /x\.sync\.yaml/);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assertCleanOutput(r, []);
  });
});
