"""Partners on the dashboard: opportunities and employers created and edited through forms,
checked by the importer's own row parsers (so a form and a CSV refuse the same things);
vetting checks renewed in bulk.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from bot.context import Context
from bot.errors import WBLError
from bot.i18n import N_
from bot.importers import partner_rows
from bot.importers.csvio import Row, Table
from bot.importers.fields import BadValue
from bot.importers.report import ImportReport
from bot.messages import Outbound
from bot.services.vetting import record_check
from db import trail
from db.models import Employer, Opportunity, Site, Supervisor

INVALID = N_("{column}: {reason}")
NO_SUCH = N_("{column}: choose one of the list")
OPPORTUNITY_FIELDS = (
    *("kind", "title", "description", "deliverables", "est_hours", "seats"),
    *("career_cluster", "min_age", "starts", "due", "remote"),
)
EMPLOYER_FIELDS = ("name", "kind", "contact_name", "contact_phone", "contact_email")


def check(file: str, form: Mapping[str, str], build: Any, key: str) -> dict[str, Any]:
    """The importer's checked columns for one form, or WBLError naming the column."""
    report = ImportReport("dashboard")
    table = Table(file, [], "", ",", report)
    values = {k: " ".join(str(v).split()) for k, v in form.items()}
    values[key] = values.get(key) or "form"
    for column in partner_rows.COLUMNS[file]:
        if not values.get(column):
            raise WBLError(INVALID, column=column, reason="required value missing")
    try:
        record = build(Row(1, values), partner_rows.Parser(table, report, 0))
    except BadValue as err:
        column = err.args[1] if len(err.args) > 1 else "-"
        raise WBLError(INVALID, column=column, reason=err.args[0]) from None
    if report.problems:  # a warning the importer would accept the row with (a bad phone)
        problem = report.problems[0]
        raise WBLError(INVALID, column=problem.column, reason=problem.reason)
    return dict(record.values)


def opportunity_values(form: Mapping[str, str]) -> dict[str, Any]:
    """Checked opportunity columns from a form (the refs checked by `save_opportunity`)."""
    fields = {k: form.get(k, "") for k in OPPORTUNITY_FIELDS}
    fields["remote"] = "yes" if form.get("remote") else "no"
    fields |= {k: form.get(k, "") for k in ("employer_id", "site_id", "supervisor_id")}
    values = check("opportunities.csv", fields, partner_rows.opportunity, "opportunity_id")
    values.pop("active", None)
    values["est_hours"] = str(values["est_hours"])
    for day in ("starts_on", "due_on"):
        values[day] = values[day].isoformat()
    return values


def save_opportunity(
    ctx: Context, values: Mapping[str, Any], refs: Mapping[str, str], opp_id: int | None = None
) -> Opportunity:
    """Create (or update `opp_id`) an opportunity from checked values and the chosen ids."""
    employer_id, site_id, supervisor_id = (
        _id(refs.get(k)) for k in ("employer", "site", "supervisor")
    )
    employer = ctx.session.get(Employer, employer_id) if employer_id else None
    if employer is None:
        raise WBLError(NO_SUCH, column="employer")
    site = ctx.session.get(Site, site_id) if site_id else None
    if site_id and (site is None or site.employer_id != employer.id):
        raise WBLError(NO_SUCH, column="site")
    supervisor = ctx.session.get(Supervisor, supervisor_id) if supervisor_id else None
    if supervisor_id and (supervisor is None or supervisor.employer_id != employer.id):
        raise WBLError(NO_SUCH, column="supervisor")
    if site is None and not values.get("remote"):
        raise WBLError(INVALID, column="site_id", reason="no site: choose one, or mark it remote")
    opp = ctx.session.get(Opportunity, opp_id) if opp_id else None
    if opp_id and opp is None:
        raise LookupError(opp_id)
    if opp is None:
        opp = Opportunity(external_id=f"dash-{secrets.token_hex(4)}", active=True)
        ctx.session.add(opp)
    for column, value in values.items():
        if column in ("starts_on", "due_on") and isinstance(value, str):
            value = date.fromisoformat(value)
        elif column == "est_hours":
            value = Decimal(str(value))
        setattr(opp, column, value)
    opp.employer_id, opp.site_id = employer.id, site.id if site else None
    opp.supervisor_id = supervisor.person_id if supervisor else None
    stamp(ctx, opp, "opportunity", created=not opp_id)
    return opp


def save_employer(
    ctx: Context, form: Mapping[str, str], employer_id: int | None = None
) -> Employer:
    """Create (or update) an employer from a form, checked as `employers.csv` is."""
    fields = {k: form.get(k, "") for k in EMPLOYER_FIELDS}
    values = check("employers.csv", fields, partner_rows.employer, "employer_id")
    employer = ctx.session.get(Employer, employer_id) if employer_id else None
    if employer_id and employer is None:
        raise LookupError(employer_id)
    if employer is None:
        employer = Employer(external_id=f"dash-{secrets.token_hex(4)}")
        ctx.session.add(employer)
    for column, value in values.items():
        setattr(employer, column, value)
    stamp(ctx, employer, "employer", created=not employer_id)
    return employer


def stamp(ctx: Context, row: Any, entity: str, *, created: bool) -> None:
    """Stamp, write and audit a row a form created or changed."""
    row.updated_at = ctx.now
    ctx.session.flush()
    action = f"{entity}:created" if created else f"{entity}:updated"
    trail.record(
        ctx.session, at=ctx.now, actor=ctx.actor, action=action, entity=entity, entity_id=row.id
    )


def renew_all(ctx: Context, kind: str, subject_ids: Sequence[int], on: date) -> list[Outbound]:
    """Record one renewed check for each of `subject_ids` (bulk renewal), in one go."""
    for subject_id in dict.fromkeys(subject_ids):
        record_check(ctx, kind, subject_id, on)
    return []


def _id(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 10 else None
