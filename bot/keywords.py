"""What people type: case-, accent- and punctuation-tolerant keywords in English and Spanish.

`parse(text)` returns a Command (a canonical keyword and the rest of the message), so the
flows compare against canonical names only.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

OPT_OUT = {
    "STOP",
    "STOPALL",
    "UNSUBSCRIBE",
    "CANCEL",
    "END",
    "QUIT",
    "REVOKE",
    "OPTOUT",
    "PARAR",
    "ALTO",
}
SYNONYMS: dict[str, str] = {
    # everyone
    "HELP": "HELP",
    "INFO": "HELP",
    "AYUDA": "HELP",
    "MENU": "MENU",
    "INICIO": "MENU",
    "START": "START",
    "UNSTOP": "START",
    "COMENZAR": "START",
    "ESPANOL": "ESPANOL",
    "SPANISH": "ESPANOL",
    "ENGLISH": "ENGLISH",
    "INGLES": "ENGLISH",
    # student
    "FIND": "FIND",
    "BUSCAR": "FIND",
    "SEARCH": "FIND",
    "MORE": "MORE",
    "MAS": "MORE",
    "NEXT": "MORE",
    "APPLY": "APPLY",
    "APLICAR": "APPLY",
    "SOLICITAR": "APPLY",
    "AGREE": "AGREE",
    "ACEPTO": "AGREE",
    "ACEPTAR": "AGREE",
    "IN": "IN",
    "ENTRADA": "IN",
    "ENTRAR": "IN",
    "CLOCKIN": "IN",
    "OUT": "OUT",
    "SALIDA": "OUT",
    "SALIR": "OUT",
    "CLOCKOUT": "OUT",
    "LOG": "LOG",
    "HORAS": "LOG",
    "SUBMIT": "SUBMIT",
    "ENTREGAR": "SUBMIT",
    "STATUS": "STATUS",
    "ESTADO": "STATUS",
    "BACK": "MENU",
    "VOLVER": "MENU",
    # guardian
    "YES": "YES",
    "SI": "YES",
    "Y": "YES",
    "NO": "NO",
    "N": "NO",
    "REVOKE": "REVOKE",
    "REVOCAR": "REVOKE",
    # supervisor (SMS): A 3 / R 3 reason
    "A": "A",
    "APPROVE": "A",
    "APROBAR": "A",
    "R": "R",
    "REJECT": "R",
    "RECHAZAR": "R",
    "ALL": "ALL",
    "TODO": "ALL",
    "TODOS": "ALL",
    # everyone: ask for a person
    "HUMAN": "HUMAN",
    "PERSONA": "HUMAN",
    "HUMANO": "HUMAN",
}
for _word in OPT_OUT:
    SYNONYMS.setdefault(_word, "STOP")


def fold(text: str) -> str:
    """Upper-case, strip accents and surrounding punctuation: 'Sí!' -> 'SI'."""
    decomposed = unicodedata.normalize("NFKD", text)
    no_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return no_marks.upper().strip()


_WORD = re.compile(r"[A-Z0-9]+")


@dataclass(frozen=True)
class Command:
    """keyword: canonical name ('' when the first word is not a keyword); args: the rest."""

    keyword: str
    args: str
    raw: str
    words: tuple[str, ...]

    @property
    def number(self) -> int | None:
        """The first argument word as an integer, if it is one."""
        first = self.args.split()[0] if self.args.split() else ""
        first = first.strip(".,;:!?#")
        return int(first) if first.isdigit() and len(first) < 9 else None

    @property
    def alone(self) -> bool:
        """True when the message is the keyword and nothing else."""
        return len(self.words) == 1


def parse(text: str) -> Command:
    raw = (text or "").strip()
    folded = fold(raw)
    words = tuple(_WORD.findall(folded))
    if not words:
        return Command("", "", raw, words)
    first = words[0]
    keyword = SYNONYMS.get(first, "")
    if keyword == "STOP" and first == "REVOKE":
        keyword = "REVOKE"
    # the args keep the person's own spelling: drop the first word from the raw text
    match = re.match(r"\s*[^\s]+\s*(.*)", raw, re.S)
    args = match.group(1).strip() if match and keyword else raw
    return Command(keyword, args, raw, words)


def is_opt_out(cmd: Command) -> bool:
    """STOP and its synonyms alone in a message opt out; `REVOKE 4821` does not."""
    return cmd.alone and cmd.words[0] in OPT_OUT


def is_opt_in(cmd: Command) -> bool:
    return cmd.alone and cmd.keyword == "START"
