"""The coordinator dashboard: sign-in, CSRF, caseload pages, decisions through the services."""

from __future__ import annotations

import pytest

from bot.policy import Policy
from tests.support.staff import PASSWORD, add_account, sign_in
from tests.support.staff import csrf as _csrf


@pytest.fixture
def coordinator(make, database, clock):
    school = make.school()
    staff = make.staff(school=school, email="ava.patel@example.org")
    add_account(database, clock, "ava.patel@example.org")
    return staff, school


def login(client, email="ava.patel@example.org", password=PASSWORD):
    return sign_in(client, email, password)


def test_pages_need_a_login(client):
    response = client.get("/dashboard/")
    assert response.status_code == 302 and "/dashboard/login" in response.headers["Location"]


def test_wrong_password_is_refused(client, coordinator):
    assert login(client, password="nope").status_code == 401


def test_post_without_csrf_token_is_refused(client, coordinator):
    response = client.post(
        "/dashboard/login", data={"email": "ava.patel@example.org", "password": PASSWORD}
    )
    assert response.status_code == 403


def test_coordinator_sees_overview_and_partners(client, coordinator, make):
    make.opportunity(title="Photograph the new holiday menu")
    expired = make.employer(name="Old Library", insurance_expires=None)
    make.opportunity(expired, title="Shelve returned books")
    assert login(client).status_code == 302
    assert "my caseload" in client.get("/dashboard/").get_data(as_text=True)
    partners = client.get("/dashboard/partners").get_data(as_text=True)
    assert "Photograph the new holiday menu" in partners
    assert "missing or expired: insurance" in partners


def _pending_application(database, clock, student, opp):
    from db.models import Application

    with database.transaction() as s:
        app_row = Application(
            student_id=student.id, opportunity_id=opp.id, status="pending", created_at=clock.now()
        )
        s.add(app_row)
        s.flush()
        return app_row.id


def test_coordinator_approves_then_records_paper_consent(
    client, coordinator, make, database, clock
):
    from sqlalchemy import select

    from db.models import ConsentRecord, OutboxMessage, Placement, Student

    staff, school = coordinator
    student = make.student(school=school, given_name="Leah", guardians=1)
    with database.transaction() as s:
        s.get(Student, student.id).coordinator_id = staff.id
    opp = make.opportunity(title="Photograph the new holiday menu", remote=True)
    app_id = _pending_application(database, clock, student, opp)
    login(client)
    page = client.get("/dashboard/applications").get_data(as_text=True)
    assert "Photograph the new holiday menu" in page and "Leah" in page
    token = _csrf(client, "/dashboard/applications")
    client.post(
        f"/dashboard/applications/{app_id}", data={"decision": "approve", "csrf_token": token}
    )
    with database.transaction() as s:
        placement = s.scalar(select(Placement).where(Placement.student_id == student.id))
        assert placement is not None and placement.status == "paperwork"
        asked = s.scalars(select(OutboxMessage.text)).all()
    assert any("YES" in t for t in asked)
    detail = client.get(f"/dashboard/placements/{placement.id}").get_data(as_text=True)
    assert "Record consent collected on paper" in detail
    client.post(
        f"/dashboard/placements/{placement.id}/paper-consent",
        data={
            "csrf_token": token,
            "signer_name": "Rosa Rivera",
            "signed_on": "2026-12-01",
            "method": "paper form returned to school",
            "granted": "yes",
        },
    )
    with database.transaction() as s:
        record = s.scalar(select(ConsentRecord).where(ConsentRecord.action == "paper_grant"))
        assert record is not None and record.recorded_by == f"staff:{staff.id}"
    receipt = client.get(f"/dashboard/consent/{record.id}/receipt")
    assert receipt.status_code == 200 and "Rosa Rivera" in receipt.get_data(as_text=True)


def test_wbl_consent_paper_records_a_signed_form(
    make, database, clock, settings, monkeypatch, capsys
):
    from sqlalchemy import select

    from bot.cli import main
    from db.models import ConsentRecord
    from tests.test_consent_support import approve

    school = make.school()
    staff = make.staff(school=school, sourced_id="staff-9")
    student = make.student(school=school, guardians=1)
    opp = make.opportunity(remote=True)
    placement_id = approve(database, settings, clock, student, opp)
    monkeypatch.setenv("DATABASE_URL", database.url)
    monkeypatch.setenv("SECRET_KEY", "test-secret-key")
    code = main(
        [
            "consent-paper",
            str(placement_id),
            "--staff",
            "staff-9",
            "--signer",
            "Rosa Rivera",
            "--signed-on",
            "2026-12-01",
        ]
    )
    assert code == 0 and "recorded paper permission" in capsys.readouterr().out
    assert (
        main(
            [
                "consent-paper",
                str(placement_id),
                "--staff",
                "nobody",
                "--signer",
                "X",
                "--signed-on",
                "2026-12-01",
            ]
        )
        == 1
    )
    assert (
        main(
            [
                "consent-paper",
                str(placement_id),
                "--staff",
                "staff-9",
                "--signer",
                "X",
                "--signed-on",
                "yesterday",
            ]
        )
        == 2
    )
    with database.transaction() as s:
        record = s.scalar(select(ConsentRecord).where(ConsentRecord.action == "paper_grant"))
        assert record.recorded_by == f"staff:{staff.id}" and record.channel == "paper"


def test_recording_a_renewed_background_check_makes_the_opportunity_visible(
    client, coordinator, make, database
):
    from bot.services.vetting import problems_by_opportunity
    from tests.conftest import T0

    employer = make.employer(
        name="Pacific Pixel Games", kind="virtual_partner", insurance_expires=None
    )
    supervisor = make.supervisor(employer, background_check=None)
    opp = make.opportunity(employer, supervisor=supervisor, kind="virtual", remote=True)
    with database.transaction() as s:
        assert problems_by_opportunity(s, T0.date(), Policy())[opp.id] == ["background_check"]
    login(client)
    token = _csrf(client, "/dashboard/partners")
    client.post(
        "/dashboard/partners/checks",
        data={
            "csrf_token": token,
            "kind": "background_check",
            "subject_id": supervisor.id,
            "on": "2026-11-20",
        },
    )
    with database.transaction() as s:
        assert problems_by_opportunity(s, T0.date(), Policy())[opp.id] == []
    refused = client.post(
        "/dashboard/partners/checks",
        data={
            "csrf_token": token,
            "kind": "background_check",
            "subject_id": supervisor.id,
            "on": "2027-05-01",
        },
    )
    assert refused.status_code == 302
    assert "in the future" in client.get("/dashboard/partners").get_data(as_text=True)


def test_undelivered_messages_are_visible_to_coordinators(
    client, coordinator, make, database, clock
):
    """Of their own caseload: messages to another caseload's guardian stay out."""
    from db.models import OutboxMessage, Student

    staff, school = coordinator
    student = make.student(school=school, guardians=0)
    with database.transaction() as s:
        s.get(Student, student.id).coordinator_id = staff.id
    guardian = make.guardian_of(student, given_name="Rosa")
    stranger = make.person("guardian", given_name="Zelda")
    with database.transaction() as s:
        for person in (guardian, stranger):
            s.add(
                OutboxMessage(
                    person_id=person.id,
                    urn=f"tel:{person.phone}",
                    channel="sms",
                    text="Reply YES 4821",
                    buttons=[],
                    extra={},
                    urgent=False,
                    category="consent",
                    status="failed",
                    attempts=6,
                    not_before=clock.now(),
                    last_error="HTTP 500 after 6 attempts",
                    created_at=clock.now(),
                )
            )
    login(client)
    assert "2</b>" in client.get("/dashboard/").get_data(as_text=True).replace("\n", "")
    page = client.get("/dashboard/messages").get_data(as_text=True)
    assert "Rosa" in page and "HTTP 500 after 6 attempts" in page and "Reply YES" not in page
    assert "Zelda" not in page


def test_odd_ids_are_404s_and_emails_match_whatever_their_case(client, coordinator, runtime):
    from db.models import Person

    with runtime.database.transaction() as s:
        s.get(Person, coordinator[0].id).email = "Ava.Patel@Example.org"  # as the SIS wrote it
    assert login(client, email="ava.patel@EXAMPLE.org").status_code == 302
    token = _csrf(client, "/dashboard/applications")
    assert client.get("/dashboard/placements/99999999999999999999999").status_code == 404
    assert client.get("/dashboard/consent/99999999999999999999/receipt").status_code == 404
    missing = client.post(
        "/dashboard/applications/999", data={"decision": "approve", "csrf_token": token}
    )
    assert missing.status_code == 404
    huge = client.post(
        "/dashboard/partners/checks",
        data={"csrf_token": token, "kind": "insurance", "subject_id": "9" * 30, "on": "2027-01-01"},
    )
    assert huge.status_code == 302


def test_csv_export_has_every_placement_not_just_one_page(
    client, coordinator, make, database, clock
):
    """The whole district's export (an admin's: `?all=1`)."""
    from bot.dashboard.queries import PAGE

    _, school = coordinator
    add_account(database, clock, "ava.patel@example.org", roles=("admin", "coordinator"))
    opp = make.opportunity(title="Inventory the parts room")
    for i in range(PAGE + 5):
        make.placement(make.student(school=school, guardians=0, given_name=f"S{i}"), opp)
    assert login(client).status_code == 302
    response = client.get("/dashboard/export/placements.csv?all=1")
    assert response.status_code == 200
    lines = response.get_data(as_text=True).strip().splitlines()
    assert lines[0].startswith("placement_id,") and len(lines) == 1 + PAGE + 5
