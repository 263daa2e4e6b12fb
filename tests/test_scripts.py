"""Every conversation script under tests/scripts/, run against the real engine.

A script module lists `SCRIPTS`; each becomes one test (`<lang>-<name>`). The format is
described in tests/support/scripts.py and in the README ("Conversation scripts").
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest

from tests import scripts as package
from tests.support.scripts import Script, World, run_script


def _all() -> list[Script]:
    found: list[Script] = []
    for module in pkgutil.iter_modules(package.__path__):
        if not module.name.startswith("_"):
            found += importlib.import_module(f"{package.__name__}.{module.name}").SCRIPTS
    return found


def _param(script: Script) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=script.xfail)] if script.xfail else []
    return pytest.param(script, id=script.id, marks=marks)


SCRIPTS = _all()


@pytest.mark.parametrize("script", [_param(s) for s in SCRIPTS])
def test_script(script: Script, database, settings, clock, engine, make) -> None:
    run_script(script, World(database, settings, clock, engine, make, script.lang))


def test_every_journey_has_a_script_in_english_and_in_spanish() -> None:
    journeys: dict[str, set[str]] = {}
    for module in pkgutil.iter_modules(package.__path__):
        if not module.name.startswith("_"):
            loaded = importlib.import_module(f"{package.__name__}.{module.name}")
            journeys[module.name] = {s.lang for s in loaded.SCRIPTS if not s.xfail}
    missing = {name: {"en", "es"} - langs for name, langs in journeys.items()}
    assert not {k: v for k, v in missing.items() if v}, missing
    ids = [s.id for s in SCRIPTS]

    assert len(ids) == len(set(ids)), "two scripts share a name and language"
