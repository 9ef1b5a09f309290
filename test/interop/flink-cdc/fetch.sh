#!/usr/bin/env bash
# Downloads the Flink CDC interop module's Maven artifacts into .cache/m2 (outside git) and
# compiles its test, so the interop test itself runs Maven offline. Run by .ci/run before npm test.
set -euo pipefail
cd "$(dirname "$0")"
repo="$(cd ../../.. && pwd)/.cache/m2"
mkdir -p "$repo"
mvn -B -q -Dmaven.repo.local="$repo" dependency:resolve dependency:resolve-plugins
mvn -B -q -Dmaven.repo.local="$repo" test-compile
# surefire's JUnit 5 provider and the platform launcher are resolved only when tests run (running
# no test fetches neither, which a clean clone found): fetch them by name
mvn -B -q -Dmaven.repo.local="$repo" dependency:get -Dartifact=org.apache.maven.surefire:surefire-junit-platform:3.2.5
mvn -B -q -Dmaven.repo.local="$repo" dependency:get -Dartifact=org.junit.platform:junit-platform-launcher:1.10.2
mvn -B -q -Dmaven.repo.local="$repo" dependency:get -Dartifact=org.junit.platform:junit-platform-launcher:1.9.3
