// PostgreSQL identifiers in SQL the engine runs, and in statements shown to people as fixes.

/** Quotes an identifier for SQL. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** An identifier as a person would type it in a fix: quoted only when it has to be. */
export function displayIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : ident(name);
}
