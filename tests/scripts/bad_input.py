"""Bad input gets a polite answer in the person's language and changes nothing: unknown
words, emoji, a 2,000-character text, forged or garbled buttons, impossible places."""

from __future__ import annotations

from bot.messages import Location
from tests.scripts._cast import placed
from tests.support.script_checks import entries
from tests.support.scripts import Means, Payload, Script, Step, Tap

TG = "telegram"
OCEAN = Location(0.0, -140.0, accuracy_m=10)  # the middle of the Pacific
OFF_THE_MAP = Location(95.0, 200.0)
LONG = "I would really like to find some work near the bakery please " * 33  # 2,000 chars

SCRIPTS = [
    Script(
        "nonsense, emoji, a long text, forged buttons, the ocean",
        placed,
        lang="en",
        steps=[
            Step("student", "banana", Means("FIND", lang="en")),
            Step("student", "👍🎉🙏", Means("FIND", lang="en")),
            Step("student", LONG[:2000], Means(lang="en")),
            Step("student", "'; DROP TABLE people; --", Means(lang="en")),
            Step("student", "APPLY 99999999999999999999", Means("FIND")),
            Step("student", "FIND\x00", Means("FIND", lang="en")),
            Step("student", Payload("garbage"), Means("MENU", lang="en"), TG),
            Step(
                "student",
                Tap("fa", "{opp}", signed_for="guardian"),
                Means("MENU", lang="en"),
                TG,
            ),
            Step("student", OCEAN, Means("IN", lang="en"), TG),
            Step("student", "IN", Means(asks_location=True), TG, "await_in_location"),
            Step(
                "student", OCEAN, Means(asks_location=True), TG, "await_in_location", db=entries(0)
            ),
            Step("student", OFF_THE_MAP, Means(asks_location=True), TG, db=entries(0)),
            Step(
                "student", "🤷", Means(asks_location=True), TG, "await_in_location", db=entries(0)
            ),
        ],
    ),
    Script(
        "nonsense, emoji, a long text, forged buttons, the ocean",
        placed,
        lang="es",
        steps=[
            Step("student", "plátano", Means("BUSCAR", lang="es")),
            Step("student", "😀", Means(lang="es")),
            Step(
                "student",
                ("Quiero trabajar cerca de mi casa por favor " * 50)[:2000],
                Means(lang="es"),
            ),
            Step("guardian", "SI 0000", Means(lang="es")),
            Step("guardian", "🙂", Means(lang="es")),
            Step("supervisor", "A 999", Means("999", lang="es")),
            Step("supervisor", "R 999 porque sí", Means("999", lang="es")),
            Step("supervisor", "999999", Means(lang="es")),
            Step("student", Payload("x" * 300), Means("MENU", lang="es"), TG),
            Step("student", "ENTRADA", Means(asks_location=True), TG, "await_in_location"),
            Step("student", OCEAN, Means(asks_location=True, lang="es"), TG, db=entries(0)),
        ],
    ),
]
