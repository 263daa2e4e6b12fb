"""Work orders: a client's request from an enterprise's public form (rate-limited in the
database, a reference number), the students' JOBS / CLAIM / DONE, the requester's notices
(by text, or by mail through SMTP_URL) and the one-tap rating.

Tokens (the form's, the rating link's) are never logged; the rating link's is stored
only as its HMAC. The rate limit keys on an HMAC of the client's address."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import func, select, update

from bot import jobs
from bot.channels.specs import roster_phone
from bot.context import Context
from bot.errors import WBLError
from bot.kinds.enterprise import texts as T
from bot.kinds.enterprise.effects import ClaimOrder, FinishOrder, MailRequester
from bot.messages import Outbound
from bot.outbox import enqueue
from bot.services.mail import send_mail
from bot.statuses import WorkOrderStatus as Order
from db import trail
from db.models import EnterpriseProfile, Opportunity, WorkOrder

MAIL = "enterprise.mail"
LIMIT = 5  # requests per hour from one address
WINDOW = timedelta(hours=1)


def key_of(secret: str, value: str) -> str:
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class OrderView:
    id: int
    reference: str
    description: str
    status: str
    claimed_by: int | None


def open_orders(ctx: Context, opportunity_id: int, student_id: int) -> list[OrderView]:
    """Open work orders and the student's own claimed ones, oldest first."""
    rows = ctx.session.execute(
        select(
            WorkOrder.id, WorkOrder.reference, WorkOrder.description, WorkOrder.status,
            WorkOrder.claimed_by,
        )
        .where(
            WorkOrder.opportunity_id == opportunity_id,
            (WorkOrder.status == Order.OPEN)
            | ((WorkOrder.status == Order.CLAIMED) & (WorkOrder.claimed_by == student_id)),
        )
        .order_by(WorkOrder.created_at, WorkOrder.id)
    ).all()  # fmt: skip
    return [OrderView(*r) for r in rows]


def order(ctx: Context, order_id: int) -> OrderView | None:
    row = ctx.session.get(WorkOrder, order_id)
    if row is None:
        return None
    return OrderView(row.id, row.reference, row.description, row.status, row.claimed_by)


# --- the public form ----------------------------------------------------------------------
def enterprise_of_form(ctx: Context, token: str) -> Opportunity | None:
    profile = ctx.session.scalar(
        select(EnterpriseProfile).where(EnterpriseProfile.order_token == token)
    )
    opp = ctx.session.get(Opportunity, profile.opportunity_id) if profile else None
    return opp if opp is not None and opp.active else None


def too_many(ctx: Context, address: str) -> bool:
    """The rate limit: LIMIT requests an hour from one client address."""
    since = ctx.now - WINDOW
    count = ctx.session.scalar(
        select(func.count(WorkOrder.id)).where(
            WorkOrder.requester_hash == key_of(ctx.settings.secret_key, address),
            WorkOrder.created_at > since,
        )
    )
    return bool(count and count >= LIMIT)


def submit(
    ctx: Context,
    opportunity_id: int,
    *,
    name: str,
    phone: str | None,
    email: str | None,
    description: str,
    language: str,
    address: str,
) -> WorkOrder:
    """Record a request and tell the requester its reference (text, or mail when configured)."""
    row = WorkOrder(
        reference=_reference(ctx), opportunity_id=opportunity_id, requester_name=name[:255],
        requester_phone=phone, requester_email=email, language=language,
        description=description[:2000], status=Order.OPEN,
        requester_hash=key_of(ctx.settings.secret_key, address), created_at=ctx.now,
    )  # fmt: skip
    ctx.session.add(row)
    ctx.session.flush()
    trail.record(
        ctx.session, at=ctx.now, actor="public", action="order:submit", entity="work_order",
        entity_id=row.id, details={"opportunity": opportunity_id},
    )  # fmt: skip
    _notify(ctx, row, "received", None)
    return row


def _reference(ctx: Context) -> str:
    while True:
        ref = "WO-" + "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(5))
        if ctx.session.scalar(select(WorkOrder.id).where(WorkOrder.reference == ref)) is None:
            return ref


def _notify(ctx: Context, row: WorkOrder, what: str, link: str | None) -> None:
    """Text the requester's phone now (outbox), or queue the mail (a job sends it)."""
    if row.requester_phone:
        enqueue(
            ctx,
            Outbound(_text(ctx, row, what, link)),
            sender_urn=roster_phone().urn(row.requester_phone),
        )
    elif row.requester_email:  # sent by the job when SMTP_URL is configured
        payload = {"what": what, "link": link or ""}
        jobs.schedule(ctx, MAIL, subject_id=row.id, due_at=ctx.now, payload=payload)


def _text(ctx: Context, row: WorkOrder, what: str, link: str | None) -> str:
    _ = ctx.tr(row.language)
    name = row.requester_name.split()[0][:20] if row.requester_name.split() else ""
    if what == "received":
        return _(T.REQ_RECEIVED, name=name, ref=row.reference)
    return _(T.REQ_DONE, name=name, ref=row.reference, note=(row.note or "")[:200], link=link)


# --- JOBS / CLAIM / DONE -------------------------------------------------------------------
def claim(ctx: Context, e: ClaimOrder) -> list[Outbound]:
    """Claim an open order (a conditional update: one of two claimers wins)."""
    done = ctx.session.execute(
        update(WorkOrder)
        .where(WorkOrder.id == e.order_id, WorkOrder.status == Order.OPEN)
        .values(status=Order.CLAIMED, claimed_by=e.student_id, claimed_at=ctx.now)
    )
    if not done.rowcount:  # type: ignore[attr-defined]
        row = ctx.session.get(WorkOrder, e.order_id)
        raise WBLError(T.CLAIMED_BY_OTHER, ref=row.reference if row else "?")
    _audit(ctx, "order:claim", e.order_id)
    return []


def finish(ctx: Context, e: FinishOrder) -> list[Outbound]:
    """Close the order with the student's note, tell the requester with a rating link."""
    row = ctx.session.get(WorkOrder, e.order_id)
    if row is None or row.status != Order.CLAIMED or row.claimed_by != e.student_id:
        raise WBLError(T.DONE_NOT_YOURS, ref=row.reference if row else "?", n="")
    token = secrets.token_urlsafe(24)
    row.status, row.done_at, row.note = Order.DONE, ctx.now, e.note[:1000]
    row.rating_key = key_of(ctx.settings.secret_key, token)
    _audit(ctx, "order:done", row.id)
    _notify(ctx, row, "done", f"{ctx.settings.public_base_url}/feedback/{token}")
    return []


def rate(ctx: Context, token: str, stars: int) -> WorkOrder | None:
    """Record the requester's 1-5 (a second tap changes it); None for an unknown link."""
    row = by_rating_token(ctx, token)
    if row is None or not 1 <= stars <= 5:
        return None
    row.rating = stars
    _audit(ctx, "order:rate", row.id)
    return row


def by_rating_token(ctx: Context, token: str) -> WorkOrder | None:
    key = key_of(ctx.settings.secret_key, token)
    return ctx.session.scalar(select(WorkOrder).where(WorkOrder.rating_key == key))


def _audit(ctx: Context, action: str, order_id: int) -> None:
    trail.record(
        ctx.session, at=ctx.now, actor=ctx.actor, action=action, entity="work_order",
        entity_id=order_id,
    )  # fmt: skip


# --- mail -----------------------------------------------------------------------------------
def mail(ctx: Context, e: MailRequester) -> list[Outbound]:
    """Send the requester's notice by mail through SMTP_URL (the job's one attempt)."""
    row = ctx.session.get(WorkOrder, e.order_id)
    if row is None or not row.requester_email or not ctx.settings.smtp_url:
        return []
    _ = ctx.tr(row.language)
    msg = EmailMessage()
    subject = T.MAIL_SUBJECT_DONE if e.what == "done" else T.MAIL_SUBJECT_RECEIVED
    msg["Subject"] = _(subject, ref=row.reference)
    msg["To"] = row.requester_email
    send_mail(ctx.settings.smtp_url, msg, _text(ctx, row, e.what, e.link or None))
    return []


def when_done(created: datetime, done: datetime | None) -> str:
    if done is None:
        return ""
    hours = (done - created).total_seconds() / 3600
    return f"{hours:.1f} h"
