import assert from 'node:assert/strict';
import { parseDocument } from 'yaml';
import { applyEdit, passwordRefEdit, validateSecretName } from '../../../src/extension/secrets/passwordEdit';

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
