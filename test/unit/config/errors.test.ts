// A user with a broken task file gets every mistake at once, each at its exact line and column
// with a fix, and the mode/source requirements come from the schema.
import assert from 'node:assert/strict';
import Ajv from 'ajv';
import { schemaDiagnostics } from '../../../src/engine/config/messages';
import { parseTaskText } from '../../../src/engine/config/yaml-tree';
import { diagnoseTaskText, loadTask, TaskFileError, type TaskDiagnostic } from '../../../src/engine/config';
import { TempDir, VALID_MYSQL, VALID_POSTGRES } from './helpers';

const errorsOf = (text: string, file = 'shop.sync.yaml') => diagnoseTaskText(text, file).filter((d) => d.severity === 'error');
const brief = (d: TaskDiagnostic) => `${d.line}:${d.column} ${d.path}`;

describe('task file errors', () => {
  it('reports five different mistakes as five positioned sentences, sorted by position', () => {
    const text = [
      'source:',                       // 1
      '  type: mysql',                 // 2
      '  host: 127.0.0.1',             // 3
      '  user: lakesync',              // 4
      '  port: abc',                   // 5  wrong type
      'mode: multi-table-mirror',      // 6
      'tables: [shop.orders]',         // 7
      'snapshot:',                     // 8
      '  chunksize: 10',               // 9  unknown key (did you mean)
      'rules:',                        // 10
      '  dropColumn: delete',          // 11 bad enum value
      'virtualTables:',                // 12
      "  all: ['shard_(\\d+']",        // 13 invalid regex
      'parameters:',                   // 14
      '  batchSize: 0',                // 15 below minimum
      '',
    ].join('\n');
    const errors = errorsOf(text);
    assert.deepEqual(errors.map(brief), [
      '5:9 source.port',
      '9:3 snapshot.chunksize',
      '11:15 rules.dropColumn',
      '13:9 virtualTables.all[0]',
      '15:14 parameters.batchSize',
    ]);
    assert.equal(errors[0].message, 'source.port must be a number, got "abc" (e.g. port: 3306)');
    assert.match(errors[1].message, /unknown key 'chunksize' in snapshot: did you mean 'chunkSize'\?/);
    assert.match(errors[2].message, /rules\.dropColumn must be one of drop, keep, fail, got "delete"/);
    assert.match(errors[3].message, /not a valid regular expression/);
    assert.match(errors[4].message, /parameters\.batchSize must be at least 1, got 0/);
    for (const e of errors) {
      assert.equal(e.file, 'shop.sync.yaml');
      assert.ok(e.endLine > e.line || e.endColumn > e.column, `non-empty range for ${e.path}`);
    }
  });

  it('throws one TaskFileError whose message lists every problem as file:line:column, one per line', async () => {
    const dir = new TempDir();
    try {
      const file = dir.write('shop.sync.yaml', 'source:\n  type: mysql\n  host: h\n  user: u\n  port: abc\nmode: nope\n');
      const err = await loadTask(file).then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof TaskFileError);
      assert.equal(err.diagnostics.length, 2);
      assert.deepEqual(err.message.split('\n'), [
        `${file}:5:9 source.port must be a number, got "abc" (e.g. port: 3306)`,
        `${file}:6:7 mode must be one of database-mirror, multi-table-mirror, multi-table-merge, got "nope"`,
      ]);
    } finally { dir.remove(); }
  });

  it('points a missing required key at its parent key and says what to add', () => {
    const [e] = errorsOf('source:\n  type: mysql\n  user: u\nmode: database-mirror\ndatabases: [shop]\n');
    assert.equal(brief(e), '1:1 source.host');
    assert.equal(e.message, 'source.host is missing; add `host: 127.0.0.1` under source');
  });

  it('suggests where a key belongs when it is written at the wrong level', () => {
    const [e] = errorsOf(VALID_MYSQL + 'chunkSize: 5\n');
    assert.equal(e.message, "unknown key 'chunkSize': it belongs under snapshot; move it there");
    assert.equal(brief(e), '19:1 chunkSize');
  });

  it('lists the valid keys when an unknown key resembles none', () => {
    const [e] = errorsOf(VALID_MYSQL.replace('  port: 3306\n', '  port: 3306\n  zzzzzz: 1\n'));
    assert.match(e.message, /unknown key 'zzzzzz' in source: remove it; the keys here are type, host, port, user, password/);
    assert.equal(brief(e), '6:3 source.zzzzzz');
  });

  it('never echoes a password in a message', () => {
    const diags = diagnoseTaskText(VALID_MYSQL.replace('${env:SHOP_DB_PASSWORD}', '12345678'), 'x.sync.yaml');
    const [e] = diags.filter((d) => d.path === 'source.password');
    assert.equal(e.severity, 'error');
    assert.equal(e.message, "source.password must be text, got a number; put it in quotes: '...'");
    assert.ok(!diags.some((d) => d.message.includes('12345678')));
  });

  it('warns (not fails) when the password is a plain literal', () => {
    const diags = diagnoseTaskText(VALID_MYSQL.replace('${env:SHOP_DB_PASSWORD}', 'hunter2'), 'x.sync.yaml');
    assert.equal(diags.length, 1);
    assert.equal(diags[0].severity, 'warning');
    assert.equal(brief(diags[0]), '7:13 source.password');
    assert.match(diags[0].message, /plain text.*\$\{env:NAME\} or \$\{secret:NAME\}/);
    assert.ok(!diags[0].message.includes('hunter2'));
  });

  it('reports malformed references where they are written', () => {
    const [e] = errorsOf(VALID_MYSQL.replace('${env:SHOP_DB_PASSWORD}', '"x${vault:pw}"'));
    assert.equal(brief(e), '7:15 source.password');
    assert.match(e.message, /unknown reference \$\{vault:pw\}/);
    const [u] = errorsOf(VALID_MYSQL.replace('${env:SHOP_DB_PASSWORD}', '${env:SHOP'));
    assert.match(u.message, /without its closing "\}"/);
  });

  it('rejects globs that cannot match and warns about regexes in globs', () => {
    const diags = diagnoseTaskText(VALID_MYSQL.replace('"shop.order_*"', '"shop.[ab", ".orders", "shop\\\\.orders_\\\\d+"'), 'x');
    assert.deepEqual(diags.map((d) => `${d.severity} ${d.path}`), ['error tables[2]', 'error tables[3]', 'warning tables[4]']);
    assert.match(diags[0].message, /"\[" without its "\]"/);
    assert.match(diags[1].message, /empty database or table part/);
    assert.match(diags[2].message, /looks like a regular expression/);
  });

  it('reports a duplicated list entry at the second occurrence', () => {
    const [e] = errorsOf(VALID_MYSQL.replace('[insert, update, delete, truncate]', '[insert, update, insert]'));
    assert.equal(e.path, 'rules.events[2]');
    assert.equal(brief(e), '15:28 rules.events[2]');
    assert.match(e.message, /lists "insert" twice/);
  });
});

describe('mode and source requirements (from the schema)', () => {
  const base = 'source:\n  type: mysql\n  host: h\n  user: u\n';
  const cases: [string, string, string][] = [
    ['database-mirror', 'databases', 'mode database-mirror copies whole databases'],
    ['multi-table-mirror', 'tables', 'mode multi-table-mirror copies the listed tables \\(in tables, or in a file named by tablesFrom\\)'],
    ['multi-table-merge', 'virtualTables', 'mode multi-table-merge merges source tables into virtual tables'],
  ];
  for (const [mode, key, reason] of cases) {
    it(`${mode} needs ${key}`, () => {
      const errors = errorsOf(`${base}mode: ${mode}\n`);
      assert.equal(errors.length, 1);
      assert.equal(errors[0].path, key);
      assert.match(errors[0].message, new RegExp(`^${key} is missing: ${reason}; add `));
    });
  }

  it('postgres needs source.database, mysql does not', () => {
    const pg = errorsOf(VALID_POSTGRES.replace('  database: shop\n', ''));
    assert.deepEqual(pg.map(brief), ['1:1 source.database']);
    assert.match(pg[0].message, /a PostgreSQL source needs the database of the task; add `database: shop` under source/);
    assert.deepEqual(errorsOf(VALID_MYSQL), []);
    assert.deepEqual(errorsOf(VALID_POSTGRES), []);
  });

  it('a file without source and mode names both', () => {
    const errors = errorsOf('name: x\n');
    assert.deepEqual(errors.map((e) => e.path), ['mode', 'source']);
  });

  it('empty lists and maps are errors, settings of another mode or source are warnings', () => {
    assert.match(errorsOf(`${base}mode: multi-table-mirror\ntables: []\n`)[0].message, /^tables is empty; list at least one entry/);
    assert.match(errorsOf(`${base}mode: multi-table-merge\nvirtualTables: {}\n`)[0].message, /^virtualTables is empty/);
    const warnings = diagnoseTaskText(`${base}  slot: s\nmode: database-mirror\ndatabases: [a]\ntables: [a.b]\n`, 'x');
    assert.deepEqual(warnings.map((d) => `${d.severity} ${d.path}`), ['warning source.slot', 'warning tables']);
  });
});

describe('ajv cascades', () => {
  // The task schema has no alternatives today; a value that may be a number or a reference is the
  // classic case, so check the folding on such a schema with the same machinery.
  it('folds an anyOf into one sentence naming every accepted form', () => {
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: false });
    const validate = ajv.compile({ type: 'object', properties: { source: { type: 'object', properties: { port: {
      anyOf: [{ type: 'integer' }, { type: 'string', pattern: '^\\$\\{env:', patternErrorMessage: 'an ${env:NAME} reference' }],
    } } } } });
    const text = 'source:\n  port: abc\n';
    const parsed = parseTaskText(text, 'x.sync.yaml');
    assert.equal(validate(parsed.value), false);
    assert.ok((validate.errors ?? []).length >= 3, 'ajv reports the branches and the anyOf');
    const out = schemaDiagnostics(validate.errors ?? [], parsed);
    assert.deepEqual(out.map((d) => `${d.line}:${d.column} ${d.message}`), ['2:9 source.port must be a number, or an ${env:NAME} reference, got "abc"']);
  });
});

describe('task file hints', () => {
  it('suggests a close key from another section', () => {
    const [e] = errorsOf(VALID_MYSQL + 'chunk_sise: 5\n');
    assert.equal(e.message, "unknown key 'chunk_sise': did you mean 'chunkSize' under snapshot?");
  });

  it('warns when a PostgreSQL table names the database too', () => {
    const text = VALID_POSTGRES.replace('mode: database-mirror\ndatabases: [public]', 'mode: multi-table-mirror\ntables: [shop.public.orders, public.items]');
    const diags = diagnoseTaskText(text, 'pg.sync.yaml');
    assert.deepEqual(diags.map((d) => `${d.severity} ${d.line}:${d.column} ${d.path}`), ['warning 8:10 tables[0]']);
    assert.match(diags[0].message, /write "public\.orders"/);
  });
});
