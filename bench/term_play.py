"""bench_term's play: a district imported, then a cohort's term through the real paths.

See bench/bench_term.py for what runs and how it is measured and scaled.
"""

from __future__ import annotations

import argparse
import logging
import random
import time
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, text

from bench.gen_district import generate
from bench.harness import OUT, WalProbe, machine_state
from bench.term_meter import FIRST_DAY, LA, LINK, PREP_DAY, Meter, at, school_days, timed_sweeps
from bench.term_model import (
    DISTRICT,
)
from bot.cli import approve_by_ids
from bot.clock import FixedClock
from bot.context import Context
from bot.dispatch import Dispatcher
from bot.errors import WBLError
from bot.importers.partners import import_partners
from bot.importers.roster import import_roster
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
