"""What a flow receives (a Turn) and returns (a Reply). Pure types: no I/O here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.context import Context, PersonInfo
from bot.effects import Effect
from bot.keywords import Command, parse
from bot.machine import Machine
from bot.messages import Inbound, Outbound, Trigger


@dataclass
class Turn:
    """One event for one person, with their conversation position."""

    person: PersonInfo
    flow: str
    state: str
    data: dict[str, Any]
    event: Inbound | Trigger
    ctx: Context
    action: tuple[str, list[str]] | None = None  # a verified button payload

    @property
    def inbound(self) -> Inbound | None:
        return self.event if isinstance(self.event, Inbound) else None

    @property
    def trigger(self) -> Trigger | None:
        return self.event if isinstance(self.event, Trigger) else None

    @property
    def cmd(self) -> Command:
        return parse(self.inbound.text if self.inbound else "")

    @property
    def _(self) -> Callable[..., str]:
        return self.ctx.tr(self.person.language)

    def reply(self, text: str, **kw: Any) -> Outbound:
        return Outbound(text=text, **kw)


@dataclass
class Reply:
    """The flow's decision: messages to send, where the conversation now stands, and the
    writes (effects) the engine applies, in order, in the same transaction.

    `event` names a transition of the flow's machine (None: stay where it is); the engine
    resolves it from the current state, so a flow cannot jump along an undeclared edge.
    """

    messages: list[Outbound] = field(default_factory=list)
    flow: str | None = None
    event: str | None = None
    data: dict[str, Any] | None = None
    effects: list[Effect] = field(default_factory=list)

    @classmethod
    def say(cls, *messages: Outbound, **kw: Any) -> Reply:
        return cls(list(messages), **kw)


class Flow(Protocol):
    """A journey: its declared machine, its handler, and what it owns."""

    name: str
    machine: Machine
    actions: frozenset[str]  # button payload actions it owns
    triggers: frozenset[str]  # reminder kinds it owns

    def handle(self, turn: Turn) -> Reply | None: ...

    def menu(self, turn: Turn) -> Outbound: ...
