// Property tests through a real DuckDB: random text arrays (quotes, commas, braces, backslashes,
// unicode, NULL-looking strings) and random wide decimals come back exactly.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { pgArrayToCanonical } from '../../../src/engine/typemap/canonical';
import { mapPostgresColumn } from '../../../src/engine/typemap/postgres';
import { mapMysqlColumn } from '../../../src/engine/typemap/mysql';
import { roundTrip } from './duck';

/** Array text as PostgreSQL writes it: every element quoted, `"` and `\` escaped. */
const pgArrayText = (xs: (string | null)[]) =>
  `{${xs.map((x) => (x === null ? 'NULL' : `"${x.replace(/[\\"]/g, (c) => `\\${c}`)}"`)).join(',')}}`;

const text = fc.string({ unit: fc.oneof(fc.constantFrom('"', '\\', ',', '{', '}', ' ', "'", 'N', 'é', '😀', '\n'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })) })
  .filter((s) => !s.includes('\u0000'));

describe('type map properties (real DuckDB)', () => {
  it('text[] arrays round trip through pgArrayToCanonical and fromText', async () => {
    const m = mapPostgresColumn({ name: 'c', ordinal: 1, nullable: true, dataType: 'text[]', fullType: 'text[]', isArray: true, elementType: 'text' });
    await fc.assert(fc.asyncProperty(fc.array(fc.array(fc.option(text, { nil: null }), { maxLength: 6 }), { minLength: 1, maxLength: 20 }), async (rows) => {
      const got = await roundTrip(m, rows.map((r) => pgArrayToCanonical(pgArrayText(r))));
      assert.deepEqual(got.map((g) => g.js), rows);
    }), { numRuns: 25 });
  });

  it('decimals of up to 38 digits and 65-digit MySQL decimals keep every digit', async () => {
    const digits = (n: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((d) => d.join(''));
    const dec = (p: number, s: number) => fc.tuple(fc.boolean(), digits(p - s), digits(s))
      .map(([neg, i, f]) => `${neg ? '-' : ''}${i.replace(/^0+(?=\d)/, '')}.${f}`)
      .filter((v) => !/^-0\.0+$/.test(v));
    const m38 = mapPostgresColumn({ name: 'c', ordinal: 1, nullable: true, dataType: 'numeric', fullType: 'numeric(38,9)', precision: 38, scale: 9 });
    const m65 = mapMysqlColumn({ name: 'c', ordinal: 1, nullable: true, dataType: 'decimal', fullType: 'decimal(65,30)', precision: 65, scale: 30 });
    await fc.assert(fc.asyncProperty(fc.array(dec(38, 9), { minLength: 1, maxLength: 20 }), fc.array(dec(65, 30), { minLength: 1, maxLength: 5 }),
      async (a, b) => {
        assert.deepEqual((await roundTrip(m38, a)).map((g) => g.text), a);
        assert.deepEqual((await roundTrip(m65, b)).map((g) => g.text), b);
      }), { numRuns: 25 });
  });
});
