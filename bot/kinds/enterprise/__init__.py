"""School-based enterprise (help desk, design agency, cafe): a shift rota, the till and
work orders.

- The rota: `shifts.csv` (and the dashboard) make shifts; a student with a ready
  placement types SHIFTS, TAKE n, DROP n (Spanish TURNOS, TOMAR n, SOLTAR n); seats are
  taken under the shift's row lock; a reminder comes before each taken shift
  (`enterprise.remind`), and no IN by 15 minutes after the start marks it missed and
  tells the supervisor (`enterprise.missed`).
- Clocking in: through the one clock-in path (bot.services.clocking), which asks
  `clock_slots`: IN counts only from 15 minutes before a taken shift to its end, at the
  school's site (geofence); hours so verified are approved like any verified hours.
- The till (`opportunities.csv` `till`): OUT asks for the shift's sales (SALES 142.50,
  VENTAS); STOCK item count (INVENTARIO) against `items.csv`; staff record purchases; the
  weekly P&L on the dashboard and `wbl report pnl OPPORTUNITY_ID`.
- Work orders: a public form per enterprise (`/order/<token>`); JOBS, CLAIM n, DONE n
  note (TRABAJOS, ATENDER n, HECHO n); the requester is told and rates with one tap.

Layers: `pages` | `importer` → `chat` → `service` → `rules` | `effects` (texts: msgids).
"""

from bot.i18n import N_
from bot.kinds.base import DashboardSection, Kind, Paper, Proof

HERE = "bot.kinds.enterprise"
CHAT = f"{HERE}.chat"

KIND = Kind(
    code="enterprise",
    label=N_("school business"),
    words=frozenset({"ENTERPRISE", "SCHOOL", "EMPRESA", "ESCUELA", "ESCOLAR"}),
    on_site_proof=Proof.GEOFENCE,
    remote_proof=Proof.SUPERVISOR,
    paperwork=(Paper.CONSENT, Paper.AGREEMENT),
    commands={
        "SHIFTS": f"{CHAT}:shifts",
        "SHIFT": f"{CHAT}:shifts",
        "TURNOS": f"{CHAT}:shifts",
        "TURNO": f"{CHAT}:shifts",
        "TAKE": f"{CHAT}:take",
        "TOMAR": f"{CHAT}:take",
        "DROP": f"{CHAT}:drop",
        "SOLTAR": f"{CHAT}:drop",
        "SALES": f"{CHAT}:sales",
        "VENTAS": f"{CHAT}:sales",
        "STOCK": f"{CHAT}:stock",
        "INVENTARIO": f"{CHAT}:stock",
        "JOBS": f"{CHAT}:jobs",
        "TRABAJOS": f"{CHAT}:jobs",
        "CLAIM": f"{CHAT}:claim",
        "ATENDER": f"{CHAT}:claim",
        "DONE": f"{CHAT}:done",
        "HECHO": f"{CHAT}:done",
        "LISTO": f"{CHAT}:done",
    },
    menu_hints={
        "student": N_("SHIFTS: shifts at the school business\nJOBS: customer jobs to claim")
    },
    triggers={
        "enterprise.remind": f"{CHAT}:remind",
        "enterprise.missed": f"{CHAT}:missed",
        "enterprise.cancelled": f"{CHAT}:cancelled",
        "enterprise.mail": f"{CHAT}:mail",
    },
    importers={
        "shifts.csv": f"{HERE}.importer:import_shifts",
        "items.csv": f"{HERE}.importer:import_items",
    },
    pages=f"{HERE}.pages",
    dashboard_sections=(
        DashboardSection(
            key="rota",
            title=N_("School businesses"),
            view=f"{HERE}.pages.staff:section",
            template="enterprise/section.html",
        ),
    ),
    clock_slots=f"{HERE}.service.slots:SLOTS",
)
