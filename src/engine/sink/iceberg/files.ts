// File-system commit primitives of a path-based ("Hadoop") Iceberg table:
// metadata/vN.metadata.json files and metadata/version-hint.text naming the newest N.
import { randomUUID } from 'node:crypto';
import { link, readdir, readFile, rename, unlink, writeFile, open } from 'node:fs/promises';
import { join } from 'node:path';

const VERSION_FILE = /^v(\d+)\.metadata\.json$/;

export function metadataFile(dir: string, version: number): string {
  return join(dir, 'metadata', `v${version}.metadata.json`);
}

/**
 * The table's newest committed version: the highest vN.metadata.json present. The version hint is
 * only a hint (a crash can fall between writing vN+1 and updating the hint, as in Iceberg Java's
 * HadoopTableOperations, which also looks past the hint), so the directory listing decides.
 */
export async function latestVersion(dir: string): Promise<number | undefined> {
  let names: string[];
  try { names = await readdir(join(dir, 'metadata')); } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let max: number | undefined;
  for (const n of names) {
    const m = VERSION_FILE.exec(n);
    if (m && (max === undefined || Number(m[1]) > max)) max = Number(m[1]);
  }
  return max;
}

/** Writes `data` to a private temp file in `folder`, flushed to disk; returns its path. */
async function writeTemp(folder: string, data: string | Buffer): Promise<string> {
  const tmp = join(folder, `.${randomUUID()}.tmp`);
  const fh = await open(tmp, 'wx');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  return tmp;
}

/**
 * The commit point: vN.metadata.json appears complete or not at all. The content goes to a temp
 * file, which is then hard-linked to its final name; link() fails when the name exists, so two
 * writers can never both commit version N (the later one gets an error and nothing is lost).
 */
export async function commitMetadata(dir: string, version: number, json: string): Promise<void> {
  const folder = join(dir, 'metadata');
  const tmp = await writeTemp(folder, json);
  try {
    await link(tmp, metadataFile(dir, version));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new Error(`${metadataFile(dir, version)} already exists: another writer committed to this Iceberg table. Only one LakeSync task may write a table.`, { cause: err });
    }
    throw err;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

/** Points version-hint.text at `version` (atomic rename; readers see the old or the new hint). */
export async function writeVersionHint(dir: string, version: number): Promise<void> {
  const folder = join(dir, 'metadata');
  const tmp = await writeTemp(folder, String(version));
  await rename(tmp, join(folder, 'version-hint.text'));
}

export async function readVersionHint(dir: string): Promise<number | undefined> {
  try {
    const n = Number((await readFile(join(dir, 'metadata', 'version-hint.text'), 'utf8')).trim());
    return Number.isInteger(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Writes a new file that must not exist yet (manifests, manifest lists: unique names). */
export async function writeNew(path: string, data: Buffer | string): Promise<void> {
  await writeFile(path, data, { flag: 'wx' });
}
