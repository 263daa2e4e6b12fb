"""Give every student a coordinator at their school: keep a valid one, else the lightest caseload."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping


def assign(
    schools: Mapping[int, int],
    current: Mapping[int, int | None],
    others: Iterable[tuple[int, int | None]],
    pool: Mapping[int, list[int]],
) -> dict[int, int | None]:
    """student id -> coordinator id (None when the school has no active staff).

    `schools`: the imported students and their school; `current`: who coordinates them now;
    `others`: (school, coordinator) of active students not in this import (they count in
    caseloads); `pool`: school -> active staff ids. Stable: a coordinator still at the
    student's school keeps the student, so re-importing moves no one.
    """
    members = {school: set(staff) for school, staff in pool.items()}
    load: Counter[int] = Counter()
    for school, coordinator in others:
        if coordinator is not None and coordinator in members.get(school, ()):
            load[coordinator] += 1
    result: dict[int, int | None] = {}
    for student, school in schools.items():
        kept = current.get(student)
        if kept is not None and kept in members.get(school, ()):
            result[student] = kept
            load[kept] += 1
    for student, school in schools.items():
        if student in result:
            continue
        staff = pool.get(school) or []
        chosen = min(staff, key=lambda s: (load[s], s)) if staff else None
        if chosen is not None:
            load[chosen] += 1
        result[student] = chosen
    return result
