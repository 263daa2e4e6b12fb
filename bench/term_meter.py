"""bench_term's clock and meter: school days, and the cost of each measured block.

`Meter.phase(name)` reads the wall time, this process's CPU (time.process_time), the
PostgreSQL cluster's CPU (bench.proc_cpu) and the WAL around a block and adds them to
the phase of that name; `timed_sweeps` is bot.scheduler.run_sweeps's loop with each sweep
timed.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bench import proc_cpu
from bench.harness import WalProbe
from bench.term_model import Phase
from bot import kinds
from bot.context import Context
from bot.jobs import SWEEPS
from bot.runtime import Runtime
from bot.scheduler import DueSummary

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
