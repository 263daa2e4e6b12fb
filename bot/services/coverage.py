"""Coverage: students with a WBL experience over all students, by group.

A student has a WBL experience once any placement of theirs has verified hours
(DESIGN "Reports and exports": an approved time entry with hours above zero). Students
are the active roster students. Groups are labelled by the roster's own values (a
school's `sourcedId`, a grade as written); a blank value is the group `(blank)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.statuses import EntryStatus
from db.models import Org, Person, Placement, Student, StudentDemographic, TimeEntry

CORE_FIELDS = ("school", "grade", "transportation", "language")
BLANK = "(blank)"
TOO_SMALL = 10  # groups under this many students are not compared (DESIGN)
GAP_POINTS = Decimal(10)  # a comparable group this far below the district rate is a gap


@dataclass(frozen=True)
class Group:
    label: str
    students: int
    with_experience: int

    @property
    def percent(self) -> Decimal:
        """0-100 with one decimal, half up (0.0 for an empty group)."""
        return percent(self.with_experience, self.students)

    @property
    def comparable(self) -> bool:
        return self.students >= TOO_SMALL


def percent(part: int, whole: int) -> Decimal:
    if not whole:
        return Decimal("0.0")
    return (Decimal(100 * part) / whole).quantize(Decimal("0.1"), ROUND_HALF_UP)


def experienced() -> Any:
    """Ids of students with verified hours on any placement (a subquery)."""
    return (
        select(Placement.student_id.label("student_id"))
        .join(TimeEntry, TimeEntry.placement_id == Placement.id)
        .where(TimeEntry.status == EntryStatus.APPROVED, TimeEntry.hours > 0)
        .distinct()
        .subquery("experienced")
    )


def _students(extra: tuple[Any, ...]) -> Any:
    done = experienced()
    return (
        select(*extra, func.count(), func.count(done.c.student_id))
        .select_from(Student)
        .join(Person, Person.id == Student.person_id)
        .outerjoin(done, done.c.student_id == Student.person_id)
        .where(Person.active.is_(True), Person.kind == "student")
    )


def demographic_fields(session: Session) -> list[str]:
    """The demographics.csv columns some student has a value for, sorted."""
    return list(
        session.scalars(
            select(StudentDemographic.field).distinct().order_by(StudentDemographic.field)
        )
    )


def fields(session: Session) -> list[str]:
    """Every FIELD `coverage` accepts."""
    return [*CORE_FIELDS, *demographic_fields(session)]


def coverage(session: Session, by: str = "school") -> list[Group]:
    """One group per value of `by`, sorted by label; LookupError for an unknown field."""
    return all_coverage(session, [by])[by]


def all_coverage(session: Session, by: list[str]) -> dict[str, list[Group]]:
    """Coverage for several fields in two queries (core fields, then demographics)."""
    known = fields(session)
    unknown = [f for f in by if f not in known]
    if unknown:
        raise LookupError(f"unknown field {unknown[0]!r}; one of: {', '.join(known)}")
    found: dict[str, list[Group]] = {}
    core = [f for f in by if f in CORE_FIELDS]
    if core:
        found.update(_core(session, core))
    demo = [f for f in by if f not in CORE_FIELDS]
    if demo:
        found.update(_demographics(session, demo))
    return {f: found[f] for f in by}


_COLUMNS = {
    "school": Org.sourced_id,
    "grade": Student.grade,
    "transportation": Student.transportation,
    "language": Person.language,
}


def _core(session: Session, names: list[str]) -> dict[str, list[Group]]:
    stmt = _students(tuple(_COLUMNS[n] for n in names)).join(Org, Org.id == Student.school_id)
    stmt = stmt.group_by(*(_COLUMNS[n] for n in names))
    tallies: dict[str, dict[str, list[int]]] = {n: {} for n in names}
    for row in session.execute(stmt):
        count, done = row[-2], row[-1]
        for name, value in zip(names, row[:-2], strict=True):
            tally = tallies[name].setdefault(_label(value), [0, 0])
            tally[0] += count
            tally[1] += done
    return {n: _groups(t) for n, t in tallies.items()}


def _demographics(session: Session, names: list[str]) -> dict[str, list[Group]]:
    found: dict[str, list[Group]] = {}
    for name in names:
        value = (
            select(StudentDemographic.person_id, StudentDemographic.value)
            .where(StudentDemographic.field == name)
            .subquery()
        )
        stmt = (
            _students((value.c.value,))
            .outerjoin(value, value.c.person_id == Student.person_id)
            .group_by(value.c.value)
        )
        tally = {_label(v): [n, d] for v, n, d in session.execute(stmt)}
        found[name] = _groups(tally)
    return found


def _label(value: Any) -> str:
    text = str(value).strip() if value is not None else ""
    return text or BLANK


def _groups(tally: dict[str, list[int]]) -> list[Group]:
    return [Group(label, n, d) for label, (n, d) in sorted(tally.items(), key=_order)]


def _order(item: tuple[str, list[int]]) -> tuple[int, int, str]:
    """Numbers in numeric order (grade 9 before 10), then text; the blank group last."""
    label = item[0]
    if label == BLANK:
        return (2, 0, label)
    return (0, int(label), label) if label.isdigit() else (1, 0, label)


def overall(groups: list[Group]) -> Group:
    """The whole district as one group (the sum of any field's groups)."""
    return Group("all", sum(g.students for g in groups), sum(g.with_experience for g in groups))


def gaps(groups: list[Group], district: Group) -> set[str]:
    """Labels of comparable groups at least GAP_POINTS below the district rate."""
    return {g.label for g in groups if g.comparable and g.percent <= district.percent - GAP_POINTS}
