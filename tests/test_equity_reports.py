"""`wbl report hours`, `wbl report coverage [--by FIELD]`, `wbl report records` and the
weekly hours, against figures computed by hand for the small district in
tests/support/equity_district.py (students with no experience, an inactive student,
pending and rejected hours, a demographic breakdown, a day that differs in UTC)."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from bot.services.hours_report import hours_by_week, iso_week
from tests.support.equity_district import LA, equity  # noqa: F401
from tests.test_cli_approve import wbl  # noqa: F401


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def table(text: str) -> list[tuple[str, ...]]:
    return [(r["group"], r["students"], r["with_experience"], r["percent"]) for r in rows(text)]


@pytest.mark.parametrize(
    ("by", "expected"),
    [
        ("school", [("sch-a", "3", "1", "33.3"), ("sch-b", "2", "1", "50.0")]),
        ("grade", [("10", "1", "0", "0.0"), ("11", "1", "0", "0.0"), ("12", "3", "2", "66.7")]),
        ("transportation", [("car", "1", "0", "0.0"), ("none", "3", "2", "66.7"),
                            ("transit", "1", "0", "0.0")]),
        ("language", [("en", "3", "1", "33.3"), ("es", "2", "1", "50.0")]),
        ("sex", [("female", "2", "2", "100.0"), ("male", "2", "0", "0.0"),
                 ("(blank)", "1", "0", "0.0")]),
    ],
)  # fmt: skip
def test_coverage_by_each_field(wbl, equity, by, expected):  # noqa: F811
    code, out, err = wbl("report", "coverage", "--by", by)
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == "group,students,with_experience,percent"
    assert table(out) == expected


def test_coverage_defaults_to_school_and_refuses_an_unknown_field(wbl, equity):  # noqa: F811
    assert table(wbl("report", "coverage")[1])[0] == ("sch-a", "3", "1", "33.3")
    code, out, err = wbl("report", "coverage", "--by", "shoe_size")
    assert code == 2 and out == ""
    assert "unknown field 'shoe_size'" in err and "transportation" in err and "sex" in err


def test_hours_report_one_row_per_placement_with_verified_hours(wbl, equity):  # noqa: F811
    code, out, _ = wbl("report", "hours")
    assert code == 0
    header = out.splitlines()[0].split(",")
    assert header == [
        "student_sourced_id", "school_sourced_id", "grade", "opportunity_id", "kind",
        "employer", "career_cluster", "hours_verified", "first_date", "last_date", "status",
    ]  # fmt: skip
    first, second = equity.kinds
    assert [list(r.values()) for r in rows(out)] == [
        ["stu-1", "sch-a", "12", "opp-1", first, "Sunrise Bakery", "marketing", "2.00",
         "2026-11-24", "2026-11-24", "ready"],
        ["stu-4", "sch-b", "12", "opp-2", second, "Valley Clinic", "health", "4.50",
         "2026-11-30", "2026-12-01", "ready"],
        ["stu-6", "sch-b", "11", "opp-1", first, "Sunrise Bakery", "marketing", "5.00",
         "2026-11-29", "2026-11-29", "ready"],
    ]  # fmt: skip


def test_hours_report_range_is_in_the_districts_days(wbl, equity):  # noqa: F811
    """stu-6's entry is Sunday 23:30 in Los Angeles, already Monday in UTC: --from Monday
    leaves it out; stu-4's Monday 00:30 entry is in."""
    _, out, _ = wbl("report", "hours", "--from", "2026-11-30", "--to", "2026-11-30")
    assert [(r["student_sourced_id"], r["hours_verified"]) for r in rows(out)] == [
        ("stu-4", "1.50")
    ]
    _, out, _ = wbl("report", "hours", "--to", "2026-11-29")
    assert [r["student_sourced_id"] for r in rows(out)] == ["stu-1", "stu-6"]


def test_a_bad_date_is_a_usage_error(wbl, equity):  # noqa: F811
    with pytest.raises(SystemExit) as stop:
        wbl("report", "hours", "--from", "30/11/2026")
    assert stop.value.code == 2


def test_hours_by_iso_week(equity, database):  # noqa: F811
    with database.transaction() as s:
        weeks = hours_by_week(s, LA, date(2026, 11, 16), date(2026, 12, 6))
    assert [(w.week, w.hours, w.students) for w in weeks] == [
        ("2026-W47", Decimal(0), 0),
        ("2026-W48", Decimal("7.00"), 2),
        ("2026-W49", Decimal("4.50"), 1),
    ]
    assert iso_week(date(2026, 12, 3)) == "2026-W49" and iso_week(date(2027, 1, 1)) == "2026-W53"


def test_records_export_one_row_per_placement(wbl, equity):  # noqa: F811
    code, out, _ = wbl("report", "records")
    assert code == 0
    found = {(r["student_sourced_id"], r["opportunity_id"]): r for r in rows(out)}
    assert len(found) == 5
    assert found[("stu-4", "opp-2")]["hours_verified"] == "4.50"
    assert found[("stu-2", "opp-2")]["hours_verified"] == "0"
    assert found[("stu-5", "opp-1")]["status"] == "completed"
