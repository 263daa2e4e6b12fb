"""The till of a selling enterprise: a shift's sales (SALES), stock counts against the item
list (STOCK), purchases (the dashboard) and the weekly P&L (dashboard and `wbl report pnl`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from bot.context import Context
from bot.kinds.enterprise import rules
from bot.kinds.enterprise import texts as T
from bot.kinds.enterprise.effects import CountStock, RecordSales
from bot.kinds.enterprise.service.common import supervisor
from bot.messages import Outbound
from bot.statuses import ShiftTakeStatus as Take
from db import trail
from db.models import (
    EnterpriseProfile,
    Item,
    Opportunity,
    Purchase,
    Sale,
    Shift,
    ShiftTake,
    StockCount,
)

CENT = Decimal("0.01")
SALES_WINDOW = timedelta(hours=18)  # SALES counts for a till shift that ended this recently


@dataclass(frozen=True)
class TillShift:
    shift_id: int
    starts_at: datetime
    sales: Decimal | None  # already recorded


def till_shift(ctx: Context, student_id: int) -> TillShift | None:
    """The student's latest worked till shift (started, ended at most 18 h ago)."""
    row = ctx.session.execute(
        select(Shift.id, Shift.starts_at, Sale.amount)
        .join(ShiftTake, ShiftTake.shift_id == Shift.id)
        .join(EnterpriseProfile, EnterpriseProfile.opportunity_id == Shift.opportunity_id)
        .outerjoin(Sale, Sale.shift_id == Shift.id)
        .where(
            ShiftTake.student_id == student_id,
            ShiftTake.status == Take.WORKED,
            EnterpriseProfile.till.is_(True),
            Shift.starts_at <= ctx.now,
            Shift.ends_at >= ctx.now - SALES_WINDOW,
        )
        .order_by(Shift.starts_at.desc())
        .limit(1)
    ).first()
    return TillShift(*row) if row else None


def record_sales(ctx: Context, e: RecordSales) -> list[Outbound]:
    """One amount per shift: a second SALES replaces the first."""
    row = ctx.session.scalar(select(Sale).where(Sale.shift_id == e.shift_id))
    if row is None:
        row = Sale(shift_id=e.shift_id, student_id=e.student_id, amount=e.amount)
        ctx.session.add(row)
    row.amount, row.student_id, row.recorded_at = e.amount, e.student_id, ctx.now
    ctx.session.flush()
    trail.record(
        ctx.session, at=ctx.now, actor=ctx.actor, action="till:sales", entity="shift",
        entity_id=e.shift_id, details={"amount": str(e.amount)},
    )  # fmt: skip
    return []


@dataclass(frozen=True)
class ItemView:
    id: int
    item: str
    unit: str
    par: Decimal
    low_told_on: date | None


def items(ctx: Context, opportunity_ids: list[int]) -> dict[int, list[ItemView]]:
    """The stock list of each of these enterprises (those that have one)."""
    rows = ctx.session.execute(
        select(Item.opportunity_id, Item.id, Item.item, Item.unit, Item.par, Item.low_told_on)
        .where(Item.opportunity_id.in_(opportunity_ids))
        .order_by(Item.item)
    ).all()
    found: dict[int, list[ItemView]] = {}
    for opp, item_id, name, unit, par, told in rows:
        found.setdefault(opp, []).append(ItemView(item_id, name, unit, par, told))
    return found


def count_stock(ctx: Context, e: CountStock) -> list[Outbound]:
    """Record a count; below par, tell the supervisor (once a day per item)."""
    item = ctx.session.get(Item, e.item_id)
    assert item is not None
    ctx.session.add(
        StockCount(item_id=item.id, student_id=e.student_id, count=e.count, counted_at=ctx.now)
    )
    if e.count >= item.par or item.low_told_on == ctx.today:
        return []
    item.low_told_on = ctx.today
    boss = supervisor(ctx, item.opportunity_id)
    opp = ctx.session.get(Opportunity, item.opportunity_id)
    if boss is None or opp is None:
        return []
    text = ctx.tr(boss.language)(
        T.SUP_LOW, title=opp.title[:40], item=item.item, count=_num(e.count), unit=item.unit,
        par=_num(item.par),
    )  # fmt: skip
    return [Outbound(text, to=boss.id, urgent=True, category="supervisor")]


def _num(value: Decimal) -> str:
    return f"{value.normalize():f}"


def add_purchase(
    ctx: Context, opportunity_id: int, on: date, amount: Decimal, memo: str, account_id: int | None
) -> Purchase:
    row = Purchase(
        opportunity_id=opportunity_id, on=on, amount=amount, memo=memo[:255],
        staff_account_id=account_id, created_at=ctx.now,
    )  # fmt: skip
    ctx.session.add(row)
    ctx.session.flush()
    trail.record(
        ctx.session, at=ctx.now, actor=ctx.actor, action="till:purchase", entity="opportunity",
        entity_id=opportunity_id, details={"purchase": row.id, "amount": str(amount)},
    )  # fmt: skip
    return row


# --- the weekly P&L -------------------------------------------------------------------------
@dataclass(frozen=True)
class Week:
    week: str  # 2026-W49
    sales: Decimal
    purchases: Decimal
    stock_value: Decimal  # the last count of each item by the week's end, at unit cost

    @property
    def margin(self) -> Decimal:
        return self.sales - self.purchases


def pnl(ctx: Context, opportunity_id: int) -> list[Week]:
    """Sales (by the shift's local day), purchases and stock value per ISO week, oldest first."""
    tz = ctx.settings.tz
    money: dict[date, list[Decimal]] = {}  # Monday -> [sales, purchases]
    sales = ctx.session.execute(
        select(Shift.starts_at, Sale.amount)
        .join(Sale, Sale.shift_id == Shift.id)
        .where(Shift.opportunity_id == opportunity_id)
    ).all()
    for starts_at, amount in sales:
        monday = rules.week_start(starts_at.astimezone(tz).date())
        money.setdefault(monday, [Decimal(0), Decimal(0)])[0] += amount
    bought = ctx.session.execute(
        select(Purchase.on, Purchase.amount).where(Purchase.opportunity_id == opportunity_id)
    ).all()
    for on, amount in bought:
        money.setdefault(rules.week_start(on), [Decimal(0), Decimal(0)])[1] += amount
    counts = ctx.session.execute(
        select(StockCount.counted_at, StockCount.item_id, StockCount.count, Item.unit_cost)
        .join(Item, Item.id == StockCount.item_id)
        .where(Item.opportunity_id == opportunity_id)
        .order_by(StockCount.counted_at, StockCount.id)
    ).all()
    for counted_at, *_rest in counts:
        money.setdefault(rules.week_start(counted_at.astimezone(tz).date()), [Decimal(0)] * 2)
    weeks = []
    for monday in sorted(money):
        end = datetime.combine(monday + timedelta(days=7), datetime.min.time(), tzinfo=tz)
        last: dict[int, Decimal] = {}
        for counted_at, item_id, count, cost in counts:
            if counted_at < end:
                last[item_id] = count * cost
        s, p = money[monday]
        value = sum(last.values(), Decimal(0)).quantize(CENT)
        weeks.append(Week(rules.iso_week(monday), s, p, value))
    return weeks


def stock_lines(
    ctx: Context, opportunity_id: int
) -> list[tuple[str, str, Decimal, Decimal | None]]:
    """Each item's (name, unit, par, last count or None) for the dashboard."""
    latest = (
        select(StockCount.item_id, func.max(StockCount.id).label("last"))
        .group_by(StockCount.item_id)
        .subquery()
    )
    rows = ctx.session.execute(
        select(Item.item, Item.unit, Item.par, StockCount.count)
        .outerjoin(latest, latest.c.item_id == Item.id)
        .outerjoin(StockCount, StockCount.id == latest.c.last)
        .where(Item.opportunity_id == opportunity_id)
        .order_by(Item.item)
    ).all()
    return [(n, u, p, c) for n, u, p, c in rows]


def is_till(ctx: Context, opportunity_id: int) -> bool:
    return bool(
        ctx.session.scalar(
            select(EnterpriseProfile.till).where(EnterpriseProfile.opportunity_id == opportunity_id)
        )
    )
