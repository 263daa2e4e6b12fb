"""A test-only kind declared wholly by reference, the way a kind package names its layers:
a student command that returns its own effect, a supervisor command, a job for a
supervisor, a partner file of its own and a blueprint with its rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from flask import Blueprint
from sqlalchemy.orm import Session

from bot.context import Context
from bot.dashboard.access import ANY_STAFF, PUBLIC
from bot.dashboard.auth import guard
from bot.effects import KindEffect
from bot.flows.base import Reply, Turn
from bot.importers.csvio import read_table
from bot.importers.report import ImportReport
from bot.kinds import Kind
from bot.messages import Outbound
from db import trail

HERE = "tests.support.workshop_kind"


@dataclass(frozen=True)
class Tally(KindEffect):
    service: ClassVar[str] = f"{HERE}:tally"
    person_id: int
    what: str


def tally(ctx: Context, e: Tally) -> list[Outbound]:
    trail.record(
        ctx.session, at=ctx.now, actor=f"person:{e.person_id}", action="workshop.tally",
        entity="person", entity_id=e.person_id, details={"what": e.what},
    )  # fmt: skip
    return [Outbound(f"tallied {e.what}", to=e.person_id)]


def bench(turn: Turn) -> Reply | None:
    what = " ".join(turn.cmd.words[1:]) or "nothing"
    return Reply(messages=[Outbound("noted")], effects=[Tally(turn.person.id, what)])


def cheer(turn: Turn) -> Reply | None:
    return Reply.say(Outbound(f"Supervisor cheer, {turn.person.first_name}"))


def remind(turn: Turn) -> Reply | None:
    assert turn.trigger is not None
    return Reply.say(Outbound(f"Workshop check for {turn.flow}", to=turn.person.id))


def sweep_benches(ctx: Context) -> None:
    trail.record(
        ctx.session, at=ctx.now, actor="system", action="workshop.sweep", entity="workshop",
        entity_id=0, details={},
    )  # fmt: skip


def import_tools(
    session: Session,
    folder: Path,
    report: ImportReport,
    now: datetime,
    shift_days: int,
    tz: ZoneInfo,
) -> None:
    table = read_table(folder, "tools.csv", ("tool",), report)
    for _ in table if table else ():
        report.count("tools", "created")
        report.count("tool_zones", tz.key)  # the district's zone, given by the import


bp = Blueprint("workshop", __name__)  # staff pages under /dashboard/ (the cookie's path)
bp.before_request(guard)
RULES = {"workshop.hello": PUBLIC, "workshop.staff_only": ANY_STAFF}


@bp.get("/workshop/hello")
def hello() -> Any:
    return "workshop hello"


@bp.get("/dashboard/workshop/staff")
def staff_only() -> Any:
    return "workshop staff"


WORKSHOP = Kind(
    code="workshop",
    label="workshop",
    words=frozenset({"WORKSHOP", "TALLER"}),
    commands={"BENCH": f"{HERE}:bench"},
    supervisor_commands={"CHEER": f"{HERE}:cheer"},
    triggers={"workshop.check": f"{HERE}:remind"},
    importers={"tools.csv": f"{HERE}:import_tools"},
    sweeps={"workshop.benches": f"{HERE}:sweep_benches"},
    pages=HERE,
)
