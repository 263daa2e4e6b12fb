"""Student journey, student_work half (being built)."""

from __future__ import annotations

from bot.flows.base import Reply, Turn

actions: frozenset[str] = frozenset()
triggers: frozenset[str] = frozenset()


def handle(turn: Turn) -> Reply | None:
    """Not built yet."""
    return None
