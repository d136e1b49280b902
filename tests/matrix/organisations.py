"""Access rows of the organisations list: read by every account, kept by admins and coordinators."""

from __future__ import annotations

from app.extensions import db
from app.organisations.models import Organisation, OrganisationKind
from tests.access import Row, signed_in, statuses

#: Administrators and coordinators only; other accounts are refused, visitors sent to sign in.
MANAGERS_ONLY = statuses(
    anonymous=302,
    deactivated=302,
    member=403,
    other_member=403,
    observer=403,
    lead=403,
    coordinator=200,
    admin=200,
)


def _edit_url(world) -> str:
    return f"/organisations/{world.extra['organisation'].id}/edit"


def _unchanged(world) -> dict[str, str]:
    """The organisation's own values: saving them again is a no-op, so every save is a 302."""
    return {"name_en": "Matrix organisation", "name_zh": "", "country": "IT", "kind": "hospital"}


ROWS: dict[tuple[str, str], Row] = {
    ("organisations.index", "GET"): Row(signed_in(200), lambda w: "/organisations/"),
    ("organisations.create", "GET"): Row(MANAGERS_ONLY, lambda w: "/organisations/new"),
    # An empty form: refused by the rule, or re-shown with field errors (nothing created).
    ("organisations.create", "POST"): Row(MANAGERS_ONLY, lambda w: "/organisations/new"),
    ("organisations.edit", "GET"): Row(MANAGERS_ONLY, _edit_url),
    ("organisations.edit", "POST"): Row(
        {**MANAGERS_ONLY, "coordinator": 302, "admin": 302}, _edit_url, _unchanged
    ),
}


def build(world, factories) -> None:
    """Add the organisation the edit rows point at."""
    organisation = Organisation(
        name_en="Matrix organisation", country="IT", kind=OrganisationKind.HOSPITAL
    )
    db.session.add(organisation)
    db.session.commit()
    world.extra["organisation"] = organisation
