// The migration script of the schema-evolution tests (migration.test.ts, and the Iceberg interop
// test that reads its result with three readers): ALTER TABLEs back to back with updates between
// them, and a writer that keeps inserting and updating meanwhile.
import { sleep, waitUntil } from '../../harness';
import type { Kind, Source, Task } from '../modes/helpers';

export const ROWS = 300;

/** Statements of the migration in the source's dialect, with the updates that follow each. */
export function forward(kind: Kind, t: string): string[] {
  const my = kind === 'mariadb';
  return [
    my ? `ALTER TABLE ${t} ADD COLUMN tag varchar(20) AFTER qty` : `ALTER TABLE ${t} ADD COLUMN tag varchar(20)`,
    `UPDATE ${t} SET tag = ${my ? "concat('t', id)" : "'t' || id"} WHERE id % 3 = 0`,
    my ? `ALTER TABLE ${t} MODIFY qty int` : `ALTER TABLE ${t} ALTER COLUMN qty TYPE int`,
    `UPDATE ${t} SET qty = 100000 + id WHERE id % 5 = 0`,
    my ? `ALTER TABLE ${t} MODIFY price decimal(12,4)` : `ALTER TABLE ${t} ALTER COLUMN price TYPE numeric(12,4)`,
    `UPDATE ${t} SET price = 12345678.1234 WHERE id % 7 = 0`,
    my ? `ALTER TABLE ${t} MODIFY name varchar(200)` : `ALTER TABLE ${t} ALTER COLUMN name TYPE varchar(200)`,
    `UPDATE ${t} SET name = ${my ? "repeat('n', 150)" : "repeat('n', 150)"} WHERE id % 11 = 0`,
    my ? `ALTER TABLE ${t} CHANGE note remark text` : `ALTER TABLE ${t} RENAME COLUMN note TO remark`,
    `UPDATE ${t} SET remark = ${my ? "concat('r', id)" : "'r' || id"} WHERE id % 4 = 0`,
    `ALTER TABLE ${t} DROP COLUMN legacy`,
    `DELETE FROM ${t} WHERE id % 3 = 1 AND id <= 300`,
    // two changes in one statement: an added column with a default (every existing row takes it)
    // and a type change (PostgreSQL rewrites the table with USING)
    my ? `ALTER TABLE ${t} ADD COLUMN status varchar(10) NOT NULL DEFAULT 'new' AFTER name, MODIFY code int`
      : `ALTER TABLE ${t} ADD COLUMN status varchar(10) NOT NULL DEFAULT 'new', ALTER COLUMN code TYPE int USING code::int`,
    `UPDATE ${t} SET status = 'done', code = code + 1000 WHERE id % 6 = 0`,
  ];
}

export const FINAL_COLUMNS = ['id', 'qty', 'price', 'name', 'remark', 'tag', 'status', 'code'];
export const FINAL_TYPES = ['id INTEGER', 'qty INTEGER', 'price DECIMAL(12,4)', 'name VARCHAR', 'remark VARCHAR', 'tag VARCHAR', 'status VARCHAR', 'code INTEGER'];

/**
 * Writes rows (inserts and updates of the columns every shape has) until stopped. `stop(min)` first
 * waits until `min` rows were written: on a loaded machine (and behind the DDL's locks) a writer
 * can be slower than the script it runs beside.
 */
export function writer(src: Source, t: string, from: number, rows = ROWS): { stop(min?: number): Promise<number> } {
  let stopped = false;
  let n = 0;
  const run = (async () => {
    for (let i = from; !stopped; i++) {
      await src.sql(`INSERT INTO ${t} (id, qty) VALUES (${i}, ${i % 100})`);
      await src.sql(`UPDATE ${t} SET qty = qty + 1 WHERE id = ${1 + (i * 7) % rows}`);
      n++;
      await sleep(5);
    }
  })();
  return {
    async stop(min = 0) {
      await waitUntil(`${min} writes`, () => n >= min).catch(() => undefined); // the caller asserts the count
      stopped = true;
      await run;
      return n;
    },
  };
}

/**
 * Equal after catch-up, and streaming again: a change the stream cannot carry (varchar -> int
 * converts values at the source) resyncs the table, which may still run when values first match.
 */
export async function settled(task: Task, t: string): Promise<void> {
  await task.waitSame(t, 'items', FINAL_COLUMNS, 120_000);
  await task.waitFor(`${t} to stream again`, async () => ['incremental', 'failed'].includes((await task.table(t)).phase), 120_000);
  await task.waitSame(t, 'items', FINAL_COLUMNS, 120_000);
}
