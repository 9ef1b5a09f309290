// A LakeSync task as an Apache Flink CDC 3 YAML pipeline (pure: no connection, no file).
// Every key below was checked against apache/flink-cdc release-3.6.0: YamlPipelineDefinitionParser
// (top level, route, transform), MySqlDataSourceOptions, PostgresDataSourceOptions,
// IcebergDataSinkOptions, PaimonDataSinkOptions, PipelineOptions, SchemaChangeEventType; the
// transform metadata columns from MetadataColumns. docs/scale-out.md has the mapping table.
import type { Rules, TaskPlan } from '../../config/plan';
import { MERGE_KEY_COLUMNS, metadataColumns } from '../../typemap/ddl';
import type { TableMapping } from '../../typemap/types';
import { describeNaming, mergedTargetName, namespaceFromSource, tableNameTemplate } from '../../config/naming';
import { matches, parseNamePattern, type NamePattern } from '../../config/patterns';
import { credential } from './credentials';
import { databaseSelector, literalSelector, mergeRegexSelector, SelectorError, tablePatternSelector } from './selectors';
import { typeWarnings } from './types';
import { sourceFacts } from '../../source/known';
import type { StartPosition } from './source';
import { renderPipeline, type Block, type Entry, type PipelineDocument } from './yaml';

export type SinkKind = 'iceberg' | 'paimon';

export type { StartPosition } from './source';
export { flinkServerId } from './mysql';

export interface ExportInput {
  /** The task (its password field is never read: credentials come from `rawSource`). */
  plan: TaskPlan;
  /** host/user/password exactly as written in the task file: references stay references. */
  rawSource: { host?: unknown; user?: unknown; password?: unknown };
  /** The task's tables as LakeSync maps them (keys, columns, types). */
  mappings: TableMapping[];
  sink: SinkKind;
  /** Absolute warehouse path (Iceberg: the task's own warehouse, so Flink continues its tables). */
  warehouse: string;
  /** Set for a hand-over. */
  start?: StartPosition;
}

export interface ExportResult { yaml: string; warnings: string[]; refusals: string[] }

/** Flink CDC version the keys were checked against (also named in the file's header). */
export const FLINK_CDC_VERSION = '3.6.0';

const LAKESYNC_OP = `CASE WHEN __data_event_type__ = '+I' THEN 'insert' WHEN __data_event_type__ = '-D' THEN 'delete' ELSE 'update' END`;

/** Builds the pipeline; `refusals` lists what it cannot express (the caller refuses to write then). */
export function exportFlinkCdc(input: ExportInput): ExportResult {
  const { plan } = input;
  const warnings: string[] = [];
  const refusals: string[] = [];
  const flink = sourceFacts(plan.source.type).flinkCdc;
  const prefix = flink.selectorPrefix(plan);
  const notes: string[] = [];
  const sel = (f: () => string): string | undefined => {
    try { return f(); } catch (err) {
      if (err instanceof SelectorError) { refusals.push(`${err.message}. Alternative: list the tables by name in the task file.`); return undefined; }
      throw err;
    }
  };

  // ---- keys: Flink CDC's Iceberg and Paimon sinks need a primary key per table ----
  for (const m of input.mappings) {
    if (m.key.length === 0) {
      refusals.push(`table ${m.sources.map((s) => `${s.db}.${s.table}`).join(', ')} has no primary key: Flink CDC's ${input.sink} sink writes only tables with a primary key `
        + `(upserts by key). Alternatives: add a primary key to the source table, or leave it out of the task (exclude: ["${m.sources[0].db}.${m.sources[0].table}"]) and keep syncing it with LakeSync.`);
    }
    warnings.push(...typeWarnings(flink, m));
  }

  // ---- routes and transforms: one per selection entry ----
  const routes: Block[] = [];
  const transforms: Block[] = [];
  const filter = eventFilter(plan.rules, refusals);
  const projection = (merged: boolean) => ['\\*', ...metadataColumns(merged).map((c) => `${metadataExpression(c.name)} AS ${c.name}`)].join(', ');
  const mirrorSelectors: string[] = [];
  const explicit: NamePattern[] = [];
  const addMirror = (selector: string | undefined, what: string, pattern: NamePattern) => {
    if (!selector) return;
    mirrorSelectors.push(selector);
    const sinkTable = patternSinkTable(plan, pattern.db.literal);
    if (!sinkTable) { explicit.push(pattern); return; }
    routes.push({ entries: [
      { key: 'source-table', value: selector },
      { key: 'sink-table', value: sinkTable },
      { key: 'replace-symbol', value: '<>' },
      { key: 'description', value: `${what} -> ${sinkTable.replace('<>', '<table>')}` },
    ] });
  };
  if (plan.mode === 'database-mirror') {
    for (const db of plan.databases) addMirror(sel(() => databaseSelector(db, prefix, notes)), `every table of ${db}`, parseNamePattern(`"${db.replace(/"/g, '""')}".*`));
  } else if (plan.mode === 'multi-table-mirror') {
    for (const t of plan.tables) addMirror(sel(() => tablePatternSelector(t, prefix, notes)), t, parseNamePattern(t));
  }
  if (explicit.length) {
    // target naming that a route pattern cannot write (lower-casing, {schema} under a glob): one route per table
    for (const m of input.mappings) {
      const id = m.sources[0];
      if (m.sources.length !== 1 || !explicit.some((p) => matches(p, id))) continue;
      routes.push({ entries: [
        { key: 'source-table', value: literalSelector(id.db, id.table, prefix, notes) },
        { key: 'sink-table', value: `${m.namespace}.${m.table}` },
      ] });
    }
    warnings.push(`target naming (${describeNaming(plan)}) cannot be written as a Flink CDC route pattern for ${explicit.map((p) => p.text).join(', ')}: `
      + 'each table has its own route, and a table created later lands in Flink CDC\'s default <database>.<table>');
  }
  const sourceTables = [...mirrorSelectors];
  if (mirrorSelectors.length) {
    transforms.push({ entries: [
      { key: 'source-table', value: mirrorSelectors.join(',') },
      { key: 'projection', value: projection(false) },
      ...(filter ? [{ key: 'filter', value: filter }] : []),
      { key: 'description', value: 'LakeSync metadata columns, so Flink writes rows of the same shape as LakeSync' },
    ] });
  }
  if (plan.mode === 'multi-table-merge') {
    for (const [target, regexes] of Object.entries(plan.virtualTables)) {
      const selectors = regexes.map((r) => sel(() => mergeRegexSelector(r, prefix))).filter((s): s is string => Boolean(s));
      if (selectors.length !== regexes.length) continue;
      const selector = selectors.join(',');
      sourceTables.push(selector);
      const name = mergedTargetName(plan, target);
      const mapping = input.mappings.find((m) => m.table === name.table && m.namespace === name.namespace);
      const key = mapping?.key.length ? mapping.key : [...MERGE_KEY_COLUMNS];
      routes.push({ entries: [
        { key: 'source-table', value: selector },
        { key: 'sink-table', value: `${name.namespace}.${name.table}` },
        { key: 'description', value: `merge ${regexes.join(', ')} -> ${name.namespace}.${name.table}` },
      ] });
      transforms.push({
        comment: [`${target}: the source ${flink.container} and table become columns and lead the primary key,`,
          'so equal keys in two shards never collide (the Flink CDC issue #2882 problem).'],
        entries: [
          { key: 'source-table', value: selector },
          { key: 'projection', value: projection(true) },
          ...(filter ? [{ key: 'filter', value: filter }] : []),
          { key: 'primary-keys', value: key.join(',') },
          { key: 'description', value: `source identity in the key of ${name.namespace}.${name.table}` },
        ],
      });
    }
  }
  if (!sourceTables.length && !refusals.length) refusals.push('the task selects no tables');
  for (const n of new Set(notes)) warnings.push(n);

  // ---- source ----
  const source = sourceBlock(input, sourceTables, prefix, notes, refusals, warnings);
  const sink = sinkBlock(input, warnings, refusals);
  const pipeline = pipelineBlock(input, warnings);

  const header = headerLines(input);
  const yaml = renderPipeline({ header, source, sink, route: routes, transform: transforms, pipeline } satisfies PipelineDocument);
  return { yaml, warnings: [...new Set(warnings)], refusals };
}

/**
 * The sink-table of a route for every table one selection entry matches, written with Flink CDC's
 * replace-symbol `<>` (the source table name), following config/naming.ts; undefined when the
 * naming needs what a pattern cannot say (lower-casing, or the database of a glob).
 */
export function patternSinkTable(plan: TaskPlan, db: string | undefined): string | undefined {
  if (plan.target.lowerCase) return undefined;
  const template = tableNameTemplate(plan);
  const fromSource = namespaceFromSource(plan.target.namespace);
  const pgDatabase = sourceFacts(plan.source.type).schemasInDatabase ? plan.source.database : undefined;
  const needsDb = fromSource || template.includes('{schema}') || (template.includes('{database}') && pgDatabase === undefined);
  if (needsDb && db === undefined) return undefined;
  const table = template.replace(/\{(schema|database|table)\}/g, (_m, f: string) => (f === 'table' ? '<>' : f === 'database' ? pgDatabase ?? db! : db!));
  const ns = fromSource ? db! : String(plan.target.namespace);
  return `${ns}.${table}`;
}

/** Transform expressions for LakeSync's metadata columns (typemap/ddl metadataColumns). */
function metadataExpression(column: string): string {
  switch (column) {
    case '_lakesync_op': return LAKESYNC_OP;
    // Flink CDC has no source commit time common to both sources in 3.x transforms: the time Flink processed the change.
    case '_lakesync_source_ts': return 'CURRENT_TIMESTAMP';
    case '_lakesync_synced_at': return 'CURRENT_TIMESTAMP';
    case '_lakesync_source_db': return '__schema_name__';
    case '_lakesync_source_table': return '__table_name__';
    default: throw new Error(`no Flink CDC expression for metadata column ${column}`);
  }
}

/** rules.events as a transform filter on `__data_event_type__`; undefined when every event passes. */
function eventFilter(rules: Rules, refusals: string[]): string | undefined {
  const ev = new Set(rules.events);
  if (!ev.has('insert')) {
    refusals.push('rules.events leaves out insert: Flink CDC reads snapshot rows as inserts too, so a filter on inserts would also drop the snapshot. '
      + 'Alternative: keep insert in rules.events and filter downstream, or keep this task on LakeSync.');
  }
  const drop: string[] = [];
  if (!ev.has('update')) drop.push("'-U'", "'+U'");
  if (!ev.has('delete')) drop.push("'-D'");
  return drop.length ? `__data_event_type__ NOT IN (${drop.join(', ')})` : undefined;
}

/**
 * source.ssh and source.tls are not carried into the pipeline: Flink CDC opens its own connections
 * (no SSH tunnel; TLS only through driver properties whose files must exist on the Flink nodes).
 */
function connectionWarnings(plan: TaskPlan): string[] {
  const out: string[] = [];
  const where = `${plan.source.host}:${plan.source.port}`;
  if (plan.source.ssh) {
    out.push(`source.ssh: Flink CDC has no SSH tunnel; the pipeline connects to ${where} directly. `
      + 'Run the job where that address is reachable, or set hostname and port to a tunnel you keep open from the Flink nodes');
  }
  const mode = plan.source.tls?.mode;
  if (mode && mode !== 'disable' && mode !== 'prefer') {
    out.push(`source.tls.mode ${mode} is not exported: the pipeline's connections use the drivers' defaults. `
      + sourceFacts(plan.source.type).flinkCdc.tlsHint
      + ', with certificate files that exist on the Flink nodes');
  }
  return out;
}

function sourceBlock(input: ExportInput, tables: string[], prefix: string[], notes: string[], refusals: string[], warnings: string[]): Block {
  const { plan } = input;
  const facts = sourceFacts(plan.source.type);
  const flink = facts.flinkCdc;
  const host = credential(input.rawSource.host, plan.source.host, 'host', plan.name);
  const user = credential(input.rawSource.user, plan.source.user, 'user', plan.name);
  const password = credential(input.rawSource.password, '', 'password', plan.name);
  const vars = [...new Set([...host.vars, ...user.vars, ...password.vars])];
  if (password.plainText) warnings.push('the task file holds the source password in plain text; it is not copied into the pipeline: set '
    + `${password.vars[0]} when you render the file (see its source section)`);
  warnings.push(...connectionWarnings(plan));
  const entries: Entry[] = [
    { key: 'type', value: flink.connector },
    { key: 'name', value: `${plan.name} (${facts.label})` },
    { key: 'hostname', value: host.value, placeholder: host.vars.length > 0 },
    { key: 'port', value: plan.source.port },
    { key: 'username', value: user.value, placeholder: user.vars.length > 0 },
    { key: 'password', value: password.value, placeholder: true, comment: vars.length ? [
      'Flink CDC reads no environment variables or secret stores: fill the placeholders when you submit, e.g.',
      `  envsubst '${vars.map((v) => '$' + v).join(' ')}' < pipeline.yaml > /dev/shm/pipeline.yaml && flink-cdc.sh /dev/shm/pipeline.yaml`,
      'A value containing a single quote must have it doubled.',
      ...(password.vars.some((v) => v.startsWith('LAKESYNC_SECRET_')) ? ['LAKESYNC_SECRET_<NAME> is how the lakesync CLI itself takes ${secret:NAME}.'] : []),
    ] : undefined },
    { key: 'tables', value: tables.join(','), comment: [
      `Flink CDC selectors: ${flink.selectorForm}, each part a regex; \\. is "any character", a comma separates entries.`] },
  ];
  if (plan.exclude.length) {
    const ex = plan.exclude.map((e) => { try { return tablePatternSelector(e, prefix, notes); } catch (err) {
      refusals.push(`exclude "${e}": ${(err as Error).message}. Alternative: list the excluded tables by name.`); return ''; } }).filter(Boolean);
    entries.push({ key: 'tables.exclude', value: ex.join(',') });
  }
  entries.push(...flink.connectionEntries(plan, warnings));
  entries.push({ key: 'scan.incremental.snapshot.chunk.size', value: plan.snapshot.chunkSize, comment: ['rows per snapshot chunk (snapshot.chunkSize)'] });
  entries.push(...startEntries(input, refusals));
  entries.push(...flink.laterEntries(plan));
  warnings.push(...flink.warnings(plan));
  return { comment: ['the task\'s source connection and table selection'], entries };
}

function startEntries(input: ExportInput, refusals: string[]): Entry[] {
  const { plan, start } = input;
  if (!start) {
    if (!plan.snapshot.enabled) {
      return [{ key: 'scan.startup.mode', value: 'latest-offset', comment: ['snapshot.enabled: false: changes from now on, no snapshot'] }];
    }
    return [{ key: 'scan.startup.mode', value: 'initial', comment: [
      'a full snapshot, then the change stream (no hand-over: lakesync export --handover continues at LakeSync\'s checkpoint)'] }];
  }
  const alt = 'Alternative to the hand-over: scan.startup.mode: initial (a full new snapshot; keys make the rewrite idempotent).';
  return sourceFacts(plan.source.type).flinkCdc.startEntries(start, refusals, alt);
}

function sinkBlock(input: ExportInput, warnings: string[], refusals: string[]): Block {
  const { plan, sink, warehouse } = input;
  const r = plan.rules;
  const exclude: string[] = [];
  // schema rules -> the sink's schema change filter (pipeline.schema.change.behavior: evolve applies the rest)
  if (r.addColumn === 'ignore') exclude.push('add.column');
  if (r.dropColumn === 'keep') exclude.push('drop.column');
  if (r.renameColumn === 'ignore') exclude.push('rename.column');
  if (r.changeType === 'ignore') exclude.push('alter.column.type');
  const failing = (['addColumn', 'dropColumn', 'renameColumn', 'changeType', 'dropTable'] as const).filter((k) => r[k] === 'fail');
  if (failing.length > 0 && failing.length < 5) {
    refusals.push(`rules ${failing.map((k) => `${k}: fail`).join(', ')}: Flink CDC stops on every schema change (schema.change.behavior: exception) or on none, not on one kind. `
      + 'Alternative: set those rules to apply/ignore (or keep/drop), or set all five schema rules to fail.');
  }
  if (r.dropTable === 'drop') warnings.push(`rules.dropTable: drop: Flink CDC's ${sink} sink cannot drop tables; a dropped source table stays in the lakehouse`);
  if (r.events.includes('truncate')) warnings.push(`rules.events has truncate: Flink CDC's ${sink} sink cannot truncate; after a TRUNCATE on the source the lakehouse keeps the old rows`);
  const schemaComment = [
    'schema changes: pipeline.schema.change.behavior applies them; these kinds are left out, as the task\'s rules say:',
    `addColumn: ${r.addColumn}, dropColumn: ${r.dropColumn}, renameColumn: ${r.renameColumn}, changeType: ${r.changeType}, dropTable: ${r.dropTable}`,
    `(the ${sink} sink never drops or truncates tables; an excluded drop.column keeps the column, NULL from then on)`,
  ];
  const entries: Entry[] = sink === 'iceberg' ? [
    { key: 'type', value: 'iceberg' },
    { key: 'name', value: `${plan.name} lakehouse (Iceberg)` },
    { key: 'catalog.properties.type', value: 'hadoop', comment: ['a Hadoop catalog: tables at <warehouse>/<namespace>/<table>/, the layout LakeSync\'s Iceberg sink writes'] },
    { key: 'catalog.properties.warehouse', value: warehouse, comment: [
      'the task\'s warehouse: every Flink TaskManager must reach it at this path (a shared mount), or copy it to HDFS/S3 and change this'] },
  ] : [
    { key: 'type', value: 'paimon' },
    { key: 'name', value: `${plan.name} lakehouse (Paimon)` },
    { key: 'catalog.properties.metastore', value: 'filesystem' },
    { key: 'catalog.properties.warehouse', value: warehouse, comment: ['a new Paimon warehouse (Paimon cannot continue LakeSync\'s tables); every TaskManager must reach it'] },
  ];
  if (exclude.length) entries.push({ key: 'exclude.schema.changes', value: exclude, comment: schemaComment });
  else entries[entries.length - 1].comment = [...(entries[entries.length - 1].comment ?? []), ...schemaComment];
  return { comment: [`Flink CDC's ${sink} pipeline sink: at-least-once, idempotent by primary key; data becomes visible when a Flink checkpoint completes`], entries };
}

function pipelineBlock(input: ExportInput, warnings: string[]): Block {
  const { plan } = input;
  const r = plan.rules;
  const allFail = (['addColumn', 'dropColumn', 'renameColumn', 'changeType', 'dropTable'] as const).every((k) => r[k] === 'fail');
  if (r.changeType === 'apply') {
    warnings.push('rules.changeType: apply: Flink CDC applies a source type change as is; Iceberg and Paimon accept only widening ones (e.g. INT to BIGINT), '
      + 'any other fails the job, where LakeSync falls back to a wider type');
  }
  return {
    comment: ['the job: name, parallelism (snapshot.concurrency), schema change behaviour (rules)'],
    entries: [
      { key: 'name', value: `LakeSync task ${plan.name}` },
      { key: 'parallelism', value: Math.max(1, plan.snapshot.concurrency) },
      { key: 'schema.change.behavior', value: allFail ? 'exception' : 'evolve', comment: allFail
        ? ['every schema rule is fail: any schema change stops the job']
        : ['apply the schema changes the sink section does not exclude'] },
    ],
  };
}

function headerLines(input: ExportInput): string[] {
  const { plan, start, sink } = input;
  return [
    `Apache Flink CDC ${FLINK_CDC_VERSION} pipeline for LakeSync task "${plan.name}" (${plan.mode}), written by \`lakesync export --to flink-cdc\`.`,
    `Task file: ${plan.file}`,
    'Submit: flink-cdc.sh <this file> (after filling the placeholders, see source.password). docs/scale-out.md lists the jars it needs.',
    '',
    'What changes against LakeSync:',
    `- at-least-once: after a failure Flink re-applies changes; primary keys make that idempotent (every table needs one).`,
    '- data becomes visible per Flink checkpoint (set execution.checkpointing.interval, e.g. -D execution.checkpointing.interval=30s).',
    ...(sink === 'iceberg' ? ['- Flink\'s Iceberg sink writes equality deletes: readers that do not apply them (pyiceberg today) see deleted and old row versions until compaction.'] : []),
    ...sourceFacts(plan.source.type).flinkCdc.headerNotes,
    '- _lakesync_source_ts holds the time Flink processed the change, not the source commit time.',
    ...(start ? ['', `Hand-over: LakeSync stopped at ${start.checkpoint}; this pipeline starts exactly there. Do not run the LakeSync task again.`] : []),
  ];
}
