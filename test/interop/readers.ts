// The interop readers: pyiceberg and DuckDB's iceberg extension (test/interop/read_iceberg.py in
// the project's .venv) and Apache Iceberg's Java reader (test/interop/java). Each reads an Iceberg
// table and saves its rows as Parquet, which the tests load into DuckDB to compare.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { duckType } from '../../src/engine/sink/iceberg/parquet';
import type { Field } from '../../src/engine/sink/iceberg/spec';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../..');
const PYTHON = join(ROOT, '.venv', 'bin', 'python');
const SCRIPT = join(__dirname, 'read_iceberg.py');

const JAVA_DIR = join(__dirname, 'java', 'target');

export const READERS = ['pyiceberg', 'duckdb', 'java'] as const;
export type Reader = (typeof READERS)[number];

/** Fails (never skips) when the readers are not installed, with the command that installs them. */
export async function assertReadersInstalled(): Promise<void> {
  const fix = 'run `bash scripts/setup-interop.sh` (installs pyiceberg, pyarrow, duckdb 1.5.5 and its iceberg extension into .venv/)';
  if (!existsSync(PYTHON)) throw new Error(`the Iceberg interop readers are missing (no ${PYTHON}): ${fix}`);
  if (!existsSync(join(JAVA_DIR, 'classpath.txt'))) throw new Error(`the Iceberg Java reader is not built: ${fix.replace('into .venv/)', 'into .venv/, and builds test/interop/java with Maven)')}`);
  try {
    await run(PYTHON, ['-c', 'import pyiceberg, pyarrow, duckdb, duckdb_extension_iceberg, duckdb_extension_avro']);
  } catch (err) {
    throw new Error(`the Iceberg interop readers are incomplete (${(err as Error).message.split('\n').slice(-2).join(' ')}): ${fix}`, { cause: err });
  }
}

/** Reads the table at `tableDir` with `reader`; returns the path of a Parquet file of its rows. */
export async function readWith(reader: Reader, tableDir: string): Promise<{ file: string; rows: number }> {
  const out = join(mkdtempSync(join(tmpdir(), 'lakesync-interop-')), `${reader}.parquet`);
  try {
    const { stdout } = reader === 'java'
      ? await run('java', ['-cp', `${join(JAVA_DIR, 'iceberg-java-reader-1.jar')}:${readFileSync(join(JAVA_DIR, 'classpath.txt'), 'utf8').trim()}`,
        'lakesync.interop.ReadTable', tableDir, out], { maxBuffer: 16 << 20, timeout: 180_000 })
      : await run(PYTHON, [SCRIPT, reader, tableDir, out], { maxBuffer: 16 << 20, timeout: 120_000 });
    return { file: out, rows: JSON.parse(stdout.trim().split('\n').pop()!).rows as number };
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`${reader} could not read ${tableDir}: ${`${e.message}\n${e.stderr ?? ""}`.trim().split("\n").slice(-8).join("\n")}`, { cause: err });
  }
}

/**
 * SQL relation of a reader's output. Iceberg Java's Parquet writer makes names Avro-compatible
 * (`local ts` -> `local_x20ts`), so its file is read by field id under the table's names.
 */
export function outputRelation(reader: Reader, file: string, fields: Field[]): string {
  const f = `'${file.replace(/'/g, "''")}'`;
  if (reader === 'java' && !existsSync(file)) {
    // Iceberg's Parquet appender creates its file with the first row: no file = no rows
    return `(SELECT ${fields.map((x) => `CAST(NULL AS ${duckType(x.type)}) AS "${x.name.replace(/"/g, '""')}"`).join(', ')} WHERE false)`;
  }
  if (reader !== 'java') return `read_parquet(${f})`;
  const map = fields.map((x) => `${x.id}: {name: '${x.name.replace(/'/g, "''")}', type: '${duckType(x.type)}', default_value: NULL}`).join(', ');
  return `read_parquet(${f}, schema = map {${map}})`;
}
