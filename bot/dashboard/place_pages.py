"""Sites and supervisors on the dashboard: a list to find them, and one form each to create
and edit them (checked as the importer checks a CSV row, audited)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from bot.context import Context
from bot.dashboard.auth import _rt, viewer
from bot.dashboard.views import bp
from bot.errors import WBLError
from bot.i18n import translate
from bot.services import partner_places
from db.models import Employer, Person, Site, Supervisor

ID = "int(max=2147483647)"
LIMIT = 200
# (name, label, input type) per form; "employer_id" is a choice of employer
SITE = (
    ("name", "Name", "text"), ("address", "Address", "text"),
    ("lat", "Latitude", "text"), ("lon", "Longitude", "text"),
    ("radius_m", "Check-in radius (metres)", "number"), ("transit", "Reachable by transit", "checkbox"),
)  # fmt: skip
SUPERVISOR = (
    ("given_name", "Given name", "text"), ("family_name", "Family name", "text"),
    ("email", "Email", "email"), ("phone", "Phone", "phone"),
    ("timezone", "Time zone (blank: the district's)", "text"),
)  # fmt: skip


@bp.get("/partners/places")
def places() -> Any:
    """Sites and supervisors by name (the first LIMIT of each), each linked to its form."""
    q = request.args.get("q", "").strip()[:100]
    with _rt().database.transaction() as s:
        sites = select(Site.id, Site.name, Employer.name.label("employer")).join(
            Employer, Employer.id == Site.employer_id
        )
        sups = (
            select(
                Person.id, Person.given_name, Person.family_name, Employer.name.label("employer")
            )
            .join(Supervisor, Supervisor.person_id == Person.id)
            .join(Employer, Employer.id == Supervisor.employer_id)
        )
        if q:
            sites = sites.where(Site.name.ilike(f"%{q}%"))
            sups = sups.where((Person.given_name + " " + Person.family_name).ilike(f"%{q}%"))
        site_rows = s.execute(sites.order_by(Site.name).limit(LIMIT)).all()
        sup_rows = s.execute(sups.order_by(Person.given_name).limit(LIMIT)).all()
    return render_template(
        "dashboard/places.html", q=q, sites=site_rows, supervisors=sup_rows, limit=LIMIT
    )


def _form(entity: str, row_id: int | None) -> Any:
    rt = _rt()
    model, fields = (Site, SITE) if entity == "site" else (Supervisor, SUPERVISOR)
    with rt.database.transaction() as s:
        row = s.get(model, row_id) if row_id else None
        if row_id and row is None:
            abort(404)
        current: dict[str, Any] = {}
        if isinstance(row, Site):
            current = {k: getattr(row, k) for k, _l, _t in SITE} | {"employer_id": row.employer_id}
        elif isinstance(row, Supervisor):
            person = s.get(Person, row.person_id)
            current = {
                k: getattr(person, k) for k in ("given_name", "family_name", "email", "phone")
            }
            current |= {"timezone": row.timezone, "employer_id": row.employer_id}
        employers = s.execute(select(Employer.id, Employer.name).order_by(Employer.name)).all()
    page = {"entity": entity, "fields": fields, "employers": employers, "row_id": row_id}
    if request.method == "GET":
        form = {k: "" if v is None else v for k, v in current.items()}
        form.setdefault("employer_id", request.args.get("employer", ""))
        return render_template("dashboard/place_form.html", form=form, error="", **page)
    save = partner_places.save_site if entity == "site" else partner_places.save_supervisor
    try:
        with rt.database.transaction() as s:
            ctx = Context(s, rt.settings, rt.clock.now(), actor=viewer().actor)
            save(ctx, request.form, row_id)
    except WBLError as err:
        error = translate("en", err.msgid, **err.params)
        form = request.form
        return render_template("dashboard/place_form.html", form=form, error=error, **page), 400
    flash(f"Saved {entity}.", "ok")
    return redirect(url_for("dashboard.places"))


@bp.route("/sites/new", methods=["GET", "POST"])
@bp.route(f"/sites/<{ID}:site_id>/edit", methods=["GET", "POST"])
def site_form(site_id: int | None = None) -> Any:
    return _form("site", site_id)


@bp.route("/supervisors/new", methods=["GET", "POST"])
@bp.route(f"/supervisors/<{ID}:person_id>/edit", methods=["GET", "POST"])
def supervisor_form(person_id: int | None = None) -> Any:
    return _form("supervisor", person_id)
