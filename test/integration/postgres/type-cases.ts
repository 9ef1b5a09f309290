// The PostgreSQL types of issue 3 with one or more values each, shared by the adapter-level and
// the end-to-end type tests.
import type { PgTestDb } from './helpers';

/** [column type, SQL literal, expected canonical text (null = SQL NULL)] */
export const CASES: [string, string, string | null][] = [
  ['varbit', "B'10110'", '10110'],
  ['varbit', "B''", ''],
  ['bit(4)', "B'0101'", '0101'],
  ['bytea', "'\\x00ff10'::bytea", '00ff10'],
  ['bytea', "''::bytea", ''],
  ['timetz', "'10:11:12.345678+05:30'", '10:11:12.345678+05:30'],
  ['interval', "'1 year 2 months 3 days 04:05:06.789'", '14 months 3 days 14706789000 microseconds'],
  ['interval', "'-1 year +2 days -00:00:00.000001'", '-12 months 2 days -1 microseconds'],
  ['name', "'a name'", 'a name'],
  ['numeric', "'123456789012345678901234567890123456789012.000000000000000000001'", '123456789012345678901234567890123456789012.000000000000000000001'],
  ['numeric', "'NaN'", 'NaN'],
  ['numeric(12,2)', "'-12.5'", '-12.50'],
  ['numeric(40,10)', "'1234567890123456789012345678.1234567891'", '1234567890123456789012345678.1234567891'],
  ['money', "'-1234567.89'", '-1234567.89'],
  ['money', "'0.01'", '0.01'],
  ['int[]', "'{1,NULL,-3}'", '["1",null,"-3"]'],
  ['text[]', `'{"a,b","c\\"d",NULL,"NULL","x\\\\y",""}'`, '["a,b","c\\"d",null,"NULL","x\\\\y",""]'],
  ['int[][]', "'{{1,2},{3,4}}'", '[["1","2"],["3","4"]]'],
  ['bool[]', "'{t,f}'", '["true","false"]'],
  ['bytea[]', "ARRAY['\\x01'::bytea]", '["01"]'],
  ['int[]', "'{}'", '[]'],
  ['json', `'{"b": 1, "a": [9007199254740993, 1.10]}'`, '{"b": 1, "a": [9007199254740993, 1.10]}'],
  ['jsonb', `'{"b": 1, "a": [9007199254740993, 1.10]}'`, '{"a": [9007199254740993, 1.10], "b": 1}'],
  ['uuid', "'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'", 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
  ['mood', "'happy'", 'happy'],
  ['posint', '42', '42'],
  ['inet', "'192.168.0.1/24'", '192.168.0.1/24'],
  ['cidr', "'10.0.0.0/8'", '10.0.0.0/8'],
  ['inet', "'::1'", '::1'],
  ['date', "'2024-02-29'", '2024-02-29'],
  ['date', "'infinity'", 'infinity'],
  ['date', "'-infinity'", '-infinity'],
  ['date', "'0044-03-15 BC'", '0044-03-15 BC'],
  ['timestamp', "'2024-01-02 03:04:05.123456'", '2024-01-02 03:04:05.123456'],
  ['timestamp', "'infinity'", 'infinity'],
  ['timestamptz', "'2024-01-02 03:04:05.5+02'", '2024-01-02 01:04:05.5+00'],
  ['timestamptz', "'-infinity'", '-infinity'],
  ['float8', "'NaN'", 'NaN'],
  ['float8', "'Infinity'", 'Infinity'],
  ['float8', "'-Infinity'", '-Infinity'],
  ['float8', '0.1', '0.1'],
  ['float8', "'1e-310'", '1e-310'],
  ['float4', "'3.4028235e38'", '3.4028235e+38'],
  ['bool', 'true', 'true'],
  ['bool', 'false', 'false'],
  ['int8', '-9223372036854775808', '-9223372036854775808'],
  ['text', "E'tab\\there\\nnew line\\\\ back \\u00e9 \\U0001F600'", 'tab\there\nnew line\\ back é 😀'],
  ['text', "''", ''],
  ['text', 'NULL', null],
  ['varchar(5)', "'\\N'", '\\N'],
  ['char(3)', "'a'", 'a  '],
  ['time', "'23:59:59.999999'", '23:59:59.999999'],
];

/** Creates `types (id, c0 .. cN)` with the enum and domain it needs; returns the VALUES list of one row. */
export async function createTypesTable(t: PgTestDb): Promise<string> {
  await t.sql("CREATE TYPE mood AS ENUM ('sad', 'happy')");
  await t.sql('CREATE DOMAIN posint AS int CHECK (VALUE > 0)');
  const cols = CASES.map(([type], i) => `c${i} ${type}`).join(', ');
  await t.sql(`CREATE TABLE types (id int PRIMARY KEY, ${cols})`);
  return CASES.map(([, lit]) => lit).join(', ');
}
