// Verifies one chunk of one table: the source checksum at position P (a consistent read whose
// position is known), the target checksum while the running engine holds its stream at P, and,
// when they differ, bisection by hash buckets down to the rows that differ. See docs/verify.md.
import { formatPosition } from '../positions';
import type { QueryResult } from '../../protocol/ipc';
import type { VerifyDifference, VerifyValueDiff } from '../../protocol/verify';
import { bucketSql, checksumSql, FANOUT, rowsSql, type Dialect, type Parent } from './rowsql';
import { duckdbDialect, type TargetTable } from './target';
import type { VerifyReader } from './types';
import { displayValue } from './display';
import type { SourceTable } from '../source/types';

/** The running engine, seen through its control socket. */
export interface EngineLink {
  /** Arms a hold at a formatted position; 'passed' when the engine already applied later changes. */
  hold(until: string, ttlMs: number): Promise<number | 'passed'>;
  /** A read of the target through the sink's query method, valid only while the hold lasts. */
  query(sql: string, hold: number, limit: number): Promise<QueryResult>;
  release(hold: number): Promise<boolean>;
}

export interface VerifiedTable {
  source: SourceTable;
  target: TargetTable;
  /** Canonical source expressions in mapping column order (undefined: not compared). */
  sourceColumns: (string | undefined)[];
  /** Mapping column names and target types, for the report. */
  names: string[];
  types: string[];
  /** Mapping column indices of the key (empty: compared as a multiset). */
  key: number[];
}

export type ValueDiff = VerifyValueDiff;
export type Difference = VerifyDifference;

export interface ChunkResult { rows: number; targetRows: number; position: string; differences: Difference[]; attempts: number }

const LEAF_ROWS = 256;
const MAX_LEVEL = 5;

function sumOf(rows: Record<string, unknown>[]): { n: number; s: string } {
  const r = rows[0] ?? {};
  return { n: Number(r.n ?? 0), s: String(r.s ?? '0') };
}

function tgtRows(r: QueryResult): Record<string, unknown>[] {
  return r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c, row[i]])));
}

export class ChunkVerifier {
  constructor(private readonly reader: VerifyReader, private readonly engine: EngineLink,
    private readonly t: VerifiedTable, private readonly ttlMs = 60_000) {}

  private get d(): Dialect { return this.reader.dialect(); }

  /**
   * Verifies the rows matching `srcWhere` / `tgtWhere` (the same rows in each side's SQL). Tries
   * again whenever the engine cannot be held at the source read's position (it was already past
   * it, or the hold ended): those are never reported as differences.
   */
  async verify(srcWhere: string[], tgtWhere: string[], maxAttempts = 30): Promise<ChunkResult> {
    let lastError = '';
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const p = await this.reader.begin(this.t.source);
      const position = formatPosition(p);
      try {
        const hold = await this.engine.hold(position, this.ttlMs);
        if (hold === 'passed') { lastError = `the task was past ${position}`; continue; }
        try {
          const r = await this.pair(srcWhere, tgtWhere, hold);
          return { ...r, position, attempts: attempt };
        } catch (err) {
          if (!/hold \d+ (is not active|ended)|did not reach/.test((err as Error).message)) throw err;
          lastError = (err as Error).message;
        } finally {
          await this.engine.release(hold).catch(() => undefined);
        }
      } finally {
        await this.reader.end();
      }
      await new Promise((r) => setTimeout(r, Math.min(2000, 50 * attempt)));
    }
    throw new Error(`could not hold the task at a source position in ${maxAttempts} attempts (${lastError})`);
  }

  private async pair(srcWhere: string[], tgtWhere: string[], hold: number): Promise<Omit<ChunkResult, 'position' | 'attempts'>> {
    const { t } = this;
    const from = this.reader.from(t.source);
    const tw = [...t.target.filter, ...tgtWhere];
    const src = sumOf(await this.reader.query(checksumSql(this.d, from, t.sourceColumns, srcWhere)));
    const tgt = sumOf(tgtRows(await this.engine.query(checksumSql(duckdbDialect, t.target.from, t.target.columns, tw), hold, 1)));
    if (src.n === tgt.n && src.s === tgt.s) return { rows: src.n, targetRows: tgt.n, differences: [] };
    // bisect: hash buckets, each level splitting the differing buckets of the one before
    let parent: Parent | undefined;
    for (let level = 1; level <= MAX_LEVEL; level++) {
      const m = FANOUT ** level;
      const sb = await this.reader.query(bucketSql(this.d, from, t.sourceColumns, srcWhere, m, parent));
      const tb = tgtRows(await this.engine.query(bucketSql(duckdbDialect, t.target.from, t.target.columns, tw, m, parent), hold, m + 1));
      const key = (r: Record<string, unknown>) => `${Number(r.n)}/${String(r.s)}`;
      const sm = new Map(sb.map((r) => [Number(r.b), key(r)]));
      const tm = new Map(tb.map((r) => [Number(r.b), key(r)]));
      const differing = [...new Set([...sm.keys(), ...tm.keys()])].filter((b) => sm.get(b) !== tm.get(b)).sort((a, b) => a - b);
      parent = { m, buckets: differing };
      const largest = Math.max(0, ...[...sb, ...tb].filter((r) => differing.includes(Number(r.b))).map((r) => Number(r.n)));
      if (differing.length === 0 || largest * differing.length <= LEAF_ROWS * 4 || largest <= LEAF_ROWS) break;
    }
    if (parent && parent.buckets.length === 0) {
      // the totals differed but no bucket does: only possible if a side changed between queries
      throw new Error(`hold ${hold} ended (the bucket sums do not add up to the chunk's)`);
    }
    const sr = await this.reader.query(rowsSql(this.d, from, t.sourceColumns, srcWhere, parent));
    const tr = tgtRows(await this.engine.query(rowsSql(duckdbDialect, t.target.from, t.target.columns, tw, parent), hold, 10_000));
    return { rows: src.n, targetRows: tgt.n, differences: this.diffRows(sr, tr) };
  }

  private diffRows(sr: Record<string, unknown>[], tr: Record<string, unknown>[]): Difference[] {
    const { t } = this;
    const vals = (r: Record<string, unknown>) => t.names.map((_, i) => (r[`c${i}`] === null || r[`c${i}`] === undefined ? null : String(r[`c${i}`])));
    // reports show dates and times readably; keyValues stay canonical (repair filters on them)
    const show = (v: (string | null)[], i: number) => displayValue(v[i], t.types[i]);
    const all = (v: (string | null)[], side: 'source' | 'target'): ValueDiff[] => t.names.flatMap((name, i) =>
      (t.sourceColumns[i] === undefined ? [] : [{ column: name, source: side === 'source' ? show(v, i) : null, target: side === 'target' ? show(v, i) : null }]));
    const out: Difference[] = [];
    if (t.key.length) {
      const keyOf = (v: (string | null)[]) => JSON.stringify(t.key.map((i) => v[i]));
      const keyRec = (v: (string | null)[]) => Object.fromEntries(t.key.map((i) => [t.names[i], show(v, i)]));
      const s = new Map<string, { v: (string | null)[]; h: string }>();
      for (const r of sr) { const v = vals(r); s.set(keyOf(v), { v, h: String(r.h) }); }
      const seen = new Set<string>();
      for (const r of tr) {
        const v = vals(r); const k = keyOf(v);
        const a = s.get(k);
        if (!a || seen.has(k)) { out.push({ kind: 'extra', key: keyRec(v), keyValues: t.key.map((i) => v[i]), values: all(v, 'target') }); continue; }
        seen.add(k);
        if (a.h === String(r.h)) continue;
        const values = t.names.flatMap((name, i) => (t.sourceColumns[i] !== undefined && a.v[i] !== v[i] ? [{ column: name, source: show(a.v, i), target: show(v, i) }] : []));
        out.push({ kind: 'different', key: keyRec(v), keyValues: t.key.map((i) => v[i]), values });
      }
      for (const [k, a] of s) if (!seen.has(k)) out.push({ kind: 'missing', key: keyRec(a.v), keyValues: t.key.map((i) => a.v[i]), values: all(a.v, 'source') });
    } else {
      // multisets: rows are equal when their hashes are; compare the number of copies
      const count = (rows: Record<string, unknown>[]) => {
        const m = new Map<string, { n: number; v: (string | null)[] }>();
        for (const r of rows) { const h = String(r.h); const e = m.get(h); if (e) e.n++; else m.set(h, { n: 1, v: vals(r) }); }
        return m;
      };
      const s = count(sr); const g = count(tr);
      for (const h of new Set([...s.keys(), ...g.keys()])) {
        const a = s.get(h)?.n ?? 0; const b = g.get(h)?.n ?? 0;
        if (a > b) out.push({ kind: 'missing', key: null, values: all(s.get(h)!.v, 'source'), count: a - b });
        if (b > a) out.push({ kind: 'extra', key: null, values: all(g.get(h)!.v, 'target'), count: b - a });
      }
    }
    return out;
  }
}
