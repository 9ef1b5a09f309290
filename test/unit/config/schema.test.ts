// The schema is the editor's completion and hover, and the reference docs: every property must
// explain itself, and no object may silently accept keys it does not know.
import assert from 'node:assert/strict';
import Ajv from 'ajv';
import { taskSchema, type SchemaNode } from '../../../src/engine/config';

function* objects(node: SchemaNode, path: string): Generator<[string, SchemaNode]> {
  if (node.type === 'object') yield [path || '(root)', node];
  for (const [k, child] of Object.entries(node.properties ?? {})) yield* objects(child, path ? `${path}.${k}` : k);
  if (node.items) yield* objects(node.items, `${path}[]`);
  if (typeof node.additionalProperties === 'object') yield* objects(node.additionalProperties, `${path}.*`);
}

function* properties(node: SchemaNode, path: string): Generator<[string, SchemaNode]> {
  for (const [k, child] of Object.entries(node.properties ?? {})) {
    const p = path ? `${path}.${k}` : k;
    yield [p, child];
    yield* properties(child, p);
  }
}

describe('task schema', () => {
  it('is valid draft-07', () => {
    const ajv = new Ajv({ strict: false });
    assert.equal(taskSchema.$schema, 'http://json-schema.org/draft-07/schema#');
    assert.ok(ajv.validateSchema(taskSchema), JSON.stringify(ajv.errors));
  });

  it('closes every object (additionalProperties false, or a typed map)', () => {
    for (const [path, node] of objects(taskSchema, '')) {
      assert.ok(node.additionalProperties === false || typeof node.additionalProperties === 'object', `${path} is open`);
    }
  });

  it('describes every property with a description and an example', () => {
    let count = 0;
    for (const [path, node] of properties(taskSchema, '')) {
      count++;
      assert.ok(typeof node.description === 'string' && node.description.length > 15, `${path} has no description`);
      if (node.type !== 'object') assert.ok(Array.isArray(node.examples) && node.examples.length > 0, `${path} has no example`);
      if (node.enum && node.enumDescriptions) assert.equal(node.enumDescriptions.length, node.enum.length, `${path} enumDescriptions`);
    }
    assert.ok(count >= 35, `only ${count} properties`);
  });

  it('keeps the stable core names of DESIGN.md', () => {
    const names = [...properties(taskSchema, '')].map(([p]) => p);
    for (const p of ['name', 'source.type', 'source.host', 'source.port', 'source.user', 'source.password', 'source.database',
      'source.serverId', 'source.slot', 'source.publication', 'source.connectTimeoutMs', 'mode', 'databases', 'tables', 'exclude', 'virtualTables',
      'target.type', 'target.path', 'target.namespace', 'rules.newTables', 'rules.addColumn', 'rules.dropColumn', 'rules.renameColumn',
      'rules.changeType', 'rules.dropTable', 'rules.events', 'snapshot.enabled', 'snapshot.concurrency', 'snapshot.chunkSize',
      'parameters.memoryMb', 'parameters.flushIntervalMs', 'parameters.batchSize', 'parameters.maxTransactionChanges']) {
      assert.ok(names.includes(p), `missing ${p}`);
    }
  });
});
