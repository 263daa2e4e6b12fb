"""The sample district's class economy: three firms (CVO, RBT, OHF, $5,000.00 each) and
members placed on their teams, for chat, service and page tests.

    def test_x(economy, chat):
        chat.texts(economy.cvo[0], "BALANCE")
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest
from sqlalchemy import select, text

from bot.kinds.simulation.service import ledger
from db.models import Person, SimTransaction
from db.session import Database
from tests.support.district import District, load_district
from tests.support.factories import Factory

TEAMS = {"CVO": "opp-14", "RBT": "opp-16", "OHF": "opp-17"}
SCHOOL_YEAR_END = date(2027, 6, 11)  # members stay placed past the month-ends tested


@dataclass
class Economy:
    district: District
    members: dict[str, list[Person]] = field(default_factory=dict)

    @property
    def cvo(self) -> list[Person]:
        return self.members["CVO"]

    @property
    def rbt(self) -> list[Person]:
        return self.members["RBT"]

    @property
    def ohf(self) -> list[Person]:
        return self.members["OHF"]

    def facilitator(self, code: str) -> Person:
        return self.district.person({"CVO": "staff-1", "RBT": "staff-2", "OHF": "staff-3"}[code])


def place(make: Factory, district: District, students: dict[str, list[str]]) -> Economy:
    """Place the named students (sourced ids) on each firm's team, ready to work."""
    found = Economy(district)
    for code, ids in students.items():
        opp = district.opportunity(TEAMS[code])
        found.members[code] = []
        for sourced in ids:
            person = district.person(sourced)
            make.placement(person, opp, due_on=SCHOOL_YEAR_END)
            found.members[code].append(person)
    return found


def balances(database: Database) -> dict[str, int]:
    with database.transaction() as s:
        return ledger.balances(s)


def journal_agrees(database: Database) -> bool:
    """Every balance equals the sum of its journal lines, and all of them sum to zero."""
    with database.transaction() as s:
        held = ledger.balances(s)
        rows = s.execute(
            select(
                SimTransaction.from_account_id,
                SimTransaction.to_account_id,
                SimTransaction.amount_cents,
            )  # fmt: skip
        ).all()
        codes = dict(s.execute(text("SELECT id, code FROM sim_accounts")).all())
    mine = dict.fromkeys(held, 0)
    for source, target, amount in rows:
        mine[codes[source]] -= amount
        mine[codes[target]] += amount
    return mine == held and sum(held.values()) == 0


@pytest.fixture
def economy(database, clock, make) -> Economy:
    """CVO: student-1 (Leah), student-5; RBT: student-2; OHF: student-4."""
    district = load_district(database, clock)
    return place(
        make,
        district,
        {"CVO": ["student-1", "student-5"], "RBT": ["student-2"], "OHF": ["student-4"]},
    )
