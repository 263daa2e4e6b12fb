"""The signature record: append-only through the ORM and in the database itself; the
printable receipt with every field; the permission slip page in English and Spanish."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from bot.services.consent_docs import slip_token
from bot.services.consent_receipt import receipt_url
from db.guards import AppendOnlyViolation
from db.models import ConsentRecord, OutboxMessage
from tests.test_consent_support import approve, family, guardians, records, request_of


def _granted(database, settings, clock, make, chat, **kw):
    student, _c, opp = family(make, **kw)
    pid = approve(database, settings, clock, student, opp)
    [guardian] = guardians(database, student.id)
    req = request_of(database, pid)
    chat.send(guardian, f"YES {req.code}", provider_id="SMfeedface0001")
    return pid, req, guardian


def test_records_cannot_be_updated_or_deleted_by_the_application(
    database, settings, clock, make, chat
):
    pid, _req, _g = _granted(database, settings, clock, make, chat)
    with pytest.raises(AppendOnlyViolation), database.transaction() as s:
        row = s.scalar(select(ConsentRecord).where(ConsentRecord.action == "grant"))
        row.raw_text = "NO"
    with pytest.raises(AppendOnlyViolation), database.transaction() as s:
        s.delete(s.scalar(select(ConsentRecord).where(ConsentRecord.action == "grant")))
    assert [r.raw_text for r in records(database, pid)][-1].startswith("YES")


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE consent_records SET raw_text = 'NO' WHERE action = 'grant'",
        "DELETE FROM consent_records",
    ],
)
def test_raw_sql_changes_are_refused_by_the_database(database, settings, clock, make, chat, sql):
    pid, _req, _g = _granted(database, settings, clock, make, chat)
    with pytest.raises(DBAPIError), database.transaction() as s:
        s.execute(text(sql))
    assert [r.action for r in records(database, pid)] == ["request_sent", "grant"]


def test_receipt_renders_every_field(database, settings, clock, make, chat, client):
    pid, req, guardian = _granted(database, settings, clock, make, chat)
    grant = records(database, pid)[-1]
    with database.transaction() as s:  # the dispatcher's work: sent and delivered
        row = s.get(OutboxMessage, grant.outbox_id)
        row.status, row.provider_message_id = "delivered", "SMdeadbeef"
        row.sent_at = row.delivered_at = clock.now()
    url = receipt_url(settings, grant.id).removeprefix(settings.public_base_url)
    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for fragment in [
        f"#{grant.id}",
        ">grant<",
        "2026-12-01 17:00:00 UTC",
        ">sms<",
        "Rosa Rivera",
        f"person {guardian.id}",
        guardian.phone,
        "SMfeedface0001",
        f"YES {req.code}",
        "Photograph the new holiday menu",
        "consent-sms-v1",
        grant.request_text_sha256,
        "matches the text",
        "delivered",
        "SMdeadbeef",
        "request_sent",
    ]:
        assert fragment in html, fragment
    assert "May Leah do" in html  # the exact request text
    assert client.get(f"/consent/{grant.id}/receipt?sig=forged").status_code == 404
    assert client.get(f"/consent/{grant.id}/receipt").status_code == 404
    other = receipt_url(settings, 999999).removeprefix(settings.public_base_url)
    assert client.get(other).status_code == 404


def test_paper_receipt_shows_who_how_when(database, settings, clock, make):
    from datetime import date

    from bot.context import Context
    from bot.services.consent_answers import record_paper_consent
    from bot.services.consent_receipt import receipt_html

    student, coordinator, opp = family(make, guardians=0)
    pid = approve(database, settings, clock, student, opp)
    with database.transaction() as s:
        record_paper_consent(
            Context(s, settings, clock.now()),
            pid,
            staff_person_id=coordinator.id,
            granted=True,
            method="signed form, front office",
            signed_on=date(2026, 12, 3),
            signer_name="Rosa Rivera",
        )
    rec = records(database, pid)[-1]
    with database.transaction() as s:
        html = receipt_html(s, rec.id, settings)
    for fragment in ["paper_grant", f"staff:{coordinator.id}", "signed form, front office"]:
        assert fragment in html
    assert "2026-12-03" in html and "Rosa Rivera" in html


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "en",
            [
                "Permission slip",
                "Photograph the new holiday menu",
                "Sunrise Bakery",
                "12 Main St, Fresno",
                "Dec 1-28",
                "Gabriel",
                "by bus or train",
                "release the school district",
                "What the employer is told",
                "REVOKE {code}",
                "YES {code}",
                "NO {code}",
                "Ms. Patel",
            ],
        ),
        (
            "es",
            [
                "Permiso",
                "Photograph the new holiday menu",
                "1-28 dic",
                "en bus o tren",
                "libera al distrito escolar",
                "Qué información del estudiante recibe el empleador",
                "REVOCAR {code}",
                "YES {code}",
                "Comuníquese con Ms. Patel",
            ],
        ),
    ],
)
def test_slip_page_in_the_guardians_language(
    database, settings, clock, make, client, lang, expected
):
    student, _c, opp = family(make)
    pid = approve(database, settings, clock, student, opp)
    req = request_of(database, pid)
    page = client.get(f"/slip/{slip_token(settings, req.id, lang)}")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert 'name="viewport"' in html and f'lang="{lang}"' in html
    for fragment in expected:
        assert fragment.format(code=req.code) in html, fragment
    assert "Rivera" not in html  # first names only on a page without login


def test_the_link_in_the_text_opens_the_slip(database, settings, clock, make, client):
    student, _c, opp = family(make)
    pid = approve(database, settings, clock, student, opp)
    [g] = guardians(database, student.id)
    with database.transaction() as s:
        body = s.scalar(select(OutboxMessage.text).where(OutboxMessage.person_id == g.id))
    link = next(w for w in body.split() if w.startswith("https://"))
    page = client.get(link.removeprefix(settings.public_base_url))
    assert page.status_code == 200 and "Photograph the new holiday menu" in page.text
    assert pid


@pytest.mark.parametrize("token", ["1enAAAAAAAAAAAA", "nonsense", "1" * 40, "2en" + "x" * 12])
def test_bad_slip_tokens_are_404(database, settings, clock, make, client, token):
    student, _c, opp = family(make)
    approve(database, settings, clock, student, opp)
    page = client.get(f"/slip/{token}")
    assert page.status_code == 404 and "not valid" in page.get_data(as_text=True)


def test_codes_are_unique_per_family_so_a_big_district_never_runs_out(
    database, settings, clock, make
):
    """Every one of the 9,000 codes open in other families: a new family still gets one."""
    from sqlalchemy import insert, select

    from bot.context import Context
    from bot.services.consent import free_code
    from db.models import ConsentRequest
    from tests.test_consent_support import approve, family, opportunity

    other, _, _ = family(make)
    placement_id = approve(database, settings, clock, other, opportunity(make))
    with database.transaction() as s:
        s.execute(
            insert(ConsentRequest),
            [
                {
                    "placement_id": placement_id,
                    "code": str(code),
                    "signer": "guardians",
                    "status": "open",
                    "template_version": "t",
                    "created_at": clock.now(),
                    "reminders_sent": 0,
                }
                for code in range(1000, 10000)
            ],
        )
    student, _, _ = family(make)
    with database.transaction() as s:
        code = free_code(Context(s, settings, clock.now()), student.id)
        assert len(code) == 4
        mine = s.scalars(
            select(ConsentRequest.code).where(ConsentRequest.placement_id == placement_id)
        ).all()
        assert code in mine  # reused across families, which is safe: answers match per family


def test_a_receipt_link_expires_after_a_week(settings, monkeypatch):
    import time

    from bot.services import consent_receipt

    sig = consent_receipt.receipt_sig(settings, 7)
    assert consent_receipt.receipt_sig_ok(settings, 7, sig)
    assert not consent_receipt.receipt_sig_ok(settings, 8, sig)
    later = time.time() + consent_receipt.RECEIPT_LINK_TTL_S + 60
    monkeypatch.setattr(time, "time", lambda: later)
    assert not consent_receipt.receipt_sig_ok(settings, 7, sig)
