"""Sites and supervisors created and edited on the dashboard, checked by the importer's own
row parsers (`sites.csv`, `supervisors.csv`) as employers and opportunities are."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from bot.context import Context
from bot.errors import WBLError
from bot.importers import partner_rows
from bot.importers.contacts import PhoneOf, sync_contacts
from bot.importers.report import ImportReport
from bot.services.partner_forms import INVALID, NO_SUCH, check, stamp
from db.models import Employer, Person, Site, Supervisor

SITE_FIELDS = ("employer_id", "name", "address", "lat", "lon", "radius_m", "transit")
SUPERVISOR_FIELDS = ("employer_id", "given_name", "family_name", "email", "phone", "timezone")


def _employer(ctx: Context, form: Mapping[str, str]) -> Employer:
    raw = (form.get("employer_id") or "").strip()
    employer = ctx.session.get(Employer, int(raw)) if raw.isdigit() and len(raw) < 10 else None
    if employer is None:
        raise WBLError(NO_SUCH, column="employer")
    return employer


def save_site(ctx: Context, form: Mapping[str, str], site_id: int | None = None) -> Site:
    """Create (or update `site_id`) a site from a form, checked as `sites.csv` is."""
    fields = {k: form.get(k, "") for k in SITE_FIELDS}
    fields["transit"] = "yes" if form.get("transit") else "no"
    values = check("sites.csv", fields, partner_rows.site, "site_id")
    employer = _employer(ctx, form)
    site = ctx.session.get(Site, site_id) if site_id else None
    if site_id and site is None:
        raise LookupError(site_id)
    if site is None:
        site = Site(external_id=f"dash-{secrets.token_hex(4)}")
        ctx.session.add(site)
    for column, value in values.items():
        setattr(site, column, value)
    site.employer_id = employer.id
    stamp(ctx, site, "site", created=not site_id)
    return site


def save_supervisor(
    ctx: Context, form: Mapping[str, str], person_id: int | None = None
) -> Supervisor:
    """Create (or update) a supervisor (a person and their employer) from a form, checked
    as `supervisors.csv` is; their phone becomes their contact as an import's would."""
    fields = {k: form.get(k, "") for k in SUPERVISOR_FIELDS}
    values: dict[str, Any] = check(
        "supervisors.csv", fields, partner_rows.supervisor, "supervisor_id"
    )
    employer = _employer(ctx, form)
    sup = ctx.session.get(Supervisor, person_id) if person_id else None
    if person_id and sup is None:
        raise LookupError(person_id)
    if sup is None:
        person = Person(
            kind="supervisor", source="dashboard", sourced_id=f"dash-{secrets.token_hex(4)}",
            language="en", created_at=ctx.now, updated_at=ctx.now, given_name="",
        )  # fmt: skip
        ctx.session.add(person)
        ctx.session.flush()
        sup = Supervisor(person_id=person.id, employer_id=employer.id)
        ctx.session.add(sup)
    held = ctx.session.get(Person, sup.person_id)
    assert held is not None
    person = held
    for column in ("given_name", "family_name", "email", "phone"):
        setattr(person, column, values[column])
    person.updated_at = ctx.now
    sup.employer_id, sup.timezone = employer.id, values["timezone"]
    report = ImportReport("dashboard")
    phone = PhoneOf("supervisors.csv", 1, "phone", person.id, values["phone"])
    sync_contacts(ctx.session, report, [phone], ctx.now)
    if report.problems:  # the number belongs to someone else
        problem = report.problems[0]
        raise WBLError(INVALID, column=problem.column, reason=problem.reason)
    stamp(ctx, person, "supervisor", created=not person_id)
    return sup
