"""The opportunity kinds: a registry of `Kind` records, one module per kind.

Nothing outside `bot/kinds/` spells a kind's name (tests/test_seams_kinds.py fails when
one does): code asks the registry (`get(code)`, `codes()`, `by_word(word)`, `commands()`,
`triggers()`, `dashboard_sections()`, `supervisor_commands()`, `importers()`, `pages()`).
Adding a kind is a module (or a package) here that defines `KIND = Kind(...)` and one
line in `_BUILT_IN` (README "How to add a kind"). Handlers named by reference
(`"bot.kinds.<code>.chat:shifts"`) are imported when first used.

`register(kind)` checks a definition and its fit with the others (one code, one owner per
search word, command keyword and trigger) and raises `KindError` naming every problem.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from bot.kinds import enterprise, micro, simulation, virtual
from bot.kinds.base import (
    ClockSlots,
    CommandHandler,
    DashboardSection,
    ImportHook,
    Kind,
    Paper,
    Proof,
    SweepHook,
    TriggerHandler,
    resolve,
)

__all__ = [
    "ClockSlots", "CommandHandler", "DashboardSection", "ImportHook", "Kind", "KindError",
    "Paper", "Proof", "SweepHook", "TriggerHandler", "actions", "all_kinds", "by_word", "codes",
    "commands", "dashboard_sections",
    "get", "importers", "pages", "register", "registered", "resolve", "supervisor_commands",
    "sweeps", "triggers",
]  # fmt: skip

_BUILT_IN = (micro.KIND, enterprise.KIND, virtual.KIND, simulation.KIND)
_KINDS: dict[str, Kind] = {}


class KindError(ValueError):
    """A kind definition that cannot be registered, or a code no kind has."""


def _clashes(kind: Kind) -> list[str]:
    found: list[str] = []
    if kind.code in _KINDS:
        found.append(f"code {kind.code!r} is already registered")
    for other in _KINDS.values():
        for what, mine, theirs in (
            ("search word", kind.words, other.words),
            ("command", set(kind.commands), set(other.commands)),
            (
                "supervisor command",
                set(kind.supervisor_commands),
                set(other.supervisor_commands),
            ),
            ("partner file", set(kind.importers), set(other.importers)),
            ("trigger", set(kind.triggers), set(other.triggers)),
            ("button action", set(kind.actions), set(other.actions)),
            ("sweep", set(kind.sweeps), set(other.sweeps)),
        ):
            found += [
                f"{what} {w!r} already belongs to {other.code!r}" for w in sorted(mine & theirs)
            ]
    return found


def register(kind: Kind) -> Kind:
    """Add `kind` to the registry, or raise KindError listing what is wrong with it."""
    problems = kind.problems() + _clashes(kind)
    if problems:
        raise KindError(f"kind {kind.code!r}: " + "; ".join(problems))
    _KINDS[kind.code] = kind
    return kind


@contextmanager
def registered(kind: Kind) -> Iterator[Kind]:
    """Register `kind` for the duration of a `with` block (tests)."""
    register(kind)
    try:
        yield kind
    finally:
        _KINDS.pop(kind.code, None)


def get(code: str) -> Kind:
    """The kind stored as `code`; KindError when no kind has that code."""
    try:
        return _KINDS[code]
    except KeyError:
        raise KindError(f"unknown opportunity kind {code!r}") from None


def all_kinds() -> tuple[Kind, ...]:
    """Every registered kind, in registration order."""
    return tuple(_KINDS.values())


def codes() -> tuple[str, ...]:
    return tuple(_KINDS)


def by_word(word: str) -> Kind | None:
    """The kind a FIND search word (folded upper case) names, if any."""
    return next((k for k in _KINDS.values() if word in k.words), None)


def commands() -> dict[str, CommandHandler]:
    """Every kind's student commands by keyword."""
    return {key: resolve(h) for k in _KINDS.values() for key, h in k.commands.items()}


def supervisor_commands() -> dict[str, CommandHandler]:
    """Every kind's supervisor (mentor) commands by keyword."""
    return {key: resolve(h) for k in _KINDS.values() for key, h in k.supervisor_commands.items()}


def triggers() -> dict[str, TriggerHandler]:
    """Every kind's scheduled jobs by reminder kind."""
    return {name: resolve(h) for k in _KINDS.values() for name, h in k.triggers.items()}


def actions() -> dict[str, CommandHandler]:
    """Every kind's button actions (signed payloads) by action name."""
    return {name: resolve(h) for k in _KINDS.values() for name, h in k.actions.items()}


def importers() -> dict[str, ImportHook]:
    """Every kind's own partner files (`shifts.csv`) and the hook that reads each."""
    return {f: resolve(h) for k in _KINDS.values() for f, h in k.importers.items()}


def sweeps() -> dict[str, SweepHook]:
    """Every kind's periodic scans by name (`scheduler.run_sweeps` runs them every pass)."""
    return {name: resolve(h) for k in _KINDS.values() for name, h in k.sweeps.items()}


def pages() -> list[str]:
    """The modules of the kinds' own pages (each has `bp` and `RULES`)."""
    return [k.pages for k in _KINDS.values() if k.pages]


def dashboard_sections() -> list[tuple[Kind, DashboardSection]]:
    return [(k, s) for k in _KINDS.values() for s in k.dashboard_sections]


for _kind in _BUILT_IN:
    register(_kind)
