import assert from 'node:assert/strict';
import { parseDocument } from 'yaml';
import { restartFlags, startFlags, validatePositionText } from '../../../src/extension/commands/startOptions';
import { PositionError } from '../../../src/engine/positions';
import { sourceFacts } from '../../../src/engine/source/known';
import { newTaskText, validateTaskName } from '../../../src/engine/config/template';
import { locateError, looksLikeSourceProblem } from '../../../src/extension/feedback/errorLocation';
import { classifyEnd, engineExecArgv, engineRuntime, restartDelayMs } from '../../../src/extension/engine/policy';
import { secretRefs } from '../../../src/extension/model/taskFile';

describe('start from a position', () => {
  it('accepts the positions the engine accepts and says why others are wrong', () => {
    assert.equal(validatePositionText('lsn:0/16B3748', 'postgres'), undefined);
    assert.equal(validatePositionText('mysql-bin.000003:4', 'mysql'), undefined);
    assert.equal(validatePositionText('gtid:0-1-253', 'mysql'), undefined);
    assert.equal(validatePositionText('2026-11-24T10:00:00Z'), undefined);
    assert.match(validatePositionText('lsn:zz')!, /not a PostgreSQL LSN/);
    assert.match(validatePositionText('yesterday')!, /is not a position/);
    assert.match(validatePositionText('mysql-bin.000003:4', 'postgres')!, /PostgreSQL task starts from lsn/);
    assert.match(validatePositionText('lsn:0/1', 'mysql')!, /not an LSN/);
    // one rule for the extension and the engine: PostgreSQL never starts from a time
    assert.match(validatePositionText('2026-11-24T10:00:00Z', 'postgres')!, /PostgreSQL task cannot start from a point in time .*Start from lsn:X\/Y/);
    assert.equal(validatePositionText('2026-11-24T10:00:00Z', 'mysql'), undefined);
    assert.throws(() => sourceFacts('postgres').startPosition('2026-11-24T10:00:00Z'), PositionError);
    assert.throws(() => sourceFacts('postgres').startPosition('gtid:0-1-5'), /starts from lsn:X\/Y, not a gtid position/);
    assert.equal(sourceFacts('postgres').startPosition('lsn:0/10').kind, 'lsn');
    assert.match(validatePositionText('  ')!, /Enter a position/);
  });
  it('turns a start mode into run flags, the position normalised', () => {
    assert.deepEqual(startFlags('default'), []);
    assert.deepEqual(startFlags('resume'), ['--resume']);
    assert.deepEqual(startFlags('stateless'), ['--stateless']);
    assert.deepEqual(startFlags('position', ' lsn:0/16b3748 '), ['--position', 'lsn:0/16B3748']);
  });
});

describe('restart after a crash', () => {
  it('resumes from the checkpoint; a position start without a checkpoint yet starts from the position again', () => {
    assert.deepEqual(restartFlags(['--stateless'], undefined), [], 'never a second full sync');
    assert.deepEqual(restartFlags(['--resume'], 'lsn:0/1'), []);
    assert.deepEqual(restartFlags(['--position', 'lsn:0/5'], undefined), ['--position', 'lsn:0/5']);
    assert.deepEqual(restartFlags(['--position', 'lsn:0/5'], 'lsn:0/9'), []);
  });
});

describe('new task file', () => {
  it('writes a file that parses, references a secret and fits the mode', async () => {
    const pg = parseDocument(newTaskText({ name: 'app', sourceType: 'postgres', host: 'db', port: 5432, user: 'u', database: 'app',
      mode: 'multi-table-mirror', passwordRef: 'app-db' }));
    assert.deepEqual(pg.errors, []);
    const v = pg.toJS();
    assert.equal(v.source.password, '${secret:app-db}');
    assert.equal(v.source.slot, 'lakesync_app');
    assert.deepEqual(v.tables, ['public.*']);
    assert.deepEqual(v.source.tls, { mode: 'prefer' }, 'TLS written out at its default, the rest commented');
    // Uncommenting the SSH lines (and pinning a real fingerprint) gives a valid tunnel block.
    const ssh = newTaskText({ name: 'app', sourceType: 'postgres', host: 'db', port: 5432, user: 'u', database: 'app', mode: 'multi-table-mirror', passwordRef: 'app-db' })
      .replace(/^ {2}# ssh:/m, '  ssh:').replace(/^ {2}# {3}(\w+):/gm, '    $1:').replace('SHA256:...', 'SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s');
    const { diagnoseTaskText } = await import('../../../src/engine/config');
    assert.deepEqual(diagnoseTaskText(ssh, 'app.sync.yaml').filter((d) => d.severity === 'error'), []);
    assert.equal(parseDocument(ssh).toJS().source.ssh.user, 'deploy');
    const my = parseDocument(newTaskText({ name: 'shop', sourceType: 'mysql', host: 'h', port: 3306, user: 'u', database: 'shop',
      mode: 'multi-table-merge', passwordRef: 'env:SHOP_PW' })).toJS();
    assert.equal(my.source.password, '${env:SHOP_PW}');
    assert.deepEqual(my.virtualTables, { merged: ['shop\\.orders_\\d+'] });
    assert.equal(my.source.slot, undefined);
  });
  it("every mode and source type passes the engine's own config check", async () => {
    const { diagnoseTaskText } = await import('../../../src/engine/config');
    for (const sourceType of ['mysql', 'postgres'] as const) {
      for (const mode of ['database-mirror', 'multi-table-mirror', 'multi-table-merge'] as const) {
        const text = newTaskText({ name: 'app', sourceType, host: 'db', port: 5432, user: 'u', database: 'app', mode, passwordRef: 'app-db' });
        assert.deepEqual(diagnoseTaskText(text, '/w/app.sync.yaml').map((d) => `${d.line}:${d.column} ${d.message}`), [], `${sourceType} ${mode}`);
      }
    }
  });
  it('rejects names that cannot be file and slot names', () => {
    assert.equal(validateTaskName('shop_1'), undefined);
    assert.ok(validateTaskName('1shop'));
    assert.ok(validateTaskName('a b'));
  });
});

describe('engine error feedback and supervision policy', () => {
  it('finds file:line:column in an engine error', () => {
    assert.deepEqual(locateError('config error: /w/shop.sync.yaml:5:9 source.port must be a number'), { file: '/w/shop.sync.yaml', line: 5, column: 9 });
    assert.equal(locateError('connect ECONNREFUSED 127.0.0.1:3306'), undefined);
    assert.ok(looksLikeSourceProblem('connect ECONNREFUSED 127.0.0.1:3306'));
    assert.ok(!looksLikeSourceProblem('disk full'));
  });
  it('classifies how an engine ended', () => {
    const base = { stopRequested: false, hung: false, code: 1, signal: null };
    assert.equal(classifyEnd({ ...base, stopRequested: true }), 'stopped');
    assert.equal(classifyEnd({ ...base, reported: { code: 1, error: 'bad config' } }), 'failed');
    assert.equal(classifyEnd({ ...base, reported: { code: 0 }, code: 0 }), 'finished');
    assert.equal(classifyEnd({ ...base, code: null, signal: 'SIGSEGV' }), 'crashed');
    assert.equal(classifyEnd({ ...base, hung: true, stopRequested: true }), 'crashed');
  });
  it('backs off exponentially up to a cap', () => {
    assert.deepEqual([1, 2, 3, 4, 6, 10].map((n) => restartDelayMs(n)), [1000, 2000, 4000, 8000, 30000, 30000]);
  });
  it("runs the engine on VS Code's own Node unless a runtime is set; task memory wins over the setting", () => {
    assert.deepEqual(engineRuntime('', '/vscode/code'), { execPath: '/vscode/code', env: { ELECTRON_RUN_AS_NODE: '1' } });
    assert.deepEqual(engineRuntime('/usr/bin/node', '/vscode/code'), { execPath: '/usr/bin/node', env: {} });
    assert.deepEqual(engineExecArgv(512, 2048), ['--max-old-space-size=512', '--max-semi-space-size=4']);
    assert.deepEqual(engineExecArgv(undefined, 2048), ['--max-old-space-size=2048', '--max-semi-space-size=4']);
    assert.deepEqual(engineExecArgv(undefined, 0), []);
  });
  it('lists the secrets a task file references', () => {
    assert.deepEqual(secretRefs('a: ${secret:x}\nb: ${env:Y}\nc: "${secret:z}" ${secret:x}'), ['x', 'z']);
  });
});
