// docs/task-file.md is what users copy from: it must match the schema and its examples must load.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { diagnoseTaskText } from '../../../src/engine/config';
import { taskValidator } from '../../../src/engine/config/schema';

const root = join(__dirname, '..', '..', '..');
const doc = readFileSync(join(root, 'docs/task-file.md'), 'utf8');
const yamlBlocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]);

describe('task file docs', () => {
  it('are generated from the current schema', () => {
    execFileSync(process.execPath, [join(root, 'scripts/task-file-docs.mjs'), '--check'], { stdio: 'pipe' });
  });

  it('every complete example is a valid task file', () => {
    const tasks = yamlBlocks.filter((b) => /^source:/m.test(b));
    assert.ok(tasks.length >= 3);
    for (const t of tasks) assert.deepEqual(diagnoseTaskText(t, 'example.sync.yaml').filter((d) => d.severity === 'error'), [], t);
  });

  it('every property example in the reference is valid for its property', () => {
    // The required keys of a nested section, so one example can be checked alone.
    const sectionBase = (path: string[]): Record<string, unknown> => (path[1] === 'ssh' ? { host: 'b', user: 'u', password: 'p' } : path[1] === 'tls' && (path[2] === 'cert' || path[2] === 'key') ? { cert: 'c', key: 'k' } : {});
    const validate = taskValidator();
    const minimal = { source: { type: 'postgres', host: 'h', user: 'u', database: 'd' }, mode: 'database-mirror', databases: ['x'], tables: ['x.y'], virtualTables: { v: ['x'] } };
    const sections = doc.slice(doc.indexOf('## Reference')).split(/^#{3,6} `([^`]+)`$/m).slice(1);
    let checked = 0;
    for (let i = 0; i < sections.length; i += 2) {
      const path = sections[i].split('.');
      const block = /```yaml\n([\s\S]*?)```/.exec(sections[i + 1])?.[1];
      if (!block) continue;
      const lines = [block.split('\n').filter((l) => !l.startsWith('# or: ')).join('\n'),
        ...block.split('\n').filter((l) => l.startsWith('# or: ')).map((l) => l.slice(6))];
      for (const line of lines) {
        const value = (parse(line) as Record<string, unknown>)[path[path.length - 1]];
        const task = structuredClone(minimal) as Record<string, any>;
        if (path.length === 3) task[path[0]] = { ...(task[path[0]] ?? {}), [path[1]]: { ...sectionBase(path), [path[2]]: value } };
        else if (path.length === 2) task[path[0]] = { ...(task[path[0]] ?? {}), [path[1]]: value };
        else task[path[0]] = value;
        if (path[0] === 'virtualTables') task.mode = 'multi-table-merge';
        if (path[0] === 'tables') task.mode = 'multi-table-mirror';
        if (path.join('.') === 'source.type' && value === 'mysql') delete task.source.database;
        assert.ok(validate(task), `${path.join('.')}: ${line}: ${JSON.stringify(validate.errors?.map((e) => e.message))}`);
        checked++;
      }
    }
    assert.ok(checked >= 35, `only ${checked} examples checked`);
  });
});
