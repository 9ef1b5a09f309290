// Apache Iceberg table metadata (format version 2), as the table spec defines it:
// https://iceberg.apache.org/spec/ "Table Metadata" (table metadata fields), "Schemas and Data
// Types" (field ids), "Snapshots". Only what this writer produces: unpartitioned tables, one
// sort order (unsorted), Parquet data and position delete files.

/** Iceberg primitive types as spelled in metadata JSON ("Primitive Types"). */
export type PrimitiveType = 'boolean' | 'int' | 'long' | 'float' | 'double' | 'date' | 'time' | 'timestamp'
  | 'timestamptz' | 'string' | 'uuid' | 'binary' | `decimal(${number}, ${number})` | `fixed[${number}]`;

export interface ListType { type: 'list'; 'element-id': number; element: IcebergType; 'element-required': boolean }
export type IcebergType = PrimitiveType | ListType;

export interface Field { id: number; name: string; required: boolean; type: IcebergType; doc?: string }

export interface Schema {
  type: 'struct';
  'schema-id': number;
  /** Row identity ("Identifier Field IDs"): required primitive fields, here the primary key. */
  'identifier-field-ids'?: number[];
  fields: Field[];
}

export interface Snapshot {
  'snapshot-id': number;
  'parent-snapshot-id'?: number;
  'sequence-number': number;
  'timestamp-ms': number;
  'manifest-list': string;
  /** "operation" plus counters; LakeSync adds its source position (see table.ts). */
  summary: Record<string, string>;
  'schema-id': number;
}

export interface TableMetadata {
  'format-version': 2;
  'table-uuid': string;
  location: string;
  'last-sequence-number': number;
  'last-updated-ms': number;
  'last-column-id': number;
  schemas: Schema[];
  'current-schema-id': number;
  'partition-specs': { 'spec-id': number; fields: unknown[] }[];
  'default-spec-id': number;
  'last-partition-id': number;
  properties: Record<string, string>;
  'current-snapshot-id'?: number;
  snapshots: Snapshot[];
  'snapshot-log': { 'snapshot-id': number; 'timestamp-ms': number }[];
  'metadata-log': { 'metadata-file': string; 'timestamp-ms': number }[];
  'sort-orders': { 'order-id': number; fields: unknown[] }[];
  'default-sort-order-id': number;
  refs: Record<string, { 'snapshot-id': number; type: 'branch' | 'tag' }>;
}

/** Field ids of the position delete file columns ("Position Delete Files": reserved ids). */
export const DELETE_FILE_PATH_ID = 2147483546;
export const DELETE_POS_ID = 2147483545;

/** The highest field id used by a type (its own id and nested ids). */
export function maxFieldId(fields: Field[]): number {
  let max = 0;
  const visit = (id: number, t: IcebergType) => {
    max = Math.max(max, id);
    if (typeof t !== 'string') visit(t['element-id'], t.element);
  };
  for (const f of fields) visit(f.id, f.type);
  return max;
}

export function currentSchema(m: TableMetadata): Schema {
  const s = m.schemas.find((x) => x['schema-id'] === m['current-schema-id']);
  if (!s) throw new Error(`table metadata names current schema ${m['current-schema-id']}, which it does not hold`);
  return s;
}

export function currentSnapshot(m: TableMetadata): Snapshot | undefined {
  return m['current-snapshot-id'] === undefined ? undefined : m.snapshots.find((s) => s['snapshot-id'] === m['current-snapshot-id']);
}

/** A new, empty, unpartitioned and unsorted v2 table. */
export function newTableMetadata(location: string, uuid: string, schema: Omit<Schema, 'schema-id' | 'type'>, properties: Record<string, string>): TableMetadata {
  const s: Schema = { type: 'struct', 'schema-id': 0, ...schema };
  return {
    'format-version': 2,
    'table-uuid': uuid,
    location,
    'last-sequence-number': 0,
    'last-updated-ms': Date.now(),
    'last-column-id': maxFieldId(s.fields),
    schemas: [s],
    'current-schema-id': 0,
    'partition-specs': [{ 'spec-id': 0, fields: [] }],
    'default-spec-id': 0,
    // no partition field yet: the spec's reference implementation starts partition ids at 1000
    'last-partition-id': 999,
    properties,
    snapshots: [],
    'snapshot-log': [],
    'metadata-log': [],
    'sort-orders': [{ 'order-id': 0, fields: [] }],
    'default-sort-order-id': 0,
    refs: {},
  };
}

/**
 * Parses metadata JSON. Ids in this writer's tables stay below 2^53 (see newSnapshotId), so
 * plain JSON numbers hold them exactly.
 */
export function parseMetadata(text: string): TableMetadata {
  const m = JSON.parse(text) as TableMetadata & { 'current-snapshot-id'?: number | null };
  if (m['format-version'] !== 2) throw new Error(`only Iceberg format version 2 tables are written by LakeSync (found ${m['format-version']})`);
  // "current-snapshot-id": -1 or null both mean "no snapshot" in older writers
  if (m['current-snapshot-id'] === -1 || m['current-snapshot-id'] === null) delete m['current-snapshot-id'];
  return m;
}

/** A positive snapshot id below 2^53 (a valid Iceberg long that JSON and Avro carry exactly in JS). */
export function newSnapshotId(): number {
  return Math.floor(Math.random() * (Number.MAX_SAFE_INTEGER - 1)) + 1;
}
