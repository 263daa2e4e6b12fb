"""Is a message about harm or feeling unsafe? The one rule, in English and Spanish.

The word lists live in the catalog (msgid `SAFETY_WORDS`, its Spanish translation in
`bot/locale/es/LC_MESSAGES/console_ops.po`), so a district can add a phrase in either
language without touching code. Phrases are separated by `|`; a trailing `*` matches any
ending (`harass*`: harassed, harassing). Matching is on whole words, folded (case and
accents ignored), so "safety goggles" and "is it safe to park there?" are not matches
and "I feel unsafe" is. Both languages are checked whatever the person's language.
"""

from __future__ import annotations

import re
from functools import cache

from bot.i18n import LANGUAGES, N_, translate
from bot.keywords import fold

SAFETY_WORDS = N_(
    "unsafe | not safe | dont feel safe | do not feel safe | scared | frightened | "
    "threaten* | harass* | abuse* | abusing | assault* | touched me | touches me | "
    "touching me | grabbed me | groped | hit me | hits me | hurt me | hurts me | "
    "hurting me | got hurt | im hurt | i am hurt | hurt myself | injured | bleeding | "
    "kill myself | suicid* | self harm | bully* | bullied | creepy | inappropriate* | "
    "stalk* | rape* | molest* | makes me uncomfortable | make me uncomfortable | "
    "feel uncomfortable | yelled at me | yells at me | emergency"
)

_WORD = re.compile(r"[A-Z0-9]+")


@cache
def _patterns() -> tuple[re.Pattern[str], ...]:
    """One regular expression per phrase of every language's list."""
    phrases = {
        phrase.strip()
        for lang in LANGUAGES
        for phrase in fold(translate(lang, SAFETY_WORDS)).split("|")
        if phrase.strip()
    }
    return tuple(re.compile(_pattern(p)) for p in sorted(phrases))


def _pattern(phrase: str) -> str:
    words = _WORD.findall(phrase)
    body = r"\s".join(re.escape(w) for w in words)
    tail = r"[A-Z0-9]*" if phrase.endswith("*") else ""
    return rf"(?<![A-Z0-9]){body}{tail}(?![A-Z0-9])"


def words_of(text: str) -> str:
    """The message as folded words joined by single spaces (apostrophes dropped: dont)."""
    return " ".join(_WORD.findall(fold(text.replace("'", "").replace("\u2019", ""))))


def is_safety(text: str | None) -> bool:
    """True when the message speaks of harm or feeling unsafe."""
    if not text or not text.strip():
        return False
    words = words_of(text)
    return any(p.search(words) for p in _patterns())
