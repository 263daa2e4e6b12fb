"""The SMS check-in page over HTTP: one-time, expiring links that clock in/out."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import update

from db.models import CheckinToken, Contact, OutboxMessage, TimeEntry
from tests.test_student_work import SITE, away, onsite, placement, rows


def link(chat, student, word: str = "IN") -> str:
    """Text IN/OUT by SMS and return the path of the link in the reply."""
    (text,) = chat.texts(student, word)
    url = next(w for w in text.split() if "/checkin/" in w)
    return url.replace("https://wbl.example.test", "")


def test_page_explains_and_has_the_big_button(chat, make, client):
    student, _, _ = onsite(make)
    page = client.get(link(chat, student))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Clock in now" in html and 'src="/static/checkin.js"' in html
    script = client.get("/static/checkin.js").get_data(as_text=True)
    assert "navigator.geolocation.getCurrentPosition" in script
    assert "only for this one clock event" in html
    assert rows(make, TimeEntry) == []  # a GET changes nothing


def test_posting_a_location_at_the_site_clocks_in_once(chat, make, client):
    student, _, pid = onsite(make)
    path = link(chat, student)
    lat, lon = away(40)
    page = client.post(path, data={"lat": str(lat), "lon": str(lon), "accuracy": "15"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Location checked" in html
    (entry,) = rows(make, TimeEntry)
    assert entry.placement_id == pid and entry.in_verdict == "verified" and entry.status == "open"
    assert entry.in_accuracy_m == 15
    (token,) = rows(make, CheckinToken)
    assert token.used_at is not None
    receipt = rows(make, OutboxMessage, OutboxMessage.person_id == student.id)[-1]
    assert receipt.urn == f"tel:{student.phone}" and "Clocked in" in receipt.text
    assert receipt.urgent
    again = client.post(path, data={"lat": str(lat), "lon": str(lon)})
    assert again.status_code == 410 and "Text IN or OUT again" in again.get_data(as_text=True)
    assert client.get(path).status_code == 410
    assert len(rows(make, TimeEntry)) == 1


def test_denied_location_is_recorded_unverified_and_flagged(chat, make, client):
    student, _, _ = onsite(make)
    page = client.post(link(chat, student), data={"denied": "1"})
    assert page.status_code == 200 and "without a location check" in page.get_data(as_text=True)
    (entry,) = rows(make, TimeEntry)
    assert entry.in_verdict == "unverified" and entry.flagged and entry.in_lat is None


def test_bad_coordinates_are_a_400_and_leave_the_link_usable(chat, make, client):
    student, _, _ = onsite(make)
    path = link(chat, student)
    for form in (
        {"lat": "abc", "lon": "1"},
        {"lat": "999", "lon": "10"},
        {"lat": "0", "lon": "0"},
        {"lat": "nan", "lon": "1"},
        {"lat": str(SITE[0]), "lon": str(SITE[1]), "accuracy": "-5"},
        {"lat": "-40.0", "lon": "-120.0"},  # the far South Pacific
        {},
    ):
        page = client.post(path, data=form)
        assert page.status_code == 400, form
        assert "nothing was recorded" in page.get_data(as_text=True)
    assert rows(make, TimeEntry) == []
    assert rows(make, CheckinToken)[0].used_at is None
    ok = client.post(path, data={"lat": str(SITE[0]), "lon": str(SITE[1])})
    assert ok.status_code == 200


def test_unknown_and_expired_links(chat, make, client, clock):
    student, _, _ = onsite(make)
    assert client.get("/checkin/not-a-real-token").status_code == 404
    assert client.post("/checkin/not-a-real-token", data={"denied": "1"}).status_code == 404
    path = link(chat, student)
    clock.advance(minutes=16)
    page = client.post(path, data={"lat": str(SITE[0]), "lon": str(SITE[1])})
    assert page.status_code == 410 and rows(make, TimeEntry) == []


def test_clock_out_by_link_counts_the_hours(chat, make, client, clock):
    student, _, _ = onsite(make)
    client.post(link(chat, student), data={"lat": str(SITE[0]), "lon": str(SITE[1])})
    clock.advance(hours=3, minutes=2)
    far = away(900)
    page = client.post(link(chat, student, "OUT"), data={"lat": str(far[0]), "lon": str(far[1])})
    html = page.get_data(as_text=True)
    assert "3 h" in html and "supervisor will confirm" in html
    (entry,) = rows(make, TimeEntry)
    assert entry.hours == Decimal("3.00") and entry.status == "pending" and entry.flagged
    assert entry.out_verdict == "outside" and "clock-out: outside" in entry.flag_reason


def test_link_refuses_when_the_placement_was_paused_meanwhile(chat, make, client):
    from db.models import Placement

    student, _, pid = onsite(make)
    path = link(chat, student)
    with make.db.transaction() as s:
        s.get(Placement, pid).status = "paused"
    page = client.post(path, data={"lat": str(SITE[0]), "lon": str(SITE[1])})
    assert page.status_code == 200 and "on hold" in page.get_data(as_text=True)
    assert rows(make, TimeEntry) == []


def test_spanish_student_gets_the_page_in_spanish(chat, make, client):
    student = make.student(language="es")
    placement(make, student, make.opportunity(title="Fotos del menú"))
    page = client.get(link(chat, student))
    html = page.get_data(as_text=True)
    assert 'lang="es"' in html and "Marcar entrada" in html
    assert client.post(page.request.path, data={"denied": "1"}).status_code == 200
    (entry,) = rows(make, TimeEntry)
    assert entry.started_at == make.now and entry.in_verdict == "unverified"
    assert make.now + timedelta(0) == entry.created_at


def test_two_links_tapped_at_once_clock_in_once(chat, make, app):
    """The page takes the person's lock, as a message does: one time entry, one "already in"."""
    import threading

    student, _, _ = onsite(make)
    paths = [link(chat, student), link(chat, student)]
    barrier = threading.Barrier(len(paths))
    pages: list[str] = []

    def tap(path: str) -> None:
        client = app.test_client()
        barrier.wait()
        page = client.post(path, data={"lat": str(SITE[0]), "lon": str(SITE[1])})
        pages.append(f"{page.status_code} {page.get_data(as_text=True)}")

    threads = [threading.Thread(target=tap, args=(p,)) for p in paths]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(rows(make, TimeEntry)) == 1
    assert sum("Clocked in" in p for p in pages) == 1
    assert sum("clocked in since" in p for p in pages) == 1, pages


def test_the_receipt_goes_where_the_student_last_wrote_from_else_by_preference(chat, make, client):
    student, tg_urn, _ = onsite(make)
    lat, lon = away(40)
    client.post(link(chat, student), data={"lat": str(lat), "lon": str(lon)})
    receipt = rows(make, OutboxMessage, OutboxMessage.person_id == student.id)[-1]
    assert receipt.urn == f"tel:{student.phone}"  # not Telegram, though it is preferred
    client.post(link(chat, student, "OUT"), data={"lat": str(lat), "lon": str(lon)})
    path = link(chat, student)
    with make.db.transaction() as s:  # the number is retired before the link is used
        s.execute(
            update(Contact).where(Contact.urn == f"tel:{student.phone}").values(retired_at=make.now)
        )
    assert client.post(path, data={"lat": str(lat), "lon": str(lon)}).status_code == 200
    receipt = rows(make, OutboxMessage, OutboxMessage.person_id == student.id)[-1]
    assert "Clocked in" in receipt.text and receipt.urn == tg_urn
