"""The registry of audit actions and object types, and `record` holding the code to it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from flask_babel import force_locale

import app.models  # noqa: F401  (every model, so the mappers are all known)
from app.core import audit
from app.core.audit import ACTIONS, OBJECT_TYPES, UnknownAuditName
from app.extensions import db

APP = Path(__file__).resolve().parents[2] / "app"
#: Functions that pass their first argument to `audit.record` as the action.
RECORDING_CALLS = {"record", "_finish"}


def recorded_actions() -> dict[str, list[str]]:
    """Return every action string the code records, with where each is recorded."""
    found: dict[str, list[str]] = {}
    for path in sorted(APP.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else ""
            name = name or (node.func.id if isinstance(node.func, ast.Name) else "")
            if name not in RECORDING_CALLS:
                continue
            first = node.args[0]
            choices = [first.body, first.orelse] if isinstance(first, ast.IfExp) else [first]
            for choice in choices:
                if isinstance(choice, ast.Constant) and isinstance(choice.value, str):
                    where = f"{path.relative_to(APP.parent)}:{node.lineno}"
                    found.setdefault(choice.value, []).append(where)
    return found


def test_every_recorded_action_is_registered_and_every_registered_one_recorded():
    """The code records only registered actions, and the registry lists no dead one."""
    recorded = recorded_actions()
    assert len(recorded) > 50  # the walk does find the call sites
    assert {a: w for a, w in recorded.items() if a not in ACTIONS} == {}
    assert set(ACTIONS) - set(recorded) == set()


def test_every_name_is_domain_dot_past_tense():
    """One style, domain.past_tense, in lower case; object types in snake case."""
    for action in ACTIONS:
        assert re.fullmatch(r"[a-z_]+\.[a-z_]+", action), action
    for object_type in OBJECT_TYPES:
        assert re.fullmatch(r"[a-z_]+", object_type), object_type


def test_every_object_type_a_target_gives_is_registered():
    """A record about any model of the portal names a registered kind of object."""
    types = {mapper.class_.__tablename__.removesuffix("s") for mapper in db.Model.registry.mappers}
    recorded_kinds = {
        "user", "invitation", "organisation", "working_group", "membership", "document",
        "folder", "meeting", "agenda_item", "minutes_comment", "decision", "action_item",
        "deliverable", "milestone",
    }  # fmt: skip
    assert recorded_kinds <= types
    assert recorded_kinds | {"minutes"} == set(OBJECT_TYPES)


def test_record_refuses_an_action_not_in_the_registry(app):
    """A misspelt or new, unregistered action fails loudly instead of writing an unreadable row."""
    with pytest.raises(UnknownAuditName, match=r"document\.uplodaed"):
        audit.record("document.uplodaed")
    with pytest.raises(UnknownAuditName, match="spaceship"):
        audit.record("document.uploaded", object_type="spaceship", object_id=1)
    assert not db.session.new


def test_record_adds_a_registered_action(app):
    event = audit.record("folder.created", object_type="folder", object_id=7, name="Plans")
    assert (event.action, event.object_type, event.object_id) == ("folder.created", "folder", "7")
    assert event.details == {"name": "Plans"}


def test_labels_in_both_languages(app):
    """Every action and object type has a label, translated into Chinese."""
    with app.test_request_context():
        for code, label in [*ACTIONS.items(), *OBJECT_TYPES.items()]:
            with force_locale("en"):
                english = str(label)
            with force_locale("zh"):
                chinese = str(label)
            assert english and chinese != english, code
        with force_locale("zh"):
            assert audit.action_label("minutes.approved") == "会议纪要已批准"
            assert audit.object_type_label("document") == "文档"


def test_unknown_codes_are_shown_in_words(app):
    """An action or kind no longer registered (an old row) reads as words, not as a code."""
    with app.test_request_context():
        assert audit.action_label("legacy.thing_done") == "Legacy thing done"
        assert audit.object_type_label("space_ship") == "Space ship"
        assert audit.object_type_label(None) == ""
    assert audit.humanise("due_on") == "Due on"
