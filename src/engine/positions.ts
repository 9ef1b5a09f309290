// Source positions are small immutable values with parse / format / compare.
// They are never passed around as loose strings: a checkpoint stores format(position).

/**
 * `applied`: row changes after the position that the target already holds, in stream order: a
 * checkpoint inside a large transaction that was applied in parts. A resumed stream skips them,
 * so a replay never applies a change twice (which tables without a key could not absorb).
 * Formatted as a `#applied:N` suffix.
 */
interface Within { readonly applied?: number }
/** A PostgreSQL WAL location (LSN), as a 64-bit unsigned integer. */
export interface LsnPosition extends Within { readonly kind: 'lsn'; readonly lsn: bigint }
/** A MySQL/MariaDB binlog coordinate; `gtid` is the executed GTID set at that point when known. */
export interface BinlogPosition extends Within { readonly kind: 'binlog'; readonly file: string; readonly pos: number; readonly gtid?: string }
/** A GTID set: MySQL `uuid:1-5[,uuid:...]` or MariaDB `domain-server-seq[,...]`. */
export interface GtidPosition extends Within { readonly kind: 'gtid'; readonly set: string }
/** A point in time: only a start request ("changes committed at or after"), never a checkpoint. */
export interface TimePosition { readonly kind: 'time'; readonly at: Date }

export type Position = LsnPosition | BinlogPosition | GtidPosition | TimePosition;
/** A position a checkpoint can hold: a place in the source's log, never a time. */
export type CheckpointPosition = Exclude<Position, TimePosition>;

export class PositionError extends Error {}

export function lsn(value: bigint): LsnPosition { return { kind: 'lsn', lsn: value }; }

/** `0/16B3748` -> 0x16B3748n (high 32 bits / low 32 bits, hex). */
export function parseLsn(text: string): bigint {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text.trim());
  if (!m) throw new PositionError(`"${text}" is not a PostgreSQL LSN; write it as X/Y in hex, e.g. 0/16B3748`);
  return (BigInt('0x' + m[1]) << 32n) | BigInt('0x' + m[2]);
}

export function formatLsn(value: bigint): string {
  return `${(value >> 32n).toString(16).toUpperCase()}/${(value & 0xffffffffn).toString(16).toUpperCase()}`;
}

/**
 * Parses a position as the CLI and checkpoints write it:
 * `lsn:X/Y`, `FILE:POS` (binlog), `gtid:SET`, or an ISO-8601 timestamp.
 * A checkpoint of a binlog position with a GTID set is `FILE:POS#gtid:SET`.
 */
export function parsePosition(text: string): Position {
  const within = /#applied:(\d+)$/.exec(text.trim());
  if (within) {
    const base = parsePosition(text.trim().slice(0, within.index));
    if (base.kind === 'time') throw new PositionError(`"${text}": a time has no applied changes`);
    return Number(within[1]) > 0 ? { ...base, applied: Number(within[1]) } : base;
  }
  const t = text.trim();
  if (t.startsWith('lsn:')) return lsn(parseLsn(t.slice(4)));
  if (t.startsWith('gtid:')) {
    const set = t.slice(5).trim();
    if (!set) throw new PositionError('gtid: needs a GTID set, e.g. gtid:0-1-253 (MariaDB) or gtid:3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5 (MySQL)');
    return { kind: 'gtid', set };
  }
  const binlog = /^([^:#\s]+):(\d+)(?:#gtid:(.+))?$/.exec(t);
  if (binlog && !/^\d{4}-\d{2}-\d{2}/.test(t)) {
    return { kind: 'binlog', file: binlog[1], pos: Number(binlog[2]), ...(binlog[3] ? { gtid: binlog[3] } : {}) };
  }
  if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(t)) {
    const at = new Date(t);
    if (!Number.isNaN(at.getTime())) return { kind: 'time', at };
  }
  throw new PositionError(
    `"${text}" is not a position; use lsn:X/Y (PostgreSQL), FILE:POS or gtid:SET (MySQL/MariaDB), or an ISO timestamp such as 2026-11-24T10:00:00Z`);
}

/** `p` as a checkpoint: a time is only ever a start request, which the source resolves first. */
export function checkpointOf(p: Position): CheckpointPosition {
  if (p.kind === 'time') throw new PositionError(`a checkpoint is a place in the source's log, not a time (${p.at.toISOString()})`);
  return p;
}

/** `p` formatted, or undefined without one. */
export function formatOptional(p: Position | undefined): string | undefined {
  return p ? formatPosition(p) : undefined;
}

/** Two positions are the same place (both may be absent). */
export function samePosition(a: Position | undefined, b: Position | undefined): boolean {
  if (!a || !b) return a === b;
  return a.kind === b.kind && formatPosition(a) === formatPosition(b);
}

export function formatPosition(p: Position): string {
  if (p.kind !== 'time' && p.applied) return `${formatPosition({ ...p, applied: undefined })}#applied:${p.applied}`;
  switch (p.kind) {
    case 'lsn': return `lsn:${formatLsn(p.lsn)}`;
    case 'binlog': return `${p.file}:${p.pos}${p.gtid ? `#gtid:${p.gtid}` : ''}`;
    case 'gtid': return `gtid:${p.set}`;
    case 'time': return p.at.toISOString();
  }
}

/** The position lies inside a large transaction applied in parts (`#applied:N`), not at an end. */
export function insideTransaction(p: Position | undefined): boolean {
  return !!p && p.kind !== 'time' && !!p.applied;
}

/** The position itself, without changes applied past it. */
export function basePosition<P extends Position>(p: P): P {
  return p.kind !== 'time' && p.applied ? { ...p, applied: undefined } : p;
}

/** Orders two positions of the same kind (changes applied past a position come after it); binlog files compare by their numeric suffix. */
export function comparePositions(a: Position, b: Position): number {
  const c = compareBase(a, b);
  if (c !== 0 || a.kind === 'time' || b.kind === 'time') return c;
  return (a.applied ?? 0) - (b.applied ?? 0);
}

function compareBase(a: Position, b: Position): number {
  if (a.kind === 'lsn' && b.kind === 'lsn') return a.lsn < b.lsn ? -1 : a.lsn > b.lsn ? 1 : 0;
  if (a.kind === 'binlog' && b.kind === 'binlog') {
    const fa = binlogFileNumber(a.file), fb = binlogFileNumber(b.file);
    if (fa !== fb) return fa < fb ? -1 : 1;
    return a.pos - b.pos;
  }
  if (a.kind === 'time' && b.kind === 'time') return a.at.getTime() - b.at.getTime();
  throw new PositionError(`cannot compare a ${a.kind} position with a ${b.kind} position`);
}

function binlogFileNumber(file: string): number {
  const m = /\.(\d+)$/.exec(file);
  return m ? Number(m[1]) : 0;
}

/**
 * How far `from` is behind `to`, in bytes of WAL or binlog, when the positions can tell it:
 * two LSNs, or two binlog positions in the same file (across files the sizes of the files in
 * between are not known here). Never negative; undefined when it cannot be told.
 */
export function positionDistance(from: Position, to: Position): number | undefined {
  if (from.kind === 'lsn' && to.kind === 'lsn') return Number(to.lsn > from.lsn ? to.lsn - from.lsn : 0n);
  if (from.kind === 'binlog' && to.kind === 'binlog') {
    const c = comparePositions(from, to);
    if (c >= 0) return 0;
    return from.file === to.file ? to.pos - from.pos : undefined;
  }
  return undefined;
}
