const { decodeRows, readRowsHeader, rowsPlan } = process.env.OLD ? await import('./old') : await import('../src/engine/source/mysql/rowsdecode');
// bench shape: id BIGINT, a INT, b BIGINT, name VARCHAR(64), amount DECIMAL(12,2), created DATETIME(6), flag TINYINT, note VARCHAR(64) null, score DOUBLE, code CHAR(8)
const cols = [
  { type: 8, metadata: {} }, { type: 3, metadata: {} }, { type: 8, metadata: {} }, { type: 15, metadata: { max_length: 256 }, charset: 'utf8mb4' },
  { type: 246, metadata: { precision: 12, decimals: 2 } }, { type: 18, metadata: { decimals: 6 } }, { type: 1, metadata: {} },
  { type: 15, metadata: { max_length: 256 }, charset: 'utf8mb4' }, { type: 5, metadata: { size: 8 } }, { type: 254, metadata: { max_length: 32 }, charset: 'utf8mb4' },
];
const schemas = ['bigint', 'int', 'bigint', 'varchar(64)', 'decimal(12,2)', 'datetime(6)', 'tinyint(1)', 'varchar(64)', 'double', 'char(8)'].map((t) => ({ COLUMN_TYPE: t }));
const kinds = ['integer', 'integer', 'integer', 'text', 'decimal', 'datetime', 'integer', 'text', 'double', 'text'] as const;
const plan = rowsPlan(cols as never, schemas, [...kinds])!;
function row(g: number): Buffer {
  const parts: Buffer[] = [];
  const nulls = g % 3 === 0 ? 0b10000000 : 0; parts.push(Buffer.from([nulls, 0]));
  const i64 = (v: number) => { const b = Buffer.alloc(8); b.writeBigInt64LE(BigInt(v)); return b; };
  const i32 = (v: number) => { const b = Buffer.alloc(4); b.writeInt32LE(v); return b; };
  const s2 = (s: string) => { const b = Buffer.from(s); return Buffer.concat([Buffer.from([b.length, 0]), b]); };
  parts.push(i64(g), i32((g * 7) % 100000), i64(g * 1000003), s2('customer ' + (g % 100000)));
  // decimal(12,2): 1-byte group (1 digit), 4-byte group, 1-byte frac group
  const cents = g % 100000; const ip = Math.floor(cents / 100), fp = cents % 100;
  const dec = Buffer.alloc(6); dec.writeUInt8(0, 0); dec.writeUInt32BE(ip, 1); dec.writeUInt8(fp, 5); dec[0] ^= 0x80; parts.push(dec);
  const ym = 2024 * 13 + 1; const packed = (1n << 39n) | (BigInt(ym) << 22n) | (BigInt(1 + (g % 28)) << 17n) | (BigInt(g % 24) << 12n) | (BigInt(g % 60) << 6n) | BigInt(g % 60);
  const dt = Buffer.alloc(8); dt.writeUIntBE(Number(packed), 0, 5); dt.writeUIntBE(g % 999983, 5, 3); parts.push(dt);
  parts.push(Buffer.from([g % 2]));
  if (g % 3 !== 0) parts.push(s2('note ' + g));
  const d = Buffer.alloc(8); d.writeDoubleLE(g / 7); parts.push(d);
  const code = g.toString(16).padStart(8, '0'); parts.push(Buffer.from([8]), Buffer.from(code));
  return Buffer.concat(parts);
}
// note column max_length 256 -> 2-byte prefix; fix: use s2 for note
function row2(g: number): Buffer { return row(g); }
const header = Buffer.concat([Buffer.from([1, 0, 0, 0, 0, 0, 1, 0]), Buffer.from([10, 0xff, 0x03])]);
const rows: Buffer[] = [];
for (let g = 1000; g < 1100; g++) rows.push(row2(g));
const body = Buffer.concat([header, ...rows]);
const h = readRowsHeader(body, 0, false, false);
const out = decodeRows(plan, h, body, body.length);
console.log(JSON.stringify(out[0]), JSON.stringify(out[2]));
const N = Number(process.env.N ?? 3000);
for (let w = 0; w < 3; w++) {
  const t0 = process.cpuUsage();
  let n = 0;
  for (let i = 0; i < N; i++) n += decodeRows(plan, h, body, body.length).length;
  const u = process.cpuUsage(t0);
  const ns = (u.user + u.system) * 1000 / n;
  console.log(`${ns.toFixed(0)} ns/row`);
}
