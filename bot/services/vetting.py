"""Vetting status of every opportunity, derived from the newest dated checks."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import kinds
from bot.context import Context
from bot.errors import WBLError
from bot.i18n import N_
from bot.policy import Policy
from bot.rules.vetting import PartnerFacts, meets_minors, problems
from db import trail
from db.models import Employer, Opportunity, Supervisor, VettingCheck


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
    policy: Policy,
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
            on_site=kinds.get(kind).on_site(remote, site_id is not None),
            meets_minors=meets_minors(kind, emp_kind),
            agreement_signed=agreements.get(emp_id),
            insurance_expires=insurance.get(emp_id),
            background_check=checks.get(sup_id) if sup_id else None,
        )
        result[opp_id] = problems(facts, today, policy)
    return result


CHECK_KINDS = {"agreement": "employer", "insurance": "employer", "background_check": "supervisor"}


def record_check(ctx: Context, kind: str, subject_id: int, on: date) -> VettingCheck:
    """Record a new vetting check (a coordinator renewed it); the newest record counts.

    agreement: signed on `on`; insurance: certificate valid until `on`;
    background_check: completed on `on`.
    """
    if kind not in CHECK_KINDS:
        raise WBLError(N_("Unknown kind of check."))
    if kind == "background_check":
        if ctx.session.get(Supervisor, subject_id) is None:
            raise WBLError(N_("No such supervisor."))
    elif ctx.session.get(Employer, subject_id) is None:
        raise WBLError(N_("No such employer."))
    if kind != "insurance" and on > ctx.today:
        raise WBLError(N_("A check can't be completed in the future."))
    check = VettingCheck(
        kind=kind,
        employer_id=subject_id if CHECK_KINDS[kind] == "employer" else None,
        supervisor_id=subject_id if kind == "background_check" else None,
        completed_on=None if kind == "insurance" else on,
        expires_on=on if kind == "insurance" else None,
        source="dashboard",
        recorded_at=ctx.now,
    )
    ctx.session.add(check)
    ctx.session.flush()
    trail.record(
        ctx.session,
        at=ctx.now,
        actor=ctx.actor,
        action=f"vetting:{kind}",
        entity=CHECK_KINDS[kind],
        entity_id=subject_id,
        details={"on": on.isoformat()},
    )
    return check
