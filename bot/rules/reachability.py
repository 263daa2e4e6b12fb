"""Can this student get there, how far is it, and in what order should they see things?

Reachability (DESIGN "Reachability"):
- remote opportunities (or ones without a site) and ones at the student's own school
  (Site.school_id == the student's school) are reachable by everyone;
- "walk": the site is within `walk_km` (1.5 km) of the student's home point (coarse
  metadata.wbl.homeLat/homeLon), or of their school when no home point is on file;
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
EASY_MODES = ("remote", "school", "walk")
REACHABLE_MODES = (*EASY_MODES, "transit", "car")
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
    lat1, lon1 = math.radians(a[0]), math.radians(a[1])
    lat2, lon2 = math.radians(b[0]), math.radians(b[1])
    x = (lon2 - lon1) * math.cos((lat1 + lat2) / 2)
    return math.hypot(x, lat2 - lat1) * _EARTH_KM


def exact_km(a: Point, b: Point) -> float:
    """Geodesic distance in km (WGS-84), the one shown to people."""
    return float(geodesic(a, b).km)


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
    if remote or site is None:
        return Reach("remote", None)
    km = quick_km(origin, site) if origin is not None else None
    if site_school_id is not None and site_school_id == student_school_id:
        return Reach("school", km)
    if km is not None and km <= walk_km * (1 + _BORDER):
        if km >= walk_km * (1 - _BORDER) and origin is not None:
            km = exact_km(origin, site)
        if km <= walk_km:
            return Reach("walk", km)
    if transportation == "car":
        return Reach("car", km)
    if site_transit:
        return Reach("transit", km)
    return Reach("ride", km)


def mode_rank(mode: str) -> int:
    """0 for remote/at school/walk, 1 for transit or car, 2 for needs a ride."""
    if mode in EASY_MODES:
        return 0
    return 1 if mode in ("transit", "car") else 2


def interest_match(cluster: str | None, interests: frozenset[str]) -> bool:
    return bool(cluster) and (cluster or "").strip().lower() in interests


def rank_key(
    *,
    place: Reach,
    scarce_for_me: bool,
    matches_interest: bool,
    seats_left: int,
    starts_on: date,
    opportunity_id: int,
) -> tuple[int, int, int, int, float, int, int, int]:
    """Sort key: smaller is a better fit (the order is documented at the top)."""
    return (
        0 if place.reachable else 1,
        1 if scarce_for_me else 0,
        0 if matches_interest else 1,
        mode_rank(place.mode),
        round(place.km or 0.0, 1),
        -seats_left,
        starts_on.toordinal(),
        opportunity_id,
    )
