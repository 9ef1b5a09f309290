// Schema evolution while streaming: a DDL seen in the stream refreshes the table's shape, and
// the task's rules say what the target does (add / drop / change columns, new and dropped tables).
// Runs between batches: the runner has applied every change in the old shape before calling it.
import type { TaskPlan } from '../config/plan';
import { collisionMessage, targetNameKey } from '../config/naming';
import type { SchemaChange } from '../pipeline/events';
import { makeRoute } from '../pipeline/route';
import { planRoutes } from '../pipeline/routing';
import { keylessVerdict } from '../source/keyless';
import { tableKey, type SourceTable } from '../source/types';
import { fromTextFor, mapColumn, widen } from '../typemap';
import { parseDecimal } from '../typemap/duckdb';
import type { ColumnMapping, TableMapping } from '../typemap/types';
import { isMerged } from '../typemap/ddl';
import type { SchemaOperation } from '../sink/sink';
import { checkpointOf, formatPosition, type Position } from '../positions';
import type { TaskContext } from './context';
import { failTable, haltTable } from './halt';
import { checkResyncs, requestResync } from './resync';

/**
 * Follows one schema change of the stream. `past`: the stream position right after the change;
 * the target's DDL, the table's new shape (schema history) and `past` as the checkpoint then
 * commit together, so a resumed task always finds the target in the shape its checkpoint says.
 */
export async function applySchemaChange(ctx: TaskContext, change: SchemaChange, past?: Position): Promise<void> {
  const key = tableKey(change.table);
  const route = ctx.routes.get(key);
  if (change.error) {
    if (route && !ctx.routes.isHalted(key)) {
      await failTable(ctx, key, `LakeSync cannot follow the schema change "${change.ddl}" (${change.error}); ` +
        `rows after it cannot be read with certainty. Fix: \`lakesync resync ${ctx.plan.file} --table ${key}\` (a full sync of the table from its shape now)`);
    }
    return;
  }
  // the reader's shape as of this point in the stream; the source is asked only when it cannot tell
  const fresh = change.shape === undefined ? await ctx.adapter.describe(change.table) : change.shape ?? undefined;
  if (!route) { if (fresh) await addTable(ctx, fresh); return; }
  if (ctx.routes.isHalted(key)) return;
  if (!fresh) { await dropTable(ctx, key); return; }
  try {
    const evolved = await evolveMapping(ctx, route.mapping, fresh, key, route.source, change.renames);
    if (!evolved) return;
    const { mapping, ops, resync } = evolved;
    // pending before the change commits: a crash right after it still resyncs the table at start
    if (resync.length > 0) await ctx.sink.state.setPhase(key, 'pending');
    await commitSchema(ctx, route.mapping, ops, fresh, past);
    // every source feeding this target reads its rows through the new mapping
    for (const r of [...ctx.routes.values()]) {
      if (r.mapping === route.mapping) ctx.routes.set(r.key, makeRoute(r.key === key ? fresh : r.source, mapping));
    }
    if (resync.length > 0) await requestResync(ctx, key, resync, past);
    else if (ctx.pendingResync.has(key)) await checkResyncs(ctx, key).catch((err: Error) => ctx.log('debug', `${key}: pending resync: ${err.message}`));
  } catch (err) {
    await failTable(ctx, key, `schema change "${change.ddl}": ${(err as Error).message}`);
  }
}

/** Runs the ops and, with a position, saves the shape and the checkpoint: in one commit where the sink can. */
async function commitSchema(ctx: TaskContext, mapping: TableMapping, ops: SchemaOperation[], shape: SourceTable, past?: Position): Promise<void> {
  if (past && ctx.sink.applySchema) {
    await ctx.sink.applySchema(mapping, ops, past, shape);
  } else {
    // each op alone: a crash in between replays the change, and the ops the target has are not repeated
    for (const op of ops) {
      await ctx.sink.alterTable(mapping, op).catch((err: Error) => { throw new Error(`${JSON.stringify(op)}: ${err.message}`); });
    }
    if (!past) return;
    await ctx.sink.state.saveSchema(shape.id, formatPosition(past), shape);
    await ctx.sink.state.saveCheckpoint(past);
  }
  if (!past) return;
  ctx.checkpoint = checkpointOf(past);
  ctx.status.setPosition(formatPosition(past));
  ctx.holds.applied(past);
}

/**
 * The mapping for the table's new shape under the rules, and the ops that bring the target
 * there (in order; none has run yet); undefined when the table failed.
 */
async function evolveMapping(ctx: TaskContext, mapping: TableMapping, fresh: SourceTable, key: string, previous?: SourceTable,
  explicitRenames?: { from: string; to: string }[]): Promise<{ mapping: TableMapping; ops: SchemaOperation[]; resync: string[] } | undefined> {
  const { rules } = ctx.plan;
  const ops: SchemaOperation[] = [];
  // why the rows already in the table must be read again (values the stream does not carry)
  const resync: string[] = [];
  const alter = (op: SchemaOperation) => { ops.push(op); };
  // a column renamed by an op not run yet still has its old name in the target
  const targetName = new Map<string, string>();
  // columns the target has already (a DDL replayed after a crash is followed once)
  const existing = await ctx.sink.tableColumns(mapping);
  const columns: ColumnMapping[] = [...mapping.columns];
  const byName = new Map(columns.map((c, i) => [c.name, i]));
  const freshNames = new Set(fresh.columns.map((c) => c.name));
  const merged = isMerged(mapping);
  let changed = false;
  // renames the reader saw (MySQL CHANGE/RENAME COLUMN, PostgreSQL attnums), else the shape's guess
  const renames = merged ? [] : explicitRenames?.filter((r) => byName.has(r.from) && !byName.has(r.to) && freshNames.has(r.to))
    ?? (previous ? [renamedColumn(mapping, previous, fresh, ctx.plan.source.type)].filter((r): r is { from: string; to: string } => !!r) : []);
  const ignoredNew = new Set<string>();
  for (const { from, to } of renames) {
    if (rules.renameColumn === 'fail') { await failTable(ctx, key, `column ${from} was renamed to ${to} (rules.renameColumn: fail)`); return undefined; }
    if (mapping.key.includes(from) && rules.renameColumn !== 'apply') { await failTable(ctx, key, `key column ${from} was renamed to ${to}; only rules.renameColumn: apply can follow it`); return undefined; }
    freshNames.add(from); // not a dropped column
    if (rules.renameColumn === 'apply') {
      if (!existing.has(to)) { alter({ kind: 'rename-column', from, to }); targetName.set(to, from); }
      const at = byName.get(from)!;
      columns[at] = { ...columns[at], name: to, source: fresh.columns.find((c) => c.name === to)! };
      byName.delete(from);
      byName.set(to, at);
      changed = true;
      ctx.log('info', `${key}: column ${from} renamed to ${to}`);
    } else {
      // ignore: the old target column stays (NULL from now on) and the new name is not added
      ignoredNew.add(to);
      ctx.log('info', `${key}: column ${from} was renamed to ${to} at the source; the target keeps ${from} (rules.renameColumn: ignore)`);
    }
  }
  const renamedKey = mapping.key.map((k) => renames.find((r) => r.from === k && rules.renameColumn === 'apply')?.to ?? k);
  for (const col of fresh.columns) {
    if (ignoredNew.has(col.name)) continue;
    const mapped = mapColumn(ctx.plan.source.type, col);
    const at = byName.get(col.name);
    if (at === undefined) {
      if (rules.addColumn === 'ignore') continue;
      if (rules.addColumn === 'fail') { await failTable(ctx, key, `column ${col.name} was added (rules.addColumn: fail)`); return undefined; }
      // the rows already there take the value the source gave them (a merged table's other sources' rows stay NULL)
      const fill = col.fill !== undefined && !merged ? { fill: { text: col.fill, fromText: mapped.fromText } } : {};
      if (col.rewritten) resync.push(col.rewritten);
      if (!existing.has(col.name)) alter({ kind: 'add-column', column: col.name, type: mapped.targetType, ...fill });
      byName.set(col.name, columns.length);
      columns.push(mapped);
      changed = true;
      ctx.log('info', `${key}: column ${col.name} added as ${mapped.targetType}`);
      continue;
    }
    const old = columns[at];
    const was = old.source.fullType;
    if (old.targetType !== mapped.targetType && rules.changeType === 'fail') {
      await failTable(ctx, key, `column ${col.name} changed type from ${was} to ${col.fullType} (target ${old.targetType} -> ${mapped.targetType}; rules.changeType: fail)`);
      return undefined;
    }
    // the source converted the values already there: the target repeats only a conversion that
    // keeps every value as it is (a widening); anything else is read again from the source
    if (col.rewritten) resync.push(col.rewritten);
    else if (old.targetType !== mapped.targetType && !keepsValues(old.targetType, mapped.targetType)) {
      resync.push(`column ${col.name} changed from ${was} to ${col.fullType}: the source converted its values, which the target cannot repeat exactly (${old.targetType} -> ${mapped.targetType})`);
    }
    if (old.targetType === mapped.targetType) { columns[at] = { ...old, source: col, fromText: mapped.fromText }; continue; }
    if (rules.changeType === 'ignore') { columns[at] = { ...old, source: col }; continue; }
    // one source: exactly the new type's mapping; merged: the union of the sources' types
    const wanted = merged ? widen(old.targetType, mapped.targetType) : { targetType: mapped.targetType, warning: undefined };
    if (wanted.targetType === old.targetType) { columns[at] = { ...old, source: col }; continue; }
    const widening = widen(old.targetType, wanted.targetType).targetType === wanted.targetType;
    if (!widening && !(await ctx.sink.valuesFit?.(mapping, targetName.get(col.name) ?? col.name, wanted.targetType))) {
      // a narrowing the target's values do not fit: the wider type stays
      columns[at] = { ...old, source: col, fromText: fromTextFor(old.targetType) };
      const why = `column ${col.name} changed from ${was} to ${col.fullType} at the source, but values in the target do not fit ${wanted.targetType}: it stays ${old.targetType}`;
      ctx.log('warn', `${key}: ${why}`);
      ctx.status.error(key, why);
      continue;
    }
    alter({ kind: 'change-type', column: col.name, type: wanted.targetType });
    columns[at] = { ...old, source: col, targetType: wanted.targetType, fromText: wanted.targetType === mapped.targetType ? mapped.fromText : fromTextFor(wanted.targetType) };
    changed = true;
    const note = wanted.warning ? ` (${wanted.warning})` : '';
    ctx.log('info', `${key}: column ${col.name} is now ${wanted.targetType}${note}`);
    if (wanted.warning) ctx.status.error(key, `column ${col.name} widened to ${wanted.targetType}: ${wanted.warning}`);
  }
  for (const c of mapping.columns) {
    if (freshNames.has(c.name)) continue;
    if (rules.dropColumn === 'fail') { await failTable(ctx, key, `column ${c.name} was dropped (rules.dropColumn: fail)`); return undefined; }
    // keep: the column stays and is NULL from now on; a merged table keeps it for the other sources
    if (rules.dropColumn === 'keep' || merged || mapping.key.includes(c.name)) continue;
    if (existing.has(c.name)) alter({ kind: 'drop-column', column: c.name });
    columns.splice(columns.findIndex((x) => x.name === c.name), 1);
    changed = true;
    ctx.log('info', `${key}: column ${c.name} dropped`);
  }
  if (changed) ctx.status.changed();
  return { mapping: { ...mapping, columns, key: renamedKey }, ops, resync };
}

const INTEGERS = new Set(['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT']);

/** A change of target type that keeps every value as it is (int -> bigint, a wider DECIMAL, FLOAT -> DOUBLE, DATE -> TIMESTAMP). */
function keepsValues(from: string, to: string): boolean {
  // (widen's union of two decimals is wider than needed: DECIMAL(8,2) -> DECIMAL(12,4) keeps values too).
  // A narrower integer, or fewer digits at the same scale, keeps them as well: the source refused
  // the change if a value did not fit (PostgreSQL always, MySQL in its default strict mode)
  const scale = (t: string) => parseDecimal(t)?.scale ?? (INTEGERS.has(t) ? 0 : undefined);
  const a = scale(from); const b = scale(to);
  if (a !== undefined && b !== undefined) return b >= a;
  const w = widen(from, to);
  return w.targetType === to && !w.warning && !w.note;
}

/**
 * A rename as the stream sees it: exactly one column gone and one new column of the same target
 * type in its place. Key columns and merged tables (shared by several sources) are left to the
 * add/drop rules.
 */
function renamedColumn(mapping: TableMapping, previous: SourceTable, fresh: SourceTable, type: TaskPlan['source']['type']): { from: string; to: string } | undefined {
  if (isMerged(mapping)) return undefined;
  const had = new Set(mapping.columns.map((c) => c.name));
  const has = new Set(fresh.columns.map((c) => c.name));
  // columns kept after an earlier drop are not in the previous source shape: not candidates
  const gone = previous.columns.filter((c) => !has.has(c.name) && had.has(c.name));
  const added = fresh.columns.filter((c) => !had.has(c.name));
  if (gone.length !== 1 || added.length !== 1 || mapping.key.includes(gone[0].name)) return undefined;
  const old = mapping.columns.find((c) => c.name === gone[0].name)!;
  if (mapColumn(type, added[0]).targetType !== old.targetType) return undefined;
  // a rename keeps the column's place in the source table
  return previous.columns.indexOf(gone[0]) === fresh.columns.indexOf(added[0]) ? { from: gone[0].name, to: added[0].name } : undefined;
}

/**
 * At start: the target table may predate the source's current shape (a DDL while the task was
 * stopped). Missing columns are added, changed types widened, under the same rules as in the
 * stream. Returns the mapping the target really has, or undefined when a `fail` rule stops the table.
 */
export async function reconcileTarget(ctx: TaskContext, mapping: TableMapping, known?: Map<string, string>): Promise<TableMapping | undefined> {
  const existing = known ?? await ctx.sink.tableColumns(mapping);
  if (existing.size === 0) return mapping;
  const { rules } = ctx.plan;
  const alter = (op: SchemaOperation) => ctx.sink.alterTable(mapping, op);
  const name = `${mapping.namespace}.${mapping.table}`;
  const merged = isMerged(mapping);
  const columns: ColumnMapping[] = [];
  for (const c of mapping.columns) {
    const has = existing.get(c.name);
    if (has === undefined) {
      if (rules.addColumn === 'ignore') continue;
      if (rules.addColumn === 'fail') { ctx.log('error', `${name}: the source has a new column ${c.name} (rules.addColumn: fail)`); return undefined; }
      await alter({ kind: 'add-column', column: c.name, type: c.targetType });
      ctx.log('info', `${name}: column ${c.name} added as ${c.targetType}`);
      columns.push(c);
      continue;
    }
    if (await ctx.sink.sameType(has, c.targetType)) { columns.push(c); continue; }
    if (rules.changeType === 'fail') { ctx.log('error', `${name}: column ${c.name} is ${has} in the target, the source now needs ${c.targetType} (rules.changeType: fail)`); return undefined; }
    // one source: exactly the source's type when the target's values fit it, as a change the
    // stream follows (a restart between a schema change and its resync lands here); merged: the union
    const union = widen(has, c.targetType).targetType;
    const exact = !merged && (union === c.targetType || !!(await ctx.sink.valuesFit?.(mapping, c.name, c.targetType)));
    const wanted = rules.changeType === 'ignore' ? has : exact ? c.targetType : union;
    if (!(await ctx.sink.sameType(has, wanted))) {
      try {
        await alter({ kind: 'change-type', column: c.name, type: wanted });
        ctx.log('warn', `${name}: column ${c.name} changed from ${has} to ${wanted}`);
      } catch (err) {
        ctx.log('warn', `${name}: column ${c.name} stays ${has} (${(err as Error).message})`);
        columns.push({ ...c, targetType: has, fromText: fromTextFor(has) });
        continue;
      }
    }
    columns.push(wanted === c.targetType ? c : { ...c, targetType: wanted, fromText: fromTextFor(wanted) });
  }
  return { ...mapping, columns };
}

async function addTable(ctx: TaskContext, fresh: SourceTable): Promise<void> {
  if (ctx.plan.rules.newTables !== 'sync') return;
  const key = tableKey(fresh.id);
  // the adapter's discovery decides whether the table belongs to the task (mode, globs, excludes)
  const tables = await ctx.adapter.discover();
  const found = tables.find((t) => tableKey(t.id) === key);
  if (!found) return;
  const { routes, errors } = planRoutes(ctx.plan, [...[...ctx.routes.values()].map((r) => r.source), found]);
  const route = routes.find((r) => r.key === key);
  if (!route) {
    const clash = errors.find((e) => e.includes(` and ${key} would both be`));
    if (clash) ctx.log('error', `${key}: new table not synced: ${clash}`);
    return;
  }
  const nameOf = (m: TableMapping) => targetNameKey({ namespace: m.namespace, table: m.table });
  const existing = [...ctx.routes.values()].find((r) => nameOf(r.mapping) === nameOf(route.mapping));
  if (existing && !route.merged) {
    // two mirrored tables, one target name: the newcomer stays out (the task file must tell them apart)
    const at = { namespace: route.mapping.namespace, table: route.mapping.table };
    ctx.log('error', `${key}: new table not synced: ${collisionMessage(ctx.plan, existing.key, key, { namespace: existing.mapping.namespace, table: existing.mapping.table }, at)}`);
    return;
  }
  const keyless = keylessVerdict(ctx.plan, found);
  if (keyless?.action === 'skip') { ctx.log('warn', keyless.message!); return; }
  let mapping = route.mapping;
  if (existing) {
    // a new shard of a merged table: its extra columns join the table
    const evolved = await evolveMapping(ctx, existing.mapping, { ...found, columns: [...found.columns] }, key);
    if (!evolved) return;
    await commitSchema(ctx, existing.mapping, evolved.ops, found);
    mapping = { ...evolved.mapping, sources: [...evolved.mapping.sources, found.id] };
    for (const r of [...ctx.routes.values()]) if (r.mapping === existing.mapping) ctx.routes.set(r.key, makeRoute(r.source, mapping));
  } else {
    await ctx.sink.ensureTable(mapping);
  }
  ctx.routes.set(key, makeRoute(found, mapping));
  await ctx.sink.state.upsertTable(key, `${mapping.namespace}.${mapping.table}`, 'pending');
  ctx.status.table(key, `${mapping.namespace}.${mapping.table}`);
  if (keyless?.action === 'stop') { await failTable(ctx, key, keyless.message!); return; }
  if (keyless?.action === 'append') ctx.appendOnly.add(key);
  ctx.log('info', `${key}: new table, full sync queued`);
  ctx.queueSnapshot({ source: key, kind: 'fresh' });
  ctx.interrupt?.('resnapshot');
}

async function dropTable(ctx: TaskContext, key: string): Promise<void> {
  const route = ctx.routes.get(key)!;
  const rule = ctx.plan.rules.dropTable;
  if (rule === 'fail') { await failTable(ctx, key, 'the source table was dropped (rules.dropTable: fail)'); return; }
  await haltTable(ctx, key, { reason: 'dropped' });
  if (rule === 'drop' && !route.merged) {
    await ctx.sink.dropTable(route.mapping);
  }
  ctx.log('info', `${key}: source table dropped; target table ${rule === 'drop' && !route.merged ? 'dropped' : 'kept'}`);
}
