"""The enterprise's web pages: the facilitator's (`staff`: the rota, sales and stock, work
orders, hours, purchases, the weekly P&L with its chart) under /dashboard/, and the
public ones (`public`: a client's work-order form, the one-tap rating) outside it.

Staff pages pass the dashboard guard (CSRF, sign-in, role rule) and then reach only the
enterprises the viewer may (`dashboard.access.opportunity_in_reach`); public pages are
capability links (`/order/<token>`, `/feedback/<token>`, redacted from logs)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from bot.dashboard.access import ANY_STAFF, PUBLIC
from bot.dashboard.auth import guard

bp = Blueprint("enterprise", __name__, template_folder="templates")


@bp.before_request
def _guard() -> Any:
    """Staff pages: the dashboard's guard. Public pages: their own checks."""
    return guard() if request.path.startswith("/dashboard/") else None


RULES = {
    "enterprise.index": ANY_STAFF,
    "enterprise.detail": ANY_STAFF,
    "enterprise.add_shift": ANY_STAFF,
    "enterprise.add_purchase": ANY_STAFF,
    "enterprise.pnl": ANY_STAFF,
    "enterprise.order_form": PUBLIC,
    "enterprise.feedback": PUBLIC,
}

from bot.kinds.enterprise.pages import public, staff  # noqa: E402,F401 - routes on bp
