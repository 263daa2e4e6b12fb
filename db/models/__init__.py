"""Every table of the system of record, imported so the metadata is complete."""

from db.models.audit import AuditEntry
from db.models.imports import ImportRowDigest
from db.models.inbox import InboxItem, OpportunityProposal
from db.models.messaging import (
    CheckinToken,
    Contact,
    Conversation,
    InboundMessage,
    LinkCode,
    OutboxMessage,
    RateBucket,
    Reminder,
)
from db.models.partners import Employer, Opportunity, Site, Supervisor, VettingCheck
from db.models.people import GuardianLink, Org, Person, Staff, Student
from db.models.placements import (
    Application,
    ConsentRecord,
    ConsentRequest,
    Deliverable,
    Placement,
    Rating,
    RatingRequest,
    TimeEntry,
)
from db.models.staff import PasswordLink, SignInFailure, StaffAccount, StaffSession
from db.models.throttle import LinkThrottle

__all__ = [
    "Application",
    "AuditEntry",
    "CheckinToken",
    "ConsentRecord",
    "ConsentRequest",
    "Contact",
    "Conversation",
    "Deliverable",
    "Employer",
    "GuardianLink",
    "ImportRowDigest",
    "InboxItem",
    "InboundMessage",
    "LinkCode",
    "LinkThrottle",
    "Opportunity",
    "OpportunityProposal",
    "Org",
    "OutboxMessage",
    "Person",
    "PasswordLink",
    "Placement",
    "RateBucket",
    "Rating",
    "RatingRequest",
    "Reminder",
    "SignInFailure",
    "Site",
    "Staff",
    "StaffAccount",
    "StaffSession",
    "Student",
    "Supervisor",
    "TimeEntry",
    "VettingCheck",
]
