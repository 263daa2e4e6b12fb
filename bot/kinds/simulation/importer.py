"""Partner file `firms.csv`: class firms, upserted by `firm_id` (the code people type).

`firm_id, name, org_sourced_id, opportunity_ids, facilitator_sourced_id,
opening_balance, rent, tax_rate`. A new firm gets its ledger account and its opening
balance granted from the central account. A changed row updates the firm's name, school,
teams, facilitator, rent and rate; the opening grant, once posted, is history (a changed
`opening_balance` is reported, and a facilitator corrects the ledger on the dashboard).
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.importers.csvio import Row, read_table
from bot.importers.report import ImportReport
from bot.kinds.simulation.rules import CENTRAL, parse_amount, parse_rate
from bot.kinds.simulation.service import ledger
from db.models import Opportunity, Org, Person, SimFirm, SimTeam

FILE = "firms.csv"
COLUMNS = (
    "firm_id", "name", "org_sourced_id", "opportunity_ids", "facilitator_sourced_id",
    "opening_balance", "rent", "tax_rate",
)  # fmt: skip
CODE = re.compile(r"^[A-Z][A-Z0-9]{1,15}$")
DEFAULT_ROLES = ["CEO", "CFO", "Sales", "Marketing", "HR"]


class _Reject(ValueError):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column, self.reason = column, reason


def import_firms(
    session: Session,
    folder: Path,
    report: ImportReport,
    now: datetime,
    shift_days: int,
    tz: ZoneInfo,
) -> None:
    """Read `firms.csv` in the import's transaction (a kind's partner-file hook)."""
    table = read_table(folder, FILE, COLUMNS, report)
    seen: set[str] = set()
    for row in table if table else ():
        try:
            values = _parse(session, row, seen)
        except _Reject as err:
            report.error(FILE, row.line, err.column, err.reason)
            report.count("firms", "rejected")
            continue
        outcome = _upsert(session, values, now, report, row.line)
        report.count("firms", outcome)


def _amount(row: Row, column: str) -> int:
    cents = parse_amount(row.get(column))
    if cents is None:
        raise _Reject(column, f"{row.get(column)!r} is not an amount (like 5000.00)")
    return cents


def _parse(session: Session, row: Row, seen: set[str]) -> dict[str, Any]:
    code = row.get("firm_id").upper()
    if not CODE.match(code) or code == CENTRAL.upper():
        raise _Reject("firm_id", "a firm code is 2-16 letters or digits, starting with a letter")
    if code in seen:
        raise _Reject("firm_id", f"{code} appears twice in the file")
    if not row.get("name"):
        raise _Reject("name", "empty")
    org = session.scalar(select(Org.id).where(Org.sourced_id == row.get("org_sourced_id")))
    if org is None:
        raise _Reject("org_sourced_id", f"unknown org {row.get('org_sourced_id')!r}")
    opportunities = []
    for external in filter(None, (o.strip() for o in row.get("opportunity_ids").split(";"))):
        found = session.scalar(select(Opportunity.id).where(Opportunity.external_id == external))
        if found is None:
            raise _Reject("opportunity_ids", f"unknown opportunity {external!r}")
        owner = session.scalar(
            select(SimFirm.code)
            .join(SimTeam, SimTeam.firm_id == SimFirm.id)
            .where(SimTeam.opportunity_id == found)
        )
        if owner not in (None, code):
            raise _Reject("opportunity_ids", f"{external!r} is already a team of {owner}")
        opportunities.append(found)
    rate = parse_rate(row.get("tax_rate"))
    if rate is None:
        raise _Reject("tax_rate", "a fraction from 0 to below 1, like 0.08")
    seen.add(code)
    return dict(
        code=code, name=row.get("name"), org_id=org, opportunities=opportunities,
        facilitator=row.get("facilitator_sourced_id"), opening=_amount(row, "opening_balance"),
        rent=_amount(row, "rent"), rate=rate,
    )  # fmt: skip


def _facilitator(session: Session, sourced_id: str, report: ImportReport, line: int) -> int | None:
    if not sourced_id:
        return None
    found = session.scalar(
        select(Person.id).where(Person.sourced_id == sourced_id, Person.kind == "staff")
    )
    if found is None:
        report.warn(FILE, line, "facilitator_sourced_id", f"no staff member {sourced_id!r}")
    return found


def _upsert(
    session: Session, v: dict[str, Any], now: datetime, report: ImportReport, line: int
) -> str:
    facilitator = _facilitator(session, v["facilitator"], report, line)
    firm = session.scalar(select(SimFirm).where(SimFirm.code == v["code"]))
    terms = dict(
        name=v["name"], org_id=v["org_id"], facilitator_id=facilitator, rent_cents=v["rent"],
        tax_rate=Decimal(v["rate"]),
    )  # fmt: skip
    if firm is None:
        firm = SimFirm(
            code=v["code"], opening_cents=v["opening"], roles=list(DEFAULT_ROLES), pay_roles=[],
            created_at=now, updated_at=now, **terms,
        )  # fmt: skip
        session.add(firm)
        session.flush()
        _teams(session, firm.id, v["opportunities"])
        account = ledger.account(session, firm.code, firm.id)
        if firm.opening_cents > 0:
            ledger.post(
                session, at=now, kind="grant", source=ledger.central(session).id,
                target=account.id, amount=firm.opening_cents, actor="import",
                memo="opening balance",
            )  # fmt: skip
        return "created"
    if v["opening"] != firm.opening_cents:
        report.warn(
            FILE, line, "opening_balance",
            "the opening grant is already in the ledger; correct it on the dashboard",
        )  # fmt: skip
    teams = set(session.scalars(select(SimTeam.opportunity_id).where(SimTeam.firm_id == firm.id)))
    changed = teams != set(v["opportunities"]) or any(
        getattr(firm, k) != val for k, val in terms.items()
    )
    if not changed:
        return "unchanged"
    for key, value in terms.items():
        setattr(firm, key, value)
    firm.updated_at = now
    for team in session.scalars(select(SimTeam).where(SimTeam.firm_id == firm.id)):
        session.delete(team)
    session.flush()
    _teams(session, firm.id, v["opportunities"])
    return "updated"


def _teams(session: Session, firm_id: int, opportunities: list[int]) -> None:
    session.add_all(
        SimTeam(opportunity_id=o, firm_id=firm_id) for o in dict.fromkeys(opportunities)
    )
    session.flush()
