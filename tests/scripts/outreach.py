"""Outreach: a coordinator invites students with no experience; the student replies FIND
and applies, and the campaign counts the application as its response."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.services import outreach
from db.models import OutreachCampaign
from tests.scripts._cast import catalog
from tests.support.script_checks import applications
from tests.support.scripts import Act, Means, Script, Step, World


def _invite(world: World) -> None:
    with world.staff() as ctx:
        campaign = outreach.send(ctx, outreach.Audience())
        assert (campaign.matched, campaign.queued) == (1, 1)


def _responded(world: World) -> None:
    applications(1, "pending")(world)
    with world.database.transaction() as s:
        campaign = s.scalars(select(OutreachCampaign)).one()
        found = outreach.stats(s, campaign)
    assert found.applied == 1, f"the campaign counts {found.applied} applications"
    assert sum(found.delivery.values()) == 1, found.delivery


INVITE = Act(_invite, "the coordinator invites students with no experience (wbl outreach)")
SOON = timedelta(minutes=20)

SCRIPTS = [
    Script(
        "invited by sms, finds and applies",
        catalog,
        lang="en",
        steps=[
            Step("coordinator", INVITE, Means("Leah", "FIND", to="student", lang="en")),
            Step("student", "FIND", Means("{remote_title}", "APPLY 1", lang="en"), wait=SOON),
            Step("student", "APPLY 1", Means("Applied", lang="en"), db=_responded),
        ],
    ),
    Script(
        "invitada por telegram, busca y solicita",
        catalog,
        lang="es",
        steps=[
            Step("coordinator", INVITE, Means("Leah", "BUSCAR", to="student", lang="es")),
            Step(
                "student",
                "BUSCAR",
                Means("{remote_title}", "APLICAR 1", lang="es"),
                channel="telegram",
                wait=SOON,
            ),
            Step("student", "APLICAR 1", Means("{remote_title}", lang="es"), db=_responded),
        ],
    ),
]
