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
   supervisors answer their digests (A ALL; six scores, then SKIP, for a rating round);
   the worker's pass (bot.scheduler's: due reminders through Engine.handle_trigger,
   then every sweep — supervisor digests, ratings, vetting, month-end) runs at 07:30,
   16:00, 18:30 and 23:30, and the dispatcher drains the day's outbox at 20:00.
   After the last day: the ratings sweep, the month-end pass on 1 January, and the
   district reports (hours, records, coverage).

Every event of the cohort runs for real; a 50,000-student term does not fit in 30
minutes on 2 cores (~75,000 approvals and answers and ~1 million clock requests at
10-35 ms of CPU each), so the figures at 50,000 are the cohort's per-event costs × 50,000 ÷
cohort, and say so. The import runs at full size, so every query of the term runs
against a full district's tables. CPU: this process (time.process_time: Flask, engine,
services, dispatcher, and the local provider's threads) and every PostgreSQL process
(bench.proc_cpu); WAL from pg_current_wal_lsn(). Output: bench/out/bench_term.txt.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

from bench.bench_inbound import reset
from bench.harness import OUT, machine_state
from bench.pgcluster import cluster
from bench.term_meter import LA, PREP_DAY, at
from bench.term_model import (
    DEMAND_HEADER,
    DISTRICT,
    HEADER,
    Observed,
    bottlenecks,
    peaks,
)
from bench.term_play import Term


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
