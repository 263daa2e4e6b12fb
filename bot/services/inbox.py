"""The human in the loop: messages that wait for a coordinator, and their answers.

A safety message opens an item at once and alerts the sender's coordinator (urgent);
HUMAN / PERSONA opens one and tells the coordinator (non-urgent); any other message the
bot could not place opens one silently. The coordinator answers from the dashboard, and
the answer goes out on the person's own channel (the one they last wrote from), audited.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.context import Context
from bot.display import shorten
from bot.errors import WBLError
from bot.i18n import N_
from bot.messages import Outbound
from bot.statuses import InboxKind, InboxStatus, PlacementStatus
from db import trail
from db.models import (
    GuardianLink,
    InboundMessage,
    InboxItem,
    Opportunity,
    Person,
    Placement,
    Staff,
    StaffAccount,
    Student,
)

STRANGER_ALERT = N_(
    'SAFETY: someone not on the roster wrote "{text}". Contact them now; the message is in '
    "the messages log: {link}"
)
SAFETY_ALERT = N_(
    'SAFETY: {name} wrote "{text}". Contact them now; answer in the dashboard inbox: {link}'
)
HUMAN_ALERT = N_("{name} asked to talk to a person. Answer in the dashboard inbox: {link}")
ANSWER = N_("From {coordinator}, your coordinator: {text}")
NOT_OPEN = N_("That message was already closed.")
EMPTY_ANSWER = N_("Write an answer first.")
MAX_ANSWER = 1000


def coordinator_for(session: Session, person_id: int) -> Person | None:
    """Whose inbox a person's messages land in: a student's coordinator (else a staff
    member of their school), a guardian's student's, a supervisor's students', else an admin."""
    person = session.get(Person, person_id)
    if person is None:
        return None
    students: list[int] = []
    if person.kind == "student":
        students = [person.id]
    elif person.kind == "guardian":
        students = list(
            session.scalars(
                select(GuardianLink.student_id)
                .where(GuardianLink.guardian_id == person.id)
                .order_by(GuardianLink.student_id)
            )
        )
    elif person.kind == "supervisor":
        students = list(
            session.scalars(
                select(Placement.student_id)
                .join(Opportunity, Opportunity.id == Placement.opportunity_id)
                .where(Opportunity.supervisor_id == person.id)
                .order_by(Placement.status.in_([PlacementStatus.READY]).desc(), Placement.id.desc())
                .limit(5)
            )
        )
    for student_id in students:
        found = _student_coordinator(session, student_id)
        if found is not None:
            return found
    return _an_admin(session)


def _student_coordinator(session: Session, student_id: int) -> Person | None:
    student = session.get(Student, student_id)
    if student is None:
        return None
    if student.coordinator_id:
        found = session.get(Person, student.coordinator_id)
        if found is not None and found.active:
            return found
    return session.scalar(
        select(Person)
        .join(Staff, Staff.person_id == Person.id)
        .where(Staff.org_id == student.school_id, Person.active.is_(True))
        .order_by(Person.id)
        .limit(1)
    )


def _an_admin(session: Session) -> Person | None:
    return session.scalar(
        select(Person)
        .join(StaffAccount, StaffAccount.person_id == Person.id)
        .where(
            StaffAccount.roles.contains("admin"),
            StaffAccount.disabled.is_(False),
            Person.active.is_(True),
        )
        .order_by(StaffAccount.id)
        .limit(1)
    )


def open_item(
    ctx: Context, person_id: int, kind: InboxKind, channel: str, provider_id: str
) -> list[Outbound]:
    """File the message (`channel`, `provider_id`) in its coordinator's inbox; the alert."""
    session = ctx.session
    inbound_id = session.scalar(
        select(InboundMessage.id).where(
            InboundMessage.channel == channel, InboundMessage.provider_id == provider_id[:64]
        )
    )
    coordinator = coordinator_for(session, person_id)
    item = InboxItem(
        person_id=person_id,
        coordinator_id=coordinator.id if coordinator else None,
        inbound_id=inbound_id,
        kind=kind,
        status=InboxStatus.OPEN,
        created_at=ctx.now,
    )
    session.add(item)
    session.flush()
    trail.record(
        session,
        at=ctx.now,
        actor=ctx.actor,
        action=f"inbox:{kind}",
        entity="inbox_item",
        entity_id=item.id,
        details={"person": person_id, "coordinator": item.coordinator_id},
    )
    if coordinator is None or kind == InboxKind.UNPLACED:
        return []
    return [_alert(ctx, item, coordinator, inbound_id)]


def _alert(ctx: Context, item: InboxItem, coordinator: Person, inbound_id: int | None) -> Outbound:
    session = ctx.session
    sender = session.get(Person, item.person_id)
    name = sender.display_name if sender else f"#{item.person_id}"
    link = f"{ctx.settings.public_base_url}/dashboard/inbox/{item.id}"
    _ = ctx.tr(coordinator.language)
    if item.kind == InboxKind.SAFETY:
        said = session.get(InboundMessage, inbound_id) if inbound_id else None
        text = said.text if said is not None else ""
        body = _(SAFETY_ALERT, name=name, text=shorten(text or "", 200), link=link)
        return Outbound(body, to=coordinator.id, urgent=True, category="coordinator")
    body = _(HUMAN_ALERT, name=name, link=link)
    return Outbound(body, to=coordinator.id, urgent=False, category="coordinator")


def alert_stranger(ctx: Context, channel: str, provider_id: str) -> list[Outbound]:
    """A safety message from someone not on the roster: an urgent alert to an admin, who
    finds the message on the messages page (there is no one to file an inbox item for)."""
    admin = _an_admin(ctx.session)
    said = ctx.session.execute(
        select(InboundMessage.id, InboundMessage.text).where(
            InboundMessage.channel == channel, InboundMessage.provider_id == provider_id[:64]
        )
    ).first()
    trail.record(
        ctx.session, at=ctx.now, actor=ctx.actor, action="inbox:stranger_safety",
        entity="inbound_message", entity_id=said.id if said else "", details={"channel": channel},
    )  # fmt: skip
    if admin is None:
        return []
    link = f"{ctx.settings.public_base_url}/dashboard/messages"
    _ = ctx.tr(admin.language)
    body = _(STRANGER_ALERT, text=shorten(said.text if said and said.text else "", 200), link=link)
    return [Outbound(body, to=admin.id, urgent=True, category="coordinator")]


def answer(ctx: Context, item_id: int, text: str, coordinator_name: str) -> list[Outbound]:
    """A coordinator's answer to an item, to the person on their own channel (audited)."""
    text = " ".join(text.split())[:MAX_ANSWER]
    if not text:
        raise WBLError(EMPTY_ANSWER)
    item = ctx.session.get(InboxItem, item_id)
    if item is None:
        raise LookupError(item_id)
    person = ctx.session.get(Person, item.person_id)
    if person is None:
        raise LookupError(item.person_id)
    body = ctx.tr(person.language)(ANSWER, coordinator=coordinator_name, text=text)
    item.status = InboxStatus.ANSWERED
    item.answered_at = ctx.now
    item.answered_by = ctx.actor
    trail.record(
        ctx.session,
        at=ctx.now,
        actor=ctx.actor,
        action="inbox:answered",
        entity="inbox_item",
        entity_id=item.id,
        details={"person": item.person_id, "chars": len(text)},
    )
    return [Outbound(body, to=person.id, urgent=True, category="coordinator")]


def close(ctx: Context, item_id: int) -> list[Outbound]:
    """Mark an item dealt with (no message)."""
    item = ctx.session.get(InboxItem, item_id)
    if item is None:
        raise LookupError(item_id)
    if item.status == InboxStatus.CLOSED:
        raise WBLError(NOT_OPEN)
    item.status = InboxStatus.CLOSED
    trail.record(
        ctx.session,
        at=ctx.now,
        actor=ctx.actor,
        action="inbox:closed",
        entity="inbox_item",
        entity_id=item.id,
    )
    return []
