"""Work a student submits (SUBMIT): text, a link, or a file/photo from the chat.

The supervisor is told by the supervisor side's sweep, which finds deliverables whose
`supervisor_notified_at` is still empty; nothing here sends to the supervisor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select

from bot.context import Context
from bot.messages import Attachment
from bot.statuses import DeliverableStatus
from db import trail
from db.models import Deliverable

URL = re.compile(r"https?://[^\s<>\"']{3,2000}", re.I)
MAX_TEXT = 4000


@dataclass(frozen=True)
class DeliverableState:
    """The latest submission of a placement and how many there were."""

    status: DeliverableStatus
    count: int


def split_link(text: str) -> tuple[str | None, str | None]:
    """(text, first link) of a submission; either may be None."""
    text = (text or "").strip()
    found = URL.search(text)
    url = found.group(0).rstrip(".,;:!?)") if found else None
    return (text[:MAX_TEXT] or None), url


def submit(
    ctx: Context, placement_id: int, text: str, attachment: Attachment | None = None
) -> Deliverable:
    """Record a submission (status submitted) in the caller's transaction."""
    body, url = split_link(text)
    if attachment is not None and body is None and attachment.name:
        body = attachment.name[:255]
    row = Deliverable(
        placement_id=placement_id,
        text=body,
        url=url,
        file_ref=f"{attachment.kind}:{attachment.ref}"[:255] if attachment else None,
        status=DeliverableStatus.SUBMITTED,
        submitted_at=ctx.now,
    )
    ctx.session.add(row)
    ctx.session.flush()
    trail.record(
        ctx.session,
        at=ctx.now,
        actor=ctx.actor,
        action="deliverable:submitted",
        entity="deliverable",
        entity_id=row.id,
        details={"placement": placement_id, "link": url is not None, "file": bool(attachment)},
    )
    return row


def latest(ctx: Context, placement_id: int) -> DeliverableState | None:
    """The newest submission's status, or None when nothing was submitted."""
    status = ctx.session.scalar(
        select(Deliverable.status)
        .where(Deliverable.placement_id == placement_id)
        .order_by(Deliverable.submitted_at.desc(), Deliverable.id.desc())
        .limit(1)
    )
    if status is None:
        return None
    count = ctx.session.scalar(
        select(func.count())
        .select_from(Deliverable)
        .where(Deliverable.placement_id == placement_id)
    )
    return DeliverableState(status, int(count or 0))
