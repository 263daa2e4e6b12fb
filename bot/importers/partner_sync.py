"""Write partner records: keyed upserts, supervisors as people, and dated vetting checks."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.importers.bulk import insert_rows, update_rows
from bot.importers.contacts import PhoneOf, sync_contacts
from bot.importers.fields import PERSON_FIELDS
from bot.importers.partner_rows import Record
from bot.importers.report import ImportReport
from db.models import Person, Supervisor, VettingCheck

CHECK_FIELD = {
    "agreement": "completed_on",
    "insurance": "expires_on",
    "background_check": "completed_on",
    "site_safety": "completed_on",
}


def sync_keyed(
    session: Session,
    model: type[Any],
    entity: str,
    records: dict[str, Record],
    report: ImportReport,
    now: datetime,
) -> dict[str, int]:
    """Insert new and update changed rows keyed by `external_id`; returns every key -> id."""
    if records:
        cols = list(next(iter(records.values())).values)
        stored = {
            row[0]: tuple(row[1:])
            for row in session.execute(
                select(model.external_id, model.id, *(getattr(model, c) for c in cols))
            )
        }
        new, changed = [], []
        for key, rec in records.items():
            old = stored.get(key)
            want = tuple(rec.values[c] for c in cols)
            if old is None:
                new.append({"external_id": key, **rec.values, "updated_at": now})
                report.count(entity, "created")
            elif old[1:] != want:
                changed.append({"id": old[0], **rec.values, "updated_at": now})
                was = dict(zip(cols, old[1:], strict=True)).get("active", True)
                gone = was and not rec.values.get("active", True)
                report.count(entity, "deactivated" if gone else "updated")
            else:
                report.count(entity, "unchanged")
        insert_rows(session, model, new)
        update_rows(session, model, changed)
    return dict(session.execute(select(model.external_id, model.id)).all())


def sync_checks(
    session: Session,
    subject: str,
    wanted: dict[int, dict[str, date | None]],
    report: ImportReport,
    now: datetime,
) -> None:
    """Add a check row when a date is new or differs from the newest on file (history kept)."""
    column = getattr(VettingCheck, subject)
    newest: dict[tuple[int, str], date | None] = {}
    rows = session.execute(
        select(column, VettingCheck.kind, VettingCheck.completed_on, VettingCheck.expires_on)
        .where(column.is_not(None))
        .order_by(VettingCheck.recorded_at, VettingCheck.id)
    )
    for sid, kind, completed, expires in rows:
        newest[(sid, kind)] = expires if CHECK_FIELD.get(kind) == "expires_on" else completed
    new: list[dict[str, Any]] = []
    for sid, checks in wanted.items():
        for kind, day in checks.items():
            if day is None or newest.get((sid, kind)) == day:
                continue
            row: dict[str, Any] = {
                "kind": kind,
                "employer_id": None,
                "supervisor_id": None,
                "site_id": None,
            }
            row.update({subject: sid, "completed_on": None, "expires_on": None})
            row.update({CHECK_FIELD[kind]: day, "source": "import", "recorded_at": now})
            new.append(row)
    insert_rows(session, VettingCheck, new)
    report.count("vetting checks", "created", len(new))


def sync_supervisors(
    session: Session, records: dict[str, Record], report: ImportReport, now: datetime
) -> dict[str, int]:
    """Supervisors are people (kind supervisor, source partners) with an employer."""
    stored = {
        row[0]: tuple(row[1:])
        for row in session.execute(
            select(
                Person.sourced_id, Person.id, *(getattr(Person, f) for f in PERSON_FIELDS)
            ).where(Person.source == "partners")
        )
    }
    person_values = {k: {f: r.values[f] for f in PERSON_FIELDS} for k, r in records.items()}
    new = [
        {
            "kind": "supervisor",
            "source": "partners",
            "sourced_id": key,
            "language": "en",
            "active": True,
            "created_at": now,
            "updated_at": now,
            **person_values[key],
        }
        for key in records
        if key not in stored
    ]
    insert_rows(session, Person, new)
    ids = dict(
        session.execute(
            select(Person.sourced_id, Person.id).where(Person.source == "partners")
        ).all()
    )
    employers = {
        pid: (employer, tz)
        for pid, employer, tz in session.execute(
            select(Supervisor.person_id, Supervisor.employer_id, Supervisor.timezone)
        )
    }
    changed, new_sup, moved = [], [], []
    for key, rec in records.items():
        pid, employer = ids[key], (rec.values["employer_id"], rec.values.get("timezone"))
        if pid not in employers:
            new_sup.append({"person_id": pid, "employer_id": employer[0], "timezone": employer[1]})
        elif employers[pid] != employer:
            moved.append({"person_id": pid, "employer_id": employer[0], "timezone": employer[1]})
        old = stored.get(key)
        want = tuple(person_values[key][f] for f in PERSON_FIELDS)
        if old is None:
            report.count("supervisors", "created")
        elif old[1:] != want or employers.get(pid, employer) != employer:
            changed.append({"id": pid, **person_values[key], "updated_at": now})
            report.count("supervisors", "updated")
        else:
            report.count("supervisors", "unchanged")
    update_rows(session, Person, changed)
    insert_rows(session, Supervisor, new_sup)
    update_rows(session, Supervisor, moved, key="person_id")
    phones = [
        PhoneOf("supervisors.csv", r.line, "phone", ids[k], r.values["phone"])
        for k, r in records.items()
    ]
    sync_contacts(session, report, phones, now)
    return ids
