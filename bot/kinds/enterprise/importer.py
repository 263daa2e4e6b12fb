"""The enterprise's partner files, read in the partner import's transaction after the
shared files: `shifts.csv` (upsert by `shift_id`; seats 0 cancels a shift and tells its
holders) and `items.csv` (upsert by `opportunity_id` + `item`); both also read
`opportunities.csv` `till` and give each enterprise its profile (the till flag and the
token of its public work-order form). Times are local to DISTRICT_TZ."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.clock import parse_local
from bot.importers.csvio import Row, read_table
from bot.importers.fields import BadValue, parse_bool, parse_decimal, parse_int
from bot.importers.report import ImportReport
from bot.kinds.enterprise.service.common import CODE
from bot.kinds.enterprise.service.rota import CANCELLED, MISSED, REMIND
from bot.statuses import ReminderStatus
from bot.statuses import ShiftTakeStatus as Take
from db.models import EnterpriseProfile, Item, Opportunity, Reminder, Shift, ShiftTake

SHIFT_COLUMNS = ("shift_id", "opportunity_id", "starts", "ends", "seats")
ITEM_COLUMNS = ("opportunity_id", "item", "unit", "par", "unit_cost")


def _enterprises(session: Session) -> dict[str, int]:
    return dict(
        session.execute(
            select(Opportunity.external_id, Opportunity.id).where(Opportunity.kind == CODE)
        ).all()
    )


def sync_profiles(session: Session, folder: Path, report: ImportReport, now: datetime) -> None:
    """Every enterprise has a profile; `till` from opportunities.csv (blank: no till)."""
    tills: dict[str, bool] = {}
    table = read_table(folder, "opportunities.csv", ("opportunity_id",), ImportReport("till"),
                       optional=("till",), must_exist=False)  # fmt: skip
    for row in table or ():
        try:
            tills[row.get("opportunity_id")] = parse_bool(row.get("till"))
        except BadValue:
            report.warn("opportunities.csv", row.line, "till", "not yes/no; read as no")
    profiles = {p.opportunity_id: p for p in session.scalars(select(EnterpriseProfile))}
    for external, opp_id in _enterprises(session).items():
        profile = profiles.get(opp_id)
        if profile is None:
            token = secrets.token_urlsafe(18)
            profile = EnterpriseProfile(opportunity_id=opp_id, order_token=token, updated_at=now)
            session.add(profile)
        till = tills.get(external, profile.till or False)
        if profile.till != till:
            profile.till, profile.updated_at = till, now
    session.flush()


def _upsert(report: ImportReport, entity: str, row: Any, values: dict[str, Any]) -> bool:
    """Update the changed columns of `row` and count it; True when it must be created."""
    if row is None:
        report.count(entity, "created")
        return True
    changed = {k: v for k, v in values.items() if getattr(row, k) != v}
    for key, value in changed.items():
        setattr(row, key, value)
    report.count(entity, "updated" if changed else "unchanged")
    return False


def _local(raw: str, tz: ZoneInfo, shift_days: int, column: str) -> datetime:
    try:
        at = parse_local(raw, tz)
    except ValueError:
        raise BadValue(f"not a local date-time (2026-12-03T07:30): {raw[:40]!r}", column) from None
    if at.tzinfo is not tz:  # it named an offset of its own
        raise BadValue("give the local time without a zone (DISTRICT_TZ applies)", column)
    return at + timedelta(days=shift_days)


def import_shifts(
    session: Session,
    folder: Path,
    report: ImportReport,
    now: datetime,
    shift_days: int,
    tz: ZoneInfo,
) -> None:
    """`shifts.csv`: upsert by `shift_id`; only enterprise opportunities have shifts."""
    sync_profiles(session, folder, report, now)
    table = read_table(folder, "shifts.csv", SHIFT_COLUMNS, report)
    if table is None:
        return
    opps = _enterprises(session)
    existing = {s.external_id: s for s in session.scalars(select(Shift))}
    seen: set[str] = set()
    for row in table:
        try:
            values = _shift_values(row, opps, tz, shift_days, seen)
        except BadValue as err:
            column = err.args[1] if len(err.args) > 1 else "-"
            report.error("shifts.csv", row.line, column, f"{err.args[0]}; row rejected")
            report.count("shifts", "rejected")
            continue
        key = row.get("shift_id")
        found = existing.get(key)
        was_open = found is not None and found.seats > 0
        values["updated_at"] = now
        fresh = {k: v for k, v in values.items() if k != "updated_at"}
        if _upsert(report, "shifts", found, fresh):
            session.add(Shift(external_id=key, **values))
        if found is not None and found.seats == 0 and was_open:
            _cancel(session, found.id, now)


def _shift_values(
    row: Row, opps: dict[str, int], tz: ZoneInfo, shift_days: int, seen: set[str]
) -> dict[str, Any]:
    for column in SHIFT_COLUMNS:
        if not row.get(column):
            raise BadValue("required value missing", column)
    if row.get("shift_id") in seen:
        raise BadValue("duplicate shift_id", "shift_id")
    seen.add(row.get("shift_id"))
    opp = opps.get(row.get("opportunity_id"))
    if opp is None:
        raise BadValue(
            f"no enterprise opportunity {row.get('opportunity_id')[:40]!r}", "opportunity_id"
        )
    starts = _local(row.get("starts"), tz, shift_days, "starts")
    ends = _local(row.get("ends"), tz, shift_days, "ends")
    if ends <= starts or ends - starts > timedelta(hours=12):
        raise BadValue("ends must be after starts, within 12 hours", "ends")
    try:
        seats = parse_int(row.get("seats"), low=0, high=500)
    except BadValue as err:
        raise BadValue(str(err), "seats") from None
    return {"opportunity_id": opp, "starts_at": starts, "ends_at": ends, "seats": seats}


def _cancel(session: Session, shift_id: int, now: datetime) -> None:
    """A shift set to 0 seats: its holders lose their places and are told."""
    takes = list(
        session.scalars(
            select(ShiftTake).where(ShiftTake.shift_id == shift_id, ShiftTake.status == Take.TAKEN)
        )
    )
    for take in takes:
        take.status, take.updated_at = Take.DROPPED, now
        session.execute(
            update(Reminder)
            .where(
                Reminder.kind.in_((REMIND, MISSED)),
                Reminder.subject_id == take.id,
                Reminder.status == ReminderStatus.PENDING,
            )
            .values(status=ReminderStatus.CANCELLED, done_at=now)
        )
        session.add(
            Reminder(
                kind=CANCELLED, subject_id=take.id, person_id=take.student_id, due_at=now,
                status=ReminderStatus.PENDING, attempts=0, payload={}, created_at=now,
            )
        )  # fmt: skip


def import_items(
    session: Session,
    folder: Path,
    report: ImportReport,
    now: datetime,
    shift_days: int,
    tz: ZoneInfo,
) -> None:
    """`items.csv`: a till enterprise's stock list, upsert by `opportunity_id` + `item`."""
    sync_profiles(session, folder, report, now)
    table = read_table(folder, "items.csv", ITEM_COLUMNS[:2], report, optional=ITEM_COLUMNS[2:])
    if table is None:
        return
    opps = _enterprises(session)
    existing = {(i.opportunity_id, i.item.lower()): i for i in session.scalars(select(Item))}
    for row in table:
        opp = opps.get(row.get("opportunity_id"))
        name = " ".join(row.get("item").split())[:128]
        try:
            if opp is None:
                raise BadValue("no enterprise opportunity with this id", "opportunity_id")
            if not name:
                raise BadValue("required value missing", "item")
            values = {
                "unit": row.get("unit")[:64],
                "par": _decimal(row, "par"),
                "unit_cost": _decimal(row, "unit_cost"),
            }
        except BadValue as err:
            report.error("items.csv", row.line, err.args[1], f"{err.args[0]}; row rejected")
            report.count("items", "rejected")
            continue
        found = existing.get((opp, name.lower()))
        if _upsert(report, "items", found, values):
            session.add(Item(opportunity_id=opp, item=name, updated_at=now, **values))


def _decimal(row: Row, column: str) -> Decimal:
    try:
        return parse_decimal(row.get(column) or "0", high=Decimal(100_000))
    except BadValue as err:
        raise BadValue(str(err), column) from None
