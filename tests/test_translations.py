"""The Chinese catalogue is complete for what the code says today."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

#: Run in one pass only: the catalogue is the same whatever the database.
pytestmark = pytest.mark.once

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "translations" / "zh" / "LC_MESSAGES" / "messages.po"

#: Messages whose Chinese is rightly the same as the English: codes and names only.
SAME_IN_BOTH = frozenset({"IC2PerMed", "PDF", "CSV", "XLSX", "ICS", "—"})


def _text(value: object) -> str:
    return value if isinstance(value, str) else value[0]


@pytest.fixture(scope="module")
def fresh_messages(tmp_path_factory: pytest.TempPathFactory):
    """Extract every message afresh from the code and templates."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "--ignore-dirs=.venv .git build instance",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        return [m for m in read_po(handle) if m.id]


@pytest.fixture(scope="module")
def catalogue():
    with PO.open("rb") as handle:
        return read_po(handle)


def test_every_message_is_in_the_chinese_catalogue(fresh_messages, catalogue):
    """No string of the code is missing from translations/zh."""
    missing = [_text(m.id) for m in fresh_messages if m.id not in catalogue]
    assert not missing, f"run `flask translate update` and translate: {missing[:10]}"


def test_every_message_is_translated(fresh_messages, catalogue):
    """No Chinese entry is empty, fuzzy, or the English left as it is."""
    problems = []
    for message in fresh_messages:
        entry = catalogue.get(message.id)
        if entry is None:
            continue
        strings = [entry.string] if isinstance(entry.string, str) else list(entry.string)
        if entry.fuzzy:
            problems.append(("fuzzy", _text(message.id)))
        elif not all(strings):
            problems.append(("empty", _text(message.id)))
        elif strings[0] == _text(message.id) and _text(message.id) not in SAME_IN_BOTH:
            problems.append(("same as English", _text(message.id)))
    assert not problems, problems[:10]


def test_the_header_is_not_fuzzy_and_has_one_plural_form(catalogue):
    """Chinese has one plural form, and the catalogue as a whole is not fuzzy."""
    assert not catalogue.fuzzy
    assert catalogue.num_plurals == 1


def test_placeholders_survive_translation(catalogue):
    """Every %(name)s of the English is in the Chinese, and no other."""
    import re

    pattern = re.compile(r"%\(\w+\)[sd]")
    wrong = []
    for entry in catalogue:
        if not entry.id or not entry.string:
            continue
        english = " ".join(entry.id) if not isinstance(entry.id, str) else entry.id
        chinese = entry.string if isinstance(entry.string, str) else entry.string[0]
        if set(pattern.findall(english)) != set(pattern.findall(chinese)):
            wrong.append(english)
    assert not wrong, wrong
