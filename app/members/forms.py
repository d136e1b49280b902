"""The filters of the member directory."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from wtforms import SearchField, SelectField
from wtforms.validators import Length, Optional

from app.core.forms import BaseForm, IdSelectField
from app.core.i18n import country_name
from app.groups.models import WorkingGroup
from app.members.services import DirectoryFilters, Region
from app.organisations.services import organisation_choices


class DirectoryFilterForm(BaseForm):
    """The filters above the directory; read from the query string, so no CSRF token."""

    class Meta:
        csrf = False

    q = SearchField(_l("Name or e-mail"), validators=[Optional(), Length(max=100)])
    group = IdSelectField(_l("Working group"), validators=[Optional()])
    region = SelectField(_l("Region"), validators=[Optional()], validate_choice=True)
    country = SelectField(_l("Country / region"), validators=[Optional()], validate_choice=True)
    organisation = IdSelectField(_l("Organisation"), validators=[Optional()])
    expertise = SearchField(_l("Expertise"), validators=[Optional(), Length(max=100)])

    def __init__(
        self, *args, groups: Sequence[WorkingGroup] = (), countries: Sequence[str] = (), **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.group.choices = [
            ("", _l("All working groups")),
            *((str(g.id), f"{g.code} · {g.name}") for g in groups),
        ]
        self.region.choices = [("", _l("All regions")), *((r.value, r.label) for r in Region)]
        named = sorted(((code, country_name(code)) for code in countries), key=lambda c: c[1])
        self.country.choices = [("", _l("All countries")), *named]
        self.organisation.choices = organisation_choices(str(_l("All organisations")))

    def _valid(self, name: str) -> str | None:
        """Return the field's value if it passed validation and is not blank, else None."""
        field = self[name]
        if field.errors or not field.data:
            return None
        return field.data.strip() or None

    def filters(self) -> DirectoryFilters:
        """Return the filters the reader chose; a value that is not valid is ignored."""
        region = self._valid("region")
        return DirectoryFilters(
            search=self._valid("q"),
            group_id=None if self.group.errors else self.group.data,
            country=self._valid("country"),
            region=Region(region) if region else None,
            organisation_id=None if self.organisation.errors else self.organisation.data,
            expertise=self._valid("expertise"),
        )

    @property
    def is_filtered(self) -> bool:
        return any(value is not None for value in vars(self.filters()).values())
