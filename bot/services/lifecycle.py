"""Move a placement along its declared lifecycle (rules.placement.PLACEMENT), audited."""

from __future__ import annotations

from bot.context import Context
from bot.rules.placement import PLACEMENT
from bot.statuses import PlacementStatus
from db import trail
from db.models import Placement


def move(ctx: Context, placement: Placement, target: PlacementStatus, reason: str) -> bool:
    """Set `placement.status` to `target` if the lifecycle allows; False when already there."""
    if placement.status == target:
        return False
    PLACEMENT.check(placement.status, target)
    trail.record(
        ctx.session,
        at=ctx.now,
        actor=ctx.actor,
        action=f"placement:{target}",
        entity="placement",
        entity_id=placement.id,
        details={"from": placement.status, "reason": reason},
    )
    placement.status = target
    if target == PlacementStatus.COMPLETED:
        placement.completed_at = ctx.now
    return True
