// The change stream: transactions from the source are reduced per table (last change per key)
// and applied through the sink as one batch together with the checkpoint.
//
// Why crash recovery is exact: a batch's rows and the position after its last complete source
// transaction commit in ONE DuckDB transaction, so the stored position never runs ahead of the
// data, and the source is confirmed only after that commit. After a crash the stream restarts
// at the stored position. Parts of a very large transaction applied before its end are counted in
// the checkpoint itself (`#applied:N`: N row changes past the position, in stream order, are in
// the target), and the resumed stream skips exactly those, so no change is applied twice: a table
// without a key (a multiset) could not absorb a replayed insert. Snapshot rows newer than the
// stream start are replayed as full-row upserts and deletes by key, which end in the same state
// however often they are applied. Nothing is lost because nothing after the stored position was
// ever confirmed to the source.
import type { EventType } from '../config/plan';
import { BatchReducer, changeTableKey, type TableBatch } from '../pipeline/batch';
import type { SchemaChange, Transaction } from '../pipeline/events';
import { HeldPositions } from '../pipeline/held';
import { StreamCursor } from '../pipeline/place';
import { basePosition, checkpointOf, formatOptional, formatPosition, insideTransaction, type Position } from '../positions';
import type { CatchUp } from './catchup';
import type { TaskContext } from './context';
import { applySchemaChange } from './evolve';
import { checkResyncs } from './resync';
import { explainRefusedValue } from '../sink/valueerror';
import { failTable } from './halt';
import { idleFlushNotBefore } from './pacing';
import { sourceFacts } from '../source/registry';
import { tableKey, type SourceTable } from '../source/types';

export type StreamEnd = 'stopped' | 'caught-up' | 'resnapshot';

/** A stream quiet this long (ms) commits what it has (see the idle flush in streamChanges). */
const IDLE_FLUSH_MS = 10;
/** An idle timer later than this (ms) proves nothing about the source (see onIdle). */
const IDLE_LATE_MS = 5;
/** A batch waiting this long (ms) for its first transaction is flushed by a late idle timer too (see onIdle). */
const LATE_FLUSH_AGE_MS = 100;

export interface StreamOptions {
  /** --until-caught-up: end once the committed checkpoint reaches the catch-up's goal. */
  catchUp?: CatchUp;
  /** PostgreSQL: how often the source's table list is read again for new and dropped tables (default 10 s). */
  rediscoverMs?: number;
}

/**
 * Compares the task's tables with the source's: a new matching table gets its full sync and
 * joins the stream, a table gone from the source is handled by rules.dropTable. A table is only
 * taken as dropped when describing it finds nothing (not when a query fails).
 */
async function findTableChanges(ctx: TaskContext): Promise<void> {
  const found = await ctx.adapter.discover();
  const present = new Set(found.map((t) => tableKey(t.id)));
  // under newTables: ignore a new table is never added: skip it instead of describing it every round
  for (const t of ctx.plan.rules.newTables === 'sync' ? found : []) {
    if (!ctx.routes.has(tableKey(t.id))) await applySchemaChange(ctx, { kind: 'schema', table: t.id, ddl: '(new table found at the source)' });
  }
  for (const route of [...ctx.routes.values()]) {
    if (present.has(route.key) || ctx.routes.isHalted(route.key)) continue;
    if (await ctx.adapter.describe(route.source.id)) continue;
    await applySchemaChange(ctx, { kind: 'schema', table: route.source.id, ddl: '(table no longer at the source)' });
  }
}

/**
 * Streams from the checkpoint until stopped, caught up, or interrupted for a full sync.
 * Rejects when the source stream fails (after applying what was complete).
 */
export async function streamChanges(ctx: TaskContext, opts: StreamOptions): Promise<StreamEnd> {
  const { adapter, status, plan } = ctx;
  if (!ctx.checkpoint) throw new Error('no position to stream from');
  const catchUp = opts.catchUp;
  // A full sync (resync, backfill, new table) starts only at a transaction end: its snapshot holds
  // the whole of a transaction the source committed, so a checkpoint inside one (`#applied:N`)
  // would replay the transaction's later parts over it, twice into a table without a key.
  // Queued while the checkpoint is inside one: the stream first reaches the transaction's end.
  let fullSyncAtEnd = ctx.snapshotQueue.length > 0;
  // caught up by the committed checkpoint, never by a quiet stream; a full sync still to start
  // and a resync the engine asked for (resync.ts) are part of being caught up
  const caughtUp = () => !!catchUp?.done && !fullSyncAtEnd && ctx.pendingResync.size === 0;
  if (catchUp) {
    await catchUp.begin();
    if (caughtUp()) return 'caught-up';
  }

  const events = new Set<EventType>(plan.rules.events);
  // tables the sink committed past the checkpoint skip what they hold (see sink/sink.ts TableState.position)
  const held = HeldPositions.ahead(ctx.checkpoint, await ctx.sink.state.tables());
  const reducer = new BatchReducer(ctx.routeFor);
  let complete: Position | undefined; // end of the newest complete transaction in `reducer`
  const start = ctx.checkpoint;
  const cursor = new StreamCursor(start); // the last transaction end and the row changes after it
  let chain: Promise<void> = Promise.resolve();
  // schema changes met while skipping what the target holds, by table (see onTransaction)
  const deferred = new Map<string, SchemaChange>();
  /**
   * After the skip: a table whose last skipped schema change left it in another shape than the
   * one it resumed with (never expected: the checkpoint's shapes include every change before it)
   * follows that change now.
   */
  const followDeferred = async (): Promise<void> => {
    const changes = [...deferred.values()];
    deferred.clear();
    for (const change of changes) {
      const route = ctx.routes.get(tableKey(change.table));
      if (route && change.shape && sameShape(route.source, change.shape)) continue;
      await flush();
      await applySchemaChange(ctx, change);
    }
  };
  let end: ((e: StreamEnd) => void) | undefined;
  let fail: ((err: unknown) => void) | undefined;
  // once ended, transactions the reader still hands over are left for the next stream (they are
  // past the checkpoint): a resync's copy must not run beside a stream still applying changes
  let over = false;
  const ended = new Promise<StreamEnd>((res, rej) => { end = (e) => { over = true; res(e); }; fail = (err) => { over = true; rej(err); }; });

  const applyNow = async (): Promise<void> => {
    if (reducer.size === 0 && !complete) return;
    // a table halted since its changes were read (a failure of the batch written meanwhile) drops them
    const tables = [...reducer.tables.values()].filter((t) => !ctx.routes.isHalted(t.route.key));
    // changes past the newest transaction end go into the checkpoint as `applied`
    const at: Position | undefined = complete || cursor.count > 0 ? cursor.position : undefined;
    const position = at ? formatPosition(at) : undefined;
    const newestCommit = Math.max(0, ...tables.map((t) => t.lastCommitTime));
    reducer.clear();
    complete = undefined;
    pendingSince = 0;
    const t0 = performance.now();
    await applyIsolated(ctx, tables, at);
    const t1 = performance.now();
    nextIdleFlush = idleFlushNotBefore(t0, t1);
    batches++; applyMs += t1 - t0; changesApplied += tables.reduce((n, t) => n + t.entries.size, 0); // logged at the end
    if (at && position) {
      ctx.holds.applied(at);
      ctx.checkpoint = checkpointOf(at);
      status.setPosition(position);
      for (const t of tables) status.wrote(t.route.key, t.entries.size, position, t.lastCommitTime || newestCommit);
      // the source may forget everything up to here only now that the target has committed it
      await adapter.confirm(basePosition(at)).catch((err: Error) => ctx.log('warn', `confirming ${position}: ${err.message}`));
      if (fullSyncAtEnd && !insideTransaction(at)) end?.('resnapshot');
      else if (caughtUp()) end?.('caught-up');
    } else {
      for (const t of tables) status.wrote(t.route.key, t.entries.size, undefined, t.lastCommitTime);
    }
  };
  // a batch spanning many tables is applied at the next transaction's end (the sink's limit)
  const maxTables = ctx.sink.maxTablesPerBatch ?? Infinity;
  const flush = (): Promise<void> => {
    chain = chain.then(applyNow);
    chain.catch((err) => fail?.(err));
    return chain;
  };

  // Freshness: a batch commits as soon as the stream goes quiet, not only on the interval timer.
  // Quiet = no transaction for IDLE_FLUSH_MS and none waiting in the socket (checked once more
  // after pending I/O, setImmediate). Under load transactions keep arriving, the idle flush never
  // fires and batches grow to the interval or batchSize as before. At most one idle flush waits
  // behind a running one: a slow target gets bigger batches, not a queue of tiny ones. And none
  // starts sooner after a commit than twice that commit's duration (pacing.ts): a steady stream
  // of small transactions is committed a few at a time instead of one by one.
  let lastArrival = 0;
  let pendingSince = 0; // when the oldest complete transaction not yet applied arrived (performance.now())
  let idleQueued = false;
  let streaming = true; // false once the stream ended: its last batch is the finally's flush
  let idleTimer: NodeJS.Timeout | undefined;
  let armedAt = 0;
  let armedFor = IDLE_FLUSH_MS;
  let nextIdleFlush = 0; // performance.now() before which no idle flush starts (see armIdle)
  let batches = 0, applyMs = 0, changesApplied = 0;
  const onIdle = (): void => {
    idleTimer = undefined;
    // A timer that fires late says the process was busy or not scheduled (a loaded machine), not
    // that the source is quiet: flushing then cut catch-up batches small (+40% CPU under load).
    // Unless the batch already waited LATE_FLUSH_AGE_MS: then the check below decides, so a loaded
    // machine does not hold a quiet stream's changes until the flush interval, and a batch cut
    // this way holds at least that long of a catch-up's changes.
    const now = performance.now();
    if (now - armedAt > armedFor + IDLE_LATE_MS && !(pendingSince && now - pendingSince >= LATE_FLUSH_AGE_MS)) {
      if (streaming && (reducer.size > 0 || complete)) armIdle();
      return;
    }
    const seen = lastArrival;
    setImmediate(() => {
      if (!streaming || seen !== lastArrival || idleQueued || ctx.stopping || (reducer.size === 0 && !complete)) return;
      idleQueued = true;
      chain = chain.then(() => {
        idleQueued = false;
        // queued behind a commit: the gap after it applies too
        if (performance.now() < nextIdleFlush) { if (streaming && (reducer.size > 0 || complete)) armIdle(); return; }
        return applyNow();
      });
      chain.catch((err) => fail?.(err));
    });
  };
  const armIdle = (): void => {
    armedAt = performance.now();
    const wait = Math.max(IDLE_FLUSH_MS, Math.ceil(nextIdleFlush - armedAt));
    if (idleTimer && wait === armedFor) { idleTimer.refresh(); return; }
    clearTimeout(idleTimer);
    armedFor = wait;
    idleTimer = setTimeout(onIdle, wait);
  };
  const disarmIdle = (): void => { clearTimeout(idleTimer); idleTimer = undefined; };

  const onTransaction = async (tx: Transaction): Promise<void> => {
    if (ctx.stopping || over) return;
    catchUp?.activity();
    if (!ctx.holds.admits(tx)) {
      // `lakesync verify` reads the target as of an earlier position: commit what came before, wait
      await flush();
      await ctx.holds.waitAt(tx);
      if (ctx.stopping) return;
    }
    ctx.holds.passed(tx);
    if (cursor.ignores(tx)) return; // a keepalive before the changes the target holds (see StreamCursor)
    const counted = new Map<string, number>();
    let runKey: string | undefined;
    let run = 0;
    const onlySchema = !tx.partial && tx.changes.every((c) => c.kind === 'schema');
    for (const change of tx.changes) {
      if (change.kind === 'schema') {
        // a schema change among the changes the target already holds: the target followed it
        // then, and the shapes at the checkpoint have it; only the last one of a table counts
        if (cursor.toSkip > 0) { deferred.set(tableKey(change.table), change as SchemaChange); continue; }
        deferred.delete(tableKey(change.table));
        await flush();
        // the position right after the change: the end of a DDL-only transaction (MySQL), else the
        // changes of this transaction before it (PostgreSQL's Relation message comes mid-transaction)
        const past: Position | undefined = onlySchema ? basePosition(tx.position)
          : cursor.end.kind === 'time' ? undefined : cursor.position;
        await applySchemaChange(ctx, change as SchemaChange, past);
        continue;
      }
      // every row change counts, in stream order, whether or not the task takes it
      if (cursor.take()) continue;
      if (deferred.size > 0) await followDeferred();
      if (!events.has(change.kind)) continue;
      const key = changeTableKey(change.table);
      const route = ctx.routeFor(key);
      if (!route) continue;
      if (held.size > 0 && held.holds(key, tx, cursor.place)) continue;
      if ((change.kind === 'update' || change.kind === 'delete') && ctx.appendOnly.has(key)) continue; // rules.keylessTables: append
      reducer.addRouted(change, key, route, tx.commitTime);
      // counted per run of one table (a transaction mostly touches one), not per change
      if (key !== runKey) { if (runKey !== undefined) counted.set(runKey, (counted.get(runKey) ?? 0) + run); runKey = key; run = 0; }
      run++;
    }
    if (runKey !== undefined) counted.set(runKey, (counted.get(runKey) ?? 0) + run);
    for (const [key, n] of counted) status.read(key, n);
    if (!tx.partial) {
      if (deferred.size > 0 && cursor.toSkip === 0) await followDeferred();
      const missing = cursor.ended(tx.position);
      if (missing > 0) ctx.log('warn', `resuming at ${formatOptional(ctx.checkpoint)}: the transaction ended ${missing} changes before the count of changes already applied`);
      complete = cursor.end;
      if (!pendingSince) pendingSince = performance.now();
    }
    // a DDL statement (MySQL): its position is checkpointed right after the target followed it,
    // so a restart never replays a DDL the target already has
    if (onlySchema && tx.changes.length > 0) await flush();
    // A full batch: the reader waits for the batch before it to be written, then goes on reading
    // while this one is (DuckDB writes on its own threads). At most one batch is being written
    // while the next fills: backpressure and bounded memory as before, without the reader and
    // the target taking turns. (Not idle: the wait is ours.)
    if (reducer.size >= plan.parameters.batchSize || reducer.tables.size >= maxTables) {
      disarmIdle();
      await chain;
      void flush();
      return;
    }
    lastArrival++;
    if (streaming) armIdle();
  };

  // PostgreSQL's logical decoding carries no DDL: tables created or dropped at the source are
  // found by looking again now and then, between batches (MySQL sees them in the binlog).
  const rediscoverMs = sourceFacts(plan.source.type).rediscover ? opts.rediscoverMs ?? 10_000 : 0;
  let lastDiscovery = 0; // first look right away: tables may have gone during a full sync
  const rediscover = (): void => {
    if (!rediscoverMs || Date.now() - lastDiscovery < rediscoverMs || ctx.stopping) return;
    lastDiscovery = Date.now();
    chain = chain.then(() => findTableChanges(ctx)).catch((err: Error) => ctx.log('debug', `looking for new or dropped tables: ${err.message}`));
  };

  const tables = [...ctx.routes.values()].map((r) => r.source);
  const opening = adapter.stream(basePosition(start), tables, onTransaction);
  // a source that never answers the stream's start is a stall too; a stream opened too late is closed
  const handle = catchUp ? await Promise.race([opening, catchUp.stalled]).catch((err: unknown) => {
    void opening.then((h) => h.stop(), () => undefined);
    throw err;
  }) : await opening;
  catchUp?.watch(handle);
  catchUp?.stalled.catch((err: unknown) => fail?.(err));
  ctx.interrupt = (why) => {
    // inside a transaction in parts (applied or to be skipped): its end comes first (see fullSyncAtEnd)
    if (why === 'resnapshot' && cursor.inside) {
      if (!fullSyncAtEnd) ctx.log('info', 'a full sync waits for the end of the transaction being applied in parts');
      fullSyncAtEnd = true;
      return;
    }
    end?.(why);
  };
  // a stop requested while the stream was being opened found no interrupt to call
  if (ctx.stopping) end?.('stopped');
  handle.done.then(() => end?.('stopped'), (err) => fail?.(err));
  const interval = Math.min(1000, Math.max(50, plan.parameters.flushIntervalMs));
  const timer = setInterval(() => {
    void flush().then(() => {
      // a quiet stream: everything received is committed, so the target is at the checkpoint
      if (reducer.size === 0 && !complete && ctx.checkpoint) ctx.holds.applied(ctx.checkpoint);
    }, () => undefined);
    rediscover();
    if (ctx.pendingResync.size > 0 && !over) {
      chain = chain.then(() => checkResyncs(ctx)).catch((err: Error) => ctx.log('debug', `pending resyncs: ${err.message}`));
    }
  }, interval);
  try {
    const why = await ended;
    return why;
  } finally {
    clearInterval(timer);
    streaming = false;
    disarmIdle();
    ctx.holds.clear();
    ctx.interrupt = undefined;
    catchUp?.watch(undefined);
    // a stalled source may never answer the goodbye: do not wait for it forever
    await Promise.race([
      handle.stop().catch((err: Error) => ctx.log('warn', `stopping the stream: ${err.message}`)),
      new Promise((r) => setTimeout(r, 10_000).unref()),
    ]);
    // whatever complete transactions arrived before the stop still commit with their position
    await flush().catch((err: Error) => ctx.log('error', `applying the last batch: ${err.message}`));
    ctx.log('debug', `stream: ${batches} batches, ${changesApplied} changes, apply ${Math.round(applyMs)} ms`);
  }
}

/** The same columns with the same types, in the same order. */
function sameShape(a: SourceTable, b: SourceTable): boolean {
  const sig = (t: SourceTable) => t.columns.map((c) => `${c.name}:${c.fullType}`).join('\u0000');
  return sig(a) === sig(b);
}

/**
 * Applies a batch; when it fails, finds the tables whose changes cannot be applied, marks them
 * failed (their changes are dropped from then on, the others go on) and applies the rest.
 */
async function applyIsolated(ctx: TaskContext, tables: TableBatch[], position: Position | undefined): Promise<void> {
  try {
    await ctx.sink.applyBatch(tables, position);
    return;
  } catch (err) {
    if (tables.length === 0) throw err;
    const bad: TableBatch[] = [];
    for (const t of tables) {
      const problem = await ctx.sink.probe(t);
      if (problem) {
        bad.push(t);
        await failTable(ctx, t.route.key, `applying changes: ${await explainRefusedValue(problem, t.route.mapping) ?? problem.message}`, position);
      }
    }
    if (bad.length === 0) throw err; // not a table's fault (disk, lock...): the task fails
    await ctx.sink.applyBatch(tables.filter((t) => !bad.includes(t)), position);
  }
}
