"""The Organisation a member belongs to."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from app.core.database import UTCDateTime, utcnow
from app.core.i18n import localised
from app.extensions import db


class OrganisationKind(enum.StrEnum):
    """What kind of body an organisation is."""

    FUNDER = "funder"
    MINISTRY = "ministry"
    UNIVERSITY = "university"
    HOSPITAL = "hospital"
    COMPANY = "company"
    PATIENT_ORGANISATION = "patient_organisation"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(ORGANISATION_KIND_LABELS[self])


ORGANISATION_KIND_LABELS = {
    OrganisationKind.FUNDER: _l("Funder"),
    OrganisationKind.MINISTRY: _l("Ministry"),
    OrganisationKind.UNIVERSITY: _l("University or research institute"),
    OrganisationKind.HOSPITAL: _l("Hospital"),
    OrganisationKind.COMPANY: _l("Company"),
    OrganisationKind.PATIENT_ORGANISATION: _l("Patient organisation"),
    OrganisationKind.OTHER: _l("Other"),
}


class Organisation(db.Model):
    """A body members work for; administrators and coordinators keep the list."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_en: Mapped[str] = mapped_column(sa.String(200), unique=True)
    name_zh: Mapped[str | None] = mapped_column(sa.String(200))
    #: ISO 3166-1 alpha-2 code.
    country: Mapped[str] = mapped_column(sa.String(2))
    kind: Mapped[OrganisationKind] = mapped_column(
        sa.Enum(
            OrganisationKind,
            name="organisation_kind",
            values_callable=lambda e: [m.value for m in e],
            native_enum=False,
            length=32,
            validate_strings=True,
        ),
        default=OrganisationKind.OTHER,
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def name(self) -> str:
        """Return the name in the reader's language, falling back to English."""
        return localised(self.name_en, self.name_zh)

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name_en}>"
