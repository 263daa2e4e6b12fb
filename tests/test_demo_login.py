"""`wbl demo` prints a sign-in that works: a staff account for the sample coordinator."""

from __future__ import annotations

from bot.demo import coordinator_login
from tests.support.staff import sign_in


def test_the_printed_demo_login_signs_in(district, runtime, client):
    email, password = coordinator_login(runtime)
    assert "@" in email and len(password) >= 12
    assert sign_in(client, email, password).status_code == 302
    page = client.get("/dashboard/").get_data(as_text=True)
    assert "my caseload" in page and "Audit" in page  # coordinator and admin
    # a second run gives a fresh password and the first one stops working
    _, again = coordinator_login(runtime)
    other = client.application.test_client()
    assert sign_in(other, email, password).status_code == 401
    assert sign_in(other, email, again).status_code == 302
