"""May this student take this opportunity? One pure rule for FIND, APPLY and approval.

A student is eligible when, on the opportunity's terms:
- the opportunity is active and not past its due date;
- its partner is vetted (no vetting problems: an unvetted partner is hidden);
- the student is at least `min_age` on the opportunity's start date (or today, if it
  already started); an unknown birth date passes only opportunities open to
  `min_age_floor`-year-olds (district policy, default 14);
- a seat is left (seats minus open or completed placements);
- the student has no open placement whose dates overlap the opportunity's;
- the student has not already applied (checked at FIND and APPLY, not at approval).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from bot.policy import Policy
from bot.rules.placement import age_on

REASONS = ("inactive", "past_due", "unvetted", "too_young", "full", "overlap", "applied")


class OpportunityFacts(NamedTuple):
    """What FIND needs about one opportunity: one row of the catalog query.

    A NamedTuple (not a dataclass): FIND builds thousands per message, positionally.
    """

    id: int
    external_id: str
    title: str
    employer: str
    kind: str
    est_hours: Decimal
    seats: int
    taken: int
    career_cluster: str | None
    min_age: int
    starts_on: date
    due_on: date
    remote: bool
    active: bool = True
    auto_approve: bool = False
    vetting_problems: tuple[str, ...] = ()
    site: tuple[float, float] | None = None
    site_transit: bool = False
    site_school_id: int | None = None
    search_text: str = ""  # folded title, description, employer, cluster, deliverables

    @property
    def seats_left(self) -> int:
        return max(self.seats - self.taken, 0)


@dataclass(frozen=True)
class StudentFacts:
    """What FIND needs about the student asking."""

    id: int
    school_id: int | None
    birth_date: date | None
    transportation: str = "none"
    home: tuple[float, float] | None = None
    school_point: tuple[float, float] | None = None
    interests: frozenset[str] = frozenset()
    experienced: bool = False  # has an open or completed placement
    busy: tuple[tuple[date, date], ...] = ()  # date ranges of open placements
    applied: frozenset[int] = field(default_factory=frozenset)

    @property
    def origin(self) -> tuple[float, float] | None:
        """Where distances are measured from: home, else school."""
        return self.home or self.school_point


def overlaps(a: tuple[date, date], b: tuple[date, date]) -> bool:
    """True when two inclusive date ranges share a day."""
    return a[0] <= b[1] and b[0] <= a[1]


def old_enough(
    birth_date: date | None, min_age: int, starts_on: date, today: date, floor: int
) -> bool:
    """Age on the start day (or today when it already started) is at least `min_age`;
    an unknown age passes only when `min_age` is at most `floor`."""
    age = age_on(birth_date, max(starts_on, today))
    if age is None:
        return min_age <= floor
    return age >= min_age


def why_not(
    student: StudentFacts,
    opp: OpportunityFacts,
    today: date,
    policy: Policy,
    *,
    check_applied: bool = True,
) -> str | None:
    """The first reason (a code in REASONS) the student may not take `opp`, or None."""
    if not opp.active:
        return "inactive"
    if today > opp.due_on:
        return "past_due"
    if opp.vetting_problems:
        return "unvetted"
    if not old_enough(student.birth_date, opp.min_age, opp.starts_on, today, policy.min_age_floor):
        return "too_young"
    if check_applied and opp.id in student.applied:
        return "applied"
    if any(overlaps(r, (opp.starts_on, opp.due_on)) for r in student.busy):
        return "overlap"
    if opp.seats_left <= 0:
        return "full"
    return None


def is_scarce(opp: OpportunityFacts, policy: Policy) -> bool:
    """`scarce_seats` seats or fewer left (default 1): first-timers come first (equity)."""
    return opp.seats_left <= policy.scarce_seats
