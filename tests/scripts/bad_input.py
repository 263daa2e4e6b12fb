"""Bad input gets a polite answer in the person's language and changes nothing: unknown
words, emoji, a 2,000-character text, forged or garbled buttons, impossible places."""

from __future__ import annotations

from bot.messages import Location
from tests.scripts._cast import placed
from tests.support.script_checks import applications, entries, unchanged
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
            Step("student", "banana", Means("FIND", lang="en"), db=unchanged()),
            Step("student", "👍🎉🙏", Means("FIND", lang="en"), db=unchanged()),
            Step("student", LONG[:2000], Means(lang="en"), db=unchanged()),
            Step("student", "'; DROP TABLE people; --", Means(lang="en"), db=unchanged()),
            Step("student", "APPLY 99999999999999999999", Means("FIND"), db=unchanged()),
            Step("student", "FIND\x00", Means("FIND", lang="en"), db=unchanged()),
            Step("student", Payload("garbage"), Means("MENU", lang="en"), TG, db=unchanged()),
            Step(
                "student",
                Tap("fa", ("{opp}",), signed_for="guardian"),
                Means("MENU", lang="en"),
                TG,
                db=(unchanged(), applications(1)),
            ),
            Step("student", OCEAN, Means("IN", lang="en"), TG, db=unchanged()),
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
            Step("student", "plátano", Means("BUSCAR", lang="es"), db=unchanged()),
            Step("student", "😀", Means(lang="es"), db=unchanged()),
            Step(
                "student",
                ("Quiero trabajar cerca de mi casa por favor " * 50)[:2000],
                Means(lang="es"),
                db=unchanged(),
            ),
            Step("guardian", "SI 0000", Means(lang="es"), db=unchanged()),
            Step("guardian", "🙂", Means(lang="es"), db=unchanged()),
            Step("supervisor", "A 999", Means("999", lang="es"), db=unchanged()),
            Step("supervisor", "R 999 porque sí", Means("999", lang="es"), db=unchanged()),
            Step("supervisor", "999999", Means(lang="es"), db=unchanged()),
            Step("student", Payload("x" * 300), Means("MENU", lang="es"), TG, db=unchanged()),
            Step("student", "ENTRADA", Means(asks_location=True), TG, "await_in_location"),
            Step("student", OCEAN, Means(asks_location=True, lang="es"), TG, db=entries(0)),
        ],
    ),
]
