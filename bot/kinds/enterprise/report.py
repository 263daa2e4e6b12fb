"""`wbl report pnl OPPORTUNITY_ID`: the weekly P&L of a till enterprise as CSV."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import csv_export
from bot.context import Context
from bot.kinds.enterprise.service import till
from bot.kinds.enterprise.service.common import CODE
from bot.settings import Settings
from db.models import Opportunity

HEADER = ("week", "sales", "purchases", "margin", "stock_value")


def pnl_csv(session: Session, settings: Settings, now: datetime, external_id: str) -> str | None:
    """The CSV (None: no enterprise with a till has this opportunity_id)."""
    opp = session.scalar(
        select(Opportunity.id).where(
            Opportunity.external_id == external_id, Opportunity.kind == CODE
        )
    )
    ctx = Context(session, settings, now, actor="cli")
    if opp is None or not till.is_till(ctx, opp):
        return None
    rows = [(w.week, w.sales, w.purchases, w.margin, w.stock_value) for w in till.pnl(ctx, opp)]
    return csv_export.render(HEADER, rows)
