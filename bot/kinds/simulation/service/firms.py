"""Firms and their members: who belongs to which firm, with which role.

A member is a student with a ready placement on one of the firm's opportunities (its
teams); the facilitator gives each a role, and may name the roles that may pay.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.kinds.simulation.service import ledger
from bot.statuses import PlacementStatus
from db.models import Person, Placement, SimAccount, SimFirm, SimMember, SimTeam


@dataclass(frozen=True)
class FirmView:
    id: int
    code: str
    name: str
    account_id: int
    facilitator_id: int | None
    pay_roles: tuple[str, ...]


@dataclass(frozen=True)
class Membership:
    firm: FirmView
    role: str | None


def _view(firm: SimFirm, account_id: int) -> FirmView:
    return FirmView(
        firm.id, firm.code, firm.name, account_id, firm.facilitator_id, tuple(firm.pay_roles or ())
    )


_FIRM = select(SimFirm, SimAccount.id).join(SimAccount, SimAccount.firm_id == SimFirm.id)


def firm(session: Session, firm_id: int) -> FirmView | None:
    row = session.execute(_FIRM.where(SimFirm.id == firm_id)).first()
    return _view(*row) if row else None


def by_code(session: Session, code: str) -> FirmView | None:
    row = session.execute(_FIRM.where(SimFirm.code == code.upper())).first()
    return _view(*row) if row else None


def all_codes(session: Session) -> list[str]:
    return list(session.scalars(select(SimFirm.code).order_by(SimFirm.code)))


def membership(session: Session, person_id: int) -> Membership | None:
    """The firm a student belongs to (a ready placement on one of its teams), with role."""
    row = session.execute(
        _FIRM.join(SimTeam, SimTeam.firm_id == SimFirm.id)
        .join(Placement, Placement.opportunity_id == SimTeam.opportunity_id)
        .where(Placement.student_id == person_id, Placement.status == PlacementStatus.READY)
        .order_by(SimFirm.id)
        .limit(1)
    ).first()
    if row is None:
        return None
    view = _view(*row)
    role = session.scalar(
        select(SimMember.role).where(SimMember.firm_id == view.id, SimMember.person_id == person_id)
    )
    return Membership(view, role)


Member = tuple[int, str, str, str | None]  # (person id, language, full name, role)


def members_of(session: Session, firm_ids: list[int]) -> dict[int, list[Member]]:
    """Every member of these firms by firm, each by name (one statement)."""
    rows = session.execute(
        select(
            SimTeam.firm_id, Person.id, Person.language, Person.given_name, Person.family_name,
            SimMember.role,
        )
        .join(Placement, Placement.opportunity_id == SimTeam.opportunity_id)
        .join(Person, Person.id == Placement.student_id)
        .outerjoin(
            SimMember, (SimMember.person_id == Person.id) & (SimMember.firm_id == SimTeam.firm_id)
        )
        .where(SimTeam.firm_id.in_(firm_ids), Placement.status == PlacementStatus.READY)
        .order_by(SimTeam.firm_id, Person.family_name, Person.given_name, Person.id)
        .distinct()
    ).all()  # fmt: skip
    found: dict[int, list[Member]] = {}
    for firm_id, pid, lang, given, family, role in rows:
        found.setdefault(firm_id, []).append((pid, lang, f"{given} {family}", role))
    return found


def members(session: Session, firm_id: int) -> list[Member]:
    """(person id, language, full name, role) of every member, by name."""
    return members_of(session, [firm_id]).get(firm_id, [])


def balance(session: Session, view: FirmView) -> int:
    return ledger.balance(session, view.account_id)
