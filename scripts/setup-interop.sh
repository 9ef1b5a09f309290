#!/usr/bin/env bash
# Installs the Iceberg interop readers that test/interop runs, into the project-local `.venv/`:
# pyiceberg + pyarrow (Apache Iceberg's Python reader), and DuckDB 1.5.5 for Python with its
# iceberg and avro extensions as PyPI packages (the tests LOAD them from these files; nothing is
# downloaded at run time). Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
PKGS=(pyiceberg pyarrow duckdb==1.5.5 duckdb-extension-iceberg==1.5.5 duckdb-extension-avro==1.5.5)

if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv || { echo "python3 -m venv failed: install Debian's python3-venv (apt-get install python3-venv)"; exit 1; }
fi
if .venv/bin/python -c 'import pyiceberg, pyarrow, duckdb, duckdb_extension_iceberg, duckdb_extension_avro' 2>/dev/null \
   && [ "$(.venv/bin/python -c 'import duckdb; print(duckdb.__version__)')" = 1.5.5 ]; then
  echo "interop readers present in .venv"
  exit 0
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet "${PKGS[@]}"
.venv/bin/python -c 'import pyiceberg, duckdb; print("pyiceberg", pyiceberg.__version__, "duckdb", duckdb.__version__)'
