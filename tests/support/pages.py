"""Every kind of HTML page the web app serves, with real data behind it (for header,
CSP and accessibility tests): public pages by capability link, and dashboard pages for
a signed-in admin who is also the students' coordinator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import select

from bot.context import Context
from bot.services.consent_answers import record_paper_consent
from bot.services.consent_docs import slip_token
from bot.services.consent_receipt import receipt_url
from db.models import ConsentRecord, Site, Student, Supervisor
from tests.support.staff import add_account
from tests.test_checkin import link
from tests.test_consent_support import approve, family, request_of
from tests.test_student_work import onsite

EMAIL = "ava.patel@example.org"


def console_items(database, settings, clock, student, pid) -> tuple[int, int]:
    """A safety message in the inbox and a flagged entry to review (the console's pages)."""
    from bot.engine import Engine
    from bot.messages import Inbound
    from db.models import InboxItem, TimeEntry

    urn = f"tel:{student.phone}"
    text = "my supervisor makes me feel unsafe"
    Engine(settings).receive(database, Inbound("sms", urn, "PAGES1", clock.now(), text=text))
    with database.transaction() as s:
        item = s.scalar(select(InboxItem.id))
        entry = TimeEntry(
            placement_id=pid,
            student_id=student.id,
            kind="clock",
            status="pending",
            hours=2,
            flagged=True,
            flag_reason="4.7 km from the site",
            started_at=clock.now(),
            created_at=clock.now(),
        )
        s.add(entry)
        s.flush()
        return int(item or 0), entry.id


@dataclass
class Pages:
    public: dict[str, str]  # name -> path
    dashboard: dict[str, str]
    email: str = EMAIL


@pytest.fixture
def pages(chat, make, database, settings, clock) -> Pages:
    student, coordinator, opp = family(make)
    with database.transaction() as s:
        s.get(Student, student.id).coordinator_id = coordinator.id
        s.get(type(coordinator), coordinator.id).email = EMAIL
    add_account(database, clock, EMAIL, roles=("admin", "coordinator"))
    pid = approve(database, settings, clock, student, opp)
    req = request_of(database, pid)
    walker, _, _ = onsite(make)
    with database.transaction() as s:
        record_paper_consent(
            Context(s, settings, clock.now()),
            pid,
            staff_person_id=coordinator.id,
            granted=True,
            method="paper form returned to school",
            signed_on=date(2026, 12, 1),
            signer_name="Rosa Rivera",
        )
        record_id = s.scalar(select(ConsentRecord.id).order_by(ConsentRecord.id.desc()))
        site_id, supervisor_id = s.scalar(select(Site.id)), s.scalar(select(Supervisor.person_id))
    inbox_item, entry = console_items(database, settings, clock, student, pid)
    base = settings.public_base_url
    return Pages(
        public={
            "check-in": link(chat, walker),
            "slip": f"/slip/{slip_token(settings, req.id, 'en')}",
            "slip-es": f"/slip/{slip_token(settings, req.id, 'es')}",
            "slip-missing": "/slip/nonsense",
            "receipt": receipt_url(settings, record_id).removeprefix(base),
            "sign-in": "/dashboard/login",
            "set-password (dead link)": "/dashboard/password/" + "x" * 43,
        },
        dashboard={
            "overview": "/dashboard/",
            "applications": "/dashboard/applications",
            "placements": "/dashboard/placements",
            "placement": f"/dashboard/placements/{pid}",
            "receipt": f"/dashboard/consent/{record_id}/receipt",
            "flags": "/dashboard/flags",
            "partners": "/dashboard/partners",
            "messages": "/dashboard/messages",
            "audit": "/dashboard/audit",
            "inbox": "/dashboard/inbox",
            "inbox item": f"/dashboard/inbox/{inbox_item}",
            "flags with a review form": f"/dashboard/flags#entry-{entry}",
            "new opportunity": "/dashboard/opportunities/new",
            "new employer": "/dashboard/employers/new",
            "bulk renewal": "/dashboard/partners/renew",
            "proposals": "/dashboard/proposals",
            "sites and supervisors": "/dashboard/partners/places",
            "new site": "/dashboard/sites/new",
            "edit site": f"/dashboard/sites/{site_id}/edit",
            "new supervisor": "/dashboard/supervisors/new",
            "edit supervisor": f"/dashboard/supervisors/{supervisor_id}/edit",
        },
    )
