// Finds "where" in an engine error message (`shop.sync.yaml:5:9 source.port …`) so a
// notification can open the file at that line. No vscode import: unit-tested.

export interface ErrorLocation { file: string; line: number; column: number }

export function locateError(message: string): ErrorLocation | undefined {
  const m = /((?:[A-Za-z]:)?[^\s:'"()]*\.ya?ml):(\d+)(?::(\d+))?/.exec(message);
  if (!m) return undefined;
  return { file: m[1], line: Number(m[2]), column: m[3] ? Number(m[3]) : 1 };
}

/** Source trouble (connectivity, privileges, server settings) is what Check Source explains. */
export function looksLikeSourceProblem(message: string): boolean {
  return /ECONNREFUSED|ETIMEDOUT|ENOTFOUND|EHOSTUNREACH|connect|password|authentication|access denied|permission|privilege|wal_level|log_bin|binlog|replication|slot|publication/i.test(message);
}
