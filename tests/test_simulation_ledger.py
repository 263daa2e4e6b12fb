"""The ledger's rules: amounts as pinned, tax half up, and — by hypothesis — random
sequences of members' messages and facilitators' acts (refusals included) never leave
the economy off zero, never change a balance without a journal entry, and never edit or
delete a transaction."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError, IntegrityError

from bot.context import Context
from bot.errors import WBLError
from bot.kinds.simulation.rules import money, parse_amount, percent, tax
from bot.kinds.simulation.service import firms, month, staff
from db.models import SimTransaction
from tests.support.economy import balances, journal_agrees


@pytest.mark.parametrize(
    ("typed", "cents"),
    [
        ("150", 15_000), ("$150", 15_000), ("150.5", 15_050), ("150,5", 15_050),
        ("150,50", 15_050), ("1,250", 125_000), ("1,250.50", 125_050), ("$1,250,000.01", 125_000_001),
        ("12,345", 1_234_500), ("0,99", 99), (".5", 50), ("7.", 700), ("1 250", 125_000),
        ("1,2345", None), ("12.345", None), ("1.234,56", None), ("1,5,5", None), ("abc", None),
        ("", None), ("$", None), ("-5", None), ("1e3", None), ("150.555", None), ("1.2.3", None),
    ],
)  # fmt: skip
def test_amounts_are_read_as_pinned(typed: str, cents: int | None) -> None:
    assert parse_amount(typed) == cents


@given(st.integers(min_value=0, max_value=10**10))
def test_an_amount_shown_reads_back_the_same(cents: int) -> None:
    assert parse_amount(money(cents)) == cents
    assert parse_amount(money(cents).replace(",", "")) == cents


def test_tax_is_rounded_to_the_cent_half_up() -> None:
    assert tax(1, Decimal("0.5")) == 1  # 0.5 cent -> 1
    assert tax(3, Decimal("0.5")) == 2  # 1.5 -> 2 (not banker's 2... nor 1)
    assert tax(5, Decimal("0.5")) == 3  # 2.5 -> 3, where banker's rounding gives 2
    assert tax(100_010, Decimal("0.08")) == 8_001
    assert tax(-500, Decimal("0.08")) == 0
    assert percent(Decimal("0.0750")) == "7.5%"


FIRMS = ("CVO", "RBT", "OHF")
AMOUNT = st.one_of(
    st.integers(min_value=1, max_value=900_000).map(lambda c: money(c).lstrip("$")),
    st.sampled_from(["0", "-5", "1.234", "12,5", "99999999", "x", "1,000,000"]),
)
MESSAGE = st.one_of(
    st.tuples(st.just("INVOICE"), st.sampled_from(FIRMS), AMOUNT),
    st.tuples(st.just("PAY"), st.sampled_from(FIRMS), AMOUNT),
    st.tuples(st.just("PAY"), st.integers(min_value=1, max_value=12).map(str), st.just("")),
    st.tuples(st.just("DISPUTE"), st.integers(min_value=1, max_value=12).map(str), st.just("no")),
    st.tuples(st.just("BALANCE"), st.just(""), st.just("")),
)
STAFF = st.one_of(
    st.tuples(st.just("loan"), st.sampled_from(FIRMS), st.integers(1, 50_000)),
    st.tuples(st.just("reverse"), st.sampled_from(FIRMS), st.integers(1, 40)),
    st.tuples(st.just("decide"), st.sampled_from(FIRMS), st.integers(1, 12)),
    st.tuples(st.just("month"), st.just(""), st.integers(1, 3)),
)
STEP = st.one_of(st.tuples(st.sampled_from(FIRMS), MESSAGE), st.tuples(st.just("staff"), STAFF))


def _journal(database) -> tuple[int, dict[str, int]]:
    with database.transaction() as s:
        count = s.scalar(select(func.count()).select_from(SimTransaction)) or 0
    return count, balances(database)


def _staff_act(database, runtime, act: tuple[str, str, int]) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    what, code, n = act
    at = runtime.clock.now()
    if what == "month":
        at = datetime(2027, n, 1, 6, 0, tzinfo=ZoneInfo("America/Los_Angeles"))
    with database.transaction() as s:
        ctx = Context(s, runtime.settings, at, actor="staff:test")
        view = firms.by_code(s, code) if code else None
        try:
            if what == "month":
                month.month_end(ctx)
            elif what == "loan" and view:
                staff.loan(ctx, view.id, n, "loan")
            elif what == "reverse" and view:
                staff.reverse(ctx, view.id, n)
            elif what == "decide" and view:
                staff.decide_dispute(ctx, view.id, n, n % 2 == 0)
        except (LookupError, WBLError):  # a refusal: nothing of it may stay
            s.rollback()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(STEP, min_size=1, max_size=12))
def test_random_trading_keeps_the_books(economy, chat, runtime, database, steps) -> None:
    who = {"CVO": economy.cvo[0], "RBT": economy.rbt[0], "OHF": economy.ohf[0]}
    for actor, (word, first, second) in steps:
        count, before = _journal(database)
        if actor == "staff":
            _staff_act(database, runtime, (word, first, second))
        else:
            replies = chat.texts(who[actor], f"{word} {first} {second} memo".strip())
            assert replies and not any("sorry" in r.lower() for r in replies), replies
        after_count, after = _journal(database)
        assert sum(after.values()) == 0
        if after_count == count:  # no journal entry: no balance moved
            assert after == before
        assert journal_agrees(database)


def test_the_database_refuses_to_edit_unbalance_or_delete_a_transaction(economy, database):
    for sql in (
        "UPDATE sim_transactions SET amount_cents = amount_cents + 1",
        "DELETE FROM sim_transactions",
        "INSERT INTO sim_transactions (at, kind, from_account_id, to_account_id, amount_cents, "
        "memo, actor) VALUES ('2026-12-01 17:00:00', 'x', 1, 2, 0, '', 'x')",
        "INSERT INTO sim_transactions (at, kind, from_account_id, to_account_id, amount_cents, "
        "memo, actor) VALUES ('2026-12-01 17:00:00', 'x', 1, 1, 5, '', 'x')",
    ):
        with pytest.raises((DatabaseError, IntegrityError)), database.transaction() as s:
            s.execute(text(sql))
    assert journal_agrees(database)
    with database.transaction() as s:
        row = s.scalars(select(SimTransaction)).first()
        assert row is not None
        row.amount_cents += 1
        with pytest.raises(RuntimeError, match="never changed"):
            s.flush()
        s.rollback()
    assert journal_agrees(database)
