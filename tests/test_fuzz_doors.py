"""Fuzz every door with hypothesis: no input, however odd, gets a 5xx.

Each door gets a bounded run (MAX examples, WBL_FUZZ_EXAMPLES to change it; no deadline) against the real app and the
real database (SQLite, or PostgreSQL with TEST_DATABASE_URL): signed Twilio posts,
Telegram updates with the secret header, the check-in and slip pages, and every
dashboard form and filter. State piles up across examples, as it would in production.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.staff import add_account
from tests.support.webhook_helpers import Telegram, Twilio, build_app, channel_settings
from tests.test_checkin import link
from tests.test_dashboard import _pending_application, login
from tests.test_student_work import onsite

MAX = int(os.environ.get("WBL_FUZZ_EXAMPLES", "50"))  # raise it for a longer hunt
fuzz = settings(
    max_examples=MAX, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
NASTY = [
    "",
    " ",
    "\x00",
    "%00",
    "A\x00B",
    "'; DROP TABLE people;--",
    "9" * 80,
    "-1",
    "1e309",
    "nan",
    "inf",
    "ñ" * 300,
    "🙂" * 50,
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "+15595550100",
    "\u202e\ufeff\u200b",
    "x" * 5000,
]
# form and URL text: anything UTF-8 can carry (a lone surrogate cannot be encoded at all)
TEXT = st.one_of(
    st.sampled_from(NASTY), st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
)
# JSON text: lone surrogates too (sent as \\udXXX escapes)
JSON_TEXT = st.one_of(st.sampled_from(NASTY), st.text(max_size=60))
JSON_ID = st.one_of(
    st.integers(-(2**70), 2**70), st.integers(1, 10**6), st.none(), JSON_TEXT, st.booleans()
)
JSON_ANY = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | JSON_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(JSON_TEXT, inner, max_size=4),
    max_leaves=12,
)


def no_5xx(response: Any) -> None:
    assert response.status_code < 500, response.get_data(as_text=True)[:500]


@pytest.fixture
def web(settings, database, clock):
    return build_app(channel_settings(settings), database, clock).test_client()


@pytest.fixture
def student(make):
    return make.student()


@fuzz
@given(
    sender=st.one_of(st.just("+15595550123"), TEXT),
    body=TEXT,
    sid=st.one_of(st.none(), TEXT),
    extra=st.dictionaries(
        st.sampled_from(["NumMedia", "MediaUrl0", "MediaContentType0", "To", "SmsSid"]),
        TEXT,
        max_size=3,
    ),
)
def test_twilio_sms_never_5xx(web, student, sender, body, sid, extra):
    twilio = Twilio(web)
    form = twilio.form(sender if sender != "+15595550123" else student.phone, body, sid, **extra)
    no_5xx(twilio.post("/webhooks/twilio/sms", form))


@fuzz
@given(sid=TEXT, status=TEXT, code=TEXT)
def test_twilio_status_never_5xx(web, sid, status, code):
    no_5xx(Twilio(web).status(sid, status, ErrorCode=code))


@fuzz
@given(
    update_id=JSON_ID,
    chat_id=JSON_ID,
    chat_type=st.one_of(st.just("private"), JSON_TEXT),
    content=st.dictionaries(
        st.sampled_from(["text", "caption", "location", "contact", "photo", "document"]),
        JSON_ANY,
        max_size=2,
    ),
    callback=st.one_of(st.none(), JSON_ANY),
)
def test_telegram_updates_never_5xx(web, update_id, chat_id, chat_type, content, callback):
    message = {
        "message_id": 1,
        "date": 1795971600,
        "chat": {"id": chat_id, "type": chat_type},
        "from": {"id": chat_id, "is_bot": False, "first_name": "L"},
        **content,
    }
    update: dict[str, Any] = {"update_id": update_id, "message": message}
    if callback is not None:
        update = {"update_id": update_id, "callback_query": callback}
    no_5xx(Telegram(web).post(None, raw=json.dumps(update).encode()))


@fuzz
@given(body=st.one_of(st.binary(max_size=300), JSON_ANY.map(lambda v: json.dumps(v).encode())))
def test_telegram_raw_bodies_never_5xx(web, body):
    no_5xx(Telegram(web).post(None, raw=body))


@fuzz
@given(form=st.dictionaries(st.sampled_from(["lat", "lon", "accuracy", "denied"]), TEXT))
def test_check_in_post_never_5xx(web, chat, make, form):
    student, _, _ = onsite(make)
    no_5xx(web.post(link(chat, student), data=form))


@fuzz
@given(token=TEXT, sig=TEXT, record=st.integers(0, 2**40))
def test_slip_and_receipt_pages_never_5xx(web, token, sig, record):
    no_5xx(web.get("/slip/" + quote(token, safe="")))
    no_5xx(web.get("/checkin/" + quote(token, safe="")))
    no_5xx(web.get(f"/consent/{record}/receipt", query_string={"sig": sig}))


@pytest.fixture
def signed_in(web, make, database, clock):
    school = make.school()
    make.staff(school=school, email="ava.patel@example.org")
    add_account(database, clock, "ava.patel@example.org")
    assert login(web).status_code == 302
    return web, school


def _csrf(web) -> str:
    page = web.get("/dashboard/applications").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


@fuzz
@given(email=TEXT, password=TEXT, target=TEXT)
def test_sign_in_never_5xx(web, email, password, target):
    page = web.get("/dashboard/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = {"email": email, "password": password, "csrf_token": token}
    no_5xx(web.post("/dashboard/login", data=form, query_string={"next": target}))


@fuzz
@given(status=TEXT, everyone=TEXT, path=st.sampled_from(["placements", "applications", "flags"]))
def test_dashboard_filters_never_5xx(signed_in, status, everyone, path):
    web, _ = signed_in
    no_5xx(web.get(f"/dashboard/{path}", query_string={"status": status, "all": everyone}))


@fuzz
@given(decision=TEXT, reason=TEXT)
def test_decline_reason_never_5xx(signed_in, make, database, clock, decision, reason):
    web, school = signed_in
    app_id = _pending_application(
        database, clock, make.student(school=school), make.opportunity(remote=True)
    )
    form = {"decision": decision, "reason": reason, "csrf_token": _csrf(web)}
    no_5xx(web.post(f"/dashboard/applications/{app_id}", data=form))


@fuzz
@given(
    form=st.dictionaries(
        st.sampled_from(["signer_name", "signed_on", "method", "granted"]), TEXT, max_size=4
    ),
    checks=st.dictionaries(st.sampled_from(["kind", "subject_id", "on"]), TEXT, max_size=3),
    placement=st.integers(0, 2**31 - 1),
)
def test_paper_consent_and_vetting_forms_never_5xx(signed_in, form, checks, placement):
    web, _ = signed_in
    token = _csrf(web)
    no_5xx(
        web.post(
            f"/dashboard/placements/{placement}/paper-consent", data={**form, "csrf_token": token}
        )
    )
    no_5xx(web.post("/dashboard/partners/checks", data={**checks, "csrf_token": token}))


@fuzz
@given(
    person=st.one_of(st.integers(-(2**70), 2**70), JSON_ANY),
    body=st.dictionaries(
        st.sampled_from(["text", "payload", "lat", "lon", "accuracy", "denied", "file"]),
        JSON_ANY,
        max_size=4,
    ),
)
def test_simulator_never_5xx(settings, database, clock, make, person, body):
    """The demo's chat simulator is a door too (never enabled in production)."""
    web = build_app(settings.with_(simulator=True), database, clock).test_client()
    student = make.student()
    person_id = student.id if person == 0 else person
    no_5xx(web.post("/sim/api/send", json={"person_id": person_id, **body}))
    no_5xx(web.get("/sim/api/messages", query_string={"person_id": str(person), "after": "x"}))
