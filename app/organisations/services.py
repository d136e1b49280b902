"""Keeping the list of organisations."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.organisations.models import Organisation


def all_organisations() -> list[Organisation]:
    """Return every organisation, sorted by its name in the reader's language."""
    organisations = db.session.scalars(sa.select(Organisation)).all()
    return sorted(organisations, key=lambda o: o.name.casefold())


def organisation_choices(blank_label: str = "—") -> list[tuple[str, str]]:
    """Return (id, name) pairs for a select field, with a blank choice first."""
    return [("", blank_label), *((str(o.id), o.name) for o in all_organisations())]
