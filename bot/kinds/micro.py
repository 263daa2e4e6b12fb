"""Micro-internship: a 5-10 hour project for a partner, mostly done asynchronously.

Hours: logged remote hours (LOG) wait for the supervisor's approval and the work is a
deliverable (SUBMIT) the supervisor accepts; hours on site are verified by clocking in
and out inside the site's geofence. Paperwork: permission and the training agreement.
Vetting: agreement, insurance for on-site work at a business, nonprofit or agency, and
the supervisor's background check.
"""

from bot.i18n import N_
from bot.kinds.base import Kind, Proof

KIND = Kind(
    code="micro",
    label=N_("micro"),
    words=frozenset({"MICRO", "MICROINTERNSHIP", "MICROPASANTIA"}),
    on_site_proof=Proof.GEOFENCE,
    remote_proof=Proof.SUPERVISOR,
    find_button=2,
)
