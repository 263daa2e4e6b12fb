"""Supervisors: what is waiting (MENU), approve hours (A n) or reject them with a reason
(R n reason), accept work or ask for changes, rate six skills with six digits and comment."""

from __future__ import annotations

from datetime import timedelta

from tests.scripts._cast import JOBS, placed_with_work
from tests.support.script_checks import (
    deliverables,
    entries,
    placement,
    rating_comment,
    ratings,
)
from tests.support.scripts import Means, Press, Script, Step

SKILLS = (
    "communication",
    "teamwork",
    "reliability",
    "professionalism",
    "problem_solving",
    "initiative",
)
RATED = dict(zip(SKILLS, (5, 4, 5, 4, 3, 4), strict=True))
TG = "telegram"


def _tap(row: int) -> Step:
    """Tap the score for skill `row` (of six) on the Telegram rating message."""
    score = list(RATED.values())[row - 1]
    so_far = dict(list(RATED.items())[:row])
    return Step("supervisor", Press(str(score), row=row), Means(), TG, db=ratings(so_far, "open"))


SCRIPTS = [
    Script(
        "approve hours, accept work, rate and comment by sms",
        placed_with_work,
        lang="en",
        steps=[
            Step(
                "supervisor",
                "MENU",
                Means("#{entry}", "#{work}", "Leah", "A {entry}", lang="en"),
            ),
            Step("supervisor", "A", Means("A 12")),
            Step(
                "supervisor",
                "A {entry}",
                Means("#{entry}", "6 h", "Leah", lang="en"),
                db=entries(1, status="approved"),
            ),
            Step("supervisor", "A {entry}", Means("#{entry}", "already")),
            Step(
                "supervisor",
                "OK {work}",
                (Means("#{work}", "Leah"), Means("{title}", "accepted", to="student")),
                db=deliverables(1, "accepted"),
            ),
            Step(
                "coordinator",
                JOBS,
                Means("Leah", "{short}", "545434", to="supervisor", lang="en"),
                db=(placement("completed"), ratings(None, "open")),
            ),
            Step("supervisor", "54543", Means("6", lang="en")),
            Step(
                "supervisor",
                "545434",
                Means("5 4 5 4 3 4", "Leah", "SKIP", lang="en"),
                state="supervisor:await_comment",
                db=ratings(RATED),
            ),
            Step(
                "supervisor",
                "Always on time, great with customers",
                Means(lang="en"),
                state="idle",
                db=rating_comment("Always on time"),
            ),
        ],
    ),
    Script(
        "reject with a reason, ask for changes, rate and skip the comment",
        placed_with_work,
        lang="es",
        steps=[
            Step("supervisor", "INICIO", Means("#{entry}", "#{work}", "Leah", lang="es")),
            Step(
                "supervisor",
                "R {entry}",
                Means("#{entry}", "Leah", lang="es"),
                state="await_reason",
            ),
            Step(
                "supervisor",
                "Ese día se fue a mediodía",
                (Means("#{entry}", lang="es"), Means("mediodía", to="student", lang="es")),
                state="idle",
                db=entries(1, status="rejected"),
            ),
            Step(
                "supervisor",
                "CAMBIOS {work} agrega fotos del pastel",
                (Means("#{work}", lang="es"), Means("agrega fotos", to="student", lang="es")),
                db=deliverables(1, "changes_requested"),
            ),
            Step(
                "coordinator",
                JOBS,
                (  # due, short of its hours: rated all the same, flagged to the coordinator
                    Means("Leah", "545434", to="supervisor", lang="es"),
                    Means("Leah", "0 of 6 h verified", to="coordinator"),
                ),
                wait=timedelta(days=30),
                db=(placement("ready"), ratings(None, "open")),
            ),
            Step(
                "supervisor",
                "5 4 5 4 3 4",
                Means("5 4 5 4 3 4", "OMITIR", lang="es"),
                state="await_comment",
                db=ratings(RATED),
            ),
            Step("supervisor", "omitir", Means(lang="es"), state="idle", db=rating_comment(None)),
        ],
    ),
    Script(
        "approve hours with the telegram button",
        placed_with_work,
        lang="en",
        steps=[
            Step("supervisor", "MENU", Means("#{entry}", buttons=True), TG),
            Step(
                "supervisor",
                Press("Approve"),
                Means("#{entry}", "6 h"),
                TG,
                db=entries(1, status="approved"),
            ),
            Step(
                "coordinator",
                JOBS,
                Means("Leah", to="supervisor", buttons=True),
                db=placement("completed"),
            ),
            Step("supervisor", Press("Rate Leah"), Means("Leah", "Communication"), TG),
            Step(
                "supervisor",
                Press("5", row=1),
                Means("Communication: 5"),
                TG,
                db=ratings({"communication": 5}, "open"),
            ),
            *[_tap(row) for row in range(2, 6)],
            Step(
                "supervisor",
                Press("4", row=6),
                Means("Leah", "SKIP"),
                TG,
                "await_comment",
                db=ratings(RATED),
            ),
            Step(
                "supervisor",
                "Great with customers",
                Means(),
                TG,
                "idle",
                db=rating_comment("Great with customers"),
            ),
        ],
    ),
]
