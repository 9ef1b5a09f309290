// Property: whatever a random edit does to a valid task file, the loader answers with a plan or
// with TaskFileError diagnostics at real positions: never another exception, never an internal error.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { diagnoseTaskText, loadTask, TaskFileError } from '../../../src/engine/config';
import { TempDir, VALID_MYSQL, VALID_POSTGRES } from './helpers';

const SPECIAL = [':', '-', ' ', '  ', '\n', '\t', '[', ']', '{', '}', ',', '#', '&a', '*a', '!', '!!binary', '|', '>', "'", '"', '%', '@', '`',
  '${', '${env:', '}', '$${', '\\', '.', '*', '?', '(', ')', '~', 'null', 'true', '0x1F', '1e400', '-1', '__proto__', '<<', '---', '...',
  '\u0000', '\u00e9', '\u{1F600}', '\uFEFF', '\r\n', 'source', 'mode', 'tables', 'port', 'x'.repeat(70)];

type Edit = (text: string) => string;

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.tuple(fc.nat(), fc.constantFrom(...SPECIAL)).map(([at, s]): Edit => (t) => { const i = at % (t.length + 1); return t.slice(0, i) + s + t.slice(i); }),
  fc.tuple(fc.nat(), fc.string({ maxLength: 8 })).map(([at, s]): Edit => (t) => { const i = at % (t.length + 1); return t.slice(0, i) + s + t.slice(i); }),
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 20 })).map(([at, n]): Edit => (t) => { const i = at % (t.length + 1); return t.slice(0, i) + t.slice(i + n); }),
  fc.tuple(fc.nat(), fc.nat()).map(([a, b]): Edit => (t) => {
    const lines = t.split('\n'); const i = a % lines.length; const j = b % lines.length;
    [lines[i], lines[j]] = [lines[j], lines[i]]; return lines.join('\n');
  }),
  fc.tuple(fc.nat(), fc.integer({ min: -4, max: 4 })).map(([a, d]): Edit => (t) => {
    const lines = t.split('\n'); const i = a % lines.length;
    lines[i] = d >= 0 ? ' '.repeat(d) + lines[i] : lines[i].replace(new RegExp(`^ {0,${-d}}`), ''); return lines.join('\n');
  }),
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 3 })).map(([a, n]): Edit => (t) => {
    const lines = t.split('\n'); const i = a % lines.length; lines.splice(i, 0, ...Array(n).fill(lines[i])); return lines.join('\n');
  }),
  fc.tuple(fc.nat(), fc.jsonValue({ maxDepth: 2 })).map(([a, v]): Edit => (t) => {
    // Replace a scalar value with an arbitrary JSON value (JSON is valid YAML flow).
    const lines = t.split('\n'); const i = a % lines.length;
    lines[i] = lines[i].replace(/: .*$/, ': ' + JSON.stringify(v)); return lines.join('\n');
  }),
);

// Every ${env:X} resolves: only the file's own content decides whether it loads.
const anyEnv = new Proxy({}, { get: (_t, name) => (typeof name === 'string' ? `v-${name}` : undefined), has: () => true }) as NodeJS.ProcessEnv;
const anySecret = { get: (name: string) => `s-${name}` };

describe('task file loader under random edits (fast-check)', function () {
  let dir: TempDir;
  before(() => { dir = new TempDir(); });
  after(() => dir.remove());

  it('never throws anything but TaskFileError, and agrees with the editor diagnostics', async () => {
    let n = 0;
    await fc.assert(fc.asyncProperty(fc.constantFrom(VALID_MYSQL, VALID_POSTGRES), fc.array(edit, { minLength: 1, maxLength: 5 }), async (base, edits) => {
      const text = edits.reduce<string>((t, e) => e(t), base);
      const file = dir.write(`p${n++}.sync.yaml`, text);
      const diagnostics = diagnoseTaskText(text, file);
      const lines = text.split('\n').length;
      for (const d of diagnostics) {
        assert.ok(!d.message.startsWith('could not check'), `internal error: ${d.message}`);
        assert.ok(d.line >= 1 && d.line <= lines && d.column >= 1 && d.endLine >= d.line, `bad position ${JSON.stringify(d)}`);
      }
      let plan;
      try {
        plan = await loadTask(file, { env: anyEnv, secrets: anySecret });
      } catch (err) {
        if (!(err instanceof TaskFileError)) throw err;
        assert.ok(err.diagnostics.some((d) => d.severity === 'error'));
        // The only errors loadTask may add to the editor's are about reading bytes (not UTF-8).
        if (!diagnostics.some((d) => d.severity === 'error')) assert.match(err.message, /not UTF-8/);
        return;
      }
      assert.ok(!diagnostics.some((d) => d.severity === 'error'), 'loadTask accepted what the editor rejects');
      assert.ok(Number.isInteger(plan.source.port) && typeof plan.source.host === 'string');
      assert.ok(plan.snapshot.chunkSize >= 1 && plan.rules.events.length >= 1);
    }), { numRuns: 500 });
  });

  it('never throws on arbitrary text, and every position lies inside the text', () => {
    const alphabet = fc.constantFrom(...SPECIAL, 'a', 'b', ' ', '\n', '  - ', ': ', 'source:', 'mode: ');
    const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.array(alphabet, { maxLength: 80 }).map((a) => a.join('')));
    fc.assert(fc.property(text, (t) => {
      const diagnostics = diagnoseTaskText(t, 'x.sync.yaml');
      const lines = t.split('\n');
      for (const d of diagnostics) {
        assert.ok(!d.message.startsWith('could not check'), `internal error: ${d.message}`);
        assert.ok(d.line >= 1 && d.line <= lines.length && d.column >= 1 && d.column <= lines[d.line - 1].length + 1, `bad position ${JSON.stringify(d)}`);
      }
    }), { numRuns: 1000 });
  });
});
