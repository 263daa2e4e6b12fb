"""Every user-facing string has Spanish, and every SMS template stays short.

(a) Every msgid marked with `_` / `N_` in bot/ has a non-empty Spanish translation in the
merged catalog with the same `{placeholders}` (this fails while an area's .po is missing:
the lead integrates). (b) Every template rendered with realistic data, in English and
Spanish, with its GSM-7/UCS-2 segment count; the table goes to bench/out/segments.txt.
"""

from __future__ import annotations

import string
from functools import cache
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from bot.i18n import catalog
from bot.sms_segments import encoding, segments

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "segments.txt"
NOT_SMS = ("dashboard/", "templates/", "importers/")  # web pages and CSV reports, not texts
CORE_FILES = (
    "engine.py",
    "flows/common.py",
    "flows/link.py",
    "flows/staff.py",
    "flows/student.py",
    "channels/sms_render.py",
    "services/alerts.py",
)

# Realistic values per placeholder name; anything else gets a 12-character stand-in.
VALUES = {
    "name": "Guadalupe",
    "first_name": "Guadalupe",
    "student": "Guadalupe",
    "student_name": "Guadalupe",
    "guardian": "Rosa",
    "supervisor": "Gabriel",
    "program": "Cedar Valley WBL",
    "coordinator": "Ms. Patel at (209) 555-0115",
    "title": "Translate the patient intake flyer into Spanish",
    "employer": "Valley Growers Co-op",
    "site": "Sunrise Bakery",
    "code": "4821",
    "url": "https://wbl.cvusd.example.org",
    "link": "https://wbl.cvusd.example.org/c/Xk3P9q",
    "hours": "12.5",
    "total": "12.5",
    "est_hours": "6",
    "n": "3",
    "count": "3",
    "number": "3",
    "date": "Dec 14",
    "due": "Dec 14",
    "when": "Tue 9:00",
    "time": "9:00",
    "options": "FIND, STATUS, IN, OUT",
    "what": "number",
    "kind": "micro-internship",
    "reason": "missed the shift",
    "skill": "communication",
    "distance": "1.2 km",
    "km": "1.2",
    "minutes": "15",
}
DEFAULT = "x" * 12
# Long by nature, each with its own ceiling (English segments). Keyed by msgid prefix.
LONG_OK = {
    "Hi! This is {program}, the work-based learning line": 2,
    # the consent request: who, what, where, when, hours, transport and how to answer
    "{program}: you are approved for": 3,
    "{program}: {student} is approved for": 3,
    "unsafe | not safe": 99,  # rules/safety.py: the safety word list, matched, never sent
}
ROUTINE_MAX = 2


@cache
def messages() -> dict[str, str]:
    """msgid -> the file (relative to bot/) it was found in, for every marked string."""
    found: dict[str, str] = {}
    for filename, _lineno, msgid, _comments, _ctx in extract_from_dir(
        str(ROOT / "bot"), keywords={"_": None, "N_": None}
    ):
        if isinstance(msgid, str) and msgid and not filename.startswith(NOT_SMS):
            found.setdefault(msgid, filename)
    return found


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def render(template: str) -> str:
    return template.format(**{f: VALUES.get(f, DEFAULT) for f in fields(template)})


def test_the_catalog_extractor_finds_the_core_messages():
    found = messages()
    assert any(f == "flows/common.py" for f in found.values())
    assert "Reply {options}" in found


def check_translations(msgids: list[str]) -> list[str]:
    es = catalog("es")
    problems = []
    for msgid in msgids:
        where = messages()[msgid]
        text = es.get(msgid, "")
        if not text.strip():
            problems.append(f"{where}: no Spanish for {msgid!r}")
        elif fields(text) != fields(msgid):
            problems.append(f"{where}: placeholders differ in Spanish for {msgid!r}")
    return problems


def test_core_messages_have_spanish_with_the_same_placeholders():
    core = [m for m, f in messages().items() if f in CORE_FILES]
    assert len(core) >= 20
    assert check_translations(core) == []


def test_every_message_in_bot_has_spanish_with_the_same_placeholders():
    problems = check_translations(sorted(messages()))
    assert problems == [], f"{len(problems)} untranslated:\n" + "\n".join(problems)


def segment_table() -> list[tuple[str, str, int, str, int, str]]:
    """(file, EN encoding, EN segments, ES encoding, ES segments, msgid) per template."""
    es = catalog("es")
    rows = []
    for msgid, where in sorted(messages().items(), key=lambda kv: (kv[1], kv[0])):
        en = render(msgid)
        es_text = render(es[msgid]) if msgid in es else ""
        rows.append(
            (
                where,
                encoding(en),
                segments(en),
                encoding(es_text) if es_text else "-",
                segments(es_text) if es_text else 0,
                msgid,
            )
        )
    return rows


def test_sms_templates_are_short_and_the_table_is_written():
    rows = segment_table()
    lines = [f"{'file':28} {'EN':>9} {'ES':>9}  message"]
    for where, en_enc, en_n, es_enc, es_n, msgid in rows:
        short = msgid.replace("\n", "\\n")[:70]
        es_cell = f"{es_n} {es_enc}" if es_n else "missing"
        lines.append(f"{where:28} {f'{en_n} {en_enc}':>9} {es_cell:>9}  {short}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    too_long = []
    for where, en_enc, en_n, _es_enc, _es_n, msgid in rows:
        ceiling = next((c for p, c in LONG_OK.items() if msgid.startswith(p)), ROUTINE_MAX)
        if en_n > ceiling:
            too_long.append(f"{where}: {en_n} segments (max {ceiling}): {msgid[:60]!r}")
        if en_enc != "GSM-7":
            too_long.append(f"{where}: English text is not GSM-7 (UCS-2 costs 2x): {msgid[:60]!r}")
    assert too_long == [], "\n".join(too_long)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a" * 160, (1, "GSM-7")),
        ("a" * 161, (2, "GSM-7")),
        ("á" * 70, (1, "UCS-2")),
        ("á" * 71, (2, "UCS-2")),
        ("é" * 160, (1, "GSM-7")),
    ],
)
def test_segment_counting_matches_the_carriers(text, expected):
    assert (segments(text), encoding(text)) == expected
