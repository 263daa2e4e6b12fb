"""Who may open which dashboard page, and whose records they may act on.

Every dashboard endpoint has a rule here; one without a rule is refused (403), and a
test walks the app's url_map so a new route without a rule fails. Within a page,
`student_in_reach` and `opportunity_in_reach` decide for one record: an admin reaches
everything, a coordinator the students of their caseload, a facilitator the
enterprises and firms they run.
"""

from __future__ import annotations

from flask import abort, request, session
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.dashboard.listing import SCOPE_KEY
from bot.dashboard.sessions import Viewer
from db.models import Opportunity, Student

ADMIN = frozenset({"admin"})
COORDINATING = frozenset({"admin", "coordinator"})
ANY_STAFF = frozenset({"admin", "coordinator", "facilitator"})
PUBLIC = frozenset[str]()  # pages for visitors who are not signed in

RULES: dict[str, frozenset[str]] = {
    "dashboard.login": PUBLIC,
    "dashboard.logout": PUBLIC,
    "dashboard.set_password": PUBLIC,
    "dashboard.oidc_start": PUBLIC,
    "dashboard.oidc_callback": PUBLIC,
    "dashboard.index": ANY_STAFF,
    "dashboard.applications": COORDINATING,
    "dashboard.decide_application": COORDINATING,
    "dashboard.placements_list": COORDINATING,
    "dashboard.placement_detail": ANY_STAFF,
    "dashboard.paper_consent": COORDINATING,
    "dashboard.consent_receipt": COORDINATING,
    "dashboard.flags": COORDINATING,
    "dashboard.partners": COORDINATING,
    "dashboard.record_check": COORDINATING,
    "dashboard.export_placements": COORDINATING,
    "dashboard.messages": COORDINATING,
    "dashboard.audit": ADMIN,
    # the equity view and reports: district aggregates for every coordinator (issue 16);
    # the records export, a student's record and outreach are held to the caseload inside
    "dashboard.equity": COORDINATING,
    "dashboard.reports": COORDINATING,
    "dashboard.report_coverage": COORDINATING,
    "dashboard.report_hours": COORDINATING,
    "dashboard.report_records": COORDINATING,
    "dashboard.student_record_page": COORDINATING,
    "dashboard.outreach_page": COORDINATING,
    "dashboard.outreach_send": COORDINATING,
    # a page an opportunity kind adds: its own query scopes the rows to the viewer
    "dashboard.kind_section": ANY_STAFF,
    # the coordinator's console (bot/dashboard/console.py, inbox.py, review.py)
    "dashboard.choose_scope": COORDINATING,
    "dashboard.inbox": COORDINATING,
    "dashboard.inbox_item": COORDINATING,
    "dashboard.inbox_answer": COORDINATING,
    "dashboard.inbox_close": COORDINATING,
    "dashboard.review_entry": COORDINATING,
    "dashboard.placement_action": COORDINATING,
    "dashboard.opportunity_new": COORDINATING,
    "dashboard.opportunity_edit": COORDINATING,
    "dashboard.opportunity_save": COORDINATING,
    "dashboard.employer_form": COORDINATING,
    "dashboard.places": COORDINATING,
    "dashboard.site_form": COORDINATING,
    "dashboard.supervisor_form": COORDINATING,
    "dashboard.renew_page": COORDINATING,
    "dashboard.renew_checks": COORDINATING,
    "dashboard.proposal_link": COORDINATING,
    "dashboard.proposals_list": COORDINATING,
    "dashboard.proposal_decide": COORDINATING,
    # an employer's private proposal page: the link is the capability (bot/access_log.py)
    "dashboard.proposal_form": PUBLIC,
}
# lists that may show the whole district (`?all=1`) to admins only; aggregates to everyone
DISTRICT_AGGREGATES = frozenset({"dashboard.index"})


def allowed(endpoint: str | None, viewer: Viewer | None) -> bool | None:
    """True/False for a signed-in viewer; None when the page needs a sign-in first."""
    rule = RULES.get(endpoint or "")
    if rule is None:
        return False
    if not rule:
        return True
    if viewer is None:
        return None
    return bool(viewer.roles & rule)


def scope(viewer: Viewer, endpoint: str | None) -> int | None:
    """The caseload a list shows: the viewer's roster id, or None for the whole district."""
    asked = bool(request.args.get("all"))
    chosen = session.get(SCOPE_KEY) == "district" and "admin" in viewer.roles
    if (asked or chosen) and ("admin" in viewer.roles or endpoint in DISTRICT_AGGREGATES):
        return None
    if asked:
        abort(403)
    if viewer.person_id is None and "admin" in viewer.roles:
        return None  # an admin who is not on the roster has no caseload of their own
    return viewer.person_id or -1


def student_in_reach(s: Session, viewer: Viewer, student_id: int) -> bool:
    if "admin" in viewer.roles:
        return True
    if "coordinator" not in viewer.roles or viewer.person_id is None:
        return False
    coordinator = s.scalar(select(Student.coordinator_id).where(Student.person_id == student_id))
    return coordinator is not None and coordinator == viewer.person_id


def opportunity_in_reach(s: Session, viewer: Viewer, opportunity_id: int) -> bool:
    """An admin reaches every opportunity; a facilitator the ones they run
    (`opportunities.csv` `facilitator_sourced_id`, imported as `Opportunity.facilitator_id`)."""
    if "admin" in viewer.roles:
        return True
    if "facilitator" not in viewer.roles or viewer.person_id is None:
        return False
    runs = s.scalar(select(Opportunity.facilitator_id).where(Opportunity.id == opportunity_id))
    return runs is not None and runs == viewer.person_id


def require_student(s: Session, viewer: Viewer, student_id: int) -> None:
    if not student_in_reach(s, viewer, student_id):
        abort(403)
