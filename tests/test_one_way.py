"""Each shared thing is done once, in its place: a copy elsewhere fails here.

The portal once had five page parsers, five `MAX_ID`s, four group loaders and eight
service-error classes; the copies drifted and answered 500. Each pattern below is what a copy
looks like, and where the one original lives.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[1] / "app"

pytestmark = pytest.mark.once

#: (what a copy looks like, the only module allowed to have it, what to use instead)
ONE_PLACE = [
    (r"2\s*\*\*\s*31", "core/routing.py", "app.core.routing.MAX_ID / parse_id"),
    (r"\bdb\.paginate\(", "core/paging.py", "app.core.paging.paginate"),
    (r"request\.args\.get\([^)]*page", "core/paging.py", "app.core.paging.page_arg"),
    (r"type=int", "", "app.core.routing.parse_id or app.core.paging.page_arg"),
    (r"def (load|get)_group\(", "groups/loaders.py", "app.groups.loaders.load_group"),
    (r"version_id_col", "core/database.py", "app.core.database.Versioned"),
    (r"sa\.Enum\(", "core/database.py", "app.core.database.enum_column"),
    (r"def safe_next\(", "core/urls.py", "app.core.urls.safe_next"),
    (r"def show_on_form\(|\.errors\.append\(exc", "core/errors.py", "app.core.errors.show_on_form"),
    (r"def _?strip\(", "core/forms.py", "app.core.forms.strip"),
]

#: An exception class that carries a translated `message` of its own is a service-error copy.
ERROR_COPY = re.compile(r"class \w+\(Exception\):\n(?:    .*\n|\n)*?        self\.message = ")


def python_files() -> list[Path]:
    return sorted(APP.rglob("*.py"))


@pytest.mark.parametrize(("pattern", "home", "instead"), ONE_PLACE)
def test_each_shared_helper_lives_in_one_place(pattern, home, instead):
    found = [
        f"{path.relative_to(APP)}:{text[: match.start()].count(chr(10)) + 1}"
        for path in python_files()
        if str(path.relative_to(APP)) != home
        for text in [path.read_text(encoding="utf-8")]
        for match in re.finditer(pattern, text)
    ]
    assert not found, f"use {instead}, not a copy: {found}"


def test_one_service_error_type():
    copies = [
        str(path.relative_to(APP))
        for path in python_files()
        if path.name != "errors.py" and ERROR_COPY.search(path.read_text(encoding="utf-8"))
    ]
    assert not copies, f"raise app.core.errors.ServiceError instead: {copies}"


def test_the_checks_find_a_copy(tmp_path):
    """Each pattern matches the kind of copy it is there to catch."""
    samples = {
        r"2\s*\*\*\s*31": "MAX_ID = 2**31 - 1",
        r"\bdb\.paginate\(": "return db.paginate(query, page=page)",
        r"request\.args\.get\([^)]*page": 'page = request.args.get("page", 1, type=int)',
        r"type=int": 'request.args.get("folder", type=int)',
        r"def (load|get)_group\(": "def get_group(slug):",
        r"version_id_col": '__mapper_args__ = {"version_id_col": version}',
        r"sa\.Enum\(": "sa.Enum(Status, native_enum=False)",
        r"def safe_next\(": "def safe_next(target):",
        r"def show_on_form\(|\.errors\.append\(exc": "form.name.errors.append(exc.message)",
        r"def _?strip\(": "def _strip(value):",
    }
    for pattern, _home, _instead in ONE_PLACE:
        assert re.search(pattern, samples[pattern]), pattern
    copy = (
        "class MeetingError(Exception):\n"
        '    """Refused."""\n\n'
        "    def __init__(self, message):\n"
        "        super().__init__(message)\n"
        "        self.message = message\n"
    )
    assert ERROR_COPY.search(copy)
