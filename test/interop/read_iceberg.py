"""Reads an Iceberg table LakeSync wrote with a reader no one here wrote, and saves its rows as
Parquet for the Node test to compare with the source.

usage: read_iceberg.py pyiceberg|duckdb TABLE_DIR OUT.parquet

pyiceberg: Apache Iceberg's Python implementation, StaticTable over the newest metadata file
           (the one version-hint.text names), full scan with position deletes applied.
duckdb:    DuckDB 1.5.5 with its iceberg extension (and the avro extension it needs), LOADed from
           the PyPI packages' files: nothing is downloaded.
"""
import json
import os
import sys


def newest_metadata(table_dir):
    with open(os.path.join(table_dir, "metadata", "version-hint.text")) as f:
        version = f.read().strip()
    return os.path.join(table_dir, "metadata", f"v{version}.metadata.json")


def read_pyiceberg(table_dir, out):
    from pyiceberg.table import StaticTable
    import pyarrow.parquet as pq

    table = StaticTable.from_metadata(newest_metadata(table_dir))
    data = table.scan().to_arrow()
    pq.write_table(data, out)
    return data.num_rows


def extension_file(package):
    mod = __import__(package)
    base = os.path.join(os.path.dirname(mod.__file__), "extensions")
    for root, _, files in os.walk(base):
        for f in files:
            if f.endswith(".duckdb_extension"):
                return os.path.join(root, f)
    raise SystemExit(f"no extension file in {base}: reinstall with scripts/setup-interop.sh")


def read_duckdb(table_dir, out):
    import duckdb

    con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    con.execute(f"LOAD '{extension_file('duckdb_extension_avro')}'")
    con.execute(f"LOAD '{extension_file('duckdb_extension_iceberg')}'")
    q = "'" + table_dir.replace("'", "''") + "'"
    o = "'" + out.replace("'", "''") + "'"
    con.execute(f"COPY (SELECT * FROM iceberg_scan({q})) TO {o} (FORMAT parquet)")
    return con.execute(f"SELECT count(*) FROM read_parquet({o})").fetchone()[0]


def main():
    reader, table_dir, out = sys.argv[1:4]
    rows = {"pyiceberg": read_pyiceberg, "duckdb": read_duckdb}[reader](table_dir, out)
    print(json.dumps({"reader": reader, "rows": rows}))


if __name__ == "__main__":
    main()
