"""LOG, SUBMIT, STATUS and Spanish, through the engine; the pure hour and geofence rules."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.messages import Attachment
from bot.rules import geofence, hours
from bot.sms_segments import segments
from db.models import Deliverable, TimeEntry
from tests.test_student_work import SITE, at, away, placement, rows, telegram


def remote(make, **kw):
    student = make.student(**kw)
    opp = make.opportunity(remote=True, title="Audit our social media", est_hours="6")
    return student, placement(make, student, opp)


# --- LOG ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "logged", "description"),
    [
        ("LOG 1.5 researched competitors", "1.50", "researched competitors"),
        ("log 2h drafted the survey", "2.00", "drafted the survey"),
        ("LOG 90 min wrote three captions", "1.50", "wrote three captions"),
        ("LOG 1,5 investigué competidores", "1.50", "investigué competidores"),
        ("LOG .75 - fixed the spreadsheet", "0.75", "fixed the spreadsheet"),
        ("LOG 1.3 read the brief", "1.25", "read the brief"),
    ],
)
def test_log_records_pending_hours(chat, make, text, logged, description):
    student, pid = remote(make)
    (reply,) = chat.texts(student, text)
    assert "Logged" in reply and "waiting for your supervisor's OK" in reply
    (entry,) = rows(make, TimeEntry)
    assert (entry.kind, entry.status, entry.placement_id) == ("manual", "pending", pid)
    assert entry.hours == Decimal(logged) and entry.description == description
    assert f"{hours.fmt(Decimal(logged))} h pending, of 6 h" in reply


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("LOG lots of work", "Start with the hours"),
        ("LOG 0 nothing", "between 0.25 and 12"),
        ("LOG 13 too long", "between 0.25 and 12"),
        ("LOG 1.5", "Add what you did"),
        ("LOG 2 🙂", "Add what you did"),
        ("LOG " + "9" * 2000, "between 0.25 and 12"),
    ],
)
def test_log_bad_formats_get_a_precise_correction(chat, make, text, fragment):
    student, _ = remote(make)
    (reply,) = chat.texts(student, text)
    assert fragment in reply and "LOG 1.5 researched competitors" in reply
    assert rows(make, TimeEntry) == []


def test_log_alone_asks_and_the_next_message_is_the_entry(chat, make):
    student, _ = remote(make)
    urn = telegram(make, student)
    (ask,) = chat.texts(urn, "LOG")
    assert ask.startswith("How many hours and what did you do?")
    (bad,) = chat.texts(urn, "a while")
    assert "Start with the hours" in bad
    (ok,) = chat.texts(urn, "2.5 built the slide deck")
    assert "Logged 2.5 h" in ok
    (entry,) = rows(make, TimeEntry)
    assert entry.hours == Decimal("2.50")


def test_log_before_paperwork_is_refused(chat, make):
    student = make.student()
    placement(make, student, make.opportunity(remote=True), status="paperwork", agreed=False)
    (reply,) = chat.texts(student, "LOG 1 did it")
    assert "can't start" in reply and "AGREE" in reply
    assert rows(make, TimeEntry) == []


# --- SUBMIT ------------------------------------------------------------------------------
def test_submit_text_and_link_by_sms(chat, make):
    student, pid = remote(make)
    (reply,) = chat.texts(student, "SUBMIT my audit: https://docs.example.com/audit-1 thanks")
    assert "was sent to your supervisor" in reply
    (d,) = rows(make, Deliverable)
    assert d.placement_id == pid and d.status == "submitted"
    assert d.url == "https://docs.example.com/audit-1" and "my audit" in d.text
    assert d.supervisor_notified_at is None


def test_submit_on_telegram_then_a_document(chat, make):
    student, pid = remote(make)
    urn = telegram(make, student)
    (ask,) = chat.texts(urn, "SUBMIT")
    assert "a link, a short text, a photo or a file" in ask
    doc = Attachment(kind="document", ref="BQACAgIAAxkBAAIB", name="audit.pdf")
    (reply,) = chat.texts(urn, "", attachment=doc)
    assert "was sent to your supervisor" in reply
    (d,) = rows(make, Deliverable)
    assert d.file_ref == "document:BQACAgIAAxkBAAIB" and d.text == "audit.pdf"


def test_a_bare_photo_or_location_gets_a_pointer(chat, make):
    student, _ = remote(make)
    urn = telegram(make, student)
    (photo,) = chat.texts(urn, attachment=Attachment(kind="photo", ref="AgAD"))
    assert "reply SUBMIT" in photo
    (loc,) = chat.texts(urn, location=at(0))
    assert "wasn't expecting a location" in loc
    assert rows(make, Deliverable) == [] and rows(make, TimeEntry) == []


# --- STATUS ------------------------------------------------------------------------------
def test_status_shows_hours_paperwork_clocked_in_work_and_next_step(chat, make, clock):
    student = make.student()
    urn = telegram(make, student)
    opp = make.opportunity(title="Photograph the new holiday menu", est_hours="5")
    pid = placement(make, student, opp)
    chat.send(urn, "IN")
    chat.send(urn, location=at(0))
    clock.advance(hours=2)
    chat.send(urn, "OUT")
    chat.send(urn, location=at(0))
    chat.send(urn, "LOG 1 edited photos at home")
    chat.send(urn, "IN")
    chat.send(urn, location=at(0))
    (text,) = chat.texts(student, "STATUS")
    assert text.splitlines() == [
        "Photograph the new holiday...: 2 h approved, 1 h pending, of 5 h.",
        "Clocked in since 11:00 AM.",
        "Work: not sent yet.",
        "Next: reply OUT when you finish.",
    ]
    assert segments(text) <= 2
    with make.db.transaction() as s:
        from bot.services.hour_totals import hours_totals

        totals = hours_totals(s, pid)
    assert (totals.approved, totals.pending, totals.rejected) == (2, 1, 0)


def test_status_in_paperwork_says_what_is_missing(chat, make):
    student = make.student()
    placement(make, student, make.opportunity(), status="paperwork", agreed=False, consent=False)
    (text,) = chat.texts(student, "status")
    assert "Paperwork missing: permission from a parent or guardian" in text
    assert text.endswith("Next: ask your parent or guardian to answer our text.")


def test_status_after_the_hours_asks_for_the_work(chat, make):
    student, _ = remote(make)
    chat.send(student, "LOG 6 finished the audit")
    (text,) = chat.texts(student, "STATUS")
    assert "Next: SUBMIT your work." in text
    chat.send(student, "SUBMIT https://docs.example.com/a")
    (text,) = chat.texts(student, "STATUS")
    assert "Work: sent, waiting for review." in text and "supervisor's review" in text


# --- Spanish -------------------------------------------------------------------------------
def test_spanish_student_works_in_spanish(chat, make, clock):
    student = make.student(language="es")
    urn = telegram(make, student)
    placement(make, student, make.opportunity(title="Fotos del menú", est_hours="5"))
    (ask,) = chat.texts(urn, "ENTRADA")
    assert "Comparte tu ubicación" in ask
    (inn,) = chat.texts(urn, location=at(3000))
    assert inn.startswith("Entrada en Fotos del menú, 9:00.") and "3.0 km" in inn
    clock.advance(hours=1)
    chat.send(urn, "SALIDA")
    (out,) = chat.texts(urn, location=at(0))
    assert (
        out.startswith("Salida de Fotos del menú, 10:00: 1 h.") and "supervisor confirmará" in out
    )
    (log,) = chat.texts(urn, "HORAS 1,5 edité fotos")
    assert log.startswith("Anotamos 1,5 h")
    (bad,) = chat.texts(urn, "HORAS mucho")
    assert "Empieza con las horas" in bad
    (status,) = chat.texts(urn, "ESTADO")
    assert "pendientes" in status and "Siguiente:" in status
    (sub,) = chat.texts(urn, "ENTREGAR https://docs.example.com/x")
    assert sub.startswith("¡Listo!")


# --- rules ------------------------------------------------------------------------------
FENCE = geofence.Fence(SITE[0], SITE[1], 100)


def test_geofence_allowance_and_its_limits():
    lat, lon = away(130)
    assert geofence.assess(FENCE, lat, lon, 50).verdict == "verified"
    assert geofence.assess(FENCE, lat, lon, None).verdict == "outside"
    assert geofence.assess(FENCE, lat, lon, 5000).verdict == "unverified"
    assert geofence.assess(FENCE, *away(190), 200).verdict == "verified"  # 190 - min(200, 100)
    assert geofence.assess(FENCE, *away(201), 150).verdict == "outside"
    assert geofence.assess(FENCE, *SITE, 0).distance_m == 0


@pytest.mark.parametrize(
    ("lat", "lon", "acc", "ok"),
    [
        (SITE[0], SITE[1], 10.0, True),
        (0.0, 0.0, 10.0, False),
        (0.001, -0.002, 10.0, False),
        (999.0, 10.0, None, False),
        (float("nan"), 1.0, None, False),
        (-40.0, -120.0, None, False),
        (SITE[0], SITE[1], -1.0, False),
        (SITE[0], SITE[1], float("inf"), False),
    ],
)
def test_plausible_points(lat, lon, acc, ok):
    assert geofence.plausible(FENCE, lat, lon, acc) is ok


def test_hours_rules():
    from datetime import UTC, datetime, timedelta

    start = datetime(2026, 12, 1, 17, tzinfo=UTC)
    assert hours.clocked_hours(start, start + timedelta(minutes=52)) == Decimal("0.75")
    assert hours.clocked_hours(start, start + timedelta(minutes=53)) == Decimal("1.00")
    assert hours.clocked_hours(start, start - timedelta(hours=1)) == Decimal("0.00")
    assert hours.over_cap(Decimal("12.25")) and not hours.over_cap(Decimal("12"))
    assert hours.expected_clocked_hours(Decimal(6), Decimal(0)) == Decimal(4)
    assert hours.expected_clocked_hours(Decimal(6), Decimal("4.5")) == Decimal("1.5")
    assert hours.expected_clocked_hours(Decimal(6), Decimal(9)) == Decimal(1)
    assert hours.fmt(Decimal("2.50")) == "2.5" and hours.fmt(Decimal("3.00")) == "3"


def test_clocked_time_over_twelve_hours_is_flagged(chat, make, clock):
    student = make.student()
    urn = telegram(make, student)
    placement(make, student, make.opportunity(est_hours="40"))
    chat.send(urn, "IN")
    chat.send(urn, location=at(0))
    clock.advance(hours=13)
    chat.send(urn, "OUT")
    chat.send(urn, location=at(0))
    (entry,) = rows(make, TimeEntry)
    assert entry.hours == Decimal("13.00") and entry.flagged and entry.status == "pending"
    assert "over 12 hours" in entry.flag_reason
