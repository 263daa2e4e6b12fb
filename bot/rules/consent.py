"""Consent rules, pure: how an answer is read, what it does to a request, who must sign.

- `parse_answer(words)`: `YES 4821`, `si 4821!`, `4821 yes`, a bare `NO` → Answer.
- `effect(status, verb)`: what an answer does to a request in a given status.
- `status_after_grant(...)`: one guardian's YES suffices, unless the district requires all.
- `signer_for(birth_date, starts_on)`: a student 18+ on the start date signs for themselves.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date

from bot.rules.placement import is_minor
from bot.statuses import ConsentStatus

VERBS = {"YES": "YES", "SI": "YES", "Y": "YES", "NO": "NO", "N": "NO"}
VERBS |= {"REVOKE": "REVOKE", "REVOCAR": "REVOKE"}
# a request a guardian can still answer YES/NO to (paper_needed: the coordinator was asked
# to collect it on paper, but an SMS answer that arrives first still counts)
ANSWERABLE = (ConsentStatus.OPEN, ConsentStatus.PAPER_NEEDED)
# a request whose code still means something to its family (grant, revoke, re-grant)
LIVE = (*ANSWERABLE, ConsentStatus.GRANTED, ConsentStatus.REVOKED)
CLOSED = (ConsentStatus.DECLINED, ConsentStatus.CANCELLED)


@dataclass(frozen=True)
class Answer:
    """A consent answer: the verb (YES/NO/REVOKE) and the number typed with it, if any."""

    verb: str
    number: int | None = None
    digits: int = 0  # how many digits the number had (4 = a code, fewer = a list position)


def parse_answer(words: Iterable[str]) -> Answer | None:
    """Read folded words (`("SI", "4821")`) as an answer; None when it is not one.

    Accepted: a verb alone, a verb and a number in either order. Anything longer is not a
    signature we can read with confidence, so it is not an answer.
    """
    items = list(words)
    if not items or len(items) > 2:
        return None
    verbs = [VERBS[w] for w in items if w in VERBS]
    numbers = [w for w in items if w.isdigit()]
    if len(verbs) != 1 or len(verbs) + len(numbers) != len(items):
        return None
    if not numbers:
        return Answer(verbs[0])
    digits = numbers[0]
    if len(digits) > 8:
        return None
    return Answer(verbs[0], int(digits), len(digits))


def effect(status: ConsentStatus, verb: str) -> str:
    """What `verb` does to a request in `status`.

    grant | decline | revoke | already_granted | already_withdrawn | not_granted_yet | closed
    """
    if status in ANSWERABLE:
        return {"YES": "grant", "NO": "decline"}.get(verb, "not_granted_yet")
    if status == ConsentStatus.GRANTED:
        return "already_granted" if verb == "YES" else "revoke"
    if status == ConsentStatus.REVOKED:
        return "grant" if verb == "YES" else "already_withdrawn"
    return "closed"


def status_after_grant(
    required: Collection[int], granted: Collection[int], *, all_required: bool
) -> ConsentStatus:
    """`granted` when enough guardians said YES, else `open`."""
    enough = bool(granted) and (not all_required or set(required) <= set(granted))
    return ConsentStatus.GRANTED if enough else ConsentStatus.OPEN


def signer_for(birth_date: date | None, starts_on: date) -> str:
    """`self` for a student 18 or older on the start date, else `guardians`."""
    return "guardians" if is_minor(birth_date, starts_on) else "self"


def new_code(taken: Collection[str], *, attempts: int = 200) -> str:
    """A random 4-digit code not in `taken` (codes the family already used)."""
    for _ in range(attempts):
        code = str(1000 + secrets.randbelow(9000))
        if code not in taken:
            return code
    raise RuntimeError("no free consent code")  # 9000 codes per family


def resolve_choice(number: int, digits: int, codes: list[str]) -> int | None:
    """Index into `codes` chosen by a list position (1..n) or by a code; None if neither."""
    if digits >= 4:
        text = str(number)
        return codes.index(text) if text in codes else None
    if 1 <= number <= len(codes):
        return number - 1
    return None
