"""District policy: one TOML file (WBL_POLICY_FILE) changes what the product does, and a bad
file stops it at start-up with a message naming the key."""

from __future__ import annotations

import tomllib
from datetime import timedelta
from pathlib import Path

import pytest

from bot.dispatch import close_dispatcher, dispatch_once
from bot.engine import Engine
from bot.errors import ConfigError
from bot.policy import Policy
from bot.runtime import Runtime
from bot.settings import Settings
from db.models import OutboxMessage
from tests.support.chat import Chat
from tests.support.providers import queue_message

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "docs" / "policy.example.toml"


def from_file(tmp_path: Path, text: str, database_url: str = "sqlite:///unused") -> Settings:
    path = tmp_path / "policy.toml"
    path.write_text(text)
    env = {"DATABASE_URL": database_url, "SECRET_KEY": "k", "WBL_POLICY_FILE": str(path)}
    return Settings.from_env(env)


def test_without_a_file_the_defaults_hold() -> None:
    assert Settings.from_env({"SECRET_KEY": "k"}).policy == Policy()


def test_the_example_file_spells_every_key_with_its_default(tmp_path: Path) -> None:
    values = tomllib.loads(EXAMPLE.read_text())
    assert set(values) == set(Policy.__dataclass_fields__)
    assert from_file(tmp_path, EXAMPLE.read_text()).policy == Policy()


def test_the_readme_documents_every_key() -> None:
    readme = (ROOT / "README.md").read_text()
    missing = [key for key in Policy.__dataclass_fields__ if f"| `{key}` |" not in readme]
    assert missing == []


def test_walkable_distance_from_the_file_changes_what_find_says(
    tmp_path: Path, make, database, clock
) -> None:
    employer = make.employer(name="Delgado Auto Repair")
    site = make.site(employer, lat=36.618, lon=-119.45, transit=False)  # 2 km north of home
    make.opportunity(employer, site=site, title="Inventory the parts room")
    student = make.student(transportation="none")
    default = Chat(database, Engine(Settings.from_env({"SECRET_KEY": "k"})), clock)
    assert "needs a ride, 2.0 km" in default.texts(student, "FIND")[0]
    walkers = from_file(tmp_path, "walk_km = 2.5\n", database.url)
    assert walkers.policy.walk_km == 2.5
    chat = Chat(database, Engine(walkers), clock)
    assert "2.0 km, walk" in chat.texts(student, "FIND")[0]


@pytest.mark.parametrize(("policy", "held"), [("", False), ("quiet_start_hour = 19\n", True)])
def test_quiet_hours_from_the_file_hold_the_dispatcher(
    policy: str, held: bool, tmp_path: Path, provider_settings, database, clock, twilio_api, make
) -> None:
    loaded = from_file(tmp_path, policy, database.url).policy
    runtime = Runtime(provider_settings.with_(policy=loaded), database, clock)
    student = make.student(phone="+15595550157")
    clock.at = clock.now().replace(hour=3, minute=30) + timedelta(days=1)  # 19:30 in LA
    nudge = queue_message(
        database, "tel:+15595550157", "Nudge", at=clock.now(), person_id=student.id, urgent=False
    )
    try:
        summary = dispatch_once(runtime, clock.now())
    finally:
        close_dispatcher(runtime)
    assert (summary.sent, summary.held) == ((0, 1) if held else (1, 0))
    with database.transaction() as s:
        row = s.get(OutboxMessage, nudge)
        assert row is not None and row.status == ("pending" if held else "sent")
        if held:
            assert row.not_before.astimezone(runtime.settings.tz).strftime("%H:%M") == "08:00"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("quiet_hour = 20\n", "unknown key 'quiet_hour'"),
        ('walk_km = "far"\n', "walk_km: must be a number, not 'far'"),
        ("daily_cap = 2.5\n", "daily_cap: must be a whole number, not 2.5"),
        ("quiet_start_hour = 25\n", "quiet_start_hour: 25 is out of range (0 to 23)"),
        ("consent_all_guardians = 1\n", "consent_all_guardians: must be true or false"),
        ("consent_reminder_hours = [120, 48]\n", "consent_reminder_hours: must be in increasing"),
        ("consent_reminder_hours = []\n", "consent_reminder_hours: must be a non-empty list"),
        ('skills = ["charm"]\n', "skills: 'charm' is not one of communication"),
        ('insurance_for = ["business", "business"]\n', "insurance_for: has a repeated value"),
        ("shift_autoclose_h = 0.5\n", "shift_autoclose_h: must be later than shift_nudge"),
        ("walk_km = \n", "not valid TOML"),
    ],
)
def test_a_bad_file_fails_at_start_up_naming_the_key(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(ConfigError, match="WBL_POLICY_FILE") as err:
        from_file(tmp_path, text)
    assert message in str(err.value)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    env = {"SECRET_KEY": "k", "WBL_POLICY_FILE": str(tmp_path / "nope.toml")}
    with pytest.raises(ConfigError, match=r"WBL_POLICY_FILE: cannot read .*nope\.toml"):
        Settings.from_env(env)


def test_the_command_line_refuses_a_bad_policy(
    tmp_path: Path, database, monkeypatch, capsys
) -> None:
    from bot.cli import main

    path = tmp_path / "policy.toml"
    path.write_text("daily_cap = 0\n")
    for name, value in (("DATABASE_URL", database.url), ("SECRET_KEY", "k")):
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("WBL_POLICY_FILE", str(path))
    assert main(["run-due"]) == 2
    assert "daily_cap: 0 is out of range (1 to 50)" in capsys.readouterr().err
