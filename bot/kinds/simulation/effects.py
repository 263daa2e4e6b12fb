"""The economy's writes a member's message decides on, each applied by its service."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.effects import KindEffect

HERE = "bot.kinds.simulation.service.trading"


@dataclass(frozen=True)
class IssueInvoice(KindEffect):
    service: ClassVar[str] = f"{HERE}:issue_invoice"
    person_id: int
    firm_id: int
    billed_id: int
    amount: int
    memo: str


@dataclass(frozen=True)
class PayInvoice(KindEffect):
    service: ClassVar[str] = f"{HERE}:pay_invoice"
    person_id: int
    firm_id: int
    invoice_id: int


@dataclass(frozen=True)
class Transfer(KindEffect):
    service: ClassVar[str] = f"{HERE}:transfer"
    person_id: int
    firm_id: int
    payee_id: int
    amount: int
    memo: str


@dataclass(frozen=True)
class Dispute(KindEffect):
    service: ClassVar[str] = f"{HERE}:dispute"
    person_id: int
    firm_id: int
    invoice_id: int
    reason: str
