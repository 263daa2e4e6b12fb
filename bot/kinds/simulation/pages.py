"""The facilitator's books on the dashboard: `/dashboard/firms` (the firms they run, an
admin every firm), one firm's books (balance, P&L by month, journal with running balance
and a chart, open invoices and disputes, members' roles, logged hours to approve), its
journal as CSV, and the whole economy's trial balance. Staff actions (roles, who may pay,
a loan, a correction, a dispute's decision, hours) go through `service.staff`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for

from bot import csv_export
from bot.context import Context
from bot.dashboard.auth import _rt, guard, viewer
from bot.errors import WBLError
from bot.i18n import translate
from bot.kinds.simulation.rules import decimal, money, parse_amount
from bot.kinds.simulation.service import books, firms, staff
from bot.outbox import enqueue
from db.models import SimFirm

bp = Blueprint("simulation", __name__, url_prefix="/dashboard", template_folder="templates")
bp.before_request(guard)
BOOKS = frozenset({"admin", "facilitator"})
RULES = {
    f"simulation.{name}": BOOKS
    for name in (
        "firms", "books", "journal_csv", "economy", "roles", "member_role", "loan", "reverse",
        "dispute", "hours",
    )
}  # fmt: skip
_ID = 2**31 - 1
_FIRM = "<string(maxlength=16):code>"


def _admin() -> bool:
    return "admin" in viewer().roles


def _firm_or_404(s: Any, code: str) -> firms.FirmView:
    view = firms.by_code(s, code)
    if view is None:
        abort(404)
    if not books.may_see(s, view.id, viewer().person_id, _admin()):
        abort(403)
    return view


@bp.app_template_filter("money")
def _money(cents: int) -> str:
    return money(cents)


@bp.get("/firms", endpoint="firms")
def firms_list() -> Any:
    with _rt().database.transaction() as s:
        rows = books.in_reach(s, viewer().person_id, _admin())
    return render_template("simulation/firms.html", rows=rows)


@bp.get("/firms/economy")
def economy() -> Any:
    with _rt().database.transaction() as s:
        rows = books.trial_balance(s)
    return render_template("simulation/economy.html", rows=rows, total=sum(c for _, c in rows))


def chart(
    points: list[tuple[datetime, int]], width: int = 600, height: int = 180
) -> dict[str, Any]:
    """The balance over time as an SVG polyline (x: transaction order, y: balance)."""
    if not points:
        return {"points": "", "zero": None, "width": width, "height": height}
    values = [b for _, b in points] + [0]
    low, high = min(values), max(values)
    span = (high - low) or 1
    step = width / max(len(points) - 1, 1)

    def y(v: int) -> float:
        return round(height - 10 - (v - low) * (height - 20) / span, 1)

    coords = " ".join(f"{round(i * step, 1)},{y(b)}" for i, (_, b) in enumerate(points))
    return {"points": coords, "zero": y(0), "width": width, "height": height,
            "low": low, "high": high}  # fmt: skip


@bp.get(f"/firms/{_FIRM}", endpoint="books")
def books_page(code: str) -> Any:
    rt = _rt()
    with rt.database.transaction() as s:
        view = _firm_or_404(s, code)
        ctx = Context(s, rt.settings, rt.clock.now())
        journal = books.journal(s, view)
        page = dict(
            firm=view,
            record=s.get(SimFirm, view.id),
            balance=firms.balance(s, view),
            pnl=books.pnl(s, view, rt.settings.tz, ctx.today),
            journal=journal,
            chart=chart(books.balance_points(journal)),
            invoices=books.invoices(s, view.id),
            members=firms.members(s, view.id),
            hours=staff.pending_hours(ctx, view.id),
            tz=rt.settings.tz,
        )
    return render_template("simulation/books.html", **page)


@bp.get(f"/firms/{_FIRM}/journal.csv")
def journal_csv(code: str) -> Response:
    rt = _rt()
    with rt.database.transaction() as s:
        view = _firm_or_404(s, code)
        lines = books.journal(s, view)
    body = csv_export.render(
        ["id", "date", "kind", "counterparty", "memo", "amount", "balance", "corrects"],
        (
            [
                ln.id,
                ln.at.astimezone(rt.settings.tz).date(),
                ln.kind,
                ln.other,
                ln.memo,
                decimal(ln.amount),
                decimal(ln.balance),
                ln.corrects_id,
            ]  # fmt: skip
            for ln in lines
        ),
    )
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=journal-{view.code}.csv"},
    )


def _act(code: str, fn: Callable[..., list[Any]], *args: Any) -> Any:
    """One staff action on one firm in a transaction; its messages queued; back to the books."""
    rt = _rt()
    with rt.database.transaction() as s:
        view = _firm_or_404(s, code)
        ctx = Context(s, rt.settings, rt.clock.now(), actor=viewer().actor)
        try:
            for out in fn(ctx, view.id, *args):
                enqueue(ctx, out)
        except WBLError as err:
            s.rollback()
            flash(translate("en", err.msgid, **err.params), "error")
            return redirect(url_for("simulation.books", code=view.code))
        except LookupError:
            abort(404)
    flash("Done.", "ok")
    return redirect(url_for("simulation.books", code=view.code))


def _int(name: str) -> int:
    raw = request.form.get(name, "")
    if not raw.isdigit() or not 0 < int(raw) <= _ID:
        abort(400)
    return int(raw)


@bp.post(f"/firms/{_FIRM}/roles")
def roles(code: str) -> Any:
    form = request.form
    return _act(code, staff.set_roles, form.get("roles", "")[:400], form.getlist("pay_roles"))


@bp.post(f"/firms/{_FIRM}/member-role")
def member_role(code: str) -> Any:
    return _act(code, staff.set_member_role, _int("person_id"), request.form.get("role", "")[:32])


@bp.post(f"/firms/{_FIRM}/loan")
def loan(code: str) -> Any:
    amount = parse_amount(request.form.get("amount", ""))
    if not amount:
        flash("Give an amount above zero, like 500 or 1,250.50.", "error")
        return redirect(url_for("simulation.books", code=code))
    return _act(code, staff.loan, amount, request.form.get("memo", "")[:140])


@bp.post(f"/firms/{_FIRM}/reverse")
def reverse(code: str) -> Any:
    return _act(code, staff.reverse, _int("txn_id"))


@bp.post(f"/firms/{_FIRM}/dispute")
def dispute(code: str) -> Any:
    return _act(code, staff.decide_dispute, _int("invoice_id"), request.form.get("uphold") == "yes")


@bp.post(f"/firms/{_FIRM}/hours")
def hours(code: str) -> Any:
    approve = request.form.get("decision") == "approve"
    reason = request.form.get("reason", "")[:300]
    return _act(code, staff.decide_hours, _int("entry_id"), approve, viewer().person_id, reason)
