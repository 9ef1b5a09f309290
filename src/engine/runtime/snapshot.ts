// The full sync: chunk plans stored before the first chunk is read, `snapshot.concurrency`
// readers each with their own sink writers, chunks committed with their "done" mark, so a
// stop or crash resumes at the first unfinished chunk of each table.
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { checkpointOf, formatPosition } from '../positions';
import type { Chunk, SnapshotSession } from '../source/adapter';
import type { SnapshotChunkWriter, StoredChunk } from '../sink/sink';
import { StopSignal, type SnapshotRequest, type TaskContext } from './context';
import { applySchemaChange } from './evolve';
import { failTable } from './halt';
import type { SourceTable } from '../source/types';
import { deferResync, requestResync, sameShape } from './resync';
import { testPause } from '../testhooks';
import { ChunkFiles } from './bulk';
import { explainRefusedValue } from '../sink/valueerror';

// A chunk read is retried with backoff (1, 2, 4, 8, 15 s): long enough for a source server to
// restart, short enough that a real failure surfaces within half a minute.
const CHUNK_ATTEMPTS = 6;

interface Work { req: SnapshotRequest; chunks: StoredChunk[]; remaining: number; append: boolean; started: number }

/** Runs every queued full sync; returns when the queue is empty, or throws StopSignal on stop. */
export async function runSnapshots(ctx: TaskContext): Promise<void> {
  while (ctx.snapshotQueue.length > 0 && !ctx.stopping) {
    const batch = ctx.snapshotQueue.splice(0);
    await runSnapshotRound(ctx, batch);
  }
  if (ctx.stopping) throw new StopSignal();
}

async function runSnapshotRound(ctx: TaskContext, requests: SnapshotRequest[]): Promise<void> {
  const { adapter, sink, status, plan } = ctx;
  const tables = requests.map((r) => ctx.source(r.source)).filter((t) => t !== undefined);
  if (tables.length === 0) return;
  const resume = ctx.checkpoint;
  const session = await adapter.openSnapshot(tables, plan.snapshot.concurrency, resume);
  try {
    if (!ctx.checkpoint) {
      // The stream start is stored BEFORE the first chunk: a crash during the snapshot resumes
      // the chunks and then streams from here, which covers every change the chunks may miss.
      const start = formatPosition(session.streamStart);
      await sink.state.saveCheckpoint(session.streamStart, session.streamStart);
      ctx.checkpoint = checkpointOf(session.streamStart);
      status.setPosition(start);
      ctx.log('info', `snapshot consistent with stream position ${start}`);
    }
    const work = new Map<string, Work>();
    const plans: PlannedTable[] = [];
    for (const req of requests) {
      const w = await prepareTable(ctx, session, req, plans);
      if (w) work.set(req.source, w);
    }
    // fresh plans are stored together (one commit where the sink can: 1,000 small tables are 1,000 plans)
    if (sink.state.saveChunkPlans && plans.length > 1) {
      await sink.state.saveChunkPlans(plans.map((p) => ({ source: p.req.source, chunks: p.chunks, loadMode: p.append ? 'append' : 'upsert', where: p.req.where })));
    } else {
      for (const p of plans) await sink.state.saveChunkPlan(p.req.source, p.chunks, p.append ? 'append' : 'upsert', p.req.where);
    }
    for (const p of plans) {
      // stored together: the plan as it was stored (in index order, nothing done yet); else read back
      const stored = sink.state.saveChunkPlans && plans.length > 1 ? p.chunks.map((c) => ({ ...c, done: false, rows: 0 }))
        : await sink.state.chunkPlan(p.req.source, p.route.source.id);
      const w = await startTable(ctx, p.req, stored, p.append);
      if (w) work.set(p.req.source, w);
    }
    await readChunks(ctx, session, work);
  } finally {
    await session.close().catch((err: Error) => ctx.log('warn', `closing the snapshot: ${err.message}`));
  }
}

/** A table whose fresh chunk plan is made and not stored yet. */
interface PlannedTable { req: SnapshotRequest; route: NonNullable<ReturnType<TaskContext['routes']['get']>>; chunks: Chunk[]; append: boolean }

/**
 * Resumes a table's stored plan (its Work), or plans it afresh into `plans` (stored by the caller,
 * then started with startTable).
 */
async function prepareTable(ctx: TaskContext, session: SnapshotSession, req: SnapshotRequest, plans: PlannedTable[]): Promise<Work | undefined> {
  const { sink, plan } = ctx;
  if (!ctx.routes.get(req.source)) return undefined;
  // a resync of a stopped table (e.g. after a DDL LakeSync could not read) starts from the table
  // as the source describes it now, also in the schema history the stream restarts with
  const halted = ctx.routes.isHalted(req.source);
  if (req.kind === 'fresh' && !req.where && (halted || req.align) && ctx.adapter.shapesAt) {
    await testPause('resync-copy');
    const source = ctx.routes.get(req.source)!.source;
    const now = await ctx.adapter.describe(source.id);
    // A resync after a schema change the stream cannot carry copies the table in the shape the
    // stream has at the checkpoint, where it restarts: the rows and DDL after the checkpoint are
    // read in the shapes they were written in. DDL the source ran since the resync was started
    // (the stream has not read it) sends the table back to wait (resync.ts), unless the checkpoint
    // is past the position read right after the source last described it so (`settled`).
    if (now && !halted && !sameShape(source, now) && !(req.settled && sameShape(req.settled.shape, now))) {
      await deferResync(ctx, req.source, req.why ?? [], now);
      return undefined;
    }
    ctx.routes.resume(req.source);
    if (now && (halted || !sameColumns(source, now))) await applySchemaChange(ctx, { kind: 'schema', table: source.id, ddl: '(resync: the table as the source describes it now)', shape: now }, ctx.checkpoint);
  }
  const route = ctx.routes.get(req.source);
  if (!route) return undefined;
  const chunks = req.kind === 'resume' ? await sink.state.chunkPlan(req.source, route.source.id) : [];
  if (req.kind === 'fresh' || chunks.length === 0) {
    const existing = await sink.rowCount(route);
    const planned = await planOrGone(ctx, session, route.source, plan.snapshot.chunkSize, req.where);
    if (!planned) return undefined;
    plans.push({ req, route, chunks: planned.map((c) => ({ ...c, ...(req.where ? { where: req.where } : {}) })), append: existing === 0 && !req.where });
    return undefined;
  }
  const st = await sink.state.table(req.source);
  return startTable(ctx, req, chunks, st?.loadMode === 'append');
}

/**
 * The table's chunk plan; undefined when the table was dropped at the source after the task listed
 * it and before it was planned (it then goes as a table dropped while streaming does: rules.dropTable,
 * the other tables go on). Before, that drop failed the whole task; a loaded machine widens the window.
 * A failure of a table that is still there is the caller's, as before.
 */
async function planOrGone(ctx: TaskContext, session: SnapshotSession, table: SourceTable, chunkSize: number, where?: string): Promise<Chunk[] | undefined> {
  try {
    return await session.planChunks(table, chunkSize, where);
  } catch (err) {
    if (!(await goneAtSource(ctx, table))) throw err;
    await applySchemaChange(ctx, { kind: 'schema', table: table.id, ddl: '(table no longer at the source)', shape: null });
    return undefined;
  }
}

/**
 * The source no longer describes the table, looking again for ~5 s (MariaDB hides a table an ALTER
 * TABLE copies for a moment, as runner.ts discoverKnown). A failing query proves nothing: not gone.
 */
async function goneAtSource(ctx: TaskContext, table: SourceTable): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    if (await ctx.adapter.describe(table.id).catch(() => table)) return false;
    if (attempt === 4) return true;
    await new Promise((r) => setTimeout(r, (attempt + 1) * 500));
  }
}

/** The table's full sync begins (or resumes) with these stored chunks. */
async function startTable(ctx: TaskContext, req: SnapshotRequest, chunks: StoredChunk[], append: boolean): Promise<Work | undefined> {
  const { status } = ctx;
  const route = ctx.routes.get(req.source);
  if (!route) return undefined;
  ctx.routes.resume(req.source);
  ctx.abortSnapshot.delete(req.source);
  const t = status.table(req.source, ctx.targetName(route));
  t.chunksTotal = chunks.length;
  t.chunksDone = chunks.filter((c) => c.done).length;
  t.snapshotRows = chunks.reduce((a, c) => a + c.rows, 0);
  status.setTablePhase(req.source, 'full-sync');
  const w: Work = { req, chunks, remaining: chunks.filter((c) => !c.done).length, append, started: Date.now() };
  if (w.remaining === 0) await finishTable(ctx, w);
  return w;
}

/** The source's table no longer has the columns (names, types) the copy reads; false when that cannot be told. */
async function shapeMoved(ctx: TaskContext, source: string): Promise<boolean> {
  const route = ctx.routes.get(source);
  if (!route || !ctx.checkpoint) return false;
  const now = await ctx.adapter.describe(route.source.id).catch(() => undefined);
  return now !== undefined && !sameShape(route.source, now);
}

/** The same columns (names, types) in the same order. */
function sameColumns(a: SourceTable, b: SourceTable): boolean {
  const sig = (t: SourceTable) => t.columns.map((c) => `${c.name}:${c.fullType}:${c.typeMod ?? ''}`).join('\u0000');
  return sig(a) === sig(b) && a.primaryKey.join('\u0000') === b.primaryKey.join('\u0000');
}

async function finishTable(ctx: TaskContext, w: Work): Promise<void> {
  const source = w.req.source;
  const route = ctx.routes.get(source);
  if (!route) return;
  if (await copyOutdated(ctx, w)) return;
  const removed = await ctx.sink.finishSnapshot(route, removeStale(w), w.req.targetWhere);
  tableFinished(ctx, source, removed);
}

/**
 * Before a resync's copy ends: the source ran more DDL on the table while it was read (a MODIFY
 * widening a column lets chunks read values the target's older type would round). The copy does
 * not end; the table waits (pending, also after a crash) for a resync once the stream has read
 * that DDL. True when so. A chunk that failed on such DDL has already asked (chunkFailed).
 */
async function copyOutdated(ctx: TaskContext, w: Work): Promise<boolean> {
  const source = w.req.source;
  if (!w.req.align || !(await shapeMoved(ctx, source))) return false;
  ctx.abortSnapshot.add(source);
  await requestResync(ctx, source, ['the table changed shape at the source while it was copied']);
  return true;
}

/**
 * Whether the end of the table's full sync removes rows the source no longer has: a whole-table
 * sync over existing rows does; a backfill only within its target filter (verify --repair); else never.
 */
function removeStale(w: Work): boolean {
  return !w.append && (!w.req.where || Boolean(w.req.targetWhere));
}

function tableFinished(ctx: TaskContext, source: string, removed: number): void {
  ctx.status.setTablePhase(source, 'incremental');
  ctx.log('info', `${source}: full sync done${removed ? ` (${removed} rows no longer at the source removed)` : ''}`);
}

/** Picks the next chunk: tables in queue order (prioritize reorders), unfinished chunks in index order. */
function nextChunk(ctx: TaskContext, work: Map<string, Work>, taken: Set<string>): { w: Work; chunk: StoredChunk } | undefined {
  const next = nextInLine(ctx, work, taken);
  if (next) taken.add(`${next.w.req.source}#${next.chunk.index}`);
  return next;
}

/** The free chunk that goes next (the first table in priority order that has one), not taken. */
function nextInLine(ctx: TaskContext, work: Map<string, Work>, taken: Set<string>): { w: Work; chunk: StoredChunk } | undefined {
  const order = [...work.values()].sort((a, b) => priority(ctx, a) - priority(ctx, b));
  for (const w of order) {
    if (ctx.abortSnapshot.has(w.req.source)) continue;
    const chunk = w.chunks.find((c) => !c.done && !taken.has(`${w.req.source}#${c.index}`));
    if (chunk) return { w, chunk };
  }
  return undefined;
}

/** Lower first: tables prioritized while running carry a negative rank. */
function priority(ctx: TaskContext, w: Work): number {
  const rank = ctx.priorities.get(w.req.source);
  return rank ?? w.started;
}

/**
 * Each reader reads chunk k+1 while chunk k commits: two writers (connections, each with its own
 * stage) take turns, so the source connection is busy while DuckDB converts and commits. At most
 * one chunk is being committed and one staged per reader; commits stay in order, each chunk with
 * its done mark in one transaction.
 */
async function readChunks(ctx: TaskContext, session: SnapshotSession, work: Map<string, Work>): Promise<void> {
  const taken = new Set<string>();
  const total = [...work.values()].reduce((a, w) => a + w.remaining, 0);
  const readers = Math.max(1, Math.min(effectiveConcurrency(ctx), total));
  const snapshotMs = Date.now();
  // said once per table: its full sync is slower, and why
  const files = new ChunkFiles((key, why) => ctx.log('info', `${key}: full sync reads row by row (${why})`));
  let failure: unknown;
  const reader = async () => {
    const writers = [await ctx.sink.snapshotWriter(), await ctx.sink.snapshotWriter()];
    let pending: Promise<Committing | undefined> = Promise.resolve(undefined);
    // a failed commit is read and committed again here, never while the next chunk is being read
    // (a reader's chunks share one source connection)
    const settle = async () => {
      const failed = await pending;
      pending = Promise.resolve(undefined);
      if (failed) await retryChunk(ctx, session, failed);
    };
    try {
      for (let turn = 0; ; turn++) {
        if (ctx.stopping || failure) break;
        const next = nextChunk(ctx, work, taken);
        if (!next) break;
        const job: Committing = { writer: writers[turn % 2], w: next.w, chunk: next.chunk, snapshotMs, attempt: 1, files };
        const staged = files.groupable(session, job.writer, ctx.routes.get(next.w.req.source), next.chunk, next.w.append)
          ? await readGroup(ctx, session, job, work, taken) : await readOne(ctx, session, job);
        await settle(); // the previous chunk's commit: the next read reuses its writer
        if (staged) pending = commitOne(ctx, job);
      }
      await settle();
    } catch (err) {
      if (!(err instanceof StopSignal)) failure ??= err;
    } finally {
      await pending.catch(() => undefined);
      for (const w of writers) await w.close();
    }
  };
  try {
    await Promise.all(Array.from({ length: readers }, reader));
  } finally {
    files.close();
  }
  if (failure) throw failure;
}

/**
 * Readers for this machine: `snapshot.concurrency`, at most one per core. Each reader keeps a
 * source connection and a sink connection busy; on two cores four readers made the full sync
 * slower than one (they queue for the same CPU, with four chunks staged at once). Said once.
 */
function effectiveConcurrency(ctx: TaskContext): number {
  const asked = ctx.plan.snapshot.concurrency;
  const cores = availableParallelism();
  if (asked <= cores) return asked;
  if (!saidConcurrency.has(ctx)) {
    saidConcurrency.add(ctx);
    ctx.log('info', `full sync: ${cores} chunk readers (snapshot.concurrency ${asked}, at most one per core: this machine has ${cores})`);
  }
  return cores;
}
const saidConcurrency = new WeakSet<TaskContext>();

/**
 * One chunk on its way into the target, and the writer whose stage holds it; or (`group`) chunks
 * of one table read into files and committed together, `chunk` the first of them.
 */
interface Committing {
  writer: SnapshotChunkWriter; w: Work; chunk: StoredChunk; snapshotMs: number; attempt: number; files: ChunkFiles;
  group?: { chunk: StoredChunk; file: string; rows: number }[];
  error?: unknown; fatal?: unknown;
}

/**
 * A group of chunk files ends at this size however few its rows: wide rows gain little from
 * committing whole row groups, and one commit stays about the size of a chunk or two.
 */
const GROUP_BYTES = 64 << 20;

/**
 * Reads the job's chunk and the table's next free chunks into files until they hold the
 * writer's `fileCommitRows` or GROUP_BYTES (or the table has no more), for one commit (commitGroup). A chunk the
 * source cannot copy in bulk ends the group (and is read by rows later); a failed read gives the
 * group's chunks back and reads the first alone (readOne: its retries, the row path).
 * True when there is something to commit.
 */
async function readGroup(ctx: TaskContext, session: SnapshotSession, job: Committing, work: Map<string, Work>, taken: Set<string>): Promise<boolean> {
  const source = job.w.req.source;
  const route = ctx.routes.get(source);
  if (!route) return false;
  const key = (c: StoredChunk) => `${source}#${c.index}`;
  const group: NonNullable<Committing['group']> = [];
  let chunk: StoredChunk | undefined = job.chunk;
  try {
    for (let rows = 0, bytes = 0; chunk; ) {
      if (ctx.stopping) throw new StopSignal();
      if (ctx.abortSnapshot.has(source)) throw new StopSignal('table cancelled');
      const file = job.files.file();
      const copied = await job.files.copyOnly(session, route, chunk, file);
      if (copied === undefined) break;
      group.push({ chunk, file, rows: copied });
      ctx.status.read(source, copied);
      rows += copied;
      bytes += statSync(file).size;
      if (rows >= (job.writer.fileCommitRows ?? 0) || bytes >= GROUP_BYTES) { chunk = undefined; break; }
      // the group goes on only while its table is still next in line (a table prioritized
      // meanwhile goes first, as between single chunks)
      const next = nextInLine(ctx, work, taken);
      chunk = next?.w === job.w ? next.chunk : undefined;
      if (chunk) taken.add(key(chunk));
    }
  } catch (err) {
    for (const c of [...group.map((g) => g.chunk), ...(chunk ? [chunk] : [])]) if (c !== job.chunk) taken.delete(key(c));
    job.files.remove(group.map((g) => g.file));
    if (!(await chunkFailed(ctx, job, err))) return false;
    job.attempt++;
    return readOne(ctx, session, job);
  }
  // a chunk the source could not copy in bulk: read by rows (the table is on the row path now)
  if (chunk && chunk !== job.chunk) taken.delete(key(chunk));
  if (group.length === 0) return readOne(ctx, session, job);
  job.group = group;
  return true;
}

/**
 * Reads one chunk into the writer's stage. True when staged and ready to commit; false when its
 * table was cancelled. A failed read is retried (the stage is thrown away first).
 */
async function readOne(ctx: TaskContext, session: SnapshotSession, job: Committing): Promise<boolean> {
  const { writer, chunk, snapshotMs } = job;
  const source = job.w.req.source;
  const route = ctx.routes.get(source);
  if (!route) return false;
  const check = () => {
    if (ctx.stopping) throw new StopSignal();
    if (ctx.abortSnapshot.has(source)) throw new StopSignal('table cancelled');
  };
  for (;; job.attempt++) {
    try {
      const bulk = job.files.usable(session, writer, route, chunk)
        ? await job.files.copy(session, writer, route, chunk, snapshotMs, check) : undefined;
      if (bulk !== undefined) ctx.status.read(source, bulk);
      else {
        await session.readChunk(route.source, chunk, async (rows) => {
          check();
          await writer.stage(route, rows, snapshotMs);
          ctx.status.read(source, rows.length);
        });
      }
      if (ctx.stopping) throw new StopSignal();
      return true;
    } catch (err) {
      if (!(await chunkFailed(ctx, job, err))) return false;
    }
  }
}

/**
 * Commits a staged chunk with its done mark; resolves to the job when the commit failed (`error`)
 * or the table's finish did (`fatal`). It never rejects: nobody awaits it while the next chunk
 * is read, and an unhandled rejection would end the process.
 */
async function commitOne(ctx: TaskContext, job: Committing): Promise<Committing | undefined> {
  const { w, chunk } = job;
  const source = w.req.source;
  const route = ctx.routes.get(source);
  if (!route || ctx.stopping) { if (job.group) job.files.remove(job.group.map((g) => g.file)); return undefined; }
  if (job.group) return commitGroup(ctx, job, route);
  let rows: number;
  // the table's last chunk: where the sink can, the end of its full sync commits with it
  const last = w.remaining === 1 && job.writer.commitLastChunk ? job.writer.commitLastChunk.bind(job.writer) : undefined;
  let finished: number | undefined;
  try {
    if (last && await copyOutdated(ctx, w)) return undefined;
    if (last) ({ rows, removed: finished } = await last(route, chunk.index, w.append, removeStale(w), w.req.targetWhere));
    else rows = await job.writer.commitChunk(route, chunk.index, w.append);
  } catch (err) {
    job.error = err;
    return job;
  }
  chunk.done = true;
  chunk.rows = rows;
  w.remaining--;
  const t = ctx.status.table(source);
  t.chunksDone++;
  t.snapshotRows += rows;
  ctx.status.wrote(source, rows);
  if (finished !== undefined) { tableFinished(ctx, source, finished); return undefined; }
  // the chunk is in: a failure from here on must not read it again
  if (w.remaining === 0) {
    try { await finishTable(ctx, w); } catch (err) { job.fatal = err; return job; }
  }
  return undefined;
}

/** commitOne of a group: its chunks, their files, their done marks (and maybe the table's end) in one commit. */
async function commitGroup(ctx: TaskContext, job: Committing, route: NonNullable<ReturnType<TaskContext['routes']['get']>>): Promise<Committing | undefined> {
  const { w } = job;
  const group = job.group!;
  const source = w.req.source;
  // the table's last chunks: the end of its full sync commits with them
  const last = w.remaining === group.length;
  let result: { rows: number; removed: number };
  try {
    if (last && await copyOutdated(ctx, w)) return undefined;
    result = await job.writer.commitFiles!(route, group.map((g) => ({ index: g.chunk.index, file: g.file, rows: g.rows })), job.snapshotMs,
      last ? { removeStale: removeStale(w), ...(w.req.targetWhere ? { within: w.req.targetWhere } : {}) } : undefined);
  } catch (err) {
    job.error = err;
    return job;
  } finally {
    job.files.remove(group.map((g) => g.file));
  }
  for (const g of group) { g.chunk.done = true; g.chunk.rows = g.rows; }
  w.remaining -= group.length;
  const t = ctx.status.table(source);
  t.chunksDone += group.length;
  t.snapshotRows += result.rows;
  ctx.status.wrote(source, result.rows);
  if (last) { tableFinished(ctx, source, result.removed); return undefined; }
  // another reader committed the table's other last chunks meanwhile: the table ends here
  if (w.remaining === 0) {
    try { await finishTable(ctx, w); } catch (err) { job.fatal = err; return job; }
  }
  return undefined;
}

/**
 * After a failed commit: the chunk is read and committed again, one after the other; a failed
 * group's chunks each alone (through the stage, which tells a file DuckDB cannot read: row path).
 */
async function retryChunk(ctx: TaskContext, session: SnapshotSession, job: Committing): Promise<void> {
  if (job.group && job.fatal === undefined) {
    const group = job.group;
    job.group = undefined;
    if (!(await chunkFailed(ctx, job, job.error))) return;
    for (const g of group) {
      const one: Committing = { ...job, chunk: g.chunk, attempt: job.attempt + 1, error: undefined };
      if (!(await readOne(ctx, session, one))) return;
      const failed = await commitOne(ctx, one);
      if (failed) await retryChunk(ctx, session, failed);
    }
    return;
  }
  for (;;) {
    if (job.fatal !== undefined) throw job.fatal;
    if (!(await chunkFailed(ctx, job, job.error))) return;
    job.attempt++;
    if (!(await readOne(ctx, session, job))) return;
    if (!(await commitOne(ctx, job))) return;
  }
}

/**
 * After a failed read or commit: throws StopSignal on stop, false when the table was cancelled,
 * throws after the last attempt, else records the error, waits and returns true (try again).
 */
async function chunkFailed(ctx: TaskContext, job: Committing, err: unknown): Promise<boolean> {
  const { writer, chunk, attempt } = job;
  const source = job.w.req.source;
  await writer.abandon().catch(() => undefined);
  // a source may wrap the StopSignal thrown from onRows: the flags say what happened
  if (ctx.stopping) throw new StopSignal();
  if (err instanceof StopSignal || ctx.abortSnapshot.has(source)) return false; // this table was cancelled; the others go on
  // the table changed shape at the source during its copy (a migration's next ALTER): reading it
  // again now cannot work; it is copied again once the stream has reached that shape (resync.ts)
  if (await shapeMoved(ctx, source)) {
    ctx.abortSnapshot.add(source);
    await requestResync(ctx, source, [`the table changed shape at the source while it was copied (${(err as Error).message})`]);
    return false;
  }
  // a value the target cannot hold is refused again by every read: the table stops now, saying where
  const route = ctx.routes.get(source);
  const refused = route && await explainRefusedValue(err, route.mapping);
  if (refused) {
    await failTable(ctx, source, `full sync: ${source} chunk ${chunk.index}: ${refused}`);
    return false;
  }
  const message = `${source} chunk ${chunk.index}: ${(err as Error).message}`;
  ctx.status.error(source, message);
  await ctx.sink.state.addError(message, source).catch(() => undefined);
  if (attempt >= CHUNK_ATTEMPTS) {
    // what six reads over half a minute could not fix is this table's problem: it stops alone
    await failTable(ctx, source, `full sync: ${message} (after ${attempt} attempts)`);
    return false;
  }
  await ctx.failover(message, `reading chunk ${chunk.index} again (attempt ${attempt + 1} of ${CHUNK_ATTEMPTS})`);
  await new Promise((r) => setTimeout(r, Math.min(15_000, 1000 * 2 ** (attempt - 1))));
  return true;
}
