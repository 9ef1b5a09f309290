// A small tokenizer for the DDL statements of a binlog: identifiers (bare or `quoted`), string
// literals, numbers and punctuation, with comments dropped and versioned comments (/*!50100 ...*/,
// /*M!100301 ...*/) kept as SQL, the way the server itself reads them.

export type Token =
  | { t: 'word'; v: string; upper: string }   // bare identifier or keyword
  | { t: 'ident'; v: string }                 // `quoted` identifier
  | { t: 'str'; v: string }                   // 'string' or "string"
  | { t: 'num'; v: string }
  | { t: 'punct'; v: string };

export function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i];
    if (/\s/.test(ch)) { i++; continue; }
    if (sql.startsWith('/*!', i) || sql.startsWith('/*M!', i)) {
      i += sql[i + 2] === 'M' ? 4 : 3;
      while (/\d/.test(sql[i] ?? '')) i++;
      continue;
    }
    if (sql.startsWith('/*', i)) { const e = sql.indexOf('*/', i + 2); i = e < 0 ? sql.length : e + 2; continue; }
    if (sql.startsWith('*/', i)) { i += 2; continue; }
    if (sql.startsWith('--', i) && /[\s]|^$/.test(sql[i + 2] ?? '')) { const e = sql.indexOf('\n', i); i = e < 0 ? sql.length : e + 1; continue; }
    if (ch === '#') { const e = sql.indexOf('\n', i); i = e < 0 ? sql.length : e + 1; continue; }
    if (ch === '`') {
      let j = i + 1, v = '';
      while (j < sql.length) {
        if (sql[j] === '`') { if (sql[j + 1] === '`') { v += '`'; j += 2; continue; } break; }
        v += sql[j++];
      }
      out.push({ t: 'ident', v }); i = j + 1; continue;
    }
    if (ch === '\'' || ch === '"') {
      let j = i + 1, v = '';
      while (j < sql.length) {
        if (sql[j] === '\\') { v += unescape(sql[j + 1] ?? ''); j += 2; continue; }
        if (sql[j] === ch) { if (sql[j + 1] === ch) { v += ch; j += 2; continue; } break; }
        v += sql[j++];
      }
      out.push({ t: 'str', v }); i = j + 1; continue;
    }
    const num = /^(?:\d+\.?\d*(?:e[+-]?\d+)?|\.\d+)/i.exec(sql.slice(i, i + 64));
    if (num && !/[\w$]/.test(sql[i + num[0].length] ?? '')) { out.push({ t: 'num', v: num[0] }); i += num[0].length; continue; }
    const word = /^[\w$\u0080-\uffff]+/.exec(sql.slice(i, i + 256));
    if (word) { out.push({ t: 'word', v: word[0], upper: word[0].toUpperCase() }); i += word[0].length; continue; }
    out.push({ t: 'punct', v: ch }); i++;
  }
  return out;
}

function unescape(c: string): string {
  switch (c) {
    case 'n': return '\n';
    case 't': return '\t';
    case 'r': return '\r';
    case '0': return '\0';
    case 'Z': return '\x1a';
    default: return c;
  }
}

/** A cursor over tokens with the small helpers a DDL reader needs. */
export class Tokens {
  i = 0;
  constructor(readonly list: Token[]) {}

  peek(k = 0): Token | undefined { return this.list[this.i + k]; }
  done(): boolean { return this.i >= this.list.length; }
  next(): Token | undefined { return this.list[this.i++]; }

  /** True when the next tokens are these keywords (case-insensitive, bare words only). */
  is(...words: string[]): boolean {
    return words.every((w, k) => { const t = this.peek(k); return t?.t === 'word' && t.upper === w; });
  }

  /** Consumes the keywords when they come next. */
  eat(...words: string[]): boolean {
    if (!this.is(...words)) return false;
    this.i += words.length;
    return true;
  }

  isPunct(p: string): boolean { const t = this.peek(); return t?.t === 'punct' && t.v === p; }
  eatPunct(p: string): boolean { if (!this.isPunct(p)) return false; this.i++; return true; }

  /** A name: `quoted` or bare (keywords are accepted as names where the grammar expects one). */
  name(): string | undefined {
    const t = this.peek();
    if (t?.t === 'ident' || t?.t === 'word') { this.i++; return t.v; }
    if (t?.t === 'str') { this.i++; return t.v; } // ANSI_QUOTES "name"
    return undefined;
  }

  /** db.table or table. */
  qualifiedName(): string[] | undefined {
    const first = this.name();
    if (first === undefined) return undefined;
    const parts = [first];
    while (this.isPunct('.')) { this.i++; const n = this.name(); if (n === undefined) return undefined; parts.push(n); }
    return parts;
  }

  /** Skips one balanced (...) group, the opening parenthesis being next. */
  skipGroup(): void {
    let depth = 0;
    do {
      const t = this.next();
      if (!t) return;
      if (t.t === 'punct' && t.v === '(') depth++;
      else if (t.t === 'punct' && t.v === ')') depth--;
    } while (depth > 0);
  }

  /** The tokens of one comma-separated item at depth 0, up to (not including) `,` or `)` at depth 0. */
  item(): Token[] {
    const start = this.i;
    let depth = 0;
    while (!this.done()) {
      const t = this.peek()!;
      if (t.t === 'punct') {
        if (t.v === '(') depth++;
        else if (t.v === ')') { if (depth === 0) break; depth--; }
        else if ((t.v === ',' || t.v === ';') && depth === 0) break;
      }
      this.i++;
    }
    return this.list.slice(start, this.i);
  }
}
