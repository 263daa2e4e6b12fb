"""`wbl demo`: the whole product on one machine, no provider accounts needed.

Migrates a SQLite database under var/, loads the sample district with every date moved
by whole weeks so the term's first Monday is the most recent one (the term is under
way), adds a few applications, placements and hours (bot/demo_story.py), gives a coordinator a dashboard
login (a staff account), and serves the web app (simulator included) under gunicorn: one worker process,
which also runs the scheduler and the outbox dispatcher in a thread.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
from datetime import date, timedelta
from pathlib import Path

from flask import Flask

from bot.clock import SystemClock
from bot.runtime import Runtime
from bot.settings import Settings, demo_secret

SAMPLE = Path(__file__).parent / "sample" / "demo-district"
SAMPLE_TERM_MONDAY = date(2026, 11, 30)  # the Monday of the week the sample term starts
VAR = Path("var")


def shift_weeks(today: date) -> int:
    """Whole weeks that make the sample term's first Monday the most recent Monday (today
    if Monday): the term is under way on launch day (shared/data/README.md, "Dates")."""
    last_monday = today - timedelta(days=today.weekday())
    return (last_monday - SAMPLE_TERM_MONDAY).days // 7


def demo_settings(host: str, port: int) -> Settings:
    env = dict(os.environ)
    # always the demo's own file: never import the sample into (or open the act-as-anyone
    # simulator on) a real district's database that happens to be configured here
    env["DATABASE_URL"] = f"sqlite:///{VAR / 'demo.sqlite3'}"
    env.setdefault("SECRET_KEY", demo_secret(VAR))
    env.setdefault("PUBLIC_BASE_URL", f"http://{host}:{port}")
    env["WBL_SIMULATOR"] = "1"
    return Settings.from_env(env)


def load_sample(runtime: Runtime) -> str:
    """Import the sample district (idempotent); returns a one-line summary."""
    from bot.importers.partners import import_partners
    from bot.importers.roster import import_roster

    now = runtime.clock.now()
    days = 7 * shift_weeks(now.astimezone(runtime.settings.tz).date())
    roster = import_roster(runtime.database, SAMPLE, now=now, shift_days=days)
    partners = import_partners(
        runtime.database, SAMPLE, now=now, tz=runtime.settings.tz, shift_days=days
    )
    counts = {**roster.summary(), **partners.summary()}
    sizes = ", ".join(
        f"{sum(counts[k].get(o, 0) for o in ('created', 'updated', 'unchanged'))} {k}"
        for k in ("students", "guardians", "staff", "employers", "opportunities")
        if k in counts
    )
    return f"Sample district loaded ({sizes}); dates moved by {days} days."


def coordinator_login(runtime: Runtime) -> tuple[str, str]:
    """Give the first roster coordinator a demo account (coordinator and admin) with a
    fresh password; returns (email, password)."""
    from sqlalchemy import select

    from bot.dashboard import accounts
    from db.models import Person, Staff

    password = secrets.token_urlsafe(12)
    with runtime.database.transaction() as s:
        email = s.scalar(
            select(Person.email)
            .join(Staff, Staff.person_id == Person.id)
            .where(Person.active.is_(True), Person.email.is_not(None))
            .order_by(Person.id)
            .limit(1)
        )
        if email is None:
            raise LookupError("the sample district has no staff member with an email")
        roles = {"coordinator", "admin"}
        accounts.add(s, runtime.clock.now(), email, roles, password=password, actor="demo")
    return accounts.normal_email(email), password


def reset() -> None:
    """`wbl demo --reset`: start again from the sample (the demo's own database only)."""
    for suffix in ("", "-wal", "-shm"):
        (VAR / f"demo.sqlite3{suffix}").unlink(missing_ok=True)


def run_demo(host: str = "127.0.0.1", port: int = 5000, fresh: bool = False) -> int:
    from bot.demo_story import tell
    from bot.serve import ServeOptions, serve
    from db.migrate import upgrade

    if fresh:
        reset()
    settings = demo_settings(host, port)
    logging.getLogger("bot.importers").setLevel(logging.WARNING)
    upgrade(settings.database_url)
    runtime = Runtime.build(settings, SystemClock())
    print(load_sample(runtime))
    print(tell(runtime))
    email, password = coordinator_login(runtime)
    runtime.database.dispose()  # the worker process opens its own connections
    base = settings.public_base_url
    print(
        f"\nWBL Bot demo is running.\n"
        f"  Chat as a student, parent or supervisor: {base}/sim\n"
        f"  Coordinator dashboard: {base}/dashboard  (login {email} / {password})\n"
        f"  Stop with Ctrl-C.\n",
        flush=True,
    )
    return serve(lambda: app_with_worker(settings), ServeOptions(host=host, port=port))


def app_with_worker(settings: Settings) -> Flask:
    """The web app, with the scheduler and dispatcher started in a thread beside it.

    Runs in the one gunicorn worker process, so there is exactly one scheduler.
    """
    from bot.scheduler import run_worker
    from webhooks import create_app

    runtime = Runtime.build(settings, SystemClock())
    worker = threading.Thread(target=run_worker, args=(runtime,), daemon=True, name="worker")
    worker.start()
    return create_app(runtime=runtime)
