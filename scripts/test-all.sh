#!/usr/bin/env bash
# `npm test`: every suite, each run even when an earlier one failed, so one run tells everything.
#   unit + integration (real PostgreSQL and MariaDB started by the harness),
#   end-to-end (the packaged extension in code-server, driven in Chromium),
#   faults (kill -9, server restarts, killed replication connections under a write workload),
#   interop (Iceberg tables read by pyiceberg, DuckDB's iceberg extension and Iceberg Java, and
#   Flink CDC's parser and MySQL source on exported pipelines). Their readers are installed on
#   first use by scripts/setup-interop.sh (.venv/, .cache/m2) and test/interop/flink-cdc/fetch.sh
#   (.cache/m2); both only check when everything is present. A reader that cannot be installed
#   fails the interop suite with the command that installs it.
# Set LAKESYNC_SKIP_E2E=1 or LAKESYNC_SKIP_FAULTS=1 to leave those out on a quick local run.
set -uo pipefail
cd "$(dirname "$0")/.."

failed=()
run() {
  local name=$1; shift
  printf '\n=== %s\n' "$name"
  "$@" || failed+=("$name")
}

npm run build || exit 1
export LAKESYNC_TEST_NO_BUILD=1
run "unit + integration" npx mocha --config .mocharc.json "test/unit/**/*.test.ts" "test/integration/**/*.test.ts"
[ "${LAKESYNC_SKIP_E2E:-}" = 1 ] || run "end-to-end" bash test/e2e/run.sh
interop_setup() {
  bash scripts/setup-interop.sh && bash test/interop/flink-cdc/fetch.sh
}
run "interop readers" interop_setup
run "interop" npx mocha --config .mocharc.json "test/interop/**/*.test.ts"
[ "${LAKESYNC_SKIP_FAULTS:-}" = 1 ] || run "faults" npx mocha --config .mocharc.json --timeout 600000 "test/faults/**/*.test.ts"

if [ ${#failed[@]} -gt 0 ]; then
  printf '\nfailed suites: %s\n' "${failed[*]}"
  exit 1
fi
