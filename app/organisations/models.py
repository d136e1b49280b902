"""The Organisation a member belongs to."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from app.core.database import LabelledEnum, UTCDateTime, enum_column, utcnow
from app.core.i18n import localised
from app.extensions import db


class OrganisationKind(LabelledEnum):
    """What kind of body an organisation is."""

    FUNDER = "funder", _l("Funder")
    MINISTRY = "ministry", _l("Ministry")
    UNIVERSITY = "university", _l("University or research institute")
    HOSPITAL = "hospital", _l("Hospital")
    COMPANY = "company", _l("Company")
    PATIENT_ORGANISATION = "patient_organisation", _l("Patient organisation")
    OTHER = "other", _l("Other")


class Organisation(db.Model):
    """A body members work for; administrators and coordinators keep the list."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_en: Mapped[str] = mapped_column(sa.String(200), unique=True)
    name_zh: Mapped[str | None] = mapped_column(sa.String(200))
    #: ISO 3166-1 alpha-2 code.
    country: Mapped[str] = mapped_column(sa.String(2))
    kind: Mapped[OrganisationKind] = mapped_column(
        enum_column(OrganisationKind, "organisation_kind", length=32),
        default=OrganisationKind.OTHER,
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def name(self) -> str:
        """Return the name in the reader's language, falling back to English."""
        return localised(self.name_en, self.name_zh)

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name_en}>"
