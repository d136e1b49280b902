"""Forms of the organisations list: the organisation itself and the list's filters."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from app.core.forms import BaseForm, strip
from app.core.i18n import country_choices, country_name
from app.organisations.models import OrganisationKind
from app.organisations.services import OrganisationSort

REQUIRED = _l("This field is required.")


def kind_choices() -> list[tuple[str, str]]:
    """Return (value, translated label) pairs of every kind of organisation."""
    return [(kind.value, kind.label) for kind in OrganisationKind]


class OrganisationForm(BaseForm):
    name_en = StringField(
        _l("English name"),
        validators=[DataRequired(REQUIRED), Length(max=200)],
        filters=[strip],
    )
    name_zh = StringField(
        _l("Chinese name"), validators=[Optional(), Length(max=200)], filters=[strip]
    )
    country = SelectField(
        _l("Country / region"), validators=[DataRequired(REQUIRED)], validate_choice=True
    )
    kind = SelectField(_l("Kind"), validators=[DataRequired(REQUIRED)], validate_choice=True)
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.country.choices = [("", "—"), *country_choices()]
        self.kind.choices = [("", "—"), *kind_choices()]


class OrganisationFilterForm(BaseForm):
    """The filters above the list; read from the query string, so no CSRF token."""

    class Meta:
        csrf = False

    country = SelectField(_l("Country / region"), validators=[Optional()], validate_choice=True)
    kind = SelectField(_l("Kind"), validators=[Optional()], validate_choice=True)
    sort = SelectField(_l("Sort by"), validators=[Optional()], validate_choice=True)

    def __init__(self, *args, countries: Sequence[str] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        named = sorted(((code, country_name(code)) for code in countries), key=lambda c: c[1])
        self.country.choices = [("", _l("All countries")), *named]
        self.kind.choices = [("", _l("All kinds")), *kind_choices()]
        self.sort.choices = [
            (OrganisationSort.NAME.value, _l("Name")),
            (OrganisationSort.COUNTRY.value, _l("Country / region")),
            (OrganisationSort.KIND.value, _l("Kind")),
            (OrganisationSort.MEMBERS.value, _l("Number of members")),
        ]

    def valid_value(self, name: str) -> str | None:
        """Return the field's value if it passed validation and is not blank, else None."""
        field = self[name]
        return field.data if field.data and not field.errors else None
