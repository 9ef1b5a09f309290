#!/usr/bin/env bash
# Downloads the Flink CDC interop module's Maven artifacts into .cache/m2 (outside git) and
# compiles its test, so the interop test itself runs Maven offline. Run by .ci/run before npm test.
set -euo pipefail
cd "$(dirname "$0")"
repo="$(cd ../../.. && pwd)/.cache/m2"
mkdir -p "$repo"
# idempotent: a stamp newer than the module's pom and sources means everything is already here
stamp="$repo/.flink-cdc-interop.stamp"
if [ -f "$stamp" ] && [ -z "$(find pom.xml src -newer "$stamp" 2>/dev/null)" ]; then
  echo "Flink CDC interop artifacts present in .cache/m2"
  exit 0
fi
mvn -B -q -Dmaven.repo.local="$repo" dependency:resolve dependency:resolve-plugins
mvn -B -q -Dmaven.repo.local="$repo" test-compile
# surefire resolves its JUnit 5 provider, the platform launcher and their own dependencies only when a
# test runs: run the test once online over an empty folder (its one test fails there, ignored), then
# once more offline, exactly as the interop test will, so a missing artifact fails here and not there
empty="$(mktemp -d)"
trap 'rm -rf "$empty"' EXIT
mvn -B -q -Dmaven.repo.local="$repo" -Dmaven.test.failure.ignore=true -Dlakesync.pipelines="$empty" test >/dev/null
mvn -B -q -o -Dmaven.repo.local="$repo" -Dmaven.test.failure.ignore=true -Dlakesync.pipelines="$empty" test >/dev/null
touch "$stamp"
echo "Flink CDC interop artifacts fetched into .cache/m2"
