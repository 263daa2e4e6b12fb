"""Channels are data: no product code outside the channel specs and their adapters spells a
channel's name or URN scheme (a flow asks `spec_for(channel).can_share_location`)."""

from __future__ import annotations

import ast
from pathlib import Path

from bot.channels.specs import SPECS, spec_for, spec_for_urn

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = [*sorted((ROOT / "bot").rglob("*.py")), ROOT / "webhooks.py"]
ADAPTERS = {Path(module) for spec in SPECS for module in spec.adapters}
# The same words meaning something else, each allowed in one file only:
HOMONYMS = {
    ("bot/importers/roster_rows.py", "sms"),  # OneRoster's users.csv column of that name
    ("bot/logs.py", "telegram"),  # the python-telegram-bot library's logger
}
WORDS = {spec.name for spec in SPECS} | {spec.scheme for spec in SPECS}


def _spelled(path: Path) -> list[tuple[int, str]]:
    """(line, literal) of each string constant that is a channel name, a scheme or a URN."""
    tree = ast.parse(path.read_text(), str(path))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or not isinstance(node.value, str):
            continue
        if id(node) in docstrings:
            continue
        value = node.value
        if value in WORDS or any(value.startswith(f"{w}:") for w in WORDS):
            found.append((node.lineno, value))
    return found


def test_no_channel_name_outside_the_specs_and_adapters():
    offenders = []
    for path in PRODUCT:
        rel = path.relative_to(ROOT)
        if rel.parts[:2] == ("bot", "channels") or rel in ADAPTERS:
            continue
        for line, value in _spelled(path):
            if (rel.as_posix(), value) not in HOMONYMS:
                offenders.append(f"{rel}:{line}: {value!r}")
    assert offenders == [], "ask bot.channels.specs instead:\n" + "\n".join(offenders)


def test_the_scan_finds_what_it_forbids(tmp_path):
    sample = tmp_path / "flow.py"
    sample.write_text(
        '"""Docstrings may say sms."""\n'
        'if inbound.channel == "sms":\n'
        '    urn = f"telegram:{chat}"\n'
        'x = "smsc"\n'
    )
    assert _spelled(sample) == [(2, "sms"), (3, "telegram:")]


def test_every_adapter_and_homonym_named_here_exists():
    for path in ADAPTERS | {Path(p) for p, _ in HOMONYMS}:
        assert (ROOT / path).is_file(), path


def test_each_spec_is_found_by_name_and_by_urn():
    for spec in SPECS:
        assert spec_for(spec.name) is spec
        assert spec_for_urn(spec.urn("+15595550148")) is spec
    assert len({s.scheme for s in SPECS}) == len(SPECS) == len({s.name for s in SPECS})
    assert sum(1 for s in SPECS if s.roster_phone) == 1


def test_every_spec_route_is_served(settings, database, clock):
    from bot.runtime import Runtime
    from webhooks import create_app

    app = create_app(runtime=Runtime(settings.with_(simulator=True), database, clock))
    served = {rule.rule for rule in app.url_map.iter_rules()}
    assert {route for spec in SPECS for route in spec.routes} <= served
