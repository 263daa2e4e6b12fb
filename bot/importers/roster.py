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

from bot.importers.csvio import read_table
from bot.importers.report import ImportReport
from bot.importers.roster_people import PeopleSync
from bot.importers.roster_rows import (
    DEMOGRAPHIC_COLUMNS,
    ORG_COLUMNS,
    ORG_OPTIONAL,
    USER_COLUMNS,
    USER_OPTIONAL,
    OrgRow,
    UserRow,
    parse_birth_dates,
    parse_orgs,
    parse_users,
)
from db import trail
from db.models import Org, Person
from db.session import Database

log = logging.getLogger(__name__)
ORGS = "orgs.csv"
ORG_FIELDS = ("name", "type", "identifier", "parent_id", "active")


def import_roster(
    db: Database, folder: Path, *, now: datetime, shift_days: int = 0
) -> ImportReport:
    """Import `folder`'s OneRoster bundle in one transaction and report what happened."""
    report = ImportReport("roster")
    folder = Path(folder)
    if not folder.is_dir():
        report.error(str(folder), 0, "-", "not a folder; nothing imported")
        return report
    orgs_table = read_table(folder, ORGS, ORG_COLUMNS, report, optional=ORG_OPTIONAL)
    users_table = read_table(folder, "users.csv", USER_COLUMNS, report, optional=USER_OPTIONAL)
    demo_table = read_table(
        folder, "demographics.csv", DEMOGRAPHIC_COLUMNS, report, must_exist=False
    )
    with db.transaction() as session:
        org_rows = parse_orgs(orgs_table, report) if orgs_table else []
        orgs = _sync_orgs(session, org_rows, report, now)
        if users_table is not None:
            phones = {p for p in session.scalars(select(Person.phone)) if p}
            users = parse_users(users_table, report, set(orgs), phones)
            births = None
            if demo_table is not None:
                births = parse_birth_dates(demo_table, report, shift_days, now.date())
                _unknown_births(session, births, users, report)
            PeopleSync(session, report, now, orgs, births).run(users)
        if report.changed:
            trail.record(
                session,
                at=now,
                actor="import",
                action="import:roster",
                entity="import",
                entity_id=folder.name[:64],
                details={"counts": report.summary(), "problems": len(report.problems)},
            )
    log.info("roster import: %s problems, counts %s", len(report.problems), report.summary())
    return report


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
    users: list[UserRow],
    report: ImportReport,
) -> None:
    """Report demographics rows for people in neither users.csv nor the database."""
    in_file = {u.sourced_id for u in users}
    unknown = [sid for sid in births if sid not in in_file]
    if not unknown:
        return
    stored = set(
        session.scalars(
            select(Person.sourced_id).where(
                Person.source == "roster", Person.sourced_id.in_(unknown[:5000])
            )
        )
    )
    for sid in unknown:
        if sid not in stored:
            report.warn("demographics.csv", births[sid][0], "sourcedId", f"no such user {sid!r}")
