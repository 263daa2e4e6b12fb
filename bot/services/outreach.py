"""Outreach: invite students who have no WBL experience yet to reply FIND.

`wbl outreach --no-experience` and the equity view's "Invite" both come here. The
audience is every active student with no verified hours, narrowed by school (its
`sourcedId`), grade, one coverage group (`field` = `value`, e.g. `transportation` =
`none` or `sex` = `female`) and, for a coordinator, their own caseload. A student is
queued when they have a reachable channel that is not opted out; the message is
non-urgent, so the dispatcher holds it in quiet hours and counts it in the daily cap.
The campaign and each recipient's outbox row are kept, so delivery and response (who
applied afterwards) can be followed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.addressing import choose
from bot.context import Context
from bot.i18n import N_, translate
from bot.messages import Outbound
from bot.outbox import enqueue
from bot.services.coverage import BLANK, CORE_FIELDS, experienced, fields
from bot.statuses import ApplicationStatus
from db import trail
from db.models import (
    Application,
    Contact,
    Org,
    OutboxMessage,
    OutreachCampaign,
    OutreachRecipient,
    Person,
    Student,
    StudentDemographic,
)

INVITE = N_(
    "Hi {name}! Work-based learning is open to you: short projects, school enterprises "
    "and internships, many reachable without a car. Reply FIND to see what fits you."
)
CATEGORY = "outreach"
LIMIT = 50_000  # one campaign reaches at most a district
CHUNK = 1000


@dataclass(frozen=True)
class Audience:
    """Who a campaign is for (every filter optional)."""

    school: str | None = None  # a school's sourcedId
    grade: str | None = None
    field: str | None = None  # a coverage field: transportation, language, a demographic
    value: str | None = None
    coordinator_id: int | None = None  # a coordinator's own caseload

    def describe(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    def describe_filters(self) -> dict[str, Any]:
        """The filters a person chose (not the caseload they are held to)."""
        return {k: v for k, v in self.describe().items() if k != "coordinator_id"}


@dataclass(frozen=True)
class Preview:
    matched: int  # students with no experience in the audience
    reachable: int  # of them with a usable, not opted-out channel
    english: str
    spanish: str


def check(session: Session, audience: Audience) -> None:
    """LookupError naming the problem when a filter names nothing that exists."""
    if (
        audience.school
        and session.scalar(select(Org.id).where(Org.sourced_id == audience.school)) is None
    ):
        raise LookupError(f"unknown school {audience.school!r}")
    if audience.field and audience.field not in [*fields(session)]:
        raise LookupError(f"unknown field {audience.field!r}")
    if audience.field in ("school", "grade"):
        raise LookupError("choose the school or grade with their own filters")


def candidates(session: Session, audience: Audience) -> list[tuple[int, str, str]]:
    """(person id, given name, language) of the audience's students with no experience."""
    done = experienced()
    stmt = (
        select(Person.id, Person.given_name, Person.language)
        .join(Student, Student.person_id == Person.id)
        .outerjoin(done, done.c.student_id == Person.id)
        .where(Person.active.is_(True), Person.kind == "student", done.c.student_id.is_(None))
        .order_by(Person.id)
        .limit(LIMIT)
    )
    if audience.school:
        stmt = stmt.join(Org, Org.id == Student.school_id).where(Org.sourced_id == audience.school)
    if audience.grade:
        stmt = stmt.where(Student.grade == audience.grade)
    if audience.coordinator_id is not None:
        stmt = stmt.where(Student.coordinator_id == audience.coordinator_id)
    if audience.field:
        stmt = _in_group(stmt, audience.field, audience.value or BLANK)
    return [(pid, name, lang) for pid, name, lang in session.execute(stmt)]


def _in_group(stmt: Any, name: str, value: str) -> Any:
    if name in CORE_FIELDS:
        column = {"transportation": Student.transportation, "language": Person.language}[name]
        return (
            stmt.where(column.is_(None) | (column == ""))
            if value == BLANK
            else stmt.where(column == value)
        )
    has = select(StudentDemographic.person_id).where(StudentDemographic.field == name)
    if value == BLANK:
        return stmt.where(Person.id.not_in(has))
    return stmt.where(Person.id.in_(has.where(StudentDemographic.value == value)))


def reachable(session: Session, people: list[int]) -> dict[int, Contact]:
    """Person id -> the address to write to, for those with one not retired or opted out
    (read a thousand people at a time)."""
    found: dict[int, Contact] = {}
    for at in range(0, len(people), CHUNK):
        usable: dict[int, list[Contact]] = defaultdict(list)
        for contact in session.scalars(
            select(Contact).where(
                Contact.person_id.in_(people[at : at + CHUNK]),
                Contact.retired_at.is_(None),
                Contact.opted_out_at.is_(None),
            )
        ):
            usable[contact.person_id].append(contact)
        for pid, contacts in usable.items():
            best = choose(contacts)
            if best is not None:
                found[pid] = best
    return found


def preview(session: Session, audience: Audience) -> Preview:
    """How many would be invited, and the message in English and Spanish."""
    people = candidates(session, audience)
    return Preview(
        len(people),
        len(reachable(session, [pid for pid, _n, _l in people])),
        translate("en", INVITE, name="Leah"),
        translate("es", INVITE, name="Leah"),
    )


def send(ctx: Context, audience: Audience, *, dry_run: bool = False) -> OutreachCampaign:
    """Queue the invitation to every reachable student of the audience (dry run: count only)."""
    people = candidates(ctx.session, audience)
    contacts = reachable(ctx.session, [pid for pid, _n, _l in people])
    campaign = OutreachCampaign(
        created_at=ctx.now,
        actor=ctx.actor,
        audience=audience.describe(),
        note=translate("en", INVITE, name="{name}"),
        matched=len(people),
        queued=len(contacts),
    )
    if dry_run:
        return campaign
    ctx.session.add(campaign)
    ctx.session.flush()
    rows = [
        (pid, enqueue(
            ctx,
            Outbound(translate(lang, INVITE, name=name), urgent=False, category=CATEGORY),
            sender_urn=contacts[pid].urn,
            sender_id=pid,
        ))
        for pid, name, lang in people
        if pid in contacts
    ]  # fmt: skip
    ctx.session.flush()
    ctx.session.add_all(
        OutreachRecipient(campaign_id=campaign.id, student_id=pid, outbox_id=row.id)
        for pid, row in rows
    )
    trail.record(
        ctx.session,
        at=ctx.now,
        actor=ctx.actor,
        action="outreach:send",
        entity="outreach_campaign",
        entity_id=campaign.id,
        details={**audience.describe(), "matched": campaign.matched, "queued": campaign.queued},
    )
    return campaign


@dataclass(frozen=True)
class CampaignStats:
    campaign: OutreachCampaign
    delivery: dict[str, int]  # outbox status -> recipients
    applied: int  # recipients who applied after the campaign


def stats(session: Session, campaign: OutreachCampaign) -> CampaignStats:
    """Delivery by outbox status, and how many recipients applied since."""
    delivery = {
        status: n
        for status, n in session.execute(
            select(OutboxMessage.status, func.count())
            .join(OutreachRecipient, OutreachRecipient.outbox_id == OutboxMessage.id)
            .where(OutreachRecipient.campaign_id == campaign.id)
            .group_by(OutboxMessage.status)
        )
    }
    applied = session.scalar(
        select(func.count(func.distinct(Application.student_id)))
        .join(OutreachRecipient, OutreachRecipient.student_id == Application.student_id)
        .where(
            OutreachRecipient.campaign_id == campaign.id,
            Application.created_at > campaign.created_at,
            Application.status != ApplicationStatus.WITHDRAWN,
        )
    )
    return CampaignStats(campaign, {str(k): v for k, v in delivery.items()}, applied or 0)


def recent(session: Session, limit: int = 20) -> list[CampaignStats]:
    """The newest campaigns with their delivery and response."""
    rows = session.scalars(
        select(OutreachCampaign).order_by(OutreachCampaign.id.desc()).limit(limit)
    ).all()
    return [stats(session, c) for c in rows]
