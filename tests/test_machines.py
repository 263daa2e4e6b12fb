"""Declared machines: bad definitions fail when built, undeclared events fail at run time
(and through the engine, politely), every flow is well formed and names only declared
events, and the README shows diagrams generated from the definitions."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

import pytest
from sqlalchemy import select

from bot import machine as machine_module
from bot.errors import MachineError, TransitionError
from bot.flows import consent, registry, student, supervisor
from bot.flows.diagrams import machines, replace_in
from bot.machine import DONE, machine
from bot.messages import Inbound
from db.models import Conversation, InboundMessage
from tests.conftest import ROOT


def test_unreachable_state_fails_at_definition():
    with pytest.raises(ValueError, match="unreachable"):
        machine("m", "a", [("a", "go", "b"), ("c", "go", "a")], finals=["b"])


def test_state_without_a_way_out_fails_at_definition():
    with pytest.raises(ValueError, match="no way out"):
        machine(
            "m", "a", [("a", "go", "b"), ("b", "go", "c")], finals=["a"], reset_to_initial=False
        )


def test_the_same_event_twice_from_one_state_fails_at_definition():
    with pytest.raises(ValueError, match="declared twice"):
        machine("m", "a", [("a", "go", "b"), ("a", "go", "c")], finals=["a", "b", "c"])
    with pytest.raises(ValueError, match="repeats the anywhere event"):
        machine("m", "a", [("a", "go", "b")], finals=["a", "b"], anywhere=[("go", "b")])


def test_events_resolve_from_the_current_state_and_undeclared_ones_raise():
    m = machine("m", "a", [("a", "go", "b")], finals=["a"], anywhere=[("jump", "c")])
    assert m.resolve("a", "go") == "b"
    assert m.resolve("b", "jump") == m.resolve("c", "jump") == "c"
    assert m.resolve("c", DONE) == "a"  # back to the start: declared once, from anywhere
    with pytest.raises(MachineError, match="m: no event 'go' from state 'b'") as caught:
        m.resolve("b", "go")
    assert (caught.value.flow, caught.value.state, caught.value.event) == ("m", "b", "go")


def test_a_record_moved_by_target_state_is_checked_against_the_declared_edges():
    m = machine("m", "a", [("a", "go", "b"), ("b", "back", "a")], finals=["a"])
    m.check("a", "b")
    m.check("b", "a")
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
    edges = [(t.source, t.event) for t in m.transitions] + [("*", e) for e, _ in m.anywhere]
    assert len(edges) == len(set(edges)), "duplicate edges"
    drawn = [line for line in m.mermaid().splitlines() if "-->" in line]
    start_and_ends = 1 + len(m.finals)
    assert len(drawn) == len(set(drawn)) == len(m.transitions) + len(m.anywhere) + start_and_ends


# which machine the events a module names belong to (common's MENU names the home flow's)
_FLOWS = ROOT / "bot" / "flows"
_MACHINE_OF = {
    "student.py": "student",
    "student_find.py": "student",
    "student_work.py": "student",
    "consent.py": "consent",
    "supervisor.py": "supervisor",
    "staff.py": "staff",
    "common.py": "*",
}


def _named_events(path: Path) -> set[str]:
    """Every event a module names: `event=` arguments, `event = …` assignments, `event`
    parameters' defaults and supervisor's positional `_say(turn, msgid, event)`."""
    found: set[str] = set()
    consts = {"DONE": DONE}

    def strings(node: ast.AST) -> set[str]:
        out = {n.value for n in ast.walk(node) if isinstance(n, ast.Constant)}
        names = {consts[n.id] for n in ast.walk(node) if isinstance(n, ast.Name) and n.id in consts}
        return {v for v in out if isinstance(v, str)} | names

    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "event":
            found |= strings(node.value)
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "event" for t in node.targets
        ):
            found |= strings(node.value)
        if isinstance(node, ast.FunctionDef):
            args = node.args
            positional = args.posonlyargs + args.args
            with_default = positional[len(positional) - len(args.defaults) :]
            for arg, default in zip(with_default, args.defaults, strict=True):
                if arg.arg == "event":
                    found |= strings(default)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "_say"
        ):
            found |= {a.value for a in node.args[2:3] if isinstance(a, ast.Constant)}
    return found - {""}


def test_every_module_with_moves_is_mapped_to_its_machine():
    naming = {p.name for p in _FLOWS.glob("*.py") if "event=" in p.read_text()}
    assert naming <= set(_MACHINE_OF), naming - set(_MACHINE_OF)


@pytest.mark.parametrize("module", sorted(_MACHINE_OF))
def test_every_event_a_flow_names_is_declared_in_its_machine(module):
    events = _named_events(_FLOWS / module)
    owner = _MACHINE_OF[module]
    flows = registry.all_flows() if owner == "*" else [registry.flow(owner)]
    for flow in flows:
        assert flow is not None
        undeclared = events - flow.machine.events()
        assert not undeclared, f"{module} names {undeclared}, undeclared in {flow.name}"
    expected = {
        "student_find.py": {"find", "pick", DONE},
        "student_work.py": {"in", "out", "out_remote", "log", "submit", DONE},
        "supervisor.py": {"ask_reason", "ask_changes", "ask_comment", DONE},
        "consent.py": {"choose", DONE},
        "common.py": {DONE},
    }
    assert events == expected.get(module, set())  # the scan sees every move the code makes


@pytest.mark.parametrize(
    ("flow", "answers"),
    [(student, student.OWNER), (consent, consent.ANSWERS), (supervisor, supervisor.ANSWERS)],
    ids=lambda x: getattr(x, "name", ""),
)
def test_each_waiting_state_has_exactly_one_handler_for_its_answer(flow, answers):
    waiting = set(flow.machine.states) - {flow.machine.initial}
    assert set(answers) == waiting


def test_an_undeclared_event_is_one_polite_apology_and_changes_nothing(
    database, engine, clock, make, monkeypatch, caplog
):
    """A flow naming an event its machine lacks is a bug: the engine logs it with ids (no
    phone, no text), rolls the turn back and says sorry, never a stack trace."""
    from bot.flows import common
    from bot.flows.base import Reply

    student_row = make.student()
    real = common.handle

    def jumps(turn):
        if turn.inbound is not None and turn.inbound.text == "JUMP":
            return Reply(event="teleport")
        return real(turn)

    monkeypatch.setattr(common, "handle", jumps)

    def send(text: str, pid: str) -> list[str]:
        inbound = Inbound(
            channel="sms",
            urn=f"tel:{student_row.phone}",
            provider_id=pid,
            received_at=clock.now(),
            text=text,
        )
        return [m.text for m in engine.receive(database, inbound).outbox]

    send("FIND", "SMfind")
    with database.transaction() as s:
        before = s.get(Conversation, student_row.id)
        assert before is not None
        where = (before.flow, before.state)
    with caplog.at_level(logging.ERROR, logger="wbl.engine"):
        texts = send("JUMP", "SMjump")
    assert len(texts) == 1 and texts[0].startswith("Sorry, something went wrong")
    assert "Traceback" not in texts[0] and "teleport" not in texts[0]
    logged = [r.getMessage() for r in caplog.records if "undeclared event" in r.getMessage()]
    assert logged == [
        f"undeclared event flow=student state={where[1]} event=teleport person={student_row.id}"
    ]
    assert student_row.phone not in caplog.text and "JUMP" not in caplog.text
    with database.transaction() as s:
        after = s.get(Conversation, student_row.id)
        assert after is not None and (after.flow, after.state) == where
        row = s.scalars(select(InboundMessage).where(InboundMessage.provider_id == "SMjump")).one()
        assert row.status == "failed"


def test_the_conversation_helper_declares_done_once():
    m = machine_module.machine("m", "a", [("a", "go", "b")], finals=["a"])
    assert m.anywhere == ((DONE, "a"),)
    assert m.mermaid().count(f": {DONE}") == 1


def test_button_actions_and_reminder_kinds_have_one_owner_each():
    seen: dict[str, str] = {}
    for flow in registry.all_flows():
        for key in [*flow.actions, *flow.triggers]:
            assert key not in seen, f"{key} owned by {seen[key]} and {flow.name}"
            seen[key] = flow.name


def test_readme_diagrams_are_generated_from_the_definitions():
    readme = (ROOT / "README.md").read_text()
    assert replace_in(readme) == readme, "run: wbl diagrams --write README.md"
