// Connections of the MySQL source reader, on top of connect.ts (the task's connection options:
// exact numbers as strings, dates as the server's text, UTC sessions).
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
