"""Is a placement's paperwork complete? The one rule every door uses.

A placement may start when (1) permission is on file — a guardian's YES for a minor (or
all guardians' when the district requires it), the student's own signature at 18+, or
paper consent recorded by a coordinator — and (2) the student acknowledged the training
agreement (AGREE). The consent details live in services.consent; this module only asks.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from bot import kinds
from bot.context import Context
from bot.i18n import N_
from bot.kinds import Paper
from bot.messages import Outbound
from bot.services import lifecycle
from bot.statuses import ConsentStatus, PlacementStatus
from db.models import ConsentRequest, Opportunity, Placement

MISSING_LABELS = {
    "consent": N_("permission from a parent or guardian"),
    "self_consent": N_("your own signature (reply YES with the code we sent you)"),
    "agreement": N_("your OK to the training agreement (reply AGREE)"),
}
READY = N_("You're all set for {title}! Reply IN when you start work, or MENU for options.")


def consent_on_file(ctx: Context, placement: Placement) -> bool:
    if placement.paper_consent:
        return True
    granted = ctx.session.scalar(
        select(ConsentRequest.id)
        .where(
            ConsentRequest.placement_id == placement.id,
            ConsentRequest.status == ConsentStatus.GRANTED,
        )
        .limit(1)
    )
    return granted is not None


def self_signed(ctx: Context, placement: Placement) -> bool:
    """True when the open/granted request is one the student signs for themselves."""
    signer = ctx.session.scalar(
        select(ConsentRequest.signer)
        .where(ConsentRequest.placement_id == placement.id)
        .order_by(ConsentRequest.id.desc())
        .limit(1)
    )
    return signer == "self"


def labels(_: Callable[..., str], missing: list[str]) -> str:
    """What is `missing`, in the reader's words ("; "-separated)."""
    return "; ".join(_(MISSING_LABELS[code]) for code in missing)


def missing(ctx: Context, placement: Placement) -> list[str]:
    """Codes of what is still missing, in the order the student should do them.

    Which papers apply is the opportunity's kind's (`Kind.paperwork`)."""
    opp = ctx.session.get(Opportunity, placement.opportunity_id)
    needs = kinds.get(opp.kind).paperwork if opp is not None else tuple(Paper)
    items: list[str] = []
    if Paper.CONSENT in needs and not consent_on_file(ctx, placement):
        items.append("self_consent" if self_signed(ctx, placement) else "consent")
    if Paper.AGREEMENT in needs and placement.agreement_ack_at is None:
        items.append("agreement")
    return items


def refresh(
    ctx: Context, placement: Placement, title: str, lang: str, *, urgent: bool = True
) -> list[Outbound]:
    """Move a placement whose paperwork just completed to `ready` and tell the student.

    `urgent`: True when this answers the student's own message (AGREE), False when it is
    a notice caused by someone else (a guardian's YES).
    """
    if placement.status != PlacementStatus.PAPERWORK or missing(ctx, placement):
        return []
    lifecycle.move(ctx, placement, PlacementStatus.READY, "paperwork complete")
    text = ctx.tr(lang)(READY, title=title)
    return [Outbound(text, to=placement.student_id, urgent=urgent)]
