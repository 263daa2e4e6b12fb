"""What firm members type: BALANCE, INVOICES, INVOICE FIRM amount memo, PAY n,
PAY FIRM amount memo, DISPUTE n reason (and their Spanish forms).

Decides from reads like a flow and returns the writes as effects; the services check
again under locks (an invoice paid meanwhile, funds spent meanwhile) and refuse politely.
"""

from __future__ import annotations

from bot.display import day, shorten
from bot.flows.base import Reply, Turn
from bot.keywords import fold
from bot.kinds.simulation import texts as t
from bot.kinds.simulation.effects import Dispute, IssueInvoice, PayInvoice, Transfer
from bot.kinds.simulation.rules import may_pay, money, parse_amount
from bot.kinds.simulation.service import firms, ledger, trading
from bot.kinds.simulation.service.firms import Membership
from bot.messages import Outbound


def _args(turn: Turn) -> list[str]:
    """The words after the command word, as the person wrote them."""
    return turn.cmd.raw.split()[1:]


def _say(turn: Turn, msgid: str, **kw: object) -> Reply:
    return Reply.say(Outbound(turn._(msgid, **kw)))


def _member(turn: Turn) -> Membership | None:
    return firms.membership(turn.ctx.session, turn.person.id)


def _firms_line(turn: Turn, mine: str) -> str:
    others = [c for c in firms.all_codes(turn.ctx.session) if c != mine]
    return turn._(t.FIRMS, firms=", ".join(others) or "-")


def _number(word: str) -> int | None:
    word = word.strip("#.,;:!?")
    return int(word) if word.isdigit() and len(word) < 10 else None


def balance(turn: Turn) -> Reply | None:
    """BALANCE: the firm's balance and its last five transactions."""
    member = _member(turn)
    if member is None:
        return _say(turn, t.NOT_MEMBER)
    s, firm = turn.ctx.session, member.firm
    lines = [turn._(t.BALANCE, firm=firm.code, balance=money(firms.balance(s, firm)))]
    recent = ledger.recent(s, firm.account_id)
    names = ledger.codes(s, {r.from_account_id for r in recent} | {r.to_account_id for r in recent})
    lines.append(turn._(t.LAST) if recent else turn._(t.NO_TRANSACTIONS))
    tz, lang = turn.ctx.settings.tz, turn.person.language
    for row in recent:
        incoming = row.to_account_id == firm.account_id
        other = names[row.from_account_id if incoming else row.to_account_id]
        signed = money(row.amount_cents if incoming else -row.amount_cents)
        shown = signed if signed.startswith("-") else "+" + signed
        memo = shorten(row.memo or row.kind, 20)
        lines.append(f"{day(row.at.astimezone(tz).date(), lang)} {shown} {other} {memo}")
    return Reply.say(Outbound("\n".join(lines)))


def invoices(turn: Turn) -> Reply | None:
    """INVOICES: open invoices both ways (to pay, waiting to be paid)."""
    member = _member(turn)
    if member is None:
        return _say(turn, t.NOT_MEMBER)
    found = trading.open_invoices(turn.ctx, member.firm.id)
    if not found:
        return _say(turn, t.OPEN_NONE, firm=member.firm.code)
    lines: list[str] = []
    for title, billed in ((t.TO_PAY, True), (t.TO_RECEIVE, False)):
        mine = [v for v in found if (v.billed_id == member.firm.id) == billed]
        if mine:
            lines.append(turn._(title))
            lines += [
                f"#{v.number} {v.other} {money(v.amount)} {shorten(v.memo, 24)}"
                + (" (!)" if v.status == "disputed" else "")
                for v in mine
            ]
    return Reply.say(Outbound("\n".join(lines)))


def _firm_and_amount(
    turn: Turn, member: Membership, words: list[str], usage: str
) -> tuple[firms.FirmView, int, str] | Reply:
    """`FIRM amount memo…` read, or the polite answer that says what is wrong."""
    if len(words) < 2:
        return _say(
            turn, usage, example=_example(turn, member), firms=_firms_line(turn, member.firm.code)
        )
    code = fold(words[0]).strip("#.,;:!?")
    other = firms.by_code(turn.ctx.session, code)
    if other is None:
        return _say(turn, t.UNKNOWN_FIRM, code=code, firms=_firms_line(turn, member.firm.code))
    if other.id == member.firm.id:
        return _say(turn, t.OWN_FIRM, code=code, firms=_firms_line(turn, member.firm.code))
    amount = parse_amount(words[1])
    if amount is None or amount <= 0:
        return _say(turn, t.BAD_AMOUNT, amount=words[1][:20])
    return other, amount, " ".join(words[2:])


def _example(turn: Turn, member: Membership) -> str:
    others = [c for c in firms.all_codes(turn.ctx.session) if c != member.firm.code]
    return others[0] if others else "ABC"


def invoice(turn: Turn) -> Reply | None:
    """INVOICE FIRM amount memo: bill another firm; its members are told."""
    member = _member(turn)
    if member is None:
        return _say(turn, t.NOT_MEMBER)
    read = _firm_and_amount(turn, member, _args(turn), t.INVOICE_USAGE)
    if isinstance(read, Reply):
        return read
    other, amount, memo = read
    return Reply(effects=[IssueInvoice(turn.person.id, member.firm.id, other.id, amount, memo)])


def _refuse_payer(turn: Turn, member: Membership) -> Reply | None:
    if may_pay(member.role, list(member.firm.pay_roles)):
        return None
    return _say(turn, t.NO_ROLE, firm=member.firm.code, roles=", ".join(member.firm.pay_roles))


def _refuse_funds(turn: Turn, member: Membership, amount: int) -> Reply | None:
    have = firms.balance(turn.ctx.session, member.firm)
    if have >= amount:
        return None
    return _say(turn, t.NO_FUNDS, firm=member.firm.code, balance=money(have), amount=money(amount))


def pay(turn: Turn) -> Reply | None:
    """PAY n pays invoice n; PAY FIRM amount memo sends money directly."""
    member = _member(turn)
    if member is None:
        return _say(turn, t.NOT_MEMBER)
    words = _args(turn)
    if not words:
        return _say(turn, t.PAY_USAGE)
    number = _number(words[0])
    if number is None:
        read = _firm_and_amount(turn, member, words, t.PAY_USAGE)
        if isinstance(read, Reply):
            return read
        other, amount, memo = read
        refused = _refuse_payer(turn, member) or _refuse_funds(turn, member, amount)
        effect = Transfer(turn.person.id, member.firm.id, other.id, amount, memo)
        return refused or Reply(effects=[effect])
    found = trading.invoice(turn.ctx.session, number, member.firm.id)
    if found is None or found.billed_id != member.firm.id:
        return _say(turn, t.NO_INVOICE, number=number, firm=member.firm.code)
    if found.status != "open":
        return _say(turn, trading.STATUS_REFUSALS[found.status], number=number)
    refused = _refuse_payer(turn, member) or _refuse_funds(turn, member, found.amount)
    return refused or Reply(effects=[PayInvoice(turn.person.id, member.firm.id, number)])


def dispute(turn: Turn) -> Reply | None:
    """DISPUTE n reason: the billed firm contests an open invoice; the facilitator decides."""
    member = _member(turn)
    if member is None:
        return _say(turn, t.NOT_MEMBER)
    words = _args(turn)
    number = _number(words[0]) if words else None
    if number is None or len(words) < 2:
        return _say(turn, t.DISPUTE_USAGE)
    found = trading.invoice(turn.ctx.session, number, member.firm.id)
    if found is None or found.billed_id != member.firm.id:
        return _say(turn, t.NO_INVOICE, number=number, firm=member.firm.code)
    if found.status != "open":
        return _say(turn, t.NOT_OPEN, number=number)
    reason = " ".join(words[1:])
    return Reply(effects=[Dispute(turn.person.id, member.firm.id, number, reason)])
