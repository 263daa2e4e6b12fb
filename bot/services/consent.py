"""Permission requests and answers: the records that hold up as a signature.

- `start_paperwork(ctx, placement)`: one request per placement, texted to every guardian
  with a usable contact (or to the student at 18+), each text recorded with its hash and
  outbox id; reminders scheduled; no usable contact → the coordinator collects it on paper.
- the answers live in services.consent_answers: `apply_answer` (YES / NO / REVOKE on one
  request), `remind` and `paper_check` (the `consent.remind` / `consent.paper` reminders),
  `record_paper_consent` (a coordinator records consent collected on paper).

Every act is a new ConsentRecord row (append-only); request and placement status follow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from bot import jobs, payloads
from bot.addressing import pick_contact
from bot.context import Context
from bot.i18n import N_
from bot.messages import Button, Outbound
from bot.outbox import enqueue
from bot.rules import consent as rules
from bot.services.alerts import alert_coordinator
from bot.services.consent_docs import (
    TEMPLATE_VERSION,
    Facts,
    load_facts,
    request_text,
    sha256,
)
from bot.statuses import ConsentAction, ConsentStatus
from db import trail
from db.models import (
    ConsentRecord,
    ConsentRequest,
    Contact,
    GuardianLink,
    InboundMessage,
    Person,
    Placement,
    Student,
)

REMIND, PAPER = "consent.remind", "consent.paper"
N_("Yes")
N_("No")

PAPER_NO_CONTACT = N_(
    "Paper permission needed: no guardian of {student} can be texted for {title} "
    "(placement {placement}). Please collect it on paper and record it."
)
PAPER_OPTED_OUT = N_(
    "Paper permission needed: every guardian of {student} has opted out of texts; "
    "{title} (placement {placement}). Please collect it on paper and record it."
)
PAPER_NO_ANSWER = N_(
    "Paper permission needed: no answer after reminders for {student}, {title} "
    "(placement {placement}, code {code}). Please collect it on paper and record it."
)
ALERT_DECLINED = N_("{student}: permission for {title} was declined. Placement {placement} ended.")
ALERT_REVOKED = N_(
    "{student}: permission for {title} was withdrawn. Placement {placement} is paused "
    "and clock-in is blocked."
)
ALERT_RESTORED = N_("{student}: permission for {title} was given again. Placement {placement}.")
STUDENT_DECLINED = N_(
    "Your parent or guardian did not give permission for {title}, so this placement will "
    "not go ahead. Reply FIND for other opportunities or talk to your coordinator."
)
STUDENT_REVOKED = N_(
    "Permission for {title} was withdrawn. Please don't go to work there until your "
    "coordinator contacts you."
)
STUDENT_RESTORED = N_("Permission for {title} is back on file. You can clock in again.")
STUDENT_GRANTED = N_("Permission for {title} is on file. Still to do: {missing}.")
NO_PLACEMENT = N_("There is no such placement.")
PLACEMENT_CLOSED = N_("This placement is closed, so its permission can't change.")


@dataclass(frozen=True)
class Signer:
    """Who answered and from where (the inbound's channel, address and provider id)."""

    person_id: int
    language: str
    channel: str
    urn: str
    provider_id: str | None
    raw_text: str
    opted_out: bool = False


# --- who may answer what ---------------------------------------------------------------
def usable_contact(ctx: Context, person_id: int) -> Contact | None:
    """The address to text a person at: not opted out, last written from, else preferred."""
    return pick_contact(ctx.session, person_id, reachable_only=True)


def guardians_of(ctx: Context, student_id: int) -> list[Person]:
    """Active guardians of a student, in a stable order."""
    return list(
        ctx.session.scalars(
            select(Person)
            .join(GuardianLink, GuardianLink.guardian_id == Person.id)
            .where(GuardianLink.student_id == student_id, Person.active.is_(True))
            .order_by(Person.id)
        )
    )


def family_requests(
    ctx: Context, person_id: int, statuses: tuple[str, ...]
) -> list[ConsentRequest]:
    """Requests this person may answer: their wards' (as guardian) or their own (at 18+)."""
    wards = select(GuardianLink.student_id).where(GuardianLink.guardian_id == person_id)
    as_guardian = (ConsentRequest.signer == "guardians") & Placement.student_id.in_(wards)
    as_self = (ConsentRequest.signer == "self") & (Placement.student_id == person_id)
    return list(
        ctx.session.scalars(
            select(ConsentRequest)
            .join(Placement, Placement.id == ConsentRequest.placement_id)
            .where(as_guardian | as_self, ConsentRequest.status.in_(statuses))
            .order_by(ConsentRequest.id)
        )
    )


def find_by_code(ctx: Context, person_id: int, code: str) -> ConsentRequest | None:
    """This person's live request with `code` (another family's code matches nothing)."""
    found = [r for r in family_requests(ctx, person_id, rules.LIVE) if r.code == code]
    return found[-1] if found else None


def lock(ctx: Context, request_id: int) -> ConsentRequest | None:
    """Reload a request with a row lock (PostgreSQL), so two answers apply one at a time."""
    return ctx.session.scalar(
        select(ConsentRequest).where(ConsentRequest.id == request_id).with_for_update()
    )


def facts_of(ctx: Context, request: ConsentRequest) -> Facts:
    return load_facts(ctx.session, request)


# --- the request -----------------------------------------------------------------------
def start_paperwork(ctx: Context, placement: Placement) -> list[Outbound]:
    """Open the permission request for a new placement and text it to whoever signs.

    The request texts are enqueued here (each ConsentRecord links its outbox row); the
    returned messages are the rest (a coordinator's paper task) for the caller to send.
    """
    student = ctx.session.get(Student, placement.student_id)
    assert student is not None
    signer = rules.signer_for(student.birth_date, placement.starts_on)
    request = ConsentRequest(
        placement_id=placement.id,
        code=free_code(ctx, placement.student_id),
        signer=signer,
        status=ConsentStatus.OPEN,
        template_version=TEMPLATE_VERSION,
        created_at=ctx.now,
        reminders_sent=0,
    )
    ctx.session.add(request)
    ctx.session.flush()
    trail.record(
        ctx.session,
        at=ctx.now,
        actor=ctx.actor,
        action="consent:requested",
        entity="placement",
        entity_id=placement.id,
        details={"request": request.id, "signer": signer},
    )
    facts = facts_of(ctx, request)
    people = [student.person] if signer == "self" else guardians_of(ctx, student.person_id)
    sent = sum(_send_request(ctx, request, facts, person) for person in people)
    if sent == 0:
        reason = PAPER_OPTED_OUT if people and _all_opted_out(ctx, people) else PAPER_NO_CONTACT
        return paper_needed(ctx, request, facts, reason)
    hours = ctx.settings.policy.consent_reminder_hours
    for n, after in enumerate(hours, start=1):
        jobs.schedule(
            ctx,
            REMIND,
            subject_id=request.id,
            due_at=ctx.now + timedelta(hours=after),
            payload={"n": n, "last": n == len(hours)},
        )
    return []


def free_code(ctx: Context, student_id: int) -> str:
    """A code no request of this family has ever used.

    Answers are matched within the answering person's family (find_by_code), so codes only
    need to be unique per family: 9,000 codes never run out for a 50,000-student district.
    """
    family = select(GuardianLink.student_id).where(
        GuardianLink.guardian_id.in_(
            select(GuardianLink.guardian_id).where(GuardianLink.student_id == student_id)
        )
    )
    taken = ctx.session.scalars(
        select(ConsentRequest.code)
        .join(Placement, Placement.id == ConsentRequest.placement_id)
        .where(Placement.student_id.in_(family) | (Placement.student_id == student_id))
    ).all()
    return rules.new_code(set(taken))


def _send_request(ctx: Context, request: ConsentRequest, facts: Facts, person: Person) -> int:
    contact = usable_contact(ctx, person.id)
    if contact is None:
        return 0
    text = request_text(facts, person.language, ctx.settings)
    out = Outbound(
        text,
        to=person.id,
        urgent=False,
        category="consent",
        buttons=[answer_buttons(ctx, person.id, person.language, request)],
    )
    row = enqueue(ctx, out, sender_urn=contact.urn, sender_id=person.id)
    ctx.session.flush()
    append_record(
        ctx,
        request,
        ConsentAction.REQUEST_SENT,
        signer_id=person.id,
        channel=row.channel,
        from_address=contact.urn,
        request_text=text,
        outbox_id=row.id,
    )
    return 1


def answer_buttons(
    ctx: Context, person_id: int, lang: str, request: ConsentRequest
) -> list[Button]:
    """Yes / No buttons for Telegram; on SMS they are the `YES 4821` / `NO 4821` replies."""
    _ = ctx.tr(lang)
    secret = ctx.settings.secret_key
    return [
        Button(_("Yes"), payloads.sign(secret, person_id, "cy", request.id), f"YES {request.code}"),
        Button(_("No"), payloads.sign(secret, person_id, "cn", request.id), f"NO {request.code}"),
    ]


def _all_opted_out(ctx: Context, people: list[Person]) -> bool:
    ids = [p.id for p in people]
    rows = ctx.session.scalars(select(Contact).where(Contact.person_id.in_(ids))).all()
    return bool(rows) and all(c.opted_out_at is not None for c in rows)


def paper_needed(ctx: Context, request: ConsentRequest, facts: Facts, msgid: str) -> list[Outbound]:
    """Mark the request for paper collection and give the coordinator the task."""
    request.status = ConsentStatus.PAPER_NEEDED
    jobs.cancel(ctx, REMIND, request.id)
    return alert(ctx, facts, "consent_paper", msgid)


def alert(ctx: Context, facts: Facts, kind: str, msgid: str) -> list[Outbound]:
    """Tell the student's coordinator about this request (names only in the message)."""
    return alert_coordinator(
        ctx,
        facts.student_id,
        kind,
        msgid,
        student=facts.student_full,
        title=facts.title,
        placement=facts.placement_id,
        code=facts.code,
    )


def append_record(
    ctx: Context, request: ConsentRequest, action: str, **fields: object
) -> ConsentRecord:
    text = fields.get("request_text")
    row = ConsentRecord(
        request_id=request.id,
        placement_id=request.placement_id,
        action=action,
        recorded_at=ctx.now,
        template_version=request.template_version,
        request_text_sha256=sha256(text) if isinstance(text, str) else None,
        **fields,
    )
    ctx.session.add(row)
    ctx.session.flush()
    return row


def _sent_record(ctx: Context, request: ConsentRequest, person_id: int) -> ConsentRecord | None:
    """The request text this person was sent (else the latest sent to anyone)."""
    rows = ctx.session.scalars(
        select(ConsentRecord)
        .where(
            ConsentRecord.request_id == request.id,
            ConsentRecord.action == ConsentAction.REQUEST_SENT,
        )
        .order_by(ConsentRecord.id)
    ).all()
    own = [r for r in rows if r.signer_id == person_id] or list(rows)
    return own[-1] if own else None


def record_answer(
    ctx: Context, request: ConsentRequest, signer: Signer, action: str
) -> ConsentRecord:
    """Append the signature record for one answer, tied to the text the signer was sent."""
    sent = _sent_record(ctx, request, signer.person_id)
    inbound_id = None
    if signer.provider_id:
        inbound_id = ctx.session.scalar(
            select(InboundMessage.id).where(
                InboundMessage.channel == signer.channel,
                InboundMessage.provider_id == signer.provider_id[:64],
            )
        )
    return append_record(
        ctx,
        request,
        action,
        signer_id=signer.person_id,
        channel=signer.channel,
        from_address=signer.urn,
        inbound_message_id=inbound_id,
        provider_message_id=(signer.provider_id or "")[:64] or None,
        raw_text=signer.raw_text,
        request_text=sent.request_text if sent else None,
        outbox_id=sent.outbox_id if sent else None,
    )
