"""Benchmark the roster import on SQLite and PostgreSQL against the CSV parse floor.

    python -m bench.bench_import [--students 50000] [--pg URL]

Generates (or reuses) a synthetic district, then measures in one run: the parse floor
(read the CSVs and parse every phone, no database), the first import, the re-import of the
unchanged bundle (it must write nothing: DML statements are counted through SQLAlchemy's
cursor events, and since COPY on PostgreSQL is not a cursor statement, every table's
content is also hashed before and after the re-import), rows/s and peak memory. Each
import runs in a fresh child process; its peak RSS is read with
resource.getrusage(RUSAGE_CHILDREN) (and the child's own RUSAGE_SELF).
PostgreSQL: --pg or env BENCH_PG_URL (skipped with a message when neither is set).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import hashlib
import json
import os
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import phonenumbers

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
GOALS = (
    "goals: import < 30 s, peak < 500 MB, reimport < 1/3 import and 0 writes, import <= 3x floor"
)


def parse_floor(folder: Path, product: bool = False) -> tuple[float, int]:
    """CPU seconds to read orgs/users/demographics with csv and parse every phone; rows read.

    `product`: parse phones with the importer's own `parse_phone` (its fast path for plainly
    written US numbers and its cache) instead of phonenumbers' general parse.
    """
    from bot.importers import fields

    fields._e164.cache_clear()
    start, rows = time.process_time(), 0
    for name in ("orgs.csv", "users.csv", "demographics.csv"):
        with (folder / name).open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            for row in reader:
                rows += 1
                for col in ("sms", "phone"):
                    raw = row.get(col)
                    if raw and product:
                        with contextlib.suppress(fields.BadValue):
                            fields.parse_phone(raw)
                        break
                    if raw:
                        number = phonenumbers.parse(raw, "US")
                        phonenumbers.is_valid_number(number)
                        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
                        break
    return time.process_time() - start, rows


def content(db: Any) -> tuple[int, str]:
    """Rows in every table and a hash of all their content (ordered by primary key)."""
    from sqlalchemy import select

    from db.base import Base

    digest, rows = hashlib.blake2b(digest_size=16), 0
    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            stmt = select(table).order_by(*table.primary_key.columns)
            for row in conn.execution_options(stream_results=True, yield_per=5000).execute(stmt):
                rows += 1
                digest.update(repr(tuple(row)).encode())
    return rows, digest.hexdigest()


def child(url: str, folder: Path) -> None:
    """Run one roster import and print JSON: seconds, DML statements and rows, peak RSS."""
    from sqlalchemy import event

    from bot.importers.roster import import_roster
    from db.session import Database

    db = Database(url)
    before = content(db)
    writes = {"statements": 0, "rows": 0}

    @event.listens_for(db.engine, "after_cursor_execute")
    def count(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().split(" ", 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            writes["statements"] += 1
            writes["rows"] += max(cursor.rowcount, 0)

    start, cpu = time.perf_counter(), time.process_time()
    report = import_roster(db, folder, now=NOW)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    after = content(db)
    db.dispose()
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu": cpu,
                "writes": writes,
                "peak_kb": peak_kb,
                "rows_in_db": after[0],
                "content_changed": before != after,
                "problems": len(report.problems),
                "counts": report.summary(),
            }
        )
    )


def run_child(url: str, folder: Path) -> dict:
    """One import in a fresh interpreter; adds the children's peak RSS as the parent sees it."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench_import", "--child", url, str(folder)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["children_peak_kb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return result


def fresh_sqlite(work: Path) -> str:
    from db.migrate import upgrade

    path = work / "bench.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    upgrade(url)
    return url


def fresh_postgres(url: str) -> str:
    from sqlalchemy import text

    from db.migrate import upgrade
    from db.session import Database

    db = Database(url)
    with db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    db.dispose()
    upgrade(url)
    return url


def measure(
    name: str, url: str, folder: Path, floor: float, rows: int, product_floor: float
) -> list[str]:
    first = run_child(url, folder)
    again = run_child(url, folder)
    ratio_floor, ratio_again = first["cpu"] / floor, again["cpu"] / first["cpu"]
    ratio_product = first["cpu"] / product_floor
    wall_again = again["seconds"] / first["seconds"]
    return [
        f"{name:<10} first import {first['seconds']:7.2f} s wall {first['cpu']:6.2f} s cpu  "
        f"{rows / first['seconds']:9,.0f} rows/s  "
        f"peak {first['peak_kb'] / 1024:6.0f} MB  writes {first['writes']['statements']:,} stmts "
        f"/ {first['writes']['rows']:,} rows (COPY not seen)  "
        f"{first['rows_in_db']:,} rows in the database  problems {first['problems']}",
        f"{name:<10} re-import    {again['seconds']:7.2f} s wall {again['cpu']:6.2f} s cpu  "
        f"{rows / again['seconds']:9,.0f} rows/s  "
        f"peak {again['peak_kb'] / 1024:6.0f} MB  writes {again['writes']['statements']:,} stmts "
        f"/ {again['writes']['rows']:,} rows  "
        f"content {'CHANGED' if again['content_changed'] else 'unchanged'} "
        f"({again['rows_in_db']:,} rows in the database)",
        f"{name:<10} cpu: import/floor {ratio_floor:5.2f}x (against the product's own phone "
        f"parse: {ratio_product:5.2f}x)  reimport/import {ratio_again:5.2f}  "
        f"(wall reimport/import {wall_again:5.2f})  "
        f"children peak RSS (getrusage) {first['children_peak_kb'] / 1024:.0f} MB",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description="roster import benchmark")
    parser.add_argument("--students", type=int, default=50_000)
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG_URL", ""))
    parser.add_argument("--work", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--child", nargs=2, metavar=("URL", "DIR"), help=argparse.SUPPRESS)
    ns = parser.parse_args()
    if ns.child:
        child(ns.child[0], Path(ns.child[1]))
        return
    from bench.gen_district import generate

    ns.work.mkdir(parents=True, exist_ok=True)
    folder = ns.work / f"district-{ns.students}"
    if not (folder / "users.csv").exists():
        generate(folder, ns.students)
    floor, rows = parse_floor(folder)
    product_floor, _ = parse_floor(folder, product=True)
    lines = [
        f"bundle {folder}: {rows:,} roster rows ({ns.students:,} students)",
        f"parse floor (csv + phonenumbers, no database): {floor:.2f} s cpu  {rows / floor:,.0f} rows/s",
        f"parse floor with the importer's own phone parse: {product_floor:.2f} s cpu",
        f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
    ]
    lines += measure("sqlite", fresh_sqlite(ns.work), folder, floor, rows, product_floor)
    if ns.pg:
        lines += measure("postgresql", fresh_postgres(ns.pg), folder, floor, rows, product_floor)
    else:
        lines.append("postgresql: skipped (give --pg URL or set BENCH_PG_URL)")
    lines.append(GOALS)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
