"""Dashboard pages. Thin: read with dashboard.queries, change through bot.services."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import select

from bot import kinds
from bot.context import Context
from bot.dashboard import queries
from bot.dashboard.auth import check_csrf, check_login, csrf_token, login_required
from bot.errors import WBLError
from bot.i18n import translate
from bot.outbox import enqueue
from bot.runtime import Runtime
from db.models import ConsentRecord, Deliverable, Opportunity, Person, Placement, TimeEntry

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
bp.before_request(check_csrf)


@bp.app_context_processor
def _inject() -> dict[str, Any]:
    return {"csrf_token": csrf_token}


def _rt() -> Runtime:
    from bot.web import runtime_of_app

    return runtime_of_app()


def _scope() -> int | None:
    """The signed-in coordinator's id for 'my caseload', None for the whole district."""
    return None if request.args.get("all") else int(session["staff_id"])


def _act(fn: Any, *args: Any, **kwargs: Any) -> None:
    """Run one coordinator action in a transaction and queue the messages it returns."""
    rt = _rt()
    with rt.database.transaction() as s:
        ctx = Context(s, rt.settings, rt.clock.now(), actor=f"staff:{session['staff_id']}")
        try:
            for out in fn(ctx, *args, **kwargs) or []:
                enqueue(ctx, out)
        except WBLError as err:
            flash(translate("en", err.msgid, **err.params), "error")
            return
        except LookupError:
            abort(404)
    flash("Done.", "ok")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "POST":
        staff_id = check_login(
            _rt(), request.form.get("email", ""), request.form.get("password", "")
        )
        if staff_id is None:
            flash("Wrong email or password.", "error")
            return render_template("dashboard/login.html"), 401
        session.clear()
        session["staff_id"] = staff_id
        target = request.args.get("next", "")
        return redirect(target if target.startswith("/dashboard") else url_for("dashboard.index"))
    return render_template("dashboard/login.html")


@bp.post("/logout")
def logout() -> Any:
    session.clear()
    return redirect(url_for("dashboard.login"))


@bp.get("/")
@login_required
def index() -> Any:
    with _rt().database.transaction() as s:
        stats = queries.overview(s, _scope())
    sections = [
        (url_for("dashboard.kind_section", code=k.code, key=sec.key), translate("en", sec.title))
        for k, sec in kinds.dashboard_sections()
    ]
    return render_template("dashboard/index.html", stats=stats, sections=sections)


@bp.get("/applications")
@login_required
def applications() -> Any:
    with _rt().database.transaction() as s:
        rows = queries.applications(s, _scope())
    return render_template("dashboard/applications.html", rows=rows)


@bp.post("/applications/<int(max=2147483647):application_id>")
@login_required
def decide_application(application_id: int) -> Any:
    from bot.services import placements

    if request.form.get("decision") == "approve":
        _act(placements.approve, application_id)
    else:
        _act(placements.decline, application_id, request.form.get("reason", "").strip()[:500])
    return redirect(url_for("dashboard.applications"))


@bp.get("/placements")
@login_required
def placements_list() -> Any:
    with _rt().database.transaction() as s:
        rows = queries.placements(s, _scope(), request.args.get("status") or None)
    return render_template("dashboard/placements.html", rows=rows)


@bp.get("/placements/<int(max=2147483647):placement_id>")
@login_required
def placement_detail(placement_id: int) -> Any:
    from bot.services import paperwork

    rt = _rt()
    with rt.database.transaction() as s:
        placement = s.get(Placement, placement_id) or abort(404)
        ctx = Context(s, rt.settings, rt.clock.now())
        data = {
            "today": ctx.today,
            "p": placement,
            "student": s.get(Person, placement.student_id),
            "opp": s.get(Opportunity, placement.opportunity_id),
            "missing": paperwork.missing(ctx, placement),
            "records": s.scalars(
                select(ConsentRecord)
                .where(ConsentRecord.placement_id == placement_id)
                .order_by(ConsentRecord.id)
            ).all(),
            "entries": s.scalars(
                select(TimeEntry)
                .where(TimeEntry.placement_id == placement_id)
                .order_by(TimeEntry.id)
            ).all(),
            "deliverables": s.scalars(
                select(Deliverable).where(Deliverable.placement_id == placement_id)
            ).all(),
        }
    return render_template("dashboard/placement.html", **data)


@bp.post("/placements/<int(max=2147483647):placement_id>/paper-consent")
@login_required
def paper_consent(placement_id: int) -> Any:
    from bot.services import consent_answers

    form = request.form
    try:
        signed_on = date.fromisoformat(form.get("signed_on", ""))
    except ValueError:
        flash("Give the date the form was signed (YYYY-MM-DD).", "error")
        return redirect(url_for("dashboard.placement_detail", placement_id=placement_id))
    _act(
        consent_answers.record_paper_consent,
        placement_id,
        staff_person_id=int(session["staff_id"]),
        granted=form.get("granted") == "yes",
        method=form.get("method", "paper form")[:200],
        signed_on=signed_on,
        signer_name=form.get("signer_name", "")[:200] or None,
    )
    return redirect(url_for("dashboard.placement_detail", placement_id=placement_id))


@bp.get("/consent/<int(max=2147483647):record_id>/receipt")
@login_required
def consent_receipt(record_id: int) -> Any:
    from bot.services.consent_receipt import receipt_html

    rt = _rt()
    with rt.database.transaction() as s:
        try:
            return receipt_html(s, record_id, rt.settings)
        except LookupError:
            abort(404)


@bp.get("/flags")
@login_required
def flags() -> Any:
    with _rt().database.transaction() as s:
        rows = queries.flags(s, _scope())
    return render_template("dashboard/flags.html", rows=rows)


@bp.get("/kinds/<code>/<key>")
@login_required
def kind_section(code: str, key: str) -> Any:
    """A page an opportunity kind adds (`Kind.dashboard_sections`)."""
    found = next(
        (sec for k, sec in kinds.dashboard_sections() if (k.code, sec.key) == (code, key)), None
    )
    if found is None:
        abort(404)
    rt = _rt()
    with rt.database.transaction() as s:
        data = dict(found.view(s, Context(s, rt.settings, rt.clock.now()).today, _scope()))
    return render_template(found.template, title=translate("en", found.title), **data)


@bp.get("/partners")
@login_required
def partners() -> Any:
    from bot.services.vetting import problems_by_opportunity

    rt = _rt()
    with rt.database.transaction() as s:
        today = Context(s, rt.settings, rt.clock.now()).today
        problems = problems_by_opportunity(s, today, rt.settings.policy)
        opps = s.scalars(
            select(Opportunity)
            .where(Opportunity.active.is_(True))
            .order_by(Opportunity.title)
            .limit(500)
        ).all()
        employers, supervisors = queries.vetting_subjects(s)
    return render_template(
        "dashboard/partners.html",
        opps=opps,
        problems=problems,
        employers=employers,
        supervisors=supervisors,
        today=today,
    )


@bp.post("/partners/checks")
@login_required
def record_check() -> Any:
    from bot.services.vetting import record_check as record

    form = request.form
    try:
        on = date.fromisoformat(form.get("on", ""))
        subject = int(form.get("subject_id", ""))
        if not 0 < subject < 2**31:
            raise ValueError(subject)
    except ValueError:
        flash("Choose who the check is for and give a date (YYYY-MM-DD).", "error")
        return redirect(url_for("dashboard.partners"))

    def run(ctx: Context) -> list[Any]:
        record(ctx, form.get("kind", ""), subject, on)
        return []

    _act(run)
    return redirect(url_for("dashboard.partners"))


@bp.get("/messages")
@login_required
def messages() -> Any:
    with _rt().database.transaction() as s:
        rows = queries.undelivered(s)
    return render_template("dashboard/messages.html", rows=rows)


@bp.get("/audit")
@login_required
def audit() -> Any:
    with _rt().database.transaction() as s:
        rows = queries.audit(s)
    return render_template("dashboard/audit.html", rows=rows)


@bp.get("/export/placements.csv")
@login_required
def export_placements() -> Response:
    with _rt().database.transaction() as s:
        rows = queries.placements(s, _scope(), None, limit=None)
    buf = io.StringIO()
    out = csv.writer(buf)
    out.writerow(
        ["placement_id", "status", "starts_on", "due_on", "student", "opportunity", "employer"]
    )
    for r in rows:
        out.writerow(
            [
                r.id,
                r.status,
                r.starts_on,
                r.due_on,
                f"{r.given_name} {r.family_name}",
                r.title,
                r.name,
            ]
        )
    return Response(
        buf.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=placements.csv"},
    )
