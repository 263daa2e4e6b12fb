"""Employer vetting (DESIGN "Vetting"): which checks a partner needs and whether they hold.

Defaults, settable per district (bot.policy: background_check_years, agreement_years,
insurance_for):
- employer agreement signed: every partner;
- insurance certificate in date: on-site work at a business, nonprofit or public agency
  (not virtual partners or school enterprises; blank means not on file);
- supervisor background check, valid 2 years: wherever the supervisor meets minors
  (on site or by video — every kind but a class simulation run by school staff).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot import kinds
from bot.policy import Policy


@dataclass(frozen=True)
class PartnerFacts:
    employer_kind: str
    on_site: bool  # the student works at the partner's site
    meets_minors: bool  # on site or by video
    agreement_signed: date | None
    insurance_expires: date | None
    background_check: date | None


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def problems(facts: PartnerFacts, today: date, policy: Policy) -> list[str]:
    """Codes of what is missing or expired: agreement, insurance, background_check."""
    found: list[str] = []
    signed = facts.agreement_signed
    if (
        signed is None
        or signed > today
        or (policy.agreement_years and add_years(signed, policy.agreement_years) < today)
    ):
        found.append("agreement")
    if (
        facts.on_site
        and facts.employer_kind in policy.insurance_for
        and (facts.insurance_expires is None or facts.insurance_expires < today)
    ):
        found.append("insurance")
    check = facts.background_check
    if facts.meets_minors and (
        check is None or add_years(check, policy.background_check_years) < today
    ):
        found.append("background_check")
    return found


def meets_minors(opportunity_kind: str, employer_kind: str) -> bool:
    """Whether the supervisor meets minors: the kind says (a class simulation run by a
    school facilitator needs no outside check: `Kind.no_background_check_with`)."""
    return kinds.get(opportunity_kind).meets_minors(employer_kind)
