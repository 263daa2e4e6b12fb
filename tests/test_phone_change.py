"""A guardian's phone changes in the SIS: the old number stops reaching or speaking for them."""

from __future__ import annotations

from sqlalchemy import select

from bot.addressing import pick_contact
from bot.importers.roster import import_roster
from db.models import Contact
from tests.support.district import copy_sample, edit_row, load_district

OLD, NEW = "+12095550103", "+12095550199"


def test_a_replaced_number_is_retired_not_used(database, clock, chat, tmp_path):
    folder = copy_sample(tmp_path / "bundle")
    district = load_district(database, clock, folder)
    guardian = district.person("guardian-1-0")
    assert guardian.phone == OLD
    chat.send(f"tel:{OLD}", "HELP")  # the old number has history now
    edit_row(folder, "users.csv", "guardian-1-0", sms=NEW)
    report = import_roster(database, folder, now=clock.now())
    assert report.clean, report.render()
    with database.transaction() as s:
        old = s.scalar(select(Contact).where(Contact.urn == f"tel:{OLD}"))
        assert old is not None and old.retired_at is not None  # kept for the record
        assert pick_contact(s, guardian.id).urn == f"tel:{NEW}"
    [reply] = chat.texts(f"tel:{OLD}", "YES")
    assert "link code" in reply  # a stranger now: it can no longer answer for the family
    assert import_roster(database, folder, now=clock.now()).changed is False
    edit_row(folder, "users.csv", "guardian-1-0", sms=OLD)  # the family goes back
    import_roster(database, folder, now=clock.now())
    with database.transaction() as s:
        old = s.scalar(select(Contact).where(Contact.urn == f"tel:{OLD}"))
        assert old.retired_at is None


def test_a_replaced_number_stops_speaking_for_the_person_on_whatsapp_too(
    database, clock, chat, tmp_path
):
    folder = copy_sample(tmp_path / "bundle")
    district = load_district(database, clock, folder)
    guardian = district.person("guardian-1-0")
    [hello] = chat.texts(f"whatsapp:{OLD}", "HELP")  # the roster's number, on WhatsApp
    assert "link code" not in hello
    edit_row(folder, "users.csv", "guardian-1-0", sms=NEW)
    assert import_roster(database, folder, now=clock.now()).clean
    with database.transaction() as s:
        wa = s.scalar(select(Contact).where(Contact.urn == f"whatsapp:{OLD}"))
        assert wa.person_id == guardian.id and wa.retired_at is not None
    [reply] = chat.texts(f"whatsapp:{OLD}", "YES")
    assert "link code" in reply
    edit_row(folder, "users.csv", "guardian-1-0", sms=OLD)  # the family goes back
    import_roster(database, folder, now=clock.now())
    [back] = chat.texts(f"whatsapp:{OLD}", "HELP")
    assert "link code" not in back
