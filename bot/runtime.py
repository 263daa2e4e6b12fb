"""The running product's parts, built once by the app factory or the CLI (never at import)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.clock import Clock, SystemClock
from bot.engine import Engine
from bot.settings import Settings
from db.session import Database


@dataclass
class Runtime:
    settings: Settings
    database: Database
    clock: Clock = field(default_factory=SystemClock)
    engine: Engine = field(init=False)

    def __post_init__(self) -> None:
        self.engine = Engine(self.settings)

    @classmethod
    def build(cls, settings: Settings, clock: Clock | None = None) -> Runtime:
        return cls(settings, Database(settings.database_url), clock or SystemClock())
