"""`wbl import-roster DIR`: load a OneRoster 1.1 CSV bundle (orgs, users, demographics).

Re-importing the same bundle changes nothing and writes nothing; a changed row updates
(and only then moves `updated_at`); `status=tobedeleted` deactivates and keeps history.
Every problem is reported as `file:line: column: reason` while the good rows land.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.importers import digests
from bot.importers.bulk import fetch
from bot.importers.csvio import Table, read_table
from bot.importers.report import ImportReport, record_import
from bot.importers.roster_demographics import sync_demographics
from bot.importers.roster_people import PeopleSync
from bot.importers.roster_rows import (
    DEMOGRAPHIC_COLUMNS,
    ORG_COLUMNS,
    ORG_OPTIONAL,
    USER_COLUMNS,
    USER_OPTIONAL,
    OrgRow,
    parse_orgs,
)
from bot.importers.roster_scan import DEMOGRAPHICS, USERS, Demographics, KnownPhones, scan_users
from db.models import Org, Person
from db.session import Database

log = logging.getLogger(__name__)
ORGS = "orgs.csv"
ORG_FIELDS = ("name", "type", "identifier", "parent_id", "active")
PHONES = select(Person.phone).where(Person.phone.is_not(None))


def import_roster(
    db: Database, folder: Path, *, now: datetime, shift_days: int = 0, full: bool = False
) -> ImportReport:
    """Import `folder`'s OneRoster bundle in one transaction and report what happened.

    Rows unchanged since they were last applied without problems are skipped unread;
    `full=True` reads and compares every row (e.g. after editing roster data by hand).
    """
    report = ImportReport("roster")
    folder = Path(folder)
    if not folder.is_dir():
        report.error(str(folder), 0, "-", "not a folder; nothing imported")
        return report
    orgs_table = read_table(folder, ORGS, ORG_COLUMNS, report, optional=ORG_OPTIONAL)
    users_table = read_table(folder, USERS, USER_COLUMNS, report, optional=USER_OPTIONAL)
    demo_table = read_table(folder, DEMOGRAPHICS, DEMOGRAPHIC_COLUMNS, report, must_exist=False)
    with db.transaction() as session:
        org_rows = parse_orgs(orgs_table, report) if orgs_table else []
        orgs = _sync_orgs(session, org_rows, report, now)
        if users_table is not None:
            _import_users(session, report, users_table, demo_table, orgs, now, shift_days, full)
        record_import(session, report, folder, now)
    log.info("roster import: %s problems, counts %s", len(report.problems), report.summary())
    return report


def _import_users(
    session: Session,
    report: ImportReport,
    users: Table,
    demo_table: Table | None,
    orgs: dict[str, tuple[int, str]],
    now: datetime,
    shift_days: int,
    full: bool,
) -> None:
    """Scan users.csv (skipping unchanged rows), apply the rest, remember clean rows."""
    stored = digests.load(session, "roster", USERS)
    start = digests.context(
        sorted(orgs.items()), shift_days, digests.SEP.join(users.header), demo_table is not None
    )
    demographics = Demographics.scan(demo_table, report)
    phones = KnownPhones(lambda: {phone for (phone,) in fetch(session, PHONES)})
    skip = {} if full else stored
    scan = scan_users(users, report, set(orgs), phones, skip, start, demographics)
    read = {r.sourced_id for r in scan.rows} | (set(demographics.raw) - scan.in_file)
    births = demographics.births(read, report, shift_days, now.date())
    if births is not None:
        _unknown_births(session, births, scan.in_file, report)
    PeopleSync(session, report, now, orgs, births).run(scan.rows, scan.skipped)
    sync_demographics(session, demographics, read)
    bad = {p.line for p in report.problems if p.file == USERS}
    bad_demo = {p.line for p in report.problems if p.file == DEMOGRAPHICS}
    earned = {
        sid: mark
        for sid, (line, mark) in scan.read.items()
        if mark and line not in bad and demographics.raw.get(sid, (0,))[0] not in bad_demo
    }
    digests.save(session, "roster", USERS, stored, earned, scan.read)


def _sync_orgs(
    session: Session, rows: list[OrgRow], report: ImportReport, now: datetime
) -> dict[str, tuple[int, str]]:
    """Create/update orgs, then resolve parents; returns sourcedId -> (id, type) of all orgs."""
    stored = {o.sourced_id: o for o in session.scalars(select(Org))}
    created = set()
    for row in rows:
        if row.sourced_id not in stored:
            org = Org(sourced_id=row.sourced_id, name=row.name, type=row.type, updated_at=now)
            session.add(org)
            stored[row.sourced_id] = org
            created.add(row.sourced_id)
    session.flush()
    for row in rows:
        org = stored[row.sourced_id]
        parent = stored.get(row.parent)
        if row.parent and parent is None:
            reason = f"unknown parent org {row.parent!r}; imported without a parent"
            report.warn(ORGS, row.line, "parentSourcedId", reason)
        want = (row.name, row.type, row.identifier, parent.id if parent else None, row.active)
        before = tuple(getattr(org, f) for f in ORG_FIELDS)
        report.count("orgs", _outcome(row.sourced_id in created, before, want))
        if before != want:
            for name, value in zip(ORG_FIELDS, want, strict=True):
                setattr(org, name, value)
            org.updated_at = now
    session.flush()
    return {sid: (o.id, o.type) for sid, o in stored.items() if o.active}


def _outcome(created: bool, before: tuple[object, ...], want: tuple[object, ...]) -> str:
    if created:
        return "created"
    if before == want:
        return "unchanged"
    return "deactivated" if before[-1] and not want[-1] else "updated"


def _unknown_births(
    session: Session,
    births: dict[str, tuple[int, date | None]],
    in_file: set[str],
    report: ImportReport,
) -> None:
    """Report demographics rows for people in neither users.csv nor the database."""
    unknown = [sid for sid in births if sid not in in_file]
    if not unknown:
        return
    stored: set[str] = set()
    for at in range(0, len(unknown), 500):
        stmt = select(Person.sourced_id).where(
            Person.source == "roster", Person.sourced_id.in_(unknown[at : at + 500])
        )
        stored |= {sid for (sid,) in fetch(session, stmt)}
    for sid in unknown:
        if sid not in stored:
            report.warn(DEMOGRAPHICS, births[sid][0], "sourcedId", f"no such user {sid!r}")
