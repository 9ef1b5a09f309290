// Background table maintenance: compaction of small data files and of position delete files,
// snapshot expiry and orphan file removal. The heavy part of a compaction (reading the small
// files, writing one large one) runs outside the commit lock, so commits go on meanwhile; only
// the short validation + commit takes the lock (the spec's "Commit Conflict Resolution":
// a rewrite conflicts only with deletes of the rows it rewrote, then it is dropped and retried).
import { readFileSync } from 'node:fs';
import { readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { decodeManifest, decodeManifestList } from './avro';
import { currentRowsSql, quoteIdent, quoteLiteral, writeDataFile, writeDeleteFile, writeExpr } from './parquet';
import type { IcebergTableWriter } from './writer';

export interface MaintenanceSettings {
  /** Run maintenance at all. */
  enabled: boolean;
  /** Milliseconds between two maintenance rounds. */
  intervalMs: number;
  /** Data files smaller than this (bytes) are compacted together. */
  targetFileSizeBytes: number;
  /** Compact once a table has this many small data files or delete files. */
  minFiles: number;
  /** Snapshots younger than this stay readable (time travel); older ones expire. */
  keepSnapshotsMs: number;
  /**
   * At most this many snapshots stay (the newest): each one is a few hundred bytes of the table's
   * metadata, which every commit rewrites and every reader parses.
   */
  maxSnapshots?: number;
  /** Unreferenced files younger than this are left alone (a reader may have just listed them). */
  orphanMinAgeMs?: number;
}

export const DEFAULT_MAINTENANCE: MaintenanceSettings = {
  enabled: true, intervalMs: 60_000, targetFileSizeBytes: 128 << 20, minFiles: 16, keepSnapshotsMs: 60 * 60_000, maxSnapshots: 1000,
};

const ORPHAN_MIN_AGE_MS = 60_000;

export interface MaintenanceReport {
  at: string;
  table: string;
  compacted: number;
  deleteFilesRewritten: number;
  expired: number;
  orphansRemoved: number;
  /** Why the compaction was put off (a conflict with a commit; retried next round). */
  skipped?: string;
  /** Why the round failed for this table. */
  error?: string;
}

/** The reports kept in `file` (none when it is missing or unreadable). */
export function readReports(file: string): MaintenanceReport[] {
  try { return JSON.parse(readFileSync(file, 'utf8')) as MaintenanceReport[]; } catch { return []; }
}

/** A report as status shows it: when, and what it did or why it failed. */
export function maintenanceOutcome(r: MaintenanceReport): { at: string; outcome: 'ok' | 'skipped' | 'failed'; detail: string } {
  if (r.error) return { at: r.at, outcome: 'failed', detail: r.error };
  const done = `${r.compacted} data files and ${r.deleteFilesRewritten} delete files compacted, `
    + `${r.expired} snapshots expired, ${r.orphansRemoved} orphan files removed`;
  return r.skipped ? { at: r.at, outcome: 'skipped', detail: `${r.skipped}; ${done}` } : { at: r.at, outcome: 'ok', detail: done };
}

/** What the maintenance needs from the sink. */
export interface MaintainedSink {
  openWriters(): Map<string, IcebergTableWriter>;
  run<T>(fn: () => Promise<T>): Promise<T>;
  readonly conn: { raw: DuckDBConnection };
}

/** Optimistic compactions of one table lost in a row before the next one holds the commit lock. */
const LOCK_AFTER_LOST = 2;

export class Maintenance {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  readonly last = new Map<string, MaintenanceReport>();
  /** Compactions in a row each table lost to commits made meanwhile (see compact). */
  private readonly lost = new Map<string, number>();

  /** `file`: where the newest report per table is kept (JSON), so a stopped task's status shows it. */
  constructor(private readonly sink: MaintainedSink, readonly settings: MaintenanceSettings, private readonly file?: string) {
    if (file) for (const r of readReports(file)) this.last.set(r.table, r);
  }

  start(): void {
    if (!this.settings.enabled || this.timer) return;
    this.timer = setInterval(() => { void this.runOnce(); }, this.settings.intervalMs);
    this.timer.unref();
  }

  /** Stops the rounds; resolves once the round in flight (if any) has stopped between two tables. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  noteCommit(): void { /* rounds are timed; a commit needs no extra work here */ }

  /** One round over every open table; a round never overlaps the previous one. */
  async runOnce(): Promise<MaintenanceReport[]> {
    if (this.running) { await this.running; return []; }
    const reports: MaintenanceReport[] = [];
    this.running = (async () => {
      for (const [name, w] of this.sink.openWriters()) {
        if (this.stopped) return;
        try {
          const r = await this.table(name, w);
          this.last.set(name, r);
          reports.push(r);
        } catch (err) {
          const r = { at: new Date().toISOString(), table: name, compacted: 0, deleteFilesRewritten: 0, expired: 0, orphansRemoved: 0, error: (err as Error).message };
          this.last.set(name, r);
          reports.push(r);
        }
      }
    })();
    try { await this.running; } finally { this.running = undefined; }
    if (this.file && reports.length) {
      const tmp = `${this.file}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify([...this.last.values()], null, 1)).then(() => rename(tmp, this.file!)).catch(() => undefined);
    }
    return reports;
  }

  private async table(name: string, w: IcebergTableWriter): Promise<MaintenanceReport> {
    const report: MaintenanceReport = { at: new Date().toISOString(), table: name, compacted: 0, deleteFilesRewritten: 0, expired: 0, orphansRemoved: 0 };
    // a table updated faster than it is compacted would lose every optimistic round: after
    // LOCK_AFTER_LOST in a row, one compaction holds the commit lock (commits wait for that round)
    const locked = (this.lost.get(name) ?? 0) >= LOCK_AFTER_LOST;
    if (locked) await this.sink.run(() => this.compact(w, report, true));
    else await this.compact(w, report);
    this.lost.set(name, report.skipped ? (this.lost.get(name) ?? 0) + 1 : 0);
    await this.sink.run(() => this.expire(w, report));
    await this.sink.run(() => this.removeOrphans(w, report));
    return report;
  }

  /**
   * Rewrites the small data files (and the large ones with many deleted rows) into one file of
   * their live rows, and the position deletes that still apply to untouched files into one
   * delete file; the old files leave the table in one "replace" snapshot.
   */
  async compact(w: IcebergTableWriter, report: MaintenanceReport, holdsLock = false): Promise<void> {
    const conn = this.sink.conn.raw;
    const base = w.table.snapshot?.['snapshot-id'];
    const live = await w.table.liveFiles();
    const data = live.filter((f) => f.file.content === 0).map((f) => f.file);
    const deletes = live.filter((f) => f.file.content === 1).map((f) => f.file.file_path);
    const deleted = new Map<string, number>();
    if (deletes.length) {
      const r = await conn.runAndReadAll(`SELECT file_path, count(*) AS n FROM read_parquet([${deletes.map(quoteLiteral).join(', ')}]) GROUP BY file_path`);
      for (const row of r.getRowObjectsJS() as { file_path: string; n: bigint }[]) deleted.set(row.file_path, Number(row.n));
    }
    const rewrite = data.filter((f) => f.file_size_in_bytes < this.settings.targetFileSizeBytes * 0.75
      || (deleted.get(f.file_path) ?? 0) >= f.record_count * 0.3);
    if (rewrite.length < this.settings.minFiles && deletes.length < this.settings.minFiles) return;
    const rewritten = new Set(rewrite.map((f) => f.file_path));
    const fields = w.fields;
    const keys = w.index.keys.map((k) => quoteIdent(k.name)).join(', ');
    // outside the lock: the new files are orphans until the commit below
    const newData = rewrite.length ? await writeDataFile(conn, w.table.dir, fields,
      `SELECT ${fields.map((f) => `${writeExpr(f, quoteIdent(f.name))} AS ${quoteIdent(f.name)}`).join(', ')} `
      + `FROM (${currentRowsSql(fields, [...rewritten], deletes)}) ORDER BY ${keys}`) : undefined;
    const keepDeletes = deletes.length ? await writeDeleteFile(conn, w.table.dir,
      `SELECT file_path, pos FROM read_parquet([${deletes.map(quoteLiteral).join(', ')}]) WHERE file_path NOT IN (${[...rewritten, ''].map(quoteLiteral).join(', ')})`
      + ` AND file_path IN (${[...data.map((f) => f.file_path), ''].map(quoteLiteral).join(', ')})`) : undefined;
    const dropNew = async () => {
      for (const f of [newData, keepDeletes]) if (f) await unlink(f.file_path).catch(() => undefined);
    };
    const underLock = <T>(fn: () => Promise<T>) => (holdsLock ? fn() : this.sink.run(fn));
    await underLock(async () => {
      // validate against what was committed meanwhile
      const now = await w.table.liveFiles();
      const nowPaths = new Set(now.map((f) => f.file.file_path));
      if ([...rewritten, ...deletes].some((p) => !nowPaths.has(p))) {
        report.skipped = 'the table changed under the compaction (truncate or another rewrite); retried next round';
        await dropNew();
        return;
      }
      if (w.table.snapshot?.['snapshot-id'] !== base) {
        const added = now.filter((f) => f.file.content === 1 && !deletes.includes(f.file.file_path)).map((f) => f.file.file_path);
        if (added.length && rewritten.size) {
          const r = await conn.runAndReadAll(`SELECT count(*) AS n FROM read_parquet([${added.map(quoteLiteral).join(', ')}]) `
            + `WHERE file_path IN (${[...rewritten].map(quoteLiteral).join(', ')})`);
          if (Number((r.getRowObjectsJS()[0] as { n: bigint }).n) > 0) {
            report.skipped = 'rows being compacted were changed meanwhile; retried next round';
            await dropNew();
            return;
          }
        }
      }
      const snap = await w.table.commit({
        add: [newData, keepDeletes].filter((f) => f !== undefined),
        remove: new Set([...rewritten, ...deletes]),
        operation: 'replace',
      });
      const moved = newData && `SELECT ${keys}, filename AS _file, file_row_number AS _pos `
        + `FROM read_parquet(${quoteLiteral(newData.file_path)}, filename = true, file_row_number = true)`;
      await w.index.replaceFiles(moved ?? `SELECT ${keys}, NULL AS _file, NULL AS _pos WHERE false`, [...rewritten], snap['snapshot-id']);
      report.compacted = rewritten.size;
      report.deleteFilesRewritten = deletes.length;
    });
  }

  /** Drops snapshots older than the retention, or beyond the newest maxSnapshots, from the metadata (never the current one). */
  async expire(w: IcebergTableWriter, report: MaintenanceReport): Promise<void> {
    const m = w.table.metadata;
    const cutoff = Date.now() - this.settings.keepSnapshotsMs;
    const max = this.settings.maxSnapshots ?? Infinity;
    // snapshots are listed oldest first: the newest `max` are the last ones
    const keep = m.snapshots.filter((s, i) => s['snapshot-id'] === m['current-snapshot-id']
      || (s['timestamp-ms'] >= cutoff && i >= m.snapshots.length - max));
    if (keep.length === m.snapshots.length) return;
    report.expired = m.snapshots.length - keep.length;
    await w.table.setSnapshots(keep);
  }

  /**
   * Deletes files of the table's folder that no retained snapshot and no listed metadata file
   * references: files of expired snapshots, and files a crash left uncommitted.
   */
  async removeOrphans(w: IcebergTableWriter, report: MaintenanceReport): Promise<void> {
    const t = w.table;
    const used = new Set<string>([join(t.dir, 'metadata', `v${t.version}.metadata.json`), join(t.dir, 'metadata', 'version-hint.text')]);
    for (const l of t.metadata['metadata-log']) used.add(l['metadata-file']);
    for (const s of t.metadata.snapshots) {
      used.add(s['manifest-list']);
      for (const mf of await decodeManifestList(await readFile(s['manifest-list']))) {
        if (used.has(mf.manifest_path)) continue;
        used.add(mf.manifest_path);
        for (const e of await decodeManifest(await readFile(mf.manifest_path))) used.add(e.data_file.file_path);
      }
    }
    const old = Date.now() - (this.settings.orphanMinAgeMs ?? ORPHAN_MIN_AGE_MS);
    for (const sub of ['data', 'metadata']) {
      const folder = join(t.dir, sub);
      for (const name of await readdir(folder)) {
        const p = join(folder, name);
        if (used.has(p)) continue;
        const st = await stat(p).catch(() => undefined);
        if (!st?.isFile() || st.mtimeMs > old) continue;
        await unlink(p).catch(() => undefined);
        report.orphansRemoved++;
      }
    }
  }
}
