"""Benchmark the equity view and the hours report on a 50,000-student district.

    python -m bench.bench_equity [--students 50000] [--db URL] [--runs 5]

Builds the district through the real importers (`bench.gen_district`, with race and
ethnicity columns added to demographics.csv), then a term of activity in bulk: about a
third of the students with a placement (some two), 6-10 time entries each over the 12
weeks before 2026-12-01 (most approved, some pending or rejected), across every kind.
Then, through the real Flask app signed in as an admin: GET /dashboard/equity (the whole
page: coverage by every field, the seniors' and juniors' lists with their reach, hours
per week, placements by kind and status, reachability for every student) and
GET /dashboard/reports/hours.csv (every placement with verified hours), timed `--runs`
times each after one cold run. Goal: each under 2 s.

--db defaults to a separate database on the test server,
postgresql://postgres@127.0.0.1:55432/wbl_bench_equity (created when missing, its
schema dropped and rebuilt each run). Kept out of the test suite.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, func, select, text, update
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
DEFAULT_DB = "postgresql://postgres@127.0.0.1:55432/wbl_bench_equity"
EXTRA = ("hispanicOrLatinoEthnicity", "white", "asian", "blackOrAfricanAmerican")
ADMIN = "bench.admin@example.org"
PASSWORD = "correct horse battery"


def ensure_database(url: str) -> None:
    """CREATE DATABASE when it does not exist (PostgreSQL), then a fresh schema."""
    from bench.bench_import import fresh_postgres

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        found = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}
        ).first()
        if found is None:
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()
    fresh_postgres(url)


def bundle(students: int) -> Path:
    """The generated district (reused when present) with race/ethnicity columns added."""
    from bench.gen_district import generate

    folder = ROOT / "bench" / "out" / f"equity-district-{students}"
    if not (folder / "users.csv").exists():
        generate(folder, students)
        path = folder / "demographics.csv"
        rows = list(csv.reader(path.open(newline="", encoding="utf-8")))
        rng = random.Random(11)
        rows[0] += list(EXTRA)
        for row in rows[1:]:
            row += [rng.choice(("true", "false", "")) for _ in EXTRA]
        with path.open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh, lineterminator="\r\n").writerows(rows)
    return folder


def load(url: str, folder: Path) -> Any:
    from bot.importers.partners import import_partners
    from bot.importers.roster import import_roster
    from db.session import Database

    db = Database(url)
    started = time.perf_counter()
    import_roster(db, folder, now=NOW)
    import_partners(db, folder, now=NOW, tz=ZoneInfo("America/Los_Angeles"))
    print(f"import: {time.perf_counter() - started:.1f} s")
    return db


def activity(db: Any, seed: int = 5) -> tuple[int, int]:
    """A term of placements and hours, inserted in bulk; (placements, time entries)."""
    from bot import kinds
    from bot.importers.bulk import insert_values
    from db.models import Application, Opportunity, Person, Placement, TimeEntry

    rng = random.Random(seed)
    codes = kinds.codes()
    with db.transaction() as s:
        opps = list(s.execute(select(Opportunity.id, Opportunity.starts_on, Opportunity.due_on)))
        for i, (oid, *_d) in enumerate(opps):  # every kind, in turn
            s.execute(
                update(Opportunity).where(Opportunity.id == oid).values(kind=codes[i % len(codes)])
            )
        students = list(s.scalars(select(Person.id).where(Person.kind == "student")))
        apps, placements, entries = [], [], []
        statuses = ("ready",) * 6 + ("completed",) * 3 + ("paperwork", "paused", "cancelled")
        for sid in students:
            if rng.random() > 0.35:
                continue
            for oid, starts, due in rng.sample(opps, 2 if rng.random() < 0.2 else 1):
                pid = len(placements) + 1
                apps.append((pid, sid, oid, "approved", NOW - timedelta(days=90), NOW, None))
                placements.append(
                    (pid, pid, sid, oid, rng.choice(statuses), starts, due, None, False,
                     NOW - timedelta(days=85), None)
                )  # fmt: skip
                for _ in range(rng.randint(6, 10)):
                    at = NOW - timedelta(days=rng.randint(0, 83), hours=rng.randint(0, 8))
                    status = rng.choices(("approved", "pending", "rejected"), (8, 1, 1))[0]
                    hours = Decimal(rng.randint(2, 16)) / 4
                    entries.append(
                        (len(entries) + 1, pid, sid, "clock", status, at, at + timedelta(hours=float(hours)),
                         hours, False, False, 0, at)
                    )  # fmt: skip
        insert_values(s, Application, ("id", "student_id", "opportunity_id", "status",
                                       "created_at", "decided_at", "decided_by"), apps)  # fmt: skip
        insert_values(s, Placement, ("id", "application_id", "student_id", "opportunity_id",
                                     "status", "starts_on", "due_on", "agreement_ack_at",
                                     "paper_consent", "created_at", "completed_at"), placements)  # fmt: skip
        insert_values(s, TimeEntry, ("id", "placement_id", "student_id", "kind", "status",
                                     "started_at", "ended_at", "hours", "flagged", "auto_closed",
                                     "reminders_sent", "created_at"), entries)  # fmt: skip
        for table in ("applications", "placements", "time_entries"):
            s.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                           f"(SELECT max(id) FROM {table}))"))  # fmt: skip
    with db.engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    return len(placements), len(entries)


def timed(client: Any, path: str, runs: int) -> tuple[float, list[float], float, int]:
    """Cold time, warm times, the warm runs' median CPU time of this process (seconds:
    less at the mercy of the machine's load than wall time) and the response's bytes."""
    samples, cpu, size = [], [], 0
    for _ in range(runs + 1):
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get(path)
        samples.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
        assert response.status_code == 200, (path, response.status_code)
        size = len(response.get_data())
    return samples[0], samples[1:], statistics.median(cpu[1:]), size


def build(url: str, students: int) -> None:
    """A fresh database holding the district, its term of activity and an admin account."""
    from bot.dashboard import accounts
    from db.models import Person, StudentDemographic

    ensure_database(url)
    db = load(url, bundle(students))
    placements, entries = activity(db)
    with db.transaction() as s:
        count = s.scalar(select(func.count()).where(Person.kind == "student"))
        demo = s.scalar(select(func.count()).select_from(StudentDemographic))
        accounts.add(s, NOW, ADMIN, {"admin"}, password=PASSWORD)
    print(f"district: {count} students, {placements} placements, {entries} time entries, "
          f"{demo} demographic values")  # fmt: skip
    db.dispose()


def measure(url: str, runs: int) -> None:
    """Time the pages in this process (a fresh one: a web worker does not carry an import)."""
    from bot.clock import FixedClock
    from bot.runtime import Runtime
    from bot.settings import Settings
    from db.session import Database
    from webhooks import create_app

    db = Database(url)
    settings = Settings(
        database_url=url, secret_key="bench-secret", public_base_url="http://bench.test"
    )
    client = create_app(runtime=Runtime(settings, db, FixedClock(NOW))).test_client()
    login = client.get("/dashboard/login").get_data(as_text=True)
    token = login.split('name="csrf_token" value="')[1].split('"')[0]
    client.post(
        "/dashboard/login", data={"email": ADMIN, "password": PASSWORD, "csrf_token": token}
    )
    print(f"{'page':<40} {'cold':>6} {'median':>7} {'max':>6} {'cpu':>6}  size")
    worst = 0.0
    for path in (
        "/dashboard/equity",
        "/dashboard/reports/hours.csv",
        "/dashboard/reports/coverage.csv?by=sex",
    ):
        cold, warm, cpu, size = timed(client, path, runs)
        worst = max(worst, statistics.median(warm))
        print(
            f"{path:<40} {cold:6.2f} {statistics.median(warm):7.2f} {max(warm):6.2f} {cpu:6.2f}"
            f"  {size / 1024:.0f} KiB"
        )
    print("goal: each page under 2 s (median of the warm runs):", "met" if worst < 2 else "NOT met")
    one, five, fifteen = os.getloadavg()
    print(f"load average on this machine (1, 5, 15 min): {one:.1f} {five:.1f} {fifteen:.1f}")
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=50_000)
    parser.add_argument("--db", default=DEFAULT_DB)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="measure the district already built")
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    ns = parser.parse_args()
    if ns.measure_only:
        measure(ns.db, ns.runs)
        return
    if not ns.reuse:
        build(ns.db, ns.students)
    argv = [sys.executable, "-m", "bench.bench_equity", "--measure-only", "--db", ns.db]
    subprocess.run([*argv, "--runs", str(ns.runs)], check=True, cwd=ROOT)


if __name__ == "__main__":
    main()
