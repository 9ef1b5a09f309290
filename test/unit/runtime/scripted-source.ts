// TEST DOUBLE, for runner unit tests only: an in-process SourceAdapter that replays a scripted
// list of transactions over an in-memory table model. It is not a database and proves nothing
// about PostgreSQL or MySQL; the real-server tests of each source live in test/integration/.
import type { TaskPlan } from '../../../src/engine/config/plan';
import type { Change, Row, RowChange, Transaction } from '../../../src/engine/pipeline/events';
import { lsn, type Position } from '../../../src/engine/positions';
import type { Chunk, SnapshotSession, SourceAdapter, StreamHandle } from '../../../src/engine/source/adapter';
import type { SourceTable, TableId } from '../../../src/engine/source/types';

export const ITEMS: SourceTable = {
  id: { db: 'app', table: 'items' },
  columns: [
    { name: 'id', ordinal: 1, dataType: 'int4', fullType: 'integer', nullable: false },
    { name: 'v', ordinal: 2, dataType: 'text', fullType: 'text', nullable: true },
    { name: 'doc', ordinal: 3, dataType: 'text', fullType: 'text', nullable: true },
  ],
  primaryKey: ['id'],
};
export const TAGS: SourceTable = {
  id: { db: 'app', table: 'tags' },
  columns: [
    { name: 'id', ordinal: 1, dataType: 'int4', fullType: 'integer', nullable: false },
    { name: 'name', ordinal: 2, dataType: 'text', fullType: 'text', nullable: true },
  ],
  primaryKey: ['id'],
};

/** A small deterministic PRNG so a child process and the test build the same workload. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 2 ** 32; };
}

export type Model = Map<string, Map<number, Row>>;

/** Builds `count` random transactions (inserts, updates with unchanged TOAST, deletes, key changes) against `model`. */
export function workload(seed: number, count: number, model: Model): RowChange[][] {
  const rnd = prng(seed);
  const txs: RowChange[][] = [];
  for (let t = 0; t < count; t++) {
    const changes: RowChange[] = [];
    const n = 1 + Math.floor(rnd() * 4);
    for (let i = 0; i < n; i++) {
      const table = rnd() < 0.8 ? ITEMS : TAGS;
      const rows = model.get(`${table.id.db}.${table.id.table}`)!;
      const id = 1 + Math.floor(rnd() * 300);
      const cur = rows.get(id);
      const r = rnd();
      if (!cur) {
        const row: Row = table === ITEMS ? [String(id), `v${t}`, `doc-${t}-${id}`] : [String(id), `tag${t}`];
        rows.set(id, row);
        changes.push({ kind: 'insert', table: table.id, after: row });
      } else if (r < 0.55) {
        const toast = table === ITEMS && rnd() < 0.5;
        const full: Row = table === ITEMS ? [String(id), `u${t}`, toast ? cur[2] : `doc-${t}`] : [String(id), `tag-u${t}`];
        rows.set(id, full);
        const after = toast ? [full[0], full[1], undefined] : full;
        changes.push({ kind: 'update', table: table.id, before: [String(id), ...cur.slice(1).map(() => null)], after });
      } else if (r < 0.85) {
        rows.delete(id);
        changes.push({ kind: 'delete', table: table.id, before: [String(id), ...cur.slice(1).map(() => null)] });
      } else {
        const id2 = 1000 + t * 10 + i;
        rows.delete(id);
        const moved: Row = [String(id2), ...cur.slice(1)];
        rows.set(id2, moved);
        changes.push({ kind: 'update', table: table.id, before: [String(id), ...cur.slice(1).map(() => null)], after: moved });
      }
    }
    txs.push(changes);
  }
  return txs;
}

export function emptyModel(): Model {
  return new Map([['app.items', new Map()], ['app.tags', new Map()]]);
}

export interface ScriptedOptions {
  /** Delay before each chunk read, ms (to give a test time to stop or kill). */
  chunkDelayMs?: number;
  /** Delay between streamed transactions, ms. */
  txDelayMs?: number;
}

export class ScriptedSource implements SourceAdapter {
  /** Committed transactions; transaction i ends at position lsn(i + 1). */
  readonly log: Transaction[] = [];
  readonly model: Model;
  /** The source's current tables (tests change shapes through it). */
  readonly tables: Map<string, SourceTable>;
  readonly confirmed: Position[] = [];
  readonly chunkReads: string[] = [];
  snapshotsOpened = 0;
  private waiters: (() => void)[] = [];

  constructor(readonly plan: TaskPlan, private readonly opts: ScriptedOptions = {}, tables: SourceTable[] = [ITEMS, TAGS]) {
    this.tables = new Map(tables.map((t) => [`${t.id.db}.${t.id.table}`, t]));
    this.model = new Map(tables.map((t) => [`${t.id.db}.${t.id.table}`, new Map()]));
  }

  /** Commits changes at the source: the model moves on and the log grows (in `parts` partial pieces). */
  commit(changes: Change[], parts = 1): void {
    for (const c of changes) {
      if (c.kind === 'schema' || c.kind === 'truncate') {
        if (c.kind === 'truncate') this.model.get(`${c.table.db}.${c.table.table}`)!.clear();
        continue;
      }
      const rows = this.model.get(`${c.table.db}.${c.table.table}`)!;
      const old = c.before ? rows.get(Number(c.before[0])) : undefined;
      if (c.before) rows.delete(Number(c.before[0]));
      if (c.kind !== 'delete') {
        // undefined (unchanged TOAST) keeps the value the row had
        rows.set(Number(c.after![0]), c.after!.map((v, i) => (v === undefined ? old?.[i] ?? null : v)));
      }
    }
    const per = Math.max(1, Math.ceil(changes.length / parts));
    const commitTime = Date.now();
    for (let p = 0; p < parts; p++) {
      this.log.push({ changes: changes.slice(p * per, (p + 1) * per), position: lsn(BigInt(this.log.length + 1)), commitTime, partial: p < parts - 1 });
    }
    for (const w of this.waiters.splice(0)) w();
  }

  commitAll(txs: Change[][], parts = 1): void { for (const tx of txs) this.commit(tx, parts); }

  async discover(): Promise<SourceTable[]> { return [...this.tables.values()]; }
  async describe(table: TableId): Promise<SourceTable | undefined> { return this.tables.get(`${table.db}.${table.table}`); }
  async currentPosition(): Promise<Position> { return lsn(BigInt(this.log.length)); }
  async resolveStart(requested: Position): Promise<Position> { return requested; }
  async confirm(position: Position): Promise<void> { this.confirmed.push(position); }
  async close(): Promise<void> { /* nothing to release */ }

  async openSnapshot(): Promise<SnapshotSession> {
    this.snapshotsOpened++;
    const streamStart = lsn(BigInt(this.log.length));
    const chunkDelayMs = this.opts.chunkDelayMs;
    const chunkReads = this.chunkReads;
    const model = this.model;
    return {
      streamStart,
      async planChunks(table: SourceTable, chunkSize: number): Promise<Chunk[]> {
        const chunks: Chunk[] = [];
        // fixed key ranges: ids are below 10000
        const step = Math.max(1, chunkSize);
        for (let from = 0, i = 0; from < 10000; from += step, i++) {
          chunks.push({ table: table.id, index: i, from: i === 0 ? null : [String(from)], to: from + step >= 10000 ? null : [String(from + step)] });
        }
        return chunks;
      },
      async readChunk(table: SourceTable, chunk: Chunk, onRows: (rows: Row[]) => Promise<void> | void): Promise<number> {
        if (chunkDelayMs) await new Promise((r) => setTimeout(r, chunkDelayMs));
        chunkReads.push(`${table.id.table}#${chunk.index}`);
        const lo = chunk.from ? Number(chunk.from[0]) : -Infinity;
        const hi = chunk.to ? Number(chunk.to[0]) : Infinity;
        // backfill filters: only `id < N`, `id >= N` and `id BETWEEN A AND B` in this double
        const where = chunk.where ? /^id\s*(<|>=|BETWEEN)\s*(\d+)(?:\s+AND\s+(\d+))?$/i.exec(chunk.where.trim()) : null;
        if (chunk.where && !where) throw new Error(`the test double cannot read the filter ${chunk.where}`);
        const keep = (k: number) => !where || (where[1] === '<' ? k < Number(where[2]) : where[1] === '>=' ? k >= Number(where[2])
          : k >= Number(where[2]) && k <= Number(where[3]));
        const rows = [...model.get(`${table.id.db}.${table.id.table}`)!.entries()]
          .filter(([k]) => k >= lo && k < hi && keep(k)).sort((a, b) => a[0] - b[0]).map(([, r]) => r.slice());
        for (let i = 0; i < rows.length; i += 7) await onRows(rows.slice(i, i + 7));
        return rows.length;
      },
      async close() { /* nothing */ },
    };
  }

  async stream(from: Position, _tables: SourceTable[], onTx: (tx: Transaction) => Promise<void> | void): Promise<StreamHandle> {
    let stopped = false;
    let next = from.kind === 'lsn' ? Number(from.lsn) : 0;
    let wake: (() => void) | undefined;
    const done = (async () => {
      while (!stopped) {
        if (next < this.log.length) {
          if (this.opts.txDelayMs) await new Promise((r) => setTimeout(r, this.opts.txDelayMs));
          if (stopped) break;
          await onTx(this.log[next++]);
          continue;
        }
        await new Promise<void>((r) => { wake = r; this.waiters.push(r); });
      }
    })();
    return {
      done,
      stop: async () => { stopped = true; wake?.(); await done; },
    };
  }
}

/** Rows of the model as sorted arrays, for comparing with the target. */
export function modelRows(model: Model, table: string): (string | null)[][] {
  return [...model.get(table)!.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r.map((v) => v ?? null));
}
