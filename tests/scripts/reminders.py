"""Scheduled work enters like a message: a permission reminder, a forgotten clock-out
nudged and then closed by the worker's pass (JOBS) as the pinned clock moves on."""

from __future__ import annotations

from datetime import timedelta

from bot.messages import Location
from tests.scripts._cast import APPROVE, JOBS, SITE, family, placed
from tests.support.script_checks import applications, consent, entries, placement
from tests.support.scripts import Means, Press, Script, Silent, Step

TG = "telegram"
AT_WORK = Location(SITE[0], SITE[1], accuracy_m=10)

SCRIPTS = [
    Script(
        "a forgotten clock-out is nudged, then closed",
        placed,
        lang="en",
        steps=[
            Step("student", "IN", Means(asks_location=True), TG),
            Step("student", AT_WORK, Means("{short}"), TG, db=entries(1, status="open")),
            Step("coordinator", JOBS, Silent(to="student"), wait=timedelta(hours=4)),
            Step(
                "coordinator",
                JOBS,
                (Means("{short}", "OUT", to="student", lang="en"), Silent(to="coordinator")),
                wait=timedelta(hours=1, minutes=30),
            ),
            Step(
                "coordinator",
                JOBS,
                (
                    Means("{short}", "4 h", "OUT", to="student", lang="en"),
                    Means("closed", to="coordinator", lang="en"),
                    Means("Leah", "4 h", "not clocked out", to="supervisor"),
                ),
                wait=timedelta(hours=3),
                db=entries(1, status="pending", hours="4", auto_closed=True),
            ),
            Step("student", "OUT", Means("IN", lang="en"), TG),
        ],
    ),
    Script(
        "a nudged student clocks out from the nudge",
        placed,
        lang="es",
        steps=[
            Step("student", "ENTRADA", Means(asks_location=True), TG),
            Step("student", AT_WORK, Means("{short}"), TG, db=entries(1, status="open")),
            Step(
                "coordinator",
                JOBS,
                Means("{short}", "SALIDA", to="student", lang="es"),
                wait=timedelta(hours=5, minutes=30),
            ),
            Step("student", Press("salida"), Means(asks_location=True, lang="es"), TG),
            Step(
                "student",
                AT_WORK,
                Means("{short}", lang="es"),
                TG,
                db=entries(1, status="approved", auto_closed=False),
            ),
            Step("coordinator", JOBS, Silent(to="student"), wait=timedelta(hours=4)),
        ],
    ),
    Script(
        "an unanswered permission request is reminded",
        family,
        lang="es",
        steps=[
            Step("student", "BUSCAR", Means("{title}")),
            Step("student", "APLICAR 1", Means("{title}"), db=applications(1)),
            Step(
                "coordinator",
                APPROVE,
                Means("{title}", to="guardian", lang="es"),
                grab={"code": r"SI (\d{4})"},
                db=(placement("paperwork"), consent("open")),
            ),
            Step("coordinator", JOBS, Silent(to="guardian"), wait=timedelta(hours=47)),
            Step(
                "coordinator",
                JOBS,
                Means("Leah", "{title}", "SI {code}", to="guardian", lang="es"),
                wait=timedelta(hours=2),
                db=consent("open"),
            ),
            Step("guardian", "si {code}", Means("REVOCAR {code}"), db=consent("granted")),
        ],
    ),
]
