"""School-based enterprise (help desk, design agency, cafe): today's behaviour only.

For now it behaves as a micro-internship at the school's site (geofence on site,
supervisor approval otherwise). The enterprise issue adds the shift rota (SHIFTS, TAKE,
DROP), the till (SALES, STOCK) and their jobs and dashboard pages here, as `commands`,
`triggers` and `dashboard_sections`, with its own models and migration.
"""

from bot.i18n import N_
from bot.kinds.base import Kind

KIND = Kind(
    code="enterprise",
    label=N_("school business"),
    words=frozenset({"ENTERPRISE", "SCHOOL", "EMPRESA", "ESCUELA", "ESCOLAR"}),
)
