// Reduces a batch of row changes to the last change per key, per source table, in order.
// DuckDB's MERGE and ON CONFLICT both go silently wrong on duplicate keys in one batch
// (research/library-eval.md 3.3), so the target only ever sees one entry per key.
// A table without a key is a multiset: its changes are never merged into "the last change of a
// row"; each distinct row image gets its net number of copies to add or remove (an insert adds
// one, a delete removes one matching copy, an update does both), which is the same multiset
// whatever order the changes of one batch are applied in.
import type { Row, RowChange, Transaction } from './events';
import type { Route } from './route';

export interface Upsert {
  op: 'insert' | 'update';
  /** Full new image in source column order; undefined = keep the target's value (see fillKey). */
  row: Row;
  /**
   * Key (canonical text) of the target row, as it was before this batch, whose values fill the
   * `undefined` entries of `row` (PostgreSQL unchanged TOAST). Set only when something is undefined.
   */
  fillKey?: (string | null)[];
  commitTime: number;
  /** Tables without a key (multisets): how many copies of `row` to add (always an insert). */
  count?: number;
}
export interface Delete {
  op: 'delete';
  key: (string | null)[];
  commitTime: number;
  /** Tables without a key (multisets): how many copies matching `key` (the whole row) to remove. */
  count?: number;
}
export type Entry = Upsert | Delete;

/**
 * A batch entry's key: a one-column key's value itself (null too: a Map tells it from 'null'),
 * else the values as JSON. Built once per change, so no JSON.stringify for the common case.
 */
export type EntryKey = string | null;

export interface TableBatch {
  route: Route;
  /** A truncate came in this batch: delete the source's rows first, then apply `entries`. */
  truncate: boolean;
  /** Last change per key, in the order each key was last touched. */
  entries: Map<EntryKey, Entry>;
  /** Row changes read for this table in the batch (before reduction). */
  changes: number;
  lastCommitTime: number;
}

export function keyOf(route: Route, row: Row): (string | null)[] {
  const ki = route.keyIndex;
  const out: (string | null)[] = new Array(ki.length);
  for (let i = 0; i < ki.length; i++) out[i] = row[ki[i]] ?? null;
  return out;
}

function keyString(key: (string | null)[]): EntryKey {
  return key.length === 1 ? key[0] : JSON.stringify(key);
}

const tableKeys = new Map<string, Map<string, string>>();

/**
 * `db.table` of a change's table, the same string every time: building it per change cost a
 * concatenation and a fresh hash on every lookup by it (twice per change).
 */
export function changeTableKey(id: RowChange['table']): string {
  let byTable = tableKeys.get(id.db);
  if (!byTable) { byTable = new Map(); tableKeys.set(id.db, byTable); }
  let key = byTable.get(id.table);
  if (key === undefined) { key = `${id.db}.${id.table}`; byTable.set(id.table, key); }
  return key;
}

/** Puts a row written in another shape (named columns) into the route's column order. */
function placeByName(route: Route, names: string[], row: Row | undefined, missing: null | undefined, cache: Map<string, number[]>): Row | undefined {
  if (!row) return row;
  const sig = `${route.key}\u0000${names.join('\u0000')}`;
  let index = cache.get(sig);
  if (!index) {
    const at = new Map(names.map((n, i) => [n, i]));
    index = route.source.columns.map((c) => at.get(c.name) ?? -1);
    cache.set(sig, index);
  }
  return index.map((i) => (i < 0 ? missing : row[i]));
}

function sameNames(route: Route, names: string[]): boolean {
  const cols = route.source.columns;
  return cols.length === names.length && cols.every((c, i) => c.name === names[i]);
}

export class BatchReducer {
  readonly tables = new Map<string, TableBatch>();
  size = 0;
  private readonly shapes = new Map<string, number[]>();

  constructor(private readonly routeFor: (tableKey: string) => Route | undefined) {}

  /** Adds one change; ignores tables without a route (not part of the task). */
  add(change: RowChange | { kind: 'truncate'; table: RowChange['table'] }, commitTime: number): void {
    const key = changeTableKey(change.table);
    const route = this.routeFor(key);
    if (route) this.addRouted(change, key, route, commitTime);
  }

  /** add() of a change whose table key and route the caller already looked up. */
  addRouted(change: RowChange | { kind: 'truncate'; table: RowChange['table'] }, key: string, route: Route, commitTime: number): void {
    let batch = this.tables.get(key);
    if (!batch) {
      batch = { route, truncate: false, entries: new Map(), changes: 0, lastCommitTime: commitTime };
      this.tables.set(key, batch);
    }
    batch.changes++;
    batch.lastCommitTime = commitTime;
    this.size++;
    if (change.kind === 'truncate') {
      batch.truncate = true;
      batch.entries.clear();
      return;
    }
    if (change.columns && !sameNames(route, change.columns)) {
      const names = change.columns;
      change = {
        ...change,
        before: placeByName(route, names, change.before, null, this.shapes),
        after: placeByName(route, names, change.after, change.kind === 'insert' ? null : undefined, this.shapes),
      };
    }
    applyChange(batch, change, commitTime);
  }

  addTransaction(tx: Transaction, accept: (kind: RowChange['kind'] | 'truncate') => boolean = () => true): void {
    for (const c of tx.changes) {
      if (c.kind === 'schema') continue;
      if (!accept(c.kind)) continue;
      this.add(c, tx.commitTime);
    }
  }

  clear(): void { this.tables.clear(); this.size = 0; }
}

function setEntry(batch: TableBatch, k: EntryKey, e: Entry): void {
  // delete + set moves the key to the end: entries stay ordered by last touch
  batch.entries.delete(k);
  batch.entries.set(k, e);
}

/** Adds `delta` copies of one row image to a keyless table's batch (negative: removes copies). */
function bump(batch: TableBatch, image: Row, delta: number, commitTime: number): void {
  const route = batch.route;
  const row = image.includes(undefined) ? image.map((v) => (v === undefined ? null : v)) : image;
  const key = keyOf(route, row);
  const k = keyString(key);
  const prev = batch.entries.get(k);
  const net = (prev ? (prev.op === 'delete' ? -1 : 1) * (prev.count ?? 1) : 0) + delta;
  batch.entries.delete(k);
  if (net > 0) batch.entries.set(k, { op: 'insert', row, count: net, commitTime });
  else if (net < 0) batch.entries.set(k, { op: 'delete', key, count: -net, commitTime });
}

function applyMultisetChange(batch: TableBatch, change: RowChange, commitTime: number): void {
  const table = batch.route.key;
  if (change.kind !== 'insert') {
    const before = change.before ?? (change.kind === 'delete' ? change.after : undefined);
    if (!before) {
      throw new Error(`${change.kind} on ${table}, a table without a key, came without the old row: which copy it changed cannot be told ` +
        '(PostgreSQL: ALTER TABLE ... REPLICA IDENTITY FULL; MySQL: binlog_row_image=FULL)');
    }
    bump(batch, before, -1, commitTime);
  }
  if (change.kind !== 'delete') {
    const after = change.after;
    if (!after) throw new Error(`${change.kind} on ${table} without a row`);
    // a value the source did not send again (unchanged TOAST) is the old row's
    const row = change.before ? after.map((v, i) => (v === undefined ? change.before![i] : v)) : after;
    bump(batch, row, 1, commitTime);
  }
}

function applyChange(batch: TableBatch, change: RowChange, commitTime: number): void {
  const route = batch.route;
  if (route.fullRowKey) { applyMultisetChange(batch, change, commitTime); return; }
  const entries = batch.entries;
  if (change.kind === 'delete') {
    const image = change.before ?? change.after;
    if (!image) throw new Error(`delete on ${route.key} without a key`);
    const key = keyOf(route, image);
    setEntry(batch, keyString(key), { op: 'delete', key, commitTime });
    return;
  }
  let after = change.after;
  if (!after) throw new Error(`${change.kind} on ${route.key} without a row`);
  // a key the update did not change may be missing from its new image (MySQL binlog_row_image=MINIMAL
  // writes only the changed columns): the old image's key is the new one
  if (change.kind === 'update' && change.before && route.keyIndex.some((i) => after![i] === undefined)) {
    const before = change.before;
    after = after.map((v, i) => (v === undefined && route.keyIndex.includes(i) ? before[i] : v));
  }
  // key arrays are built only where an entry keeps one (a delete, a fill key)
  const newK = entryKey(route, after);
  // The row this change starts from: the old key when the update carries one, else the new key.
  const from = change.kind === 'update' && change.before ? change.before : after;
  const oldK = from === after ? newK : entryKey(route, from);
  // the change's own array (nothing else holds it), copied only when its gaps get filled here
  let row = after;
  let fillKey: (string | null)[] | undefined;
  if (after.includes(undefined)) {
    row = after.slice();
    const prev = entries.get(oldK);
    if (prev && prev.op !== 'delete') {
      // earlier in this batch: take its values, and its fill source for what it did not know
      for (let i = 0; i < row.length; i++) if (row[i] === undefined) row[i] = prev.row[i];
      fillKey = row.includes(undefined) ? prev.fillKey : undefined;
    } else if (!prev) {
      fillKey = keyOf(route, from); // the target row as it was before this batch
    }
    // prev is a delete: the values are gone; undefined stays and becomes NULL
  }
  if (oldK !== newK) setEntry(batch, oldK, { op: 'delete', key: keyOf(route, from), commitTime });
  const prevNew = entries.get(newK);
  // insert after delete in the same batch is still an insert; an update of a row inserted in this batch stays an insert
  const op = change.kind === 'insert' || (prevNew && prevNew.op === 'insert') ? 'insert' : 'update';
  // delete + set moves the key to the end: entries stay ordered by last touch
  if (prevNew) entries.delete(newK);
  entries.set(newK, { op, row, fillKey, commitTime });
}

/** The entry key of a row: keyString(keyOf(route, row)) without the array for a one-column key. */
function entryKey(route: Route, row: Row): EntryKey {
  const ki = route.keyIndex;
  return ki.length === 1 ? row[ki[0]] ?? null : JSON.stringify(keyOf(route, row));
}
