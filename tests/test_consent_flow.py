"""Parent permission by SMS at the engine level: conversation scripts with a fixed clock.

Each test approves a placement the way student-find's approve() does (Placement row +
start_paperwork), then talks to the engine as the guardian, the student or a stranger.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bot.rules.placement import may_clock_in
from bot.sms_segments import encoding, segments
from db.models import AuditEntry, Contact, Conversation, Reminder
from tests.test_consent_support import (
    ADULT_BIRTH,
    agree,
    approve,
    family,
    guardians,
    opportunity,
    outbox_to,
    placement_of,
    records,
    request_of,
    run_due_reminders,
)


def _start(database, settings, clock, make, **kw):
    student, coordinator, opp = family(make, **kw)
    pid = approve(database, settings, clock, student, opp)
    return student, coordinator, guardians(database, student.id), pid, request_of(database, pid)


def _clock_reason(database, pid, today=date(2026, 12, 2)):
    p = placement_of(database, pid)
    return may_clock_in(p.status, p.starts_on, p.due_on, today)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "en",
            [
                "Cedar Valley WBL",
                "May Leah do",
                '"Photograph the new holiday menu"',
                "with Sunrise Bakery",
                "(on site at Sunrise Bakery Main St)",
                "Dec 1-28",
                "about 6 h",
                "Supervisor: Gabriel.",
                "Travel: by bus or train.",
                "https://wbl.example.test/slip/",
                "Reply YES {code} to give permission or NO {code} to decline.",
            ],
        ),
        (
            "es",
            [
                "Cedar Valley WBL",
                "Puede Leah hacer",
                '"Photograph the new holiday menu"',
                "con Sunrise Bakery",
                "(en Sunrise Bakery Main St)",
                "1-28 dic",
                "unas 6 h",
                "Supervisor: Gabriel.",
                "Transporte: en bus o tren.",
                "https://wbl.example.test/slip/",
                "Responda SI {code} para dar permiso o NO {code} para negarlo.",
            ],
        ),
    ],
)
def test_request_has_every_element_in_the_guardians_language(
    database, settings, clock, make, lang, expected
):
    student, _coord, opp = family(make, guardians=0)
    guardian = make.guardian_of(student, language=lang)
    pid = approve(database, settings, clock, student, opp)
    code = request_of(database, pid).code
    [msg] = outbox_to(database, guardian.id)
    for fragment in expected:
        assert fragment.format(code=code) in msg.text
    assert "Okafor" not in msg.text and "Rivera" not in msg.text  # first names only
    assert msg.urgent is False and msg.status == "pending"
    assert encoding(msg.text) == "GSM-7" and segments(msg.text) == 2
    print(f"\nrequest text {lang}: {len(msg.text)} chars, {segments(msg.text)} segments")
    [sent] = records(database, pid)
    assert sent.action == "request_sent" and sent.outbox_id == msg.id
    assert sent.request_text == msg.text and len(sent.request_text_sha256) == 64
    assert sent.signer_id == guardian.id and sent.from_address == msg.urn


def test_remote_and_school_placements_say_so(database, settings, clock, make):
    student, _c, _o = family(make)
    emp = make.employer(kind="virtual_partner", name="Pixel Forge")
    remote = make.opportunity(emp, remote=True, kind="virtual", title="Playtest a level")
    pid = approve(database, settings, clock, student, remote)
    [g] = guardians(database, student.id)
    text = outbox_to(database, g.id)[-1].text
    assert "(remote)" in text and "Travel: none needed." in text
    assert request_of(database, pid).code in text


def test_yes_with_code_puts_consent_on_file_and_tells_the_student(
    database, settings, clock, make, chat
):
    student, _c, [guardian], pid, req = _start(database, settings, clock, make)
    out = chat.send(guardian, f"Sí, {req.code}!")
    assert out[0].person_id == guardian.id and out[0].urgent
    assert f"REVOKE {req.code}" in out[0].text
    to_student = [m for m in out if m.person_id == student.id]
    assert to_student and "training agreement" in to_student[0].text
    assert not to_student[0].urgent
    assert request_of(database, pid).status == "granted"
    assert placement_of(database, pid).status == "paperwork"
    grant = records(database, pid)[-1]
    assert grant.action == "grant" and grant.raw_text == f"Sí, {req.code}!"
    assert grant.signer_id == guardian.id and grant.provider_message_id
    assert grant.inbound_message_id is not None and grant.outbox_id is not None
    with database.transaction() as s:
        assert s.scalars(select(Reminder.status).where(Reminder.subject_id == req.id)).all() == [
            "cancelled",
            "cancelled",
        ]


def test_yes_after_agree_makes_the_placement_startable(database, settings, clock, make, chat):
    student, _c, [guardian], pid, req = _start(database, settings, clock, make)
    agree(database, pid, clock)
    assert _clock_reason(database, pid) == "paperwork"
    out = chat.send(guardian, f"YES {req.code}")
    assert placement_of(database, pid).status == "ready"
    assert _clock_reason(database, pid) is None
    assert any(m.person_id == student.id and "all set" in m.text for m in out)


def test_no_declines_and_tells_student_and_coordinator(database, settings, clock, make, chat):
    student, coordinator, [guardian], pid, req = _start(database, settings, clock, make)
    out = chat.send(guardian, f"no {req.code}")
    assert "Understood" in out[0].text
    assert placement_of(database, pid).status == "declined"
    assert any(m.person_id == student.id and "did not give permission" in m.text for m in out)
    assert any(m.person_id == coordinator.id and "declined" in m.text for m in out)
    assert [r.action for r in records(database, pid)] == ["request_sent", "decline"]


def test_revoke_after_yes_pauses_blocks_clock_in_and_yes_restores(
    database, settings, clock, make, chat
):
    student, coordinator, [guardian], pid, req = _start(database, settings, clock, make)
    agree(database, pid, clock)
    chat.send(guardian, f"YES {req.code}")
    assert placement_of(database, pid).status == "ready"
    out = chat.send(guardian, f"REVOKE {req.code}")
    assert "withdrawn" in out[0].text
    assert placement_of(database, pid).status == "paused"
    assert _clock_reason(database, pid) == "paused"
    assert any(m.person_id == coordinator.id and "paused" in m.text for m in out)
    assert any(m.person_id == student.id and "withdrawn" in m.text for m in out)
    with database.transaction() as s:  # REVOKE 4821 is not an opt-out
        assert (
            s.scalar(select(Contact.opted_out_at).where(Contact.person_id == guardian.id)) is None
        )
    out = chat.send(guardian, f"yes {req.code}")
    assert placement_of(database, pid).status == "ready" and _clock_reason(database, pid) is None
    assert any(m.person_id == student.id and "back on file" in m.text for m in out)
    actions = [r.action for r in records(database, pid)]
    assert actions == ["request_sent", "grant", "revoke", "grant"]


def test_no_after_yes_is_a_revocation(database, settings, clock, make, chat):
    _s, _c, [guardian], pid, req = _start(database, settings, clock, make)
    agree(database, pid, clock)
    chat.send(guardian, f"YES {req.code}")
    chat.send(guardian, f"NO {req.code}")
    assert placement_of(database, pid).status == "paused"
    assert records(database, pid)[-1].action == "revoke"


def test_bare_yes_with_one_open_request(database, settings, clock, make, chat):
    _s, _c, [guardian], pid, _req = _start(database, settings, clock, make)
    chat.send(guardian, "yes")
    assert request_of(database, pid).status == "granted"


def test_siblings_get_a_list_and_a_number_resolves(database, settings, clock, make, chat):
    school = make.school()
    make.staff(school=school)
    leah = make.student(school=school, given_name="Leah", guardians=0)
    sam = make.student(school=school, given_name="Sam", guardians=0)
    parent = make.guardian_of(leah, sam)
    p1 = approve(database, settings, clock, leah, opportunity(make, title="Photograph the menu"))
    p2 = approve(database, settings, clock, sam, opportunity(make, title="Inventory the parts"))
    r1, r2 = request_of(database, p1), request_of(database, p2)
    assert r1.code != r2.code
    [listing] = chat.texts(parent, "YES")
    assert f"1) Leah: Photograph the menu (code {r1.code})" in listing
    assert f"2) Sam: Inventory the parts (code {r2.code})" in listing
    assert request_of(database, p1).status == request_of(database, p2).status == "open"
    out = chat.texts(parent, "yes 2")
    assert "Sam" in out[0]
    assert request_of(database, p2).status == "granted"
    assert request_of(database, p1).status == "open"
    with database.transaction() as s:
        assert s.get(Conversation, parent.id).state == "idle"
    chat.texts(parent, "NO")  # one request left open: a bare NO is unambiguous
    assert request_of(database, p1).status == "declined"


def test_choosing_by_code_and_by_bare_number(database, settings, clock, make, chat):
    school = make.school()
    a = make.student(school=school, given_name="Leah", guardians=0)
    b = make.student(school=school, given_name="Sam", guardians=0)
    parent = make.guardian_of(a, b)
    p1 = approve(database, settings, clock, a, opportunity(make))
    p2 = approve(database, settings, clock, b, opportunity(make))
    chat.send(parent, "NO")
    chat.send(parent, "1")
    assert request_of(database, p1).status == "declined"
    assert request_of(database, p2).status == "open"


def test_wrong_code_and_strangers_change_nothing(database, settings, clock, make, chat):
    student, _c, [guardian], pid, req = _start(database, settings, clock, make)
    other_family, _c2, _o2 = family(make)
    [other_parent] = guardians(database, other_family.id)
    wrong = "1000" if req.code != "1000" else "1001"
    [reply] = chat.texts(guardian, f"YES {wrong}")
    assert "doesn't match" in reply
    [reply] = chat.texts(other_parent, f"YES {req.code}")
    assert "doesn't match" in reply and "Leah" not in reply and "Sunrise" not in reply
    stranger = chat.texts("tel:+15595550177", f"YES {req.code}")
    assert stranger and all("Leah" not in t and "Sunrise" not in t for t in stranger)
    [reply] = chat.texts(student, f"YES {req.code}")  # a minor can't sign for themselves
    assert "doesn't match" in reply
    assert request_of(database, pid).status == "open"
    assert [r.action for r in records(database, pid)] == ["request_sent"]


@pytest.mark.parametrize("text", ["yes please let her go", "maybe", "YES 48", "👍", "x" * 2000])
def test_unclear_answers_change_nothing(database, settings, clock, make, chat, text):
    _s, _c, [guardian], pid, _req = _start(database, settings, clock, make)
    replies = chat.texts(guardian, text)
    assert replies and all("Sorry, something went wrong" not in t for t in replies)
    assert request_of(database, pid).status == "open"


def test_an_adult_signs_for_themselves_and_guardians_are_not_texted(
    database, settings, clock, make, chat
):
    student, _c, [guardian], pid, req = _start(
        database, settings, clock, make, birth_date=ADULT_BIRTH
    )
    assert req.signer == "self"
    assert outbox_to(database, guardian.id) == []
    [msg] = outbox_to(database, student.id)
    assert "At 18+ you sign your own slip" in msg.text and f"YES {req.code}" in msg.text
    assert segments(msg.text) == 2
    [reply] = chat.texts(guardian, f"YES {req.code}")
    assert "doesn't match" in reply
    out = chat.texts(student, f"yes {req.code}")
    assert "signature" in out[0]
    assert request_of(database, pid).status == "granted"
    assert records(database, pid)[-1].signer_id == student.id


def test_no_usable_phone_goes_to_paper(database, settings, clock, make):
    student, coordinator, _opp = family(make, guardians=0)
    make.guardian_of(student, phone=None)
    pid = approve(database, settings, clock, student, _opp)
    assert request_of(database, pid).status == "paper_needed"
    [task] = outbox_to(database, coordinator.id)
    assert "Paper permission needed" in task.text and not task.urgent


def test_every_guardian_opted_out_goes_to_paper(database, settings, clock, make, chat):
    student, coordinator, opp = family(make, guardians=2)
    for g in guardians(database, student.id):
        chat.send(g, "STOP")
    pid = approve(database, settings, clock, student, opp)
    assert request_of(database, pid).status == "paper_needed"
    assert "opted out" in outbox_to(database, coordinator.id)[-1].text


def test_opted_out_guardian_can_still_answer_and_stays_opted_out(
    database, settings, clock, make, chat
):
    student, _c, [guardian], pid, req = _start(database, settings, clock, make)
    chat.send(guardian, "STOP")
    out = chat.send(guardian, f"YES {req.code}")
    assert len([m for m in out if m.person_id == guardian.id]) == 1
    assert out[0].extra.get("ignore_optout") is True
    assert request_of(database, pid).status == "granted"
    with database.transaction() as s:
        assert s.scalar(select(Contact.opted_out_at).where(Contact.person_id == guardian.id))


def test_all_guardians_policy_waits_for_everyone(database, make, clock, engine, settings, chat):
    strict = settings.with_(policy=replace(settings.policy, consent_all_guardians=True))
    chat.engine = type(engine)(strict)
    student, _c, opp = family(make, guardians=2)
    pid = approve(database, strict, clock, student, opp)
    g1, g2 = guardians(database, student.id)
    code = request_of(database, pid).code
    [first] = chat.texts(g1, f"YES {code}")
    assert "other guardian" in first and request_of(database, pid).status == "open"
    chat.send(g2, f"YES {code}")
    assert request_of(database, pid).status == "granted"


def test_any_guardian_no_declines_even_after_the_others_yes(database, settings, clock, make, chat):
    student, _c, opp = family(make, guardians=2)
    pid = approve(database, settings, clock, student, opp)
    g1, g2 = guardians(database, student.id)
    code = request_of(database, pid).code
    chat.send(g1, f"YES {code}")
    chat.send(g2, f"NO {code}")  # after a YES, any guardian's NO withdraws permission
    assert request_of(database, pid).status == "revoked"
    assert placement_of(database, pid).status == "paperwork"


def test_reminders_at_48h_and_5_days_then_paper(database, settings, clock, make, engine):
    _s, coordinator, [guardian], pid, req = _start(database, settings, clock, make)
    clock.advance(hours=47)
    assert run_due_reminders(database, engine, clock) == 0
    clock.advance(hours=1)
    assert run_due_reminders(database, engine, clock) == 1
    first = outbox_to(database, guardian.id)[-1]
    assert "reminder" in first.text and f"YES {req.code}" in first.text and not first.urgent
    clock.advance(hours=72)
    run_due_reminders(database, engine, clock)
    last = outbox_to(database, guardian.id)[-1]
    assert "last reminder" in last.text
    assert len(outbox_to(database, guardian.id)) == 3
    clock.advance(hours=24)
    run_due_reminders(database, engine, clock)
    assert request_of(database, pid).status == "paper_needed"
    assert "no answer after reminders" in outbox_to(database, coordinator.id)[-1].text
    assert request_of(database, pid).reminders_sent == 2


def test_no_reminders_after_an_answer_or_after_stop(database, settings, clock, make, engine, chat):
    _s, coordinator, [guardian], pid, _req = _start(database, settings, clock, make)
    chat.send(guardian, "STOP")
    clock.advance(hours=48)
    run_due_reminders(database, engine, clock)
    texts = [m.text for m in outbox_to(database, guardian.id)]
    assert not any("reminder" in t for t in texts)
    assert request_of(database, pid).status == "paper_needed"
    assert "opted out" in outbox_to(database, coordinator.id)[-1].text


def test_paper_consent_recorded_by_a_coordinator(database, settings, clock, make):
    from bot.context import Context
    from bot.services.consent_answers import record_paper_consent

    student, coordinator, [_g], pid, _req = _start(database, settings, clock, make)
    agree(database, pid, clock)
    with database.transaction() as s:
        ctx = Context(s, settings, clock.now())
        out = record_paper_consent(
            ctx,
            pid,
            staff_person_id=coordinator.id,
            granted=True,
            method="signed form brought to the front office",
            signed_on=date(2026, 12, 2),
            signer_name="Rosa Rivera",
        )
    assert any("all set" in m.text for m in out)
    assert placement_of(database, pid).status == "ready"
    rec = records(database, pid)[-1]
    assert (rec.action, rec.channel, rec.recorded_by) == (
        "paper_grant",
        "paper",
        f"staff:{coordinator.id}",
    )
    assert rec.signed_on == date(2026, 12, 2) and rec.signer_name == "Rosa Rivera"
    with database.transaction() as s:
        assert s.scalar(select(AuditEntry).where(AuditEntry.action == "consent:paper_grant"))


def test_the_code_is_not_reused_within_a_family(database, settings, clock, make):
    student, _c, opp = family(make)
    codes = {
        request_of(database, approve(database, settings, clock, student, opportunity(make))).code
        for _ in range(5)
    }
    assert len(codes) == 5


def test_reminder_for_a_vanished_request_is_tolerated(database, settings, clock, make, engine):
    from bot.messages import Trigger

    with database.transaction() as s:
        engine.handle_trigger(s, Trigger("consent.remind", 999999, None, clock.now(), {"n": 1}))
        engine.handle_trigger(s, Trigger("consent.paper", 999999, None, clock.now(), {}))


def test_reminders_are_scheduled_at_the_configured_hours(database, settings, clock, make):
    _s, _c, _g, _pid, req = _start(database, settings, clock, make)
    with database.transaction() as s:
        dues = s.scalars(select(Reminder.due_at).where(Reminder.subject_id == req.id)).all()
    assert sorted(dues) == [clock.now() + timedelta(hours=48), clock.now() + timedelta(hours=120)]
