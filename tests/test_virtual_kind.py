"""The virtual kind is declared wholly by reference on the registry's seams: every
handler it names resolves, its button actions are its own (a clash is refused), and the
rules of what mentors type hold on their own."""

from __future__ import annotations

import pytest

from bot import kinds
from bot.kinds import Kind, KindError, resolve
from bot.kinds.virtual import KIND, rules


def test_every_reference_resolves_to_a_callable() -> None:
    for table in (
        KIND.commands,
        KIND.supervisor_commands,
        KIND.triggers,
        KIND.actions,
        KIND.importers,
    ):
        for name, ref in table.items():
            assert callable(resolve(ref)), name
    assert KIND.problems() == []


def test_a_second_kind_cannot_take_its_button_actions() -> None:
    thief = Kind(code="thief", label="t", words=frozenset({"THIEF"}), actions={"vt": "a.b:c"})
    with pytest.raises(KindError, match="button action 'vt' already belongs"):
        kinds.register(thief)
    assert "thief" not in kinds.codes()


@pytest.mark.parametrize(
    ("raw", "count", "expected"),
    [("1 3", 3, [1, 3]), ("ALL", 2, [1, 2]), ("3 1 1", 3, [1, 3]), ("4", 3, None), ("", 3, None)],
)
def test_attendance_numbers(raw: str, count: int, expected: list[int] | None) -> None:
    assert rules.parse_marks(tuple(raw.split()), count, frozenset({"ALL"})) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("5 Great questions", (5, "Great questions")), ("4", (4, "")), ("4/5 ok", (4, "ok")),
     ("6 wow", None), ("great", None), ("45", None)],
)  # fmt: skip
def test_ratings(raw: str, expected: tuple[int, str] | None) -> None:
    assert rules.parse_rating(raw) == expected


def test_feed_tokens_are_per_person_and_secret() -> None:
    token = rules.feed_token("s3cret", 42)
    assert rules.feed_person("s3cret", token) == 42
    assert rules.feed_person("other", token) is None
    assert rules.feed_person("s3cret", token.replace("42-", "43-")) is None
    assert rules.room_url("https://meet.jit.si/") != rules.room_url("https://meet.jit.si/")
