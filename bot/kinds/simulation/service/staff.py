"""What a facilitator does on the dashboard: roles, who may pay, loans, corrections,
disputes, and approving members' logged class hours. Each call runs in the page's
transaction, is audited, and returns the messages it causes."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from bot.context import Context
from bot.display import shorten
from bot.errors import WBLError
from bot.kinds.simulation import texts as t
from bot.kinds.simulation.rules import clean_memo, money
from bot.kinds.simulation.service import firms, ledger
from bot.kinds.simulation.service.trading import tell_members, tell_person
from bot.messages import Outbound
from bot.statuses import EntryStatus, InvoiceStatus
from db import trail
from db.models import (
    Opportunity,
    Placement,
    SimAccount,
    SimFirm,
    SimInvoice,
    SimMember,
    SimTeam,
    TimeEntry,
)
from db.models import SimTransaction as T

ROLE = "[A-Za-z][A-Za-z0-9 &/-]{0,31}"


def _audit(ctx: Context, action: str, entity: str, entity_id: int, **details: object) -> None:
    trail.record(
        ctx.session, at=ctx.now, actor=ctx.actor, action=f"simulation.{action}", entity=entity,
        entity_id=entity_id, details=details,
    )  # fmt: skip


def _firm(ctx: Context, firm_id: int) -> SimFirm:
    found = ctx.session.get(SimFirm, firm_id)
    if found is None:
        raise LookupError(firm_id)
    return found


def _names(text: str) -> list[str]:
    """A comma-separated list of role names, cleaned, without repeats."""
    found = [" ".join(r.split())[:32] for r in text.split(",")]
    return list(dict.fromkeys(r for r in found if r))


def set_roles(ctx: Context, firm_id: int, roles: str, pay_roles: list[str]) -> list[Outbound]:
    """The firm's role list, and which of them may pay (none checked: everyone may)."""
    firm = _firm(ctx, firm_id)
    firm.roles = _names(roles)
    firm.pay_roles = [r for r in pay_roles if r in firm.roles]
    firm.updated_at = ctx.now
    _audit(ctx, "roles", "sim_firm", firm.id, roles=firm.roles, pay_roles=firm.pay_roles)
    return []


def set_member_role(ctx: Context, firm_id: int, person_id: int, role: str) -> list[Outbound]:
    firm = _firm(ctx, firm_id)
    if person_id not in {pid for pid, *_ in firms.members(ctx.session, firm_id)}:
        raise LookupError(person_id)
    if role and role not in firm.roles:
        raise WBLError("Choose one of the firm's roles.")
    row = ctx.session.get(SimMember, (firm_id, person_id))
    if not role:
        if row is not None:
            ctx.session.delete(row)
    elif row is None:
        ctx.session.add(SimMember(firm_id=firm_id, person_id=person_id, role=role))
    else:
        row.role = role
    _audit(ctx, "member_role", "person", person_id, firm=firm.code, role=role)
    return []


def loan(ctx: Context, firm_id: int, amount: int, memo: str) -> list[Outbound]:
    """The facilitator's call: money from the central account to a firm (a loan, a grant)."""
    view = firms.firm(ctx.session, firm_id)
    if view is None:
        raise LookupError(firm_id)
    memo = clean_memo(memo) or "loan"
    row = ledger.post(
        ctx.session, at=ctx.now, kind="loan", source=ledger.central(ctx.session).id,
        target=view.account_id, amount=amount, actor=ctx.actor, memo=memo,
    )  # fmt: skip
    _audit(ctx, "loan", "sim_transaction", row.id, firm=view.code, amount=amount)
    balance = money(firms.balance(ctx.session, view))
    return tell_members(
        ctx, view.id, t.LOAN_NOTICE, amount=money(amount), firm=view.code, memo=memo,
        balance=balance,
    )  # fmt: skip


def reverse(ctx: Context, firm_id: int, txn_id: int) -> list[Outbound]:
    """A correction: a new transaction the other way, linked to the one it undoes."""
    view = firms.firm(ctx.session, firm_id)
    row = ctx.session.get(T, txn_id)
    if (
        view is None
        or row is None
        or view.account_id not in (row.from_account_id, row.to_account_id)
    ):
        raise LookupError(txn_id)
    if row.kind == "reversal" or ctx.session.scalar(select(T.id).where(T.corrects_id == row.id)):
        raise WBLError("That transaction is already a correction or already corrected.")
    undo = ledger.post(
        ctx.session, at=ctx.now, kind="reversal", source=row.to_account_id,
        target=row.from_account_id, amount=row.amount_cents, actor=ctx.actor,
        memo=f"reverses #{row.id}", corrects_id=row.id,
    )  # fmt: skip
    if row.invoice_id is not None:  # the invoice is owed again
        invoice = ctx.session.get(SimInvoice, row.invoice_id)
        if invoice is not None:
            invoice.status, invoice.paid_at = InvoiceStatus.OPEN, None
    _audit(ctx, "reverse", "sim_transaction", undo.id, corrects=row.id)
    out: list[Outbound] = []
    for account in (row.from_account_id, row.to_account_id):
        other = ctx.session.scalar(select(SimAccount.firm_id).where(SimAccount.id == account))
        if other is not None:
            seen = firms.firm(ctx.session, other)
            assert seen is not None
            out += tell_members(
                ctx, other, t.REVERSED_NOTICE, amount=money(row.amount_cents),
                memo=shorten(row.memo or row.kind, 30), firm=seen.code,
                balance=money(firms.balance(ctx.session, seen)),
            )  # fmt: skip
    return out


def decide_dispute(ctx: Context, firm_id: int, invoice_id: int, uphold: bool) -> list[Outbound]:
    """Uphold (the invoice is cancelled) or overrule (it is open again) a dispute."""
    row = ctx.session.scalar(
        select(SimInvoice).where(SimInvoice.id == invoice_id).with_for_update(key_share=True)
    )
    if row is None or firm_id not in (row.issuer_id, row.billed_id):
        raise LookupError(invoice_id)
    if row.status != "disputed":
        raise WBLError("That invoice is not disputed (any more).")
    row.status = InvoiceStatus.CANCELLED if uphold else InvoiceStatus.OPEN
    row.decided_at = ctx.now
    _audit(ctx, "dispute_decided", "sim_invoice", row.id, upheld=uphold)
    billed = _firm(ctx, row.billed_id)
    amount = money(row.amount_cents)
    msgid = t.UPHELD if uphold else t.OVERRULED
    return [
        *tell_members(
            ctx, row.issuer_id, msgid, number=str(row.id), amount=amount, firm=billed.code
        ),
        *tell_members(
            ctx, row.billed_id, msgid, number=str(row.id), amount=amount, firm=billed.code
        ),
    ]


def pending_hours(ctx: Context, firm_id: int) -> list[tuple[TimeEntry, str]]:
    """Members' logged hours waiting for the facilitator: (entry, opportunity title)."""
    return [
        (entry, title)
        for entry, title in ctx.session.execute(
            select(TimeEntry, Opportunity.title)
            .join(Placement, Placement.id == TimeEntry.placement_id)
            .join(SimTeam, SimTeam.opportunity_id == Placement.opportunity_id)
            .join(Opportunity, Opportunity.id == Placement.opportunity_id)
            .where(SimTeam.firm_id == firm_id, TimeEntry.status == EntryStatus.PENDING)
            .order_by(TimeEntry.created_at, TimeEntry.id)
        ).all()
    ]


def decide_hours(
    ctx: Context, firm_id: int, entry_id: int, approve: bool, reviewer: int | None, reason: str
) -> list[Outbound]:
    """Approve (verified hours) or reject a member's logged hours; the member is told."""
    found = {e.id: (e, title) for e, title in pending_hours(ctx, firm_id)}
    if entry_id not in found:
        raise WBLError("Those hours are not waiting for you (any more).")
    entry, title = found[entry_id]
    entry.status = EntryStatus.APPROVED if approve else EntryStatus.REJECTED
    entry.reviewed_by, entry.reviewed_at = reviewer, ctx.now
    entry.review_note = clean_memo(reason, 300) or None
    _audit(ctx, f"hours_{entry.status}", "time_entry", entry.id, hours=str(entry.hours or 0))
    hours = f"{Decimal(entry.hours or 0).normalize():f}"
    if approve:
        return tell_person(ctx, entry.student_id, t.HOURS_APPROVED, urgent=False, hours=hours,
                           title=shorten(title))  # fmt: skip
    return tell_person(ctx, entry.student_id, t.HOURS_REJECTED, urgent=False, hours=hours,
                       title=shorten(title), reason=entry.review_note or "-")  # fmt: skip
