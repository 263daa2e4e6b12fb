"""What a YES, a NO or a REVOKE does; reminders; consent collected on paper.

The policy (which answer does what, whether one guardian suffices) is bot.rules.consent;
this module records the act and moves the request and the placement accordingly.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from bot import jobs
from bot.context import Context
from bot.errors import WBLError
from bot.i18n import N_
from bot.messages import Outbound
from bot.rules import consent as rules
from bot.services import consent as svc
from bot.services import lifecycle, paperwork
from bot.services.consent_docs import Facts, reminder_text
from bot.services.consent_receipt import receipt_url
from bot.statuses import ConsentAction, ConsentStatus, PlacementStatus
from db import trail
from db.models import ConsentRecord, ConsentRequest, Person, Placement, Student

# the answers a signer gives; the latest one per signer is their word
ANSWERS = (ConsentAction.GRANT, ConsentAction.DECLINE, ConsentAction.REVOKE)

GRANTED = N_(
    'Thank you. Your permission for {student} to do "{title}" is recorded (ref {ref}). '
    "To withdraw it later, reply REVOKE {code}."
)
GRANTED_SELF = N_('Thank you. Your signature for "{title}" is recorded (ref {ref}).')
GRANTED_WAITING = N_(
    "Thank you. Your YES for {student} is recorded (ref {ref}). We still need the other "
    "guardian's answer."
)
DECLINED = N_(
    'Understood. {student} will not do "{title}" (ref {ref}). Questions? Contact {contact}.'
)
REVOKED = N_(
    'Your permission for {student} to do "{title}" is withdrawn (ref {ref}). '
    "Reply YES {code} to give it again."
)
RECEIPT_LINK = N_("Your receipt: {link}")
ALREADY_GRANTED = N_(
    "Your permission for {student} is already on file. To withdraw it, reply REVOKE {code}."
)
ALREADY_WITHDRAWN = N_(
    "Permission for {student} is already withdrawn. Reply YES {code} to give it again."
)
NOT_GRANTED_YET = N_(
    "You have not given permission for {student} yet, so there is nothing to withdraw. "
    "Reply NO {code} to decline."
)
CLOSED = N_("That request is closed, so nothing changed. Questions? Contact {contact}.")


def apply_answer(
    ctx: Context, request: ConsentRequest, signer: svc.Signer, verb: str
) -> list[Outbound]:
    """Apply YES/NO/REVOKE from `signer` to `request`; the confirmation comes first."""
    locked = svc.lock(ctx, request.id) or request
    facts = svc.facts_of(ctx, locked)
    placement = ctx.session.get(Placement, locked.placement_id)
    assert placement is not None
    eff = rules.effect(locked.status, verb)
    if eff == "grant":
        return _grant(ctx, locked, placement, facts, signer)
    if eff == "decline":
        return _decline(ctx, locked, placement, facts, signer)
    if eff == "revoke":
        return _revoke(ctx, locked, placement, facts, signer)
    msgid = {
        "already_granted": ALREADY_GRANTED,
        "already_withdrawn": ALREADY_WITHDRAWN,
        "not_granted_yet": NOT_GRANTED_YET,
    }.get(eff, CLOSED)
    return [_confirm(ctx, signer, facts, msgid)]


def _confirm(
    ctx: Context, signer: svc.Signer, facts: Facts, msgid: str, ref: int | None = None
) -> Outbound:
    """An urgent reply to the signer (sent once even if they opted out: it's their act)."""
    text = ctx.tr(signer.language)(
        msgid,
        student=facts.student_first,
        title=facts.title,
        code=facts.code,
        ref=ref or "",
        contact=ctx.settings.coordinator_contact,
    )
    if ref is not None:  # the signed receipt of this answer, to keep
        link = receipt_url(ctx.settings, ref)
        text += "\n" + ctx.tr(signer.language)(RECEIPT_LINK, link=link)
    return Outbound(text, ignore_optout=signer.opted_out, category="consent")


def _student_note(ctx: Context, facts: Facts, msgid: str, **params: object) -> Outbound:
    student = ctx.session.get(Person, facts.student_id)
    lang = student.language if student else "en"
    text = ctx.tr(lang)(msgid, title=facts.title, **params)
    return Outbound(text, to=facts.student_id, urgent=False, category="consent")


def _close(ctx: Context, request: ConsentRequest, status: ConsentStatus) -> None:
    request.status = status
    request.closed_at = ctx.now
    jobs.cancel(ctx, svc.REMIND, request.id)
    jobs.cancel(ctx, svc.PAPER, request.id)


def _audit(ctx: Context, request: ConsentRequest, action: str, record: ConsentRecord) -> None:
    trail.record(
        ctx.session,
        at=ctx.now,
        actor=ctx.actor,
        action=f"consent:{action}",
        entity="placement",
        entity_id=request.placement_id,
        details={"request": request.id, "record": record.id},
    )


def _grant(
    ctx: Context,
    request: ConsentRequest,
    placement: Placement,
    facts: Facts,
    signer: svc.Signer,
) -> list[Outbound]:
    record = svc.record_answer(ctx, request, signer, ConsentAction.GRANT)
    _audit(ctx, request, ConsentAction.GRANT, record)
    status = rules.status_after_grant(
        _required(ctx, request), _granters(ctx, request), all_required=_all_required(ctx, request)
    )
    if status != ConsentStatus.GRANTED:
        request.status = ConsentStatus.OPEN
        return [_confirm(ctx, signer, facts, GRANTED_WAITING, record.id)]
    _close(ctx, request, ConsentStatus.GRANTED)
    msgid = GRANTED_SELF if request.signer == "self" else GRANTED
    return [_confirm(ctx, signer, facts, msgid, record.id), *on_granted(ctx, placement, facts)]


def on_granted(ctx: Context, placement: Placement, facts: Facts) -> list[Outbound]:
    """Consent is on file: restore a paused placement, or move on the paperwork."""
    if placement.status == PlacementStatus.PAUSED:
        lifecycle.move(ctx, placement, PlacementStatus.READY, "consent given again")
        restored = svc.alert(ctx, facts, "consent_restored", svc.ALERT_RESTORED)
        return [_student_note(ctx, facts, svc.STUDENT_RESTORED), *restored]
    if placement.status != PlacementStatus.PAPERWORK:
        return []
    student = ctx.session.get(Person, facts.student_id)
    lang = student.language if student else "en"
    done = paperwork.refresh(ctx, placement, facts.title, lang, urgent=False)
    if done:
        return done
    _ = ctx.tr(lang)
    missing = ", ".join(_(paperwork.MISSING_LABELS[m]) for m in paperwork.missing(ctx, placement))
    return [_student_note(ctx, facts, svc.STUDENT_GRANTED, missing=missing)]


def _decline(
    ctx: Context,
    request: ConsentRequest,
    placement: Placement,
    facts: Facts,
    signer: svc.Signer,
) -> list[Outbound]:
    record = svc.record_answer(ctx, request, signer, ConsentAction.DECLINE)
    _audit(ctx, request, ConsentAction.DECLINE, record)
    _close(ctx, request, ConsentStatus.DECLINED)
    out = [_confirm(ctx, signer, facts, DECLINED, record.id)]
    return out + end_placement(ctx, placement, facts, notify_student=request.signer != "self")


def end_placement(
    ctx: Context, placement: Placement, facts: Facts, *, notify_student: bool, alert: bool = True
) -> list[Outbound]:
    """A NO declines the placement; the student and the coordinator are told."""
    if placement.status in (PlacementStatus.PAPERWORK, PlacementStatus.PAUSED):
        lifecycle.move(ctx, placement, PlacementStatus.DECLINED, "consent declined")
    notes = [_student_note(ctx, facts, svc.STUDENT_DECLINED)] if notify_student else []
    if not alert:
        return notes
    return notes + svc.alert(ctx, facts, "consent_declined", svc.ALERT_DECLINED)


def _revoke(
    ctx: Context,
    request: ConsentRequest,
    placement: Placement,
    facts: Facts,
    signer: svc.Signer,
) -> list[Outbound]:
    record = svc.record_answer(ctx, request, signer, ConsentAction.REVOKE)
    _audit(ctx, request, ConsentAction.REVOKE, record)
    request.status = ConsentStatus.REVOKED
    request.closed_at = ctx.now
    placement.paper_consent = False
    if placement.status == PlacementStatus.READY:
        lifecycle.move(ctx, placement, PlacementStatus.PAUSED, "consent revoked")
    out = [_confirm(ctx, signer, facts, REVOKED, record.id)]
    if request.signer != "self":
        out.append(_student_note(ctx, facts, svc.STUDENT_REVOKED))
    return out + svc.alert(ctx, facts, "consent_revoked", svc.ALERT_REVOKED)


def _all_required(ctx: Context, request: ConsentRequest) -> bool:
    return request.signer == "guardians" and ctx.settings.policy.consent_all_guardians


def _required(ctx: Context, request: ConsentRequest) -> set[int]:
    """Guardians who must all say YES (when required): those who can be texted."""
    placement = ctx.session.get(Placement, request.placement_id)
    assert placement is not None
    people = svc.guardians_of(ctx, placement.student_id)
    return {p.id for p in people if svc.usable_contact(ctx, p.id) is not None}


def _granters(ctx: Context, request: ConsentRequest) -> set[int]:
    """Signers whose latest act on this request is a YES."""
    latest: dict[int, str] = {}
    rows = ctx.session.execute(
        select(ConsentRecord.signer_id, ConsentRecord.action)
        .where(
            ConsentRecord.request_id == request.id,
            ConsentRecord.action.in_(ANSWERS),
        )
        .order_by(ConsentRecord.id)
    ).all()
    for signer_id, action in rows:
        if signer_id is not None:
            latest[signer_id] = action
    return {pid for pid, action in latest.items() if action == ConsentAction.GRANT}


# --- reminders -------------------------------------------------------------------------
def remind(ctx: Context, request_id: int, *, last: bool) -> list[Outbound]:
    """Remind whoever was asked and hasn't answered; after the last, schedule paper."""
    request = ctx.session.get(ConsentRequest, request_id)
    if request is None or request.status != ConsentStatus.OPEN:
        return []
    facts = svc.facts_of(ctx, request)
    answered = _answered(ctx, request)
    asked = ctx.session.scalars(
        select(ConsentRecord.signer_id)
        .where(
            ConsentRecord.request_id == request.id,
            ConsentRecord.action == ConsentAction.REQUEST_SENT,
        )
        .distinct()
    ).all()
    out: list[Outbound] = []
    for person_id in sorted(p for p in asked if p is not None and p not in answered):
        person = ctx.session.get(Person, person_id)
        if person is None or not person.active or svc.usable_contact(ctx, person_id) is None:
            continue  # opted out: nothing more until START
        text = reminder_text(facts, person.language, ctx.settings, last=last)
        buttons = [svc.answer_buttons(ctx, person_id, person.language, request)]
        out.append(Outbound(text, to=person_id, urgent=False, category="consent", buttons=buttons))
    request.reminders_sent = (request.reminders_sent or 0) + 1
    if not out:
        return svc.paper_needed(ctx, request, facts, svc.PAPER_OPTED_OUT)
    if last:
        due = ctx.now + timedelta(hours=ctx.settings.policy.consent_paper_after_h)
        jobs.schedule(ctx, svc.PAPER, subject_id=request.id, due_at=due)
    return out


def _answered(ctx: Context, request: ConsentRequest) -> set[int]:
    rows = ctx.session.scalars(
        select(ConsentRecord.signer_id).where(
            ConsentRecord.request_id == request.id,
            ConsentRecord.action.in_(ANSWERS),
        )
    ).all()
    return {r for r in rows if r is not None}


def paper_check(ctx: Context, request_id: int) -> list[Outbound]:
    """Still no answer a day after the last reminder: the coordinator collects it on paper."""
    request = ctx.session.get(ConsentRequest, request_id)
    if request is None or request.status != ConsentStatus.OPEN:
        return []
    return svc.paper_needed(ctx, request, svc.facts_of(ctx, request), svc.PAPER_NO_ANSWER)


# --- paper -----------------------------------------------------------------------------
def record_paper_consent(
    ctx: Context,
    placement_id: int,
    *,
    staff_person_id: int,
    granted: bool,
    method: str,
    signed_on: date,
    signer_name: str | None = None,
) -> list[Outbound]:
    """Record consent a coordinator collected on paper (who, how, when); move the placement."""
    placement = ctx.session.get(Placement, placement_id)
    if placement is None:
        raise WBLError(svc.NO_PLACEMENT)
    if placement.status not in (
        PlacementStatus.PAPERWORK,
        PlacementStatus.READY,
        PlacementStatus.PAUSED,
    ):
        raise WBLError(svc.PLACEMENT_CLOSED)
    ctx.actor = f"staff:{staff_person_id}"
    request = _latest_request(ctx, placement)
    record = svc.append_record(
        ctx,
        request,
        ConsentAction.PAPER_GRANT if granted else ConsentAction.PAPER_DECLINE,
        channel="paper",
        recorded_by=ctx.actor,
        method=(method or "paper")[:255],
        signed_on=signed_on,
        signer_name=(signer_name or None) and signer_name[:255],
    )
    _audit(ctx, request, record.action, record)
    facts = svc.facts_of(ctx, request)
    if not granted:
        _close(ctx, request, ConsentStatus.DECLINED)
        return end_placement(ctx, placement, facts, notify_student=True, alert=False)
    _close(ctx, request, ConsentStatus.GRANTED)
    placement.paper_consent = True
    return on_granted(ctx, placement, facts)


def _latest_request(ctx: Context, placement: Placement) -> ConsentRequest:
    request = ctx.session.scalar(
        select(ConsentRequest)
        .where(ConsentRequest.placement_id == placement.id)
        .order_by(ConsentRequest.id.desc())
        .limit(1)
        .with_for_update()
    )
    if request is not None:
        return request
    student = ctx.session.get(Student, placement.student_id)
    request = ConsentRequest(
        placement_id=placement.id,
        code=svc.free_code(ctx, placement.student_id),
        signer=rules.signer_for(student.birth_date if student else None, placement.starts_on),
        status=ConsentStatus.PAPER_NEEDED,
        template_version="paper",
        created_at=ctx.now,
        reminders_sent=0,
    )
    ctx.session.add(request)
    ctx.session.flush()
    return request
