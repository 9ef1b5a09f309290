// Shared fixtures for the task-file tests: a valid task text and a temp folder to write into.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const VALID_MYSQL = `name: shop
source:
  type: mysql
  host: 127.0.0.1
  port: 3306
  user: lakesync
  password: \${env:SHOP_DB_PASSWORD}
mode: multi-table-mirror
tables: [shop.orders, shop.customers, "shop.order_*"]
exclude: ["shop.tmp_*"]
target:
  path: .lakehouse/shop.duckdb
rules:
  dropColumn: keep
  events: [insert, update, delete, truncate]
snapshot:
  concurrency: 2
  chunkSize: 1000
`;

export const VALID_POSTGRES = `source:
  type: postgres
  host: db.local
  user: lakesync
  password: \${secret:shop-db}
  database: shop
mode: database-mirror
databases: [public]
`;

export class TempDir {
  readonly path = mkdtempSync(join(tmpdir(), 'lakesync-config-'));
  write(name: string, content: string | Buffer): string {
    const file = join(this.path, name);
    writeFileSync(file, content);
    return file;
  }
  remove(): void { rmSync(this.path, { recursive: true, force: true }); }
}
