// The README's main job: a real sync of a sample shop database into .lakehouse/demo.duckdb (or,
// with --iceberg, into Apache Iceberg tables under .lakehouse/demo/).
// It starts a private PostgreSQL (or, with --mysql, MariaDB) in a temp folder (as the tests do; no
// system service is touched),
// creates the sample data, runs check and preview, syncs with progress on the terminal, makes a few
// live changes, shows them arriving, and prints a query of the result.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { startMariadb } from '../test/harness/servers/mariadb';
import { startPostgres } from '../test/harness/servers/postgres';
import type { ServerHandle } from '../test/harness/servers/types';

const root = resolve(__dirname, '..');
const lakehouse = join(root, '.lakehouse');
const cli = join(root, 'bin', 'lakesync');

function step(title: string): void { console.log(`\n\x1b[1m▶ ${title}\x1b[0m`); }

function lakesync(args: string[], env: NodeJS.ProcessEnv): number {
  console.log(`$ lakesync ${args.join(' ')}`);
  return spawnSync(process.execPath, [cli, ...args], { stdio: 'inherit', env }).status ?? 1;
}

function capture(args: string[], env: NodeJS.ProcessEnv): string {
  return spawnSync(process.execPath, [cli, ...args], { env, encoding: 'utf8' }).stdout;
}

/** The sample shop in each source's dialect; `ns` is the schema (PostgreSQL) or database (MariaDB). */
const SAMPLE = {
  postgres: {
    ns: 'public',
    tables: [
      `CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, email text, country char(2), created_at timestamptz NOT NULL DEFAULT now())`,
      `CREATE TABLE products (sku text PRIMARY KEY, title text NOT NULL, price numeric(10,2) NOT NULL, tags text[], attrs jsonb)`,
      `CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int NOT NULL, sku text NOT NULL, qty int NOT NULL,
        total numeric(12,2) NOT NULL, status text NOT NULL, ordered_at timestamp(6) NOT NULL)`,
      `INSERT INTO customers SELECT i, 'customer ' || i, 'c' || i || '@example.com', (ARRAY['DE','FR','US','JP'])[1 + i % 4],
        timestamptz '2026-01-01 00:00:00+00' + i * interval '1 minute' FROM generate_series(1, 5000) i`,
      `INSERT INTO products SELECT 'SKU-' || i, 'product ' || i, (i % 97) + 0.99, ARRAY['tag' || (i % 5), 'demo'],
        jsonb_build_object('color', (ARRAY['red','green','blue'])[1 + i % 3], 'weight_g', i * 10) FROM generate_series(1, 500) i`,
      `INSERT INTO orders SELECT i, 1 + i % 5000, 'SKU-' || (1 + i % 500), 1 + i % 4, ((1 + i % 4) * ((i % 97) + 0.99))::numeric(12,2),
        (ARRAY['new','paid','shipped'])[1 + i % 3], timestamp '2026-06-01' + i * interval '37 seconds 123456 microseconds' FROM generate_series(1, 100000) i`,
    ],
    newOrder: `INSERT INTO orders VALUES (100001, 42, 'SKU-7', 3, 23.97, 'new', now()::timestamp)`,
    reprice: `UPDATE products SET price = price * 2, attrs = attrs || '{"sale": false}' WHERE sku = 'SKU-1'`,
  },
  mysql: {
    ns: 'shop',
    tables: [
      `CREATE TABLE customers (id int PRIMARY KEY, name varchar(100) NOT NULL, email varchar(200), country char(2),
        created_at timestamp(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)) CHARACTER SET utf8mb4`,
      `CREATE TABLE products (sku varchar(20) PRIMARY KEY, title varchar(100) NOT NULL, price decimal(10,2) NOT NULL,
        tags set('tag0','tag1','tag2','tag3','tag4','demo'), attrs json)`,
      `CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int NOT NULL, sku varchar(20) NOT NULL, qty int NOT NULL,
        total decimal(12,2) NOT NULL, status enum('new','paid','shipped') NOT NULL, ordered_at datetime(6) NOT NULL)`,
      `INSERT INTO customers SELECT seq, CONCAT('customer ', seq), CONCAT('c', seq, '@example.com'), ELT(1 + seq % 4, 'DE','FR','US','JP'),
        TIMESTAMP '2026-01-01 00:00:00' + INTERVAL seq MINUTE FROM seq_1_to_5000`,
      `INSERT INTO products SELECT CONCAT('SKU-', seq), CONCAT('product ', seq), (seq % 97) + 0.99, CONCAT('tag', seq % 5, ',demo'),
        JSON_OBJECT('color', ELT(1 + seq % 3, 'red','green','blue'), 'weight_g', seq * 10) FROM seq_1_to_500`,
      `INSERT INTO orders SELECT seq, 1 + seq % 5000, CONCAT('SKU-', 1 + seq % 500), 1 + seq % 4, (1 + seq % 4) * ((seq % 97) + 0.99),
        ELT(1 + seq % 3, 'new','paid','shipped'), TIMESTAMP '2026-06-01 00:00:00' + INTERVAL (seq * 37123456) MICROSECOND FROM seq_1_to_100000`,
    ],
    newOrder: `INSERT INTO orders VALUES (100001, 42, 'SKU-7', 3, 23.97, 'new', NOW(6))`,
    reprice: `UPDATE products SET price = price * 2, attrs = JSON_SET(attrs, '$.sale', false) WHERE sku = 'SKU-1'`,
  },
};

async function main(): Promise<void> {
  const kind = process.argv.includes('--mysql') ? 'mysql' : 'postgres';
  const iceberg = process.argv.includes('--iceberg');
  const sample = SAMPLE[kind];
  step(kind === 'mysql' ? 'Starting a private MariaDB (binlog ROW/FULL) in a temp folder'
    : 'Starting a private PostgreSQL (wal_level=logical) in a temp folder');
  const server: ServerHandle = kind === 'mysql' ? await startMariadb() : await startPostgres();
  try {
    const env = { ...process.env, ...server.env };
    console.log(`${server.version} on ${server.host}:${server.port}`);

    step('Creating the sample database "shop"');
    const db = await server.createDatabase('shop');
    const sql = (q: string) => server.sql(q, [], { database: db });
    for (const statement of sample.tables) await sql(statement);
    console.log('customers: 5,000 rows · products: 500 rows · orders: 100,000 rows');

    rmSync(join(lakehouse, 'demo.duckdb'), { force: true });
    rmSync(join(lakehouse, 'demo.duckdb.wal'), { force: true });
    rmSync(join(lakehouse, 'demo.duckdb.status.json'), { force: true });
    rmSync(join(lakehouse, 'demo'), { recursive: true, force: true });
    mkdirSync(lakehouse, { recursive: true });
    const task = join(lakehouse, 'demo.sync.yaml');
    writeFileSync(task, '# Written by `npm run demo`: a task syncing the sample shop database.\n' + stringify({
      name: 'demo',
      source: server.source(kind === 'postgres' ? db : undefined),
      mode: 'database-mirror',
      databases: [sample.ns],
      target: iceberg ? { type: 'iceberg', warehouse: 'demo', namespace: 'ods' } : { type: 'duckdb', path: 'demo.duckdb', namespace: 'ods' },
      snapshot: { concurrency: 2, chunkSize: 20000 },
    }));
    console.log(`task file: ${task}`);

    step('Preflight check of the source');
    if (lakesync(['check', task], env) !== 0) throw new Error('lakesync check failed');

    step('Mapping preview');
    if (lakesync(['preview', task], env) !== 0) throw new Error('lakesync preview failed');

    step('Full sync, then real-time changes');
    console.log(`$ lakesync run ${task}`);
    const engine = spawn(process.execPath, [cli, 'run', task], { stdio: ['ignore', 'inherit', 'inherit'], env });
    const exited = new Promise<number>((r) => engine.on('exit', (code) => r(code ?? 1)));
    await waitFor(() => {
      const status = JSON.parse(capture(['status', task, '--json'], env) || '{}');
      return status.phase === 'incremental';
    }, 120_000, 'the full sync to finish');

    step('Live changes at the source');
    const t0 = Date.now();
    await sql(sample.newOrder);
    await sql(`UPDATE orders SET status = 'shipped' WHERE id BETWEEN 1 AND 10`);
    await sql(`DELETE FROM customers WHERE id = 5000`);
    await sql(sample.reprice);
    console.log('inserted order 100001, shipped orders 1-10, deleted customer 5000, doubled the price of SKU-1');
    const arrived = `SELECT (SELECT count(*) FROM ods.orders WHERE id = 100001) AS new_order,
      (SELECT count(*) FROM ods.orders WHERE id <= 10 AND status = 'shipped') AS shipped,
      (SELECT count(*) FROM ods.customers WHERE id = 5000) AS deleted_customer_left`;
    await waitFor(() => {
      const r = JSON.parse(capture(['query', task, '--json', '--sql', arrived], env) || '{"rows":[]}');
      const [row] = r.rows as number[][];
      return Boolean(row) && Number(row[0]) === 1 && Number(row[1]) === 10 && Number(row[2]) === 0;
    }, 30_000, 'the changes to arrive');
    console.log(`all changes visible in the lakehouse ${Date.now() - t0} ms after the first commit (polling every 200 ms)`);

    step('Per-table status');
    lakesync(['status', task], env);

    if (iceberg) {
      step('Querying the Iceberg tables while the task runs');
      lakesync(['query', task, '--sql', `SELECT status, count(*) AS orders FROM ods.orders GROUP BY status ORDER BY status`], env);
      console.log(`tables: ${join(lakehouse, 'demo', 'ods')}/<table>/{data,metadata}; any Iceberg reader opens them by path (docs/iceberg.md)`);
    }

    step('Stopping the engine (checkpoint saved)');
    engine.kill('SIGINT');
    const code = await exited;
    if (code !== 0) throw new Error(`the engine exited with ${code}`);

    step('Querying the lakehouse');
    lakesync(['query', task, '--sql', `SELECT c.country, count(*) AS orders, sum(o.total) AS revenue,
      max(o.ordered_at) AS latest FROM ods.orders o JOIN ods.customers c ON c.id = o.customer_id
      GROUP BY c.country ORDER BY revenue DESC`], env);
    lakesync(['query', task, '--sql', `SELECT sku, price, tags, attrs FROM ods.products WHERE sku IN ('SKU-1', 'SKU-2') ORDER BY sku`], env);
    console.log(iceberg
      ? `\nThe Iceberg warehouse is ${join(lakehouse, 'demo')}; read it with pyiceberg, DuckDB's iceberg_scan or Spark, or run the task again to resume.`
      : `\nThe lakehouse is ${join(lakehouse, 'demo.duckdb')}; open it with DuckDB, or run the task again to resume.`);
  } finally {
    await server.stop();
  }
}

async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try { if (check()) return; } catch { /* not ready yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

main().then(() => process.exit(0), (err) => { console.error(`demo failed: ${err.message}`); process.exit(1); });
