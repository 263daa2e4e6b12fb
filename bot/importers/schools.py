"""Which school a school-enterprise site sits at, by the school's distinctive name words."""

from __future__ import annotations

import re
from collections.abc import Mapping

GENERIC = frozenset(
    [
        "high",
        "school",
        "academy",
        "middle",
        "elementary",
        "junior",
        "senior",
        "charter",
        "prep",
        "preparatory",
        "magnet",
        "campus",
        "center",
        "centre",
        "the",
        "of",
        "and",
        "at",
        "de",
        "la",
        "el",
        "los",
        "las",
        "unified",
        "district",
        "k8",
        "k12",
        "secondary",
        "primary",
        "community",
    ]
)


def words(name: str) -> set[str]:
    """Lower-case words of a name, punctuation dropped."""
    return set(re.findall(r"[a-z0-9]+", name.lower().replace("-", "")))


def distinctive(name: str) -> frozenset[str]:
    """A school's name minus the generic words (`Riverbend High School` -> {riverbend})."""
    return frozenset(words(name) - GENERIC)


def match_school(site_name: str, schools: Mapping[int, str]) -> tuple[int | None, str | None]:
    """(school id, None) on one clear match, else (None, why not)."""
    have = words(site_name)
    found = sorted(
        ((len(d), sid) for sid, n in schools.items() if (d := distinctive(n)) and d <= have),
        reverse=True,
    )
    if not found:
        return None, "no school's name appears in the site name"
    if len(found) > 1 and found[0][0] == found[1][0]:
        names = " / ".join(sorted(schools[sid] for n, sid in found if n == found[0][0]))
        return None, f"ambiguous: could be {names}"
    return found[0][1], None
