"""The equity view, the reports as downloads, the student WBL record and outreach.

District aggregates (the equity view, coverage and hours reports) are readable by every
coordinator; lists and records stay within the viewer's caseload (admins: everything).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from bot import csv_export
from bot.context import Context
from bot.dashboard import access, equity_data
from bot.dashboard.auth import _rt, viewer
from bot.dashboard.views import bp
from bot.services import outreach, reach_counts
from bot.services.coverage import fields
from bot.services.hours_report import HOURS_COLUMNS, hours_rows
from bot.services.student_record import RECORD_COLUMNS, district_rows, student_record
from db.models import Org


def _today(s: Any) -> date:
    rt = _rt()
    return Context(s, rt.settings, rt.clock.now()).today


def _caseload() -> int | None:
    """Whose students a list shows: an admin's the district, a coordinator's their own."""
    who = viewer()
    return None if "admin" in who.roles else (who.person_id or -1)


def _csv(name: str, header: Any, rows: Any) -> Response:
    """A download; `rows` are read here (inside the caller's transaction)."""
    return Response(
        csv_export.render(header, rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={name}"},
    )


@bp.get("/equity")
def equity() -> Any:
    rt = _rt()
    with rt.database.transaction() as s:
        today = _today(s)
        district, sections = equity_data.coverage_sections(s)
        arranged = reach_counts.seats(s, today, rt.settings.policy)
        data = {
            "district": district,
            "sections": sections,
            "missing": equity_data.missing(s, _caseload(), arranged),
            "weeks": equity_data.weeks(s, today, rt.settings.tz),
            "kinds": equity_data.kind_table(s),
            "reach": reach_counts.by_transportation(s, arranged),
            "buckets": [label for *_r, label in reach_counts.BUCKETS],
            "today": today,
        }
    return render_template("dashboard/equity.html", **data)


@bp.get("/reports/coverage.csv")
def report_coverage() -> Response:
    with _rt().database.transaction() as s:
        try:
            groups = equity_data.cov.coverage(s, request.args.get("by", "school"))
        except LookupError:
            abort(404)
    return _csv(
        "coverage.csv",
        ("group", "students", "with_experience", "percent"),
        ([g.label, g.students, g.with_experience, g.percent] for g in groups),
    )


def _date_arg(name: str) -> date | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        abort(400)


@bp.get("/reports/hours.csv")
def report_hours() -> Response:
    start, end = _date_arg("from"), _date_arg("to")
    rt = _rt()
    with rt.database.transaction() as s:
        return _csv("wbl-hours.csv", HOURS_COLUMNS, hours_rows(s, rt.settings.tz, start, end))


@bp.get("/reports/records.csv")
def report_records() -> Response:
    with _rt().database.transaction() as s:
        return _csv("wbl-records.csv", RECORD_COLUMNS, district_rows(s, _caseload()))


@bp.get("/reports")
def reports() -> Any:
    with _rt().database.transaction() as s:
        known = fields(s)
    return render_template("dashboard/reports.html", fields=known)


@bp.get("/students/<int(max=2147483647):student_id>/record")
def student_record_page(student_id: int) -> Any:
    with _rt().database.transaction() as s:
        access.require_student(s, viewer(), student_id)
        found = student_record(s, student_id)
        if found is None:
            abort(404)
        today = _today(s)
        s.expunge_all()
    return render_template("dashboard/student_record.html", r=found, today=today)


def _audience(form: Any) -> outreach.Audience:
    def pick(name: str) -> str | None:
        return (form.get(name) or "").strip()[:64] or None

    return outreach.Audience(
        school=pick("school"),
        grade=pick("grade"),
        field=pick("field"),
        value=pick("value"),
        coordinator_id=_caseload(),
    )


@bp.get("/outreach")
def outreach_page() -> Any:
    audience = _audience(request.args)
    with _rt().database.transaction() as s:
        problem = None
        try:
            outreach.check(s, audience)
            shown = outreach.preview(s, audience)
        except LookupError as err:
            problem, shown = str(err.args[0]), None
        campaigns = outreach.recent(s)
        known = [f for f in fields(s) if f not in ("school", "grade")]
        schools = s.execute(
            select(Org.sourced_id, Org.name).where(Org.type == "school").order_by(Org.name)
        ).all()
        s.expunge_all()
    return render_template(
        "dashboard/outreach.html",
        audience=audience,
        preview=shown,
        problem=problem,
        campaigns=campaigns,
        fields=known,
        schools=schools,
    )


@bp.post("/outreach")
def outreach_send() -> Any:
    audience = _audience(request.form)
    rt = _rt()
    with rt.database.transaction() as s:
        try:
            outreach.check(s, audience)
        except LookupError as err:
            flash(str(err.args[0]), "error")
            return redirect(url_for("dashboard.outreach_page"))
        ctx = Context(s, rt.settings, rt.clock.now(), actor=viewer().actor)
        campaign = outreach.send(ctx, audience)
        queued, matched = campaign.queued, campaign.matched
    flash(
        f"Queued {queued} of {matched} students with no experience "
        "(quiet hours, the daily cap and opt-outs apply).",
        "ok",
    )
    return redirect(url_for("dashboard.outreach_page", **audience.describe_filters()))


@bp.app_template_filter("coverage_item")
def coverage_item(group: Any, gaps: set[str]) -> tuple[str, float, str, str]:
    """One coverage bar: a gap in red, a group too small to compare in grey."""
    cls = "gap" if group.label in gaps else ("" if group.comparable else "small")
    return group.label, float(group.percent), cls, f"{group.percent}%"


@bp.app_template_filter("week_item")
def week_item(week: Any) -> tuple[str, float, str]:
    return week.week[-3:], float(week.hours), str(week.hours)


@bp.app_template_filter("reach_item")
def reach_item(row: Any) -> tuple[str, float, str, str]:
    share = 100.0 * row.reach_none / row.students if row.students else 0.0
    return row.group, share, "", f"{share:.1f}%"


@bp.app_template_filter("kind_label")
def kind_label(code: str) -> str:
    return equity_data.kind_label(code)
