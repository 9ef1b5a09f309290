import assert from 'node:assert/strict';
import { parseDocument } from 'yaml';
import { applyEdit, passwordRefEdit, validateSecretName } from '../../../src/extension/secrets/passwordEdit';
import { mapConfigDiagnostic, plainPasswordRange, plainPasswordValue } from '../../../src/extension/editor/diagnostics';

describe('putting ${secret:NAME} in a task file', () => {
  it('replaces a plain password, keeping the comment', () => {
    const t = 'source:\n  type: mysql\n  password: hunter2  # old\nmode: x\n';
    const out = applyEdit(t, passwordRefEdit(t, 'shop-db')!);
    assert.equal(out, 'source:\n  type: mysql\n  password: ${secret:shop-db}  # old\nmode: x\n');
  });
  it('replaces an existing reference', () => {
    const t = 'source:\n  password: ${env:PW}\n';
    assert.equal(applyEdit(t, passwordRefEdit(t, 'x')!), 'source:\n  password: ${secret:x}\n');
  });
  it('adds a password line at the end of source: when there is none', () => {
    const t = 'name: a\nsource:\n    type: mysql\n    user: u\n\n# c\nmode: x\n';
    const out = applyEdit(t, passwordRefEdit(t, 'a-db')!);
    assert.equal(parseDocument(out).toJS().source.password, '${secret:a-db}');
    assert.match(out, / {4}user: u\n {4}password: \$\{secret:a-db\}\n/);
  });
  it('does nothing without a source section; checks names', () => {
    assert.equal(passwordRefEdit('mode: x\n', 'a'), undefined);
    assert.equal(validateSecretName('shop-db'), undefined);
    assert.ok(validateSecretName('1x'));
    assert.ok(validateSecretName('a b'));
  });
});

describe('the quick fix for plain passphrases (source.ssh, source.tls)', () => {
  const task = [
    'source:', '  type: postgres', '  password: ${secret:db}', '  tls:', '    mode: verify-full', '    keyPassphrase: "tls pass"  # x',
    '  ssh:', '    host: bastion', '    user: deploy', '    privateKey: ~/.ssh/id_ed25519', "    privateKeyPassphrase: 'it''s'", 'mode: x', '',
  ].join('\n');

  it('finds each plain passphrase and its value, and only where it is plain text', () => {
    assert.equal(plainPasswordValue(task, ['source', 'ssh', 'privateKeyPassphrase']), "it's");
    assert.equal(plainPasswordValue(task, ['source', 'tls', 'keyPassphrase']), 'tls pass');
    assert.equal(plainPasswordRange(task, ['source', 'password']), undefined, 'a reference is not plain');
    assert.equal(plainPasswordRange(task, ['source', 'ssh', 'password']), undefined, 'absent');
    assert.equal(plainPasswordRange('source:\n  tls:\n    mode: x\n  keyPassphrase: p\n', ['source', 'tls', 'keyPassphrase']), undefined, 'not under tls');
  });

  it('replaces the value with ${secret:NAME}, keeping quotes out and the comment in', () => {
    const out = applyEdit(task, passwordRefEdit(task, 'shop-tls-key-passphrase', ['source', 'tls', 'keyPassphrase'])!);
    const out2 = applyEdit(out, passwordRefEdit(out, 'shop-ssh-key', ['source', 'ssh', 'privateKeyPassphrase'])!);
    const parsed = parseDocument(out2).toJS();
    assert.equal(parsed.source.tls.keyPassphrase, '${secret:shop-tls-key-passphrase}');
    assert.equal(parsed.source.ssh.privateKeyPassphrase, '${secret:shop-ssh-key}');
    assert.match(out2, /keyPassphrase: \$\{secret:shop-tls-key-passphrase\} {2}# x/);
    assert.equal(passwordRefEdit('source:\n  ssh:\n    host: b\n', 'n', ['source', 'ssh', 'password']), undefined, 'a missing nested key is not added');
  });

  it('the loader warns about each one, and the editor marks them for the quick fix', async () => {
    const { diagnoseTaskText } = await import('../../../src/engine/config');
    const ds = diagnoseTaskText(task.replace('mode: x', 'mode: database-mirror\ndatabases: [public]').replace('  type: postgres', '  type: postgres\n  host: h\n  user: u\n  database: d'), 't.sync.yaml');
    const warned = ds.filter((d) => d.severity === 'warning').map((d) => d.path);
    assert.deepEqual(warned.sort(), ['source.ssh.privateKeyPassphrase', 'source.tls.keyPassphrase']);
    const text = task;
    for (const d of ds.filter((x) => x.severity === 'warning')) {
      assert.equal(mapConfigDiagnostic(text, d).code, 'plain-password', d.path);
    }
  });
});
