"""Student, finding: FIND, MORE, a list number for details, APPLY n (typed and by button)."""

from __future__ import annotations

from tests.scripts._cast import catalog
from tests.support.script_checks import applications
from tests.support.scripts import Means, Press, Script, Step

SCRIPTS = [
    Script(
        "find more details apply by sms",
        catalog,
        lang="en",
        steps=[
            Step(
                "student",
                "FIND",
                Means("1) {remote_title}", "(1-3 of 4)", "APPLY 1", "MORE", lang="en"),
                state="student:browsing",
            ),
            Step(
                "student", "MORE", Means("4) {title}", "Sunrise Bakery", "walk"), state="browsing"
            ),
            Step(
                "student",
                "4",
                Means("{title}", "Gabriel", "Dec 1", "APPLY 4", lang="en", lacks=("Okafor",)),
                state="viewing",
            ),
            Step(
                "student",
                "APPLY 4",
                Means("Applied", "{title}", "coordinator", lang="en"),
                state="idle",
                db=applications(1, "pending"),
            ),
            Step("student", "APPLY 4", Means("FIND")),
            Step("student", "STATUS", Means("{title}", "waiting", lang="en")),
            Step("student", "APPLY 9", Means("9", "1-4", "FIND")),
        ],
    ),
    Script(
        "find details apply by telegram buttons",
        catalog,
        lang="es",
        steps=[
            Step(
                "student",
                "BUSCAR",
                Means("{remote_title}", "APLICAR 1", "MAS", lang="es", buttons=True),
                channel="telegram",
                state="browsing",
            ),
            Step(
                "student",
                Press("1: detalles"),
                Means("{remote_title}", "Mina", "dic", "APLICAR 1", lang="es"),
                channel="telegram",
                state="viewing",
            ),
            Step(
                "student",
                Press("Solicitar 1"),
                Means("{remote_title}", "coordinador", lang="es"),
                channel="telegram",
                state="idle",
                db=applications(1, "pending"),
            ),
            Step("student", "APLICAR 9", Means("9", "1-4", "BUSCAR", lang="es")),
            Step("student", "más", Means("4) {title}", lang="es"), channel="telegram"),
        ],
    ),
]
