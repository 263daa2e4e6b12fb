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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.policy import Policy
from bot.rules.eligibility import OpportunityFacts
from bot.rules.reachability import Origin, walkable
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
        self.source = catalog  # the (cached) catalogue this was arranged from
        self.walk_km = walk_km
        self.everyone = 0  # remote, or a transit site
        self.total = 0
        self.at_school: dict[int, int] = defaultdict(int)  # school-run sites, by school
        # walkable candidates by grid cell: (site, seats, the school running it)
        self.grid: dict[tuple[int, int], list[tuple[Point, int, int | None]]] = defaultdict(list)
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
            self.grid[self._key(opp.site)].append((opp.site, seats, opp.site_school_id))
        # the cells from which some walkable site is at most one cell away
        self.near = {
            (r + dr, c + dc) for r, c in self.grid for dr in (-1, 0, 1) for dc in (-1, 0, 1)
        }

    def _key(self, point: Point) -> tuple[int, int]:
        return math.floor(point[0] / self.cell), math.floor(point[1] / self.lon_cell)

    def reachable(self, who: Traveller) -> int:
        """Open seats this student reaches (the rule in the module docstring)."""
        return self.count(who.school_id, who.transportation, who.origin)

    def count(self, school_id: int | None, transportation: str, origin: Point | None) -> int:
        if transportation == "car":
            return self.total
        found = self.everyone + self.at_school.get(school_id or -1, 0)
        if origin is None:
            return found
        row, col = key = self._key(origin)
        if key not in self.near:
            return found
        here, walk_km = Origin(origin), self.walk_km
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                for site, seats, school in self.grid.get((row + dr, col + dc), ()):
                    if school is not None and school == school_id:
                        continue  # counted with the school's own
                    if walkable(here, here.km_to(site), site, walk_km):
                        found += seats
        return found


def travellers(session: Session, ids: list[int] | None = None) -> list[Traveller]:
    """Active students (or exactly `ids`) with school, transport and home or school point."""
    return [Traveller(*row) for row in _rows(session, ids)]


def _rows(
    session: Session, ids: list[int] | None
) -> Iterator[tuple[int, int | None, str, Point | None]]:
    """(person id, school id, transportation, home or else school point) per active student."""
    schools = {
        oid: _point(lat, lon) for oid, lat, lon in session.execute(select(Org.id, Org.lat, Org.lon))
    }
    stmt = (
        select(
            Student.person_id,
            Student.school_id,
            Student.transportation,
            Student.home_lat,
            Student.home_lon,
        )
        .join(Person, Person.id == Student.person_id)
        .where(Person.active.is_(True))
    )
    if ids is not None:
        stmt = stmt.where(Student.person_id.in_(ids))
    for pid, school, transport, lat, lon in session.connection().execute(stmt):
        home = (lat, lon) if lat is not None and lon is not None else schools.get(school)
        yield pid, school, (transport or "none").lower(), home


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


_SPREADS: dict[Any, tuple[Any, list[ReachRow]]] = {}  # engine -> (catalogue, rows)


def by_transportation(session: Session, arranged: Seats) -> list[ReachRow]:
    """Per transportation value: students, how many reach no seat, the median, buckets.

    Worked out again whenever the catalogue is (FIND's cache: a write to the catalogue's
    tables in this process, or 30 s); a student added meanwhile shows with the next one."""
    engine = session.get_bind().engine
    hit = _SPREADS.get(engine)
    if hit is not None and hit[0] is arranged.source:
        return hit[1]
    counts: dict[str, list[int]] = defaultdict(list)
    count = arranged.count
    for _pid, school, transport, origin in _rows(session, None):
        counts[transport].append(count(school, transport, origin))
    rows = []
    for group, found in sorted(counts.items()):
        found.sort()
        spread = {label: 0 for *_r, label in BUCKETS}
        for n in found:
            spread[bucket(n)] += 1
        rows.append(ReachRow(group, len(found), spread["none"], found[len(found) // 2], spread))
    _SPREADS[engine] = (arranged.source, rows)
    return rows


def for_students(session: Session, ids: list[int], arranged: Seats) -> dict[int, int]:
    """Open seats each of these students reaches."""
    return {who.id: arranged.reachable(who) for who in travellers(session, ids)}
