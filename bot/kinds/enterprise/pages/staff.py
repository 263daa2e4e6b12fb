"""The facilitator's pages: enterprises in reach, one enterprise's week (rota, misses,
hours, sales and stock, work orders), adding shifts and purchases, the weekly P&L."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for

from bot import csv_export
from bot.context import Context
from bot.dashboard import access
from bot.dashboard.auth import _rt, viewer
from bot.kinds.enterprise import rules
from bot.kinds.enterprise.pages import bp
from bot.kinds.enterprise.pages.chart import bars
from bot.kinds.enterprise.service import till, views

PNL_HEADER = ("week", "sales", "purchases", "margin", "stock_value")


def _ctx(s: Any) -> Context:
    rt = _rt()
    return Context(s, rt.settings, rt.clock.now(), actor=viewer().actor)


def _reach(s: Any, opportunity_id: int) -> views.Enterprise:
    """The enterprise, if the viewer may see it (404 for no such enterprise, else 403)."""
    found = views.enterprise(s, opportunity_id)
    if found is None:
        abort(404)
    if not access.opportunity_in_reach(s, viewer(), opportunity_id):
        abort(403)
    return found


def section(session: Any, today: date, staff_id: int | None) -> dict[str, Any]:
    """The overview's section: links to the enterprises (the dashboard_sections view)."""
    return {"title": "School businesses"}


@bp.get("/dashboard/enterprise")
def index() -> Any:
    who = viewer()
    with _rt().database.transaction() as s:
        if "admin" in who.roles:
            rows = views.enterprises(s, None)
        else:
            rows = views.enterprises(s, who.person_id or -1)
    return render_template("enterprise/index.html", rows=rows)


def _monday(ctx: Context) -> date:
    try:
        asked = date.fromisoformat(request.args.get("week", ""))
    except ValueError:
        asked = ctx.today
    return rules.week_start(asked)


@bp.get("/dashboard/enterprise/<int:opportunity_id>")
def detail(opportunity_id: int) -> Any:
    with _rt().database.transaction() as s:
        ent = _reach(s, opportunity_id)
        ctx = _ctx(s)
        monday = _monday(ctx)
        page: dict[str, Any] = {
            "ent": ent,
            "monday": monday,
            "prev": monday - timedelta(days=7),
            "next": monday + timedelta(days=7),
            "week": rules.iso_week(monday),
            "rota": views.week_rota(ctx, opportunity_id, monday),
            "students": views.students(ctx, opportunity_id),
            "orders": views.work_orders(ctx, opportunity_id),
            "stock": till.stock_lines(ctx, opportunity_id) if ent.till else [],
            "pnl": {w.week: w for w in till.pnl(ctx, opportunity_id)} if ent.till else {},
            "form_url": f"{ctx.settings.public_base_url}/order/{ent.order_token}"
            if ent.order_token
            else "",
            "tz": ctx.settings.tz,
        }
    done = [o.turnaround_h for o in page["orders"] if o.turnaround_h is not None]
    page["avg_turnaround"] = (
        (sum(done, Decimal(0)) / len(done)).quantize(Decimal("0.1")) if done else None
    )
    page["this_week"] = page["pnl"].get(page["week"])
    return render_template("enterprise/detail.html", **page, money=rules.money)


@bp.post("/dashboard/enterprise/<int:opportunity_id>/shifts")
def add_shift(opportunity_id: int) -> Any:
    form = request.form
    back = redirect(url_for("enterprise.detail", opportunity_id=opportunity_id))
    rt = _rt()
    try:
        day = date.fromisoformat(form.get("day", ""))
        start = time.fromisoformat(form.get("start", ""))
        end = time.fromisoformat(form.get("end", ""))
        seats = int(form.get("seats", ""))
        weeks = int(form.get("weeks", "1") or "1")
        if not (0 < seats <= 100 and 0 < weeks <= 20 and end > start):
            raise ValueError
    except ValueError:
        flash("Give a date, a start and a later end (HH:MM), 1-100 seats and 1-20 weeks.", "error")
        return back
    first = datetime.combine(day, start, tzinfo=rt.settings.tz)
    minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    with rt.database.transaction() as s:
        _reach(s, opportunity_id)
        n = views.add_shifts(_ctx(s), opportunity_id, first, minutes, seats, weeks)
    flash(f"{n} shift(s) added.", "ok")
    return back


@bp.post("/dashboard/enterprise/<int:opportunity_id>/purchases")
def add_purchase(opportunity_id: int) -> Any:
    form = request.form
    back = redirect(url_for("enterprise.detail", opportunity_id=opportunity_id))
    amount = rules.parse_amount(form.get("amount", ""))
    try:
        on = date.fromisoformat(form.get("on", ""))
    except ValueError:
        on = None
    if amount is None or on is None:
        flash("Give the purchase's date (YYYY-MM-DD) and amount (e.g. 42.50).", "error")
        return back
    with _rt().database.transaction() as s:
        ent = _reach(s, opportunity_id)
        if not ent.till:
            abort(404)
        till.add_purchase(_ctx(s), opportunity_id, on, amount, form.get("memo", "").strip(),
                          viewer().account_id)  # fmt: skip
    flash(f"Purchase of {rules.money(amount)} recorded.", "ok")
    return back


@bp.get("/dashboard/enterprise/<int:opportunity_id>/pnl")
def pnl(opportunity_id: int) -> Any:
    with _rt().database.transaction() as s:
        ent = _reach(s, opportunity_id)
        if not ent.till:
            abort(404)
        weeks = till.pnl(_ctx(s), opportunity_id)
    rows = [(w.week, w.sales, w.purchases, w.margin, w.stock_value) for w in weeks]
    if request.args.get("format") == "csv":
        name = f"pnl-{opportunity_id}.csv"
        return Response(
            csv_export.render(PNL_HEADER, rows),
            mimetype="text/csv",
            headers={"Content-Disposition": f"attachment; filename={name}"},
        )
    chart = bars([(w.week, w.sales, w.purchases) for w in weeks])
    return render_template(
        "enterprise/pnl.html", ent=ent, weeks=weeks, chart=chart, money=rules.money
    )
