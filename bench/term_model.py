"""bench_term's arithmetic: measured phases, scaled to the district, and the peak demands.

A `Phase` is what one part of the term cost in the run (events, wall time, this process's
CPU, the PostgreSQL cluster's CPU, WAL). `scaled` multiplies a cohort's phase up to the
district; `peaks` turns the per-event costs into the demand on each resource at the
term's busiest moments, and `bottlenecks` ranks them by demand ÷ capacity.
"""

from __future__ import annotations

from dataclasses import dataclass

DISTRICT = 50_000
CLOCKIN_PEAK = DISTRICT / (15 * 60)  # every student clocking in within 15 minutes: 56/s
WAVE = 75_000  # consent requests: ~1.5 guardians a student
SENDING_HOURS = 13  # quiet hours end 08:00, start 21:00: non-urgent texts go out in between
TIERS = {
    "long code, low 10DLC tier": 1.0,
    "toll-free": 3.0,
    "long code, higher 10DLC tier": 10.0,
    "short code": 100.0,
}
JOBS_EVERY_S = 30  # bot.scheduler.DUE_EVERY_S: a pass longer than this falls behind
CORES = 2  # this machine
MAX_CONNECTIONS = 100  # PostgreSQL's default
WEB_CONNECTIONS = 4 * (10 + 20)  # wbl serve: 4 processes, each pool 10 + overflow 20


@dataclass
class Phase:
    name: str
    unit: str
    events: int = 0
    wall: float = 0.0
    app_cpu: float = 0.0  # seconds: this process (Flask + engine + services + dispatcher)
    db_cpu: float = 0.0  # seconds: every PostgreSQL process
    wal: int = 0  # bytes
    scale: float = 1.0  # events at district scale ÷ events run
    note: str = ""

    def add(self, other: Phase) -> None:
        self.events += other.events
        self.wall += other.wall
        self.app_cpu += other.app_cpu
        self.db_cpu += other.db_cpu
        self.wal += other.wal

    def per(self, value: float) -> float:
        return value / self.events if self.events else float("nan")

    @property
    def app_ms(self) -> float:
        return self.per(self.app_cpu) * 1000

    @property
    def db_ms(self) -> float:
        return self.per(self.db_cpu) * 1000

    @property
    def wall_ms(self) -> float:
        return self.per(self.wall) * 1000

    def row(self) -> str:
        at_scale = self.events * self.scale
        return (
            f"| {self.name} | {self.events:,} {self.unit} | {self.wall:,.1f} s | "
            f"{self.app_ms:.2f} + {self.db_ms:.2f} ms | {self.per(self.wal):,.0f} B | "
            f"{at_scale:,.0f} | {at_scale * (self.app_ms + self.db_ms) / 1000 / 3600:.2f} h | "
            f"{self.note} |"
        )


HEADER = [
    "| phase | events run | wall | CPU per event (app + PostgreSQL) | WAL per event | "
    "events at 50,000 | CPU at 50,000 (core-hours) | how |",
    "|---|---|---|---|---|---|---|---|",
]


@dataclass
class Demand:
    resource: str
    demand: float
    capacity: float
    unit: str
    why: str

    @property
    def ratio(self) -> float:
        return self.demand / self.capacity if self.capacity else float("inf")

    def row(self) -> str:
        return (
            f"| {self.resource} | {self.demand:,.2f} {self.unit} | {self.capacity:,.2f} "
            f"{self.unit} | {self.ratio:.2f} | {self.why} |"
        )


@dataclass
class Observed:
    """What the run saw besides the phases' costs."""

    wave_rate: float  # the consent wave's steady rate ÷ the 100/s limit
    db_bytes_50k: float  # the database after the term, the cohort's growth scaled
    busiest_day_texts: int  # the cohort's texts sent on its busiest school day
    texts_per_clockin: float  # outbox rows a clock-in (IN + location) queued
    passes: list[tuple[float, float]]  # (due reminders, sweeps) wall of each worker pass
    fixed_sweep: float  # a sweeps pass over the full district with nothing placed, s
    sweep_scale: float  # the sweeps' growth to 50,000 when it follows the supervisors (capped)


def peaks(p: dict[str, Phase], seen: Observed) -> list[Demand]:
    """The demand on each resource at the term's peaks, from the per-event costs."""
    wave_rate, db_bytes_50k, passes, fixed_sweep = (
        seen.wave_rate,
        seen.db_bytes_50k,
        seen.passes,
        seen.fixed_sweep,
    )
    clock_in = p["clock-in"]
    per_clockin_app = clock_in.per(clock_in.app_cpu)
    per_clockin_db = clock_in.per(clock_in.db_cpu)
    per_clockin_wall = clock_in.per(clock_in.wall)
    send = p["daily sends"]
    answer = p["consent answers"]
    scale = clock_in.scale

    # a pass at 50,000: its reminders × scale; the sweeps' fixed part (measured over the
    # full district with nothing placed) once, the rest × scale (linear: an upper bound)
    def busiest(sweep_scale: float) -> float:
        return max(
            (
                rem * scale + fixed_sweep + max(0.0, sw - fixed_sweep) * sweep_scale
                for rem, sw in passes
            ),
            default=float("nan"),
        )

    jobs_pass_50k, jobs_pass_capped = busiest(scale), busiest(seen.sweep_scale)
    daily_sends = seen.busiest_day_texts * send.scale
    peak_texts = CLOCKIN_PEAK * seen.texts_per_clockin
    wave_h = {tier: WAVE / rate / 3600 for tier, rate in TIERS.items()}  # at the limit
    term_wal = sum(x.wal * x.scale for x in p.values())
    rows = [
        Demand(
            "CPU, web (app) at the clock-in peak",
            CLOCKIN_PEAK * per_clockin_app,
            CORES,
            "cores",
            f"{CLOCKIN_PEAK:.0f} clock-ins/s × {per_clockin_app * 1000:.1f} ms (IN + location "
            "post, in-process: no gunicorn/HTTP)",
        ),
        Demand(
            "CPU, PostgreSQL at the clock-in peak",
            CLOCKIN_PEAK * per_clockin_db,
            CORES,
            "cores",
            f"{CLOCKIN_PEAK:.0f}/s × {per_clockin_db * 1000:.1f} ms",
        ),
        Demand(
            "CPU, web + PostgreSQL on one 2-core host at the clock-in peak",
            CLOCKIN_PEAK * (per_clockin_app + per_clockin_db),
            CORES,
            "cores",
            "both on this machine, as in the run",
        ),
        Demand(
            "database connections at the clock-in peak",
            CLOCKIN_PEAK * per_clockin_wall + 1 + 16,
            MAX_CONNECTIONS,
            "connections",
            "Little's law: 56/s × 2 requests × the wall time of one, plus a worker "
            f"(1 + 16 send threads); wbl serve's pools may open up to {WEB_CONNECTIONS}",
        ),
        Demand(
            "CPU at the consent-answer peak (half of 75,000 in the first hour)",
            WAVE / 2 / 3600 * answer.per(answer.app_cpu + answer.db_cpu),
            CORES,
            "cores",
            f"{WAVE / 2 / 3600:.1f} YES/s × {answer.app_ms + answer.db_ms:.1f} ms",
        ),
        Demand(
            "CPU of the dispatcher at a short code's 100/s",
            100 * send.per(send.app_cpu + send.db_cpu),
            CORES,
            "cores",
            f"100/s × {send.app_ms + send.db_ms:.2f} ms a send (local provider included)",
        ),
        Demand(
            "the busiest worker pass (due reminders + sweeps) at 50,000",
            jobs_pass_50k,
            JOBS_EVERY_S,
            "s",
            f"one pass every {JOBS_EVERY_S} s; reminders × {scale:.0f}, sweeps "
            f"{fixed_sweep:.1f} s fixed + the rest × {scale:.0f} (upper bound)",
        ),
        Demand(
            "the busiest worker pass at 50,000, sweeps growing with the supervisors",
            jobs_pass_capped,
            JOBS_EVERY_S,
            "s",
            f"as above, the sweeps' growth × {seen.sweep_scale:.1f} (every supervisor has "
            "a digest: the digest sweep works per supervisor)",
        ),
        Demand(
            "consent wave at a long code (1/s)",
            wave_h["long code, low 10DLC tier"],
            SENDING_HOURS,
            "h",
            f"75,000 at the limit (1/s); {SENDING_HOURS} sending hours a day (quiet hours)",
        ),
        Demand(
            "consent wave at a higher 10DLC tier (10/s)",
            wave_h["long code, higher 10DLC tier"],
            SENDING_HOURS,
            "h",
            "75,000 at the limit (10/s)",
        ),
        Demand(
            "consent wave at a short code (100/s)",
            WAVE / (100 * wave_rate) / 3600,
            SENDING_HOURS,
            "h",
            f"75,000 at the rate one worker reached in the run: {wave_rate:.0%} of 100/s",
        ),
        Demand(
            "the busiest school day's texts at a long code (1/s)",
            daily_sends / 3600,
            SENDING_HOURS,
            "h",
            f"{daily_sends:,.0f} texts that day (receipts, digests, reminders) at 1/s",
        ),
        Demand(
            "texts/s at the clock-in peak, against a 10DLC 10/s",
            peak_texts,
            10,
            "texts/s",
            f"{CLOCKIN_PEAK:.0f} clock-ins/s × {seen.texts_per_clockin:.2f} texts each "
            "(the receipt; urgent: sent before anything else, but only as fast as the tier)",
        ),
        Demand(
            "texts/s at the clock-in peak, against a short code's 100/s",
            peak_texts,
            100,
            "texts/s",
            "as above",
        ),
        Demand(
            "disk: database after the term",
            db_bytes_50k / 1e9,
            20,
            "GB",
            "imported district + the cohort's growth × scale; against a 20 GB volume",
        ),
        Demand(
            "disk: WAL written in the term",
            term_wal / 1e9,
            20,
            "GB",
            "all phases × scale (archived or recycled; matters for backups and replicas)",
        ),
    ]
    return rows


def bottlenecks(rows: list[Demand]) -> list[Demand]:
    return sorted(rows, key=lambda d: d.ratio if d.ratio == d.ratio else -1.0, reverse=True)


DEMAND_HEADER = [
    "| resource | demand at 50,000 | capacity | demand ÷ capacity | from |",
    "|---|---|---|---|---|",
]
