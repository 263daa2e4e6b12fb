"""Partners on the dashboard: create and edit opportunities and employers (checked as the
importer checks a CSV row), renew vetting checks in bulk, send an employer a private
proposal link, and approve what employers propose into the catalogue."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from bot import kinds
from bot.context import Context
from bot.dashboard.auth import _rt, viewer
from bot.dashboard.views import _act, bp
from bot.errors import WBLError
from bot.i18n import translate
from bot.importers.partner_rows import EMPLOYER_KINDS
from bot.services import partner_forms, proposals
from bot.services.vetting import CHECK_KINDS
from db.models import Employer, Opportunity, OpportunityProposal, Person, Site, Supervisor

ID = "int(max=2147483647)"


def _choices(s: Any) -> dict[str, Any]:
    """What the opportunity form offers: employers, their sites and supervisors."""
    return {
        "employers": s.execute(
            select(Employer.id, Employer.name)
            .where(Employer.active.is_(True))
            .order_by(Employer.name)
        ).all(),
        "sites": s.execute(select(Site.id, Site.name, Site.employer_id).order_by(Site.name)).all(),
        "supervisors": s.execute(
            select(
                Supervisor.person_id, Person.given_name, Person.family_name, Supervisor.employer_id
            )
            .join(Person, Person.id == Supervisor.person_id)
            .order_by(Person.given_name)
        ).all(),
        "kinds": kinds.codes(),
    }


def _opportunity_form(
    opp: Opportunity | None, form: Any, error: str = "", status: int = 200
) -> Any:
    with _rt().database.transaction() as s:
        choices = _choices(s)
    return render_template(
        "dashboard/opportunity_form.html", opp=opp, form=form, error=error, **choices
    ), status


@bp.get("/opportunities/new")
def opportunity_new() -> Any:
    return _opportunity_form(None, {"employer_id": request.args.get("employer", "")})


@bp.get(f"/opportunities/<{ID}:opp_id>/edit")
def opportunity_edit(opp_id: int) -> Any:
    with _rt().database.transaction() as s:
        opp = s.get(Opportunity, opp_id)
        if opp is None:
            abort(404)
        s.expunge(opp)
    form = {
        "employer_id": opp.employer_id,
        "site_id": opp.site_id or "",
        "supervisor_id": opp.supervisor_id or "",
        "kind": opp.kind,
        "title": opp.title,
        "description": opp.description,
        "deliverables": opp.deliverables,
        "est_hours": opp.est_hours,
        "seats": opp.seats,
        "career_cluster": opp.career_cluster or "",
        "min_age": opp.min_age,
        "starts": opp.starts_on,
        "due": opp.due_on,
        "remote": "yes" if opp.remote else "",
    }
    return _opportunity_form(opp, form)


@bp.post("/opportunities")
@bp.post(f"/opportunities/<{ID}:opp_id>")
def opportunity_save(opp_id: int | None = None) -> Any:
    form = request.form
    rt = _rt()
    try:
        with rt.database.transaction() as s:
            ctx = Context(s, rt.settings, rt.clock.now(), actor=viewer().actor)
            refs = {k: form.get(f"{k}_id", "") for k in ("employer", "site", "supervisor")}
            opp = partner_forms.save_opportunity(
                ctx, partner_forms.opportunity_values(form), refs, opp_id
            )
            saved = opp.id
    except WBLError as err:
        return _opportunity_form(None, form, translate("en", err.msgid, **err.params), 400)
    except LookupError:
        abort(404)
    flash(f"Saved opportunity {saved}.", "ok")
    return redirect(url_for("dashboard.partners"))


@bp.route("/employers/new", methods=["GET", "POST"])
@bp.route(f"/employers/<{ID}:employer_id>/edit", methods=["GET", "POST"])
def employer_form(employer_id: int | None = None) -> Any:
    rt = _rt()
    with rt.database.transaction() as s:
        employer = s.get(Employer, employer_id) if employer_id else None
        if employer_id and employer is None:
            abort(404)
        current = (
            {k: getattr(employer, k) or "" for k in partner_forms.EMPLOYER_FIELDS}
            if employer
            else {}
        )
    if request.method == "GET":
        return render_template(
            "dashboard/employer_form.html",
            form=current,
            kinds=EMPLOYER_KINDS,
            error="",
            employer_id=employer_id,
        )
    try:
        with rt.database.transaction() as s:
            ctx = Context(s, rt.settings, rt.clock.now(), actor=viewer().actor)
            saved = partner_forms.save_employer(ctx, request.form, employer_id).id
    except WBLError as err:
        error = translate("en", err.msgid, **err.params)
        page = render_template(
            "dashboard/employer_form.html",
            form=request.form,
            kinds=EMPLOYER_KINDS,
            error=error,
            employer_id=employer_id,
        )
        return page, 400
    flash(f"Saved employer {saved}.", "ok")
    return redirect(url_for("dashboard.opportunity_new", employer=saved))


@bp.get("/partners/renew")
def renew_page() -> Any:
    rt = _rt()
    with rt.database.transaction() as s:
        choices = _choices(s)
    today = Context(s, rt.settings, rt.clock.now()).today
    return render_template(
        "dashboard/renew.html", **{**choices, "kinds": CHECK_KINDS, "today": today}
    )


@bp.post("/partners/renew")
def renew_checks() -> Any:
    form = request.form
    try:
        on = date.fromisoformat(form.get("on", ""))
        ids = [int(v) for v in form.getlist("subject_id") if v.isdigit() and len(v) < 10]
    except ValueError:
        flash("Give the date (YYYY-MM-DD).", "error")
        return redirect(url_for("dashboard.renew_page"))
    if not ids:
        flash("Tick at least one.", "error")
        return redirect(url_for("dashboard.renew_page"))
    _act(partner_forms.renew_all, form.get("kind", ""), ids, on)
    return redirect(url_for("dashboard.partners"))


_SENT = {
    "email": "emailed to the employer's contact email",
    "text": "texted to the employer's contact phone",
}


@bp.post("/proposals/invite")
def proposal_link() -> Any:
    """Make an employer's private proposal link and send it (email or text)."""
    raw = request.form.get("employer_id", "")
    if not raw.isdigit() or len(raw) > 9:
        abort(400)
    rt = _rt()
    with rt.database.transaction() as s:
        ctx = Context(s, rt.settings, rt.clock.now(), actor=viewer().actor)
        try:
            link, sent = proposals.invite(ctx, int(raw))
        except LookupError:
            abort(404)
    how = _SENT.get(sent, "not sent (no contact email or phone): send it yourself")
    flash(f"Proposal link ({how}): {link}", "ok")
    return redirect(url_for("dashboard.proposals_list"))


@bp.route("/proposal/<token>", methods=["GET", "POST"])
def proposal_form(token: str) -> Any:
    """The employer's private page (no sign-in: the link is the capability)."""
    rt = _rt()
    with rt.database.transaction() as s:
        ctx = Context(s, rt.settings, rt.clock.now(), actor="employer")
        found = proposals.open_by_token(ctx, token)
        if found is None:
            return render_template("dashboard/proposal_gone.html"), 404
        employer = s.get(Employer, found.employer_id)
        sites = s.execute(
            select(Site.id, Site.name).where(Site.employer_id == found.employer_id)
        ).all()
        if request.method == "POST":
            try:
                with s.begin_nested():
                    proposals.submit(ctx, found, request.form)
            except WBLError as err:
                error = translate("en", err.msgid, **err.params)
                return render_template(
                    "dashboard/proposal_form.html",
                    employer=employer,
                    sites=sites,
                    form=request.form,
                    kinds=kinds.codes(),
                    error=error,
                    token=token,
                ), 400
            return render_template("dashboard/proposal_thanks.html", employer=employer)
        return render_template(
            "dashboard/proposal_form.html",
            employer=employer,
            sites=sites,
            form={},
            kinds=kinds.codes(),
            error="",
            token=token,
        )


@bp.get("/proposals")
def proposals_list() -> Any:
    with _rt().database.transaction() as s:
        rows = s.execute(
            select(OpportunityProposal, Employer.name)
            .join(Employer, Employer.id == OpportunityProposal.employer_id)
            .order_by(OpportunityProposal.id.desc())
            .limit(200)
        ).all()
        employers = s.execute(select(Employer.id, Employer.name).order_by(Employer.name)).all()
    return render_template("dashboard/proposals.html", rows=rows, employers=employers)


@bp.post(f"/proposals/<{ID}:proposal_id>")
def proposal_decide(proposal_id: int) -> Any:
    _act(proposals.decide, proposal_id, request.form.get("decision") == "approve")
    return redirect(url_for("dashboard.proposals_list"))
