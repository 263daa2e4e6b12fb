"""The lines MENU and HELP add for the opportunity kinds a person takes part in now
(`Kind.menu_hints`): SHIFTS for a student at a school business, MEET for a mentor. Pure:
it reads."""

from __future__ import annotations

from bot import kinds
from bot.flows.base import Turn
from bot.services import kind_hints


def lines(turn: Turn) -> list[str]:
    """Each current kind's hint for this person's audience, in their language."""
    audience = kind_hints.AUDIENCE_BY_PERSON.get(turn.person.kind)
    if audience is None or not any(audience in k.menu_hints for k in kinds.all_kinds()):
        return []
    codes = kind_hints.current_kinds(turn.ctx, turn.person.id, audience)
    hints = [kinds.get(code).menu_hints.get(audience) for code in codes if code in kinds.codes()]
    return [turn._(hint) for hint in hints if hint]


def add(text: str, turn: Turn) -> str:
    """`text` followed by the person's kind hints, one a line."""
    return "\n".join([text, *lines(turn)])
