"""Saving who attended (typed or tapped), then asking each attendee's rating."""

from __future__ import annotations

from bot.flows.base import Reply, Turn
from bot.i18n import N_
from bot.kinds.virtual import effects as fx
from bot.kinds.virtual.service import Intern
from bot.machine import DONE
from bot.messages import Outbound

ROUTE = "MEET"  # data["kind_command"]: the supervisor flow hands the next message back here
MARKED = N_("Saved. Attended: {count}/{total}; the session's minutes count as their hours.")
ASK_RATE = N_(
    "How did {student} do? Reply a score 1-5 and a comment, e.g. 5 Great questions, or SKIP."
)


def mark(turn: Turn, session_id: int, interns: list[Intern], attended: set[int]) -> Reply:
    """Save who attended, then ask the first attendee's rating."""
    effect = fx.MarkAttendance(turn.person.id, session_id, tuple(sorted(attended)))
    text = turn._(MARKED, count=len(attended), total=len(interns))
    queue = [i.invite_id for i in interns if i.invite_id in attended]
    names = {i.invite_id: i.name for i in interns}
    if not queue:
        return Reply(messages=[Outbound(text)], event=DONE, data={}, effects=[effect])
    ask = turn._(ASK_RATE, student=names[queue[0]])
    data = {"kind_command": ROUTE, "step": "rate", "queue": queue, "names": names}
    return Reply(messages=[Outbound(f"{text}\n{ask}")], event=DONE, data=data, effects=[effect])
