"""Shared fixtures: a real database per test (SQLite file, or PostgreSQL when
TEST_DATABASE_URL is set), settings, a controllable clock and the engine."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.clock import FixedClock
from bot.engine import Engine
from bot.settings import Settings
from db.migrate import upgrade
from db.session import Database

pytest_plugins = [
    "tests.support.factories",
    "tests.support.chat",
    "tests.support.providers",
    "tests.support.district",
    "tests.support.workers",
    "tests.support.economy",
]

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "bot" / "sample" / "demo-district"
# Tuesday 1 December 2026, 09:00 in Los Angeles: the sample term's first day.
T0 = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
PG_URL = os.environ.get("TEST_DATABASE_URL", "")


def _reset_postgres(url: str) -> None:
    db = Database(url)
    with db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    db.dispose()
    upgrade(url)


@pytest.fixture(scope="session")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database migrated once per test session (Alembic, as `wbl init` does)."""
    if PG_URL:
        _reset_postgres(PG_URL)
        return PG_URL
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    url = f"sqlite:///{path}"
    upgrade(url)
    return url


@pytest.fixture
def database(migrated: str, tmp_path: Path) -> Iterator[Database]:
    """A fresh, migrated database for one test."""
    if PG_URL:
        db = Database(migrated)
        with db.engine.begin() as conn:
            tables = (
                conn.execute(
                    text(
                        "SELECT tablename FROM pg_tables WHERE schemaname='public' "
                        "AND tablename <> 'alembic_version'"
                    )
                )
                .scalars()
                .all()
            )
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    else:
        target = tmp_path / "wbl.sqlite3"
        shutil.copy(migrated.split("///", 1)[1], target)
        db = Database(f"sqlite:///{target}")
    yield db
    db.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def settings(database: Database) -> Settings:
    return Settings(
        database_url=database.url,
        secret_key="test-secret-key",
        public_base_url="https://wbl.example.test",
        program_name="Cedar Valley WBL",
        coordinator_contact="Ms. Patel at (209) 555-0115",
    )


@pytest.fixture
def engine(settings: Settings) -> Engine:
    return Engine(settings)


@pytest.fixture
def runtime(settings: Settings, database: Database, clock: FixedClock):
    from bot.runtime import Runtime

    return Runtime(settings, database, clock)


@pytest.fixture
def app(runtime):
    from webhooks import create_app

    flask_app = create_app(runtime=runtime)
    flask_app.config["TESTING"] = True
    return flask_app


@pytest.fixture
def client(app):
    return app.test_client()
