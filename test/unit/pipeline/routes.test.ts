// Routes: the one place that knows which tables are live, halted (and why) or gone. The stream
// applies a table's changes only while it is live; a full sync resumes a halted table.
import { strict as assert } from 'node:assert';
import { BatchReducer } from '../../../src/engine/pipeline/batch';
import { Routes } from '../../../src/engine/pipeline/routes';
import { route, table } from '../sink/helpers';

const orders = route(table('shop', 'orders', [['id', 'INTEGER'], ['v', 'VARCHAR']]), ['INTEGER', 'VARCHAR']);
const items = route(table('shop', 'items', [['id', 'INTEGER'], ['v', 'VARCHAR']]), ['INTEGER', 'VARCHAR']);

describe('routes', () => {
  it('a halted table keeps its route but its changes stop reaching the batch; a full sync resumes it', () => {
    const routes = new Routes().set(orders.key, orders).set(items.key, items);
    const reducer = new BatchReducer((k) => routes.live(k));
    routes.halt('shop.orders', 'stopped');
    assert.equal(routes.get('shop.orders'), orders, 'the route is kept (status, details and resync need it)');
    assert.equal(routes.live('shop.orders'), undefined);
    assert.equal(routes.haltReason('shop.orders'), 'stopped');
    reducer.add({ kind: 'insert', table: orders.source.id, after: ['1', 'a'] }, 1);
    reducer.add({ kind: 'insert', table: items.source.id, after: ['1', 'a'] }, 1);
    assert.deepEqual([...reducer.tables.keys()], ['shop.items']);
    routes.resume('shop.orders');
    assert.equal(routes.live('shop.orders'), orders);
    reducer.add({ kind: 'insert', table: orders.source.id, after: ['2', 'b'] }, 2);
    assert.deepEqual([...reducer.tables.keys()].sort(), ['shop.items', 'shop.orders']);
  });

  it('a table gone from the source has neither route nor halt; every halt reason is kept apart', () => {
    const routes = new Routes().set(orders.key, orders).set(items.key, items);
    routes.halt('shop.orders', 'failed');
    routes.halt('shop.items', 'cancelled');
    assert.deepEqual([routes.haltReason('shop.orders'), routes.haltReason('shop.items')], ['failed', 'cancelled']);
    assert.equal(routes.delete('shop.orders'), true);
    assert.equal(routes.has('shop.orders'), false);
    assert.equal(routes.isHalted('shop.orders'), false, 'a table added again later starts live');
    assert.deepEqual([...routes.keys()], ['shop.items']);
    assert.equal(routes.size, 1);
  });
});
