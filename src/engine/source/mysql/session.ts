// Connections of the MySQL source reader, on top of connect.ts (the task's connection options:
// exact numbers as strings, dates as the server's text, UTC sessions).
import type { Readable } from 'node:stream';
import type mysql from 'mysql2/promise';
import type { ConnectionOptions } from 'mysql2';
import type { SourceConfig } from '../../config/plan';
import { connectMysql, mysqlTransportOptions } from './connect';

/**
 * Options of the binlog connection: the task's (with source.tls and source.ssh), plus JSON columns
 * as text (MySQL 8 binary JSON). With tls.mode prefer against a server without TLS, the binlog
 * connection is plain once a query connection found that out (the task opens one first).
 */
export async function connectionOptions(src: SourceConfig): Promise<ConnectionOptions> {
  return { ...(await mysqlTransportOptions(src, { database: null })), jsonStrings: true } as ConnectionOptions;
}

export type Sql = mysql.Connection;

/** A query connection in UTC, no default database. */
export function openConnection(src: SourceConfig): Promise<Sql> {
  return connectMysql(src, { database: null });
}

/** Runs a query and returns its rows as objects. */
export async function rows<T>(c: Sql, sql: string, params: unknown[] = []): Promise<T[]> {
  const [r] = await c.query(sql, params);
  return r as T[];
}

/** True for MariaDB servers (VERSION() says so). */
export async function isMariadb(c: Sql): Promise<boolean> {
  const [r] = await rows<{ v: string }>(c, 'SELECT VERSION() AS v');
  return /mariadb/i.test(r.v);
}

type Core = NodeJS.EventEmitter & {
  _closing?: boolean; _fatalError?: unknown; _protocolError?: unknown; stream?: NodeJS.EventEmitter & { destroyed?: boolean };
  query(o: object, p: unknown[]): { stream(o?: object): Readable };
};
const coreOf = (c: Sql): Core => (c as unknown as { connection: Core }).connection;

/** True when the server or the network has closed this connection (restart, KILL, timeout): it cannot be used again. */
export function isClosed(c: Sql): boolean {
  const core = coreOf(c);
  return Boolean(core._closing || core._fatalError || core._protocolError || core.stream?.destroyed);
}

/**
 * A query's rows as a stream that always ends: with an error when the connection closes before
 * or during the read. mysql2 reports a closed connection to the connection, not to a query
 * without a callback, so a row stream alone can wait for ever (a query issued on a connection
 * that closed a moment before never settled: a MariaDB restart mid-snapshot hung the full sync).
 * `done()` must be called once the stream is consumed.
 */
export function queryStream(c: Sql, options: object, params: unknown[], highWaterMark: number): { stream: Readable; done: () => void } {
  if (isClosed(c)) throw new Error('the connection to the source closed; the chunk is read again on a new one');
  const core = coreOf(c);
  let stream: Readable | undefined;
  let gone: Error | undefined;
  const onGone = (err?: unknown) => {
    gone ??= err instanceof Error ? err : new Error('the connection to the source closed during the chunk read');
    stream?.destroy(gone);
  };
  const onClose = () => onGone();
  // listening before the query is issued: a connection found closed reports it synchronously
  core.on('error', onGone);
  core.on('end', onClose);
  core.stream?.on('close', onClose);
  const done = () => {
    core.off('error', onGone);
    core.off('end', onClose);
    core.stream?.off('close', onClose);
  };
  try {
    stream = core.query(options, params).stream({ highWaterMark });
  } catch (err) {
    done();
    throw err;
  }
  if (gone) stream.destroy(gone);
  return { stream, done };
}
