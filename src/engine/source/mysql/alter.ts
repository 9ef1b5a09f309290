// What a DDL statement of the binlog does to the shapes of tables: the new column list of an
// ALTER TABLE (ADD incl. FIRST/AFTER, DROP, MODIFY, CHANGE, RENAME COLUMN, primary key changes,
// CONVERT TO CHARACTER SET), a CREATE TABLE's columns, RENAME/DROP/TRUNCATE TABLE. Pure: the
// shape before the statement in, the shape after it out, so a row event is always read with the
// columns in force where it was written, never with what the server says later.
import type { SourceColumn, SourceTable, TableId } from '../types';
import { tableKey } from '../types';
import { charsetOfCollation, DdlParseError, normalizeCharset, readColumnDef } from './coldef';
import { tokenize, Tokens, type Token } from './sqltokens';

export type DdlEffect =
  | { kind: 'shape'; table: TableId; shape: SourceTable; renames?: { from: string; to: string }[] }
  | { kind: 'drop'; table: TableId }
  | { kind: 'truncate'; table: TableId }
  /** A table created in a way only the server can tell (CREATE ... SELECT, LIKE an unknown table). */
  | { kind: 'describe'; table: TableId }
  /** A statement about the table that LakeSync cannot read: its shape is unknown from here on. */
  | { kind: 'unknown'; table: TableId; reason: string };

export interface ShapeLookup {
  shape(id: TableId): SourceTable | undefined;
  /** Default character set of a database (for CREATE TABLE without its own). */
  databaseCharset(db: string): string | undefined;
}

function toId(parts: string[], defaultDb: string): TableId {
  return parts.length >= 2 ? { db: parts[parts.length - 2], table: parts[parts.length - 1] } : { db: defaultDb, table: parts[0] };
}

const renumber = (cols: SourceColumn[]): SourceColumn[] => cols.map((c, i) => ({ ...c, ordinal: i + 1 }));
const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** The effects of one statement; `defaultDb` is the query event's current database. */
export function ddlEffects(statement: string, defaultDb: string, lookup: ShapeLookup): DdlEffect[] {
  const ts = new Tokens(tokenize(statement));
  if (ts.eat('CREATE')) {
    ts.eat('OR', 'REPLACE');
    if (ts.is('TEMPORARY')) return [];
    if (!ts.eat('TABLE')) return []; // CREATE INDEX cannot create a primary key; views, routines: no table
    const ifNotExists = ts.eat('IF', 'NOT', 'EXISTS');
    const parts = ts.qualifiedName();
    if (!parts) return [];
    const id = toId(parts, defaultDb);
    if (ifNotExists && lookup.shape(id)) return [];
    return [createEffect(ts, id, defaultDb, lookup)];
  }
  if (ts.eat('ALTER')) {
    while (ts.eat('ONLINE') || ts.eat('IGNORE')) { /* modifiers */ }
    if (!ts.eat('TABLE')) return [];
    ts.eat('IF', 'EXISTS');
    const parts = ts.qualifiedName();
    if (!parts) return [];
    const id = toId(parts, defaultDb);
    const before = lookup.shape(id);
    if (!before) return [];
    try {
      return alterEffects(ts, id, before, defaultDb);
    } catch (err) {
      if (!(err instanceof DdlParseError)) throw err;
      // the history's shape is not the table's (a start before this DDL with no history saved):
      // only the server can tell the shape now
      if (err.inconsistent) return [{ kind: 'describe', table: id }];
      return [{ kind: 'unknown', table: id, reason: err.message }];
    }
  }
  if (ts.eat('DROP')) {
    if (ts.is('TEMPORARY')) return [];
    if (ts.eat('TABLE') || ts.eat('TABLES')) {
      ts.eat('IF', 'EXISTS');
      const out: DdlEffect[] = [];
      for (;;) {
        const p = ts.qualifiedName();
        if (!p) break;
        out.push({ kind: 'drop', table: toId(p, defaultDb) });
        if (!ts.eatPunct(',')) break;
      }
      return out;
    }
    if (ts.eat('INDEX')) {
      ts.eat('IF', 'EXISTS');
      const index = ts.name();
      if (!ts.eat('ON')) return [];
      const p = ts.qualifiedName();
      if (!p || !index || !same(index, 'PRIMARY')) return [];
      const id = toId(p, defaultDb);
      const before = lookup.shape(id);
      return before ? [{ kind: 'shape', table: id, shape: { ...before, primaryKey: [] } }] : [];
    }
    return [];
  }
  if (ts.eat('RENAME')) {
    if (!ts.eat('TABLE') && !ts.eat('TABLES')) return [];
    const out: DdlEffect[] = [];
    const moved = new Map<string, SourceTable | undefined>();
    const find = (id: TableId) => (moved.has(tableKey(id)) ? moved.get(tableKey(id)) : lookup.shape(id));
    for (;;) {
      const a = ts.qualifiedName();
      if (!a || !ts.eat('TO')) break;
      const b = ts.qualifiedName();
      if (!b) break;
      const from = toId(a, defaultDb); const to = toId(b, defaultDb);
      const shape = find(from);
      moved.set(tableKey(from), undefined);
      moved.set(tableKey(to), shape && { ...shape, id: to });
      out.push({ kind: 'drop', table: from });
      out.push(shape ? { kind: 'shape', table: to, shape: { ...shape, id: to } } : { kind: 'describe', table: to });
      if (!ts.eatPunct(',')) break;
    }
    return out;
  }
  if (ts.eat('TRUNCATE')) {
    ts.eat('TABLE');
    const p = ts.qualifiedName();
    return p ? [{ kind: 'truncate', table: toId(p, defaultDb) }] : [];
  }
  return [];
}

/** Table options that change the default character set of columns added later. */
function tableCharsetOption(ts: Tokens): string | undefined | null {
  const start = ts.i;
  ts.eat('DEFAULT');
  if (ts.eat('CHARACTER', 'SET') || ts.eat('CHARSET')) { ts.eatPunct('='); const c = ts.name(); return c ? normalizeCharset(c) : undefined; }
  if (ts.eat('COLLATE')) { ts.eatPunct('='); const c = ts.name(); return c ? charsetOfCollation(c) : undefined; }
  ts.i = start;
  return null;
}

function createEffect(ts: Tokens, id: TableId, defaultDb: string, lookup: ShapeLookup): DdlEffect {
  if (ts.eat('LIKE') || (ts.isPunct('(') && ts.peek(1)?.t === 'word' && (ts.peek(1) as { upper: string }).upper === 'LIKE' && ts.next() && ts.eat('LIKE'))) {
    const p = ts.qualifiedName();
    const src = p ? lookup.shape(toId(p, defaultDb)) : undefined;
    return src ? { kind: 'shape', table: id, shape: { ...src, id } } : { kind: 'describe', table: id };
  }
  if (!ts.eatPunct('(')) return { kind: 'describe', table: id }; // CREATE TABLE t AS SELECT / SELECT
  const items: Token[][] = [];
  while (!ts.done()) {
    items.push(ts.item());
    if (ts.eatPunct(',')) continue;
    ts.eatPunct(')');
    break;
  }
  // table options: the default charset; a SELECT after them adds columns only the server knows
  let charset: string | undefined;
  while (!ts.done()) {
    const c = tableCharsetOption(ts);
    if (c) { charset = c; continue; }
    if (ts.is('SELECT') || ts.is('AS', 'SELECT') || ts.is('IGNORE') || ts.is('REPLACE') || ts.is('AS')) return { kind: 'describe', table: id };
    ts.next();
  }
  charset ??= lookup.databaseCharset(id.db);
  try {
    const columns: SourceColumn[] = [];
    let primaryKey: string[] = [];
    for (const item of items) {
      const it = new Tokens(item);
      const key = constraintKey(it);
      if (key !== null) { if (key) primaryKey = key; continue; }
      const name = new Tokens(item).name();
      if (name === undefined) throw new DdlParseError('a column name was expected');
      const def = readColumnDef(name, item.slice(1), charset);
      columns.push(def.column);
      if (def.primary) primaryKey = [name];
    }
    for (const k of primaryKey) { const c = columns.find((x) => same(x.name, k)); if (c) c.nullable = false; }
    return { kind: 'shape', table: id, shape: { id, columns: renumber(columns), primaryKey, ...(charset ? { defaultCharset: charset } : {}) } };
  } catch (err) {
    if (err instanceof DdlParseError) return { kind: 'describe', table: id };
    throw err;
  }
}

/**
 * An index or constraint item of a CREATE TABLE / ALTER TABLE ADD: the primary key's column
 * names, undefined for another key or constraint, null when the item is a column definition.
 */
function constraintKey(ts: Tokens): string[] | undefined | null {
  if (ts.eat('CONSTRAINT')) { if (!ts.is('PRIMARY') && !ts.is('UNIQUE') && !ts.is('FOREIGN') && !ts.is('CHECK')) ts.name(); }
  if (ts.eat('PRIMARY', 'KEY')) {
    while (!ts.done() && !ts.isPunct('(')) ts.next(); // USING BTREE
    return keyColumns(ts);
  }
  for (const w of ['UNIQUE', 'KEY', 'INDEX', 'FULLTEXT', 'SPATIAL', 'FOREIGN', 'CHECK', 'PERIOD', 'VECTOR']) {
    if (ts.is(w)) {
      // `key` and `index` may also be column names: a column definition has a type after its name
      const after = ts.peek(1);
      if ((w === 'KEY' || w === 'INDEX') && after?.t === 'word' && !['USING'].includes(after.upper) && isTypeWord(after.upper)) return null;
      return undefined;
    }
  }
  return null;
}

function isTypeWord(w: string): boolean {
  return /^(TINY|SMALL|MEDIUM|BIG)?INT(EGER)?\d?$|^(DEC(IMAL)?|NUMERIC|FIXED|FLOAT\d?|DOUBLE|REAL|BIT|BOOL(EAN)?|SERIAL|CHAR(ACTER)?|VARCHAR|N?CHAR|NVARCHAR|NATIONAL|BINARY|VARBINARY|(TINY|MEDIUM|LONG)?(TEXT|BLOB)|LONG|ENUM|SET|JSON|DATE|DATETIME|TIMESTAMP|TIME|YEAR|UUID|INET4|INET6|GEOMETRY|POINT|LINESTRING|POLYGON|MULTIPOINT|MULTILINESTRING|MULTIPOLYGON|GEOMETRYCOLLECTION|VECTOR)$/.test(w);
}

function keyColumns(ts: Tokens): string[] {
  const out: string[] = [];
  if (!ts.eatPunct('(')) return out;
  while (!ts.done() && !ts.isPunct(')')) {
    const item = ts.item();
    const n = new Tokens(item).name();
    if (n !== undefined) out.push(n);
    ts.eatPunct(',');
  }
  ts.eatPunct(')');
  return out;
}

const PARTITION_OPS = ['ADD', 'DROP', 'TRUNCATE', 'COALESCE', 'REORGANIZE', 'EXCHANGE', 'ANALYZE', 'CHECK', 'OPTIMIZE', 'REBUILD', 'REPAIR', 'DISCARD', 'IMPORT', 'CONVERT'];
const IGNORED_OPTIONS = new Set([
  'ENGINE', 'AUTO_INCREMENT', 'AVG_ROW_LENGTH', 'CHECKSUM', 'COMMENT', 'COMPRESSION', 'CONNECTION', 'DATA', 'INDEX',
  'DELAY_KEY_WRITE', 'ENCRYPTION', 'ENCRYPTED', 'ENCRYPTION_KEY_ID', 'INSERT_METHOD', 'KEY_BLOCK_SIZE', 'MAX_ROWS',
  'MIN_ROWS', 'PACK_KEYS', 'PAGE_CHECKSUM', 'PAGE_COMPRESSED', 'PAGE_COMPRESSION_LEVEL', 'PASSWORD', 'ROW_FORMAT',
  'STATS_AUTO_RECALC', 'STATS_PERSISTENT', 'STATS_SAMPLE_PAGES', 'TABLESPACE', 'TRANSACTIONAL', 'UNION', 'IETF_QUOTES',
  'SEQUENCE', 'ALGORITHM', 'LOCK', 'SECONDARY_ENGINE', 'AUTOEXTEND_SIZE', 'ENGINE_ATTRIBUTE', 'SECONDARY_ENGINE_ATTRIBUTE',
]);

function alterEffects(ts: Tokens, id: TableId, before: SourceTable, defaultDb: string): DdlEffect[] {
  if (ts.eat('WAIT')) ts.next(); else ts.eat('NOWAIT');
  // fill and rewritten belong to the statement that added a column, not to the ones after it
  let columns = before.columns.map(({ fill: _f, rewritten: _r, ...c }) => ({ ...c }));
  let primaryKey = [...before.primaryKey];
  let defaultCharset = before.defaultCharset;
  let renamedTo: TableId | undefined;
  const renames: { from: string; to: string }[] = [];
  const renamed = (from: string, to: string): void => {
    if (same(from, to)) return;
    const earlier = renames.find((r) => same(r.to, from));
    if (earlier) earlier.to = to; else renames.push({ from, to });
  };
  const index = (name: string): number => columns.findIndex((c) => same(c.name, name));
  const place = (col: SourceColumn, at: { first: true } | { after: string } | undefined, fallback: number): void => {
    if (!at) { columns.splice(fallback, 0, col); return; }
    if ('first' in at) { columns.unshift(col); return; }
    const j = index(at.after);
    if (j < 0) throw new DdlParseError(`AFTER ${at.after}: no such column`, true);
    columns.splice(j + 1, 0, col);
  };
  const addColumn = (item: Token[]): void => {
    const it = new Tokens(item);
    const ifNotExists = it.eat('IF', 'NOT', 'EXISTS');
    const name = it.name();
    if (name === undefined) throw new DdlParseError('a column name was expected after ADD');
    if (index(name) >= 0) { if (ifNotExists) return; throw new DdlParseError(`column ${name} exists already`, true); }
    const def = readColumnDef(name, item.slice(it.i), defaultCharset);
    // the rows already there take the column's default
    if (def.fill !== undefined) def.column.fill = def.fill;
    if (def.unknownFill) def.column.rewritten = def.unknownFill;
    place(def.column, def.place, columns.length);
    if (def.primary) primaryKey = [name];
  };

  while (!ts.done()) {
    const item = ts.item();
    ts.eatPunct(',');
    if (!item.length) continue;
    const it = new Tokens(item);
    const rest = (): Token[] => item.slice(it.i);
    // partitioning never changes columns; its clauses may hold commas of their own
    if (it.is('PARTITION', 'BY') || it.is('REMOVE', 'PARTITIONING') || PARTITION_OPS.some((op) => it.is(op, 'PARTITION'))) break;
    if (it.eat('ADD')) {
      if (it.eat('COLUMN')) {
        if (it.isPunct('(')) { addGroup(new Tokens(rest()), addColumn); continue; }
        addColumn(rest()); continue;
      }
      if (it.isPunct('(')) { addGroup(new Tokens(rest()), addColumn); continue; }
      const key = constraintKey(new Tokens(rest()));
      if (key !== null) { if (key) { primaryKey = key; for (const k of key) { const j = index(k); if (j >= 0) columns[j] = { ...columns[j], nullable: false }; } } continue; }
      if (it.is('SYSTEM', 'VERSIONING')) continue;
      addColumn(rest()); continue;
    }
    if (it.eat('DROP')) {
      if (it.eat('PRIMARY', 'KEY')) { primaryKey = []; continue; }
      if (['INDEX', 'KEY', 'FOREIGN', 'CONSTRAINT', 'CHECK', 'SYSTEM', 'PERIOD', 'UNIQUE', 'FULLTEXT', 'SPATIAL'].some((w) => it.is(w))) continue;
      it.eat('COLUMN');
      const ifExists = it.eat('IF', 'EXISTS');
      const name = it.name();
      if (name === undefined) throw new DdlParseError('a column name was expected after DROP');
      const j = index(name);
      if (j < 0) { if (ifExists) continue; throw new DdlParseError(`DROP COLUMN ${name}: no such column`, true); }
      columns.splice(j, 1);
      primaryKey = primaryKey.filter((k) => !same(k, name));
      continue;
    }
    if (it.eat('MODIFY') || it.eat('CHANGE')) {
      const change = (item[0] as { upper?: string }).upper === 'CHANGE';
      it.eat('COLUMN');
      const ifExists = it.eat('IF', 'EXISTS');
      const old = it.name();
      if (old === undefined) throw new DdlParseError('a column name was expected');
      const name = change ? it.name() : old;
      if (name === undefined) throw new DdlParseError(`a new name for column ${old} was expected`);
      const j = index(old);
      if (j < 0) { if (ifExists) continue; throw new DdlParseError(`column ${old} does not exist`, true); }
      const prev = columns[j];
      // MODIFY/CHANGE replace the whole definition: without its own charset, the table's applies
      const def = readColumnDef(name, rest(), defaultCharset);
      columns.splice(j, 1);
      place(def.column, def.place, j);
      primaryKey = primaryKey.map((k) => (same(k, old) ? name : k));
      if (def.primary) primaryKey = [name];
      renamed(prev.name, name);
      continue;
    }
    if (it.eat('RENAME')) {
      if (it.eat('COLUMN')) {
        const from = it.name(); it.eat('TO'); const to = it.name();
        if (from === undefined || to === undefined) throw new DdlParseError('RENAME COLUMN a TO b was expected');
        const j = index(from);
        if (j < 0) throw new DdlParseError(`RENAME COLUMN ${from}: no such column`, true);
        renamed(columns[j].name, to);
        columns[j] = { ...columns[j], name: to };
        primaryKey = primaryKey.map((k) => (same(k, from) ? to : k));
        continue;
      }
      if (it.is('INDEX') || it.is('KEY')) continue;
      if (!it.eat('TO')) it.eat('AS');
      const p = it.qualifiedName();
      if (!p) throw new DdlParseError('a new table name was expected after RENAME');
      renamedTo = toId(p, defaultDb);
      continue;
    }
    if (it.eat('ALTER')) {
      it.eat('COLUMN');
      // SET/DROP DEFAULT, SET VISIBLE/INVISIBLE, ALTER INDEX/CHECK ... VISIBLE: no change of shape
      continue;
    }
    if (it.eat('CONVERT', 'TO')) {
      if (!it.eat('CHARACTER', 'SET')) it.eat('CHARSET');
      it.eatPunct('=');
      const cs = it.name();
      if (!cs) throw new DdlParseError('a character set was expected after CONVERT TO');
      const charset = same(cs, 'DEFAULT') ? defaultCharset : normalizeCharset(cs);
      defaultCharset = charset;
      columns = columns.map((c) => (c.charset !== undefined && c.charset !== 'binary' && !['json'].includes(c.dataType) ? { ...c, charset } : c));
      continue;
    }
    const cs = tableCharsetOption(it);
    if (cs !== null) { if (cs) defaultCharset = cs; continue; }
    const head = it.peek();
    if (head?.t === 'word' && (IGNORED_OPTIONS.has(head.upper) || ['FORCE', 'ORDER', 'DISABLE', 'ENABLE', 'DISCARD', 'IMPORT', 'WITH', 'WITHOUT', 'UPGRADE'].includes(head.upper))) continue;
    throw new DdlParseError(`"${item.map((t) => t.v).join(' ')}" is not an ALTER TABLE clause LakeSync reads`);
  }
  const target = renamedTo ?? id;
  const shape: SourceTable = { ...before, id: target, columns: renumber(columns), primaryKey, ...(defaultCharset ? { defaultCharset } : {}) };
  // a column renamed and then dropped in the same statement is no rename any more
  const kept = renames.filter((r) => columns.some((c) => same(c.name, r.to)));
  return renamedTo && tableKey(renamedTo) !== tableKey(id)
    ? [{ kind: 'drop', table: id }, { kind: 'shape', table: renamedTo, shape }]
    : [{ kind: 'shape', table: id, shape, ...(kept.length ? { renames: kept } : {}) }];
}

/** ADD [COLUMN] (a INT, b INT): each column in turn. */
function addGroup(ts: Tokens, add: (item: Token[]) => void): void {
  ts.eatPunct('(');
  while (!ts.done() && !ts.isPunct(')')) {
    add(ts.item());
    ts.eatPunct(',');
  }
}
