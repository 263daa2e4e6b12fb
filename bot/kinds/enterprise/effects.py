"""The enterprise kind's writes, as the chat decides them (applied by its services in the
turn's savepoint; each service checks again and raises WBLError when the world moved)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from bot.effects import KindEffect

ROTA = "bot.kinds.enterprise.service.rota"
TILL = "bot.kinds.enterprise.service.till"
ORDERS = "bot.kinds.enterprise.service.orders"


@dataclass(frozen=True)
class TakeShift(KindEffect):
    service: ClassVar[str] = f"{ROTA}:take"
    student_id: int
    shift_id: int
    placement_id: int
    language: str


@dataclass(frozen=True)
class DropShift(KindEffect):
    service: ClassVar[str] = f"{ROTA}:drop"
    student_id: int
    shift_id: int


@dataclass(frozen=True)
class MarkMissed(KindEffect):
    service: ClassVar[str] = f"{ROTA}:mark_missed"
    take_id: int


@dataclass(frozen=True)
class RecordSales(KindEffect):
    service: ClassVar[str] = f"{TILL}:record_sales"
    student_id: int
    shift_id: int
    amount: Decimal


@dataclass(frozen=True)
class CountStock(KindEffect):
    service: ClassVar[str] = f"{TILL}:count_stock"
    student_id: int
    item_id: int
    count: Decimal


@dataclass(frozen=True)
class ClaimOrder(KindEffect):
    service: ClassVar[str] = f"{ORDERS}:claim"
    student_id: int
    order_id: int


@dataclass(frozen=True)
class FinishOrder(KindEffect):
    service: ClassVar[str] = f"{ORDERS}:finish"
    student_id: int
    order_id: int
    note: str


@dataclass(frozen=True)
class MailRequester(KindEffect):
    service: ClassVar[str] = f"{ORDERS}:mail"
    order_id: int
    what: str  # received | done
    link: str = ""  # the rating link (done)
