"""A clock-in rush over SMS: wrk, durable PostgreSQL, server CPU per clock-in.

    python -m bench.bench_clockin [--db pg|sqlite] [--students 4000] [--seconds 15]
                                  [--connections 16] [--deploy gthread:4:4 ...] [--repeats 3]

The issue's scale: 50,000 students clocking in within 15 minutes is about 56 clock-ins
a second. Over SMS a clock-in is two requests: the student texts IN (a signed Twilio
webhook; the TwiML answer carries a one-time check-in link) and their phone's browser
posts its location to that link (the time entry is opened, checked against the site's
geofence, a receipt SMS is queued, the nudge and auto-close scheduled).

The district comes from bench.gen_district through the real importers (as
bench_inbound); each student is then given a `ready` placement at an on-site
opportunity. wrk (bench/lua/clockin.lua, one connection per thread) takes the students
in turn: IN, read the link from the answer, post the site's location to it. In the same
run and server, the reference: the signed plain-Core one-row insert (bench_inbound's
`signed`). Reported: clock-ins/s against 56/s, the request p99, and the figure that
counts: server CPU (gunicorn + PostgreSQL) per clock-in ÷ the reference's per request
(goal <= 3). Every student gets one repeat's worth of clock-ins: each repeat and
deployment takes fresh students. Results also go to bench/out/bench_clockin.txt.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select

from bench import harness
from bench.bench_inbound import (
    common_args,
    measure,
    prepare,
    requests_for,
    signed_form,
    sms_form,
    with_database,
)
from bench.harness import OUT, Deployment, Phase, WalProbe
from db.models import Application, Opportunity, Person, Placement, Site, TimeEntry
from db.session import Database

NEEDED = 50_000 / (15 * 60)  # clock-ins a second when a whole district starts at once


@dataclass
class Student:
    phone: str
    lat: float
    lon: float


def place(url: str) -> list[Student]:
    """Give every student with a phone a ready placement at an on-site opportunity."""
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


def clockin_lines(students: list[Student]) -> Iterator[tuple[str, str, str, str]]:
    for st in students:
        path, sig, body = signed_form("/webhooks/twilio/sms", sms_form(st.phone, "IN"))
        yield path, sig, body, f"lat={st.lat:.6f}&lon={st.lon:.6f}&accuracy=12"


def rush(
    server: harness.Server,
    students: list[Student],
    args: argparse.Namespace,
    db_pids: Callable[[], list[int]],
    wal: WalProbe,
    seconds: float | None = None,
) -> Phase:
    pool = harness.write_requests(clockin_lines(students))
    try:
        return harness.run_phase(
            "clock",
            server,
            pool,
            seconds=seconds or args.seconds,
            connections=args.connections,
            threads=args.connections,
            db_pids=db_pids,
            wal=wal,
            script="clockin.lua",
        )
    finally:
        pool.unlink()


def opened(url: str) -> int:
    db = Database(url)
    with db.transaction() as s:
        count = s.scalar(select(func.count()).select_from(TimeEntry)) or 0
    db.dispose()
    return count


def run(url: str, db_pids: Callable[[], list[int]], args: argparse.Namespace) -> list[str]:
    phones = prepare(url, args.students, args.students // 10)
    students = place(url)
    runs = args.repeats * len(args.deploy)
    per_run = len(students) // runs
    wal = WalProbe(url)
    lines: list[str] = []
    try:
        for index in range(runs):
            deployment = Deployment.parse(args.deploy[index % len(args.deploy)])
            mine = students[index * per_run : (index + 1) * per_run]
            log = OUT / f"bench_clockin_{deployment}.log".replace(":", "_")
            server = harness.start_server(url, deployment, log)
            try:
                signed = measure(
                    "signed",
                    server,
                    lambda n, seed=index: requests_for("/bench/signed", phones, n, seed),
                    args,
                    db_pids,
                    wal,
                )
                warm = len(mine) // 10  # a second's warm-up on students of its own
                rush(server, mine[:warm], args, db_pids, wal, seconds=1.0)
                before = opened(url)
                clock = rush(server, mine[warm:], args, db_pids, wal)
                entries = opened(url) - before
            finally:
                harness.stop_server(server)
            rate = clock.count / clock.seconds if clock.seconds else 0.0
            lines += [
                f"[run {index + 1}, {deployment}] {harness.machine_state()}",
                signed.line(),
                clock.line(),
                f"  => {deployment}: {clock.count} clock-ins ({entries} time entries opened) "
                f"in {clock.seconds:.1f} s = {rate:.0f}/s = {rate / NEEDED:.1f}x the "
                f"{NEEDED:.0f}/s a district needs; CPU/clock-in ÷ signed CPU/req = "
                f"{clock.cpu_ms / signed.cpu_ms:.2f}; request p99 {clock.p99_ms:.0f} ms",
            ]
            print("\n".join(lines[-4:]), flush=True)
    finally:
        wal.dispose()
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    common_args(parser)
    parser.add_argument("--students", type=int, default=6000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.set_defaults(deploy=["gthread:4:4"])  # wbl serve's default on PostgreSQL
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    lines = [
        f"bench_clockin: {args.students} students with a ready placement, "
        f"{args.connections} at a time (wrk -t {args.connections} -c {args.connections}), "
        f"{args.seconds:g}s per run, deployments {' '.join(args.deploy)}, {args.repeats} repeats"
    ]
    print(lines[0], flush=True)
    lines += with_database(args, lambda url, pids: run(url, pids, args))
    (OUT / "bench_clockin.txt").write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
