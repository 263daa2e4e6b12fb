"""The open catalogue is cached per process: this process's writes show at once, others' within the TTL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event, text

from bot.services import catalog_cache
from db.models import VettingCheck


@pytest.fixture(autouse=True)
def fresh_cache():
    catalog_cache.clear()
    yield
    catalog_cache.clear()


def _titles(chat, student) -> list[str]:
    [reply] = chat.send(student, "FIND")
    return [ln.split(") ", 1)[1].split(" - ")[0] for ln in reply.text.splitlines() if ") " in ln]


def _count_statements(database):
    seen: list[str] = []

    def listener(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(database.engine, "before_cursor_execute", listener)
    return seen, lambda: event.remove(database.engine, "before_cursor_execute", listener)


def test_a_second_find_reads_the_catalogue_from_the_cache(make, chat, database):
    student, other = make.student(), make.student()
    make.opportunity(make.employer(), remote=True, title="Design a flyer")
    assert _titles(chat, student) == ["Design a flyer"]
    seen, stop = _count_statements(database)
    try:
        assert _titles(chat, other) == ["Design a flyer"]
    finally:
        stop()
    assert not [s for s in seen if "FROM vetting_checks" in s or "FROM opportunities" in s]


def test_this_processs_writes_show_on_the_next_find(make, chat, database, clock):
    student = make.student()
    employer = make.employer(agreement_signed=None)  # no agreement: not vetted, not listed
    make.opportunity(employer, remote=True, title="Design a flyer")
    assert _titles(chat, student) == []
    make.opportunity(make.employer(), remote=True, title="Run a coding club")
    assert _titles(chat, student) == ["Run a coding club"]
    with database.transaction() as s:  # a coordinator records the signed agreement
        s.add(
            VettingCheck(
                kind="agreement",
                employer_id=employer.id,
                completed_on=date(2026, 11, 30),
                recorded_at=clock.now(),
                source="dashboard",
            )
        )
    assert sorted(_titles(chat, student)) == ["Design a flyer", "Run a coding club"]


def test_another_processs_write_shows_within_the_ttl(make, chat, database, monkeypatch):
    student = make.student()
    opp = make.opportunity(make.employer(), remote=True, title="Design a flyer")
    assert _titles(chat, student) == ["Design a flyer"]
    # another process closes it: a raw driver connection, unseen by this process's engines
    false = "false" if database.is_postgres else "0"
    raw = database.engine.raw_connection()
    try:
        raw.cursor().execute(f"UPDATE opportunities SET active = {false} WHERE id = {opp.id}")
        raw.commit()
    finally:
        raw.close()
    assert _titles(chat, student) == ["Design a flyer"]  # still cached: at most TTL_S old
    later = catalog_cache.clock() + catalog_cache.TTL_S + 1
    monkeypatch.setattr(catalog_cache, "clock", lambda: later)
    assert _titles(chat, student) == []


def test_rolled_back_writes_do_not_drop_the_cache(make, chat, database):
    student = make.student()
    make.opportunity(make.employer(), remote=True, title="Design a flyer")
    _titles(chat, student)
    engine = database.engine
    with engine.connect() as conn:
        trans = conn.begin()
        conn.execute(text("UPDATE opportunities SET title = 'x'"))
        trans.rollback()
    seen, stop = _count_statements(database)
    try:
        assert _titles(chat, student) == ["Design a flyer"]
    finally:
        stop()
    assert not [s for s in seen if "FROM vetting_checks" in s]
