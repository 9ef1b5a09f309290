// The snapshot's bulk path: a chunk goes source -> CSV file -> the sink's own reader, so no value
// passes through JavaScript one by one (the row path parses, converts and stages every value:
// about three quarters of a snapshot's engine CPU). Used when both the source and the sink can;
// a table the source cannot carry this way, or a chunk the sink could not read (a value its CSV
// reader refuses), takes the row path, and the table stays on it for the rest of its chunks.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Chunk, SnapshotSession } from '../source/adapter';
import type { SnapshotChunkWriter } from '../sink/sink';
import type { Route } from '../pipeline/route';

/** LAKESYNC_SNAPSHOT_ROWS=1 turns the bulk path off (to compare the two paths, or to work around a reader). */
const disabled = () => process.env.LAKESYNC_SNAPSHOT_ROWS === '1';

/**
 * Below this size on disk a one-chunk table is copied row by row. A mirror of 300 tables of 100
 * rows (PostgreSQL) caught up in 12.5 s by rows and 17.8 s by files (about 15 ms more a table).
 */
export const SMALL_TABLE_BYTES = 1 << 20;

export class ChunkFiles {
  private dir?: string;
  private next = 0;
  /** Tables (route keys) that read by rows from now on, with the reason. */
  private readonly byRows = new Map<string, string>();

  /** `onRowPath`: told once per table that it reads by rows from now on, and why. */
  constructor(private readonly onRowPath: (key: string, why: string) => void) {}

  /**
   * Whether this chunk can try the bulk path. A table under SMALL_TABLE_BYTES read as one chunk
   * takes the row path: the bulk path's fixed cost per chunk (a file, a COPY, a read_csv) is more
   * than its gain there, and a database mirror is mostly such tables.
   */
  usable(session: SnapshotSession, writer: SnapshotChunkWriter, route: Route, chunk: Chunk): boolean {
    if (disabled() || session.copyChunk === undefined || writer.stageFile === undefined || this.byRows.has(route.key)) return false;
    const bytes = route.source.estimatedBytes;
    return !(chunk.from === null && chunk.to === null && bytes !== undefined && bytes < SMALL_TABLE_BYTES);
  }

  /**
   * Whether chunks of this table can be copied into files and committed together straight from
   * them (SnapshotChunkWriter.commitFiles): the bulk path, a table with no rows before (append),
   * a sink that can. LAKESYNC_SNAPSHOT_GROUP=0 commits every chunk alone through its stage.
   */
  groupable(session: SnapshotSession, writer: SnapshotChunkWriter, route: Route | undefined, chunk: Chunk, append: boolean): route is Route {
    return route !== undefined && append && writer.commitFiles !== undefined && process.env.LAKESYNC_SNAPSHOT_GROUP !== '0'
      && this.usable(session, writer, route, chunk);
  }

  /**
   * Copies the chunk into `file` (from file()) and nothing else. Resolves to the rows written, or
   * to undefined (the file removed; the table reads by rows from now on) when the source cannot
   * copy it in bulk. The caller removes the file (remove) once it is committed or given up.
   */
  async copyOnly(session: SnapshotSession, route: Route, chunk: Chunk, file: string): Promise<number | undefined> {
    try {
      const copied = await session.copyChunk!(route.source, chunk, file);
      if (copied === undefined) {
        await unlink(file).catch(() => undefined);
        this.rowPath(route.key, 'the source cannot copy it in bulk: a column type needs conversion in JavaScript, or a value is not UTF-8');
      }
      return copied;
    } catch (err) {
      await unlink(file).catch(() => undefined);
      throw err;
    }
  }

  /** Removes chunk files (committed, or given up). */
  remove(files: readonly string[]): void {
    for (const f of files) rmSync(f, { force: true });
  }

  /**
   * Copies the chunk into a fresh file and stages it. Resolves to the rows staged, or to
   * undefined when the chunk must be read by rows (the reason is kept in byRows). `check` runs
   * between the copy and the staging (stop and cancel checks: they throw).
   */
  async copy(session: SnapshotSession, writer: SnapshotChunkWriter, route: Route, chunk: Chunk, snapshotMs: number, check: () => void): Promise<number | undefined> {
    const file = this.file();
    try {
      const copied = await session.copyChunk!(route.source, chunk, file);
      if (copied === undefined) {
        this.rowPath(route.key, 'the source cannot copy it in bulk: a column type needs conversion in JavaScript, or a value is not UTF-8');
        return undefined;
      }
      check();
      try {
        const staged = await writer.stageFile!(route, file, snapshotMs);
        // a CSV read differently from how it was written would show here first
        if (staged !== copied) throw new Error(`${copied} rows copied but ${staged} staged`);
        return staged;
      } catch (err) {
        // the file holds what the source gave: a value the sink's CSV reader refuses is for the
        // row path to convert (or to report, as it reports any bad value)
        this.rowPath(route.key, `the bulk copy could not be read: ${(err as Error).message}`);
        await writer.abandon().catch(() => undefined);
        return undefined;
      }
    } finally {
      await unlink(file).catch(() => undefined);
    }
  }

  private rowPath(key: string, why: string): void {
    if (this.byRows.has(key)) return;
    this.byRows.set(key, why);
    this.onRowPath(key, why);
  }

  /** Removes the folder of chunk files (end of a snapshot round). */
  close(): void {
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }

  /** A fresh file name in this round's folder. */
  file(): string {
    if (!this.dir) {
      removeOrphans();
      this.dir = mkdtempSync(join(tmpdir(), `${PREFIX}${process.pid}-`));
    }
    return join(this.dir, `chunk-${this.next++}.csv`);
  }
}

const PREFIX = 'lakesync-chunks-';

/** Chunk folders of engines that are gone (kill -9, power loss): their files are of no use to anyone. */
function removeOrphans(): void {
  let names: string[];
  try { names = readdirSync(tmpdir()); } catch { return; }
  for (const name of names) {
    const pid = Number(/^lakesync-chunks-(\d+)-/.exec(name)?.[1]);
    if (!pid || pid === process.pid || alive(pid)) continue;
    rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM'; }
}
