"""Dashboard pages. Thin: read with dashboard.queries, change through bot.services.

Every route is guarded (CSRF, sign-in, the role rule in dashboard.access) before it
runs; routes that touch one student's records also check that student is in reach.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from bot import csv_export, kinds
from bot.context import Context
from bot.dashboard import access, listing, queries
from bot.dashboard.auth import _rt, csrf_token, guard, viewer
from bot.errors import WBLError
from bot.i18n import translate
from bot.outbox import enqueue
from bot.statuses import PlacementStatus
from db.models import (
    Application,
    ConsentRecord,
    Deliverable,
    Opportunity,
    Person,
    Placement,
    TimeEntry,
)

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
bp.before_request(guard)


@bp.app_context_processor
def _inject() -> dict[str, Any]:
    from bot.dashboard.auth import current

    return {"csrf_token": csrf_token, "viewer": lambda: current().viewer}


def _scope() -> int | None:
    return access.scope(viewer(), request.endpoint)


def _act(fn: Any, *args: Any, **kwargs: Any) -> None:
    """Run one staff action in a transaction and queue the messages it returns."""
    rt = _rt()
    with rt.database.transaction() as s:
        ctx = Context(s, rt.settings, rt.clock.now(), actor=viewer().actor)
        try:
            for out in fn(ctx, *args, **kwargs) or []:
                enqueue(ctx, out)
        except WBLError as err:
            flash(translate("en", err.msgid, **err.params), "error")
            return
        except LookupError:
            abort(404)
    flash("Done.", "ok")


def _placement_in_reach(s: Any, placement: Placement | None) -> Placement:
    if placement is None:
        abort(404)
    who = viewer()
    if not (
        access.student_in_reach(s, who, placement.student_id)
        or access.opportunity_in_reach(s, who, placement.opportunity_id)
    ):
        abort(403)
    return placement


@bp.get("/")
def index() -> Any:
    if not viewer().roles & access.COORDINATING:
        return render_template("dashboard/index.html", stats=None)
    with _rt().database.transaction() as s:
        stats = queries.overview(s, _scope())
    sections = [
        (url_for("dashboard.kind_section", code=k.code, key=sec.key), translate("en", sec.title))
        for k, sec in kinds.dashboard_sections()
    ]
    return render_template("dashboard/index.html", stats=stats, sections=sections)


@bp.get("/applications")
def applications() -> Any:
    term = listing.search_term()
    with _rt().database.transaction() as s:
        page = listing.paginate(
            s, queries.applications_query(_scope(), listing.like(term) if term else "")
        )
        rows = queries.in_queue_order(s, page.rows)
    return render_template("dashboard/applications.html", rows=rows, page=page, term=term)


@bp.post("/applications/<int(max=2147483647):application_id>")
def decide_application(application_id: int) -> Any:
    from bot.services import placements

    with _rt().database.transaction() as s:
        student_id = s.scalar(
            select(Application.student_id).where(Application.id == application_id)
        )
        if student_id is None:
            abort(404)
        access.require_student(s, viewer(), student_id)
    if request.form.get("decision") == "approve":
        _act(placements.approve, application_id)
    else:
        _act(placements.decline, application_id, request.form.get("reason", "").strip()[:500])
    return redirect(url_for("dashboard.applications"))


@bp.get("/placements")
def placements_list() -> Any:
    status = request.args.get("status", "")
    term, short = listing.search_term(), bool(request.args.get("short"))
    stmt = queries.placements_query(
        _scope(), status or None, listing.like(term) if term else "", short
    )
    with _rt().database.transaction() as s:
        page = listing.paginate(s, stmt)
    return render_template(
        "dashboard/placements.html",
        page=page,
        statuses=list(PlacementStatus),
        status=status,
        term=term,
    )


@bp.get("/placements/<int(max=2147483647):placement_id>")
def placement_detail(placement_id: int) -> Any:
    from bot.services import paperwork

    rt = _rt()
    with rt.database.transaction() as s:
        placement = _placement_in_reach(s, s.get(Placement, placement_id))
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
def paper_consent(placement_id: int) -> Any:
    from bot.services import consent_answers

    back = redirect(url_for("dashboard.placement_detail", placement_id=placement_id))
    with _rt().database.transaction() as s:
        placement = s.get(Placement, placement_id)
        if placement is None:
            abort(404)
        access.require_student(s, viewer(), placement.student_id)
    form = request.form
    try:
        signed_on = date.fromisoformat(form.get("signed_on", ""))
    except ValueError:
        flash("Give the date the form was signed (YYYY-MM-DD).", "error")
        return back
    staff_person = viewer().person_id
    if staff_person is None:
        flash("Only staff on the roster can record paper consent.", "error")
        return back
    _act(
        consent_answers.record_paper_consent,
        placement_id,
        staff_person_id=staff_person,
        granted=form.get("granted") == "yes",
        method=form.get("method", "paper form")[:200],
        signed_on=signed_on,
        signer_name=form.get("signer_name", "")[:200] or None,
    )
    return back


@bp.get("/consent/<int(max=2147483647):record_id>/receipt")
def consent_receipt(record_id: int) -> Any:
    from bot.services.consent_receipt import receipt_html

    rt = _rt()
    with rt.database.transaction() as s:
        record = s.get(ConsentRecord, record_id)
        if record is None:
            abort(404)
        _placement_in_reach(s, s.get(Placement, record.placement_id))
        try:
            return receipt_html(s, record_id, rt.settings, "en")
        except LookupError:
            abort(404)


@bp.get("/flags")
def flags() -> Any:
    status, term = request.args.get("status", "pending"), listing.search_term()
    stmt = queries.flags_query(
        _scope(), status if status != "all" else None, listing.like(term) if term else ""
    )
    with _rt().database.transaction() as s:
        page = listing.paginate(s, stmt)
    return render_template("dashboard/flags.html", page=page, status=status, term=term)


@bp.get("/kinds/<code>/<key>")
def kind_section(code: str, key: str) -> Any:
    """A page an opportunity kind adds (`Kind.dashboard_sections`)."""
    found = next(
        (sec for k, sec in kinds.dashboard_sections() if (k.code, sec.key) == (code, key)), None
    )
    if found is None:
        abort(404)
    rt = _rt()
    with rt.database.transaction() as s:
        data = dict(found.run(s, Context(s, rt.settings, rt.clock.now()).today, _scope()))
    return render_template(found.template, title=translate("en", found.title), **data)


@bp.get("/partners")
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
def messages() -> Any:
    with _rt().database.transaction() as s:
        page = listing.paginate(s, queries.undelivered_query(_scope()))
    return render_template("dashboard/messages.html", page=page)


@bp.get("/audit")
def audit() -> Any:
    term = listing.search_term()
    with _rt().database.transaction() as s:
        page = listing.paginate(s, queries.audit_query(listing.like(term) if term else ""))
    return render_template("dashboard/audit.html", page=page, term=term)


@bp.get("/export/placements.csv")
def export_placements() -> Response:
    with _rt().database.transaction() as s:
        rows = queries.placements(s, _scope(), None, limit=None)
    body = csv_export.render(
        ["placement_id", "status", "starts_on", "due_on", "student", "opportunity", "employer"],
        (
            [
                r.id,
                r.status,
                r.starts_on,
                r.due_on,
                f"{r.given_name} {r.family_name}",
                r.title,
                r.name,
            ]
            for r in rows
        ),
    )
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=placements.csv"},
    )
