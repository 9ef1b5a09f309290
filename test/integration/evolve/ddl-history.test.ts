// LakeSync's reading of MySQL/MariaDB DDL against the server's own: each statement is run on a real
// MariaDB and moves LakeSync's schema history; after each one the history's shape of the table
// must equal what information_schema says (names, order, types, lengths, precision, scale,
// unsigned, charset, enum labels, primary key). Cases after Debezium's and Flink CDC's DDL fixtures.
import assert from 'node:assert/strict';
import { startMariadb, type ServerHandle } from '../../harness';
import { SchemaHistory } from '../../../src/engine/source/mysql/history';
import { databaseCharsets, describeMysqlTable } from '../../../src/engine/source/mysql/metadata';
import type { SourceTable } from '../../../src/engine/source/types';
import mysql from 'mysql2/promise';

/** What the type map and the binlog decoder read of a column. */
function essentials(t: SourceTable | undefined): unknown {
  if (!t) return undefined;
  return {
    columns: t.columns.map((c) => ({
      name: c.name, dataType: c.dataType, length: c.length, precision: ['float', 'double'].includes(c.dataType) ? undefined : c.precision,
      scale: ['float', 'double'].includes(c.dataType) ? undefined : c.scale, unsigned: c.unsigned ?? false,
      charset: c.charset, enumValues: c.enumValues, generated: c.generated ?? false,
    })),
    primaryKey: t.primaryKey,
  };
}

const STEPS: { sql: string; table: string }[] = [
  { table: 'a', sql: 'CREATE TABLE a (id INT UNSIGNED NOT NULL AUTO_INCREMENT, name VARCHAR(40) NOT NULL DEFAULT \'x\' COMMENT \'the name, first\', PRIMARY KEY (id)) ENGINE=InnoDB DEFAULT CHARSET=latin1' },
  { table: 'a', sql: 'ALTER TABLE a ADD COLUMN price DECIMAL(8,2) DEFAULT 0.00 AFTER id' },
  { table: 'a', sql: 'ALTER TABLE a ADD COLUMN `first col` TINYINT(1) FIRST, ADD COLUMN note TEXT CHARACTER SET utf8mb4' },
  { table: 'a', sql: 'ALTER TABLE a MODIFY price DECIMAL(12,4) NOT NULL' },
  { table: 'a', sql: 'ALTER TABLE a CHANGE COLUMN name title VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL AFTER `first col`' },
  { table: 'a', sql: 'ALTER TABLE a RENAME COLUMN note TO remark, ADD INDEX ix_title (title), ALGORITHM=INPLACE, LOCK=NONE' },
  { table: 'a', sql: 'ALTER TABLE a ADD (e ENUM(\'x\',\'y\',\'it\'\'s\') DEFAULT \'x\', s SET(\'a\',\'b\'), b BIT(5), bi BIGINT UNSIGNED ZEROFILL, dt DATETIME(3) DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3))' },
  { table: 'a', sql: 'ALTER TABLE a DROP COLUMN `first col`, DROP INDEX ix_title' },
  { table: 'a', sql: '/* a comment */ ALTER TABLE `a` ENGINE=InnoDB, COMMENT=\'t, with, commas\'' },
  { table: 'a', sql: 'ALTER TABLE a ADD COLUMN bin_s CHAR(4) BINARY, ADD COLUMN vb VARBINARY(16), ADD COLUMN j JSON, ADD COLUMN u BOOL' },
  { table: 'a', sql: 'ALTER TABLE a CONVERT TO CHARACTER SET utf8mb4' },
  { table: 'a', sql: 'ALTER TABLE a ADD COLUMN gen INT AS (id * 2) VIRTUAL, ADD COLUMN t3 TIME(2), ADD COLUMN y YEAR, ADD COLUMN f FLOAT, ADD COLUMN d DOUBLE PRECISION' },
  { table: 'a', sql: 'ALTER TABLE a DROP PRIMARY KEY, ADD PRIMARY KEY (id, price)' },
  { table: 'a', sql: 'ALTER TABLE a MODIFY COLUMN id BIGINT NOT NULL FIRST, ALTER COLUMN price SET DEFAULT 1' },
  { table: 'a', sql: 'ALTER TABLE a PARTITION BY HASH (id) PARTITIONS 2' },
  { table: 'a', sql: 'ALTER TABLE a COALESCE PARTITION 1' },
  { table: 'a', sql: 'ALTER TABLE a REMOVE PARTITIONING' },
  { table: 'a', sql: 'ALTER TABLE a ADD COLUMN IF NOT EXISTS remark TEXT, DROP COLUMN IF EXISTS nothing_here' },
  { table: 'a', sql: 'ALTER TABLE a ADD COLUMN c1 INT NOT NULL DEFAULT 7 AFTER id, ADD COLUMN c2 VARCHAR(5) NOT NULL FIRST, MODIFY e ENUM(\'x\',\'y\',\'it\'\'s\',\'z\') DEFAULT \'x\'' },
  { table: 'a', sql: 'ALTER TABLE a CHANGE c1 c3 BIGINT FIRST, DROP COLUMN c2' },
  { table: 'b', sql: 'CREATE TABLE b LIKE a' },
  { table: 'b', sql: 'RENAME TABLE b TO c, c TO b' },
  { table: 'c', sql: 'ALTER TABLE b RENAME TO c' },
  { table: 'n', sql: 'CREATE TABLE n (id INT PRIMARY KEY, nc NATIONAL CHAR(3), nv NVARCHAR(10), lv LONG VARCHAR, mi MIDDLEINT, r REAL, dec2 DEC(5), num NUMERIC(7,3) UNSIGNED, key_col INT, KEY (key_col), UNIQUE KEY uk (nc))' },
  { table: 'n', sql: 'ALTER TABLE n MODIFY nv VARCHAR(20), MODIFY lv MEDIUMTEXT CHARSET latin1' },
  { table: 'c', sql: 'DROP TABLE IF EXISTS c' },
];

describe('MySQL DDL read into the schema history equals the server\'s own description (MariaDB)', function () {
  this.timeout(120_000);
  let server: ServerHandle;
  let conn: mysql.Connection;
  before(async () => {
    server = await startMariadb({ binlogRowMetadata: 'NO_LOG' });
    await server.sql('CREATE DATABASE ddl CHARACTER SET utf8mb4');
    conn = await mysql.createConnection({ host: server.host, port: server.port, user: server.user, password: server.password, database: 'ddl' });
  });
  after(async () => { await conn?.end(); await server?.stop(); });

  it(`${STEPS.length} statements: after each, the history's shape is the server's`, async () => {
    const history = new SchemaHistory([], await databaseCharsets(conn, ['ddl']));
    for (const step of STEPS) {
      await conn.query(step.sql);
      const effects = history.apply(step.sql, 'ddl');
      assert.ok(!effects.some((e) => e.kind === 'unknown'), `${step.sql}: ${JSON.stringify(effects)}`);
      const id = { db: 'ddl', table: step.table };
      const server = await describeMysqlTable(conn, id);
      assert.deepEqual(essentials(history.shape(id)), essentials(server), step.sql);
    }
  });

  it('a statement it cannot read makes the table unknown, with the reason', async () => {
    await conn.query('CREATE TABLE q (id INT PRIMARY KEY, v INT)');
    const history = new SchemaHistory([(await describeMysqlTable(conn, { db: 'ddl', table: 'q' }))!]);
    const effects = history.apply('ALTER TABLE q ADD COLUMN w SOMETYPE', 'ddl');
    assert.equal(effects[0]?.kind, 'unknown');
    assert.match(history.unknownReason({ db: 'ddl', table: 'q' })?.reason ?? '', /SOMETYPE/);
    assert.equal(history.columnSchemas({ db: 'ddl', table: 'q' }), undefined);
  });
});
