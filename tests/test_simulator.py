"""The local simulator: pick a person, chat as them through the real engine."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from db.models import AuditEntry, Contact, InboundMessage, OutboxMessage
from tests.support.webhook_helpers import build_app

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture
def sim_app(settings, database, clock):
    return build_app(settings.with_(simulator=True), database, clock)


@pytest.fixture
def sim(sim_app):
    return sim_app.test_client()


def test_simulator_is_off_unless_enabled(client):
    assert client.get("/sim").status_code == 404
    assert client.post("/sim/api/send", json={"person_id": 1, "text": "HELP"}).status_code == 404


def test_page_and_its_assets_are_served_locally(sim):
    page = sim.get("/sim")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/sim/static/simulator.js" in html and "http" not in html.split("<body>")[1]
    for asset in ("simulator.js", "simulator.css"):
        response = sim.get(f"/sim/static/{asset}")
        assert response.status_code == 200
        response.close()


def test_people_are_listed_with_role_school_and_language(sim, make):
    school = make.school("Riverside High School")
    student = make.student(school=school, given_name="Guadalupe", language="es")
    employer = make.employer(name="Valley Growers Co-op")
    make.supervisor(employer, given_name="Lucia")
    people = sim.get("/sim/api/people").get_json()["people"]
    kinds = {p["kind"] for p in people}
    assert kinds == {"student", "guardian", "supervisor"}
    found = sim.get("/sim/api/people?q=guada").get_json()["people"]
    assert [(p["id"], p["role"], p["where"], p["language"]) for p in found] == [
        (student.id, "Student", "Riverside High School", "es")
    ]
    guardian = next(p for p in people if p["kind"] == "guardian")
    assert guardian["where"] == "Riverside High School"
    lucia = next(p for p in people if p["kind"] == "supervisor")
    assert lucia["where"] == "Valley Growers Co-op"


def test_sending_creates_a_sim_contact_once_and_the_reply_shows_up(sim, make, database):
    student = make.student()
    first = sim.post("/sim/api/send", json={"person_id": student.id, "text": "HELP"})
    assert first.status_code == 200 and len(first.get_json()["outbox"]) == 1
    sim.post("/sim/api/send", json={"person_id": student.id, "text": "MENU"})
    with database.transaction() as s:
        contact = s.scalar(select(Contact).where(Contact.urn == f"sim:{student.id}"))
        assert contact.person_id == student.id
        links = s.scalars(select(AuditEntry).where(AuditEntry.action == "link")).all()
        assert [a.details["how"] for a in links] == ["simulator"]
        assert {r.urn for r in s.scalars(select(OutboxMessage))} == {f"sim:{student.id}"}
    convo = sim.get(f"/sim/api/messages?person_id={student.id}").get_json()["messages"]
    assert [m["dir"] for m in convo] == ["in", "out", "in", "out"]
    assert convo[0]["text"] == "HELP" and "Cedar Valley WBL" in convo[1]["text"]
    assert convo[3]["buttons"] and convo[3]["status"] == "pending"
    later = sim.get(f"/sim/api/messages?person_id={student.id}&after={convo[1]['id']}")
    assert [m["id"] for m in later.get_json()["messages"] if m["dir"] == "out"] == [convo[3]["id"]]


def test_other_channels_are_shown_labelled(sim, make, chat):
    student = make.student()
    chat.send(student, "HELP")  # by SMS
    convo = sim.get(f"/sim/api/messages?person_id={student.id}").get_json()["messages"]
    assert [(m["dir"], m["channel"]) for m in convo] == [("in", "sms"), ("out", "sms")]


@pytest.mark.parametrize(
    "extra",
    [
        {"lat": 999, "lon": -119.45, "accuracy": 10},
        {"lat": 0.0, "lon": -160.0},
        {"denied": True},
        {"payload": "fa|1|AAAAAAAAAAA"},
        {"file_name": "audit.pdf"},
        {"text": "🙂" * 700},
    ],
    ids=["lat999", "ocean", "denied", "forged-button", "file", "emoji"],
)
def test_odd_input_gets_a_polite_answer(sim, make, database, extra):
    student = make.student()
    response = sim.post("/sim/api/send", json={"person_id": student.id, **extra})
    assert response.status_code == 200
    with database.transaction() as s:
        assert s.scalar(select(func.count()).select_from(InboundMessage)) == 1
        [reply] = s.scalars(select(OutboxMessage)).all()
        assert reply.text.strip()


@pytest.mark.parametrize(
    "body", [None, [], {"person_id": "1"}, {"text": "hi"}], ids=["none", "list", "str-id", "no-id"]
)
def test_malformed_send_is_400(sim, database, body):
    assert sim.post("/sim/api/send", json=body).status_code == 400
    with database.transaction() as s:
        assert s.scalar(select(func.count()).select_from(InboundMessage)) == 0


def test_unknown_person_is_404(sim):
    assert sim.post("/sim/api/send", json={"person_id": 999999, "text": "hi"}).status_code == 404


def test_places_offer_home_and_no_site_without_a_placement(sim, make):
    student = make.student(home=(36.61, -119.44))
    places = sim.get(f"/sim/api/places?person_id={student.id}").get_json()
    assert places == {"site": None, "home": {"lat": 36.61, "lon": -119.44}}


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")
def test_a_user_picks_a_person_and_chats_in_a_real_browser(sim_app, make):
    playwright = pytest.importorskip("playwright.sync_api")
    make.student(given_name="Guadalupe", family_name="Soto")
    server = make_server("127.0.0.1", 0, sim_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    os.environ.setdefault("PLAYWRIGHT_BROWSERS_PATH", "0")
    try:
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{server.server_port}/sim")
            page.fill("#search", "Guada")
            # the list is drawn again when the search answers: click the new one, not the old
            page.wait_for_load_state("networkidle")
            page.click("#people-list li:has-text('Guadalupe Soto')")
            page.fill("#text", "MENU")
            page.click("#compose button")
            page.wait_for_selector("#messages li.out .buttons button")
            assert "What next?" in page.inner_text("#messages")
            page.click("#messages li.out .buttons button:has-text('Status')")
            # a selector, not wait_for_function: the page's CSP forbids eval (no 'unsafe-eval')
            page.wait_for_selector("#messages li.in >> nth=1")
            assert page.inner_text("#error") == ""
            browser.close()
    finally:
        server.shutdown()
        thread.join()
