#!/usr/bin/env bash
# Packages LakeSync as a platform-specific VSIX (`vsce package --target`), with DuckDB's native
# binding for that platform inside and nothing else from node_modules, then prints and checks
# the file list. Usage: scripts/package-vsix.sh [target]   (default linux-x64)
set -euo pipefail

TARGET="${1:-linux-x64}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
VERSION="$(node -p 'require("./package.json").version')"
OUT="${LAKESYNC_VSIX:-$ROOT/lakesync-$TARGET-$VERSION.vsix}"
BINDING="node_modules/@duckdb/node-bindings-$TARGET"

if [ ! -f "$BINDING/duckdb.node" ]; then
  echo "DuckDB's binding for $TARGET is not installed ($BINDING)." >&2
  echo "Install it on a machine of that platform, or: npm install --no-save --force @duckdb/${BINDING#node_modules/@duckdb/}" >&2
  exit 1
fi

echo "[package-vsix] production build"
node esbuild.mjs --production

# vsce: the project's dev dependency when installed, else the registry's.
if [ -x node_modules/.bin/vsce ]; then VSCE=(node_modules/.bin/vsce); else VSCE=(npx --yes @vscode/vsce@3); fi

echo "[package-vsix] vsce package --target $TARGET"
# --no-rewrite-relative-links: no repository URL yet; README links to docs/ stay relative.
# What ships is decided by .vscodeignore, an allow-list (from node_modules only @duckdb/**).
"${VSCE[@]}" package --target "$TARGET" --out "$OUT" --skip-license --allow-missing-repository --no-rewrite-relative-links

echo "[package-vsix] $OUT"
python3 - "$OUT" "$TARGET" <<'PY'
import sys, zipfile
path, target = sys.argv[1], sys.argv[2]
z = zipfile.ZipFile(path)
names = sorted(n for n in z.namelist() if not n.endswith('/'))
total = 0
grouped = {}
for n in names:
    i = z.getinfo(n)
    total += i.file_size
    # DuckDB's JS API is ~180 small files: one line for them.
    if n.startswith('extension/node_modules/@duckdb/node-api/lib/'):
        g = grouped.setdefault('extension/node_modules/@duckdb/node-api/lib/**/*.js', [0, 0])
        g[0] += 1; g[1] += i.file_size
        continue
    print(f"{i.file_size:>12,}  {n}")
for k, (count, size) in grouped.items():
    print(f"{size:>12,}  {k} ({count} files)")
print(f"{len(names)} files, {total:,} bytes unpacked, {sum(z.getinfo(n).compress_size for n in names):,} packed")
need = ['extension/package.json', 'extension/readme.md', 'extension/dist/extension.js', 'extension/dist/features.js', 'extension/dist/engine.js',
        'extension/dist/webview/preview.js', 'extension/dist/webview/dashboard.js',
        f'extension/node_modules/@duckdb/node-bindings-{target}/duckdb.node',
        'extension/node_modules/@duckdb/node-api/lib/index.js', 'extension/node_modules/@duckdb/node-bindings/duckdb.js']
lower = {n.lower(): n for n in names}
missing = [n for n in need if n.lower() not in lower]
allowed = ('extension/dist/', 'extension/schemas/', 'extension/syntaxes/', 'extension/media/', 'extension/node_modules/@duckdb/')
stray = [n for n in names if n.startswith('extension/') and '/' in n[len('extension/'):] and not n.startswith(allowed)]
stray += [n for n in names if n.endswith('.map') or n.endswith('.ts')]
stray += [n for n in names if n.startswith('extension/node_modules/@duckdb/node-bindings-') and f'node-bindings-{target}/' not in n]
if missing or stray:
    print('missing: ' + ', '.join(missing) if missing else '', file=sys.stderr)
    print('should not ship: ' + ', '.join(stray) if stray else '', file=sys.stderr)
    sys.exit(1)
print('VSIX contents OK')
PY

# The native binding must load from the unpacked VSIX alone (no project node_modules around it).
CHECK_DIR="$(mktemp -d)"
trap 'rm -rf "$CHECK_DIR"' EXIT
python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$OUT" "$CHECK_DIR"
(cd "$CHECK_DIR/extension" && node -e '
const { DuckDBInstance } = require("@duckdb/node-api");
(async () => {
  const db = await DuckDBInstance.create(":memory:");
  const c = await db.connect();
  const r = await c.runAndReadAll("SELECT 40 + 2 AS v");
  if (r.getRows()[0][0] !== 42) throw new Error("unexpected DuckDB answer");
  console.log("DuckDB loads from the VSIX: " + require("@duckdb/node-api").version());
})().catch((e) => { console.error(e); process.exit(1); });
')
