"""Partners on the dashboard: opportunities and employers created and edited through
forms the importer's parsers check, bulk renewal of checks, and an employer's private
proposal link (texted, one use, redacted from logs) approved into the catalogue."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from bot.access_log import redact
from db.models import Employer, Opportunity, OpportunityProposal, OutboxMessage, VettingCheck
from tests.support.staff import add_account, csrf, sign_in

EMAIL = "ava.patel@example.org"
GOOD = {
    "kind": "micro",
    "title": "Design a poster for the food drive",
    "description": "Two poster drafts.",
    "deliverables": "2 PDFs",
    "est_hours": "6",
    "seats": "2",
    "career_cluster": "Arts",
    "min_age": "14",
    "starts": "2026-12-07",
    "due": "2026-12-21",
    "remote": "yes",
}


@pytest.fixture
def signed(client, make, database, clock):
    make.staff(email=EMAIL)
    add_account(database, clock, EMAIL)
    sign_in(client, EMAIL)
    employer = make.employer(name="Pixel Forge", contact_phone="+15595550123")
    return client, employer


def _post(client, page, path, **form):
    return client.post(path, data={"csrf_token": csrf(client, page), **form})


def test_a_coordinator_creates_and_edits_an_opportunity(signed, database):
    client, employer = signed
    response = _post(
        client,
        "/dashboard/opportunities/new",
        "/dashboard/opportunities",
        employer_id=employer.id,
        **GOOD,
    )
    assert response.status_code == 302
    with database.transaction() as s:
        opp = s.scalar(select(Opportunity).where(Opportunity.title == GOOD["title"]))
        assert (opp.employer_id, opp.seats, str(opp.est_hours), opp.remote) == (
            employer.id,
            2,
            "6.00",
            True,
        )
        assert opp.career_cluster == "arts" and opp.active
    page = f"/dashboard/opportunities/{opp.id}/edit"
    assert GOOD["title"] in client.get(page).get_data(as_text=True)
    _post(
        client,
        page,
        f"/dashboard/opportunities/{opp.id}",
        employer_id=employer.id,
        **{**GOOD, "seats": "5"},
    )
    with database.transaction() as s:
        assert s.get(Opportunity, opp.id).seats == 5


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"due": "2026-12-01"}, "due: due date is before the start date"),
        ({"est_hours": "lots"}, "est_hours: not a number"),
        ({"kind": "apprenticeship"}, "kind:"),
        ({"remote": ""}, "no site"),
        ({"starts": ""}, "starts: required value missing"),
    ],
)
def test_a_bad_opportunity_is_refused_naming_the_column(signed, database, change, says):
    client, employer = signed
    form = {k: v for k, v in {**GOOD, **change}.items() if v}
    response = _post(
        client,
        "/dashboard/opportunities/new",
        "/dashboard/opportunities",
        employer_id=employer.id,
        **form,
    )
    assert response.status_code == 400 and says in response.get_data(as_text=True)
    with database.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Opportunity)) == 0


def test_an_employer_is_created_and_a_bad_phone_refused(signed, database):
    client, _ = signed
    page = "/dashboard/employers/new"
    bad = _post(client, page, page, name="Cedar Clinic", kind="nonprofit", contact_phone="12")
    assert bad.status_code == 400 and "contact_phone" in bad.get_data(as_text=True)
    good = _post(
        client, page, page, name="Cedar Clinic", kind="nonprofit", contact_phone="(559) 555-0150"
    )
    assert good.status_code == 302
    with database.transaction() as s:
        clinic = s.scalar(select(Employer).where(Employer.name == "Cedar Clinic"))
        assert clinic.contact_phone == "+15595550150"


def test_checks_are_renewed_in_bulk(signed, make, database):
    client, employer = signed
    people = [make.supervisor(employer, given_name=n) for n in ("Mina", "Omar", "Lu")]
    _post(
        client,
        "/dashboard/partners/renew",
        "/dashboard/partners/renew",
        kind="background_check",
        on="2026-11-30",
        subject_id=[str(p.id) for p in people],
    )
    with database.transaction() as s:
        renewed = s.scalars(
            select(VettingCheck.supervisor_id).where(VettingCheck.source == "dashboard")
        ).all()
    assert sorted(renewed) == sorted(p.id for p in people)


def test_an_employer_proposes_through_a_private_link(signed, database, app):
    client, employer = signed
    _post(client, "/dashboard/proposals", "/dashboard/proposals/invite", employer_id=employer.id)
    with database.transaction() as s:
        text, urn = s.execute(select(OutboxMessage.text, OutboxMessage.urn)).one()
    assert urn == "tel:+15595550123" and "Pixel Forge" in text
    path = re.search(r"(/dashboard/proposal/\S+)", text).group(1)
    assert "[redacted]" in redact(f"GET {path} HTTP/1.1") and path.rsplit("/", 1)[1] not in redact(
        path
    )
    visitor = app.test_client()
    assert "Propose an opportunity" in visitor.get(path).get_data(as_text=True)
    bad = _post(visitor, path, path, **{**GOOD, "due": "2026-12-01"})
    assert bad.status_code == 400 and "due date is before the start date" in bad.get_data(
        as_text=True
    )
    assert "Thank you" in _post(visitor, path, path, **GOOD).get_data(as_text=True)
    assert visitor.get(path).status_code == 404  # one use
    with database.transaction() as s:
        proposal = s.scalar(select(OpportunityProposal))
        assert proposal.status == "submitted" and proposal.values["title"] == GOOD["title"]
    _post(client, "/dashboard/proposals", f"/dashboard/proposals/{proposal.id}", decision="approve")
    with database.transaction() as s:
        proposal = s.get(OpportunityProposal, proposal.id)
        opp = s.get(Opportunity, proposal.opportunity_id)
        assert (
            proposal.status == "approved"
            and opp.title == GOOD["title"]
            and opp.employer_id == employer.id
        )


def test_a_made_up_proposal_link_is_a_polite_404(app):
    response = app.test_client().get("/dashboard/proposal/" + "x" * 32)
    assert response.status_code == 404 and "not valid" in response.get_data(as_text=True)
