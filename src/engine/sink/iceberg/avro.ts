// Manifests and manifest lists: Avro files whose schemas carry Iceberg field ids.
// Spec: "Manifests" (manifest_entry, data_file; field ids 0-145) and "Manifest Lists"
// (manifest_file; field ids 500-519), format version 2. Maps with non-string keys are Avro
// arrays of key/value records with logicalType "map" ("Avro" appendix: "Maps with non-string keys").
import avro from 'avsc';
import { Readable } from 'node:stream';

type AvroSchema = Record<string, unknown>;

const opt = (type: unknown) => ['null', type];

/** map<int, V> as the spec encodes it: array of records {key, value} with field ids. */
function intMap(keyId: number, valueId: number, value: string): unknown {
  return {
    type: 'array', logicalType: 'map',
    items: {
      type: 'record', name: `k${keyId}_v${valueId}`,
      fields: [{ name: 'key', type: 'int', 'field-id': keyId }, { name: 'value', type: value, 'field-id': valueId }],
    },
  };
}

const DATA_FILE: AvroSchema = {
  type: 'record', name: 'r2',
  fields: [
    // 0 data, 1 position deletes, 2 equality deletes
    { name: 'content', type: 'int', 'field-id': 134 },
    { name: 'file_path', type: 'string', 'field-id': 100 },
    { name: 'file_format', type: 'string', 'field-id': 101 },
    // unpartitioned: the partition tuple is an empty struct
    { name: 'partition', type: { type: 'record', name: 'r102', fields: [] }, 'field-id': 102 },
    { name: 'record_count', type: 'long', 'field-id': 103 },
    { name: 'file_size_in_bytes', type: 'long', 'field-id': 104 },
    { name: 'column_sizes', type: opt(intMap(117, 118, 'long')), default: null, 'field-id': 108 },
    { name: 'value_counts', type: opt(intMap(119, 120, 'long')), default: null, 'field-id': 109 },
    { name: 'null_value_counts', type: opt(intMap(121, 122, 'long')), default: null, 'field-id': 110 },
    { name: 'nan_value_counts', type: opt(intMap(138, 139, 'long')), default: null, 'field-id': 137 },
    { name: 'lower_bounds', type: opt(intMap(126, 127, 'bytes')), default: null, 'field-id': 125 },
    { name: 'upper_bounds', type: opt(intMap(129, 130, 'bytes')), default: null, 'field-id': 128 },
    { name: 'key_metadata', type: opt('bytes'), default: null, 'field-id': 131 },
    { name: 'split_offsets', type: opt({ type: 'array', items: 'long', 'element-id': 133 }), default: null, 'field-id': 132 },
    { name: 'equality_ids', type: opt({ type: 'array', items: 'int', 'element-id': 136 }), default: null, 'field-id': 135 },
    { name: 'sort_order_id', type: opt('int'), default: null, 'field-id': 140 },
    // v2 optional: the one data file all of a position delete file's rows point to
    { name: 'referenced_data_file', type: opt('string'), default: null, 'field-id': 143 },
  ],
};

export const MANIFEST_ENTRY_SCHEMA: AvroSchema = {
  type: 'record', name: 'manifest_entry',
  fields: [
    // 0 EXISTING, 1 ADDED, 2 DELETED
    { name: 'status', type: 'int', 'field-id': 0 },
    { name: 'snapshot_id', type: opt('long'), default: null, 'field-id': 1 },
    { name: 'sequence_number', type: opt('long'), default: null, 'field-id': 3 },
    { name: 'file_sequence_number', type: opt('long'), default: null, 'field-id': 4 },
    { name: 'data_file', type: DATA_FILE, 'field-id': 2 },
  ],
};

export const MANIFEST_FILE_SCHEMA: AvroSchema = {
  type: 'record', name: 'manifest_file',
  fields: [
    { name: 'manifest_path', type: 'string', 'field-id': 500 },
    { name: 'manifest_length', type: 'long', 'field-id': 501 },
    { name: 'partition_spec_id', type: 'int', 'field-id': 502 },
    // 0 data, 1 deletes
    { name: 'content', type: 'int', 'field-id': 517 },
    { name: 'sequence_number', type: 'long', 'field-id': 515 },
    { name: 'min_sequence_number', type: 'long', 'field-id': 516 },
    { name: 'added_snapshot_id', type: 'long', 'field-id': 503 },
    { name: 'added_files_count', type: 'int', 'field-id': 504 },
    { name: 'existing_files_count', type: 'int', 'field-id': 505 },
    { name: 'deleted_files_count', type: 'int', 'field-id': 506 },
    { name: 'added_rows_count', type: 'long', 'field-id': 512 },
    { name: 'existing_rows_count', type: 'long', 'field-id': 513 },
    { name: 'deleted_rows_count', type: 'long', 'field-id': 514 },
    {
      name: 'partitions', default: null, 'field-id': 507,
      type: opt({
        type: 'array', 'element-id': 508,
        items: {
          type: 'record', name: 'r508',
          fields: [
            { name: 'contains_null', type: 'boolean', 'field-id': 509 },
            { name: 'contains_nan', type: opt('boolean'), default: null, 'field-id': 518 },
            { name: 'lower_bound', type: opt('bytes'), default: null, 'field-id': 510 },
            { name: 'upper_bound', type: opt('bytes'), default: null, 'field-id': 511 },
          ],
        },
      }),
    },
    { name: 'key_metadata', type: opt('bytes'), default: null, 'field-id': 519 },
  ],
};

export interface KV<V> { key: number; value: V }

export interface DataFile {
  content: 0 | 1;
  file_path: string;
  file_format: 'PARQUET';
  partition: Record<string, never>;
  record_count: number;
  file_size_in_bytes: number;
  column_sizes: KV<number>[] | null;
  value_counts: KV<number>[] | null;
  null_value_counts: KV<number>[] | null;
  nan_value_counts: KV<number>[] | null;
  lower_bounds: KV<Buffer>[] | null;
  upper_bounds: KV<Buffer>[] | null;
  key_metadata: null;
  split_offsets: null;
  equality_ids: null;
  sort_order_id: number | null;
  referenced_data_file: string | null;
}

export interface ManifestEntry {
  status: 0 | 1 | 2;
  snapshot_id: number | null;
  sequence_number: number | null;
  file_sequence_number: number | null;
  data_file: DataFile;
}

export interface ManifestFile {
  manifest_path: string;
  manifest_length: number;
  partition_spec_id: number;
  content: 0 | 1;
  sequence_number: number;
  min_sequence_number: number;
  added_snapshot_id: number;
  added_files_count: number;
  existing_files_count: number;
  deleted_files_count: number;
  added_rows_count: number;
  existing_rows_count: number;
  deleted_rows_count: number;
  partitions: null;
  key_metadata: null;
}

const entryType = avro.Type.forSchema(MANIFEST_ENTRY_SCHEMA as never);
const fileType = avro.Type.forSchema(MANIFEST_FILE_SCHEMA as never);

/** An Avro object container file (deflate) holding `records`, with `metadata` in its header. */
async function encode(schema: AvroSchema, records: object[], metadata: Record<string, string>): Promise<Buffer> {
  // Passing the schema object (not the parsed type) keeps its field-id attributes in the header.
  const encoder = new avro.streams.BlockEncoder(schema as never, {
    codec: 'deflate',
    // the header at once: a file without records (a snapshot of an emptied table) is still valid Avro
    writeHeader: 'always',
    metadata: Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, Buffer.from(v)])),
  } as never);
  const parts: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    encoder.on('data', (b: Buffer) => parts.push(b));
    encoder.on('end', () => resolve(Buffer.concat(parts)));
    encoder.on('error', reject);
  });
  for (const r of records) encoder.write(r);
  encoder.end();
  return done;
}

/** Reads the records of an Avro container file, resolved against our own schema by name. */
async function decode<T>(bytes: Buffer, type: avro.Type): Promise<T[]> {
  const decoder = new avro.streams.BlockDecoder({ readerSchema: type } as never);
  const out: T[] = [];
  const done = new Promise<T[]>((resolve, reject) => {
    decoder.on('data', (r: T) => out.push(r));
    decoder.on('end', () => resolve(out));
    decoder.on('error', reject);
  });
  Readable.from([bytes]).pipe(decoder);
  return done;
}

/** Manifest header metadata: the table schema and partition spec the entries were written with. */
export function encodeManifest(entries: ManifestEntry[], meta: { schemaJson: string; schemaId: number; content: 0 | 1 }): Promise<Buffer> {
  return encode(MANIFEST_ENTRY_SCHEMA, entries, {
    schema: meta.schemaJson,
    'schema-id': String(meta.schemaId),
    'partition-spec': '[]',
    'partition-spec-id': '0',
    'format-version': '2',
    content: meta.content === 0 ? 'data' : 'deletes',
  });
}

export function encodeManifestList(files: ManifestFile[], meta: { snapshotId: number; parentId?: number; sequenceNumber: number }): Promise<Buffer> {
  return encode(MANIFEST_FILE_SCHEMA, files, {
    'snapshot-id': String(meta.snapshotId),
    'parent-snapshot-id': meta.parentId === undefined ? 'null' : String(meta.parentId),
    'sequence-number': String(meta.sequenceNumber),
    'format-version': '2',
  });
}

export const decodeManifest = (bytes: Buffer) => decode<ManifestEntry>(bytes, entryType);
export const decodeManifestList = (bytes: Buffer) => decode<ManifestFile>(bytes, fileType);
