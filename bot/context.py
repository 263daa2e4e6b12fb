"""What one event runs with: the caller's session, settings, the instant, and who it is."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from bot.i18n import normalize_language, translator
from bot.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@dataclass(frozen=True)
class PersonInfo:
    """The few facts a flow needs about who it is talking to (no names in logs)."""

    id: int
    kind: str
    language: str
    first_name: str
    active: bool = True


@dataclass
class Context:
    session: Session
    settings: Settings
    now: datetime
    actor: str = "system"
    log_ids: dict[str, Any] = field(default_factory=dict)

    @property
    def today(self) -> date:
        """The district's calendar day at this instant."""
        return self.now.astimezone(self.settings.tz).date()

    def tr(self, lang: str) -> Callable[..., str]:
        return translator(normalize_language(lang))
