// The engine's layers, read from its imports: no import cycle anywhere in src/engine (type-only
// imports included), and the runtime and pipeline reach no sink or source implementation.
import { strict as assert } from 'node:assert';
import { resolve } from 'node:path';
import { cycles, importGraph, type Edge } from './imports';

const repo = resolve(__dirname, '../../..');

describe('engine layers', () => {
  const edges = importGraph(resolve(repo, 'src/engine'), repo);

  it('reads the import graph (the check below is not vacuous)', () => {
    assert.ok(edges.length > 200, `only ${edges.length} imports found`);
    assert.ok(edges.some((e) => e.from === 'src/engine/runtime/stream.ts' && e.to === 'src/engine/runtime/evolve.ts'));
    assert.ok(edges.some((e) => e.from === 'src/engine/source/registry.ts' && e.to === 'src/engine/source/postgres/index.ts'), 'dynamic imports count');
    // a planted cycle is found
    const planted: Edge[] = [...edges, { from: 'src/engine/runtime/evolve.ts', to: 'src/engine/runtime/stream.ts', typeOnly: true }];
    assert.deepEqual(cycles(planted), [['src/engine/runtime/evolve.ts', 'src/engine/runtime/stream.ts']]);
  });

  it('has no import cycle', () => {
    assert.deepEqual(cycles(edges), []);
  });

  it('the runtime and the pipeline import no sink or source implementation', () => {
    const impl = /^src\/engine\/(sink|source)\/[^/]+\//;
    const bad = edges.filter((e) => /^src\/engine\/(runtime|pipeline)\//.test(e.from) && impl.test(e.to));
    assert.deepEqual(bad.map((e) => `${e.from} -> ${e.to}`), []);
  });
});
