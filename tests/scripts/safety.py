"""Safety and the human in the loop: a message about harm is answered at once and its
coordinator alerted (urgent), on SMS and Telegram, from any state, never "didn't
understand"; "safety goggles" is not escalated; HUMAN / PERSONA asks for a person; a
sentence the bot cannot place goes to the coordinator's inbox."""

from __future__ import annotations

from tests.scripts._cast import placed
from tests.support.inbox_checks import alerted, inbox
from tests.support.scripts import Means, Script, Silent, Step

TG = "telegram"
NOT_UNDERSTOOD = ("didn't understand", "no entendemos")


def _escalated(count: int, of: str = "student") -> tuple:
    return (inbox(count, "safety", of=of), alerted(urgent=True))


SCRIPTS = [
    Script(
        "a safety message is escalated at once, any channel, any state",
        placed,
        lang="en",
        steps=[
            Step(
                "student",
                "my supervisor makes me feel unsafe",
                (
                    Means("Ava", "911", lang="en", lacks=NOT_UNDERSTOOD),
                    Means(
                        "SAFETY",
                        "Leah",
                        "makes me feel unsafe",
                        "/dashboard/inbox/",
                        to="coordinator",
                    ),
                ),
                db=_escalated(1),
            ),
            Step(
                "student",
                "Do I need safety goggles at the bakery?",
                (Means("Ava", "FIND", lacks=("911",)), Silent(to="coordinator")),
                db=inbox(2, "unplaced"),
            ),
            Step("student", "IN", Means(asks_location=True), TG, "await_in_location"),
            Step(
                "student",
                "he touched me and I don't want to go back",
                (Means("Ava", "911", lacks=NOT_UNDERSTOOD), Means("SAFETY", to="coordinator")),
                TG,
                db=_escalated(3),
            ),
            Step(
                "guardian",
                "Someone is threatening my daughter at work",
                (Means("911", lacks=NOT_UNDERSTOOD), Means("SAFETY", "Rosa", to="coordinator")),
                db=_escalated(1, of="guardian"),
            ),
            Step(
                "student",
                "HUMAN",
                (Means("Ava", "MENU"), Means("Leah", "person", to="coordinator")),
                TG,
                db=(inbox(4, "human"), alerted(urgent=False)),
            ),
        ],
    ),
    Script(
        "a safety message is escalated at once, any channel, any state",
        placed,
        lang="es",
        steps=[
            Step(
                "student",
                "Mi supervisor me hace sentir insegura",
                (
                    Means("Ava", "911", lang="es", lacks=NOT_UNDERSTOOD),
                    Means("SAFETY", "Leah", "insegura", to="coordinator"),
                ),
                TG,
                db=_escalated(1),
            ),
            Step(
                "student",
                "¿Necesito gafas de seguridad en la panadería?",
                (Means("Ava", "BUSCAR", lang="es", lacks=("911",)), Silent(to="coordinator")),
                TG,
                db=inbox(2, "unplaced"),
            ),
            Step("student", "ENTRADA", Means(asks_location=True), TG, "await_in_location"),
            Step(
                "student",
                "me empujó y me lastimó el brazo",
                (
                    Means("Ava", "911", lang="es", lacks=NOT_UNDERSTOOD),
                    Means("SAFETY", to="coordinator"),
                ),
                db=_escalated(3),
            ),
            Step(
                "guardian",
                "Alguien acosa a mi hija en el trabajo",
                (
                    Means("911", lang="es", lacks=NOT_UNDERSTOOD),
                    Means("SAFETY", "Rosa", to="coordinator"),
                ),
                db=_escalated(1, of="guardian"),
            ),
            Step(
                "student",
                "PERSONA",
                (Means("Ava", "MENU", lang="es"), Means("Leah", "person", to="coordinator")),
                db=(inbox(4, "human"), alerted(urgent=False)),
            ),
        ],
    ),
]
