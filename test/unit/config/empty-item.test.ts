// A bare "-" list item is reported on its own line, with a list-item example.
import assert from 'node:assert/strict';
import { diagnoseTaskText } from '../../../src/engine/config';

describe('task file: empty list items', () => {
  it('points at the line of the empty item and shows how a list item is written', () => {
    const text = ['source:', '  type: postgres', '  host: 127.0.0.1', '  port: 5432', '  user: u', '  password: ${env:X}',
      '  database: d', 'mode: multi-table-mirror', 'tables:', '  - public.a', '  -', ''].join('\n');
    const [d, ...rest] = diagnoseTaskText(text, 'shop.sync.yaml');
    assert.deepEqual(rest, []);
    assert.equal(d.line, 11);
    assert.equal(d.path, 'tables[1]');
    assert.match(d.message, /\(e\.g\. - shop\.orders\)$/);
  });
});
