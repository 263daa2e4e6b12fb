"""An employer proposes an opportunity through a private link the coordinator sends (by
email to the employer's contact email when SMTP_URL is set, else by SMS to the contact
phone); the coordinator approves it into the catalogue.

The link is `/dashboard/proposal/<token>` (the `proposal` segment is redacted from every
log, bot/access_log.py); only the token's SHA-256 is stored; it works for 14 days and
until the proposal is submitted.
"""

from __future__ import annotations

import hashlib
import secrets
import smtplib
from collections.abc import Mapping
from datetime import timedelta

from sqlalchemy import select

from bot.channels.specs import roster_phone
from bot.context import Context
from bot.errors import WBLError
from bot.i18n import N_
from bot.messages import Outbound
from bot.outbox import enqueue
from bot.services import mail
from bot.services.partner_forms import opportunity_values, save_opportunity
from bot.statuses import ProposalStatus
from db import trail
from db.models import Employer, OpportunityProposal

VALID_FOR = timedelta(days=14)
INVITE = N_(
    "{program}: propose a work-based learning opportunity for our students at {employer}. "
    "Private link (14 days): {link}"
)
SUBJECT = N_("{program}: propose an opportunity for our students")
GONE = N_("This proposal was already decided.")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_for(ctx: Context, token: str) -> str:
    return f"{ctx.settings.public_base_url}/dashboard/proposal/{token}"


def invite(ctx: Context, employer_id: int) -> tuple[str, str]:
    """Make a proposal link for an employer and send it: by email when SMTP_URL is set and
    the employer has a contact email (a failed send falls back to SMS), else by text to the
    contact phone; (the link, how it went: "email", "text" or "")."""
    employer = ctx.session.get(Employer, employer_id)
    if employer is None:
        raise LookupError(employer_id)
    token = secrets.token_urlsafe(24)
    ctx.session.add(
        OpportunityProposal(
            employer_id=employer.id,
            token_sha256=_digest(token),
            status=ProposalStatus.OPEN,
            values={},
            created_at=ctx.now,
            expires_at=ctx.now + VALID_FOR,
        )
    )
    trail.record(
        ctx.session,
        at=ctx.now,
        actor=ctx.actor,
        action="proposal:invited",
        entity="employer",
        entity_id=employer.id,
    )
    link = link_for(ctx, token)
    _ = ctx.tr("en")
    text = _(INVITE, program=ctx.settings.program_name, employer=employer.name, link=link)
    if ctx.settings.smtp_url and employer.contact_email:
        subject = _(SUBJECT, program=ctx.settings.program_name)
        try:
            mail.send(ctx.settings.smtp_url, employer.contact_email, subject, text)
            return link, "email"
        except (OSError, smtplib.SMTPException):
            pass  # the text below, or the coordinator sends the link shown to them
    if not employer.contact_phone:
        return link, ""
    urn = roster_phone().urn(employer.contact_phone)
    enqueue(ctx, Outbound(text, category="coordinator"), sender_urn=urn)  # the coordinator's act
    return link, "text"


def open_by_token(ctx: Context, token: str) -> OpportunityProposal | None:
    """The proposal a link opens, while it is open and in date; else None."""
    found = ctx.session.scalar(
        select(OpportunityProposal).where(OpportunityProposal.token_sha256 == _digest(token[:100]))
    )
    if found is None or found.status != ProposalStatus.OPEN or found.expires_at <= ctx.now:
        return None
    return found


def submit(ctx: Context, proposal: OpportunityProposal, form: Mapping[str, str]) -> None:
    """The employer's proposal, checked as the importer checks a row (WBLError names the column)."""
    values = opportunity_values({**form, "employer_id": str(proposal.employer_id)})
    values["site_id"] = (form.get("site_id") or "").strip()
    proposal.values = values
    proposal.status = ProposalStatus.SUBMITTED
    proposal.submitted_at = ctx.now
    trail.record(
        ctx.session,
        at=ctx.now,
        actor=f"employer:{proposal.employer_id}",
        action="proposal:submitted",
        entity="opportunity_proposal",
        entity_id=proposal.id,
    )


def decide(ctx: Context, proposal_id: int, approve: bool) -> list[Outbound]:
    """Approve a submitted proposal into the catalogue, or decline it."""
    proposal = ctx.session.get(OpportunityProposal, proposal_id)
    if proposal is None:
        raise LookupError(proposal_id)
    if proposal.status != ProposalStatus.SUBMITTED:
        raise WBLError(GONE)
    if approve:
        values = dict(proposal.values)
        refs = {"employer": str(proposal.employer_id), "site": values.pop("site_id", "")}
        proposal.opportunity_id = save_opportunity(ctx, values, refs).id
    proposal.status = ProposalStatus.APPROVED if approve else ProposalStatus.DECLINED
    proposal.decided_at, proposal.decided_by = ctx.now, ctx.actor
    trail.record(
        ctx.session,
        at=ctx.now,
        actor=ctx.actor,
        action=f"proposal:{proposal.status}",
        entity="opportunity_proposal",
        entity_id=proposal.id,
    )
    return []
