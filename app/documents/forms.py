"""Forms of the document library: upload, new version, details, move, folders, list filters."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired, MultipleFileField
from wtforms import (
    DateField,
    SearchField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.auth.forms import REQUIRED
from app.core.errors import ServiceError
from app.core.forms import BaseForm, IdSelectField, strip
from app.core.routing import parse_id
from app.documents import services
from app.documents.files import KIND_LABELS
from app.documents.models import Visibility

TITLE_HELP = _l("Leave it empty to use the file's name.")
TAGS_HELP = _l("Separate tags with commas, e.g. minutes, 2021, 会议.")


def visibility_choices() -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in Visibility.choices()]


def valid_tags(_form: BaseForm, field: StringField) -> None:
    try:
        services.parse_tags(field.data or "")
    except ServiceError as exc:
        raise ValidationError(exc.message) from exc


#: A folder is chosen with an IdSelectField: a folder's id, or None for the top of the library.
CHOOSE_A_FOLDER = _l("Choose a folder from the list.")


def set_folder_choices(field: IdSelectField, choices: list[tuple[int, str]]) -> None:
    """Offer the top of the library and every folder (as "Parent / Child")."""
    field.choices = [
        SelectChoice("", _("Top of the library")),
        *(SelectChoice(str(i), label) for i, label in choices),
    ]


class UploadForm(BaseForm):
    """Upload one or several files as new documents."""

    files = MultipleFileField(_l("Files"), validators=[FileRequired(REQUIRED)])
    title = StringField(
        _l("Title"),
        filters=[strip],
        validators=[Optional(), Length(max=services.MAX_TITLE_LENGTH)],
    )
    description = TextAreaField(
        _l("Description"),
        filters=[strip],
        validators=[Optional(), Length(max=services.MAX_DESCRIPTION_LENGTH)],
    )
    tags = StringField(
        _l("Tags"), filters=[strip], validators=[Optional(), Length(max=1000), valid_tags]
    )
    visibility = SelectField(
        _l("Visibility"), choices=visibility_choices, default=Visibility.GROUP.value
    )
    folder = IdSelectField(_l("Folder"), message=CHOOSE_A_FOLDER)
    submit = SubmitField(_l("Upload"))

    def validate_files(self, field: MultipleFileField) -> None:
        field.data = [f for f in field.data or [] if f and f.filename]
        if not field.data:
            raise ValidationError(_("Choose at least one file."))

    def validate_title(self, field: StringField) -> None:
        if field.data and len(self.files.data or []) > 1:
            raise ValidationError(_("Give a title only when you upload a single file."))


class VersionForm(BaseForm):
    """Upload a new version of a document."""

    file = FileField(_l("New version"), validators=[FileRequired(REQUIRED)])
    comment = StringField(
        _l("What changed?"),
        filters=[strip],
        validators=[Optional(), Length(max=services.MAX_COMMENT_LENGTH)],
    )
    submit = SubmitField(_l("Upload the new version"))


class DocumentForm(BaseForm):
    """A document's title, description, tags and visibility."""

    title = StringField(
        _l("Title"),
        filters=[strip],
        validators=[DataRequired(REQUIRED), Length(max=services.MAX_TITLE_LENGTH)],
    )
    description = TextAreaField(
        _l("Description"),
        filters=[strip],
        validators=[Optional(), Length(max=services.MAX_DESCRIPTION_LENGTH)],
    )
    tags = StringField(
        _l("Tags"), filters=[strip], validators=[Optional(), Length(max=1000), valid_tags]
    )
    visibility = SelectField(_l("Visibility"), choices=visibility_choices)
    submit = SubmitField(_l("Save"))


class MoveForm(BaseForm):
    """Move a document into another folder."""

    folder = IdSelectField(_l("Move to"), message=CHOOSE_A_FOLDER)
    submit = SubmitField(_l("Move"))


class FolderForm(BaseForm):
    """A folder's name."""

    name = StringField(
        _l("Folder name"),
        filters=[strip],
        validators=[DataRequired(REQUIRED), Length(max=services.MAX_FOLDER_NAME_LENGTH)],
    )
    submit = SubmitField(_l("Save"))


def kind_choices() -> list[SelectChoice]:
    return [
        SelectChoice("", _("All types")),
        *(SelectChoice(kind, label) for kind, label in KIND_LABELS.items()),
    ]


SORT_LABELS = {
    "name": _l("Title"),
    "type": _l("Type"),
    "uploader": _l("Uploaded by"),
    "date": _l("Date"),
    "size": _l("Size"),
}


class FilterForm(BaseForm):
    """Search and filter a list of documents (sent with GET, so no CSRF token)."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search"), filters=[strip], validators=[Optional(), Length(max=200)])
    kind = SelectField(_l("Type"), choices=kind_choices, validators=[Optional()])
    uploader = SelectField(_l("Uploaded by"), choices=[], validators=[Optional()])
    tag = StringField(_l("Tag"), filters=[strip], validators=[Optional(), Length(max=100)])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("Until"), validators=[Optional()])
    sort = SelectField(
        _l("Sort by"),
        choices=[SelectChoice(key, label) for key, label in SORT_LABELS.items()],
        default="name",
        validators=[Optional()],
    )
    order = SelectField(
        _l("Order"),
        choices=[SelectChoice("asc", _l("Ascending")), SelectChoice("desc", _l("Descending"))],
        default="asc",
        validators=[Optional()],
    )

    def set_uploaders(self, people) -> None:
        self.uploader.choices = [
            SelectChoice("", _("Anyone")),
            *(SelectChoice(str(p.id), p.display_name) for p in people),
        ]

    def filters(self) -> services.LibraryFilters:
        """Return the filters from the fields that are valid (an invalid one is ignored)."""
        self.validate()

        def good(name: str):
            field = getattr(self, name)
            return None if field.errors else field.data

        uploader = good("uploader")
        return services.LibraryFilters(
            q=good("q") or "",
            kind=good("kind") or "",
            uploader_id=parse_id(uploader),
            tag=good("tag") or "",
            date_from=good("date_from"),
            date_to=good("date_to"),
            sort=good("sort") if good("sort") in SORT_LABELS else "name",
            descending=good("order") == "desc",
        )
