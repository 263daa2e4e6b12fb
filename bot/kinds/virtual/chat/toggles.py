"""Attendance on Telegram: one message with a toggle per intern and Done, edited in place.

Payloads are signed for the mentor they were sent to (bot.payloads): `vt|<session>,<mask>`
redraws with one intern flipped, `vd|<session>,<mask>` saves; `mask` has bit n set when
intern n (0-based, in invitation order) attended. The session is re-read: a button for a
session that is not the presser's, or already marked, is refused.
"""

from __future__ import annotations

import logging

from bot import payloads
from bot.channels.specs import Buttons, spec_for
from bot.flows.base import Reply, Turn
from bot.i18n import N_
from bot.kinds.virtual import service
from bot.kinds.virtual.chat.marks import mark
from bot.kinds.virtual.service import Intern
from bot.machine import DONE
from bot.messages import Button, Outbound
from bot.statuses import SessionStatus

log = logging.getLogger("wbl.sessions")
TOGGLE, DONE_ACTION = "vt", "vd"
DONE_LABEL = N_("Done")
HEADER = N_("Who joined the session of {when}? Tap each intern who attended, then Done.")
STALE = N_("That list can't be changed any more.")
MAX_INTERNS = 30


def inline(turn: Turn) -> bool:
    """Buttons can be tapped on the channel this person is reached on (a job: Telegram if linked)."""
    inbound = turn.inbound
    if inbound is not None:
        return spec_for(inbound.channel).buttons is Buttons.INLINE
    return service.reached_inline(turn.ctx.session, turn.person.id)


def keyboard(
    turn: Turn, session_id: int, interns: list[Intern], on: frozenset[int], out: Outbound
) -> Outbound:
    """`out` with a toggle per intern (✅ attended) and Done."""
    secret, me = turn.ctx.settings.secret_key, turn.person.id
    mask = sum(1 << n for n in on)
    rows = [
        [
            Button(
                f"{'✅' if n in on else '⬜'} {n + 1}. {intern.name}",
                payloads.sign(secret, me, TOGGLE, session_id, mask ^ (1 << n)),
            )
        ]
        for n, intern in enumerate(interns[:MAX_INTERNS])
    ]
    done = payloads.sign(secret, me, DONE_ACTION, session_id, mask)
    rows.append([Button(turn._(DONE_LABEL), done)])
    return Outbound(out.text, buttons=rows, to=out.to, urgent=out.urgent, category=out.category,
                    edit_ref=out.edit_ref)  # fmt: skip


def tap(turn: Turn) -> Reply | None:
    """A toggle (redraw in place) or Done (save, then ask the first rating)."""
    assert turn.action is not None
    action, raw = turn.action
    if len(raw) != 2 or not all(a.isdigit() and len(a) < 12 for a in raw):
        return _stale(turn)
    session_id, mask = int(raw[0]), int(raw[1])
    row = service.owned(turn.ctx.session, turn.person.id, session_id)
    if row is None or row.status != SessionStatus.SCHEDULED or row.attendance_done_at is not None:
        log.warning("mentor %s: stale attendance button", turn.person.id)
        return _stale(turn)
    interns = service.invited(turn.ctx.session, session_id)[:MAX_INTERNS]
    on = frozenset(n for n in range(len(interns)) if mask >> n & 1)
    ref = turn.inbound.message_ref if turn.inbound else None
    when = service.when_for(turn.ctx, turn.person.id, row.starts_at, turn.person.language)
    text = turn._(HEADER, when=when)
    if action == TOGGLE:
        drawn = keyboard(turn, session_id, interns, on, Outbound(text, edit_ref=ref))
        return Reply.say(drawn, event=DONE, data=dict(turn.data))
    attended = {interns[n].invite_id for n in on}
    reply = mark(turn, session_id, interns, attended)
    final = "\n".join(f"{'✅' if n in on else '—'} {i.name}" for n, i in enumerate(interns))
    reply.messages.insert(0, Outbound(final, edit_ref=ref))
    return reply


def _stale(turn: Turn) -> Reply:
    return Reply.say(Outbound(turn._(STALE)), event=DONE, data={})
