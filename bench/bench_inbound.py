"""Load benchmark of the inbound path: wrk, durable PostgreSQL, server CPU per message.

    python -m bench.bench_inbound [--db pg|sqlite] [--seconds 10] [--connections 16]
                                  [--deploy sync:5 gthread:4:4 ...] [--repeats 3]
                                  [--students 2000] [--opportunities 200] [--pg URL]

A PostgreSQL cluster of the benchmark's own (bench.pgcluster: default durability, fsync
and synchronous_commit on; `--pg URL` uses a server you run instead) gets a fresh
schema and a generated district (bench.gen_district through the real importers). For
each repeat and each gunicorn deployment, wrk (bench/lua/replay.lua) drives three
endpoints of bench.ref_app with unique, correctly signed Twilio form posts:
  bare   - a Flask endpoint returning TwiML (the web stack's ceiling)
  signed - signature check + a plain SQLAlchemy Core one-row insert + TwiML (the floor)
  full   - POST /webhooks/twilio/sms: dedupe, engine, state + outbox, TwiML, in the
           message mix below
Reported per endpoint: requests/s, p50/p99, errors, the server's CPU per request
(gunicorn + every PostgreSQL process, from /proc), the busiest worker's share and the
WAL per request; then the figures that count: full CPU/message ÷ signed CPU/request,
and the full path's p99. After the run every message must be in the database,
processed, none failed. Results also go to bench/out/bench_inbound.txt.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlalchemy import exists, func, insert, literal, select, text
from twilio.request_validator import RequestValidator

from bench import harness
from bench.gen_district import generate
from bench.harness import BASE, OUT, TOKEN, Deployment, Phase, WalProbe
from bench.pgcluster import cluster
from bench.ref_app import create_reference_table
from bot.importers.partners import import_partners
from bot.importers.roster import import_roster
from db.migrate import upgrade
from db.models import Conversation, InboundMessage, Person
from db.session import Database, make_engine

DISTRICT_TZ = ZoneInfo("America/Los_Angeles")  # Settings.district_tz's default

TEXTS = ["STATUS", "FIND", "MENU", "HELP", "status", "find virtual", "menu", "more"]
ENDPOINTS = {"bare": "/bench/bare", "signed": "/bench/signed", "full": "/webhooks/twilio/sms"}
POOL_PER_SECOND = 9000  # requests written per second of a phase: more than wrk gets here

_sids = itertools.count(1)


def prepare(url: str, students: int, opportunities: int) -> list[str]:
    """Migrate a fresh database at `url` and load a district; return the students' phones."""
    reset(url)
    engine = make_engine(url)
    create_reference_table(engine)
    engine.dispose()
    return load_district(Database(url), students, opportunities)


def reset(url: str) -> None:
    """An empty database at `url`, migrated to the newest schema."""
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    else:
        db = Database(url)
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        db.dispose()
    upgrade(url)


def load_district(db: Database, students: int, opportunities: int) -> list[str]:
    """gen_district's synthetic district (students, guardians, staff, partners, vetting,
    open opportunities) through the real importers; the students' phones."""
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp:
        folder = generate(Path(tmp), students, max(opportunities // 2, 1), opportunities)
        for report in (
            import_roster(db, folder, now=now),
            import_partners(db, folder, now=now, tz=DISTRICT_TZ),
        ):
            if report.problems:
                raise SystemExit(f"bench district did not import cleanly: {report.problems[:3]}")
    with db.transaction() as s:
        phones = s.scalars(
            select(Person.phone)
            .where(Person.kind == "student", Person.phone.is_not(None))
            .order_by(Person.id)
        ).all()
    with db.transaction() as s:  # mid-term: every student has written before (steady state)
        students = select(Person.id, literal(now, Conversation.updated_at.type))
        talked = Conversation.person_id
        s.execute(
            insert(Conversation).from_select(
                ["person_id", "updated_at"],
                students.where(Person.kind == "student", ~exists().where(talked == Person.id)),
            )
        )
    if db.is_postgres:
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    db.dispose()
    return [p for p in phones if p]


def signed_form(path: str, params: dict[str, str]) -> tuple[str, str, str]:
    """(path, X-Twilio-Signature, urlencoded body) as Twilio would post it."""
    sig = RequestValidator(TOKEN).compute_signature(BASE + path, params)
    return path, sig, urlencode(params)


def sms_form(phone: str, body: str) -> dict[str, str]:
    return {
        "AccountSid": "AC" + "0" * 32,
        "MessageSid": f"SM{os.getpid():08x}{next(_sids):024x}",
        "From": phone,
        "To": "+15005550006",
        "Body": body,
        "NumMedia": "0",
    }


def requests_for(path: str, phones: list[str], count: int, seed: int) -> Iterator[tuple]:
    rng = random.Random(seed)
    for _ in range(count):
        yield signed_form(path, sms_form(rng.choice(phones), rng.choice(TEXTS)))


def measure(
    name: str,
    server: harness.Server,
    lines: Callable[[int], Iterator[tuple]],
    args: argparse.Namespace,
    db_pids: Callable[[], list[int]],
    wal: WalProbe,
) -> Phase:
    """A one-second warm-up, then the measured run, each over requests of its own."""
    phase = None
    for seconds in (1.0, args.seconds):
        pool = harness.write_requests(lines(int(seconds * POOL_PER_SECOND)))
        try:
            phase = harness.run_phase(
                name,
                server,
                pool,
                seconds=seconds,
                connections=args.connections,
                threads=args.wrk_threads,
                db_pids=db_pids,
                wal=wal,
            )
        finally:
            pool.unlink()
    assert phase is not None
    return phase


def check_all_processed(url: str) -> str:
    """Every inbound row processed: none failed (the apology path), none lost."""
    db = Database(url)
    with db.transaction() as s:
        counts = dict(
            s.execute(
                select(InboundMessage.status, func.count()).group_by(InboundMessage.status)
            ).all()
        )
    db.dispose()
    return "inbound rows by status: " + ", ".join(f"{k}={v}" for k, v in sorted(counts.items()))


def summary(deployment: Deployment, phases: dict[str, Phase]) -> str:
    full, signed, bare = phases["full"], phases["signed"], phases["bare"]
    return (
        f"  => {deployment}: full CPU/msg ÷ signed CPU/req = {full.cpu_ms / signed.cpu_ms:.2f}  "
        f"full rate ÷ signed = {full.rate / signed.rate:.2f}  signed ÷ bare = "
        f"{signed.rate / bare.rate:.2f}  full p99 {full.p99_ms:.0f} ms"
    )


def run(url: str, db_pids: Callable[[], list[int]], args: argparse.Namespace) -> list[str]:
    phones = prepare(url, args.students, args.opportunities)
    wal = WalProbe(url)
    lines = []
    try:
        for repeat in range(args.repeats):
            for spec in args.deploy:
                deployment = Deployment.parse(spec)
                log = OUT / f"bench_inbound_{deployment}.log".replace(":", "_")
                server = harness.start_server(url, deployment, log)
                phases: dict[str, Phase] = {}
                try:
                    for name, path in ENDPOINTS.items():
                        phases[name] = measure(
                            name,
                            server,
                            lambda n, p=path, seed=repeat: requests_for(p, phones, n, seed),
                            args,
                            db_pids,
                            wal,
                        )
                finally:
                    harness.stop_server(server)
                lines.append(f"[repeat {repeat + 1}, {deployment}] {harness.machine_state()}")
                lines += [p.line() for p in phases.values()]
                lines.append(summary(deployment, phases))
                print("\n".join(lines[-5:]), flush=True)
    finally:
        wal.dispose()
    lines.append(check_all_processed(url))
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    common_args(parser)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--students", type=int, default=2000)
    # as gen_district's district scale (50,000 students, 5,000 opportunities): 1 per 10
    parser.add_argument("--opportunities", type=int, default=200)
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    lines = [
        f"bench_inbound: wrk -c {args.connections} -t {args.wrk_threads}, {args.seconds:g}s "
        f"per endpoint, {args.students} students, {args.opportunities} open opportunities, "
        f"deployments {' '.join(args.deploy)}, {args.repeats} repeats"
    ]
    print(lines[0], flush=True)
    lines += with_database(args, lambda url, pids: run(url, pids, args))
    print(lines[-1])
    (OUT / "bench_inbound.txt").write_text("\n".join(lines) + "\n")
    return 0


def common_args(parser: argparse.ArgumentParser) -> None:
    """The options every load benchmark shares."""
    parser.add_argument("--db", choices=["pg", "sqlite"], default="pg")
    parser.add_argument("--pg", default="", help="use this server instead of a cluster of our own")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--deploy", nargs="+", default=["sync:5", "gthread:4:4"])
    parser.add_argument("--repeats", type=int, default=3)


def with_database(
    args: argparse.Namespace, body: Callable[[str, Callable[[], list[int]]], list[str]]
) -> list[str]:
    """Run `body(url, database_pids)` on the database the options name."""
    if args.db == "sqlite":
        return body(f"sqlite:///{OUT / 'bench.sqlite3'}", list)
    if args.pg:
        return body(args.pg, list)  # a server not ours: its CPU is not counted
    with ExitStack() as stack:
        pg = stack.enter_context(cluster())
        lines = [f"PostgreSQL: a cluster of the benchmark's own, {pg.settings()}"]
        print(lines[0], flush=True)
        return lines + body(pg.url("wbl_bench"), lambda: [pg.postmaster()])


if __name__ == "__main__":
    raise SystemExit(main())
