"""The local simulator: chat as anyone in the demo district through the real engine.

Registered only when `settings.simulator` is on (`wbl demo`): it lets anyone act as
anyone, so it never runs in production. Each person gets a `sim:<id>` contact on first
use; messages go through the same engine as SMS and Telegram, and the local sender
marks the replies delivered.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, abort, jsonify, render_template, request
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.context import Context
from bot.messages import Attachment, Inbound, Location
from bot.rules.placement import OPEN_STATUSES
from bot.services import linking
from bot.web import runtime_of_app
from db.models import (
    Contact,
    Employer,
    GuardianLink,
    InboundMessage,
    Opportunity,
    Org,
    OutboxMessage,
    Person,
    Placement,
    Site,
    Staff,
    Student,
    Supervisor,
)

log = logging.getLogger("wbl.simulator")
bp = Blueprint(
    "simulator",
    __name__,
    url_prefix="/sim",
    template_folder="../templates",
    static_folder="../static",
    static_url_path="/static",
)
KINDS = ("student", "guardian", "supervisor", "staff")
ROLE = {"student": "Student", "guardian": "Parent / guardian", "supervisor": "Supervisor"}
PAGE = 100


@bp.get("")
def page() -> str:
    """The simulator page."""
    return render_template("simulator.html")


@bp.get("/api/people")
def people() -> Response:
    """People of the district to act as, filtered by a name fragment (`q`)."""
    query = (request.args.get("q") or "").strip()[:64]
    runtime = runtime_of_app()
    with runtime.database.transaction() as session:
        stmt = select(Person).where(Person.active.is_(True), Person.kind.in_(KINDS))
        if query:
            like = f"%{query}%"
            stmt = stmt.where(or_(Person.given_name.ilike(like), Person.family_name.ilike(like)))
        found = session.scalars(stmt.order_by(Person.kind, Person.given_name).limit(200)).all()
        return jsonify(people=[_describe(session, p) for p in found])


@bp.get("/api/places")
def places() -> Response:
    """Where a person might be: their placement's site and their home (for the location picker)."""
    person_id = _int_arg("person_id")
    runtime = runtime_of_app()
    with runtime.database.transaction() as session:
        return jsonify(site=_site_of(session, person_id), home=_home_of(session, person_id))


@bp.post("/api/send")
def send() -> Response:
    """Run one simulated message (text, button, location or file) through the engine."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not _row_id(body.get("person_id")):
        abort(400)
    runtime = runtime_of_app()
    now = runtime.clock.now()
    inbound = _inbound(body, now)
    with runtime.database.transaction() as session:
        person = session.get(Person, body["person_id"])
        if person is None or not person.active:
            abort(404)
        ensure_contact(Context(session, runtime.settings, now), person.id)
    outcome = runtime.engine.receive(runtime.database, inbound)
    queued = [o.id for o in outcome.outbox]
    return jsonify(inbound_id=outcome.inbound_id, outbox=queued)


@bp.get("/api/messages")
def messages() -> Response:
    """A person's conversation: what they sent and what was queued for them (any channel)."""
    person_id = _int_arg("person_id")
    after = request.args.get("after", type=int) or 0
    runtime = runtime_of_app()
    with runtime.database.transaction() as session:
        items = _inbound_items(session, person_id) + _outbox_items(session, person_id, after)
    items.sort(key=_order)
    return jsonify(messages=items[-PAGE:])


def _order(item: dict[str, Any]) -> tuple[str, float, bool, int]:
    """Time first; at one instant a reply follows the message it answers."""
    anchor = item["id"] if item["dir"] == "in" else item.get("in_reply_to") or float("inf")
    return item["at"], anchor, item["dir"] == "out", item["id"]


def ensure_contact(ctx: Context, person_id: int) -> str:
    """The person's `sim:` address, created (and audited as a link) on first use."""
    urn = f"sim:{person_id}"
    if ctx.session.scalar(select(Contact.id).where(Contact.urn == urn)) is None:
        ctx.actor = f"person:{person_id}"
        linking.attach(ctx, person_id, urn, how="simulator")
    return urn


def _inbound(body: dict[str, Any], now: datetime) -> Inbound:
    person_id = body["person_id"]
    text = body.get("text")
    payload = body.get("payload")
    return Inbound(
        channel="sim",
        urn=f"sim:{person_id}",
        provider_id=uuid.uuid4().hex,
        received_at=now,
        text=text.replace("\x00", "")[:4096] if isinstance(text, str) else "",
        payload=payload[:256] if isinstance(payload, str) else None,
        location=_location(body),
        location_denied=bool(body.get("denied")),
        attachment=_attachment(body),
    )


def _location(body: dict[str, Any]) -> Location | None:
    lat, lon = body.get("lat"), body.get("lon")
    if not isinstance(lat, int | float) or not isinstance(lon, int | float):
        return None
    accuracy = body.get("accuracy")
    return Location(
        lat=float(lat),
        lon=float(lon),
        accuracy_m=float(accuracy) if isinstance(accuracy, int | float) else None,
        source="chat",
    )


def _attachment(body: dict[str, Any]) -> Attachment | None:
    name = body.get("file_name")
    if not isinstance(name, str) or not name.strip():
        return None
    name = name.strip()[:128]
    return Attachment(kind="document", ref=f"sim-file:{uuid.uuid4().hex}", name=name)


def _int_arg(name: str) -> int:
    value = request.args.get(name, type=int)
    if value is None or not _row_id(value):
        abort(400)
    return value


def _row_id(value: Any) -> bool:
    """True for an int a database id column can hold."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31


def _describe(session: Session, person: Person) -> dict[str, Any]:
    return {
        "id": person.id,
        "name": person.display_name,
        "kind": person.kind,
        "role": ROLE.get(person.kind, "Staff"),
        "where": _where(session, person),
        "language": person.language,
    }


def _where(session: Session, person: Person) -> str:
    """The school (or employer) a person belongs to, for the picker."""
    if person.kind == "student":
        return _school_name(
            session, select(Student.school_id).where(Student.person_id == person.id)
        )
    if person.kind == "guardian":
        child = select(Student.school_id).join(
            GuardianLink, GuardianLink.student_id == Student.person_id
        )
        return _school_name(session, child.where(GuardianLink.guardian_id == person.id).limit(1))
    if person.kind == "staff":
        return _school_name(session, select(Staff.org_id).where(Staff.person_id == person.id))
    employer = session.scalar(
        select(Employer.name)
        .join(Supervisor, Supervisor.employer_id == Employer.id)
        .where(Supervisor.person_id == person.id)
    )
    return employer or ""


def _school_name(session: Session, org_id_stmt: Any) -> str:
    org_id = session.scalar(org_id_stmt)
    org = session.get(Org, org_id) if org_id else None
    return org.name if org else ""


def _site_of(session: Session, person_id: int) -> dict[str, float] | None:
    row = session.execute(
        select(Site.lat, Site.lon)
        .join(Opportunity, Opportunity.site_id == Site.id)
        .join(Placement, Placement.opportunity_id == Opportunity.id)
        .where(Placement.student_id == person_id, Placement.status.in_(OPEN_STATUSES))
        .order_by(Placement.id.desc())
        .limit(1)
    ).first()
    return {"lat": row.lat, "lon": row.lon} if row else None


def _home_of(session: Session, person_id: int) -> dict[str, float] | None:
    student = session.get(Student, person_id)
    if student is None or student.home_lat is None or student.home_lon is None:
        return None
    return {"lat": student.home_lat, "lon": student.home_lon}


def _inbound_items(session: Session, person_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(InboundMessage)
        .where(InboundMessage.person_id == person_id)
        .order_by(InboundMessage.id.desc())
        .limit(PAGE)
    )
    return [
        {
            "id": r.id,
            "dir": "in",
            "channel": r.channel,
            "text": r.text or "",
            "what": sorted((r.payload or {}).keys()),
            "status": r.status,
            "at": r.received_at.isoformat(),
        }
        for r in rows
    ]


def _outbox_items(session: Session, person_id: int, after: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(OutboxMessage)
        .where(
            or_(OutboxMessage.person_id == person_id, OutboxMessage.urn == f"sim:{person_id}"),
            OutboxMessage.id > after,
        )
        .order_by(OutboxMessage.id.desc())
        .limit(PAGE)
    )
    return [
        {
            "id": r.id,
            "dir": "out",
            "channel": r.channel,
            "text": r.text,
            "buttons": r.buttons or [],
            "request_location": bool((r.extra or {}).get("request_location")),
            "status": r.status,
            "urgent": r.urgent,
            "in_reply_to": r.in_reply_to,
            "at": r.created_at.isoformat(),
        }
        for r in rows
    ]
