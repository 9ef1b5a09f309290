#!/usr/bin/env bash
# The end-to-end suite: code-server installed offline (cached in .vscode-test/), the VSIX packaged
# once, then mocha over test/e2e/*.e2e.ts. Screenshots land in test-results/.
# Extra arguments go to mocha (e.g. --grep preview).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"

bash scripts/install-code-server.sh >/dev/null
if [ -z "${LAKESYNC_E2E_VSIX:-}" ]; then
  LAKESYNC_E2E_VSIX="$(mktemp -d)/lakesync.vsix"
  LAKESYNC_VSIX="$LAKESYNC_E2E_VSIX" bash scripts/package-vsix.sh >/dev/null
fi
export LAKESYNC_E2E_VSIX
mkdir -p test-results
rm -f test-results/*.png
exec npx mocha --config .mocharc.json --timeout 300000 "test/e2e/**/*.e2e.ts" "$@"
