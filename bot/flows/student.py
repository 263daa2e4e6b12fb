"""student journey (being built)."""

from __future__ import annotations

from bot.flows.base import Reply, Turn
from bot.flows.machine import machine as _machine
from bot.messages import Outbound

name = "student"
machine = _machine(name, "idle", [("idle", "message", "idle")], finals=["idle"])
actions: frozenset[str] = frozenset()
triggers: frozenset[str] = frozenset()


def menu(turn: Turn) -> Outbound:
    """Show what this person can do now."""
    return Outbound(turn._("Reply HELP for help."))


def handle(turn: Turn) -> Reply | None:
    """Not handled yet."""
    return None
