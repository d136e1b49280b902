"""The project the portal serves: its name, grant and month 1."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class Project(db.Model):
    """The single row of project settings (the grant the consortium works under)."""

    __tablename__ = "project"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    #: The full title, e.g. "Integrating China in the International Consortium for PM".
    title_en: Mapped[str] = mapped_column(sa.String(300), default="")
    title_zh: Mapped[str | None] = mapped_column(sa.String(300))
    #: The funder's grant agreement number.
    grant_number: Mapped[str | None] = mapped_column(sa.String(40))
    #: The first day of month 1 (M1) of the grant.
    start_on: Mapped[date] = mapped_column(sa.Date)
    duration_months: Mapped[int] = mapped_column(default=48)


def get_project() -> Project | None:
    """Return the project settings, if they have been set."""
    return db.session.scalars(sa.select(Project).limit(1)).first()
