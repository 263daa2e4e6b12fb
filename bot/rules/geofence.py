"""Is a clock event at the site? Geodesic distance against the site's circle, pure.

The rule (one place for the flows, the check-in page and the dashboard):

- A point is *implausible* when it is not a finite latitude/longitude, sits on "null
  island" (within 1 km of 0,0: what broken GPS stacks report), or lies more than
  `MAX_PLAUSIBLE_KM` from the site (a far ocean, another continent). Implausible points
  are never recorded: the chat asks again and the check-in page answers 400.
- `verified` when distance - min(accuracy, ACCURACY_CAP_M) <= radius: a reported
  accuracy widens the circle, but by at most 100 m, so a coarse fix cannot stretch it.
- A fix whose accuracy is worse than `MAX_ACCURACY_M` (cell-tower level) says nothing
  about a 75-100 m site: it is `unverified` whatever its distance.
- Otherwise `outside`. Outside and unverified clock events are recorded and flagged for
  review, never refused (basements and bad GPS happen).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from geopy.distance import geodesic

from bot.statuses import Verdict

ACCURACY_CAP_M = 100.0  # the most a reported accuracy may widen the site's circle
MAX_ACCURACY_M = 250.0  # coarser fixes (cell towers, IP) cannot verify anything
MAX_PLAUSIBLE_KM = 500.0  # farther from the site than this: not a real clock-in point
NULL_ISLAND_KM = 1.0


@dataclass(frozen=True)
class Fence:
    """A site's circle."""

    lat: float
    lon: float
    radius_m: float


@dataclass(frozen=True)
class Assessment:
    """What a point says about presence at a site."""

    distance_m: float
    verdict: Verdict  # verified|outside|unverified
    reason: str | None = None  # outside|imprecise


def valid_point(lat: float, lon: float) -> bool:
    """True for a finite point on the globe that is not null island."""
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return False
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        return False
    if abs(lat) > _NEAR_NULL_DEG or abs(lon) > _NEAR_NULL_DEG:
        return True  # over 5 km from 0,0: no need to measure
    return float(geodesic((lat, lon), (0.0, 0.0)).km) > NULL_ISLAND_KM


_NEAR_NULL_DEG = 0.05  # a degree is over 110 km at the equator, so 0.05 deg is over 5 km


def valid_accuracy(accuracy_m: float | None) -> bool:
    """Accuracy is optional; when given it must be a finite, non-negative number."""
    return accuracy_m is None or (math.isfinite(accuracy_m) and accuracy_m >= 0)


@lru_cache(maxsize=256)  # plausible() then assess() measure the same fix
def distance_m(fence: Fence, lat: float, lon: float) -> float:
    """Geodesic distance in metres from the site's centre."""
    return float(geodesic((fence.lat, fence.lon), (lat, lon)).meters)


def plausible(fence: Fence | None, lat: float, lon: float, accuracy_m: float | None) -> bool:
    """True when the point could be a real clock-in fix (see the module rule)."""
    if not (valid_point(lat, lon) and valid_accuracy(accuracy_m)):
        return False
    return fence is None or distance_m(fence, lat, lon) <= MAX_PLAUSIBLE_KM * 1000


def assess(fence: Fence, lat: float, lon: float, accuracy_m: float | None) -> Assessment:
    """Verdict for a plausible point against the site's circle."""
    distance = distance_m(fence, lat, lon)
    accuracy = accuracy_m or 0.0
    if accuracy > MAX_ACCURACY_M:
        return Assessment(round(distance, 1), Verdict.UNVERIFIED, "imprecise")
    if distance - min(accuracy, ACCURACY_CAP_M) <= fence.radius_m:
        return Assessment(round(distance, 1), Verdict.VERIFIED)
    return Assessment(round(distance, 1), Verdict.OUTSIDE, "outside")
