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

# Each suite runs under a time cap so a hung test (a process left holding mocha's pipes, a server
# that never answers) fails that suite with a message instead of stopping the whole run. Under CI
# (.ci/run sets LAKESYNC_DEADLINE, epoch seconds) a suite also stops one minute before the deadline.
failed=()
run() {
  local name=$1 cap=$2; shift 2
  printf '\n=== %s\n' "$name"
  local limit=$cap
  if [ -n "${LAKESYNC_DEADLINE:-}" ]; then
    local left=$(( (LAKESYNC_DEADLINE - $(date +%s)) / 60 - 1 ))
    [ "$left" -lt "$limit" ] && limit=$left
  fi
  if [ "$limit" -le 0 ]; then
    echo "$name: not run, the CI time budget is spent"; failed+=("$name (not run: out of time)"); return
  fi
  timeout -k 30s "${limit}m" "$@"
  local code=$?
  if [ "$code" -eq 124 ] || [ "$code" -eq 137 ]; then
    echo "$name: stopped after ${limit} minutes (a test hung or the suite is too slow for its cap)"
  fi
  [ "$code" -eq 0 ] || failed+=("$name")
}
mocha=node_modules/.bin/mocha

npm run build || exit 1
export LAKESYNC_TEST_NO_BUILD=1
run "unit + integration" 60 "$mocha" --config .mocharc.json "test/unit/**/*.test.ts" "test/integration/**/*.test.ts"
[ "${LAKESYNC_SKIP_E2E:-}" = 1 ] || run "end-to-end" 15 bash test/e2e/run.sh
run "interop readers" 20 bash -c 'bash scripts/setup-interop.sh && bash test/interop/flink-cdc/fetch.sh'
run "interop" 15 "$mocha" --config .mocharc.json "test/interop/**/*.test.ts"
[ "${LAKESYNC_SKIP_FAULTS:-}" = 1 ] || run "faults" 20 "$mocha" --config .mocharc.json --timeout 600000 "test/faults/**/*.test.ts"

if [ ${#failed[@]} -gt 0 ]; then
  printf '\nfailed suites: %s\n' "${failed[*]}"
  exit 1
fi
