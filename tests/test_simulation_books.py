"""The facilitator's books on the dashboard (their own firms only; an admin every firm),
their acts (roles and who may pay, a loan, a correction, a dispute's decision, approving
logged class hours), the journal as CSV and `wbl report ledger`."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from bot.cli import main
from db.models import AuditEntry, SimInvoice, SimTransaction, TimeEntry
from tests.support.economy import balances, journal_agrees
from tests.support.staff import add_account, csrf, sign_in

AVA = "ava.patel@example.org"  # staff-1, CVO's facilitator


@pytest.fixture
def books(economy, database, clock, app):
    add_account(database, clock, AVA, roles=("facilitator",))
    client = app.test_client()
    assert sign_in(client, AVA).status_code == 302
    return client


def post(client, path: str, **form: str):
    return client.post(path, data={"csrf_token": csrf(client, "/dashboard/firms/CVO"), **form})


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_a_facilitator_sees_only_their_firms(books, chat, economy) -> None:
    chat.texts(economy.rbt[0], "PAY CVO 150 posters")
    listing = page(books, "/dashboard/firms")
    assert "CVO" in listing and "RBT" not in listing and "$5,150.00" in listing
    assert books.get("/dashboard/firms/RBT").status_code == 403
    assert books.get("/dashboard/firms/NOPE").status_code == 404
    shown = page(books, "/dashboard/firms/CVO")
    for fact in ("$5,150.00", "<svg", "<polyline", "2026-12", "$150.00", "posters", "Leah"):
        assert fact in shown, fact
    trial = page(books, "/dashboard/firms/economy")
    assert "-$15,000.00" in trial and "$0.00" in trial


def test_a_coordinator_is_refused_and_a_visitor_sent_to_sign_in(economy, database, clock, app):
    client = app.test_client()
    assert client.get("/dashboard/firms").status_code == 302
    add_account(database, clock, "hiro.vang@example.org", roles=("coordinator",))
    sign_in(client, "hiro.vang@example.org")
    assert client.get("/dashboard/firms/CVO").status_code == 403


def test_a_loan_and_a_correction_are_new_linked_transactions(books, chat, economy, database):
    chat.texts(economy.rbt[0], "PAY CVO 150 posters")
    assert (
        post(books, "/dashboard/firms/CVO/loan", amount="1,000", memo="bridge").status_code == 302
    )
    assert balances(database)["CVO"] == 615_000
    assert any("$1,000.00" in m.text for m in chat.outbox(economy.cvo[0].id))
    with database.transaction() as s:
        paid = s.scalar(select(SimTransaction.id).where(SimTransaction.kind == "transfer"))
    post(books, "/dashboard/firms/CVO/reverse", txn_id=str(paid))
    with database.transaction() as s:
        undo = s.scalar(select(SimTransaction).where(SimTransaction.corrects_id == paid))
        assert undo is not None and undo.kind == "reversal"
        assert s.scalar(select(AuditEntry).where(AuditEntry.action == "simulation.loan"))
    assert balances(database)["RBT"] == 500_000 and journal_agrees(database)
    post(books, "/dashboard/firms/CVO/reverse", txn_id=str(paid))  # twice: refused
    assert balances(database)["RBT"] == 500_000
    assert post(books, "/dashboard/firms/CVO/loan", amount="x").status_code == 302
    assert post(books, "/dashboard/firms/CVO/reverse", txn_id="abc").status_code == 400


def test_roles_decide_who_may_pay(books, chat, economy, database) -> None:
    leah, samuel = economy.cvo
    post(books, "/dashboard/firms/CVO/roles", roles="CEO, CFO, Sales", pay_roles="CFO")
    assert "only these roles may pay: CFO" in chat.texts(leah, "PAY RBT 10 x")[0]
    post(books, "/dashboard/firms/CVO/member-role", person_id=str(leah.id), role="CFO")
    assert "Sent: $10.00" in chat.texts(leah, "PAY RBT 10 x")[0]
    assert "CFO" in chat.texts(samuel, "PAY RBT 10 x")[0]
    assert chat.texts(samuel, "INVOICE RBT 10 x")[0].startswith("Invoice #1")  # all may bill
    response = post(books, "/dashboard/firms/CVO/member-role", person_id=str(leah.id), role="Pilot")
    assert response.status_code == 302 and balances(database)["CVO"] == 499_000


def test_a_dispute_is_decided_by_the_facilitator(books, chat, economy, database) -> None:
    chat.texts(economy.cvo[0], "INVOICE RBT 75 catalog design")
    chat.texts(economy.rbt[0], "DISPUTE 1 we never ordered it")
    assert "we never ordered it" in page(books, "/dashboard/firms/CVO")
    post(books, "/dashboard/firms/CVO/dispute", invoice_id="1", uphold="no")
    with database.transaction() as s:
        assert s.scalar(select(SimInvoice.status)) == "open"
    assert "PAGAR 1" in chat.outbox(economy.rbt[0].id)[-1].text  # Samuel reads Spanish


def test_the_facilitator_approves_logged_class_hours(books, chat, economy, database) -> None:
    leah = economy.cvo[0]
    chat.texts(leah, "LOG 1.5 priced the catalog")
    with database.transaction() as s:
        entry = s.scalars(select(TimeEntry)).one()
    assert "priced the catalog" in page(books, "/dashboard/firms/CVO")
    post(books, "/dashboard/firms/CVO/hours", entry_id=str(entry.id), decision="approve")
    ava = economy.facilitator("CVO")
    with database.transaction() as s:
        done = s.get(TimeEntry, entry.id)
        assert done.status == "approved" and done.reviewed_by == ava.id
    assert "approved 1.5 h" in chat.outbox(leah.id)[-1].text


def test_the_journal_exports_as_csv_with_signed_numbers(books, chat, economy) -> None:
    chat.texts(economy.cvo[0], "PAY RBT 150 =cmd")
    response = books.get("/dashboard/firms/CVO/journal.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["amount"] for r in rows] == ["5000.00", "-150.00"]
    assert rows[-1]["balance"] == "4850.00" and rows[-1]["memo"] == "'=cmd"


def test_wbl_report_ledger(economy, chat, monkeypatch, database, capsys) -> None:
    chat.texts(economy.cvo[0], "PAY RBT 15,000 everything")  # refused: not enough money
    chat.texts(economy.cvo[0], "PAY RBT 4,999.99 almost everything")
    monkeypatch.setenv("DATABASE_URL", database.url)
    monkeypatch.setenv("SECRET_KEY", "test-secret-key")
    assert main(["report", "ledger"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "account,balance"
    rows = {r["account"]: r["balance"] for r in csv.DictReader(io.StringIO(out))}
    assert rows == {
        "central": "-15000.00", "CVO": "0.01", "RBT": "9999.99", "OHF": "5000.00", "total": "0.00"
    }  # fmt: skip
    assert re.search(r"^total,0\.00$", out, re.M)
