"""`wbl`: the command line of the product (contract in DESIGN.md)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bot import cli_reports
from bot.clock import SystemClock, parse_instant
from bot.errors import ConfigError
from bot.logs import quiet_noisy_loggers
from bot.runtime import Runtime
from bot.settings import Settings
from bot.statuses import ApplicationStatus

Command = Callable[[argparse.Namespace], int]
COMMANDS: dict[str, tuple[str, Command, Callable[[argparse.ArgumentParser], None]]] = {}


def command(
    name: str, help_text: str, args: Callable[[argparse.ArgumentParser], None] = lambda p: None
):
    def register(fn: Command) -> Command:
        COMMANDS[name] = (help_text, fn, args)
        return fn

    return register


def runtime(ns: argparse.Namespace) -> Runtime:
    return Runtime.build(Settings.from_env())


@command("init", "create or migrate the database at DATABASE_URL")
def cmd_init(ns: argparse.Namespace) -> int:
    from db.migrate import upgrade

    settings = Settings.from_env()
    upgrade(settings.database_url)
    print("database is at the newest schema")
    return 0


def _dir_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("directory", type=Path)


def _roster_args(p: argparse.ArgumentParser) -> None:
    _dir_arg(p)
    p.add_argument(
        "--full",
        action="store_true",
        help="re-read every row, even unchanged ones (puts roster values back)",
    )


@command("import-roster", "import a OneRoster 1.1 CSV bundle", _roster_args)
def cmd_import_roster(ns: argparse.Namespace) -> int:
    from bot.importers.roster import import_roster

    rt = runtime(ns)
    report = import_roster(rt.database, ns.directory, now=rt.clock.now(), full=ns.full)
    print(report.render())
    return 0 if report.clean else 1


@command("import-partners", "import employers, sites, supervisors, opportunities", _dir_arg)
def cmd_import_partners(ns: argparse.Namespace) -> int:
    from bot.importers.partners import import_partners

    rt = runtime(ns)
    report = import_partners(rt.database, ns.directory, now=rt.clock.now(), tz=rt.settings.tz)
    print(report.render())
    return 0 if report.clean else 1


def _bind_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5000)


def _serve_args(p: argparse.ArgumentParser) -> None:
    _bind_args(p)
    p.add_argument("--workers", type=int, help="processes (env WBL_WORKERS)")
    p.add_argument("--threads", type=int, help="threads per process (env WBL_THREADS)")
    p.add_argument("--worker-class", help="gunicorn worker class (env WBL_WORKER_CLASS)")


@command(
    "serve", "run the web app under gunicorn (webhooks, check-in pages, dashboard)", _serve_args
)
def cmd_serve(ns: argparse.Namespace) -> int:
    from bot.serve import default_options, serve
    from webhooks import create_app

    settings = Settings.from_env()  # fail fast, before any worker starts
    options = default_options(
        settings.database_url,
        host=ns.host,
        port=ns.port,
        workers=ns.workers,
        threads=ns.threads,
        worker_class=ns.worker_class,
    )
    return serve(lambda: create_app(settings), options)


@command("worker", "run the scheduler and the outbox dispatcher until stopped")
def cmd_worker(ns: argparse.Namespace) -> int:
    from bot.scheduler import run_worker

    run_worker(runtime(ns))
    return 0


def _now_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--now", help="ISO-8601 instant, e.g. 2026-12-03T17:00:00Z")


@command("run-due", "one pass of every job due at that instant and of the outbox", _now_arg)
def cmd_run_due(ns: argparse.Namespace) -> int:
    from bot.scheduler import run_due

    now = parse_instant(ns.now) if ns.now else SystemClock().now()
    summary = run_due(runtime(ns), now)
    print(summary)
    return 0


def _invite_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("sourced_id", help="a roster sourcedId or a partner supervisor_id")


@command("invite", "print a one-time Telegram link code for a person", _invite_args)
def cmd_invite(ns: argparse.Namespace) -> int:
    from sqlalchemy import select

    from bot.context import Context
    from bot.services.linking import create_invite
    from db.models import Person

    rt = runtime(ns)
    with rt.database.transaction() as session:
        person = session.scalar(select(Person).where(Person.sourced_id == ns.sourced_id))
        if person is None or not person.active:
            print(f"no active person with id {ns.sourced_id!r}", file=sys.stderr)
            return 1
        ctx = Context(session, rt.settings, rt.clock.now(), actor="cli")
        code = create_invite(ctx, person.id)
    print(f"code: {code}")
    print(f"https://t.me/{rt.settings.telegram_bot_username}?start={code}")
    return 0


def _approve_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("student_sourced_id")
    p.add_argument("opportunity_id")


@command("approve", "approve a student's application (as a coordinator)", _approve_args)
def cmd_approve(ns: argparse.Namespace) -> int:
    message = approve_by_ids(runtime(ns), ns.student_sourced_id, ns.opportunity_id, actor="cli")
    print(message)
    return 0 if message.startswith("approved") else 1


NO_APPLICATION = {
    "no_student": "no active student with id {sid!r}",
    "no_opportunity": "no opportunity with id {ext!r}",
    "no_application": "no application from {sid} for {ext} "
    "(the student applies first: FIND, then APPLY)",
}


def approve_by_ids(rt: Runtime, sid: str, ext: str, actor: str = "cli") -> str:
    """`wbl approve` in its own transaction: a line starting "approved" on success."""
    from bot.context import Context
    from bot.errors import WBLError
    from bot.i18n import ngettext, translate
    from bot.outbox import enqueue
    from bot.services import placements

    with rt.database.transaction() as session:
        ctx = Context(session, rt.settings, rt.clock.now(), actor=actor)
        found = placements.application_by_ids(session, sid, ext)
        if isinstance(found, str):
            return NO_APPLICATION[found].format(sid=sid, ext=ext)
        if found.status != ApplicationStatus.PENDING:
            return f"not approved: the application is already {found.status}"
        try:
            done = placements.approve_application(ctx, found)
        except WBLError as err:
            return "not approved: " + translate("en", err.msgid, **err.params)
        for message in done.messages:
            enqueue(ctx, message)
    return (
        f"approved: {sid} for {ext} (placement {done.placement_id}); "
        f"still missing: {', '.join(done.missing) or 'nothing'}; "
        + ngettext(
            "en",
            "{n} other application pending for it",
            "{n} other applications pending for it",
            done.waiting,
        )
    )


def _paper_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("placement_id", type=int)
    p.add_argument("--staff", required=True, help="sourcedId of the coordinator recording it")
    p.add_argument("--signer", required=True, help="who signed the paper form")
    p.add_argument("--signed-on", required=True, help="date on the form, YYYY-MM-DD")
    p.add_argument("--method", default="paper form returned to school")
    p.add_argument("--declined", action="store_true", help="the form declines permission")


@command("consent-paper", "record a permission slip collected on paper", _paper_args)
def cmd_consent_paper(ns: argparse.Namespace) -> int:
    from datetime import date

    from sqlalchemy import select

    from bot.context import Context
    from bot.errors import WBLError
    from bot.i18n import translate
    from bot.outbox import enqueue
    from bot.services.consent_answers import record_paper_consent
    from db.models import Person

    rt = runtime(ns)
    try:
        signed_on = date.fromisoformat(ns.signed_on)
    except ValueError:
        print(f"--signed-on: not a date: {ns.signed_on!r} (use YYYY-MM-DD)", file=sys.stderr)
        return 2
    with rt.database.transaction() as session:
        staff = session.scalar(
            select(Person).where(Person.sourced_id == ns.staff, Person.kind == "staff")
        )
        if staff is None:
            print(f"no staff member {ns.staff!r}", file=sys.stderr)
            return 1
        ctx = Context(session, rt.settings, rt.clock.now(), actor=f"staff:{staff.id}")
        try:
            messages = record_paper_consent(
                ctx,
                ns.placement_id,
                staff_person_id=staff.id,
                granted=not ns.declined,
                method=ns.method,
                signed_on=signed_on,
                signer_name=ns.signer,
            )
        except WBLError as err:
            print(translate("en", err.msgid, **err.params), file=sys.stderr)
            return 1
        for out in messages:
            enqueue(ctx, out)
    print(
        f"recorded paper {'refusal' if ns.declined else 'permission'} for placement {ns.placement_id}"
    )
    return 0


def _staff_args(p: argparse.ArgumentParser) -> None:
    from db.models.staff import ROLES

    sub = p.add_subparsers(dest="action", required=True)
    add = sub.add_parser("add", help="create or update an account; prints a set-password link")
    add.add_argument("email")
    add.add_argument("--role", action="append", required=True, choices=ROLES)
    add.add_argument("--name")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    for action, help_text in (
        ("disable", "stop sign-in and end every open session at once"),
        ("reset", "print a new set-password link (the account keeps its password until used)"),
    ):
        sub.add_parser(action, help=help_text).add_argument("email")


@command(
    "staff", "dashboard accounts: add EMAIL --role ROLE…, disable EMAIL, reset EMAIL", _staff_args
)
def cmd_staff(ns: argparse.Namespace) -> int:
    from sqlalchemy import select

    from bot.dashboard import accounts
    from db.models import StaffAccount

    rt = runtime(ns)
    now = rt.clock.now()
    token: str | None
    with rt.database.transaction() as session:
        if ns.action == "disable":
            if not accounts.disable(session, now, ns.email):
                print(f"no account {ns.email!r}", file=sys.stderr)
                return 1
            print(f"disabled {accounts.normal_email(ns.email)}; its sessions are ended")
            return 0
        if ns.action == "reset":
            found = session.scalar(
                select(StaffAccount).where(StaffAccount.email == accounts.normal_email(ns.email))
            )
            if found is None or found.disabled:
                print(f"no enabled account {ns.email!r}", file=sys.stderr)
                return 1
            token = accounts.new_link(session, now, found.id)
        else:
            password = sys.stdin.readline().rstrip("\r\n") if ns.password_stdin else None
            try:
                added = accounts.add(
                    session, now, ns.email, set(ns.role), name=ns.name, password=password
                )
            except ValueError as err:
                print(str(err), file=sys.stderr)
                return 2
            print(f"{'created' if added.created else 'updated'} {accounts.normal_email(ns.email)}")
            token = added.link_token
    if token is not None:
        print(f"set-password: {rt.settings.public_base_url}/dashboard/password/{token}")
    return 0


@command("telegram-poll", "development: read Telegram updates by long polling")
def cmd_telegram_poll(ns: argparse.Namespace) -> int:
    from bot.handlers.telegram_poll import run_polling

    run_polling(runtime(ns))
    return 0


def _diagram_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--write", type=Path, help="update the diagrams block of this Markdown file")


@command(
    "diagrams", "print (or --write README.md) the Mermaid diagrams of every flow", _diagram_args
)
def cmd_diagrams(ns: argparse.Namespace) -> int:
    from bot.flows.diagrams import render_markdown, replace_in

    if ns.write:
        ns.write.write_text(replace_in(ns.write.read_text()))
    else:
        print(render_markdown())
    return 0


def _demo_args(p: argparse.ArgumentParser) -> None:
    _bind_args(p)
    p.add_argument("--no-browser", action="store_true")
    p.add_argument("--reset", action="store_true", help="start again from the sample")


@command(
    "demo", "the whole product on SQLite with the sample district and the simulator", _demo_args
)
def cmd_demo(ns: argparse.Namespace) -> int:
    from bot.demo import run_demo

    return run_demo(ns.host, ns.port, fresh=ns.reset)


command("report", "print a report as CSV on stdout", cli_reports.report_args)(
    cli_reports.run_report
)
command(
    "outreach",
    "invite students with no WBL experience yet to reply FIND",
    cli_reports.outreach_args,
)(cli_reports.run_outreach)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="wbl", description="WBL Bot command line")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (help_text, _fn, add_args) in COMMANDS.items():
        add_args(sub.add_parser(name, help=help_text))
    ns = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
    quiet_noisy_loggers()
    try:
        return COMMANDS[ns.command][1](ns)
    except ConfigError as err:
        print(f"configuration error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
