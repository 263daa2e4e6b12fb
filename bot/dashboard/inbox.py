"""The coordinators' inbox: safety messages pinned first, then requests for a person and
messages the bot could not place; answered from here on the person's own channel."""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, render_template, request, url_for
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, aliased

from bot.dashboard import access, listing
from bot.dashboard.auth import _rt, viewer
from bot.dashboard.queries import matches
from bot.dashboard.views import _act, bp
from bot.services import inbox as service
from bot.statuses import InboxKind, InboxStatus
from db.models import InboundMessage, InboxItem, OutboxMessage, Person, StaffAccount

CONVERSATION = 20  # messages shown around an item


def _items(coordinator_id: int | None, status: str, kind: str, term: str) -> Any:
    person = aliased(Person)
    safety_first = case((InboxItem.kind == InboxKind.SAFETY, 0), else_=1)
    stmt = (
        select(
            InboxItem,
            person.given_name,
            person.family_name,
            person.kind.label("person_kind"),
            InboundMessage.text,
            InboundMessage.channel,
        )
        .join(person, person.id == InboxItem.person_id)
        .outerjoin(InboundMessage, InboundMessage.id == InboxItem.inbound_id)
        .order_by(safety_first, InboxItem.created_at.desc(), InboxItem.id.desc())
    )
    if coordinator_id is not None:
        stmt = stmt.where(InboxItem.coordinator_id == coordinator_id)
    if status in set(InboxStatus):
        stmt = stmt.where(InboxItem.status == status)
    if kind in set(InboxKind):
        stmt = stmt.where(InboxItem.kind == kind)
    if term:
        name = person.given_name + " " + person.family_name
        stmt = stmt.where(matches(listing.like(term), name, InboundMessage.text))
    return stmt


@bp.app_template_global("inbox_waiting")
def inbox_waiting() -> tuple[int, int]:
    """(open items, open safety items) in the viewer's own inbox, for the menu."""
    who = viewer()
    stmt = select(InboxItem.kind, func.count()).where(InboxItem.status == InboxStatus.OPEN)
    if who.person_id is not None:
        stmt = stmt.where(InboxItem.coordinator_id == who.person_id)
    with _rt().database.transaction() as s:
        counts = dict(s.execute(stmt.group_by(InboxItem.kind)).all())
    return sum(counts.values()), counts.get(InboxKind.SAFETY, 0)


@bp.get("/inbox")
def inbox() -> Any:
    status = request.args.get("status", InboxStatus.OPEN)
    kind = request.args.get("kind", "")
    term = listing.search_term()
    with _rt().database.transaction() as s:
        page = listing.paginate(
            s, _items(access.scope(viewer(), request.endpoint), status, kind, term)
        )
    return render_template(
        "dashboard/inbox.html",
        page=page,
        status=status,
        kind=kind,
        term=term,
        statuses=list(InboxStatus),
        kinds=list(InboxKind),
    )


def _item_in_reach(s: Session, item_id: int) -> InboxItem:
    item = s.get(InboxItem, item_id)
    if item is None:
        abort(404)
    who = viewer()
    mine = who.person_id is not None and item.coordinator_id == who.person_id
    if not (mine or "admin" in who.roles or access.student_in_reach(s, who, item.person_id)):
        abort(403)
    return item


@bp.get("/inbox/<int(max=2147483647):item_id>")
def inbox_item(item_id: int) -> Any:
    with _rt().database.transaction() as s:
        item = _item_in_reach(s, item_id)
        person = s.get(Person, item.person_id)
        said = s.get(InboundMessage, item.inbound_id) if item.inbound_id else None
        conversation = _conversation(s, item.person_id)
    return render_template(
        "dashboard/inbox_item.html", item=item, person=person, said=said, conversation=conversation
    )


def _conversation(s: Session, person_id: int) -> list[tuple[Any, str, str]]:
    """The person's latest messages both ways, oldest first: (when, who, text)."""
    ins = s.execute(
        select(InboundMessage.received_at, InboundMessage.text)
        .where(InboundMessage.person_id == person_id)
        .order_by(InboundMessage.id.desc())
        .limit(CONVERSATION)
    ).all()
    outs = s.execute(
        select(OutboxMessage.created_at, OutboxMessage.text)
        .where(OutboxMessage.person_id == person_id)
        .order_by(OutboxMessage.id.desc())
        .limit(CONVERSATION)
    ).all()
    both = [(at, "them", text or "") for at, text in ins] + [(at, "us", t) for at, t in outs]
    return sorted(both, key=lambda row: row[0])[-CONVERSATION:]


@bp.post("/inbox/<int(max=2147483647):item_id>/answer")
def inbox_answer(item_id: int) -> Any:
    with _rt().database.transaction() as s:
        _item_in_reach(s, item_id)
        account = s.get(StaffAccount, viewer().account_id)
        staff = s.get(Person, viewer().person_id) if viewer().person_id else None
        name = (account.name if account else "") or (staff.display_name if staff else "")
    _act(service.answer, item_id, request.form.get("text", "")[:4000], name)
    return redirect(url_for("dashboard.inbox_item", item_id=item_id))


@bp.post("/inbox/<int(max=2147483647):item_id>/close")
def inbox_close(item_id: int) -> Any:
    with _rt().database.transaction() as s:
        _item_in_reach(s, item_id)
    _act(service.close, item_id)
    return redirect(url_for("dashboard.inbox"))
