"""Keywords everyone has: HELP, STOP, START, ESPAÑOL / ENGLISH, MENU."""

from __future__ import annotations

from tests.scripts._cast import family, placed
from tests.support.script_checks import language, opted_out
from tests.support.scripts import Means, Script, Silent, Step

SCRIPTS = [
    Script(
        "help, switch language twice, stop twice, start",
        family,
        lang="en",
        steps=[
            Step("student", "HELP", Means("Cedar Valley WBL", "Ms. Patel", "STOP", lang="en")),
            Step("student", "FIND", Means("{title}"), state="browsing"),
            Step("student", "ESPAÑOL", Means("Leah", lang="es"), db=language("student", "es")),
            Step("student", "MENU", Means("Leah", "BUSCAR", lang="es"), state="idle"),
            Step(
                "student", "english", Means("Leah", "FIND", lang="en"), db=language("student", "en")
            ),
            Step("student", "STOP", Means("START", lang="en"), db=opted_out("student")),
            Step("student", "STOP", Silent()),
            Step("student", "START", Means("MENU", lang="en"), db=opted_out("student", False)),
        ],
    ),
    Script(
        "ayuda, parar, comenzar, inglés",
        placed,
        lang="es",
        steps=[
            Step("guardian", "AYUDA", Means("Cedar Valley WBL", "Ms. Patel", lang="es")),
            Step("guardian", "INICIO", Means(lang="es"), state="idle"),
            Step("guardian", "PARAR", Means("START", lang="es"), db=opted_out("guardian")),
            Step("guardian", "COMENZAR", Means("MENU", lang="es"), db=opted_out("guardian", False)),
            Step("guardian", "ingles", Means(lang="en"), db=language("guardian", "en")),
            Step("supervisor", "AYUDA", Means("Ms. Patel", lang="es")),
            Step("student", "menú", Means("Leah", "BUSCAR", lang="es"), state="idle"),
        ],
    ),
]
