"""Sites and supervisors created and edited on the dashboard through the real app, checked
by the importer's row parsers (a bad value is refused naming its column) and audited."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from db.models import AuditEntry, Contact, Person, Site, Supervisor
from tests.support.staff import add_account, csrf, sign_in

EMAIL = "ava.patel@example.org"
SITE = {"name": "Forge Loft", "address": "12 Main St", "lat": "36.74", "lon": "-119.78",
        "radius_m": "150", "transit": "yes"}  # fmt: skip
SUP = {"given_name": "Mina", "family_name": "Lopez", "email": "mina@forge.example",
       "phone": "(559) 555-0177", "timezone": ""}  # fmt: skip


@pytest.fixture
def signed(client, make, database, clock):
    make.staff(email=EMAIL)
    add_account(database, clock, EMAIL)
    sign_in(client, EMAIL)
    return client, make.employer(name="Pixel Forge"), make.employer(name="Cedar Clinic")


def _post(client, path, **form):
    return client.post(path, data={"csrf_token": csrf(client, path), **form})


def _audit(database, action):
    with database.transaction() as s:
        return s.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)
        )


def test_a_coordinator_creates_and_edits_a_site(signed, database):
    client, forge, clinic = signed
    assert _post(client, "/dashboard/sites/new", employer_id=forge.id, **SITE).status_code == 302
    with database.transaction() as s:
        site = s.scalar(select(Site).where(Site.name == "Forge Loft"))
        assert (site.employer_id, site.radius_m, site.transit, site.lat) == (
            forge.id,
            150,
            True,
            36.74,
        )
    listing = client.get("/dashboard/partners/places?q=loft").get_data(as_text=True)
    assert "Forge Loft" in listing and "Pixel Forge" in listing
    page = f"/dashboard/sites/{site.id}/edit"
    assert 'value="150"' in client.get(page).get_data(as_text=True)
    changed = {**SITE, "radius_m": "300", "transit": ""}
    assert _post(client, page, employer_id=clinic.id, **changed).status_code == 302
    with database.transaction() as s:
        site = s.get(Site, site.id)
        assert (site.employer_id, site.radius_m, site.transit) == (clinic.id, 300, False)
    assert _audit(database, "site:created") == 1 and _audit(database, "site:updated") == 1


@pytest.mark.parametrize(
    ("change", "says"),
    [({"lat": "123"}, "lat:"), ({"radius_m": "5"}, "radius_m:"), ({"name": ""}, "name: required")],
)
def test_a_bad_site_is_refused_naming_the_column(signed, database, change, says):
    client, forge, _ = signed
    response = _post(client, "/dashboard/sites/new", employer_id=forge.id, **{**SITE, **change})
    assert response.status_code == 400 and says in response.get_data(as_text=True)
    with database.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Site)) == 0


def test_a_coordinator_creates_and_edits_a_supervisor(signed, database):
    client, forge, clinic = signed
    assert (
        _post(client, "/dashboard/supervisors/new", employer_id=forge.id, **SUP).status_code == 302
    )
    with database.transaction() as s:
        person = s.scalar(select(Person).where(Person.given_name == "Mina"))
        sup = s.get(Supervisor, person.id)
        assert (person.kind, person.phone, sup.employer_id) == (
            "supervisor",
            "+15595550177",
            forge.id,
        )
        assert (
            s.scalar(select(Contact.person_id).where(Contact.urn == "tel:+15595550177"))
            == person.id
        )
    page = f"/dashboard/supervisors/{person.id}/edit"
    assert "mina@forge.example" in client.get(page).get_data(as_text=True)
    changed = {**SUP, "family_name": "Lopez-Ruiz", "timezone": "America/Chicago"}
    assert _post(client, page, employer_id=clinic.id, **changed).status_code == 302
    with database.transaction() as s:
        person, sup = s.get(Person, person.id), s.get(Supervisor, person.id)
        assert (person.family_name, sup.employer_id, sup.timezone) == (
            "Lopez-Ruiz", clinic.id, "America/Chicago",
        )  # fmt: skip
    assert (
        _audit(database, "supervisor:created") == 1 and _audit(database, "supervisor:updated") == 1
    )


@pytest.mark.parametrize(
    ("change", "says"),
    [({"phone": "12"}, "phone"), ({"timezone": "Mars/Olympus"}, "timezone:"),
     ({"given_name": ""}, "given_name: required")],
)  # fmt: skip
def test_a_bad_supervisor_is_refused_naming_the_column(signed, database, change, says):
    client, forge, _ = signed
    response = _post(
        client, "/dashboard/supervisors/new", employer_id=forge.id, **{**SUP, **change}
    )
    assert response.status_code == 400 and says in response.get_data(as_text=True)
    with database.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Supervisor)) == 0


def test_an_unknown_site_or_supervisor_is_a_404(signed):
    client, _, _ = signed
    assert client.get("/dashboard/sites/999999/edit").status_code == 404
    assert client.get("/dashboard/supervisors/999999/edit").status_code == 404
