"""Which flows exist, which is each kind of person's home, and who owns which button or reminder."""

from __future__ import annotations

from functools import cache
from types import ModuleType
from typing import Any, cast

from bot import kinds
from bot.flows.base import Flow

HOME_BY_KIND = {
    "student": "student",
    "guardian": "consent",
    "supervisor": "supervisor",
    "staff": "staff",
}

# Flows that only read: they return their writes as effects (bot.effects) and the engine
# runs them under a guard that refuses any write (bot.read_only). All of them now; a new
# flow goes here too (tests/test_pure_flows.py checks).
PURE = frozenset({"common", "consent", "human", "link", "staff", "student", "supervisor"})


@cache
def _modules() -> dict[str, ModuleType]:
    from bot.flows import common, consent, link, staff, student, supervisor

    return {m.name: m for m in (student, consent, supervisor, staff)} | {
        "common": common,
        "link": link,
    }


def all_flows() -> list[Flow]:
    return [cast(Flow, m) for name, m in _modules().items() if hasattr(m, "machine")]


def flow(name: str) -> Flow | None:
    module = _modules().get(name)
    return cast(Flow, module) if module is not None and hasattr(module, "machine") else None


def home_flow(kind: str) -> Flow:
    found = flow(HOME_BY_KIND.get(kind, "staff"))
    assert found is not None
    return found


def flow_for_action(action: str, person_kind: str | None = None) -> Flow | None:
    if action in kinds.actions():  # an opportunity kind's button: the presser's home flow
        return home_flow(person_kind or "student")
    return next((f for f in all_flows() if action in f.actions), None)


def flow_for_trigger(kind: str, person_kind: str | None = None) -> Flow | None:
    """The flow that runs a due reminder: its owner's, or for an opportunity kind's job
    the home flow of the person it is for (a student's; a mentor's)."""
    if kind in kinds.triggers():
        return home_flow(person_kind or "student")
    return next((f for f in all_flows() if kind in f.triggers), None)


def common_flow() -> Any:
    return _modules()["common"]


def human_flow() -> Any:
    from bot.flows import human

    return human


def link_flow() -> Any:
    return _modules()["link"]
