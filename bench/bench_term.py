"""A whole term at district scale, on durable PostgreSQL, through the product's real paths.

    python -m bench.bench_term [--students 50000] [--cohort 500] [--days 20] [--url URL]
                              [--district DIR] [--out FILE]

The clock is the product's FixedClock (bot/clock.py), moved by the script: 20 school
days (1-28 December 2026, gen_district's opportunity dates) pass in minutes. What runs:

1. import: the whole district (bench.gen_district, ~1.5 guardians a student, 2,000
   partners, 5,000 opportunities) through the real roster and partner importers.
2. a cohort of `--cohort` students, spread evenly over the roster, plays the whole term
   through the real code: each applies (services.opportunities.apply) and is approved as
   `wbl approve` does (bot.cli.approve_by_ids: placement, consent requests to every
   guardian, their reminders); the dispatcher (bot.dispatch) sends the consent wave to
   the local Twilio server (tests/support/providers) at TWILIO_MPS=100 with 50 ms answers;
   every guardian answers YES <code> and every student AGREE by signed Twilio webhook
   (Flask app in-process → Engine.receive); then each school day on-site students text
   IN, post their location to the one-time link (the check-in page), and at the end of
   the day OUT and post again (one in 20 forgets: auto-close), remote students text LOG;
   the worker's pass (bot.scheduler.run_jobs: due reminders through
   Engine.handle_trigger, every sweep — supervisor digests, ratings, vetting, month-end)
   runs morning, afternoon and evening, and the dispatcher drains the day's outbox.
   After the last day: the ratings sweep, the month-end pass on 1 January, and the
   district reports (hours, records, coverage).

Every event of the cohort runs for real; a 50,000-student term does not fit in 30
minutes on 2 cores (~75,000 approvals and answers and ~1 million clock requests at
~10-20 ms each), so the figures at 50,000 are the cohort's per-event costs × 50,000 ÷
cohort, and say so. The import runs at full size, so every query of the term runs
against a full district's tables. CPU: this process (time.process_time: Flask, engine,
services, dispatcher, and the local provider's threads) and every PostgreSQL process
(bench.proc_cpu); WAL from pg_current_wal_lsn(). Output: bench/out/bench_term.txt.
"""

from __future__ import annotations

import argparse
import logging
import random
import re
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text

from bench import proc_cpu
from bench.bench_inbound import reset
from bench.gen_district import generate
from bench.harness import OUT, WalProbe, machine_state
from bench.pgcluster import cluster
from bench.term_model import (
    DEMAND_HEADER,
    DISTRICT,
    HEADER,
    Observed,
    Phase,
    bottlenecks,
    peaks,
)
from bot import kinds
from bot.cli import approve_by_ids
from bot.clock import FixedClock
from bot.context import Context
from bot.dispatch import Dispatcher
from bot.errors import WBLError
from bot.importers.partners import import_partners
from bot.importers.roster import import_roster
from bot.jobs import SWEEPS
from bot.runtime import Runtime
from bot.scheduler import DueSummary, load_sweeps, run_reminders
from bot.services import nudges, opportunities
from bot.settings import Settings
from bot.statuses import ConsentAction, OutboxStatus, PlacementStatus, RatingStatus
from db.models import (
    ConsentRecord,
    ConsentRequest,
    Opportunity,
    OutboxMessage,
    Person,
    Placement,
    RatingRequest,
    Site,
    Supervisor,
)
from db.session import Database
from tests.support.providers import FakeTelegram, FakeTwilio, configure
from tests.support.webhook_helpers import BASE, Twilio, channel_settings, twiml_messages
from webhooks import create_app

LA = ZoneInfo("America/Los_Angeles")
PREP_DAY = date(2026, 11, 23)  # the Monday before: approvals, the consent wave, answers
FIRST_DAY = date(2026, 12, 1)
LINK = re.compile(r"(/checkin/\S+)")


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LA).astimezone(UTC)


def school_days(first: date, count: int) -> list[date]:
    days, day = [], first
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def timed_sweeps(runtime: Runtime, now: datetime, summary: DueSummary) -> dict[str, float]:
    """bot.scheduler.run_sweeps's loop, each sweep timed: {name: seconds}."""
    took: dict[str, float] = {}
    for name, sweep in [*SWEEPS.items(), *kinds.sweeps().items()]:
        t0 = time.perf_counter()
        try:
            with runtime.database.transaction() as s:
                sweep(Context(s, runtime.settings, now, actor="system"))
            summary.sweeps += 1
        except Exception:  # as run_sweeps: one failing sweep must not stop the others
            logging.getLogger("wbl.bench").exception("sweep %s failed", name)
            summary.sweep_errors += 1
        took[name] = time.perf_counter() - t0
    return took


class Meter:
    """Wall, this process's CPU, PostgreSQL's CPU and WAL around each measured block."""

    def __init__(self, db_pids: Callable[[], list[int]], wal: WalProbe) -> None:
        self.db_pids, self.wal = db_pids, wal
        self.phases: dict[str, Phase] = {}

    @contextmanager
    def phase(self, name: str, unit: str, scale: float = 1.0, note: str = "") -> Iterator[Phase]:
        part = Phase(name, unit)
        db0, lsn0 = proc_cpu.snapshot(self.db_pids()), self.wal.lsn()
        wall0, cpu0 = time.perf_counter(), time.process_time()
        yield part
        part.wall, part.app_cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        part.db_cpu, _ = proc_cpu.spent(db0, proc_cpu.snapshot(self.db_pids()))
        part.wal = self.wal.lsn() - lsn0
        whole = self.phases.setdefault(name, Phase(name, unit, scale=scale, note=note))
        whole.add(part)


class Term:
    def __init__(self, url: str, db_pids: Callable[[], list[int]], args: argparse.Namespace):
        self.url, self.args = url, args
        self.db = Database(url)
        self.clock = FixedClock(at(PREP_DAY, 8))
        base = Settings(database_url=url, secret_key="bench-term", public_base_url=BASE)
        self.settings = channel_settings(base)
        self.runtime = Runtime(self.settings, self.db, self.clock)
        self.app = create_app(runtime=self.runtime)
        logging.getLogger("wbl").setLevel(logging.WARNING)  # one line per send otherwise
        logging.getLogger("urllib3").setLevel(logging.ERROR)  # 16 sends share 10 sockets
        self.sms = Twilio(self.app.test_client())
        self.browser = self.app.test_client()
        self.wal = WalProbe(url)
        self.meter = Meter(db_pids, self.wal)
        self.scale = DISTRICT / args.cohort
        self.onsite: list[tuple[int, str, float, float]] = []  # id, phone, site lat, lon
        self.remote: list[tuple[int, str]] = []
        self.passes: list[tuple[float, float]] = []  # (reminders, sweeps) wall of each pass
        self.busiest: list[tuple[float, datetime, int, dict[str, float]]] = []
        self.digested = 0  # supervisors sent a digest on the busiest day
        self.clockin_texts = 0  # outbox rows queued while students clocked in
        self.busiest_day = 0  # texts sent on the busiest school day
        self.log: list[str] = []

    def say(self, line: str) -> None:
        print(line, flush=True)
        self.log.append(line)

    # --- the district -------------------------------------------------------------------
    def import_district(self) -> None:
        folder = self.args.district or OUT / f"district-{self.args.students}"
        if not (folder / "users.csv").exists():
            n = self.args.students  # gen_district's 2,000 partners and 5,000 openings at 50,000
            generate(folder, n, min(2000, max(20, n // 25)), min(5000, max(50, n // 10)))
        with self.meter.phase("import", "students", note="all of it, real importers") as ph:
            now = self.clock.now()
            for report in (
                import_roster(self.db, folder, now=now),
                import_partners(self.db, folder, now=now, tz=LA),
            ):
                if report.problems:
                    raise SystemExit(f"district did not import cleanly: {report.problems[:3]}")
            with self.db.engine.begin() as conn:
                conn.execute(text("ANALYZE"))
            ph.events = self.args.students

    def cohort(self) -> list[tuple[int, str, str]]:
        """(person id, sourcedId, phone) of `--cohort` students spread over the roster."""
        with self.db.transaction() as s:
            rows = s.execute(
                select(Person.id, Person.sourced_id, Person.phone)
                .where(Person.kind == "student", Person.phone.is_not(None))
                .order_by(Person.id)
            ).all()
        step = max(1, len(rows) // self.args.cohort)
        return [(r[0], r[1], r[2]) for r in rows[::step][: self.args.cohort]]

    # --- before the term: placements, the consent wave, the answers ----------------------------
    def place(self, students: list[tuple[int, str, str]]) -> None:
        with self.db.transaction() as s:
            opps = s.execute(
                select(Opportunity.id, Opportunity.external_id, Opportunity.remote, Site.lat)
                .outerjoin(Site, Site.id == Opportunity.site_id)
                .add_columns(Site.lon)
                .where(Opportunity.active.is_(True))
                .order_by(Opportunity.id)
            ).all()
        rng = random.Random(17)
        placed = refused = 0
        why: Counter[str] = Counter()
        with self.meter.phase("apply + approve", "students", self.scale) as ph:
            for pid, sourced, phone in students:
                for _ in range(20):
                    opp = opps[rng.randrange(len(opps))]
                    try:
                        with self.db.transaction() as s:
                            opportunities.apply(
                                Context(s, self.settings, self.clock.now(), actor=f"p{pid}"),
                                pid,
                                opp.id,
                            )
                    except WBLError as err:
                        why[err.msgid[:40]] += 1
                        continue
                    result = approve_by_ids(self.runtime, sourced, opp.external_id)
                    if result.startswith("approved"):
                        placed += 1
                        if opp.remote or opp.lat is None:
                            self.remote.append((pid, phone))
                        else:
                            self.onsite.append((pid, phone, float(opp.lat), float(opp.lon)))
                        break
                    refused += 1
                ph.events += 1
        self.say(
            f"placed {placed} of {len(students)} ({len(self.onsite)} on site, "
            f"{len(self.remote)} remote); {refused} approvals refused (seats, vetting); "
            f"applications refused: {dict(why)}"
        )

    def drain(self, name: str, rate: float, latency: float, scale: float) -> float:
        """The dispatcher sends everything due at the clock's now; its steady rate ÷ limit."""
        twilio, telegram = FakeTwilio(), FakeTelegram()
        twilio.respond_after(latency)
        twilio.enforce_rate(rate)
        settings = configure(self.settings, twilio, telegram, twilio_mps=rate)
        dispatcher = Dispatcher(settings, self.db)
        try:
            with self.meter.phase(name, "texts", scale) as ph:
                while True:
                    summary = dispatcher.run_once(self.clock.now())
                    ph.events += summary.sent
                    if not summary.handled and not summary.waiting:
                        break
        finally:
            dispatcher.close()
            twilio.stop()
            telegram.stop()
        arrivals = sorted(twilio.arrivals)
        window = max(1, int(rate))
        span = arrivals[-1] - arrivals[0] if len(arrivals) > window else 0.0
        steady = (len(arrivals) - window) / span / rate if span else float("nan")
        if twilio.violations:
            self.say(f"  {name}: the provider answered 429 {twilio.violations} times")
        return steady

    def answers(self) -> None:
        with self.db.transaction() as s:
            asked = s.execute(
                select(ConsentRecord.from_address, ConsentRequest.code)
                .join(ConsentRequest, ConsentRequest.id == ConsentRecord.request_id)
                .where(ConsentRecord.action == ConsentAction.REQUEST_SENT)
                .order_by(ConsentRecord.id)
            ).all()
        self.clock.at = at(PREP_DAY, 18)
        with self.meter.phase("consent answers", "texts", self.scale) as ph:
            for urn, code in asked:
                self.post_sms(urn.removeprefix("tel:"), f"YES {code}")
                ph.events += 1
        self.clock.at = at(PREP_DAY + timedelta(days=1), 16)
        with self.meter.phase("student AGREE", "texts", self.scale) as ph:
            for phone in [x[1] for x in self.onsite] + [x[1] for x in self.remote]:
                self.post_sms(phone, "AGREE")
                ph.events += 1
        with self.db.transaction() as s:
            statuses = dict(
                s.execute(select(Placement.status, func.count()).group_by(Placement.status)).all()
            )
        self.say(f"placements after the paperwork: {statuses}")

    def post_sms(self, phone: str, body: str) -> list[str]:
        response = self.sms.sms(phone, body)
        if response.status_code != 200:
            raise RuntimeError(f"webhook answered {response.status_code}")
        return twiml_messages(response)

    # --- the term -------------------------------------------------------------------------
    def clock_at_site(self, word: str, phone: str, lat: float, lon: float) -> bool:
        """Text IN or OUT, then post the location to the link in the answer."""
        found = LINK.search("\n".join(self.post_sms(phone, word)))
        if found is None:
            return False
        page = self.browser.post(
            found.group(1), data={"lat": f"{lat:.6f}", "lon": f"{lon:.6f}", "accuracy": "12"}
        )
        return page.status_code == 200

    def jobs(self, when: datetime, name: str = "sweeps") -> None:
        """One worker pass at `when`: due reminders through the engine, then every sweep."""
        self.clock.at = when
        load_sweeps()
        summary = DueSummary()
        with self.meter.phase("due reminders", "reminders", self.scale) as rem:
            run_reminders(self.runtime, when, summary)
            rem.events = summary.done + summary.failed + summary.vanished
        with self.meter.phase(name, "passes", self.scale) as sw:
            took = timed_sweeps(self.runtime, when, summary)
            sw.events = 1
        if name == "sweeps":
            self.passes.append((rem.wall, sw.wall))
            self.busiest.append((sw.wall + rem.wall, when, rem.events, took))
        if summary.failed or summary.sweep_errors:
            self.say(f"  pass at {when}: {summary}")

    def supervisors(self, since: datetime) -> None:
        """Every supervisor texted a digest since `since` answers it: A ALL (approve the
        hours), and a rating (six scores, then SKIP the comment) for each open round."""
        with self.db.transaction() as s:
            asked = s.execute(
                select(OutboxMessage.urn, OutboxMessage.person_id)
                .where(
                    OutboxMessage.category == nudges.CATEGORY,
                    OutboxMessage.created_at >= since,
                )
                .distinct()
            ).all()
            rounds = dict(
                s.execute(
                    select(RatingRequest.supervisor_id, func.count())
                    .where(RatingRequest.status == RatingStatus.OPEN)
                    .group_by(RatingRequest.supervisor_id)
                ).all()
            )
        self.digested = max(self.digested, len(asked))
        with self.meter.phase("supervisor answers", "texts", self.scale) as ph:
            for urn, person_id in asked:
                phone = urn.removeprefix("tel:")
                self.post_sms(phone, "A ALL")
                ph.events += 1
                for _ in range(rounds.get(person_id, 0)):
                    self.post_sms(phone, "545434")
                    self.post_sms(phone, "SKIP")
                    ph.events += 2

    def working(self) -> set[int]:
        """The cohort students whose placement is still open (ready)."""
        with self.db.transaction() as s:
            return set(
                s.scalars(
                    select(Placement.student_id).where(Placement.status == PlacementStatus.READY)
                )
            )

    def school_day(self, day: date, rng: random.Random) -> dict[str, int]:
        done = {"in": 0, "out": 0, "log": 0, "missed": 0}
        self.jobs(at(day, 7, 30))
        working = self.working()
        onsite = [x for x in self.onsite if x[0] in working]
        self.clock.at = at(day, 15, 30)
        texts = self.outbox_rows()
        with self.meter.phase("clock-in", "clock-ins", self.scale) as ph:
            for _pid, phone, lat, lon in onsite:
                ok = self.clock_at_site("IN", phone, lat + rng.uniform(-3e-4, 3e-4), lon)
                done["in" if ok else "missed"] += 1
                ph.events += 1
        self.clockin_texts += self.outbox_rows() - texts
        self.jobs(at(day, 16, 0))
        self.clock.at = at(day, 17, 45)
        with self.meter.phase("clock-out", "clock-outs", self.scale) as ph:
            for _pid, phone, lat, lon in onsite:
                if rng.random() < 0.05:  # forgot: the auto-close reminder will do it
                    continue
                done["out"] += self.clock_at_site("OUT", phone, lat, lon)
                ph.events += 1
        with self.meter.phase("LOG (remote hours)", "logs", self.scale) as ph:
            for pid, phone in self.remote:
                if pid in working:
                    hours = rng.choice(("1", "1.5", "2"))
                    self.post_sms(phone, f"LOG {hours} worked on the project")
                    done["log"] += 1
                    ph.events += 1
        self.jobs(at(day, 18, 30))
        self.clock.at = at(day, 20, 0)
        sent = self.meter.phases["daily sends"].events
        self.drain("daily sends", 1000.0, 0.0, self.scale)
        done["texts"] = self.meter.phases["daily sends"].events - sent
        self.busiest_day = max(self.busiest_day, done["texts"])
        self.clock.at = at(day, 20, 30)
        self.supervisors(at(day, 0))
        self.jobs(at(day, 23, 30))
        return done

    def term(self) -> None:
        days = school_days(FIRST_DAY, self.args.days)
        rng = random.Random(5)
        for n, day in enumerate(days, start=1):
            t0 = time.perf_counter()
            done = self.school_day(day, rng)
            self.say(
                f"day {n:2} {day}: IN {done['in']} (no link {done['missed']}), OUT "
                f"{done['out']}, LOG {done['log']}, texts sent {done['texts']} in "
                f"{time.perf_counter() - t0:.1f} s; "
                f"{machine_state()}"
            )
        after = days[-1] + timedelta(days=1)
        self.jobs(at(after, 9))  # placements past due: ratings asked
        self.clock.at = at(after, 12)
        self.drain("daily sends", 1000.0, 0.0, self.scale)
        self.jobs(at(date(after.year + (after.month == 12), after.month % 12 + 1, 1), 6))
        self.reports()

    def reports(self) -> None:
        from bot.services.coverage import coverage
        from bot.services.hours_report import hours_rows
        from bot.services.student_record import district_rows

        with self.meter.phase("reports", "reports", 1.0, "hours, records, coverage") as ph:
            with self.db.transaction() as s:
                rows = len(list(hours_rows(s, self.settings.tz, None, None)))
                rows += len(list(district_rows(s, None)))
                rows += len(coverage(s, "school"))
            ph.events = 3
        self.say(f"reports: {rows} rows (hours, records, coverage)")

    # --- the state of the database -----------------------------------------------------------
    def supervisors_total(self) -> int:
        with self.db.transaction() as s:
            return int(s.scalar(select(func.count()).select_from(Supervisor)) or 0)

    def outbox_rows(self) -> int:
        """Texts waiting for the dispatcher (an SMS reply in the webhook's TwiML is not)."""
        with self.db.transaction() as s:
            waiting = OutboxMessage.status == OutboxStatus.PENDING
            return int(s.scalar(select(func.count()).where(waiting)) or 0)

    def size(self) -> int:
        with self.db.engine.connect() as conn:
            if not self.db.is_postgres:
                pages = conn.execute(text("PRAGMA page_count")).scalar_one()
                return int(pages) * int(conn.execute(text("PRAGMA page_size")).scalar_one())
            return int(conn.execute(text("SELECT pg_database_size(current_database())")).scalar())

    def rows(self) -> dict[str, int]:
        """The twelve largest tables' live rows (PostgreSQL's statistics; none on SQLite)."""
        if not self.db.is_postgres:
            return {}
        with self.db.engine.connect() as conn:
            found = conn.execute(
                text(
                    "SELECT relname, n_live_tup FROM pg_stat_user_tables "
                    "WHERE n_live_tup > 0 ORDER BY n_live_tup DESC LIMIT 12"
                )
            ).all()
        return {r[0]: int(r[1]) for r in found}


def run(url: str, db_pids: Callable[[], list[int]], args: argparse.Namespace) -> list[str]:
    reset(url)
    term = Term(url, db_pids, args)
    started = time.perf_counter()
    term.say(f"start: {machine_state()}")
    term.import_district()
    imported_size, imported_rows = term.size(), term.rows()
    term.say(f"imported: {imported_size / 1e6:.0f} MB, rows {imported_rows}")
    for hour in range(3):  # the sweeps over a full district with no placement yet
        term.jobs(at(PREP_DAY, 5, 10 * hour), "sweeps, nothing placed")
    fixed = term.meter.phases["sweeps, nothing placed"]
    fixed.scale, fixed.note = 1.0, "full district's tables, no activity"
    students = term.cohort()
    term.clock.at = at(PREP_DAY, 9)
    term.place(students)
    term.clock.at = at(PREP_DAY, 10)
    wave_rate = term.drain("consent wave", 100.0, 0.05, term.scale)
    term.say(f"consent wave: {wave_rate:.1%} of 100/s steady")
    term.answers()
    term.drain("daily sends", 1000.0, 0.0, term.scale)
    term.term()
    end_size = term.size()
    grown_50k = imported_size + (end_size - imported_size) * term.scale
    wall = time.perf_counter() - started
    p = term.meter.phases
    lines = [*term.log, "", f"whole run: {wall / 60:.1f} min; end: {machine_state()}"]
    lines += [
        f"database: {imported_size / 1e6:.0f} MB after the import, {end_size / 1e6:.0f} MB "
        f"after the cohort's term; at 50,000 (the cohort's growth × {term.scale:.0f}): "
        f"{grown_50k / 1e9:.2f} GB",
        f"rows after the term: {term.rows()}",
        "",
        f"supervisors sent a digest on the busiest day: {term.digested} of "
        f"{term.supervisors_total()} (at 50,000 at most all of them: × "
        f"{term.supervisors_total() / max(1, term.digested):.1f}, not × {term.scale:.0f})",
        "The busiest worker passes (sim time, reminders run, seconds; the slowest sweeps):",
        *(
            f"  {when.astimezone(LA):%a %d %b %H:%M}: {n} reminders, {wall:.1f} s; "
            + ", ".join(f"{k} {v:.2f} s" for k, v in sorted(took.items(), key=lambda x: -x[1])[:3])
            for wall, when, n, took in sorted(term.busiest, key=lambda x: -x[0])[:3]
        ),
        "",
        *HEADER,
        *(ph.row() for ph in p.values()),
        "",
        "Peak demand at 50,000 students, ranked (demand ÷ capacity; the first row is the "
        "first bottleneck):",
        *DEMAND_HEADER,
        *(
            d.row()
            for d in bottlenecks(
                peaks(
                    p,
                    Observed(
                        wave_rate,
                        grown_50k,
                        term.busiest_day,
                        p["clock-in"].per(term.clockin_texts),
                        term.passes,
                        fixed.wall / fixed.events,
                        min(term.scale, term.supervisors_total() / max(1, term.digested)),
                    ),
                )
            )
        ),
    ]
    term.wal.dispose()
    term.db.dispose()
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=DISTRICT)
    parser.add_argument("--cohort", type=int, default=500)
    parser.add_argument("--days", type=int, default=20)
    parser.add_argument(
        "--url", default="", help="a database to empty and use instead of a cluster of our own"
    )
    parser.add_argument("--district", type=Path, help="where the generated district goes")
    parser.add_argument("--out", type=Path, default=OUT / "bench_term.txt")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    head = (
        f"bench_term: {args.students:,} students imported, a cohort of {args.cohort} playing "
        f"{args.days} school days through the real paths (× {DISTRICT / args.cohort:.0f} to "
        f"50,000)"
    )
    print(head, flush=True)
    with ExitStack() as stack:
        if args.url:
            lines = run(args.url, list, args)  # a server not ours: its CPU is not counted
        else:
            pg = stack.enter_context(cluster())
            settings = f"PostgreSQL: a cluster of the benchmark's own, {pg.settings()}"
            print(settings, flush=True)
            lines = [settings, *run(pg.url("wbl_term"), lambda: [pg.postmaster()], args)]
    text_out = "\n".join([head, *lines]) + "\n"
    print("\n".join(lines[lines.index("") :]))
    args.out.write_text(text_out)
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a kill still stops the cluster
    raise SystemExit(main())
