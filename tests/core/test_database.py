"""The shared database helpers: labelled enums, enum columns and optimistic locking."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.core.database import (
    LabelledEnum,
    Versioned,
    commit_versioned,
    enum_column,
    expect_version,
)
from app.core.errors import StaleEdit
from app.extensions import db


class Colour(LabelledEnum):
    """A labelled enum as every models module writes one."""

    RED = "red", _l("Draft")
    GREEN = "green", _l("Approved")


def test_a_labelled_member_is_its_stored_value():
    assert str(Colour.RED) == "red" and Colour.RED == "red" and Colour.RED.value == "red"
    assert Colour("green") is Colour.GREEN
    assert f"{Colour.GREEN}" == "green"
    with pytest.raises(ValueError):
        Colour("Draft")


def test_a_label_is_translated_in_the_readers_language(app):
    with app.test_request_context():
        assert Colour.RED.label == "Draft"
        with force_locale("zh"):
            assert Colour.RED.label == "草稿"
            assert [str(label) for label in Colour.labels().values()] == ["草稿", "已批准"]


def test_labels_and_choices_follow_the_order_of_definition(app):
    assert list(Colour.labels()) == [Colour.RED, Colour.GREEN]
    with app.test_request_context():
        assert [(value, str(label)) for value, label in Colour.choices()] == [
            ("red", "Draft"),
            ("green", "Approved"),
        ]


def test_an_enum_column_stores_values_in_a_plain_string():
    column = enum_column(Colour, "colour")
    assert column.native_enum is False and column.validate_strings is True
    assert column.length == 20 and column.name == "colour"
    assert column.enums == ["red", "green"]
    assert enum_column(Colour, "colour", length=32).length == 32


class NoteBase(DeclarativeBase):
    """A metadata of its own: the notes table is not part of the portal's schema."""


class Note(Versioned, NoteBase):
    __tablename__ = "core_test_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(sa.String(50), default="")
    colour: Mapped[Colour] = mapped_column(enum_column(Colour, "colour"), default=Colour.RED)


class CountedNote(Versioned, NoteBase):
    """A note whose version counts its texts only."""

    __tablename__ = "core_test_counted_notes"
    version_rises_on_every_update: ClassVar[bool] = False

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(sa.String(50), default="")
    colour: Mapped[Colour] = mapped_column(enum_column(Colour, "colour"), default=Colour.RED)


@pytest.fixture
def notes(app) -> Iterator[None]:
    NoteBase.metadata.create_all(db.engine)
    yield
    db.session.rollback()
    NoteBase.metadata.drop_all(db.engine)


def _saved_elsewhere(model: type[NoteBase], note_id: int) -> None:
    """Save the note from another connection, as another request would."""
    table = model.__table__
    with db.engine.begin() as other:
        other.execute(
            sa.update(table)
            .where(table.c.id == note_id)
            .values(text="theirs", version=table.c.version + 1)
        )


def test_an_enum_column_refuses_a_value_outside_the_enum(notes):
    db.session.add(Note(colour="blue"))
    with pytest.raises(sa.exc.StatementError):
        db.session.flush()


def test_every_save_raises_the_version(notes):
    note = Note(text="one")
    db.session.add(note)
    commit_versioned(note)
    assert note.version == 1
    note.colour = Colour.GREEN
    commit_versioned(note)
    assert note.version == 2


def test_a_save_racing_another_is_refused_with_the_current_object(notes):
    note = Note(text="one")
    db.session.add(note)
    db.session.commit()
    assert note.version == 1
    _saved_elsewhere(Note, note.id)
    note.text = "mine"
    with pytest.raises(StaleEdit) as caught:
        commit_versioned(note)
    assert caught.value.current is note
    assert note.text == "theirs" and note.version == 2


def test_a_stale_form_is_refused_before_anything_changes(notes):
    note = Note(text="one")
    db.session.add(note)
    db.session.commit()
    expect_version(note, 1)
    with pytest.raises(StaleEdit) as caught:
        expect_version(note, 0)
    assert caught.value.current is note
    with pytest.raises(StaleEdit):
        expect_version(note, None)


def test_a_deleted_row_is_a_stale_edit_without_an_object(notes):
    note = Note(text="one")
    db.session.add(note)
    db.session.commit()
    with db.engine.begin() as other:
        other.execute(sa.text("DELETE FROM core_test_notes WHERE id = :id"), {"id": note.id})
    note.text = "mine"
    with pytest.raises(StaleEdit) as caught:
        commit_versioned(note)
    assert caught.value.current is None


def test_a_version_counted_by_hand_is_still_checked_at_every_save(notes):
    note = CountedNote(text="one")
    db.session.add(note)
    db.session.commit()
    note.colour = Colour.GREEN
    commit_versioned(note)
    assert note.version == 1  # a change that is not a text keeps the version
    note.text = "two"
    note.version = 2
    commit_versioned(note)
    assert note.version == 2
    _saved_elsewhere(CountedNote, note.id)
    note.colour = Colour.RED
    with pytest.raises(StaleEdit):
        commit_versioned(note)
    assert note.text == "theirs" and note.version == 3
