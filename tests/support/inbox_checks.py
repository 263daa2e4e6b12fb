"""Database checks for the human in the loop: `db=inbox(1, "safety")`, `alerted(...)`."""

from __future__ import annotations

from sqlalchemy import select

from db.models import InboxItem, OutboxMessage
from tests.support.scripts import Check, World


def inbox(count: int, kind: str | None = None, of: str = "student") -> Check:
    """`of` has `count` inbox items; the newest is of `kind`, filed for their coordinator."""

    def check(world: World) -> None:
        with world.database.transaction() as s:
            items = list(
                s.scalars(
                    select(InboxItem)
                    .where(InboxItem.person_id == world.person(of).id)
                    .order_by(InboxItem.id)
                )
            )
        assert len(items) == count, f"{of} has {len(items)} inbox items, not {count}"
        if kind is not None:
            assert items[-1].kind == kind, f"the newest is {items[-1].kind!r}, not {kind!r}"
            coordinator = world.person("coordinator").id
            assert items[-1].coordinator_id == coordinator, "not in the coordinator's inbox"

    check.__name__ = f"inbox({count}, {kind})"  # type: ignore[attr-defined]
    return check


def alerted(urgent: bool, role: str = "coordinator") -> Check:
    """The newest message to `role` is urgent (never held) or not, as asked."""

    def check(world: World) -> None:
        with world.database.transaction() as s:
            row = s.scalar(
                select(OutboxMessage)
                .where(OutboxMessage.person_id == world.person(role).id)
                .order_by(OutboxMessage.id.desc())
                .limit(1)
            )
        assert row is not None, f"nothing queued for {role}"
        assert row.urgent is urgent, f"{role}'s message urgent={row.urgent}"

    check.__name__ = f"alerted(urgent={urgent})"  # type: ignore[attr-defined]
    return check
