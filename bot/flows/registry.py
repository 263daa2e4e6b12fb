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


def flow_for_action(action: str) -> Flow | None:
    return next((f for f in all_flows() if action in f.actions), None)


def flow_for_trigger(kind: str) -> Flow | None:
    if kind in kinds.triggers():  # an opportunity kind's job runs as the student's turn
        return flow("student")
    return next((f for f in all_flows() if kind in f.triggers), None)


def common_flow() -> Any:
    return _modules()["common"]


def human_flow() -> Any:
    from bot.flows import human

    return human


def link_flow() -> Any:
    return _modules()["link"]
