// One place per source: outside src/engine/source, no engine file names a source type in code
// (`source.type === 'postgres'`, `case 'mysql':`, `pg ? 'postgres' : 'mysql'`). Such a question
// belongs in the source's facts (source/facts.ts, one per source in source/<name>/facts.ts), so a
// new source is registered, not threaded through every switch. A file named after a source
// (typemap/mysql.ts, export/flink-cdc/postgres.ts) is that source's own module and may.
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { SOURCE_TYPES } from '../../../src/engine/source/known';

const repo = resolve(__dirname, '../../..');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** `line:column 'literal'` of every source-type string in value position (types such as `'mysql' | 'postgres'` are fine). */
function sourceTypeLiterals(name: string, text: string): string[] {
  const sf = ts.createSourceFile(name, text, ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isLiteralTypeNode(node)) return;
    if ((ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) && (SOURCE_TYPES as string[]).includes(node.text)) {
      const { line, character } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
      found.push(`${name}:${line + 1}:${character + 1} '${node.text}'`);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

describe('engine layers: source-type switches', () => {
  it('finds a planted switch, and not a type (the check below is not vacuous)', () => {
    assert.ok(SOURCE_TYPES.length >= 2);
    const planted = [
      "type T = 'mysql' | 'postgres';",
      "function f(s: { type: 'mysql' | 'postgres' }) { return s.type === 'postgres' ? 5432 : 3306; }",
      "switch (x) { case 'mysql': break; }",
    ].join('\n');
    assert.deepEqual(sourceTypeLiterals('x.ts', planted), ["x.ts:2:67 'postgres'", "x.ts:3:19 'mysql'"]);
  });

  it('no engine file outside src/engine/source switches on a source type', () => {
    const engine = resolve(repo, 'src/engine');
    const own = new Set(SOURCE_TYPES.map((t) => `${t}.ts`));
    const checked = files(engine).filter((f) => !relative(engine, f).startsWith(`source${'/'}`) && !own.has(basename(f)));
    assert.ok(checked.length > 60, `only ${checked.length} files checked`);
    const found = checked.flatMap((f) => sourceTypeLiterals(relative(repo, f), readFileSync(f, 'utf8')));
    assert.deepEqual(found, [], 'ask the source\'s facts (src/engine/source/facts.ts) instead of naming a source type');
  });
});
