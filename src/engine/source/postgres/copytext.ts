// Decoder of COPY ... TO STDOUT text format: one line per row, fields separated by TAB, \N for
// NULL, backslash escapes for \b \f \n \r \t \v \\ (and octal/hex escapes on input side, accepted
// here too). Raw newlines never occur inside a field, so splitting on 0x0A is safe; splitting the
// Buffer (not a string) keeps multi-byte UTF-8 characters whole across chunk boundaries.

export class CopyTextDecoder {
  private rest: Buffer | null = null;

  /** Feeds one chunk; returns the complete rows it finished. */
  push(chunk: Buffer): (string | null)[][] {
    const buf = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    const rows: (string | null)[][] = [];
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(0x0a, start);
      if (nl < 0) break;
      rows.push(decodeLine(buf.toString('utf8', start, nl)));
      start = nl + 1;
    }
    this.rest = start < buf.length ? buf.subarray(start) : null;
    return rows;
  }

  /** Called at the end of the data: a non-empty remainder means the stream was cut. */
  end(): void {
    if (this.rest && this.rest.length > 0) throw new Error('COPY data ended in the middle of a row');
  }
}

export function decodeLine(line: string): (string | null)[] {
  const fields = line.split('\t');
  const out: (string | null)[] = new Array(fields.length);
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    out[i] = f === '\\N' ? null : f.includes('\\') ? unescape(f) : f;
  }
  return out;
}

const SIMPLE: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

function unescape(f: string): string {
  let out = '';
  for (let i = 0; i < f.length; i++) {
    const c = f[i];
    if (c !== '\\' || i + 1 >= f.length) { out += c; continue; }
    const n = f[++i];
    if (SIMPLE[n] !== undefined) out += SIMPLE[n];
    else if (n >= '0' && n <= '7') {
      let j = i, v = 0;
      while (j < f.length && j < i + 3 && f[j] >= '0' && f[j] <= '7') v = v * 8 + Number(f[j++]);
      out += String.fromCharCode(v);
      i = j - 1;
    } else if (n === 'x' && /[0-9a-fA-F]/.test(f[i + 1] ?? '')) {
      let j = i + 1, v = 0;
      while (j < f.length && j < i + 3 && /[0-9a-fA-F]/.test(f[j])) v = v * 16 + parseInt(f[j++], 16);
      out += String.fromCharCode(v);
      i = j - 1;
    } else out += n;
  }
  return out;
}
