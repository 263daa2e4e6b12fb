"""Opportunity kinds are one concept: spelled only in bot/kinds/, checked when registered,
and a new kind reaches FIND, the importer, commands, jobs and the dashboard by registry alone."""

from __future__ import annotations

import ast
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot import jobs, kinds
from bot.context import Context
from bot.flows.base import Reply, Turn
from bot.importers.partners import import_partners
from bot.kinds import DashboardSection, Kind, KindError, Paper, Proof
from bot.messages import Outbound
from bot.scheduler import run_due
from db.models import Opportunity, OutboxMessage
from tests.support.district import copy_sample, edit_row, line_of
from tests.support.staff import add_account, sign_in
from tests.support.zone import DISTRICT

ROOT = Path(__file__).resolve().parents[1]
KIND_NAMES = {"micro", "enterprise", "virtual", "simulation"}
# Migrations would be exempt if a CHECK constraint had to spell a kind; none does today.
SCANNED = [*sorted((ROOT / "bot").rglob("*.py")), *sorted((ROOT / "db").rglob("*.py"))]
SCANNED.append(ROOT / "webhooks.py")


def _spelled(path: Path, root: Path = ROOT) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    return [
        f"{path.relative_to(root)}:{node.lineno}: {node.value!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and node.value in (KIND_NAMES | set(kinds.codes()))
    ]


def test_no_kind_name_is_spelled_outside_the_registry() -> None:
    outside = [p for p in SCANNED if (ROOT / "bot" / "kinds") not in p.parents]
    assert len(outside) > 100  # the scan sees the whole product
    found = [hit for path in outside for hit in _spelled(path)]
    assert found == [], "kind names outside bot/kinds/:\n" + "\n".join(found)


def test_the_scan_would_catch_one(tmp_path: Path) -> None:
    leak = tmp_path / "leak.py"
    leak.write_text('KIND = "virtual"\nDOC = "a virtual internship"\n')
    assert _spelled(leak, tmp_path) == ["leak.py:1: 'virtual'"]


def test_each_built_in_kind_lives_in_its_own_module() -> None:
    assert kinds.codes() == ("micro", "enterprise", "virtual", "simulation")
    for code in kinds.codes():
        here = ROOT / "bot" / "kinds"
        assert (here / f"{code}.py").is_file() or (here / code / "__init__.py").is_file()


def _hello(turn: Turn) -> Reply | None:
    return Reply.say(Outbound(f"Apprentice hello, {turn.person.first_name}"))


def _ping(turn: Turn) -> Reply | None:
    assert turn.trigger is not None
    return Reply.say(
        Outbound(f"Apprentice job {turn.trigger.subject_id}", to=turn.person.id, urgent=False)
    )


def _roster(session, today, staff_id):  # type: ignore[no-untyped-def]
    count = session.query(Opportunity).filter(Opportunity.kind == APPRENTICE.code).count()
    return {"columns": ["open", "on"], "rows": [[count, today.isoformat()]]}


APPRENTICE = Kind(
    code="apprentice",
    label="apprenticeship",
    words=frozenset({"APPRENTICE", "APRENDIZ"}),
    find_button=3,
    commands={"HOWDY": _hello},
    triggers={"apprentice.ping": _ping},
    dashboard_sections=(DashboardSection("rota", "Apprentice rota", _roster),),
)


@pytest.fixture
def apprentice():
    with kinds.registered(APPRENTICE) as kind:
        yield kind
    assert "apprentice" not in kinds.codes()


@pytest.mark.parametrize(
    "changes, problem",
    [
        ({"code": "Bad Code"}, "not a lower-case identifier"),
        ({"code": "micro"}, "'micro' is already registered"),
        ({"label": " "}, "label is empty"),
        ({"words": frozenset()}, "no search words"),
        ({"words": frozenset({"virtual"})}, "not folded upper case"),
        ({"words": frozenset({"VIRTUAL"})}, "'VIRTUAL' already belongs to 'virtual'"),
        ({"commands": {"HOWDY": "not a function"}}, "handler is not callable"),
        ({"triggers": {"ping": _ping}}, "is not named 'apprentice.<job>'"),
        ({"paperwork": (Paper.CONSENT, Paper.CONSENT)}, "distinct Paper values"),
        ({"remote_proof": "phone call"}, "proofs must be Proof values"),
    ],
)
def test_the_registry_refuses_a_bad_kind(changes, problem) -> None:
    bad = Kind(**{**APPRENTICE.__dict__, **changes})
    with pytest.raises(KindError, match=re.escape(problem)):
        kinds.register(bad)
    assert "apprentice" not in kinds.codes() and "Bad Code" not in kinds.codes()


def test_two_kinds_cannot_share_a_command(apprentice) -> None:
    twin = Kind(code="twin", label="twin", words=frozenset({"TWIN"}), commands={"HOWDY": _hello})
    with pytest.raises(KindError, match="command 'HOWDY' already belongs to 'apprentice'"):
        kinds.register(twin)


def test_unknown_kind_is_a_clear_error() -> None:
    with pytest.raises(KindError, match="unknown opportunity kind 'internship'"):
        kinds.get("internship")


def test_a_new_kind_reaches_find_by_registry_alone(apprentice, make, chat) -> None:
    make.opportunity(kind="apprentice", title="Weld a gate", remote=True)
    make.opportunity(remote=True, title="Design a donation flyer")
    student = make.student(given_name="Rosa")
    found = chat.texts(student, "FIND apprentice")[0]
    assert "Weld a gate" in found and "apprenticeship" in found and "flyer" not in found
    assert "Weld a gate" in chat.texts(student, "BUSCAR aprendiz")[0]
    [none] = chat.send(student, "FIND welding")
    labels = [b["label"] for row in none.buttons for b in row]
    assert labels[:3] == ["virtual", "micro", "apprenticeship"]  # find_button order


def test_a_new_kinds_command_and_job_reach_its_handlers(apprentice, make, chat, runtime, clock):
    student = make.student(given_name="Rosa")
    assert chat.texts(student, "howdy") == ["Apprentice hello, Rosa"]
    with runtime.database.transaction() as s:
        ctx = Context(s, runtime.settings, clock.now())
        jobs.schedule(
            ctx, "apprentice.ping", subject_id=42, due_at=clock.now(), person_id=student.id
        )
    line = run_due(runtime, clock.now() + timedelta(minutes=1))
    assert "reminders done=1 failed=0" in line
    with runtime.database.transaction() as s:
        texts = s.scalars(select(OutboxMessage.text).where(OutboxMessage.person_id == student.id))
        assert "Apprentice job 42" in list(texts)


def test_the_importer_accepts_a_registered_kind_and_names_the_registry(
    apprentice, district, database, clock, tmp_path: Path
) -> None:
    folder = copy_sample(tmp_path / "p")
    edit_row(folder, "opportunities.csv", "opp-1", kind="apprentice")
    edit_row(folder, "opportunities.csv", "opp-2", kind="internship")
    clock.advance(hours=1)
    report = import_partners(database, folder, now=clock.now(), tz=DISTRICT)
    assert district.opportunity("opp-1").kind == "apprentice"
    line = line_of(folder, "opportunities.csv", "opp-2")
    assert (
        f"opportunities.csv:{line}: kind: 'internship' is not one of micro, enterprise, "
        "virtual, simulation, apprentice; row rejected"
    ) in report.render().splitlines()


def test_a_new_kinds_dashboard_page(apprentice, client, make, database, clock) -> None:
    make.staff(school=make.school(), email="ava.patel@example.org")
    add_account(database, clock, "ava.patel@example.org", roles=("admin", "coordinator"))
    make.opportunity(kind="apprentice", title="Weld a gate", remote=True)
    assert sign_in(client, "ava.patel@example.org").status_code == 302
    overview = client.get("/dashboard/").get_data(as_text=True)
    assert 'href="/dashboard/kinds/apprentice/rota"' in overview and "Apprentice rota" in overview
    rota = client.get("/dashboard/kinds/apprentice/rota?all=1").get_data(as_text=True)
    assert "<td>1</td>" in rota and "Apprentice rota" in rota
    assert client.get("/dashboard/kinds/apprentice/nope").status_code == 404


def test_a_virtual_internship_is_remote_whatever_its_row_says(make, chat) -> None:
    """The kind decides where the work happens: FIND shows it as remote, not as a trip."""
    far = make.site(make.employer(), lat=37.7749, lon=-122.4194)  # San Francisco, far away
    make.opportunity(site=far, kind="virtual", title="Test our app", remote=False)
    make.opportunity(site=far, kind="micro", title="Paint a mural", remote=False)
    listed = chat.texts(make.student(), "FIND")[0]
    lines = {ln.split(") ", 1)[1].split(" - ")[0]: ln for ln in listed.splitlines()[1:3]}
    assert lines["Test our app"].endswith("remote") and "294" in lines["Paint a mural"]
    virtual = kinds.get("virtual")
    assert virtual.proof(remote=False, has_site=True) is Proof.SUPERVISOR
    assert kinds.get("micro").proof(remote=False, has_site=True) is Proof.GEOFENCE


def test_a_kinds_paperwork_decides_when_work_may_start(make, chat, database) -> None:
    """A kind that needs only the training agreement is ready at AGREE; micro waits for YES."""
    no_slip = Kind(
        code="clinic_hours", label="clinic hours", words=frozenset({"CLINICAL"}),
        paperwork=(Paper.AGREEMENT,),
    )  # fmt: skip
    student = make.student(given_name="Rosa")
    with kinds.registered(no_slip):
        opp = make.opportunity(kind="clinic_hours", title="Shadow a nurse", remote=True)
        placement = make.placement(student, opp, status="paperwork", agreement_ack_at=None)
        reply = chat.texts(student, "AGREE")[-1]
        with database.transaction() as s:
            assert s.get(type(placement), placement.id).status == "ready"
    assert "all set for Shadow a nurse" in reply
    other = make.student(given_name="Ana")
    micro = make.placement(
        other, make.opportunity(remote=True), status="paperwork", agreement_ack_at=None
    )
    chat.texts(other, "AGREE")
    with database.transaction() as s:
        assert s.get(type(micro), micro.id).status == "paperwork"  # permission still missing
