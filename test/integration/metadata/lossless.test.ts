// The whole contract of the type map against real servers: values written into PostgreSQL and
// MariaDB, read back as the servers' text (through the readers' converters to canonical text),
// loaded into DuckDB with the mapped type and fromText: what DuckDB holds is the source value.
import assert from 'node:assert/strict';
import pg from 'pg';
import mysql from 'mysql2/promise';
import { sharedMariadb, sharedPostgres, type ServerHandle } from '../../harness';
import { describePostgresTable } from '../../../src/engine/source/postgres/metadata';
import { describeMysqlTable } from '../../../src/engine/source/mysql/metadata';
import { mapMysqlColumn, mapPostgresColumn } from '../../../src/engine/typemap';
import { TypeResolver } from '../../../src/engine/source/postgres/typeinfo';
import { toCanonical } from '../../../src/engine/source/postgres/values';
import { fromSnapshotText, snapshotSelectExpr, valueKind } from '../../../src/engine/source/mysql/values';
import { pgClientConfig } from '../../../src/engine/source/postgres/connect';
import { mysqlConnectionOptions } from '../../../src/engine/source/mysql/connect';
import type { SourceConfig } from '../../../src/engine/config/plan';
import { roundTrip, type ReadBack } from '../../unit/typemap/duck';

type Check = string | null | ((g: ReadBack) => void);
interface Case { type: string; values: [string, Check][] }

const js = (v: unknown) => (g: ReadBack) => assert.deepEqual(g.js, v);
const hex = (h: string) => (g: ReadBack) => assert.equal(g.hex, h);
const num = (v: number) => (g: ReadBack) => assert.ok(Object.is(g.js, v) || (Number.isNaN(v) && Number.isNaN(g.js as number)), `${v} vs ${String(g.js)}`);
const digits1000 = '9'.repeat(600) + '.' + '1'.repeat(400);

const source = (s: ServerHandle, database: string): SourceConfig => ({
  type: s.kind === 'postgres' ? 'postgres' : 'mysql', host: s.host, port: s.port, user: s.user, password: s.password,
  database, serverId: 1, slot: '', publication: '', connectTimeoutMs: 10_000,
});

describe('lossless: real server text -> canonical text -> DuckDB (PostgreSQL)', () => {
  const cases: Case[] = [
    { type: 'int2', values: [['-32768', '-32768'], ['32767', '32767']] },
    { type: 'int8', values: [['-9223372036854775808', '-9223372036854775808']] },
    { type: 'numeric(12,2)', values: [["'-12.5'", '-12.50'], ["'NaN'", null]] },
    { type: 'numeric', values: [[`'${digits1000}'`, digits1000], ["'NaN'", 'NaN'], ["'-Infinity'", '-Infinity'], ["'1.10'", '1.10']] },
    { type: 'money', values: [["'-92233720368547758.08'", '-92233720368547758.08'], ["'1234.5'", '1234.50']] },
    { type: 'float4', values: [["'3.4028235e38'", num(Math.fround(3.4028235e38))], ["'1e-45'", num(Math.fround(1e-45))], ["'NaN'", num(NaN)]] },
    { type: 'float8', values: [["'-0'", num(-0)], ["'5e-324'", num(5e-324)], ["'Infinity'", num(Infinity)], ["'0.1'", num(0.1)], ["'1e20'", num(1e20)]] },
    { type: 'bool', values: [['true', 'true'], ['false', 'false']] },
    { type: 'bpchar(4)', values: [["'ab'", 'ab  ']] },
    { type: 'text', values: [[`E'tab\\there\\nnew \\\\ "q" ''s'' é 😀'`, `tab\there\nnew \\ "q" 's' é 😀`]] },
    { type: 'bytea', values: [["'\\x00ff10'", hex('00ff10')], ["''", hex('')]] },
    { type: 'bit(5)', values: [["B'00101'", '00101']] },
    { type: 'varbit', values: [["B''", ''], ["B'1'", '1']] },
    { type: 'date', values: [["'0044-03-15 BC'", '0044-03-15 (BC)'], ["'infinity'", 'infinity'], ["'2024-02-29'", '2024-02-29']] },
    { type: 'timestamp', values: [["'1999-01-08 04:05:06.000001 BC'", '1999-01-08 (BC) 04:05:06.000001'], ["'-infinity'", '-infinity']] },
    { type: 'timestamptz', values: [["'2024-02-29 23:59:59.123456+05'", '2024-02-29 18:59:59.123456+00'], ["'infinity'", 'infinity']] },
    { type: 'time', values: [["'24:00:00'", '24:00:00'], ["'00:00:00.000001'", '00:00:00.000001']] },
    { type: 'timetz', values: [["'12:34:56.789+05:30:15'", '12:34:56.789+05:30:15'], ["'23:59:59-15:59'", '23:59:59-15:59']] },
    { type: 'interval', values: [["'1 year 2 mons -3 days 04:05:06.789'", js({ months: 14, days: -3, micros: 14706789000n })],
      ["'-1 day +25:00:00'", js({ months: 0, days: -1, micros: 90000000000n })], ["'-178000000 years'", js({ months: -2136000000, days: 0, micros: 0n })]] },
    { type: 'uuid', values: [["'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'", 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11']] },
    { type: 'json', values: [[`'{"a":  1, "a": [2.50]}'`, '{"a":  1, "a": [2.50]}']] },
    { type: 'jsonb', values: [[`'{"b": 1, "a": [2.50, "é"]}'`, '{"a": [2.50, "é"], "b": 1}']] },
    { type: 'inet', values: [["'192.168.0.1/24'", '192.168.0.1/24']] },
    { type: 'mood', values: [["'happy face'", 'happy face']] },
    { type: 'price', values: [["'12.5'", '12.50']] },
    { type: 'int4[]', values: [["'{1,NULL,-2147483648}'", js([1, null, -2147483648])], ["'{}'", js([])]] },
    { type: 'text[]', values: [[`ARRAY['a,b', '"q"', NULL, 'NULL', '', 'back\\slash', '{x}']`, js(['a,b', '"q"', null, 'NULL', '', 'back\\slash', '{x}'])]] },
    { type: 'int4[][]', values: [["'{{1,2},{3,NULL}}'", js([[1, 2], [3, null]])]] },
    { type: 'bytea[]', values: [["ARRAY['\\x00ff'::bytea, NULL]", (g) => assert.equal(g.text, '[\\x00\\xFF, NULL]')]] },
    { type: 'interval[]', values: [["ARRAY['1 mon -1 day'::interval]", js([{ months: 1, days: -1, micros: 0n }])]] },
    { type: 'numeric[]', values: [["ARRAY['NaN', '1.50']::numeric[]", js(['NaN', '1.50'])]] },
    { type: 'bool[]', values: [["'{t,f}'", js([true, false])]] },
    { type: 'mood[]', values: [["ARRAY['happy face', 'ok']::mood[]", js(['happy face', 'ok'])]] },
  ];

  let server: ServerHandle;
  let db: string;
  let client: pg.Client;
  let types: TypeResolver;
  before(async () => {
    server = await sharedPostgres();
    db = await server.createDatabase();
    client = new pg.Client(pgClientConfig(source(server, db)));
    await client.connect();
    await client.query(`CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy face'); CREATE DOMAIN price AS numeric(10,2)`);
    types = new TypeResolver(async () => client);
  });
  after(async () => { await client?.end(); await server?.dropDatabase(db); });

  cases.forEach((c, n) => {
    it(`${c.type}`, async () => {
      const table = `t${n}`;
      await client.query(`CREATE TABLE ${table} (i int PRIMARY KEY, v ${c.type})`);
      for (const [i, [literal]] of c.values.entries()) await client.query(`INSERT INTO ${table} VALUES (${i}, ${literal})`);
      const meta = await describePostgresTable(client, { db: 'public', table });
      const col = meta!.columns[1];
      const m = mapPostgresColumn(col);
      assert.equal(m.warning, undefined);
      await types.load([col.typeOid!]);
      // the type's own text output, as COPY and pgoutput give it (v::text would strip char(n) padding)
      const r = await client.query<string[]>({ text: `SELECT v FROM ${table} ORDER BY i`, rowMode: 'array', types: { getTypeParser: () => (x: string) => x } });
      const staged = r.rows.map(([x]) => (x === null ? null : toCanonical(types.kindOf(col.typeOid), x)));
      const got = await roundTrip(m, staged);
      c.values.forEach(([literal, check], i) => {
        if (typeof check === 'function') check(got[i]); else assert.equal(got[i].text, check, literal);
      });
    });
  });
});

describe('lossless: real server text -> canonical text -> DuckDB (MariaDB)', () => {
  const us = (h: number, m: number, s: number, f = 0) => BigInt((h * 60 + m) * 60 + s) * 1_000_000n + BigInt(f);
  const cases: Case[] = [
    { type: 'TINYINT UNSIGNED', values: [['255', '255']] },
    { type: 'BIGINT UNSIGNED', values: [['18446744073709551615', '18446744073709551615']] },
    { type: 'BIGINT', values: [['-9223372036854775808', '-9223372036854775808']] },
    { type: 'DECIMAL(65,30)', values: [[`-${'9'.repeat(35)}.${'9'.repeat(30)}`, `-${'9'.repeat(35)}.${'9'.repeat(30)}`], ['0.5', '0.500000000000000000000000000000']] },
    { type: 'DECIMAL(12,2) UNSIGNED', values: [['9999999999.99', '9999999999.99']] },
    { type: 'FLOAT', values: [['3.40282e38', num(Math.fround(3.40282e38))], ['0.1', num(Math.fround(0.1))], ['-1.17549e-38', num(Math.fround(-1.17549e-38))]] },
    { type: 'DOUBLE', values: [['1.7976931348623157e308', num(1.7976931348623157e308)], ['0.1', num(0.1)], ['5e-324', num(5e-324)]] },
    { type: 'BIT(64)', values: [["b'1111111111111111111111111111111111111111111111111111111111111111'", '18446744073709551615'], ["b'1010'", '10']] },
    { type: 'BIT(1)', values: [["b'1'", '1'], ["b'0'", '0']] },
    { type: 'YEAR', values: [['2155', '2155'], ['1901', '1901'], ["'0000'", '0']] },
    { type: 'DATE', values: [["'1000-01-01'", '1000-01-01'], ["'9999-12-31'", '9999-12-31'], ["'0000-00-00'", null], ["'2024-00-10'", null]] },
    { type: 'DATETIME(6)', values: [["'9999-12-31 23:59:59.999999'", '9999-12-31 23:59:59.999999'], ["'0000-00-00 00:00:00'", null]] },
    { type: 'TIMESTAMP(6) NULL', values: [["'2038-01-19 03:14:07.999999'", '2038-01-19 03:14:07.999999+00'], ["'1970-01-01 00:00:01'", '1970-01-01 00:00:01+00'], ["'0000-00-00 00:00:00'", null]] },
    { type: 'TIME(6)', values: [["'-838:59:59'", js({ months: 0, days: 0, micros: -us(838, 59, 59) })], ["'838:59:59.000000'", js({ months: 0, days: 0, micros: us(838, 59, 59) })],
      ["'-00:00:00.5'", js({ months: 0, days: 0, micros: -500000n })], ["'25:00:00.000001'", js({ months: 0, days: 0, micros: us(25, 0, 0, 1) })]] },
    { type: 'VARCHAR(20) CHARACTER SET latin1', values: [["'café €'", 'café €']] },
    { type: 'VARCHAR(20) CHARACTER SET utf8mb4', values: [["'héllo 日本 😀'", 'héllo 日本 😀'], ["'a\\\\b''c\"'", "a\\b'c\""]] },
    { type: "ENUM('a','b c')", values: [["'b c'", 'b c']] },
    { type: "SET('x','y')", values: [["'x,y'", 'x,y']] },
    { type: 'JSON', values: [[`'{"k": [1, "é", null, 1.50]}'`, '{"k": [1, "é", null, 1.50]}']] },
    { type: 'BLOB', values: [["X'00FF10'", hex('00ff10')], ["''", hex('')]] },
    { type: 'BINARY(4)', values: [["X'61'", hex('61000000')]] },
    { type: 'VARCHAR(4) CHARACTER SET binary', values: [["X'00FF'", hex('00ff')]] },
    { type: 'UUID', values: [["'123e4567-e89b-12d3-a456-426614174000'", '123e4567-e89b-12d3-a456-426614174000']] },
    { type: 'INET6', values: [["'::ffff:1.2.3.4'", '::ffff:1.2.3.4'], ["'2001:db8::1'", '2001:db8::1']] },
    { type: 'GEOMETRY', values: [["ST_GeomFromText('POINT(1 2)')", hex('00000000' + '0101000000' + '000000000000f03f' + '0000000000000040')]] },
  ];

  let server: ServerHandle;
  let db: string;
  let conn: mysql.Connection;
  before(async () => {
    server = await sharedMariadb();
    db = await server.createDatabase();
    conn = await mysql.createConnection(mysqlConnectionOptions(source(server, db)));
    await conn.query("SET time_zone = '+00:00', sql_mode = ''");
  });
  after(async () => { await conn?.end(); await server?.dropDatabase(db); });

  cases.forEach((c, n) => {
    it(`${c.type}`, async () => {
      const table = `t${n}`;
      await conn.query(`CREATE TABLE ${table} (i INT PRIMARY KEY, v ${c.type})`);
      for (const [i, [literal]] of c.values.entries()) await conn.query(`INSERT INTO ${table} VALUES (${i}, ${literal})`);
      const meta = await describeMysqlTable(conn, { db, table });
      const col = meta!.columns[1];
      const m = mapMysqlColumn(col);
      assert.equal(m.warning, undefined);
      const [rows] = await conn.query({ sql: `SELECT ${snapshotSelectExpr(col)} FROM ${table} ORDER BY i`, rowsAsArray: true,
        typeCast: (field: { type: string; string(enc?: string): string | null }) => (field.type === 'JSON' ? field.string('utf8') : field.string()) });
      const staged = (rows as (string | null)[][]).map((r) => fromSnapshotText(valueKind(col), r[0]));
      const got = await roundTrip(m, staged);
      c.values.forEach(([literal, check], i) => {
        if (typeof check === 'function') check(got[i]); else assert.equal(got[i].text, check, literal);
      });
    });
  });
});
