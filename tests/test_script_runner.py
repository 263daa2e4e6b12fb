"""The script runner itself: a wrong expectation, state or database check fails the script."""

from __future__ import annotations

import pytest

from tests.scripts._cast import catalog, placed
from tests.support.meaning import language_of
from tests.support.script_checks import applications, unchanged
from tests.support.scripts import Means, Script, Silent, Step, World, run_script


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Reply APPLY 1 to apply, or MENU", "en"),
        ("Responde APLICAR 1 para solicitar, o MENU", "es"),
        ('¿Puede Leah hacer "Photograph the new holiday menu"?', "es"),
        ("No tiene calificaciones pendientes ahora.", "es"),
        ("I got 5 digits but need 6", "en"),
        ("#12", None),
    ],
)
def test_language_of(text, lang):
    assert language_of(text) == lang


WRONG = [
    Step("student", "FIND", Means("No such title")),
    Step("student", "FIND", Means("{title}", lang="es")),
    Step("student", "FIND", Means("{title}", lacks=("APPLY",))),
    Step("student", "FIND", Means("{title}"), state="viewing"),
    Step("student", "FIND", Silent()),
    Step("student", "APPLY 1", Means("{title}"), db=unchanged()),
    Step("student", "APPLY 1", Means("{title}"), db=applications(2)),
    Step("student", "FIND", Means("{title}", to="guardian")),
]


@pytest.mark.parametrize("step", WRONG, ids=range(len(WRONG)))
def test_a_wrong_expectation_fails_the_script(step, database, settings, clock, engine, make):
    steps = [Step("student", "FIND", Means("{title}"))] if step.send != "FIND" else []
    script = Script("wrong", catalog, [*steps, step])
    with pytest.raises(AssertionError, match=r"step \d"):
        run_script(script, World(database, settings, clock, engine, make, "en"))


def test_the_right_expectations_pass(database, settings, clock, engine, make):
    script = Script("right", placed, [Step("student", "FIND", Means("FIND"), db=unchanged())])
    run_script(script, World(database, settings, clock, engine, make, "en"))
