"""Reachability for the equity view: how many open seats each student can actually reach.

An open seat is a seat left on an opportunity FIND would offer today (active, not past
its due date, its partner vetted). A student reaches it when FIND's reach rule
(`rules.reachability.classify`) says anything but "needs a ride": remote work, their own
school, within walking distance of home (or school), a transit site, or anywhere by car.
Other eligibility (age, dates, having applied) is not counted: this is about getting there.

Computed for a whole district at once: seats everyone reaches are summed once, a
school's own sites once per school, and walkable sites are looked up in a grid of
cells about the walking distance wide, so 50,000 students cost one pass.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.policy import Policy
from bot.rules.eligibility import OpportunityFacts
from bot.rules.reachability import Origin, classify
from db.models import Org, Person, Student

Point = tuple[float, float]
BUCKETS = ((0, 0, "none"), (1, 9, "1-9"), (10, 49, "10-49"), (50, 10**9, "50 or more"))


class Traveller(NamedTuple):
    """What reaching needs of one student (a NamedTuple: 50,000 are built per page)."""

    id: int
    school_id: int | None
    transportation: str
    origin: Point | None


class Seats:
    """The open catalogue arranged for counting reachable seats."""

    def __init__(self, catalog: Iterable[OpportunityFacts], walk_km: float) -> None:
        self.walk_km = walk_km
        self.everyone = 0  # remote, or a transit site
        self.total = 0
        self.at_school: dict[int, int] = defaultdict(int)  # school-run sites, by school
        self.grid: dict[tuple[int, int], list[tuple[OpportunityFacts, int]]] = defaultdict(list)
        self.cell = max(walk_km, 0.1) / 111.0  # degrees of latitude per cell
        opps = list(catalog)
        # a cell is as wide in longitude as the walk is at the sites' highest latitude
        north = max((abs(o.site[0]) for o in opps if o.site is not None), default=0.0)
        self.lon_cell = self.cell / max(math.cos(math.radians(min(north + 0.1, 89.0))), 0.01)
        for opp in opps:
            seats = opp.seats_left
            if seats <= 0 or opp.vetting_problems:
                continue
            self.total += seats
            if opp.remote or opp.site is None or opp.site_transit:
                self.everyone += seats
                continue
            if opp.site_school_id is not None:
                self.at_school[opp.site_school_id] += seats
            self.grid[self._key(opp.site)].append((opp, seats))
        # the cells from which some walkable site is at most one cell away
        self.near = {
            (r + dr, c + dc) for r, c in self.grid for dr in (-1, 0, 1) for dc in (-1, 0, 1)
        }

    def _key(self, point: Point) -> tuple[int, int]:
        return math.floor(point[0] / self.cell), math.floor(point[1] / self.lon_cell)

    def reachable(self, who: Traveller) -> int:
        """Open seats this student reaches (the rule in the module docstring)."""
        if who.transportation == "car":
            return self.total
        found = self.everyone + self.at_school.get(who.school_id or -1, 0)
        if who.origin is None:
            return found
        row, col = key = self._key(who.origin)
        if key not in self.near:
            return found
        origin = Origin(who.origin)
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                for opp, seats in self.grid.get((row + dr, col + dc), ()):
                    if opp.site_school_id is not None and opp.site_school_id == who.school_id:
                        continue  # counted with the school's own
                    km = origin.km_to(opp.site)  # type: ignore[arg-type]
                    mode = classify(
                        who.transportation, origin, km, False, False, opp.site, False, self.walk_km
                    )
                    found += seats if mode == "walk" else 0
        return found


def travellers(session: Session, ids: list[int] | None = None) -> list[Traveller]:
    """Active students (or exactly `ids`) with school, transport and home or school point."""
    stmt = (
        select(
            Student.person_id,
            Student.school_id,
            Student.transportation,
            Student.home_lat,
            Student.home_lon,
            Org.lat,
            Org.lon,
        )
        .join(Person, Person.id == Student.person_id)
        .outerjoin(Org, Org.id == Student.school_id)
        .where(Person.active.is_(True))
    )
    if ids is not None:
        stmt = stmt.where(Student.person_id.in_(ids))
    return [
        Traveller(
            pid,
            school,
            (transport or "none").lower(),
            (hlat, hlon) if hlat is not None and hlon is not None else _point(slat, slon),
        )
        for pid, school, transport, hlat, hlon, slat, slon in session.connection().execute(stmt)
    ]


def _point(lat: float | None, lon: float | None) -> Point | None:
    return (lat, lon) if lat is not None and lon is not None else None


def seats(session: Session, today: date, policy: Policy) -> Seats:
    """Today's open catalogue arranged for counting (FIND's cached catalogue: a page
    shown within its few seconds of FIND does not rebuild it)."""
    from bot.services import catalog_cache
    from bot.services.opportunities import catalog

    found = catalog_cache.open_catalog(
        session, today, lambda: catalog(session, today, policy, with_text=True)
    )
    return Seats(found, policy.walk_km)


def bucket(n: int) -> str:
    return next(label for low, high, label in BUCKETS if low <= n <= high)


@dataclass(frozen=True)
class ReachRow:
    """Students of one transportation group and the open seats they reach."""

    group: str
    students: int
    reach_none: int
    median: int
    buckets: dict[str, int]


def by_transportation(session: Session, arranged: Seats) -> list[ReachRow]:
    """Per transportation value: students, how many reach no seat, the median, buckets."""
    counts: dict[str, list[int]] = defaultdict(list)
    for who in travellers(session):
        counts[who.transportation].append(arranged.reachable(who))
    rows = []
    for group, found in sorted(counts.items()):
        found.sort()
        spread = {label: 0 for *_r, label in BUCKETS}
        for n in found:
            spread[bucket(n)] += 1
        rows.append(ReachRow(group, len(found), spread["none"], found[len(found) // 2], spread))
    return rows


def for_students(session: Session, ids: list[int], arranged: Seats) -> dict[int, int]:
    """Open seats each of these students reaches."""
    return {who.id: arranged.reachable(who) for who in travellers(session, ids)}
