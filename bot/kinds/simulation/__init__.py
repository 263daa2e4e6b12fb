"""Simulated workplace (classroom companies trading): today's behaviour only.

A class firm run by school staff (employer kind `school_enterprise`) needs no outside
background check; hours are approved like a micro-internship's for now. The simulation
issue adds firms, the closed double-entry economy and facilitator approval
(`Proof.FACILITATOR`) here.
"""

from bot.i18n import N_
from bot.kinds.base import Kind

KIND = Kind(
    code="simulation",
    label=N_("simulation"),
    words=frozenset({"SIMULATION", "SIMULATED", "SIM", "SIMULACION", "SIMULADA"}),
    no_background_check_with=frozenset({"school_enterprise"}),
)
