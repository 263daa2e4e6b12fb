"""District policy: every value a district may set, typed, in one place (`Settings.policy`).

Loaded once at startup from the TOML file named by `WBL_POLICY_FILE` (see
`docs/policy.example.toml`); a key left out keeps its default. `load_policy` fails fast
with a ConfigError naming the file, the key and the problem (unknown key, wrong type,
out of range). The README's Configuration section lists every key with its default.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from bot.errors import ConfigError

SOFT_SKILLS = (
    "communication",
    "teamwork",
    "reliability",
    "professionalism",
    "problem_solving",
    "initiative",
)  # the rubric's vocabulary: each has a translated name in services.ratings
EMPLOYER_KINDS = ("business", "nonprofit", "public_agency", "virtual_partner", "school_enterprise")


@dataclass(frozen=True)
class Policy:
    """District policy values (documented in README "Configuration" with these defaults)."""

    # delivery (rules.delivery): non-urgent messages wait out quiet hours and a daily cap
    quiet_start_hour: int = 21
    quiet_end_hour: int = 8
    daily_cap: int = 3
    # finding (rules.reachability, rules.eligibility)
    walk_km: float = 1.5
    scarce_seats: int = 1
    min_age_floor: int = 14
    # consent (services.consent, services.consent_answers)
    consent_all_guardians: bool = False
    consent_reminder_hours: tuple[int, ...] = (48, 120)
    consent_paper_after_h: int = 24
    # vetting (rules.vetting)
    background_check_years: int = 2
    agreement_years: int = 0  # 0: a signed agreement does not lapse
    insurance_for: tuple[str, ...] = ("business", "nonprofit", "public_agency")
    # soft-skill ratings (services.ratings)
    skills: tuple[str, ...] = SOFT_SKILLS
    rating_round_days: int = 14
    # shifts (services.shifts): nudge for OUT, then close, after the expected end
    shift_nudge_grace_h: float = 1.0
    shift_autoclose_h: float = 4.0
    # supervisor nudges (services.nudges)
    supervisor_remind_after_h: int = 48
    supervisor_digest_gap_h: int = 4
    supervisor_digests_per_day: int = 2


_RANGES: dict[str, tuple[float, float]] = {
    "quiet_start_hour": (0, 23),
    "quiet_end_hour": (0, 23),
    "daily_cap": (1, 50),
    "walk_km": (0.1, 20),
    "scarce_seats": (0, 100),
    "min_age_floor": (0, 21),
    "consent_reminder_hours": (1, 24 * 30),
    "consent_paper_after_h": (1, 24 * 14),
    "background_check_years": (1, 10),
    "agreement_years": (0, 20),
    "rating_round_days": (1, 90),
    "shift_nudge_grace_h": (0, 24),
    "shift_autoclose_h": (0.5, 48),
    "supervisor_remind_after_h": (1, 24 * 14),
    "supervisor_digest_gap_h": (1, 24),
    "supervisor_digests_per_day": (1, 10),
}
_CHOICES: dict[str, tuple[str, ...]] = {"insurance_for": EMPLOYER_KINDS, "skills": SOFT_SKILLS}
_TYPES = {f.name: str(f.type) for f in fields(Policy)}


def _check(key: str, value: Any) -> Any:
    """The value converted to the field's type, or a ValueError saying what is wrong."""
    kind = _TYPES[key]
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"must be true or false, not {value!r}")
        return value
    if kind.startswith("tuple"):
        if not isinstance(value, list) or not value:
            raise ValueError(f"must be a non-empty list, not {value!r}")
        items = tuple(_check_scalar(key, kind[6:-6], v) for v in value)
        if len(set(items)) != len(items):
            raise ValueError("has a repeated value")
        return items
    return _check_scalar(key, kind, value)


def _check_scalar(key: str, kind: str, value: Any) -> Any:
    if kind == "str":
        if value not in _CHOICES[key]:
            raise ValueError(f"{value!r} is not one of {', '.join(_CHOICES[key])}")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"must be a number, not {value!r}")
    if kind == "int" and not isinstance(value, int):
        raise ValueError(f"must be a whole number, not {value!r}")
    low, high = _RANGES[key]
    if not low <= value <= high:
        raise ValueError(f"{value!r} is out of range ({low:g} to {high:g})")
    return float(value) if kind == "float" else value


def policy_from(values: dict[str, Any], source: str = "policy") -> Policy:
    """A Policy from parsed TOML values; ConfigError naming the first bad key."""
    changes: dict[str, Any] = {}
    for key, value in values.items():
        if key not in _TYPES:
            known = ", ".join(sorted(_TYPES))
            raise ConfigError(f"{source}: unknown key {key!r} (known keys: {known})")
        try:
            changes[key] = _check(key, value)
        except ValueError as err:
            raise ConfigError(f"{source}: {key}: {err}") from None
    policy = replace(Policy(), **changes)
    hours = policy.consent_reminder_hours
    if list(hours) != sorted(hours):
        raise ConfigError(f"{source}: consent_reminder_hours: must be in increasing order")
    if policy.shift_autoclose_h <= policy.shift_nudge_grace_h:
        raise ConfigError(f"{source}: shift_autoclose_h: must be later than shift_nudge_grace_h")
    return policy


def load_policy(path: str | None) -> Policy:
    """The district's policy from the TOML file at `path`; the defaults when None or ''."""
    if not path:
        return Policy()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(f"WBL_POLICY_FILE: cannot read {path}: {err.strerror}") from None
    try:
        values = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"WBL_POLICY_FILE {path}: not valid TOML: {err}") from None
    return policy_from(values, f"WBL_POLICY_FILE {path}")
