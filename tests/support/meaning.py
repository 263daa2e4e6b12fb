"""Whether a reply means something, robust to wording: folded text, and its language.

`language_of` counts common function words, so a Spanish reply quoting an English title
("Photograph the new holiday menu") is still Spanish.
"""

from __future__ import annotations

import re
import unicodedata


def fold(value: str) -> str:
    """Lower case, no accents, single spaces: what a reader would call the same text."""
    plain = unicodedata.normalize("NFKD", value)
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return " ".join(plain.lower().split())


_ES = frozenset(  # common Spanish function words, folded
    """de la el los las del al en un una para que por con tu tus su sus te se le lo es esta
    este ya y pero cada hay aqui puede responda responde hola gracias usted favor necesito
    tiene tienes ahora nada mensaje""".split()  # noqa: SIM905
)
_EN = frozenset(  # common English function words
    """the you your to for and of is are reply with this was now has have at in on i we it
    that be not but please thanks thank what which here will got need one""".split()  # noqa: SIM905
)


def language_of(value: str) -> str | None:
    """'es' or 'en' by counting common function words; None when there are none."""
    words = re.findall(r"[a-zñ]+", fold(value))
    es = sum(w in _ES for w in words) + 3 * any(c in value for c in "¿¡ñ")
    en = sum(w in _EN for w in words)
    if es == en == 0:
        return None
    return "es" if es > en else "en"
