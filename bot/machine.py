"""State machines declared as data (each flow's, and the placement lifecycle in rules):
states, a start, finals and transitions (python-statemachine style).

A bad definition fails when it is built (an unknown state, a state nobody can reach, a
non-final state with no way out); at run time a move along an undeclared transition
raises TransitionError. `mermaid()` draws the diagram the README shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.errors import TransitionError


@dataclass(frozen=True)
class Transition:
    source: str
    event: str
    target: str


@dataclass(frozen=True)
class Machine:
    name: str
    states: tuple[str, ...]
    initial: str
    transitions: tuple[Transition, ...]
    finals: tuple[str, ...] = ()
    reset_to_initial: bool = True  # conversations: MENU goes back from anywhere
    _moves: frozenset[tuple[str, str]] = field(default=frozenset(), init=False, repr=False)

    def __post_init__(self) -> None:
        known = set(self.states)
        for name in [self.initial, *self.finals]:
            if name not in known:
                raise ValueError(f"{self.name}: unknown state {name!r}")
        for t in self.transitions:
            for name in (t.source, t.target):
                if name not in known:
                    raise ValueError(f"{self.name}: transition {t} names unknown state {name!r}")
        unreachable = known - self.reachable()
        if unreachable:
            raise ValueError(f"{self.name}: unreachable states {sorted(unreachable)}")
        stuck = [s for s in self.states if s not in self.finals and not self.exits(s)]
        if stuck:
            raise ValueError(f"{self.name}: non-final states with no way out {stuck}")
        object.__setattr__(
            self, "_moves", frozenset((t.source, t.target) for t in self.transitions)
        )

    def reachable(self) -> set[str]:
        seen, todo = {self.initial}, [self.initial]
        while todo:
            here = todo.pop()
            for t in self.transitions:
                if t.source == here and t.target not in seen:
                    seen.add(t.target)
                    todo.append(t.target)
        return seen

    def exits(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if t.source == state and t.target != state]

    def check(self, source: str, target: str) -> None:
        """Raise TransitionError unless source -> target is declared.

        Staying put is always allowed; so is going back to the initial state when
        `reset_to_initial` (MENU is a way back from anywhere in a conversation).
        """
        if source == target or (self.reset_to_initial and target == self.initial):
            return
        if (source, target) not in self._moves:
            raise TransitionError(f"{self.name}: no transition {source!r} -> {target!r}")

    def mermaid(self) -> str:
        lines = ["stateDiagram-v2", f"    [*] --> {self.initial}"]
        for t in self.transitions:
            lines.append(f"    {t.source} --> {t.target}: {t.event}")
        lines.extend(f"    {s} --> [*]" for s in self.finals)
        return "\n".join(lines)


def machine(
    name: str,
    initial: str,
    moves: Iterable[tuple[str, str, str]],
    finals: Iterable[str] = (),
    *,
    reset_to_initial: bool = True,
) -> Machine:
    """Build a Machine from (source, event, target) triples; states are inferred."""
    transitions = tuple(Transition(*m) for m in moves)
    finals = tuple(finals)
    states: list[str] = [initial]
    for t in transitions:
        for s in (t.source, t.target):
            if s not in states:
                states.append(s)
    for s in finals:
        if s not in states:
            states.append(s)
    return Machine(name, tuple(states), initial, transitions, finals, reset_to_initial)
