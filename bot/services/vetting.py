"""Vetting status of every opportunity, derived from the newest dated checks."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.rules.vetting import DEFAULT_POLICY, PartnerFacts, VettingPolicy, meets_minors, problems
from db.models import Employer, Opportunity, VettingCheck


def _latest(session: Session, kind: str, column: str, key: str) -> dict[int, date | None]:
    """subject id -> the date on its most recently recorded check of `kind`.

    The newest record wins even when its date is earlier: a correction takes effect.
    """
    col = getattr(VettingCheck, column)
    keycol = getattr(VettingCheck, key)
    rows = session.execute(
        select(keycol, col)
        .where(VettingCheck.kind == kind, keycol.is_not(None))
        .order_by(VettingCheck.recorded_at, VettingCheck.id)
    ).all()
    return {k: v for k, v in rows}


def problems_by_opportunity(
    session: Session,
    today: date,
    policy: VettingPolicy = DEFAULT_POLICY,
    opportunity_ids: list[int] | None = None,
) -> dict[int, list[str]]:
    """opportunity id -> vetting problem codes (empty list: vetted) for active ones."""
    agreements = _latest(session, "agreement", "completed_on", "employer_id")
    insurance = _latest(session, "insurance", "expires_on", "employer_id")
    checks = _latest(session, "background_check", "completed_on", "supervisor_id")
    stmt = (
        select(
            Opportunity.id,
            Opportunity.kind,
            Opportunity.remote,
            Opportunity.site_id,
            Opportunity.supervisor_id,
            Employer.id,
            Employer.kind,
        )
        .join(Employer, Employer.id == Opportunity.employer_id)
        .where(Opportunity.active.is_(True))
    )
    if opportunity_ids is not None:
        stmt = stmt.where(Opportunity.id.in_(opportunity_ids))
    result: dict[int, list[str]] = {}
    for opp_id, kind, remote, site_id, sup_id, emp_id, emp_kind in session.execute(stmt):
        facts = PartnerFacts(
            employer_kind=emp_kind,
            on_site=bool(site_id) and not remote,
            meets_minors=meets_minors(kind, emp_kind),
            agreement_signed=agreements.get(emp_id),
            insurance_expires=insurance.get(emp_id),
            background_check=checks.get(sup_id) if sup_id else None,
        )
        result[opp_id] = problems(facts, today, policy)
    return result
