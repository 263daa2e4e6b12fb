"""Virtual internship with a remote mentor, in another city and time zone.

Always remote: logged hours (LOG) wait for the mentor's approval; no travel, no
insurance. Mentor sessions (briefing, check-in, feedback) come from `sessions.csv` or a
mentor's `MEET <when> [minutes] [link]`; interns are invited, reminded a day and an hour
before in their own zone, and a personal calendar feed lists them. After a session the
mentor marks who attended (their minutes become approved hours) and may rate and comment;
each week interns answer a 1-5 pulse. Layers: `pages` | `importer` → `chat` → `service`
→ `rules` | `effects`.
"""

from bot.i18n import N_
from bot.kinds.base import DashboardSection, Kind, Proof

_C = "bot.kinds.virtual.chat"
_MENTOR = f"{_C}.mentor:mentor"

KIND = Kind(
    code="virtual",
    label=N_("virtual"),
    words=frozenset({"VIRTUAL"}),
    always_remote=True,
    remote_proof=Proof.SUPERVISOR,
    find_button=1,
    commands={"PULSE": f"{_C}.intern:answer", "PULSO": f"{_C}.intern:answer"},
    supervisor_commands={
        **dict.fromkeys(("MEET", "REUNION", "CITA", "MOVE", "MOVER"), _MENTOR),
        **dict.fromkeys(("CANCEL", "CANCELAR"), _MENTOR),
    },
    menu_hints={"supervisor": N_("MEET <when>: schedule a session with your virtual interns")},
    triggers={
        "virtual.remind": f"{_C}.mentor:remind",
        "virtual.attend": f"{_C}.mentor:attend",
        "virtual.chase": f"{_C}.mentor:attend",
        "virtual.escalate": f"{_C}.mentor:escalate",
        "virtual.pulse": f"{_C}.intern:ask",
    },
    actions={"vt": f"{_C}.toggles:tap", "vd": f"{_C}.toggles:tap", "vp": f"{_C}.intern:tap"},
    importers={"sessions.csv": "bot.kinds.virtual.importer:import_sessions"},
    sweeps={
        "virtual.invites": "bot.kinds.virtual.service.sweeps:invite_late_joiners",
        "virtual.imported": "bot.kinds.virtual.service.sweeps:plan_imported",
        "virtual.pulse": "bot.kinds.virtual.service.pulse:ask_due",
    },
    pages="bot.kinds.virtual.pages",
    dashboard_sections=(
        DashboardSection(
            "sessions", N_("Mentor sessions"), "bot.kinds.virtual.pages:sessions_view"
        ),
        DashboardSection("interns", N_("Virtual interns"), "bot.kinds.virtual.pages:interns_view"),
    ),
)
