// A generated corpus of hostile and broken task files: each one must give a positioned error,
// quickly, through both entry points (editor diagnostics and loadTask), and never crash or hang.
import assert from 'node:assert/strict';
import { diagnoseTaskText, loadTask, taskSchema, TaskFileError, type SchemaNode, type TaskDiagnostic } from '../../../src/engine/config';
import { TempDir, VALID_MYSQL } from './helpers';

const BOUND_MS = 5000; // a "no hang" guard, not a benchmark: 1 s failed on a loaded 2-core machine (618 ms measured at load 10)

interface Case { name: string; content: string | Buffer; path?: string | RegExp; message?: RegExp; env?: NodeJS.ProcessEnv }

function seeded(seed: number): () => number {
  return () => { seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0; return seed / 2 ** 32; };
}

// A wrong-typed value for every leaf of the schema, and a typo for every key.
function schemaCases(): Case[] {
  const cases: Case[] = [];
  const walk = (node: SchemaNode, segments: string[]) => {
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      const path = [...segments, key];
      const dotted = path.join('.');
      if (child.properties) { walk(child, path); }
      const wrong = child.type === 'string' || child.type === undefined ? '[1, 2]' : child.type === 'array' ? '{ a: 1 }' : '"not a value"';
      cases.push({ name: `wrong type at ${dotted}`, content: withValue(path, wrong), path: child.type === 'array' || child.type === 'object' || child.type === 'string' ? dotted : dotted, message: /must be/ });
      if (key.length > 3) {
        const typo = key.slice(0, 1) + key.slice(2); // drop the second letter
        cases.push({ name: `typo '${typo}' for ${dotted}`, content: withValue([...segments, typo], '1'), message: new RegExp(`unknown key '${typo}'.*did you mean '${key}'\\?`) });
      }
    }
  };
  walk(taskSchema, []);
  return cases;
}

// The valid task with `path` set to `raw` (added or replaced; parent mappings created).
function withValue(path: string[], raw: string): string {
  const [top, ...rest] = path;
  const base = VALID_MYSQL.split('\n').filter((l) => l !== '');
  const lines: string[] = [];
  let skipping = false;
  for (const l of base) {
    if (/^\S/.test(l)) skipping = l.startsWith(`${top}:`);
    if (!skipping) lines.push(l);
  }
  if (rest.length === 0) lines.push(`${top}: ${raw}`);
  else {
    const original = base.filter((l) => l.startsWith(`${top}:`) || false);
    const children = original.length ? childLines(base, top).filter((l) => !l.startsWith(`  ${rest[0]}:`)) : [];
    // Deeper paths (source.tls.mode) nest one mapping per segment below the top key's children.
    lines.push(`${top}:`, ...children, ...rest.slice(0, -1).map((k, i) => `${'  '.repeat(i + 1)}${k}:`), `${'  '.repeat(rest.length)}${rest[rest.length - 1]}: ${raw}`);
  }
  return lines.join('\n') + '\n';
}

function childLines(lines: string[], top: string): string[] {
  const start = lines.findIndex((l) => l.startsWith(`${top}:`));
  const out: string[] = [];
  for (let i = start + 1; i < lines.length && /^\s/.test(lines[i]); i++) out.push(lines[i]);
  return out;
}

function corpus(): Case[] {
  const rand = seeded(42);
  const garbage = Buffer.from(Array.from({ length: 4096 }, () => Math.floor(rand() * 256)));
  const bomb = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 9; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill('*' + String.fromCharCode(96 + i)).join(',')}]`);
  return [
    // YAML syntax
    { name: 'unclosed quote', content: 'source:\n  host: "127.0.0.1\nmode: x\n' },
    { name: 'unclosed flow list', content: 'mode: multi-table-mirror\ntables: [shop.a, shop.b\n' },
    { name: 'tab indentation', content: 'source:\n\ttype: mysql\n' },
    { name: 'bad indentation', content: 'source:\n  type: mysql\n   host: h\n' },
    { name: 'nested mapping on one line', content: 'source: type: mysql\n' },
    { name: 'list mixed into a mapping', content: 'source:\n  type: mysql\n- host\n' },
    { name: 'two documents', content: VALID_MYSQL + '---\nname: other\n' },
    { name: 'undefined alias', content: VALID_MYSQL + 'databases: *nothing\n', message: /alias \*nothing/ },
    { name: 'complex key', content: VALID_MYSQL + '[a, b]: 1\n' },
    { name: 'duplicate top-level key', content: VALID_MYSQL + 'mode: database-mirror\n', message: /duplicate key/ },
    { name: 'duplicate nested key', content: VALID_MYSQL.replace('  port: 3306\n', '  port: 3306\n  port: 3307\n'), message: /duplicate key/ },
    // Shapes
    { name: 'empty file', content: '', message: /empty/ },
    { name: 'only comments', content: '# nothing\n# here\n', message: /empty/ },
    { name: 'a list at the top', content: '- a\n- b\n', message: /must be a mapping/ },
    { name: 'a scalar at the top', content: 'hello\n', message: /must be a mapping/ },
    { name: 'empty source', content: VALID_MYSQL.replace(/source:\n( {2}.*\n)+/, 'source:\n'), path: 'source', message: /source is empty/ },
    { name: 'merge key', content: VALID_MYSQL.replace('snapshot:\n', 'x-base: &b { concurrency: 1 }\nsnapshot:\n  <<: *b\n'), path: 'snapshot["<<"]', message: /merge keys are not supported/ },
    { name: '__proto__ key', content: VALID_MYSQL + '__proto__: { polluted: true }\n', message: /unknown key '__proto__'/ },
    { name: 'binary tag', content: VALID_MYSQL.replace('user: lakesync', 'user: !!binary aGVsbG8='), path: 'source.user', message: /got binary data/ },
    { name: 'number out of range', content: VALID_MYSQL.replace('port: 3306', 'port: 70000'), path: 'source.port', message: /at most 65535/ },
    { name: 'infinite number', content: VALID_MYSQL.replace('port: 3306', 'port: .inf'), path: 'source.port' },
    { name: 'not a number', content: VALID_MYSQL.replace('port: 3306', 'port: .nan'), path: 'source.port' },
    { name: 'fractional number', content: VALID_MYSQL.replace('chunkSize: 1000', 'chunkSize: 10.5'), path: 'snapshot.chunkSize', message: /whole number/ },
    { name: 'event not known', content: VALID_MYSQL.replace('truncate]', 'trunc]'), path: 'rules.events[3]', message: /did you mean 'truncate'/ },
    { name: 'huge number', content: VALID_MYSQL.replace('port: 3306', `port: ${'9'.repeat(400)}`), path: 'source.port' },
    // Regexes and globs
    ...['shard_(\\d+', '[a-', '*.orders', 'a{2,1}', '(?<n>a)(?<n>b)', '\\'].map((re): Case => ({
      name: `invalid regex ${re}`,
      content: VALID_MYSQL.replace('mode: multi-table-mirror', 'mode: multi-table-merge').replace(/tables: .*\n/, '') + `virtualTables:\n  all: ['${re}']\n`,
      path: 'virtualTables.all[0]', message: /not a valid regular expression/,
    })),
    { name: 'glob with an open bracket', content: VALID_MYSQL.replace('"shop.order_*"', '"shop.[ab"'), path: 'tables[2]' },
    { name: 'glob with an open brace', content: VALID_MYSQL.replace('"shop.order_*"', '"shop.{a,b"'), path: 'tables[2]' },
    { name: 'glob without table part', content: VALID_MYSQL.replace('"shop.order_*"', '"orders"'), path: 'tables[2]', message: /db\.table/ },
    // References
    { name: 'missing env variable', content: VALID_MYSQL, env: {}, path: 'source.password', message: /environment variable SHOP_DB_PASSWORD is not set/ },
    { name: 'missing secret', content: VALID_MYSQL.replace('env:SHOP_DB_PASSWORD', 'secret:shop'), env: {}, path: 'source.password', message: /secret 'shop' is not set/ },
    { name: 'bad env name', content: VALID_MYSQL.replace('env:SHOP_DB_PASSWORD', 'env:1 x'), path: 'source.password', message: /invalid env name/ },
    // Resource exhaustion
    { name: '5 MB file', content: 'name: x\nexclude:\n' + '  - shop.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n'.repeat(82000), message: /MB/ },
    { name: 'just under the size limit (250 KB, 3,800 list entries)', content: 'name: x\nexclude:\n' + '  - shop.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n'.repeat(3800), path: 'mode' },
    { name: '5 MB single scalar', content: 'name: ' + 'x'.repeat(5 * 1024 * 1024), message: /MB/ },
    { name: 'binary garbage', content: garbage, message: /binary data|UTF-8/ },
    { name: 'NUL bytes in text', content: VALID_MYSQL.replace('lakesync', 'lake\u0000sync'), message: /binary data/ },
    { name: '10k-deep flow nesting', content: 'tables: ' + '['.repeat(10000) + ']'.repeat(10000) + '\n', message: /nested more than 32 levels/ },
    { name: '10k-deep unclosed flow nesting', content: 'tables: ' + '['.repeat(10000) + '\n', message: /nested more than 32 levels/ },
    { name: '1k brackets inside a quoted string are not nesting', content: VALID_MYSQL.replace('"shop.order_*"', `"shop.${'['.repeat(1000)}"`), path: 'tables[2]', message: /"\[" without its "\]"/ },
    { name: '10k-deep list markers on one line', content: 'tables:\n  ' + '- '.repeat(10000) + 'x\n', message: /nested more than 32 levels/ },
    { name: '10k-deep mappings in flow style', content: 'a: ' + '{b: '.repeat(10000) + '1' + '}'.repeat(10000) + '\n', message: /nested more than 32 levels/ },
    // Block nesting needs one more space per level: 600 levels is as deep as fits in the size limit.
    { name: '600-deep block mappings', content: Array.from({ length: 600 }, (_, i) => ' '.repeat(i) + 'k:').join('\n') + ' 1\n', message: /nested more than 32 levels/ },
    { name: '600-deep block lists', content: Array.from({ length: 600 }, (_, i) => ' '.repeat(i) + '-').join('\n') + ' 1\n', message: /nested more than 32 levels/ },
    { name: '10k-deep block mappings (50 MB of indentation)', content: Array.from({ length: 10000 }, (_, i) => ' '.repeat(i) + 'k:').join('\n') + ' 1\n', message: /MB/ },
    { name: '40-deep nesting (within YAML limits)', content: 'virtualTables:\n  a: ' + '['.repeat(40) + ']'.repeat(40) + '\n', message: /nested more than 32 levels/ },
    { name: 'alias bomb (billion laughs)', content: bomb.join('\n') + '\n', message: /too many values/ },
    { name: 'self-referencing alias', content: 'tables: &a [*a]\n' },
    { name: 'many aliases of a big list', content: 'exclude: &e [' + Array(2000).fill('"a.b"').join(',') + ']\n' + Array.from({ length: 200 }, (_, i) => `x${i}: *e`).join('\n') + '\n', message: /too many values/ },
  ];
}

describe('bad task file corpus', function () {
  let dir: TempDir;
  before(() => { dir = new TempDir(); });
  after(() => dir.remove());

  const check = (c: Case, diagnostics: TaskDiagnostic[], ms: number, where: string) => {
    assert.ok(ms < BOUND_MS, `${where} took ${ms.toFixed(0)} ms`);
    const errors = diagnostics.filter((d) => d.severity === 'error');
    assert.ok(errors.length > 0, `${where}: no error for ${c.name}`);
    for (const e of errors) {
      assert.ok(e.line >= 1 && e.column >= 1 && (e.endLine > e.line || (e.endLine === e.line && e.endColumn >= e.column)), `${where}: bad range ${JSON.stringify(e)}`);
      assert.ok(e.message.length > 10 && e.message.length < 400 && !/\n/.test(e.message), `${where}: message ${JSON.stringify(e.message)}`);
      assert.ok(!/at \w+ \(|node_modules|TypeError|undefined/.test(e.message), `${where}: internal detail in ${e.message}`);
    }
    if (c.path) assert.ok(errors.some((e) => e.path === c.path), `${where}: no error at ${c.path}: ${errors.map((e) => e.path + ' ' + e.message).join(' | ')}`);
    if (c.message) assert.ok(errors.some((e) => c.message!.test(e.message)), `${where}: no message like ${c.message}: ${errors.map((e) => e.message).join(' | ')}`);
  };

  for (const c of [...corpus(), ...schemaCases()]) {
    it(c.name, async () => {
      const file = dir.write(`case-${Math.random().toString(36).slice(2)}.sync.yaml`, c.content);
      if (!c.env) {
        const text = typeof c.content === 'string' ? c.content : c.content.toString('utf8');
        const t0 = performance.now();
        const diagnostics = diagnoseTaskText(text, file);
        check(c, diagnostics, performance.now() - t0, 'diagnoseTaskText');
      }
      const t0 = performance.now();
      const err = await loadTask(file, { env: c.env ?? { SHOP_DB_PASSWORD: 'x' } }).then(() => undefined, (e: unknown) => e);
      const ms = performance.now() - t0;
      assert.ok(err instanceof TaskFileError, `loadTask: expected TaskFileError, got ${err}`);
      check(c, err.diagnostics, ms, 'loadTask');
      for (const line of err.message.split('\n')) assert.match(line, /^.+\.sync\.yaml:\d+:\d+ /);
    });
  }
});
