"""Every user-facing string goes through the catalog: English msgids, Spanish in .po files.

Catalogs are gettext `.po` files under `bot/locale/<lang>/LC_MESSAGES/<domain>.po`, one
domain per area (core, student, consent, supervisor…), read with Babel and merged per
language. Mark strings with `_("…{name}…")`; placeholders are `str.format` fields.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("en", "es")


def normalize_language(code: str | None) -> str:
    code = (code or "en").strip().lower()[:2]
    return code if code in LANGUAGES else "en"


@lru_cache(maxsize=8)
def catalog(lang: str) -> dict[str, str]:
    """msgid -> translation for `lang`, merged from every domain file."""
    merged: dict[str, str] = {}
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    for po in sorted(folder.glob("*.po")):
        with po.open("rb") as fh:
            for message in read_po(fh, locale=lang):
                if message.id and message.string and not message.fuzzy:
                    merged[str(message.id)] = str(message.string)
    return merged


def translate(lang: str, msgid: str, **params: Any) -> str:
    text = msgid if lang == "en" else catalog(lang).get(msgid, msgid)
    return text.format(**params) if params else text


def translator(lang: str) -> Callable[..., str]:
    """A `_` bound to one language: `_ = translator("es"); _("Hello {name}", name=n)`."""
    lang = normalize_language(lang)

    def _(msgid: str, **params: Any) -> str:
        return translate(lang, msgid, **params)

    return _


@lru_cache(maxsize=8)
def plural_catalog(lang: str) -> dict[str, tuple[str, ...]]:
    """singular msgid -> the translated forms, for `lang`'s plural messages (msgid_plural)."""
    merged: dict[str, tuple[str, ...]] = {}
    for po in sorted((LOCALE_DIR / lang / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as fh:
            for message in read_po(fh, locale=lang):
                forms = message.string
                if not isinstance(message.id, tuple) or not isinstance(forms, tuple):
                    continue
                if all(forms) and not message.fuzzy:
                    merged[str(message.id[0])] = tuple(str(s) for s in forms)
    return merged


def ngettext(lang: str, singular: str, plural: str, n: int, **params: Any) -> str:
    """The form for `n` ("1 item", "3 items"); `{n}` is filled in with the count."""
    from babel import Locale

    lang = normalize_language(lang)
    index = 0 if Locale.parse(lang).plural_form(n) == "one" else 1
    forms = (singular, plural) if lang == "en" else plural_catalog(lang).get(singular)
    text = (forms or (singular, plural))[min(index, len(forms or (1, 2)) - 1)]
    return text.format(n=n, **params)


def NP_(singular: str, plural: str) -> tuple[str, str]:  # noqa: N802 (gettext convention)
    """Mark a plural message (`ngettext(lang, *NP_(...), n)`) for the catalog."""
    return singular, plural


def N_(msgid: str) -> str:  # noqa: N802 (gettext convention)
    """Mark a string for the catalog without translating it yet."""
    return msgid
