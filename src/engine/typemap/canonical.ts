// Conversions from a server's text output to LakeSync's canonical text, for the readers:
// the snapshot path and the stream path call the same functions, so both give the same string.

type Nested = (string | null | Nested)[];

/**
 * PostgreSQL array text (`{1,NULL,"a b"}`, `{{1,2},{3,4}}`) -> canonical JSON array text of element
 * texts (`["1",null,"a b"]`). `element` converts each element's text output to its own canonical
 * text (e.g. strips the `\x` of bytea). `delimiter` is `;` for box, else `,`. Explicit lower
 * bounds (`[0:1]={1,2}`) are kept in front of the JSON (`[0:1]=["1","2"]`): that text is not JSON,
 * so a LIST column refuses it loudly (listFromText) instead of silently renumbering the elements.
 */
export function pgArrayToCanonical(text: string, element: (s: string) => string = (s) => s, delimiter = ','): string {
  let i = 0;
  if (text[0] === '[') { i = text.indexOf('=') + 1; }
  const bounds = text.slice(0, i);
  const parse = (): Nested => {
    if (text[i] !== '{') throw new Error(`malformed array text at ${i}: ${text}`);
    i++;
    const out: Nested = [];
    if (text[i] === '}') { i++; return out; }
    for (;;) {
      while (text[i] === ' ') i++;
      if (text[i] === '{') out.push(parse());
      else if (text[i] === '"') {
        i++; let s = '';
        while (text[i] !== '"') {
          if (text[i] === '\\') i++;
          if (i >= text.length) throw new Error(`malformed array text: ${text}`);
          s += text[i++];
        }
        i++; out.push(element(s));
      } else {
        let s = '';
        while (text[i] !== delimiter && text[i] !== '}') {
          if (i >= text.length) throw new Error(`malformed array text: ${text}`);
          s += text[i++];
        }
        s = s.trim();
        out.push(s.toUpperCase() === 'NULL' ? null : element(s));
      }
      while (text[i] === ' ') i++;
      if (text[i] === delimiter) { i++; continue; }
      if (text[i] === '}') { i++; return out; }
      throw new Error(`malformed array text at ${i}: ${text}`);
    }
  };
  return bounds + JSON.stringify(parse());
}

/** PostgreSQL bytea hex output (`\x00ff`) -> canonical lowercase hex (`00ff`). */
export function pgByteaToCanonical(text: string): string {
  return text.startsWith('\\x') ? text.slice(2) : text;
}

/**
 * PostgreSQL interval output in IntervalStyle `postgres` (`1 year 2 mons -3 days +04:05:06.789`)
 * -> canonical `<months> months <days> days <microseconds> microseconds`, which DuckDB reads exactly.
 */
export function pgIntervalToCanonical(text: string): string {
  let months = 0n; let days = 0n; let micros = 0n;
  const re = /([+-]?\d+) (year|years|mon|mons|day|days)|([+-])?(\d+):(\d\d):(\d\d)(?:\.(\d{1,6}))?/g;
  let m: RegExpExecArray | null;
  let seen = 0;
  while ((m = re.exec(text)) !== null) {
    seen += m[0].length;
    if (m[2]) {
      const n = BigInt(m[1]);
      if (m[2].startsWith('year')) months += n * 12n; else if (m[2].startsWith('mon')) months += n; else days += n;
    } else {
      const frac = BigInt((m[7] ?? '').padEnd(6, '0') || '0');
      const abs = ((BigInt(m[4]) * 60n + BigInt(m[5])) * 60n + BigInt(m[6])) * 1_000_000n + frac;
      micros += m[3] === '-' ? -abs : abs;
    }
  }
  if (seen === 0) throw new Error(`unexpected interval text (IntervalStyle must be postgres): ${text}`);
  return `${months} months ${days} days ${micros} microseconds`;
}

/** MySQL BIT(n) value (a big-endian Buffer, as mysql2 and the binlog reader give it) -> decimal text. */
export function mysqlBitToCanonical(value: Uint8Array): string {
  let n = 0n;
  for (const b of value) n = (n << 8n) | BigInt(b);
  return n.toString();
}

/** Binary values -> canonical lowercase hex. */
export function bytesToHex(value: Uint8Array): string {
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex');
}

/** JS arrays (e.g. from a binary decoder) -> canonical array text. */
export function listToCanonical(values: Nested): string {
  return JSON.stringify(values);
}
