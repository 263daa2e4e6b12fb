"""Trading by message: invoices, payments, transfers and disputes (the members' effects).

Each service checks again what the chat decided from its reads, under the locks that make
it true until commit: the invoice's row first, then the paying firm's account row (always
in that order, so two payments cannot deadlock). An invoice is paid at most once (its row
lock, its status, and a unique index on the transaction's `invoice_id`); funds suffice
when the payment posts. A refusal raises WBLError: the engine rolls the turn back and
answers with it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.context import Context
from bot.errors import WBLError
from bot.kinds.simulation import texts as t
from bot.kinds.simulation.effects import Dispute, IssueInvoice, PayInvoice, Transfer
from bot.kinds.simulation.rules import clean_memo, may_pay, money
from bot.kinds.simulation.service import firms, ledger
from bot.messages import Outbound
from bot.statuses import InvoiceStatus
from db import trail
from db.models import Person, SimFirm, SimInvoice


@dataclass(frozen=True)
class InvoiceView:
    number: int
    issuer_id: int
    billed_id: int
    other: str  # the other firm's code, as the asking firm sees it
    amount: int
    memo: str
    status: str


def invoice(session: Session, number: int, firm_id: int) -> InvoiceView | None:
    """Invoice `number` as firm `firm_id` sees it (None: no such invoice)."""
    row = session.get(SimInvoice, number) if 0 < number < 2**31 else None
    if row is None:
        return None
    other = row.issuer_id if row.billed_id == firm_id else row.billed_id
    code = session.scalar(select(SimFirm.code).where(SimFirm.id == other)) or "?"
    return InvoiceView(
        row.id, row.issuer_id, row.billed_id, code, row.amount_cents, row.memo, row.status
    )


def open_invoices(ctx: Context, firm_id: int) -> list[InvoiceView]:
    """Open and disputed invoices the firm sent or must pay, oldest first."""
    rows = ctx.session.scalars(
        select(SimInvoice)
        .where(
            (SimInvoice.issuer_id == firm_id) | (SimInvoice.billed_id == firm_id),
            SimInvoice.status.in_(("open", "disputed")),
        )
        .order_by(SimInvoice.id)
    )
    return [v for r in rows if (v := invoice(ctx.session, r.id, firm_id)) is not None]


def tell_members(
    ctx: Context, firm_id: int, msgid: str, skip: int | None = None, urgent: bool = True, **kw: str
) -> list[Outbound]:
    """The same notice to every member of a firm, each in their own language."""
    return notices(ctx, firms.members(ctx.session, firm_id), msgid, skip, urgent, **kw)


def notices(
    ctx: Context,
    people: list[firms.Member],
    msgid: str,
    skip: int | None = None,
    urgent: bool = True,
    **kw: str,
) -> list[Outbound]:
    return [
        Outbound(ctx.tr(lang)(msgid, **kw), to=pid, urgent=urgent, category="simulation")
        for pid, lang, _name, _role in people
        if pid != skip
    ]


def tell_person(
    ctx: Context, person_id: int | None, msgid: str, urgent: bool = True, **kw: str
) -> list[Outbound]:
    person = ctx.session.get(Person, person_id) if person_id else None
    if person is None:
        return []
    return [Outbound(ctx.tr(person.language)(msgid, **kw), to=person.id, urgent=urgent)]


def _firm(ctx: Context, firm_id: int) -> firms.FirmView:
    found = firms.firm(ctx.session, firm_id)
    if found is None:
        raise LookupError(firm_id)
    return found


def _language(ctx: Context, person_id: int) -> str:
    return ctx.session.scalar(select(Person.language).where(Person.id == person_id)) or "en"


def _audit(ctx: Context, person_id: int, action: str, entity_id: int, **details: object) -> None:
    trail.record(
        ctx.session, at=ctx.now, actor=f"person:{person_id}", action=f"simulation.{action}",
        entity="sim_invoice" if action != "transfer" else "sim_transaction",
        entity_id=entity_id, details=details,
    )  # fmt: skip


def issue_invoice(ctx: Context, e: IssueInvoice) -> list[Outbound]:
    mine, billed = _firm(ctx, e.firm_id), _firm(ctx, e.billed_id)
    row = SimInvoice(
        issuer_id=mine.id, billed_id=billed.id, amount_cents=e.amount, memo=clean_memo(e.memo),
        status="open", created_at=ctx.now, created_by=e.person_id,
    )  # fmt: skip
    ctx.session.add(row)
    ctx.session.flush()
    _audit(ctx, e.person_id, "invoice", row.id, amount=e.amount)
    amount = money(e.amount)
    _ = ctx.tr(_language(ctx, e.person_id))
    reply = Outbound(_(t.INVOICE_SENT, number=row.id, firm=billed.code, amount=amount))
    memo = row.memo or "-"
    return [
        reply,
        *tell_members(
            ctx,
            billed.id,
            t.INVOICE_NOTICE,
            number=str(row.id),
            firm=mine.name,
            amount=amount,
            memo=memo,
        ),  # fmt: skip
    ]


def _check_payer(ctx: Context, person_id: int, mine: firms.FirmView) -> None:
    member = firms.membership(ctx.session, person_id)
    if member is None or member.firm.id != mine.id:
        raise WBLError(t.NOT_MEMBER)
    if not may_pay(member.role, list(mine.pay_roles)):
        raise WBLError(t.NO_ROLE, firm=mine.code, roles=", ".join(mine.pay_roles))


def _check_funds(ctx: Context, mine: firms.FirmView, amount: int) -> int:
    ledger.lock(ctx.session, mine.account_id)
    have = ledger.balance(ctx.session, mine.account_id)
    if have < amount:
        raise WBLError(t.NO_FUNDS, firm=mine.code, balance=money(have), amount=money(amount))
    return have - amount


STATUS_REFUSALS = {"paid": t.ALREADY_PAID, "disputed": t.IS_DISPUTED, "cancelled": t.IS_CANCELLED}


def _open_bill(
    ctx: Context, number: int, firm_id: int, refusals: dict[str, str]
) -> tuple[SimInvoice, firms.FirmView]:
    """Invoice `number`, locked, when `firm_id` owes it and it is open; else WBLError."""
    row = ctx.session.scalar(
        select(SimInvoice).where(SimInvoice.id == number).with_for_update(key_share=True)
    )
    mine = _firm(ctx, firm_id)
    if row is None or row.billed_id != mine.id:
        raise WBLError(t.NO_INVOICE, number=number, firm=mine.code)
    if row.status != "open":
        raise WBLError(refusals.get(row.status, t.NOT_OPEN), number=row.id)
    return row, mine


def pay_invoice(ctx: Context, e: PayInvoice) -> list[Outbound]:
    row, mine = _open_bill(ctx, e.invoice_id, e.firm_id, STATUS_REFUSALS)
    _check_payer(ctx, e.person_id, mine)
    left = _check_funds(ctx, mine, row.amount_cents)
    payee = _firm(ctx, row.issuer_id)
    ledger.post(
        ctx.session, at=ctx.now, kind="invoice", source=mine.account_id,
        target=payee.account_id, amount=row.amount_cents, actor=f"person:{e.person_id}",
        memo=row.memo, invoice_id=row.id,
    )  # fmt: skip
    row.status, row.paid_at = InvoiceStatus.PAID, ctx.now
    _audit(ctx, e.person_id, "pay", row.id, amount=row.amount_cents)
    _ = ctx.tr(_language(ctx, e.person_id))
    amount = money(row.amount_cents)
    return [
        Outbound(
            _(
                t.PAID,
                amount=amount,
                firm=payee.code,
                number=row.id,
                mine=mine.code,
                balance=money(left),
            )
        ),  # fmt: skip
        *_payment_notices(ctx, e.person_id, mine, payee, amount, row.memo or f"#{row.id}"),
    ]


def transfer(ctx: Context, e: Transfer) -> list[Outbound]:
    mine, payee = _firm(ctx, e.firm_id), _firm(ctx, e.payee_id)
    _check_payer(ctx, e.person_id, mine)
    left = _check_funds(ctx, mine, e.amount)
    memo = clean_memo(e.memo)
    row = ledger.post(
        ctx.session, at=ctx.now, kind="transfer", source=mine.account_id,
        target=payee.account_id, amount=e.amount, actor=f"person:{e.person_id}", memo=memo,
    )  # fmt: skip
    _audit(ctx, e.person_id, "transfer", row.id, amount=e.amount)
    _ = ctx.tr(_language(ctx, e.person_id))
    amount = money(e.amount)
    return [
        Outbound(_(t.SENT, amount=amount, firm=payee.code, mine=mine.code, balance=money(left))),
        *_payment_notices(ctx, e.person_id, mine, payee, amount, memo or "-"),
    ]


def _payment_notices(
    ctx: Context, payer_id: int, mine: firms.FirmView, payee: firms.FirmView, amount: str, memo: str
) -> Iterable[Outbound]:
    """Both firms are told: the payer's other members and the payee's members."""
    for view in (mine, payee):
        yield from tell_members(
            ctx, view.id, t.PAYMENT_NOTICE, skip=payer_id, payer=mine.code, payee=payee.code,
            amount=amount, memo=memo, firm=view.code,
            balance=money(firms.balance(ctx.session, view)),
        )  # fmt: skip


def dispute(ctx: Context, e: Dispute) -> list[Outbound]:
    row, mine = _open_bill(ctx, e.invoice_id, e.firm_id, {})
    reason = clean_memo(e.reason, 300)
    row.status, row.dispute_reason, row.disputed_at = InvoiceStatus.DISPUTED, reason, ctx.now
    _audit(ctx, e.person_id, "dispute", row.id)
    issuer = _firm(ctx, row.issuer_id)
    amount = money(row.amount_cents)
    _ = ctx.tr(_language(ctx, e.person_id))
    out = [Outbound(_(t.DISPUTED, number=row.id, firm=issuer.code))]
    out += tell_members(
        ctx, issuer.id, t.DISPUTE_NOTICE, firm=mine.code, number=str(row.id), amount=amount,
        reason=reason,
    )  # fmt: skip
    for facilitator in {issuer.facilitator_id, mine.facilitator_id} - {None}:
        out += tell_person(
            ctx, facilitator, t.DISPUTE_TO_FACILITATOR, number=str(row.id), issuer=issuer.code,
            billed=mine.code, amount=amount, reason=reason,
        )  # fmt: skip
    return out
