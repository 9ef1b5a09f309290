// What the editor learns from the real engine's preview against a real MariaDB: the mapped
// tables, a warning for a pattern that matches nothing (placed on its line), and every table of
// the source for completion (through the catalog task).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureBuilt, repoRoot, sharedMariadb, tempDir, writeTask, type ServerHandle } from '../../harness';
import { parseJsonOutput, runEngineCli } from '../../../src/extension/engine/engineCli';
import { readPreview } from '../../../src/extension/model/previewData';
import { catalogTaskText } from '../../../src/extension/model/catalogTask';
import { mapPreviewWarning } from '../../../src/extension/editor/diagnostics';
import { completionCandidates } from '../../../src/extension/editor/completion';
import { cursorContext } from '../../../src/extension/editor/yamlPath';
import { taskSchema } from '../../../src/engine/config';

describe('editor data from the real engine preview (MariaDB)', function () {
  this.timeout(180_000);
  let server: ServerHandle;
  let db: string;

  before(async () => {
    ensureBuilt();
    server = await sharedMariadb();
    db = await server.createDatabase();
    for (const t of ['orders', 'customers', 'audit']) await server.sql(`CREATE TABLE ${t} (id INT PRIMARY KEY)`, [], { database: db });
  });
  after(async () => { await server?.dropDatabase(db); });

  const preview = async (file: string) => {
    // The password is ${env:...}: the harness's variable, as a user's shell would have it.
    const r = await runEngineCli({ enginePath: path.join(repoRoot, 'dist', 'engine.js'), runtime: { execPath: process.execPath, env: server.env },
      args: ['preview', file, '--json'], cwd: path.dirname(file), secrets: {} });
    assert.equal(r.code, 0, r.stderr);
    return readPreview(parseJsonOutput(r.stdout));
  };

  it('maps the listed tables and puts "matches nothing" on the pattern line', async () => {
    const file = writeTask({ name: 'shop', source: server.source(db), mode: 'multi-table-mirror', tables: [`${db}.orders`, `${db}.nope_*`] }, tempDir('ext-preview'));
    const text = fs.readFileSync(file, 'utf8');
    const data = await preview(file);
    assert.deepEqual(data.tables.map((t) => t.source), [`${db}.orders`]);
    const nothing = data.warnings.find((w) => w.message.includes('nope_*'));
    assert.ok(nothing, JSON.stringify(data.warnings));
    const d = mapPreviewWarning(text, nothing);
    const line = text.split('\n').findIndex((l) => l.includes('nope_*'));
    assert.equal(d.startLine, line);
  });

  it('the catalog task lists every table of the source for completion', async () => {
    const dir = tempDir('ext-catalog');
    const file = writeTask({ name: 'shop', source: server.source(db), mode: 'multi-table-mirror', tables: [] }, dir);
    const catalog = path.join(dir, 'catalog', 'shop.sync.yaml');
    fs.mkdirSync(path.dirname(catalog));
    fs.writeFileSync(catalog, catalogTaskText(fs.readFileSync(file, 'utf8'))!);
    const data = await preview(catalog);
    for (const t of ['audit', 'customers', 'orders']) assert.ok(data.sourceTables.includes(`${db}.${t}`), `${t} in ${data.sourceTables.join(', ')}`);
    assert.ok(data.databases.includes(db));
    const labels = completionCandidates(taskSchema, cursorContext('tables:\n  - ', 1, 4)!, { tables: data.sourceTables, databases: data.databases }).map((c) => c.label);
    assert.ok(labels.includes(`${db}.audit`));
  });
});
