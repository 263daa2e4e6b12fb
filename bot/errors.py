"""Domain errors share one base; one boundary (the engine) turns them into polite replies."""

from __future__ import annotations

from typing import Any


class WBLError(Exception):
    """A rule said no. `msgid` is a catalog message shown to the person; `params` fill it."""

    def __init__(self, msgid: str, **params: Any) -> None:
        super().__init__(msgid)
        self.msgid = msgid
        self.params = params


class ConfigError(Exception):
    """The environment is incomplete or contradictory; raised at startup, never later."""


class TransitionError(RuntimeError):
    """A flow tried to move along a transition its definition does not declare."""


class MachineError(TransitionError):
    """A flow named an event its machine does not declare from the current state."""

    def __init__(self, flow: str, state: str, event: str) -> None:
        super().__init__(f"{flow}: no event {event!r} from state {state!r}")
        self.flow, self.state, self.event = flow, state, event
