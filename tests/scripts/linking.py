"""Strangers: a number or chat we do not know is told how to join (in English and Spanish)
and learns nothing; `/start CODE` links a Telegram chat to the person the code was made for."""

from __future__ import annotations

from tests.scripts._cast import invite
from tests.support.script_checks import contacts, no_contact
from tests.support.scripts import Means, Script, Step

TG = "telegram"
NEWCHAT = "telegram:880000001"

SCRIPTS = [
    Script(
        "a stranger texts, a telegram chat links with its code",
        invite,
        lang="en",
        steps=[
            Step(
                "stranger", "hello?", Means("coordinator", "code", "coordinador", lacks=("Leah",))
            ),
            Step("stranger", "FIND", Means("code", lacks=("{title}",))),
            Step("newchat", "/start WRONG123", Means("code"), TG, db=no_contact(NEWCHAT)),
            Step(
                "newchat",
                "/start {code}",
                Means("Leah", "MENU", lang="en"),
                TG,
                db=contacts("student", "tel", "telegram"),
            ),
            Step("student", "MENU", Means("Leah", "FIND", lang="en"), TG, "idle"),
            Step("stranger", "STOP", Means(lacks=("START",))),
        ],
    ),
    Script(
        "a telegram chat links with its code",
        invite,
        lang="es",
        steps=[
            Step(
                "newchat",
                "/start {code}",
                Means("Leah", "MENU", lang="es"),
                TG,
                db=contacts("student", "tel", "telegram"),
            ),
            Step("student", "BUSCAR", Means("{title}", lang="es"), TG, "browsing"),
            Step("student", "INICIO", Means("Leah", lang="es"), TG, "idle"),
        ],
    ),
    Script(
        "a wrong code is explained in both languages",
        invite,
        lang="es",
        steps=[Step("newchat", "/start WRONG123", Means("code", "código"), TG)],
    ),
]
