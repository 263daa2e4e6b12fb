"""Can this student get there, how far is it, and in what order should they see things?

Reachability (DESIGN "Reachability"):
- remote opportunities (or ones without a site; whether one is remote is its kind's
  judgement, `Kind.is_remote`, applied when the catalog is read) and ones at the
  student's own school (Site.school_id == the student's school) are reachable by everyone;
- "walk": the site is within `walk_km` (district policy, default 1.5 km) of the student's
  home point (coarse metadata.wbl.homeLat/homeLon), or of their school when none is on file;
- "transit": the site's `transit` flag;
- a student with a car (transportation "car") reaches everything ("car");
- anything else is "ride": the student would need someone to drive them.

Choice for unreachable on-site opportunities: they are NOT hidden (a family member may
be able to drive), but they always sort after every reachable one and are labelled
"needs a ride, 12 km" in lists and details, so a student without a car is never offered
one as if it were reachable.

Ranking by fit, in this order (see `rank_key`):
1. reachable before "needs a ride";
2. equity: for a student who already has WBL experience (an open or completed
   placement), scarce opportunities (<= 1 seat left) sort after the others, leaving the
   last seat for first-timers; `placements.applications_queue` puts first-timers first
   when a coordinator reviews a scarce opportunity;
3. career-cluster interest match (metadata.wbl.interests);
4. how easy the trip is: remote / at your school / walkable, then transit / car;
5. distance (km from home, or from school when no home point);
6. more seats left first; 7. earlier start date first.

Distances: geopy's `geodesic` for every distance shown and every walk/no-walk decision
near the threshold; a fast equirectangular estimate (error well under 1% at district
scale) sorts the thousands of candidates, so ranking 5,000 opportunities stays cheap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from geopy.distance import geodesic

Point = tuple[float, float]
_EARTH_KM = 6371.0088
_BORDER = 0.03  # within 3% of the walk threshold: decide with geodesic


@dataclass(frozen=True)
class Reach:
    """How a student would get to one opportunity, and how far it is (km, None if remote)."""

    mode: str  # remote|school|walk|transit|car|ride
    km: float | None

    @property
    def reachable(self) -> bool:
        return self.mode != "ride"


def quick_km(a: Point, b: Point) -> float:
    """Equirectangular distance estimate in km (for sorting, not for display)."""
    return Origin(a).km_to(b)


def exact_km(a: Point, b: Point) -> float:
    """Geodesic distance in km (WGS-84), the one shown to people."""
    return float(geodesic(a, b).km)


class Origin:
    """A student's home (or school) with what the fast distance estimate needs precomputed."""

    __slots__ = ("point", "_cos", "_scale")

    def __init__(self, point: Point) -> None:
        self.point = point
        self._cos = math.cos(math.radians(point[0]))
        self._scale = math.radians(1.0) * _EARTH_KM

    def km_to(self, site: Point) -> float:
        dx = (site[1] - self.point[1]) * self._cos
        return math.hypot(dx, site[0] - self.point[0]) * self._scale


def reach(
    *,
    transportation: str,
    origin: Point | None,
    student_school_id: int | None,
    remote: bool,
    site: Point | None,
    site_school_id: int | None,
    site_transit: bool,
    walk_km: float,
) -> Reach:
    """Decide how the student reaches one opportunity (distances are quick estimates)."""
    here = Origin(origin) if origin else None
    km = here.km_to(site) if here is not None and site is not None and not remote else None
    at_school = site_school_id is not None and site_school_id == student_school_id
    mode = classify(transportation, here, km, at_school, remote, site, site_transit, walk_km)
    return Reach(mode, km)


def classify(
    transportation: str,
    origin: Origin | None,
    km: float | None,
    at_school: bool,
    remote: bool,
    site: Point | None,
    site_transit: bool,
    walk_km: float,
) -> str:
    """The mode (the rule behind `reach`), positional and allocation-free for ranking.

    `km` is the quick estimate from `origin`; near the walk threshold the geodesic decides.
    """
    if remote or site is None:
        return "remote"
    if at_school:
        return "school"
    if _walkable(origin, km, site, walk_km):
        return "walk"
    if transportation == "car":
        return "car"
    if site_transit:
        return "transit"
    return "ride"


def _walkable(origin: Origin | None, km: float | None, site: Point, walk_km: float) -> bool:
    """Within walking distance; the geodesic decides within 3% of the threshold."""
    if km is None or origin is None or km > walk_km * (1 + _BORDER):
        return False
    return km < walk_km * (1 - _BORDER) or exact_km(origin.point, site) <= walk_km


def walkable(origin: Origin, km: float, site: Point, walk_km: float) -> bool:
    """Within walking distance of `origin` (`km`: the quick estimate), by the rule above."""
    return _walkable(origin, km, site, walk_km)


MODE_RANK = {"remote": 0, "school": 0, "walk": 0, "transit": 1, "car": 1, "ride": 2}


# rank_key packs the sort key into one integer (no allocation per candidate, which keeps
# the garbage collector quiet when 5,000 are ranked): from the most significant field,
# needs-a-ride (1 bit), scarce-for-me (1), no interest match (1), mode rank (2),
# distance in 100 m steps (17), seats left inverted (10), start day (20).
_KM_STEPS, _SEATS, _DAYS = 1 << 17, 1 << 10, 1 << 20


def rank_key(
    mode: str,
    km: float | None,
    scarce_for_me: bool,
    matches_interest: bool,
    seats_left: int,
    starts_on: date,
) -> int:
    """Sort key: smaller is a better fit (the order is documented at the top)."""
    key = (mode == "ride") * 2 + scarce_for_me
    key = (key * 2 + (not matches_interest)) * 4 + MODE_RANK[mode]
    key = key * _KM_STEPS + (min(int(km * 10 + 0.5), _KM_STEPS - 1) if km else 0)
    key = key * _SEATS + (_SEATS - 1 - min(max(seats_left, 0), _SEATS - 1))
    return key * _DAYS + (starts_on.toordinal() % _DAYS)
