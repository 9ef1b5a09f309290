// The commented starter task file that the extension's "New Sync Task" and `lakesync init` write.
// Pure (no vscode import, no I/O): unit-tested, and its output must pass the engine's own config
// check. A password is only ever a reference (${secret:NAME} or ${env:NAME}), never its value.
// What depends on the source's kind comes from its facts (source/facts.ts).

import { sourceFacts } from '../source/known';

export interface NewTaskAnswers {
  name: string;
  sourceType: 'mysql' | 'postgres';
  host: string;
  port: number;
  user: string;
  database: string;
  mode: 'database-mirror' | 'multi-table-mirror' | 'multi-table-merge';
  /** Name of the VS Code secret holding the password, or an env variable (`env:NAME`). */
  passwordRef: string;
  /** PostgreSQL output plugin (default pgoutput: the line is written commented out). */
  plugin?: 'pgoutput' | 'decoderbufs';
  /** Target kind (default duckdb). */
  target?: 'duckdb' | 'iceberg';
  /** source.tls.mode (default prefer). */
  tlsMode?: 'disable' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
}

/** source.port a starter proposes. */
export function defaultPort(type: NewTaskAnswers['sourceType']): number { return sourceFacts(type).defaultPort; }

/** Task names become file names, slot names and target schema names: keep them simple. */
export function validateTaskName(name: string): string | undefined {
  if (!name.trim()) return 'Give the task a name.';
  if (!/^[a-z][a-z0-9_-]{0,47}$/i.test(name)) return 'Use letters, digits, "_" or "-" (up to 48), starting with a letter.';
  return undefined;
}

export function slotName(name: string): string {
  return `lakesync_${name.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`.slice(0, 63);
}

/** `line  # comment`, comments lined up where the line allows. */
function commented(line: string, comment: string): string {
  return `${line.padEnd(Math.max(line.length + 1, 36))}# ${comment}`;
}

export function newTaskText(a: NewTaskAnswers): string {
  const facts = sourceFacts(a.sourceType);
  // a source whose tables are schema.table inside one database (PostgreSQL) has a slot too
  const pg = facts.schemasInDatabase;
  const ref = a.passwordRef.startsWith('env:') ? `\${${a.passwordRef}}` : `\${secret:${a.passwordRef}}`;
  const db = a.database || facts.starterDatabase || 'shop';
  const schemaOrDb = pg ? 'public' : db;
  const lines = [
    `# LakeSync task: ${facts.label} -> ${a.target === 'iceberg' ? 'Apache Iceberg tables' : 'embedded DuckDB lakehouse'}.`,
    '# Every property: docs/task-file.md (hover a key in VS Code). Check it with `lakesync check ' + a.name + '.sync.yaml`.',
    '# Start it from the LakeSync view or with `lakesync run ' + a.name + '.sync.yaml`.',
    `name: ${a.name}`,
    'source:',
    `  type: ${a.sourceType}`,
    `  host: ${a.host}`,
    `  port: ${a.port}`,
    `  user: ${a.user}`,
    `  # Never a plain password: \${secret:NAME} is VS Code secret storage ("LakeSync: Set Source Password"),`,
    '  # ${env:NAME} an environment variable (the CLI reads secrets from LAKESYNC_SECRET_<NAME>).',
    `  password: ${ref}`,
  ];
  if (pg) {
    lines.push(commented(`  database: ${db}`, 'the one database of this task'),
      commented(`  slot: ${slotName(a.name)}`, 'replication slot, created when missing'),
      commented(`  publication: ${slotName(a.name)}`, 'publication, created when missing'),
      a.plugin === 'decoderbufs'
        ? commented('  plugin: decoderbufs', 'pgoutput (built in) | decoderbufs (needs postgresql-<ver>-decoderbufs)')
        : commented('  # plugin: pgoutput', 'pgoutput (built in) | decoderbufs'));
  } else if (a.database) {
    lines.push(`  database: ${db}`);
  }
  lines.push(
    '  # Encryption: prefer (default) uses TLS when the server offers it, without checking who answers.',
    '  # Managed databases (RDS, Cloud SQL, Azure, Supabase, Neon): verify-full with the provider\'s CA bundle.',
    '  tls:',
    commented(`    mode: ${a.tlsMode ?? 'prefer'}`, 'disable | prefer | require | verify-ca | verify-full'),
    commented('    # ca: certs/ca.pem', 'CA of the server\'s certificate (path, or ${secret:NAME})'),
    commented('    # cert: certs/client.pem', 'client certificate, when the server asks for one'),
    commented('    # key: ${secret:' + a.name + '-client-key}', 'its private key (path, or ${secret:NAME})'),
    '  # Through a bastion host: one SSH tunnel carries every connection of the task.',
    '  # ssh:',
    '  #   host: bastion.example.com',
    '  #   user: deploy',
    '  #   privateKey: ~/.ssh/id_ed25519           # path, or ${secret:NAME} holding the key',
    '  #   privateKeyPassphrase: ${secret:' + a.name + '-ssh-key-passphrase}',
    '  #   hostKey: SHA256:...                     # ssh-keygen -lf; or knownHosts: ~/.ssh/known_hosts',
  );
  lines.push(`mode: ${a.mode}`);
  switch (a.mode) {
    case 'database-mirror':
      lines.push(`# Every table of these ${pg ? 'schemas' : 'databases'}, new ones too.`, `databases: [${schemaOrDb}]`);
      break;
    case 'multi-table-mirror':
      lines.push(`# ${pg ? 'schema' : 'database'}.table entries; globs allowed.`, `tables: ["${schemaOrDb}.*"]`, 'exclude: []');
      break;
    case 'multi-table-merge':
      lines.push('# Target table <- source tables (regular expressions on db.table); shards with equal keys stay apart.',
        'virtualTables:', `  merged: ['${schemaOrDb}\\.orders_\\d+']`);
      break;
  }
  lines.push(
    'target:',
    ...(a.target === 'iceberg'
      ? ['  type: iceberg                    # Apache Iceberg tables any Iceberg reader can open', `  warehouse: .lakehouse/${a.name}   # relative to this file`]
      : ['  type: duckdb                     # duckdb (one embedded file) | iceberg', `  path: .lakehouse/${a.name}.duckdb   # relative to this file`]),
    '  namespace: ods',
    'rules:',
    '  newTables: sync        # sync | ignore',
    '  addColumn: apply       # apply | ignore | fail',
    '  dropColumn: keep       # drop | keep (NULL from then on) | fail',
    '  changeType: apply      # apply (widen) | fail',
    '  events: [insert, update, delete, truncate]',
    'snapshot:',
    '  enabled: true',
    '  concurrency: 4         # parallel readers = source connections',
    '  chunkSize: 50000',
    '',
  );
  return lines.join('\n');
}

