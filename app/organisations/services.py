"""Keeping the list of organisations: list, filter, create and edit them.

An organisation's English name is unique. Names are compared without regard to letter case
or surrounding and repeated spaces, so "Charité Berlin" and " charité  BERLIN " cannot both
exist (on SQLite, whose lower() knows only ASCII letters, "É" and "é" still differ); a taken
name raises `OrganisationNameTaken`, also when two people save the same name at once.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.exc import IntegrityError

from app.auth.models import User
from app.core import audit
from app.core.i18n import current_language
from app.core.paging import paginate
from app.extensions import db
from app.organisations.models import Organisation, OrganisationKind

#: Organisations listed on one page of the list.
PER_PAGE = 50


class OrganisationNameTaken(Exception):
    """Another organisation already has this English name."""


class OrganisationSort(enum.StrEnum):
    """The orders the list of organisations can be read in.

    Country sorts by ISO code (so one country's organisations stay together), kind in the
    order `OrganisationKind` lists the kinds, members from the most to the fewest; each then
    by name in the reader's language.
    """

    NAME = "name"
    COUNTRY = "country"
    KIND = "kind"
    MEMBERS = "members"


@dataclass(frozen=True)
class OrganisationRow:
    """One line of the list: the organisation and how many active members it has."""

    organisation: Organisation
    member_count: int


def all_organisations() -> list[Organisation]:
    """Return every organisation, sorted by its name in the reader's language."""
    organisations = db.session.scalars(sa.select(Organisation)).all()
    return sorted(organisations, key=lambda o: o.name.casefold())


def organisation_choices(blank_label: str = "—") -> list[tuple[str, str]]:
    """Return (id, name) pairs for a select field, with a blank choice first."""
    return [("", blank_label), *((str(o.id), o.name) for o in all_organisations())]


def clean_name(value: str | None) -> str:
    """Return a name trimmed, with runs of white space made one space."""
    return re.sub(r"\s+", " ", value or "").strip()


def _localised_name_column() -> sa.ColumnElement[str]:
    """Return the SQL expression of the name a reader of the current language sees."""
    if current_language() == "zh":
        return sa.func.coalesce(sa.func.nullif(Organisation.name_zh, ""), Organisation.name_en)
    return Organisation.name_en


def _kind_order() -> sa.Case:
    """Return an SQL expression ordering kinds as the enum lists them (funders first)."""
    return sa.case(
        {kind: position for position, kind in enumerate(OrganisationKind)},
        value=Organisation.kind,
        else_=len(OrganisationKind),
    )


def member_count_column() -> sa.ScalarSelect[int]:
    """Return a correlated count of the active, not erased accounts of an organisation."""
    return (
        sa.select(sa.func.count(User.id))
        .where(
            User.organisation_id == Organisation.id,
            User.is_active_account.is_(True),
            User.erased_at.is_(None),
        )
        .correlate(Organisation)
        .scalar_subquery()
    )


def list_organisations(
    *,
    country: str | None = None,
    kind: OrganisationKind | None = None,
    sort: OrganisationSort = OrganisationSort.NAME,
    page: int = 1,
) -> tuple[Pagination, list[OrganisationRow]]:
    """Return one page of organisations, filtered and sorted, and its rows with member counts.

    Three queries (count, page, member counts) whatever the number of organisations.
    """
    name = sa.func.lower(_localised_name_column())
    query = sa.select(Organisation)
    if country:
        query = query.where(Organisation.country == country)
    if kind is not None:
        query = query.where(Organisation.kind == kind)
    order = {
        OrganisationSort.NAME: (name,),
        OrganisationSort.COUNTRY: (Organisation.country, name),
        OrganisationSort.KIND: (_kind_order(), name),
        OrganisationSort.MEMBERS: (member_count_column().desc(), name),
    }[sort]
    query = query.order_by(*order, Organisation.id)
    pagination = paginate(query, page=page, per_page=PER_PAGE)
    organisations = list(pagination.items)
    counts: dict[int, int] = {}
    if organisations:
        counts = dict(
            db.session.execute(
                sa.select(Organisation.id, member_count_column()).where(
                    Organisation.id.in_([o.id for o in organisations])
                )
            ).all()
        )
    return pagination, [OrganisationRow(o, counts.get(o.id, 0)) for o in organisations]


def countries_in_use() -> list[str]:
    """Return the country codes at least one organisation is in."""
    return list(db.session.scalars(sa.select(Organisation.country).distinct()))


def name_is_taken(name_en: str, *, except_id: int | None = None) -> bool:
    """Return True if another organisation has this English name (case and spaces ignored)."""
    query = sa.select(Organisation.id).where(
        sa.func.lower(Organisation.name_en) == clean_name(name_en).lower()
    )
    if except_id is not None:
        query = query.where(Organisation.id != except_id)
    return db.session.scalars(query.limit(1)).first() is not None


def _apply(
    organisation: Organisation,
    name_en: str,
    name_zh: str | None,
    country: str,
    kind: OrganisationKind,
) -> list[str]:
    """Set the fields; return the names of those that changed."""
    values = {
        "name_en": clean_name(name_en),
        "name_zh": clean_name(name_zh) or None,
        "country": country.upper(),
        "kind": OrganisationKind(kind),
    }
    changed = [field for field, value in values.items() if getattr(organisation, field) != value]
    for field in changed:
        setattr(organisation, field, values[field])
    return changed


def _write_or_name_taken(write: Callable[[], None]) -> None:
    """Flush or commit; a unique-name violation (a save at the same moment) is a taken name."""
    try:
        write()
    except IntegrityError as exc:
        db.session.rollback()
        raise OrganisationNameTaken from exc


def create_organisation(
    *, name_en: str, name_zh: str | None, country: str, kind: OrganisationKind, actor: User
) -> Organisation:
    """Add an organisation to the list; raise OrganisationNameTaken for a taken name."""
    if name_is_taken(name_en):
        raise OrganisationNameTaken
    organisation = Organisation()
    _apply(organisation, name_en, name_zh, country, kind)
    db.session.add(organisation)
    _write_or_name_taken(db.session.flush)
    audit.record(
        "organisation.created",
        actor=actor,
        target=organisation,
        name_en=organisation.name_en,
        country=organisation.country,
        kind=str(organisation.kind),
    )
    _write_or_name_taken(db.session.commit)
    return organisation


def update_organisation(
    organisation: Organisation,
    *,
    name_en: str,
    name_zh: str | None,
    country: str,
    kind: OrganisationKind,
    actor: User,
) -> list[str]:
    """Change an organisation; return the changed fields (raise OrganisationNameTaken)."""
    if name_is_taken(name_en, except_id=organisation.id):
        raise OrganisationNameTaken
    changed = _apply(organisation, name_en, name_zh, country, kind)
    if changed:
        audit.record("organisation.updated", actor=actor, target=organisation, fields=changed)
    _write_or_name_taken(db.session.commit)
    return changed
