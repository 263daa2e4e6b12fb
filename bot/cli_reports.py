"""`wbl report hours|coverage|records` and `wbl outreach`: CSV on stdout, read by header.

`REPORTS` holds the report subcommands (name -> help, arguments, run); a new report adds
its entry there. Each run opens its own read transaction and writes through
`bot.csv_export` (formula-looking text neutralised, numbers as numbers).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date

from bot.runtime import Runtime
from bot.settings import Settings

Run = Callable[[argparse.Namespace], int]
REPORTS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], Run]] = {}


def report(name: str, help_text: str, args: Callable[[argparse.ArgumentParser], None]):
    def register(fn: Run) -> Run:
        REPORTS[name] = (help_text, args, fn)
        return fn

    return register


def report_args(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="report", required=True)
    for name, (help_text, args, _fn) in REPORTS.items():
        args(sub.add_parser(name, help=help_text))


def run_report(ns: argparse.Namespace) -> int:
    return REPORTS[ns.report][2](ns)


def _runtime() -> Runtime:
    return Runtime.build(Settings.from_env())


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _hours_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--from", dest="start", type=_day, help="first day (YYYY-MM-DD), inclusive")
    p.add_argument("--to", dest="end", type=_day, help="last day (YYYY-MM-DD), inclusive")


@report("hours", "verified WBL hours per placement (state CTE / Perkins reporting)", _hours_args)
def report_hours(ns: argparse.Namespace) -> int:
    from bot import csv_export
    from bot.services.hours_report import HOURS_COLUMNS, hours_rows

    rt = _runtime()
    with rt.database.transaction() as s:
        rows = hours_rows(s, rt.settings.tz, ns.start, ns.end)
        csv_export.write(sys.stdout, HOURS_COLUMNS, rows)
    return 0


def _pnl_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("opportunity_id", help="a selling school business's opportunity_id")


@report("pnl", "weekly P&L of a selling school business", _pnl_args)
def report_pnl(ns: argparse.Namespace) -> int:
    """`wbl report pnl OPPORTUNITY_ID`: week, sales, purchases, margin (and stock_value)."""
    from bot.kinds.enterprise.report import pnl_csv

    rt = _runtime()
    with rt.database.transaction() as session:
        text = pnl_csv(session, rt.settings, rt.clock.now(), ns.opportunity_id)
    if text is None:
        print(f"no school business with a till: {ns.opportunity_id!r}", file=sys.stderr)
        return 1
    sys.stdout.write(text)
    return 0


@report(
    "ledger", "the class economy: account, balance, then a total row (always 0.00)", lambda p: None
)
def report_ledger(ns: argparse.Namespace) -> int:
    from bot import csv_export
    from bot.kinds.simulation.service.books import ledger_report

    with _runtime().database.transaction() as session:
        header, rows = ledger_report(session)
    csv_export.write(sys.stdout, header, rows)
    return 0


def _coverage_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--by",
        default="school",
        metavar="FIELD",
        help="school (default), grade, transportation, language or a demographics.csv column",
    )


@report("coverage", "students with a WBL experience, by group", _coverage_args)
def report_coverage(ns: argparse.Namespace) -> int:
    from bot import csv_export
    from bot.services.coverage import coverage

    rt = _runtime()
    with rt.database.transaction() as s:
        try:
            groups = coverage(s, ns.by)
        except LookupError as err:
            print(f"wbl report coverage: {err.args[0]}", file=sys.stderr)
            return 2
    csv_export.write(
        sys.stdout,
        ("group", "students", "with_experience", "percent"),
        ([g.label, g.students, g.with_experience, g.percent] for g in groups),
    )
    return 0


@report("records", "every student's WBL record, one row per placement", lambda p: None)
def report_records(ns: argparse.Namespace) -> int:
    from bot import csv_export
    from bot.services.student_record import RECORD_COLUMNS, district_rows

    rt = _runtime()
    with rt.database.transaction() as s:
        csv_export.write(sys.stdout, RECORD_COLUMNS, district_rows(s, None))
    return 0


def outreach_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--no-experience",
        action="store_true",
        required=True,
        help="students who have no WBL experience yet (the only audience so far)",
    )
    p.add_argument("--school", metavar="ORG", help="a school's sourcedId")
    p.add_argument("--grade", metavar="N")
    p.add_argument("--group", metavar="FIELD=VALUE", help="one coverage group, e.g. sex=female")
    p.add_argument("--dry-run", action="store_true", help="count, queue nothing")


def run_outreach(ns: argparse.Namespace) -> int:
    """`wbl outreach --no-experience`: queue the invitation, print how many were queued."""
    from bot.context import Context
    from bot.services import outreach

    field, _, value = (ns.group or "").partition("=")
    audience = outreach.Audience(
        school=ns.school, grade=ns.grade, field=field or None, value=value or None
    )
    rt = _runtime()
    with rt.database.transaction() as s:
        try:
            outreach.check(s, audience)
        except LookupError as err:
            print(f"wbl outreach: {err.args[0]}", file=sys.stderr)
            return 2
        ctx = Context(s, rt.settings, rt.clock.now(), actor="cli")
        campaign = outreach.send(ctx, audience, dry_run=ns.dry_run)
    verb = "would queue" if ns.dry_run else "queued"
    print(
        f"{verb}: {campaign.queued} of {campaign.matched} students with no experience "
        f"(the others have no reachable channel or opted out)"
    )
    return 0
