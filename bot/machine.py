"""State machines declared as data (each flow's, and the placement lifecycle in rules):
states, a start, finals and transitions (source, event, target).

A flow moves by naming an event (`Reply(event="find")`); the machine resolves it to the
target from the current state, and an event not declared there raises MachineError.
Events that work from every state (a keyword a person may type at any time) are declared
once in `anywhere`, not as one edge per state; a conversation's `done` (back to the
start: MENU, or a finished step) is one of them.

A bad definition fails when it is built (an unknown state, a state nobody can reach, a
non-final state with no way out, the same event twice from one state). `mermaid()` draws
the diagram the README shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.errors import MachineError, TransitionError

DONE = "done"  # back to the start, from any state of a conversation
ANY = "any state"  # how the diagrams name the source of an `anywhere` event


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
    anywhere: tuple[tuple[str, str], ...] = ()  # (event, target) accepted from every state
    _table: dict[tuple[str, str], str] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        known = set(self.states)
        for name in [self.initial, *self.finals, *(t for _, t in self.anywhere)]:
            if name not in known:
                raise ValueError(f"{self.name}: unknown state {name!r}")
        everywhere = [event for event, _ in self.anywhere]
        if len(set(everywhere)) != len(everywhere):
            raise ValueError(f"{self.name}: an event declared twice in anywhere {everywhere}")
        for t in self.transitions:
            for name in (t.source, t.target):
                if name not in known:
                    raise ValueError(f"{self.name}: transition {t} names unknown state {name!r}")
            if t.event in everywhere:
                raise ValueError(f"{self.name}: {t} repeats the anywhere event {t.event!r}")
            if (t.source, t.event) in self._table:
                raise ValueError(f"{self.name}: event {t.event!r} declared twice from {t.source!r}")
            self._table[(t.source, t.event)] = t.target
        unreachable = known - self.reachable()
        if unreachable:
            raise ValueError(f"{self.name}: unreachable states {sorted(unreachable)}")
        stuck = [s for s in self.states if s not in self.finals and not self.exits(s)]
        if stuck:
            raise ValueError(f"{self.name}: non-final states with no way out {stuck}")

    def edges(self, state: str) -> list[tuple[str, str]]:
        """(event, target) pairs that leave `state`, its own and the anywhere ones."""
        own = [(t.event, t.target) for t in self.transitions if t.source == state]
        return own + list(self.anywhere)

    def reachable(self) -> set[str]:
        seen, todo = {self.initial}, [self.initial]
        while todo:
            for _, target in self.edges(todo.pop()):
                if target not in seen:
                    seen.add(target)
                    todo.append(target)
        return seen

    def exits(self, state: str) -> list[tuple[str, str]]:
        return [(e, t) for e, t in self.edges(state) if t != state]

    def events(self) -> set[str]:
        return {t.event for t in self.transitions} | {e for e, _ in self.anywhere}

    def resolve(self, source: str, event: str) -> str:
        """The state `event` leads to from `source`; MachineError when it is not declared."""
        found = dict(self.anywhere).get(event) or self._table.get((source, event))
        if found is None:
            raise MachineError(self.name, source, event)
        return found

    def check(self, source: str, target: str) -> None:
        """Raise TransitionError unless some declared event leads from source to target
        (for a record moved by its target state, like a placement's status)."""
        if source == target or any(t == target for _, t in self.edges(source)):
            return
        raise TransitionError(f"{self.name}: no transition {source!r} -> {target!r}")

    def mermaid(self) -> str:
        lines = ["stateDiagram-v2", f"    [*] --> {self.initial}"]
        for t in self.transitions:
            lines.append(f"    {t.source} --> {t.target}: {t.event}")
        if self.anywhere:
            lines.append(f'    state "{ANY}" as any_state')
            lines.extend(f"    any_state --> {target}: {event}" for event, target in self.anywhere)
        lines.extend(f"    {s} --> [*]" for s in self.finals)
        return "\n".join(lines)


def machine(
    name: str,
    initial: str,
    moves: Iterable[tuple[str, str, str]],
    finals: Iterable[str] = (),
    *,
    anywhere: Iterable[tuple[str, str]] = (),
    reset_to_initial: bool = True,
) -> Machine:
    """Build a Machine from (source, event, target) triples; states are inferred.

    `anywhere` lists (event, target) pairs accepted from every state; a conversation
    (`reset_to_initial`) also gets `done`, back to the initial state from anywhere.
    """
    transitions = tuple(Transition(*m) for m in moves)
    everywhere = tuple(anywhere) + (((DONE, initial),) if reset_to_initial else ())
    finals = tuple(finals)
    states: list[str] = [initial]
    for s in [*(x for t in transitions for x in (t.source, t.target)), *(t for _, t in everywhere)]:
        if s not in states:
            states.append(s)
    for s in finals:
        if s not in states:
            states.append(s)
    return Machine(name, tuple(states), initial, transitions, finals, everywhere)
