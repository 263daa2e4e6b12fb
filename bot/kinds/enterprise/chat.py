"""What a student at a school enterprise types, decided like a flow (reads, then a Reply
whose effects the engine applies): SHIFTS / TAKE n / DROP n, SALES amount, STOCK item
count, JOBS / CLAIM n / DONE n note, MORE after a list; and the rota's jobs (reminder,
missed shift, cancelled shift, a requester's mail).

`n` is a position in the last list shown (`ent_shifts`, `ent_orders` in the conversation
data); each refusal says why, and the service checks again when it writes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.flows.base import Reply, Turn
from bot.keywords import fold
from bot.kinds.enterprise import rules
from bot.kinds.enterprise import texts as T
from bot.kinds.enterprise.effects import (
    ClaimOrder,
    CountStock,
    DropShift,
    FinishOrder,
    MailRequester,
    MarkMissed,
    RecordSales,
    TakeShift,
)
from bot.kinds.enterprise.service import orders, rota, till
from bot.kinds.enterprise.service.common import Post, posts, when
from bot.machine import DONE
from bot.messages import Outbound
from bot.statuses import ShiftTakeStatus as Take
from bot.statuses import WorkOrderStatus as Order

MORE_WORD = "MORE"


def _args(turn: Turn) -> str:
    """The message after its command word (a kind's word is no catalog keyword)."""
    parts = turn.cmd.raw.split(None, 1)
    return parts[1].strip() if len(parts) > 1 else ""


def _number(turn: Turn) -> int | None:
    first = (_args(turn).split() or [""])[0].strip(".,;:!?#")
    return int(first) if first.isdigit() and len(first) < 6 else None


def _say(turn: Turn, text: str, **kw: object) -> Reply:
    return Reply.say(Outbound(text), event=DONE, data=turn.data, **kw)  # type: ignore[arg-type]


def _ready_posts(turn: Turn) -> list[Post] | Reply:
    found = posts(turn.ctx, turn.person.id)
    if not found:
        return _say(turn, turn._(T.NO_ENTERPRISE))
    ready = [p for p in found if p.ready]
    return ready or _say(turn, turn._(T.NOT_READY, title=found[0].title[:40]))


def _when(turn: Turn, at: datetime) -> str:
    return when(turn.ctx, at, turn.person.language)


# --- the rota ---------------------------------------------------------------------------
def shifts(turn: Turn) -> Reply | None:
    """SHIFTS: the student's own upcoming shifts, then the open ones, numbered."""
    if turn.cmd.keyword == MORE_WORD:
        return more(turn)
    ready = _ready_posts(turn)
    if isinstance(ready, Reply):
        return ready
    mine, free = rota.listing(turn.ctx, turn.person.id, [p.opportunity_id for p in ready])
    if not mine and not free:
        return _say(turn, turn._(T.SHIFTS_NONE))
    _ = turn._
    lines: list[str] = []
    for n, view in enumerate([*mine, *free], 1):
        if n == 1 and mine:
            lines.append(_(T.SHIFTS_HEAD_MINE))
        if n == len(mine) + 1:
            lines.append(_(T.SHIFTS_HEAD_OPEN))
        seats = "" if view.mine else f" ({_(T.SEATS_LEFT, count=view.seats_left)})"
        title = view.title[:18] if len(ready) > 1 else ""
        lines.append(f"{n}) {_when(turn, view.starts_at)}{' ' + title if title else ''}{seats}")
    turn.data["ent_shifts"] = [v.id for v in [*mine, *free]]
    return _page(turn, "ent_shifts", lines, _(T.SHIFTS_FOOT), 0)


def _page(turn: Turn, key: str, lines: list[str], foot: str, page: int) -> Reply:
    """One page of a numbered list (MORE shows the next)."""
    chunk = lines[page * rules.PAGE : (page + 1) * rules.PAGE]
    more = len(lines) > (page + 1) * rules.PAGE
    turn.data["ent_more"] = {"key": key, "lines": lines, "foot": foot, "page": page + 1}
    turn.data["more"] = "SHIFTS" if key == "ent_shifts" else "JOBS"
    if not more:
        turn.data.pop("ent_more")
        turn.data.pop("more")
    tail = f"{foot} {turn._(T.SHIFTS_MORE)}" if more else foot
    return _say(turn, "\n".join([*chunk, tail]))


def more(turn: Turn) -> Reply | None:
    """MORE after a SHIFTS or JOBS list: its next page (None: not ours, FIND's MORE)."""
    state = turn.data.get("ent_more")
    if not isinstance(state, dict):
        return None
    lines, page = list(state.get("lines", [])), int(state.get("page", 1))
    return _page(turn, str(state.get("key")), lines, str(state.get("foot", "")), page)


def _picked(turn: Turn, key: str, word: str) -> int | Reply:
    ids = turn.data.get(key) or []
    first, head = (
        (T.LIST_FIRST, T.NOT_IN_LIST) if key == "ent_shifts" else (T.JOBS_FIRST, T.NOT_IN_JOBS)
    )
    n = _number(turn)
    if not ids or n is None:
        return _say(turn, turn._(first, word=word))
    if not 0 < n <= len(ids):
        return _say(turn, turn._(head, n=n))
    return int(ids[n - 1])


def _shift_picked(turn: Turn, word: str) -> rota.ShiftView | Reply:
    """The shift numbered in TAKE n / DROP n, or the reply saying why there is none."""
    picked = _picked(turn, "ent_shifts", word)
    if isinstance(picked, Reply):
        return picked
    view = rota.shift(turn.ctx, turn.person.id, picked)
    return view if view is not None else _say(turn, turn._(T.NOT_IN_LIST, n=_number(turn)))


def take(turn: Turn) -> Reply | None:
    """TAKE n: a seat on shift n, or why not (full, overlapping, started, not ready)."""
    view = _shift_picked(turn, "TAKE")
    if isinstance(view, Reply):
        return view
    post = next(
        (p for p in posts(turn.ctx, turn.person.id) if p.opportunity_id == view.opportunity_id),
        None,
    )
    _, at = turn._, _when(turn, view.starts_at)
    if post is None or not post.ready:
        return _say(turn, _(T.NOT_READY, title=view.title[:40]))
    if view.mine in rota.HELD:
        return _say(turn, _(T.ALREADY_YOURS, when=at))
    if view.starts_at <= turn.ctx.now:
        return _say(turn, _(T.STARTED, when=at))
    if view.seats_left <= 0:
        return _say(turn, _(T.FULL, when=at))
    other = rota.clash(turn.ctx, turn.person.id, view)
    if other is not None:
        return _say(turn, _(T.OVERLAPS, when=at, other=_when(turn, other.starts_at)))
    effect = TakeShift(turn.person.id, view.id, post.placement_id, turn.person.language)
    return _say(turn, _(T.TAKEN, title=view.title[:40], when=at), effects=[effect])


def drop(turn: Turn) -> Reply | None:
    """DROP n: give shift n back (inside 12 h of its start the supervisor is told)."""
    view = _shift_picked(turn, "DROP")
    if isinstance(view, Reply):
        return view
    _, at = turn._, _when(turn, view.starts_at)
    if view.mine != Take.TAKEN:
        return _say(turn, _(T.NOT_YOURS, when=at))
    if view.starts_at <= turn.ctx.now:
        return _say(turn, _(T.DROP_STARTED, when=at))
    late = view.starts_at - turn.ctx.now <= rules.DROP_NOTICE
    text = _(T.DROPPED_LATE if late else T.DROPPED, when=at)
    return _say(turn, text, effects=[DropShift(turn.person.id, view.id)])


# --- the till ---------------------------------------------------------------------------
def sales(turn: Turn) -> Reply | None:
    """SALES 142.50: the takings of the student's latest till shift (a second replaces)."""
    _ = turn._
    amount = rules.parse_amount(_args(turn))
    if amount is None:
        return _say(turn, _(T.SALES_HOW))
    shift = till.till_shift(turn.ctx, turn.person.id)
    if shift is None:
        return _say(turn, _(T.NO_TILL_SHIFT))
    at, money = _when(turn, shift.starts_at), rules.money(amount)
    effect = RecordSales(turn.person.id, shift.shift_id, amount)
    if shift.sales is None:
        return _say(turn, _(T.SALES_SAVED, amount=money, when=at), effects=[effect])
    before = rules.money(shift.sales)
    return _say(turn, _(T.SALES_REPLACED, amount=money, when=at, before=before), effects=[effect])


def stock(turn: Turn) -> Reply | None:
    """STOCK milk 3: a count against the item list (an unknown item gets the list)."""
    ready = _ready_posts(turn)
    if isinstance(ready, Reply):
        return ready
    lists = till.items(turn.ctx, [p.opportunity_id for p in ready])
    known = [i for p in ready for i in lists.get(p.opportunity_id, [])]
    _ = turn._
    if not known:
        return _say(turn, _(T.NO_TILL))
    words = _args(turn).split()
    count = rules.parse_count(words[-1]) if len(words) >= 2 else None
    if count is None:
        return _say(turn, f"{_(T.STOCK_HOW)}\n{_(T.UNKNOWN_ITEM, items=_names(known))}")
    name = fold(" ".join(words[:-1]))
    exact = [i for i in known if fold(i.item) == name]
    loose = [i for i in known if fold(i.item).startswith(name)]
    match = exact or (loose if len(loose) == 1 else [])
    if not match:
        return _say(turn, _(T.UNKNOWN_ITEM, items=_names(known)))
    item = match[0]
    shown = dict(item=item.item, count=_num(count), unit=item.unit, par=_num(item.par))
    msgid = T.STOCK_SAVED
    if count < item.par:
        msgid = T.STOCK_LOW_KNOWN if item.low_told_on == turn.ctx.today else T.STOCK_LOW
    return _say(turn, _(msgid, **shown), effects=[CountStock(turn.person.id, item.id, count)])


def _names(known: list[till.ItemView]) -> str:
    return ", ".join(i.item for i in known)


def _num(value: object) -> str:
    return f"{value:f}".rstrip("0").rstrip(".") if "." in f"{value:f}" else f"{value:f}"


# --- work orders ------------------------------------------------------------------------
def jobs(turn: Turn) -> Reply | None:
    """JOBS: the open work orders of the enterprise the student is on shift at."""
    if turn.cmd.keyword == MORE_WORD:
        return more(turn)
    _ = turn._
    where = rota.on_shift(turn.ctx, turn.person.id)
    if where is None:
        return _say(turn, _(T.NOT_ON_SHIFT))
    found = orders.open_orders(turn.ctx, where, turn.person.id)
    if not found:
        return _say(turn, _(T.JOBS_NONE))
    lines = [_(T.JOBS_HEAD)] + [
        f"{n}) {o.reference} {' '.join(o.description.split())[:60]}"
        + (f" ({_(T.JOB_MINE)})" if o.status == Order.CLAIMED else "")
        for n, o in enumerate(found, 1)
    ]
    turn.data["ent_orders"] = [o.id for o in found]
    return _page(turn, "ent_orders", lines, _(T.JOBS_FOOT), 0)


def claim(turn: Turn) -> Reply | None:
    """CLAIM n: take work order n (someone faster gets the polite refusal)."""
    _ = turn._
    if rota.on_shift(turn.ctx, turn.person.id) is None:
        return _say(turn, _(T.NOT_ON_SHIFT))
    picked = _picked(turn, "ent_orders", "CLAIM")
    if isinstance(picked, Reply):
        return picked
    view = orders.order(turn.ctx, picked)
    if (
        view is None
        or view.status == Order.DONE
        or (view.status == Order.CLAIMED and view.claimed_by != turn.person.id)
    ):
        return _say(turn, _(T.CLAIMED_BY_OTHER, ref=view.reference if view else "?"))
    text = _(T.CLAIMED, ref=view.reference, what=" ".join(view.description.split())[:120])
    if view.status == Order.CLAIMED:
        return _say(turn, text)
    return _say(turn, text, effects=[ClaimOrder(turn.person.id, view.id)])


def done(turn: Turn) -> Reply | None:
    """DONE n what I did: close work order n with a note; the requester is told."""
    _ = turn._
    picked = _picked(turn, "ent_orders", "DONE")
    if isinstance(picked, Reply):
        return picked
    n = _number(turn)
    rest = _args(turn).split(None, 1)
    note = rest[1].strip() if len(rest) > 1 else ""
    view = orders.order(turn.ctx, picked)
    if view is None or view.status != Order.CLAIMED or view.claimed_by != turn.person.id:
        return _say(turn, _(T.DONE_NOT_YOURS, ref=view.reference if view else "?", n=n))
    if len(note) < 3:
        return _say(turn, _(T.DONE_NEEDS_NOTE, n=n))
    effect = FinishOrder(turn.person.id, view.id, note)
    return _say(turn, _(T.FINISHED, ref=view.reference), effects=[effect])


# --- the rota's jobs ----------------------------------------------------------------------
def _take_job(turn: Turn, act: Callable[[Turn, str, str], Reply | None]) -> Reply | None:
    assert turn.trigger is not None
    found = rota.take_row(turn.ctx, turn.trigger.subject_id)
    if found is None:
        return Reply()
    row, slot, title = found
    if row.status != Take.TAKEN:
        return Reply()
    return act(turn, title[:40], _when(turn, slot.starts_at))


def remind(turn: Turn) -> Reply | None:
    """The reminder before a taken shift (non-urgent: quiet hours apply)."""

    def say(turn: Turn, title: str, at: str) -> Reply:
        text = turn._(T.REMIND, title=title, when=at)
        return Reply.say(Outbound(text, to=turn.person.id, urgent=False, category="reminder"))

    return _take_job(turn, say)


def missed(turn: Turn) -> Reply | None:
    """No IN by 15 minutes after the start: mark the shift missed, tell both."""

    def mark(turn: Turn, title: str, at: str) -> Reply:
        assert turn.trigger is not None
        text = turn._(T.MISSED, title=title, when=at)
        return Reply(
            [Outbound(text, to=turn.person.id, urgent=True)],
            effects=[MarkMissed(turn.trigger.subject_id)],
        )

    return _take_job(turn, mark)


def cancelled(turn: Turn) -> Reply | None:
    """A shift the school cancelled (re-imported with seats 0): tell its holder."""
    assert turn.trigger is not None
    found = rota.take_row(turn.ctx, turn.trigger.subject_id)
    if found is None:
        return Reply()
    _row, slot, title = found
    text = turn._(T.CANCELLED, title=title[:40], when=_when(turn, slot.starts_at))
    return Reply.say(Outbound(text, to=turn.person.id, urgent=True))


def mail(turn: Turn) -> Reply | None:
    """Send a work order's notice by mail (the requester has no phone on the request)."""
    trigger = turn.trigger
    assert trigger is not None
    what, link = str(trigger.payload.get("what", "")), str(trigger.payload.get("link", ""))
    return Reply(effects=[MailRequester(trigger.subject_id, what, link)])
