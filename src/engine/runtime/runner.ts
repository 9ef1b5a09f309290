// Runs one task: start mode -> full sync of the tables that need one -> change stream, with
// failover, per-table operations, the status stream and a graceful stop.
import type { TaskPlan } from '../config/plan';
import { EXIT_TABLES_FAILED, PermanentSourceError, UserError } from '../errors';
import { makeRoute } from '../pipeline/route';
import { planRoutes } from '../pipeline/routing';
import { keylessRefusal, keylessVerdict } from '../source/keyless';
import { sourceFacts } from '../source/registry';
import { tableKey } from '../source/types';
import { selectedIds, selectTables } from '../source/select';
import type { TableMapping } from '../typemap/types';
import { reconcileTarget } from './evolve';
import { checkpointOf, comparePositions, formatOptional, formatPosition, insideTransaction, parsePosition, PositionError, samePosition, type Position } from '../positions';
import type { SourceAdapter } from '../source/adapter';
import { openSink } from '../sink/registry';
import type { Sink } from '../sink/sink';
import type { EngineRequest, LogLevel } from '../../protocol/ipc';
import type { TablePhase, TaskStatus } from '../../protocol/status';
import { StopSignal, TaskContext, type Log } from './context';
import { ControlServer } from './control';
import { tableOp } from './ops';
import { runSnapshots } from './snapshot';
import { StatusTracker, statusFilePath } from './status';
import { failTable } from './halt';
import { streamChanges } from './stream';
import { CatchUp, DEFAULT_STALL_MS, SourceWatch, StallError } from './catchup';

export interface RunOptions {
  stateless?: boolean;
  resume?: boolean;
  /** Start position as the CLI takes it (lsn:X/Y, FILE:POS, gtid:SET, ISO time). */
  position?: string;
  noSnapshot?: boolean;
  untilCaughtUp?: boolean;
  /** --until-caught-up: nothing from the source for this long while it is ahead fails the run (default 300 s). */
  stallTimeoutMs?: number;
  /** Listen on the task's control socket (default true). */
  controlSocket?: boolean;
  /** Write `<target>.status.json` (default true). */
  statusFile?: boolean;
  /** Consecutive stream failures without progress before the task gives up (default 10). */
  maxStreamRetries?: number;
  log?: Log;
  onStatus?: (status: TaskStatus) => void;
  /** Set by `run --supervise` when it starts the engine again: why the previous one ended. */
  restartCause?: string;
  /** How often the source's health is checked (default 60 s). */
  healthIntervalMs?: number;
}

const TABLE_PHASES = new Set<TablePhase>(['pending', 'full-sync', 'incremental', 'cancelled', 'stopped', 'failed']);

export class TaskRunner {
  private ctx?: TaskContext;
  private stopRequested = false;
  private wake?: () => void;
  readonly status: StatusTracker;
  private readonly log: Log;

  constructor(readonly plan: TaskPlan, readonly adapter: SourceAdapter, readonly options: RunOptions = {}) {
    this.status = new StatusTracker(plan.name, plan.file, options.statusFile === false ? undefined : statusFilePath(plan.target.path));
    if (options.onStatus) this.status.onChange(options.onStatus);
    this.log = options.log ?? (() => undefined);
  }

  /** Graceful stop: the current chunk is dropped (read again next time), complete changes are applied and checkpointed. */
  stop(): void {
    this.stopRequested = true;
    if (this.ctx) {
      this.ctx.stopping = true;
      this.ctx.interrupt?.('stopped');
    }
    this.wake?.();
  }

  /** Counts a failover the source noticed outside the stream (e.g. its SSH tunnel was re-established). */
  noteFailover(cause: string, action: string): void {
    if (this.ctx) void this.ctx.failover(cause, action);
    else this.status.failover(cause, action);
  }

  /** Answers a request from the control socket or the IPC channel. */
  async request(req: EngineRequest): Promise<unknown> {
    switch (req.type) {
      case 'status': return this.status.snapshot();
      case 'stop': this.stop(); return { stopping: true };
      case 'query': {
        if (!this.ctx) throw new Error('the task is still starting');
        if (req.hold === undefined) return this.ctx.sink.query(req.sql, req.limit);
        const { holds } = this.ctx;
        await holds.whenReached(req.hold, 60_000);
        const result = await this.ctx.sink.query(req.sql, req.limit);
        // the answer is the target as of the hold's position only if the hold lasted the whole query
        if (!holds.isHeld(req.hold)) throw new Error(`hold ${req.hold} ended during the query (expired, or the stream restarted)`);
        return result;
      }
      case 'hold': {
        if (!this.ctx) throw new Error('the task is still starting');
        return { hold: this.ctx.holds.arm(parsePosition(req.until), Math.min(Math.max(1000, req.ttlMs), 300_000), this.ctx.checkpoint) };
      }
      case 'release': {
        if (!this.ctx) throw new Error('the task is still starting');
        return { released: this.ctx.holds.release(req.hold) };
      }
      case 'table-op': {
        if (!this.ctx || this.ctx.routes.size === 0) throw new Error('the task is still starting; try again in a moment');
        return tableOp(this.ctx, req.op, req.table, req.where, req.targetWhere);
      }
      case 'verified': this.status.setVerified(req.table, req.verified); return { recorded: true };
    }
  }

  /** Runs until stopped (0), caught up with --until-caught-up (0; EXIT_TABLES_FAILED when a table failed), or failed (throws). */
  async run(): Promise<number> {
    const { plan, adapter, options } = this;
    let control: ControlServer | undefined;
    let sink: Sink | undefined;
    let health: NodeJS.Timeout | undefined;
    let storage: NodeJS.Timeout | undefined;
    try {
      if (options.controlSocket !== false) {
        control = await ControlServer.listen(plan.file, (req) => this.request(req)).catch((err: Error) => {
          if (err.message === 'already running') throw new UserError(`task ${plan.name} is already running (lakesync status ${plan.file})`);
          throw err;
        });
      }
      sink = await openSink(plan.target, { memoryMb: plan.parameters.memoryMb });
      const ctx = new TaskContext(plan, adapter, sink, this.status, this.log);
      this.ctx = ctx;
      if (this.stopRequested) ctx.stopping = true;
      adapter.attachState?.(sink.state);
      await this.prepare(ctx);
      health = this.watchHealth();
      storage = this.watchStorage(sink);
      const caughtUp = await this.loop(ctx);
      this.status.setPhase('stopped');
      // --until-caught-up is a promise about every table: one that failed is not caught up, so the
      // run says which and exits 3 (the other tables are caught up and committed)
      const failed = caughtUp ? ctx.routes.haltedFor('failed') : [];
      if (failed.length > 0) {
        this.log('error', `caught up, except ${failed.length} failed table(s) that stopped with an error: ${failed.join(', ')} ` +
          `(see lakesync exceptions ${plan.file} --table T; after fixing the cause, lakesync resync ${plan.file} --table T)`);
        return EXIT_TABLES_FAILED;
      }
      return 0;
    } catch (err) {
      if (err instanceof StopSignal) { this.status.setPhase('stopped'); return 0; }
      const message = err instanceof Error ? err.message : String(err);
      this.status.setPhase('failed', message);
      await sink?.state.addError(message, undefined, formatOptional(this.ctx?.checkpoint)).catch(() => undefined);
      throw err;
    } finally {
      clearInterval(health);
      clearInterval(storage);
      await this.status.close();
      await control?.close().catch(() => undefined);
      await adapter.close().catch((err: Error) => this.log('warn', `closing the source: ${err.message}`));
      await sink?.close();
    }
  }

  /** Reads the target tables' files and snapshots now and then (sinks that keep them: Iceberg), for the status. */
  private watchStorage(sink: Sink): NodeJS.Timeout | undefined {
    if (!sink.storage) return undefined;
    return every(5000, false, async () => {
      for (const t of this.status.status.tables) {
        if (t.target) this.status.setStorage(t.source, await sink.storage!(t.target).catch(() => t.storage));
      }
    });
  }

  /**
   * Asks the source about its health now and then (retained WAL of the slot, binlog retention):
   * new warnings are logged once and shown in the status for as long as they hold.
   */
  private watchHealth(): NodeJS.Timeout | undefined {
    const { adapter } = this;
    if (!adapter.checkHealth) return undefined;
    return every(this.options.healthIntervalMs ?? 60_000, true, async () => {
      try {
        const fresh = this.status.setWarnings(await adapter.checkHealth!());
        for (const w of fresh) this.log('warn', w);
      } catch (err) {
        this.log('debug', `source health check failed: ${(err as Error).message}`);
      }
    });
  }

  private async prepare(ctx: TaskContext): Promise<void> {
    const { plan, adapter, options, status } = this;
    const { sink } = ctx;
    const cp = await sink.state.checkpoint();
    if (options.stateless && cp) {
      throw new UserError(`task ${plan.name} has a checkpoint (${formatPosition(cp.position)}, saved ${cp.updatedAt}): --stateless starts only from nothing.\n`
        + `Run \`lakesync reset ${plan.file}\` to forget it (target data stays), or leave out --stateless to resume.`);
    }
    if (options.resume && !cp) {
      throw new UserError(`task ${plan.name} has no checkpoint to resume from; run it without --resume for a full sync`);
    }
    if (options.position && (options.stateless || options.resume)) {
      throw new UserError('--position cannot be combined with --stateless or --resume');
    }
    let requested;
    if (options.position) {
      try { requested = sourceFacts(plan.source.type).startPosition(options.position); } catch (err) {
        if (err instanceof PositionError) throw new UserError(`--position: ${err.message}`);
        throw err;
      }
    }
    status.setPhase('initializing');
    const past = await sink.state.failovers();
    status.status.failovers = past.count;
    status.status.failoverEvents = past.recent;
    if (options.restartCause) await ctx.failover(options.restartCause, 'engine restarted by the supervisor; resuming from the checkpoint');
    const storedTables = await sink.state.tables();
    // resuming: the tables the task synced and still selects (not those dropped, nor left out of the task file since)
    const synced = storedTables.filter((t) => t.phase !== 'stopped').map((t) => {
      const dot = t.source.indexOf('.');
      return { db: t.source.slice(0, dot), table: t.source.slice(dot + 1) };
    });
    const known = cp ? selectedIds(selectTables(plan, synced)).map(tableKey) : [];
    const now = await discoverKnown(adapter, known, this.log);
    // resuming: the tables as they were at the checkpoint (the stream replays the DDL after it)
    const tables = cp && adapter.shapesAt && !requested ? await adapter.shapesAt(cp.position, now) : now;
    const { routes, warnings, errors } = planRoutes(plan, tables);
    for (const w of warnings) this.log('warn', w);
    if (errors.length) throw new UserError(`task ${plan.name} cannot run: ${errors.join('\n')}`);
    const refusal = keylessRefusal(plan, routes.map((r) => r.source));
    if (refusal) throw new UserError(`task ${plan.name} cannot run: ${refusal}`);
    const stopped: [string, string][] = [];
    if (routes.length === 0) throw new UserError(`task ${plan.name} selects no source table; check mode, tables/databases and exclude (lakesync preview ${plan.file})`);
    const stored = new Map(storedTables.map((t) => [t.source, t]));
    const reconciled = new Map<TableMapping, TableMapping | undefined>();
    const failing: string[] = [];
    const taken = routes.filter((r0) => {
      // a table that appeared since the task last ran, with rules.newTables: ignore, is left out
      if (cp && !stored.has(r0.key) && plan.rules.newTables !== 'sync') { this.log('info', `${r0.key}: new table ignored (rules.newTables)`); return false; }
      const keyless = keylessVerdict(plan, r0.source);
      if (keyless?.action === 'skip') { this.log('warn', keyless.message!); return false; }
      if (keyless?.action === 'append') ctx.appendOnly.add(r0.key);
      if (keyless?.action === 'stop') stopped.push([r0.key, keyless.message!]);
      return true;
    });
    // the target tables first, all at once where the sink can (a mirror of 1,000 tables is one
    // commit and one catalog read, not thousands); a table the target cannot create stops alone
    const mappings = [...new Set(taken.map((r0) => r0.mapping))];
    const notCreated = sink.ensureTables ? await sink.ensureTables(mappings) : new Map<TableMapping, Error>();
    if (!sink.ensureTables) for (const m of mappings) await sink.ensureTable(m).catch((err: Error) => { notCreated.set(m, err); });
    const existing = sink.tablesColumns ? await sink.tablesColumns(mappings.filter((m) => !notCreated.has(m))) : undefined;
    const newRows: { source: string; target: string; phase: string }[] = [];
    // A table past the checkpoint followed schema changes the stream replays (Iceberg: a kill -9
    // between a change's commit in the table and in the state store): its target is newer than
    // the checkpoint's shape, and reconciling it with that shape would add back a renamed or
    // dropped column. The replayed changes bring its mapping there instead.
    const ahead = new Set(taken.filter((r0) => cp && isAfter(stored.get(r0.key)?.position, cp.position)).map((r0) => r0.mapping));
    for (const r0 of taken) {
      if (!reconciled.has(r0.mapping)) {
        const err = notCreated.get(r0.mapping);
        if (err) stopped.push([r0.key, `creating the target table ${r0.mapping.namespace}.${r0.mapping.table}: ${err.message}`]);
        reconciled.set(r0.mapping, err || ahead.has(r0.mapping) ? r0.mapping : await reconcileTarget(ctx, r0.mapping, existing?.get(r0.mapping)));
      }
      const mapping = reconciled.get(r0.mapping);
      const r = mapping && mapping !== r0.mapping ? makeRoute(r0.source, mapping) : r0;
      ctx.routes.set(r.key, r);
      const name = ctx.targetName(r);
      if (!mapping) failing.push(r.key);
      const st = stored.get(r.key);
      const t = status.table(r.key, name);
      if (!st) { newRows.push({ source: r.key, target: name, phase: 'pending' }); continue; }
      Object.assign(t, {
        chunksDone: st.chunksDone, chunksTotal: st.chunksTotal, snapshotRows: st.snapshotRows, rowsWritten: st.rowsWritten,
        position: st.position && formatPosition(st.position), lastSourceTime: st.lastSourceTime, lastUpdate: st.lastUpdate,
        snapshotStartedAt: st.snapshotStartedAt, snapshotEndedAt: st.snapshotEndedAt,
      });
      t.phase = TABLE_PHASES.has(st.phase as TablePhase) ? st.phase as TablePhase : 'pending';
    }
    if (sink.state.upsertTables) await sink.state.upsertTables(newRows);
    else for (const n of newRows) await sink.state.upsertTable(n.source, n.target, n.phase);
    for (const key of failing) await failTable(ctx, key, 'the target table does not fit the source\'s current shape under the task\'s rules (see the log)');
    for (const [key, message] of stopped) await failTable(ctx, key, message);
    if (cp) { ctx.checkpoint = checkpointOf(cp.position); status.setPosition(formatPosition(cp.position)); }
    const snapshotting = plan.snapshot.enabled && !options.noSnapshot;
    const allIncremental = async () => {
      for (const key of ctx.routes.keys()) {
        if (ctx.routes.isHalted(key)) continue;
        await sink.state.setPhase(key, 'incremental');
        status.setTablePhase(key, 'incremental');
      }
    };
    if (requested) {
      const at = await adapter.resolveStart(requested);
      const start = formatPosition(at);
      await sink.state.saveCheckpoint(at);
      ctx.checkpoint = checkpointOf(at);
      status.setPosition(start);
      this.log('info', `streaming every table from ${start} (no full sync)`);
      await allIncremental();
    } else if (!cp) {
      if (snapshotting) {
        for (const key of ctx.routes.keys()) if (!ctx.routes.isHalted(key)) ctx.queueSnapshot({ source: key, kind: 'fresh' });
      } else {
        const at = await adapter.currentPosition();
        const start = formatPosition(at);
        await sink.state.saveCheckpoint(at);
        ctx.checkpoint = checkpointOf(at);
        status.setPosition(start);
        this.log('info', `no full sync: streaming changes from ${start}`);
        await allIncremental();
      }
    } else {
      for (const key of ctx.routes.keys()) {
        if (ctx.routes.isHalted(key)) continue;
        const st = stored.get(key);
        const phase = st?.phase ?? 'new';
        if (phase === 'incremental') continue;
        if (phase === 'cancelled' || phase === 'stopped' || phase === 'failed') { ctx.routes.halt(key, phase); continue; }
        if (snapshotting) {
          // a table left pending (e.g. a resync after a schema change) is copied as the source has it
          // now, once the stream has reached that shape (resync.ts)
          if (phase === 'pending' && !st?.whereClause) ctx.pendingResync.set(key, { why: ['a full sync the task had not finished'] });
          else ctx.queueSnapshot({ source: key, kind: phase === 'full-sync' ? 'resume' : 'fresh', ...(st?.whereClause ? { where: st.whereClause } : {}) });
        } else {
          await sink.state.setPhase(key, 'incremental');
          status.setTablePhase(key, 'incremental');
        }
      }
    }
    for (const op of await sink.state.takeOps()) {
      try {
        await tableOp(ctx, op.op, op.source, op.where);
        this.log('info', `queued operation done: ${op.op} ${op.source}`);
      } catch (err) {
        this.log('warn', `queued operation ${op.op} ${op.source} skipped: ${(err as Error).message}`);
      }
    }
  }

  /** Streams until stopped (false) or, with --until-caught-up, caught up (true). */
  private async loop(ctx: TaskContext): Promise<boolean> {
    const { options } = this;
    const maxRetries = options.maxStreamRetries ?? 10;
    // one goal for the whole run: read when the first catch-up starts, kept across reconnects
    const catchUp = options.untilCaughtUp ? new CatchUp(ctx, options.stallTimeoutMs ?? DEFAULT_STALL_MS) : undefined;
    // a normal run says "caught up" by the same rule, with a moving goal (status.catchUp, the tree's ✔)
    const watch = catchUp ? undefined : new SourceWatch(ctx);
    try {
      return await this.streamLoop(ctx, catchUp, maxRetries, watch);
    } finally {
      catchUp?.stop();
      watch?.stop();
    }
  }

  private async streamLoop(ctx: TaskContext, catchUp: CatchUp | undefined, maxRetries: number, watch?: SourceWatch): Promise<boolean> {
    const { status } = this;
    let failures = 0;
    for (;;) {
      // a full sync waits for the end of a transaction applied in parts (see stream.ts)
      if (ctx.snapshotQueue.length > 0 && !insideTransaction(ctx.checkpoint)) {
        status.setPhase('full-sync');
        await runSnapshots(ctx);
      }
      if (ctx.stopping) return false;
      status.setPhase('incremental');
      watch?.start(); // after the first full sync: on PostgreSQL the slot exists from then on
      const before = ctx.checkpoint;
      let why: string;
      try {
        why = await streamChanges(ctx, { catchUp });
        if (why === 'stopped' && !ctx.stopping) throw new Error('the source stream ended');
      } catch (err) {
        if (ctx.stopping) return false;
        if (err instanceof PermanentSourceError || err instanceof StallError) throw err; // waiting does not fix it: say what does
        if (!samePosition(ctx.checkpoint, before)) failures = 0;
        failures++;
        const message = (err as Error).message;
        await ctx.sink.state.addError(message, undefined, formatOptional(ctx.checkpoint)).catch(() => undefined);
        if (failures > maxRetries) throw new Error(`the source stream failed ${failures} times in a row; last error: ${message}`, { cause: err });
        const wait = Math.min(30_000, 500 * 2 ** (failures - 1));
        await ctx.failover(message, `reconnecting in ${(wait / 1000).toFixed(1)} s from ${formatOptional(ctx.checkpoint)}`);
        this.log('warn', `source stream failed (${message}); reconnecting in ${(wait / 1000).toFixed(1)} s from ${formatOptional(ctx.checkpoint)}`);
        await (catchUp ? Promise.race([this.sleep(wait), catchUp.stalled]) : this.sleep(wait));
        continue;
      }
      if (why === 'caught-up' && ctx.snapshotQueue.length === 0 && ctx.pendingResync.size === 0 && catchUp?.done) {
        this.log('info', `caught up at ${formatOptional(ctx.checkpoint)} (goal ${formatPosition(catchUp.goal!)})`);
        return true;
      }
      if (why === 'stopped') return false;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() { clearTimeout(timer); resolve(); }
      this.wake = done;
    });
  }
}

/**
 * Runs `work` every `ms` (and at once when `now`), never two at a time: a round still running
 * when the next is due is not started again. The timer does not keep the process alive.
 */
function every(ms: number, now: boolean, work: () => Promise<void>): NodeJS.Timeout {
  let running = false;
  const round = async () => {
    if (running) return;
    running = true;
    try { await work(); } finally { running = false; }
  };
  if (now) void round();
  const timer = setInterval(() => void round(), ms);
  timer.unref();
  return timer;
}

/** Runs a task in this process; see TaskRunner. */
export async function runTask(plan: TaskPlan, adapter: SourceAdapter, options: RunOptions = {}): Promise<number> {
  return new TaskRunner(plan, adapter, options).run();
}

export type { LogLevel };

/** `a` is a later position than `b` (unlike kinds: not known to be, false). */
function isAfter(a: Position | undefined, b: Position): boolean {
  if (!a) return false;
  try { return comparePositions(a, b) > 0; } catch { return false; }
}

/**
 * The source's tables, looked at again (for up to ~5 s) while tables the task syncs are missing:
 * MariaDB leaves a table out of information_schema for a moment while an ALTER TABLE copies and
 * renames it, and a task resumed at that moment must not take it for gone. A table really dropped
 * while the task was stopped costs those seconds once: the replayed DROP then stops it.
 */
async function discoverKnown(adapter: SourceAdapter, known: string[], log: Log): Promise<Awaited<ReturnType<SourceAdapter['discover']>>> {
  let tables = await adapter.discover();
  for (let attempt = 1; attempt <= 4; attempt++) {
    const found = new Set(tables.map((t) => tableKey(t.id)));
    const missing = known.filter((k) => !found.has(k));
    if (missing.length === 0) break;
    log('info', `${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ` and ${missing.length - 3} more` : ''} not found at the source; `
      + `looking again in ${attempt * 0.5} s (a schema change may be running)`);
    await new Promise((r) => setTimeout(r, attempt * 500));
    tables = await adapter.discover();
  }
  return tables;
}
