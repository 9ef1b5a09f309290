// The table operations are written once (src/protocol/table-ops.ts): the CLI, the engine's control
// channel, the extension's commands and the dashboard derive from it, and no second list of them
// exists anywhere in src/ or webview/.
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { main } from '../../../src/engine/cli';
import { tableOp } from '../../../src/engine/runtime/ops';
import type { TaskContext } from '../../../src/engine/runtime/context';
import { COMMANDS } from '../../../src/extension/common/commandIds';
import { TABLE_OP_NAMES, TABLE_OPS, type TableOp } from '../../../src/protocol/table-ops';

const repo = resolve(__dirname, '../../..');
const OPS = new Set<string>(TABLE_OP_NAMES);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : /\.tsx?$/.test(p) ? [p] : [];
  });
}

/** Lists of three or more operation names: arrays, object keys, string-literal unions. */
function opLists(name: string, text: string): string[] {
  const sf = ts.createSourceFile(name, text, ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const at = (n: ts.Node) => `${name}:${sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1}`;
  const nameOf = (n: ts.Node): string | undefined =>
    ts.isStringLiteral(n) || ts.isIdentifier(n) || ts.isNoSubstitutionTemplateLiteral(n) ? n.text
      : ts.isLiteralTypeNode(n) && ts.isStringLiteral(n.literal) ? n.literal.text : undefined;
  const count = (names: (string | undefined)[]) => new Set(names.filter((x): x is string => !!x && OPS.has(x))).size;
  const visit = (node: ts.Node): void => {
    if (ts.isArrayLiteralExpression(node) && count(node.elements.map(nameOf)) >= 3) found.push(`${at(node)} array`);
    if (ts.isObjectLiteralExpression(node) && count(node.properties.map((p) => (p.name ? nameOf(p.name) : undefined))) >= 3) found.push(`${at(node)} object`);
    if (ts.isUnionTypeNode(node) && count(node.types.map(nameOf)) >= 3) found.push(`${at(node)} union`);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

describe('table operations: one list', () => {
  it('finds a planted second list (the check below is not vacuous)', () => {
    const planted = [
      "const a = ['resync', 'cancel', 'force-stop'];",
      "const b = { details: 'D', prioritize: 'P', backfill: 'B' };",
      "type C = 'resync' | 'backfill' | 'exceptions';",
      "const fine = ['resync', 'backfill'];",
    ].join('\n');
    assert.deepEqual(opLists('x.ts', planted), ['x.ts:1 array', 'x.ts:2 object', 'x.ts:3 union']);
  });

  it('no file in src/ or webview/ but src/protocol/table-ops.ts lists the operations', () => {
    const own = resolve(repo, 'src/protocol/table-ops.ts');
    const all = [...files(resolve(repo, 'src')), ...files(resolve(repo, 'webview'))].filter((f) => f !== own);
    assert.ok(all.length > 150, `only ${all.length} files read`);
    const found = all.flatMap((f) => opLists(relative(repo, f), readFileSync(f, 'utf8')));
    assert.deepEqual(found, [], 'derive from TABLE_OPS (src/protocol/table-ops.ts) instead');
  });

  it('the CLI has exactly one command per operation, --where where the operation takes one', async () => {
    const lines: string[] = [];
    const log = console.log;
    console.log = (...a: unknown[]) => { lines.push(a.join(' ')); };
    try { assert.equal(await main(['--help']), 0); } finally { console.log = log; }
    const usage = lines.join('\n').split('\n').map((l) => l.trim());
    for (const op of TABLE_OP_NAMES) {
      assert.ok(usage.includes(`lakesync ${op} FILE --table DB.TABLE${op === 'backfill' ? ' --where SQL' : ''}`), `${op} in:\n${usage.join('\n')}`);
    }
  });

  it('the extension has one command per operation, declared in the manifest', () => {
    const pkg = JSON.parse(readFileSync(resolve(repo, 'package.json'), 'utf8'));
    const declared = new Map<string, string>(pkg.contributes.commands.map((c: { command: string; title: string }) => [c.command, c.title]));
    const byKey = COMMANDS as Record<string, { id: string; title: string }>;
    for (const op of TABLE_OP_NAMES) {
      const c = byKey[TABLE_OPS[op].command];
      assert.ok(c, `COMMANDS has no ${TABLE_OPS[op].command} for ${op}`);
      assert.equal(c.id, `lakesync.table.${TABLE_OPS[op].command}`);
      assert.equal(declared.get(c.id), TABLE_OPS[op].title, `${c.id} in package.json`);
    }
    // and no table command that is neither an operation nor one of the table's other commands
    const opIds = new Set(TABLE_OP_NAMES.map((op) => `lakesync.table.${TABLE_OPS[op].command}`));
    const others = Object.values(byKey).map((c) => c.id).filter((id) => id.startsWith('lakesync.table.') && !opIds.has(id)).sort();
    assert.deepEqual(others, ['lakesync.table.query', 'lakesync.table.verify']);
  });

  it('the engine\'s control channel refuses what is not an operation, naming the operations', async () => {
    await assert.rejects(tableOp({} as TaskContext, 'drop-everything' as TableOp, 'shop.orders'),
      (err: Error) => err.message === `"drop-everything" is not a table operation (the operations: ${TABLE_OP_NAMES.join(', ')})`);
  });

  it('the operations that throw work away are confirmed, and only they are marked dangerous', () => {
    for (const op of TABLE_OP_NAMES) {
      const o = TABLE_OPS[op] as (typeof TABLE_OPS)[TableOp];
      if (o.danger) assert.ok('confirm' in o, `${op} is dangerous but not confirmed`);
      if ('confirm' in o) assert.match(o.confirm('shop.orders').question, /shop\.orders\?/);
    }
    assert.deepEqual(TABLE_OP_NAMES.filter((op) => TABLE_OPS[op].danger), ['cancel', 'force-stop']);
  });
});
