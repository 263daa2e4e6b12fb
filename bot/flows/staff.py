"""Teachers and coordinators who text the bot: point them to the dashboard."""

from __future__ import annotations

from bot.flows.base import Reply, Turn
from bot.i18n import N_
from bot.machine import machine as _machine
from bot.messages import Outbound

name = "staff"
machine = _machine(name, "idle", [], finals=["idle"])  # only `done` (MENU): it stays idle
actions: frozenset[str] = frozenset()
triggers: frozenset[str] = frozenset()

MENU = N_("Hi {name}. Coordinators work from the dashboard: {url}/dashboard")


def menu(turn: Turn) -> Outbound:
    """Show staff where their tools are."""
    return Outbound(
        turn._(MENU, name=turn.person.first_name, url=turn.ctx.settings.public_base_url)
    )


def handle(turn: Turn) -> Reply | None:
    """Answer any staff message with the dashboard link."""
    return Reply.say(menu(turn))
