// One Iceberg table on the local file system: its current metadata, and commits of new
// snapshots (added data/delete files, removed files) and of schema changes.
// Spec: "Snapshots", "Manifests", "Manifest Lists", "Sequence Numbers", "Commit Conflict
// Resolution and Retry" (a commit is the atomic appearance of a new metadata file).
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { decodeManifest, decodeManifestList, encodeManifest, encodeManifestList, type DataFile, type ManifestEntry, type ManifestFile } from './avro';
import { commitMetadata, latestVersion, metadataFile, readVersionHint, writeNew, writeVersionHint } from './files';
import {
  currentSchema, currentSnapshot, maxFieldId, newSnapshotId, newTableMetadata, parseMetadata,
  type Field, type Schema, type Snapshot, type TableMetadata,
} from './spec';

/** A file of the current snapshot with the data sequence number it applies at. */
export interface LiveFile { file: DataFile; sequence: number; fileSequence: number; snapshotId: number }

export interface CommitRequest {
  /** New data (content 0) and position delete (content 1) files. */
  add: DataFile[];
  /** Paths of current files to remove (compaction, truncate). */
  remove?: ReadonlySet<string>;
  /** "append" | "overwrite" | "delete" | "replace" (spec: snapshot summary "operation"). */
  operation: 'append' | 'overwrite' | 'delete' | 'replace';
  /** Extra summary properties (LakeSync's source position and chunk progress). */
  summary?: Record<string, string>;
  /**
   * A new current schema committed with the snapshot, in the same metadata file: a rewrite of
   * every row into a new shape (a column replaced, an added column filled) is one commit.
   */
  schema?: { fields: Field[]; identifierIds: number[] };
  /** Table properties set in the same commit. */
  properties?: Record<string, string>;
}

/**
 * Table properties under this prefix describe the table until its next snapshot, whose commit
 * drops them (LakeSync's position of a metadata-only schema change: see IcebergSink.applySchema).
 */
export const UNTIL_NEXT_SNAPSHOT = 'lakesync.until-next-snapshot.';

export class IcebergTable {
  /** Manifest entries read so far, by manifest path (manifests never change once written). */
  private readonly entries = new Map<string, ManifestEntry[]>();

  private constructor(readonly dir: string, public metadata: TableMetadata, public version: number, public manifests: ManifestFile[]) {}

  /** Opens the table at `dir`, or undefined when there is none. Repairs a stale version hint. */
  static async open(dir: string): Promise<IcebergTable | undefined> {
    dir = resolve(dir);
    const version = await latestVersion(dir);
    if (version === undefined) return undefined;
    const metadata = parseMetadata(await readFile(metadataFile(dir, version), 'utf8'));
    if ((await readVersionHint(dir)) !== version) await writeVersionHint(dir, version);
    const snap = currentSnapshot(metadata);
    const manifests = snap ? await decodeManifestList(await readFile(snap['manifest-list'])) : [];
    return new IcebergTable(dir, metadata, version, manifests);
  }

  /** Creates an empty table (version 1, no snapshot). */
  static async create(dir: string, fields: Field[], identifierIds: number[], properties: Record<string, string> = {}): Promise<IcebergTable> {
    dir = resolve(dir);
    await mkdir(join(dir, 'metadata'), { recursive: true });
    await mkdir(join(dir, 'data'), { recursive: true });
    const metadata = newTableMetadata(dir, randomUUID(), { fields, 'identifier-field-ids': identifierIds },
      { 'write.format.default': 'parquet', 'write.parquet.compression-codec': 'zstd', ...properties });
    await commitMetadata(dir, 1, JSON.stringify(metadata, null, 2));
    await writeVersionHint(dir, 1);
    return new IcebergTable(dir, metadata, 1, []);
  }

  get schema(): Schema { return currentSchema(this.metadata); }
  get snapshot(): Snapshot | undefined { return currentSnapshot(this.metadata); }

  /** A summary property of the current snapshot (e.g. LakeSync's source position). */
  summary(key: string): string | undefined { return this.snapshot?.summary[key]; }

  private async manifestEntries(m: ManifestFile): Promise<ManifestEntry[]> {
    let e = this.entries.get(m.manifest_path);
    if (!e) {
      e = await decodeManifest(await readFile(m.manifest_path));
      // An entry's null sequence numbers inherit the manifest's (spec: "Sequence Number Inheritance").
      for (const x of e) {
        if (x.status === 1) {
          x.sequence_number ??= m.sequence_number;
          x.file_sequence_number ??= m.sequence_number;
          x.snapshot_id ??= m.added_snapshot_id;
        }
      }
      this.entries.set(m.manifest_path, e);
    }
    return e;
  }

  /** The live data and delete files of the current snapshot. */
  async liveFiles(): Promise<LiveFile[]> {
    const out: LiveFile[] = [];
    for (const m of this.manifests) {
      for (const e of await this.manifestEntries(m)) {
        if (e.status === 2) continue;
        out.push({ file: e.data_file, sequence: e.sequence_number!, fileSequence: e.file_sequence_number!, snapshotId: e.snapshot_id! });
      }
    }
    return out;
  }

  private async writeManifest(entries: ManifestEntry[], content: 0 | 1, snapshotId: number, seq: number, schema: Schema = this.schema): Promise<ManifestFile> {
    const path = join(this.dir, 'metadata', `${randomUUID()}-m${content}.avro`);
    const bytes = await encodeManifest(entries, { schemaJson: JSON.stringify(schema), schemaId: schema['schema-id'], content });
    await writeNew(path, bytes);
    const count = (s: number) => entries.filter((e) => e.status === s);
    const rows = (es: ManifestEntry[]) => es.reduce((n, e) => n + e.data_file.record_count, 0);
    const seqs = entries.filter((e) => e.status !== 2).map((e) => e.sequence_number ?? seq);
    return {
      manifest_path: path,
      manifest_length: bytes.length,
      partition_spec_id: 0,
      content,
      sequence_number: seq,
      min_sequence_number: seqs.length ? Math.min(...seqs) : seq,
      added_snapshot_id: snapshotId,
      added_files_count: count(1).length,
      existing_files_count: count(0).length,
      deleted_files_count: count(2).length,
      added_rows_count: rows(count(1)),
      existing_rows_count: rows(count(0)),
      deleted_rows_count: rows(count(2)),
      partitions: null,
      key_metadata: null,
    };
  }

  /**
   * Commits one snapshot. Everything it references (data files, manifests, the manifest list) is
   * written first under new names; the snapshot becomes visible only when vN+1.metadata.json
   * appears (files.ts). A crash before that leaves orphans no reader sees; a crash after it
   * leaves a committed snapshot (the stale version hint is repaired by the next open).
   */
  async commit(req: CommitRequest): Promise<Snapshot> {
    const snapshotId = newSnapshotId();
    const seq = this.metadata['last-sequence-number'] + 1;
    const parent = this.snapshot;
    const remove = req.remove ?? new Set<string>();
    const base = req.schema ? withSchema(this.metadata, req.schema.fields, req.schema.identifierIds) : this.metadata;
    const schema = currentSchema(base);
    const manifests: ManifestFile[] = [];
    let removedData = 0; let removedDeletes = 0; let removedRecords = 0; let removedPosDeletes = 0; let removedSize = 0;

    // Manifests holding a removed file are rewritten, merged into one per content: kept files as
    // EXISTING (with their sequence numbers), removed ones as DELETED.
    const rewritten: Record<0 | 1, ManifestEntry[]> = { 0: [], 1: [] };
    for (const m of this.manifests) {
      const es = await this.manifestEntries(m);
      const live = es.filter((e) => e.status !== 2);
      if (!live.some((e) => remove.has(e.data_file.file_path))) { manifests.push(m); continue; }
      for (const e of live) {
        const gone = remove.has(e.data_file.file_path);
        if (gone) {
          removedSize += e.data_file.file_size_in_bytes;
          if (e.data_file.content === 0) { removedData++; removedRecords += e.data_file.record_count; } else { removedDeletes++; removedPosDeletes += e.data_file.record_count; }
        }
        rewritten[m.content].push({ ...e, status: gone ? 2 : 0, snapshot_id: gone ? snapshotId : e.snapshot_id });
      }
    }
    for (const content of [0, 1] as const) {
      if (rewritten[content].length) manifests.push(await this.writeManifest(rewritten[content], content, snapshotId, seq, schema));
    }
    const added = (content: 0 | 1) => req.add.filter((f) => f.content === content)
      .map((f): ManifestEntry => ({ status: 1, snapshot_id: snapshotId, sequence_number: seq, file_sequence_number: seq, data_file: f }));
    for (const content of [0, 1] as const) {
      const es = added(content);
      if (es.length) manifests.push(await this.writeManifest(es, content, snapshotId, seq, schema));
    }
    // Manifests whose every file is DELETED are not carried into the next snapshot's list.
    const next = manifests.filter((m) => m.added_files_count + m.existing_files_count > 0 || m.added_snapshot_id === snapshotId);

    const listPath = join(this.dir, 'metadata', `snap-${snapshotId}-1-${randomUUID()}.avro`);
    await writeNew(listPath, await encodeManifestList(next, { snapshotId, parentId: parent?.['snapshot-id'], sequenceNumber: seq }));

    const prev = parent?.summary ?? {};
    // LakeSync's own properties (source position, chunk progress) hold until a commit changes them
    const carried = Object.fromEntries(Object.entries(prev).filter(([k]) => k.startsWith('lakesync.')));
    const total = (k: string) => Number(prev[k] ?? 0);
    const addData = req.add.filter((f) => f.content === 0); const addDel = req.add.filter((f) => f.content === 1);
    const sum = (fs: DataFile[]) => fs.reduce((n, f) => n + f.record_count, 0);
    const size = (fs: DataFile[]) => fs.reduce((n, f) => n + f.file_size_in_bytes, 0);
    const summary: Record<string, string> = {
      operation: req.operation,
      'added-data-files': String(addData.length),
      'added-records': String(sum(addData)),
      'added-files-size': String(size(req.add)),
      'added-delete-files': String(addDel.length),
      'added-position-delete-files': String(addDel.length),
      'added-position-deletes': String(sum(addDel)),
      'deleted-data-files': String(removedData),
      'removed-delete-files': String(removedDeletes),
      'deleted-records': String(removedRecords),
      'removed-position-deletes': String(removedPosDeletes),
      'total-data-files': String(total('total-data-files') + addData.length - removedData),
      'total-delete-files': String(total('total-delete-files') + addDel.length - removedDeletes),
      'total-records': String(total('total-records') + sum(addData) - removedRecords),
      'total-position-deletes': String(total('total-position-deletes') + sum(addDel) - removedPosDeletes),
      'total-equality-deletes': '0',
      'total-files-size': String(total('total-files-size') + size(req.add) - removedSize),
      ...carried,
      ...req.summary,
    };
    const now = Date.now();
    const snapshot: Snapshot = {
      'snapshot-id': snapshotId,
      ...(parent ? { 'parent-snapshot-id': parent['snapshot-id'] } : {}),
      'sequence-number': seq,
      'timestamp-ms': now,
      'manifest-list': listPath,
      summary,
      'schema-id': schema['schema-id'],
    };
    const metadata: TableMetadata = {
      ...base,
      properties: { ...Object.fromEntries(Object.entries(base.properties).filter(([k]) => !k.startsWith(UNTIL_NEXT_SNAPSHOT))), ...req.properties },
      'last-sequence-number': seq,
      'last-updated-ms': now,
      'current-snapshot-id': snapshotId,
      snapshots: [...this.metadata.snapshots, snapshot],
      'snapshot-log': [...this.metadata['snapshot-log'], { 'snapshot-id': snapshotId, 'timestamp-ms': now }],
      refs: { ...this.metadata.refs, main: { 'snapshot-id': snapshotId, type: 'branch' } },
    };
    await this.publish(metadata, next);
    return snapshot;
  }

  /**
   * A metadata-only commit of a new schema (add, drop, rename, promote: field ids stay), with
   * table `properties` set in the same commit.
   */
  async setSchema(fields: Field[], identifierIds: number[], properties: Record<string, string> = {}): Promise<void> {
    const next = withSchema(this.metadata, fields, identifierIds);
    await this.publish({ ...next, properties: { ...next.properties, ...properties }, 'last-updated-ms': Date.now() });
  }

  /** A table property (e.g. where LakeSync's last schema change of a source table happened). */
  property(key: string): string | undefined { return this.metadata.properties[key]; }

  /** Drops snapshots (not the current one) from the metadata: a metadata-only commit. */
  async setSnapshots(keep: Snapshot[]): Promise<void> {
    const ids = new Set(keep.map((s) => s['snapshot-id']));
    await this.publish({
      ...this.metadata,
      'last-updated-ms': Date.now(),
      snapshots: keep,
      'snapshot-log': this.metadata['snapshot-log'].filter((l) => ids.has(l['snapshot-id'])),
    });
  }

  /**
   * The current schema, version and live files, taken from one committed state (a query
   * running beside a commit reads the old table or the new one, never a mix of the two).
   */
  async current(): Promise<{ version: number; fields: Field[]; data: string[]; deletes: string[] }> {
    const { version, manifests } = this;
    const fields = this.schema.fields;
    const data: string[] = []; const deletes: string[] = [];
    for (const m of manifests) {
      for (const e of await this.manifestEntries(m)) {
        if (e.status !== 2) (e.data_file.content === 0 ? data : deletes).push(e.data_file.file_path);
      }
    }
    return { version, fields, data, deletes };
  }

  /** Writes vN+1 (the commit point), then the version hint. `manifests`: the new snapshot's. */
  private async publish(metadata: TableMetadata, manifests?: ManifestFile[]): Promise<void> {
    const version = this.version + 1;
    const prevFile = metadataFile(this.dir, this.version);
    const log = [...metadata['metadata-log'], { 'metadata-file': prevFile, 'timestamp-ms': this.metadata['last-updated-ms'] }];
    // keep the log short: old metadata files are removed by maintenance
    metadata = { ...metadata, 'metadata-log': log.slice(-METADATA_LOG) };
    await commitMetadata(this.dir, version, JSON.stringify(metadata, null, 2));
    // metadata, manifests and version change together (no await in between: see current())
    this.metadata = metadata;
    if (manifests) this.manifests = manifests;
    this.version = version;
    await writeVersionHint(this.dir, version);
  }

  /** The size of a file written for this table (manifests' file_size_in_bytes). */
  static async size(path: string): Promise<number> { return (await stat(path)).size; }
}

/** `metadata` with `fields` as its current schema (an equal earlier schema is reused by its id). */
function withSchema(metadata: TableMetadata, fields: Field[], identifierIds: number[]): TableMetadata {
  const existing = metadata.schemas.find((s) => JSON.stringify(s.fields) === JSON.stringify(fields)
    && JSON.stringify(s['identifier-field-ids'] ?? []) === JSON.stringify(identifierIds));
  const schemaId = existing?.['schema-id'] ?? Math.max(...metadata.schemas.map((s) => s['schema-id'])) + 1;
  const schemas = existing ? metadata.schemas
    : [...metadata.schemas, { type: 'struct' as const, 'schema-id': schemaId, 'identifier-field-ids': identifierIds, fields }];
  return {
    ...metadata,
    'last-column-id': Math.max(metadata['last-column-id'], maxFieldId(fields)),
    schemas,
    'current-schema-id': schemaId,
  };
}

/** Previous metadata files listed in each new one (spec: "metadata-log"). */
const METADATA_LOG = 20;
