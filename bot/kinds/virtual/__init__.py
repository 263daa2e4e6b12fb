"""Virtual internship with a remote mentor: today's behaviour only.

Always remote, whatever the row's site says: hours are logged and the supervisor (the
mentor) approves them; the consent request says "remote"; no travel, no insurance. The
virtual issue adds mentor sessions (MEET, attendance) and the weekly pulse here.
"""

from bot.i18n import N_
from bot.kinds.base import Kind, Proof

KIND = Kind(
    code="virtual",
    label=N_("virtual"),
    words=frozenset({"VIRTUAL"}),
    always_remote=True,
    remote_proof=Proof.SUPERVISOR,
    find_button=1,
)
