"""A clock-in rush over SMS under gunicorn: every placed student clocks in once.

    python -m bench.bench_clockin [--db sqlite|pg|both] [--students 3000] [--concurrency 16]
                                  [--pg URL] [--workers 4] [--threads 4]

The issue's scale: 50,000 students clocking in within 15 minutes is about 56 clock-ins
a second; one 2-core machine should carry that with 5x headroom. Over SMS a clock-in is
two requests: the student texts IN (a signed Twilio webhook; the TwiML answer carries a
one-time check-in link) and their phone's browser posts its location to that link (the
time entry is opened, checked against the site's geofence, and a receipt SMS is queued).

The district comes from bench.gen_district through the real importers (as
bench_inbound); each student is then given a `ready` placement at an on-site opportunity
(as after approval, consent and AGREE). N senders take the students in turn; each runs
the two requests and checks the answers. Reported: clock-ins per second against 56/s,
p50/p99 of each request, errors. Results also go to bench/out/bench_clockin.txt.
"""

from __future__ import annotations

import argparse
import os
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import requests
from sqlalchemy import insert, select
from twilio.request_validator import RequestValidator

from bench.bench_inbound import (
    BASE,
    OUT,
    TOKEN,
    free_port,
    prepare,
    server_args,
    start_server,
    stop_server,
)
from bench.stats import percentile
from db.models import Application, Opportunity, Person, Placement, Site
from db.session import Database

NEEDED = 50_000 / (15 * 60)  # clock-ins a second when a whole district starts at once
LINK = re.compile(re.escape(BASE) + r"/checkin/([A-Za-z0-9_-]+)")


@dataclass
class Student:
    phone: str
    lat: float
    lon: float


@dataclass
class Tally:
    sms: list[float] = field(default_factory=list)
    page: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    clocked: int = 0


def place(url: str, limit: int) -> list[Student]:
    """Give up to `limit` students a ready placement at an on-site opportunity."""
    db = Database(url)
    now = datetime.now(UTC)
    today = now.date()
    with db.transaction() as s:
        sites = s.execute(
            select(Opportunity.id, Site.lat, Site.lon)
            .join(Site, Site.id == Opportunity.site_id)
            .where(Opportunity.remote.is_(False), Opportunity.active.is_(True))
            .order_by(Opportunity.id)
        ).all()
        people = s.execute(
            select(Person.id, Person.phone)
            .where(Person.kind == "student", Person.phone.is_not(None))
            .order_by(Person.id)
            .limit(limit)
        ).all()
        apps = s.scalars(
            insert(Application).returning(Application.id, sort_by_parameter_order=True),
            [
                dict(
                    student_id=pid,
                    opportunity_id=sites[i % len(sites)][0],
                    status="approved",
                    created_at=now,
                    decided_at=now,
                    decided_by="bench",
                )
                for i, (pid, _phone) in enumerate(people)
            ],
        ).all()
        s.execute(
            insert(Placement),
            [
                dict(
                    application_id=app_id,
                    student_id=pid,
                    opportunity_id=sites[i % len(sites)][0],
                    status="ready",
                    starts_on=today - timedelta(days=7),
                    due_on=today + timedelta(days=30),
                    agreement_ack_at=now,
                    created_at=now,
                )
                for i, ((pid, _phone), app_id) in enumerate(zip(people, apps, strict=True))
            ],
        )
    db.dispose()
    return [
        Student(phone, sites[i % len(sites)][1], sites[i % len(sites)][2])
        for i, (_pid, phone) in enumerate(people)
    ]


def rush(port: int, students: list[Student], concurrency: int) -> tuple[Tally, float]:
    """Every student clocks in once, N at a time; (tally, seconds)."""
    validator = RequestValidator(TOKEN)
    tally = Tally()
    lock = threading.Lock()
    sids = iter(range(1, 10**9))

    def clock_in(http: requests.Session, student: Student, mine: Tally) -> None:
        with lock:
            sid = f"SMclk{os.getpid():06x}{next(sids):020x}"
        form = {
            "AccountSid": "AC" + "0" * 32,
            "MessageSid": sid,
            "From": student.phone,
            "To": "+15005550006",
            "Body": "IN",
            "NumMedia": "0",
        }
        sig = validator.compute_signature(BASE + "/webhooks/twilio/sms", form)
        t0 = time.perf_counter()
        answer = http.post(
            f"http://127.0.0.1:{port}/webhooks/twilio/sms",
            data=form,
            headers={"X-Twilio-Signature": sig},
            timeout=30,
        )
        mine.sms.append(time.perf_counter() - t0)
        found = LINK.search(answer.text)
        if answer.status_code != 200 or found is None:
            mine.errors.append(f"IN answered {answer.status_code}: {answer.text[:120]!r}")
            return
        fix = {"lat": f"{student.lat:.6f}", "lon": f"{student.lon:.6f}", "accuracy": "12"}
        t0 = time.perf_counter()
        page = http.post(f"http://127.0.0.1:{port}/checkin/{found.group(1)}", data=fix)
        mine.page.append(time.perf_counter() - t0)
        if page.status_code != 200:
            mine.errors.append(f"check-in page answered {page.status_code}")
            return
        mine.clocked += 1

    def sender(index: int) -> None:
        http, mine = requests.Session(), Tally()
        for student in students[index::concurrency]:
            try:
                clock_in(http, student, mine)
            except requests.RequestException as exc:
                mine.errors.append(type(exc).__name__)
        with lock:
            tally.sms += mine.sms
            tally.page += mine.page
            tally.errors += mine.errors
            tally.clocked += mine.clocked

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(concurrency)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return tally, time.monotonic() - t0


def pct(values: list[float], q: float) -> float:
    """The `q` percentile of request times, in ms."""
    return percentile(values, q) * 1000


def run_db(label: str, url: str, args: argparse.Namespace) -> list[str]:
    OUT.mkdir(parents=True, exist_ok=True)
    prepare(url, args.students, args.students // 10)
    students = place(url, args.students)
    workers, threads = (1, 16) if label == "sqlite" else (args.workers, args.threads)
    log = OUT / f"bench_clockin_{label}.log"
    port = free_port()
    proc = start_server(url, port, workers, threads, log)
    try:
        tally, seconds = rush(port, students, args.concurrency)
    finally:
        stop_server(proc)
    rate = tally.clocked / seconds if seconds else 0.0
    lines = [
        f"[{label}] gunicorn -w {workers} --threads {threads}",
        f"  {tally.clocked} of {len(students)} students clocked in in {seconds:.1f} s: "
        f"{rate:.1f} clock-ins/s = {rate / NEEDED:.1f}x the {NEEDED:.0f}/s a district needs",
        f"  SMS IN      p50 {pct(tally.sms, 0.5):6.1f} ms  p99 {pct(tally.sms, 0.99):6.1f} ms",
        f"  page POST   p50 {pct(tally.page, 0.5):6.1f} ms  p99 {pct(tally.page, 0.99):6.1f} ms",
        f"  errors={len(tally.errors)}" + (f" (first: {tally.errors[0]})" if tally.errors else ""),
    ]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = server_args(argparse.ArgumentParser(description=__doc__.split("\n\n")[0]))
    parser.add_argument("--students", type=int, default=3000)
    args = parser.parse_args(argv)
    lines = [
        f"bench_clockin: {args.students} students each text IN and post their location "
        f"once, {args.concurrency} at a time, {os.cpu_count()} CPUs"
    ]
    if args.db in ("sqlite", "both"):
        lines += run_db("sqlite", f"sqlite:///{OUT / 'bench_clockin.sqlite3'}", args)
    if args.db in ("pg", "both"):
        lines += run_db("postgresql", args.pg, args)
    print("\n".join(lines))
    (OUT / "bench_clockin.txt").write_text("\n".join(lines) + "\n")
    return 1 if any("errors=0" not in line for line in lines if "errors=" in line) else 0


if __name__ == "__main__":
    raise SystemExit(main())
