"""What the database must hold after a script step: `db=placement("ready")`.

Each builder returns a check `fn(world)` that reads in its own transaction and raises
AssertionError with what it found. Roles (`of="student"`) name people of the script's cast.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from db.models import (
    Application,
    ConsentRecord,
    ConsentRequest,
    Contact,
    Deliverable,
    Person,
    Placement,
    Rating,
    RatingRequest,
    TimeEntry,
)
from tests.support.scripts import Check, World
from tests.support.scripts import unchanged as unchanged  # scripts import every check here


def _named(name: str, fn: Check) -> Check:  # the name shows in a failure
    fn.__name__ = name  # type: ignore[attr-defined]
    return fn


def applications(count: int, status: str | None = None, of: str = "student") -> Check:
    def check(world: World) -> None:
        with world.database.transaction() as s:
            rows = list(
                s.scalars(
                    select(Application.status).where(Application.student_id == world.person(of).id)
                )
            )
        assert len(rows) == count, f"{of} has {len(rows)} applications, not {count}"
        assert status is None or rows[-1] == status, f"application is {rows[-1]!r}"

    return _named(f"applications({count}, {status})", check)


def placement(status: str | None, of: str = "student") -> Check:
    """The student's newest placement has `status` (None: the student has none)."""

    def check(world: World) -> None:
        with world.database.transaction() as s:
            found = s.scalar(
                select(Placement.status)
                .where(Placement.student_id == world.person(of).id)
                .order_by(Placement.id.desc())
                .limit(1)
            )
        assert found == status, f"{of}'s placement is {found!r}, not {status!r}"

    return _named(f"placement({status})", check)


def consent(status: str, *records: str, of: str = "student") -> Check:
    """The newest permission request about `of` has `status`; its record trail has exactly
    `records` (actions, oldest first) when given."""

    def check(world: World) -> None:
        with world.database.transaction() as s:
            request = s.scalar(
                select(ConsentRequest)
                .join(Placement, Placement.id == ConsentRequest.placement_id)
                .where(Placement.student_id == world.person(of).id)
                .order_by(ConsentRequest.id.desc())
                .limit(1)
            )
            assert request is not None, f"no permission request about {of}"
            trail = list(
                s.scalars(
                    select(ConsentRecord.action)
                    .where(ConsentRecord.request_id == request.id)
                    .order_by(ConsentRecord.id)
                )
            )
            found = request.status
        assert found == status, f"permission request is {found!r}, not {status!r}"
        assert not records or tuple(trail) == records, f"consent records {trail}"

    return _named(f"consent({status})", check)


def entries(count: int, of: str = "student", **last: Any) -> Check:
    """`of` has `count` time entries; the newest has the given column values
    (`status="open"`, `hours="2"`, `in_verdict="verified"`…)."""

    def check(world: World) -> None:
        with world.database.transaction() as s:
            rows = list(
                s.scalars(
                    select(TimeEntry)
                    .where(TimeEntry.student_id == world.person(of).id)
                    .order_by(TimeEntry.id)
                )
            )
            s.expunge_all()
        assert len(rows) == count, f"{of} has {len(rows)} time entries, not {count}"
        for column, wanted in last.items():
            value = getattr(rows[-1], column)
            if isinstance(value, Decimal):
                wanted = Decimal(str(wanted))
            assert value == wanted, f"time entry {column} is {value!r}, not {wanted!r}"

    return _named(f"entries({count}, {last})", check)


def deliverables(count: int, status: str | None = None) -> Check:
    def check(world: World) -> None:
        with world.database.transaction() as s:
            rows = list(s.scalars(select(Deliverable.status).order_by(Deliverable.id)))
        assert len(rows) == count, f"{len(rows)} deliverables, not {count}"
        assert status is None or rows[-1] == status, f"deliverable is {rows[-1]!r}"

    return _named(f"deliverables({count}, {status})", check)


def ratings(scores: dict[str, int] | None, round_status: str = "done") -> Check:
    """The one rating round has `round_status` and exactly these scores."""

    def check(world: World) -> None:
        with world.database.transaction() as s:
            statuses = list(s.scalars(select(RatingRequest.status)))
            saved = {skill: score for skill, score in s.execute(select(Rating.skill, Rating.score))}
        assert statuses == [round_status], f"rating rounds {statuses}"
        assert saved == (scores or {}), f"ratings {saved}"

    return _named(f"ratings({scores})", check)


def rating_comment(fragment: str | None) -> Check:
    def check(world: World) -> None:
        with world.database.transaction() as s:
            comment = s.scalar(select(RatingRequest.comment))
        if fragment is None:
            assert not comment, f"comment {comment!r}"
        else:
            assert comment and fragment in comment, f"comment {comment!r}"

    return _named("rating_comment", check)


def opted_out(role: str, yes: bool = True) -> Check:
    """Every address of `role` is opted out (yes) or none is (not yes)."""

    def check(world: World) -> None:
        with world.database.transaction() as s:
            flags = [
                at is not None
                for at in s.scalars(
                    select(Contact.opted_out_at).where(Contact.person_id == world.person(role).id)
                )
            ]
        assert flags and all(f == yes for f in flags), f"{role} opted out: {flags}"

    return _named(f"opted_out({role}, {yes})", check)


def language(role: str, lang: str) -> Check:
    def check(world: World) -> None:
        with world.database.transaction() as s:
            found = s.scalar(select(Person.language).where(Person.id == world.person(role).id))
        assert found == lang, f"{role} speaks {found!r}"

    return _named(f"language({role}, {lang})", check)


def contacts(role: str, *schemes: str) -> Check:
    """`role`'s addresses are exactly these schemes (`tel`, `telegram`)."""

    def check(world: World) -> None:
        with world.database.transaction() as s:
            found = sorted(
                s.scalars(
                    select(Contact.scheme).where(
                        Contact.person_id == world.person(role).id, Contact.retired_at.is_(None)
                    )
                )
            )
        assert found == sorted(schemes), f"{role} has {found}"

    return _named(f"contacts({role}, {schemes})", check)


def no_contact(urn: str) -> Check:
    """Nobody owns `urn` (a stranger stays a stranger)."""

    def check(world: World) -> None:
        with world.database.transaction() as s:
            count = s.scalar(select(func.count()).select_from(Contact).where(Contact.urn == urn))
        assert count == 0, f"{urn} is linked"

    return _named(f"no_contact({urn})", check)
