"""Coverage: students with a WBL experience over all students, by group.

A student has a WBL experience once any placement of theirs has verified hours
(DESIGN "Reports and exports": an approved time entry with hours above zero). Students
are the active roster students. Groups are labelled by the roster's own values (a
school's `sourcedId`, a grade as written); a blank value is the group `(blank)`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import case, func, literal_column, select, union_all
from sqlalchemy.orm import Session

from bot.statuses import EntryStatus
from db.models import Org, Person, Student, StudentDemographic, TimeEntry

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
    return _experienced().subquery("experienced")


def _experienced() -> Any:
    return (  # an entry's student is its placement's (index ix_time_entries_verified)
        select(TimeEntry.student_id.label("student_id"))
        .where(TimeEntry.status == EntryStatus.APPROVED, TimeEntry.hours > 0)
        .distinct()
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


def all_coverage(session: Session, by: list[str] | None = None) -> dict[str, list[Group]]:
    """Coverage for several fields (None: every field) in one statement: the experienced
    students and the student table are worked out once (CTEs), then grouped by each."""
    if by is not None:
        known = fields(session)
        unknown = [f for f in by if f not in known]
        if unknown:
            raise LookupError(f"unknown field {unknown[0]!r}; one of: {', '.join(known)}")
    done = _experienced().cte("experienced")
    base = (
        select(
            Student.person_id.label("pid"),
            *(column.label(name) for name, column in _COLUMNS.items()),
            case((done.c.student_id.is_not(None), 1), else_=0).label("done"),
        )
        .join(Person, Person.id == Student.person_id)
        .join(Org, Org.id == Student.school_id)
        .outerjoin(done, done.c.student_id == Student.person_id)
        .where(Person.active.is_(True), Person.kind == "student")
        .cte("base")
    )
    tally = (func.count(), func.coalesce(func.sum(base.c.done), 0))
    parts: list[Any] = [select(literal_column("'*'"), literal_column("''"), *tally)]
    for name in (f for f in by or CORE_FIELDS if f in CORE_FIELDS):
        parts.append(
            select(literal_column(f"'{name}'"), base.c[name], *tally).group_by(base.c[name])
        )
    demo = None if by is None else [f for f in by if f not in CORE_FIELDS]
    if demo is None or demo:
        d = StudentDemographic
        grouped = select(d.field, d.value, *tally).join(base, base.c.pid == d.person_id)
        if demo:
            grouped = grouped.where(d.field.in_(demo))
        parts.append(grouped.group_by(d.field, d.value))
    tallies: dict[str, dict[str, list[int]]] = defaultdict(dict)
    everyone = [0, 0]
    for name, value, count, with_experience in session.execute(union_all(*parts)):
        if name == "*":
            everyone = [count, int(with_experience)]
            continue
        row = tallies[name].setdefault(_label(value), [0, 0])
        row[0] += count
        row[1] += int(with_experience)
    if by is None:
        by = [*CORE_FIELDS, *sorted(set(tallies) - set(CORE_FIELDS))]
    for name in (f for f in by if f not in CORE_FIELDS):  # no value: the blank group
        counted = [sum(v[i] for v in tallies[name].values()) for i in (0, 1)]
        if everyone[0] > counted[0]:
            tallies[name][BLANK] = [everyone[0] - counted[0], everyone[1] - counted[1]]
    return {f: _groups(tallies[f]) for f in by}


_COLUMNS = {
    "school": Org.sourced_id,
    "grade": Student.grade,
    "transportation": Student.transportation,
    "language": Person.language,
}


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
