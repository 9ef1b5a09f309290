#!/usr/bin/env bash
# Downloads the Flink CDC interop module's Maven artifacts into .cache/m2 (outside git) and
# compiles its test, so the interop test itself runs Maven offline. Run by .ci/run before npm test.
set -euo pipefail
cd "$(dirname "$0")"
repo="$(cd ../../.. && pwd)/.cache/m2"
mkdir -p "$repo"
mvn -B -q -Dmaven.repo.local="$repo" dependency:resolve dependency:resolve-plugins
mvn -B -q -Dmaven.repo.local="$repo" test-compile
# surefire's JUnit 5 provider is resolved at test time: fetch it by running no test
mvn -B -q -Dmaven.repo.local="$repo" test -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false
