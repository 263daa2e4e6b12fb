"""bench_term's whole-term simulation, shrunk to a few seconds: 200 students, 1 day.

It plays the term through the product's real paths on the test database and must get
every cohort student placed and clocking in, every phase measured, and a ranked list of
peak demands out; it checks the plumbing, not the figures (those are bench/'s).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from bench import bench_term
from db.models import InboundMessage, Placement, TimeEntry
from db.session import Database


def test_a_small_term_plays_through_and_ranks_the_demands(database, tmp_path: Path) -> None:
    url = database.url
    database.dispose()
    out = tmp_path / "term.txt"
    argv = ["--students", "200", "--cohort", "12", "--days", "1", "--url", url]
    assert bench_term.main([*argv, "--district", str(tmp_path / "d"), "--out", str(out)]) == 0

    report = out.read_text()
    for phase in ("import", "apply + approve", "consent wave", "consent answers", "clock-in"):
        assert f"| {phase} |" in report
    assert "| CPU, web (app) at the clock-in peak |" in report
    assert "first bottleneck" in report
    db = Database(url)
    with db.transaction() as s:
        placed = s.scalar(select(func.count()).select_from(Placement))
        ready = s.scalar(select(func.count()).where(Placement.status != "paperwork"))
        entries = s.scalar(select(func.count()).select_from(TimeEntry))
        failed = s.scalar(select(func.count()).where(InboundMessage.status == "failed"))
    db.dispose()
    # every student old enough to apply is placed (one of these 12 is 13, under every
    # opening's minimum age); every guardian said YES and every student AGREEd
    assert placed == 11 and ready == placed
    assert entries > 0 and failed == 0
