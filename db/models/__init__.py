"""Every table of the system of record, imported so the metadata is complete."""

from db.models.audit import AuditEntry
from db.models.enterprise import (
    EnterpriseProfile,
    Item,
    Purchase,
    Sale,
    Shift,
    ShiftTake,
    StockCount,
    WorkOrder,
)
from db.models.equity import OutreachCampaign, OutreachRecipient, StudentDemographic
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
from db.models.simulation import (
    SimAccount,
    SimClose,
    SimFirm,
    SimInvoice,
    SimMember,
    SimTeam,
    SimTransaction,
)
from db.models.staff import PasswordLink, SignInFailure, StaffAccount, StaffSession
from db.models.throttle import LinkThrottle
from db.models.virtual import MentorSession, PulseAnswer, SessionInvite

__all__ = [
    "WorkOrder",
    "StockCount",
    "ShiftTake",
    "Shift",
    "Sale",
    "Purchase",
    "Item",
    "EnterpriseProfile",
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
    "MentorSession",
    "Opportunity",
    "OpportunityProposal",
    "Org",
    "OutreachCampaign",
    "OutreachRecipient",
    "OutboxMessage",
    "Person",
    "PasswordLink",
    "Placement",
    "PulseAnswer",
    "RateBucket",
    "Rating",
    "SessionInvite",
    "RatingRequest",
    "Reminder",
    "SignInFailure",
    "SimAccount",
    "SimClose",
    "SimFirm",
    "SimInvoice",
    "SimMember",
    "SimTeam",
    "SimTransaction",
    "Site",
    "Staff",
    "StaffAccount",
    "StaffSession",
    "Student",
    "StudentDemographic",
    "Supervisor",
    "TimeEntry",
    "VettingCheck",
]
