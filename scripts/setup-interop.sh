#!/usr/bin/env bash
# Installs the Iceberg interop readers that test/interop runs:
# - into the project-local `.venv/`: pyiceberg + pyarrow (Apache Iceberg's Python reader), and
#   DuckDB 1.5.5 for Python with its iceberg and avro extensions as PyPI packages (the tests LOAD
#   them from these files; nothing is downloaded at run time);
# - test/interop/java: Apache Iceberg's Java reader (IcebergGenerics), built by Maven with its
#   downloads cached in `.cache/m2` (offline after the first run). Needs Debian's maven and a JDK 17.
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
PKGS=(pyiceberg==0.12.0 pyarrow duckdb==1.5.5 duckdb-extension-iceberg==1.5.5 duckdb-extension-avro==1.5.5)

if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv || { echo "python3 -m venv failed: install Debian's python3-venv (apt-get install python3-venv)"; exit 1; }
fi
if .venv/bin/python -c 'import pyiceberg, pyarrow, duckdb, duckdb_extension_iceberg, duckdb_extension_avro' 2>/dev/null \
   && [ "$(.venv/bin/python -c 'import duckdb; print(duckdb.__version__)')" = 1.5.5 ]; then
  echo "Python readers present in .venv"
else
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet "${PKGS[@]}"
  .venv/bin/python -c 'import pyiceberg, duckdb; print("pyiceberg", pyiceberg.__version__, "duckdb", duckdb.__version__)'
fi

JAVA_DIR=test/interop/java
JAR=$JAVA_DIR/target/iceberg-java-reader-1.jar
if [ -f "$JAR" ] && [ -f $JAVA_DIR/target/classpath.txt ] && [ -z "$(find $JAVA_DIR/pom.xml $JAVA_DIR/src -newer "$JAR" 2>/dev/null)" ]; then
  echo "Iceberg Java reader built"
else
  command -v mvn >/dev/null || { echo "mvn missing: apt-get install maven openjdk-17-jdk-headless"; exit 1; }
  (cd $JAVA_DIR && mvn -q -B -Dmaven.repo.local="$PWD/../../../.cache/m2" package)
  echo "Iceberg Java reader built: $JAR"
fi
