"""Declared machines: bad definitions fail when built, undeclared moves fail at run time,
every flow is well formed, and the README shows diagrams generated from the definitions."""

from __future__ import annotations

import pytest

from bot.errors import TransitionError
from bot.flows import registry
from bot.flows.diagrams import machines, replace_in
from bot.machine import machine
from tests.conftest import ROOT


def test_unreachable_state_fails_at_definition():
    with pytest.raises(ValueError, match="unreachable"):
        machine("m", "a", [("a", "go", "b"), ("c", "go", "a")], finals=["b"])


def test_state_without_a_way_out_fails_at_definition():
    with pytest.raises(ValueError, match="no way out"):
        machine("m", "a", [("a", "go", "b"), ("b", "go", "c")], finals=["a"])


def test_undeclared_move_raises_one_clear_error():
    m = machine("m", "a", [("a", "go", "b"), ("b", "back", "a")], finals=["a"])
    m.check("a", "b")
    m.check("b", "a")  # back to the start: always allowed in a conversation
    strict = machine(
        "p", "a", [("a", "go", "b"), ("b", "go", "c")], finals=["c"], reset_to_initial=False
    )
    with pytest.raises(TransitionError, match="no transition 'c' -> 'a'"):
        strict.check("c", "a")


@pytest.mark.parametrize("m", machines(), ids=lambda m: m.name)
def test_every_state_reachable_and_every_open_state_has_an_exit(m):
    assert m.reachable() == set(m.states)
    for state in m.states:
        assert state in m.finals or m.exits(state), state


def test_button_actions_and_reminder_kinds_have_one_owner_each():
    seen: dict[str, str] = {}
    for flow in registry.all_flows():
        for key in [*flow.actions, *flow.triggers]:
            assert key not in seen, f"{key} owned by {seen[key]} and {flow.name}"
            seen[key] = flow.name


def test_readme_diagrams_are_generated_from_the_definitions():
    readme = (ROOT / "README.md").read_text()
    assert replace_in(readme) == readme, "run: wbl diagrams --write README.md"
