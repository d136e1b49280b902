"""The list of organisations: reading, filtering, sorting, adding and editing."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from app.auth.models import SiteRole
from app.core.audit import AuditEvent
from app.core.database import utcnow
from app.extensions import db
from app.organisations import services
from app.organisations.models import Organisation, OrganisationKind
from tests.conftest import DEFAULT_PASSWORD, csrf_token_from


@pytest.fixture
def make_organisation(app):
    """Return a factory of committed organisations."""

    def factory(name_en, *, name_zh=None, country="IT", kind=OrganisationKind.UNIVERSITY):
        organisation = Organisation(name_en=name_en, name_zh=name_zh, country=country, kind=kind)
        db.session.add(organisation)
        db.session.commit()
        return organisation

    return factory


@pytest.fixture
def coordinator(make_user, login_as):
    user = make_user(site_role=SiteRole.COORDINATOR)
    login_as(user)
    return user


def submit(client, path, **fields):
    token = csrf_token_from(client.get(path).get_data(as_text=True))
    data = {"name_en": "", "name_zh": "", "country": "", "kind": "", **fields}
    return client.post(path, data={**data, "csrf_token": token})


def organisation_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Organisation.id)))


@contextmanager
def counting_queries():
    """Count the SQL statements sent while the block runs."""
    statements: list[str] = []

    def listener(_conn, _cursor, statement, *_args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)


# Reading -------------------------------------------------------------------------------------


def test_the_list_shows_name_country_kind_and_members(
    client, make_user, login_as, make_organisation
):
    """Each line has the name, the country's name, the kind and the active members' count."""
    charite = make_organisation("Charité Berlin", country="DE", kind=OrganisationKind.HOSPITAL)
    make_user(organisation_id=charite.id)
    make_user(organisation_id=charite.id)
    make_user(organisation_id=charite.id, active=False)
    erased = make_user(organisation_id=charite.id)
    erased.erased_at = utcnow()
    db.session.commit()
    login_as(make_user())
    page = client.get("/organisations/").get_data(as_text=True)
    assert "Charité Berlin" in page
    assert "Germany" in page
    assert "Hospital" in page
    assert f'href="/members/?organisation={charite.id}">2</a>' in page


def test_the_list_speaks_the_readers_language(client, make_user, login_as, make_organisation):
    """A Chinese reader sees the Chinese name, the country and the kind in Chinese."""
    make_organisation(
        "Chinese Academy of Medical Sciences",
        name_zh="中国医学科学院",
        country="CN",
        kind=OrganisationKind.UNIVERSITY,
    )
    login_as(make_user(locale="zh"))
    page = client.get("/organisations/").get_data(as_text=True)
    assert "<td>中国医学科学院" in page
    assert "中国" in page


def test_the_list_is_filtered_by_country_and_kind(client, make_user, login_as, make_organisation):
    """Only the organisations of the chosen country and kind are listed."""
    make_organisation("Milan Hospital", country="IT", kind=OrganisationKind.HOSPITAL)
    make_organisation("Milan University", country="IT", kind=OrganisationKind.UNIVERSITY)
    make_organisation("Beijing Hospital", country="CN", kind=OrganisationKind.HOSPITAL)
    login_as(make_user())
    page = client.get("/organisations/?country=IT&kind=hospital").get_data(as_text=True)
    assert "Milan Hospital" in page
    assert "Milan University" not in page
    assert "Beijing Hospital" not in page
    page = client.get("/organisations/?country=CN").get_data(as_text=True)
    assert "Beijing Hospital" in page and "Milan" not in page


def test_the_list_is_sorted_as_asked(client, make_user, login_as, make_organisation):
    """By name by default; by member count, country or kind on request."""
    big = make_organisation("Zeta Institute", country="AT", kind=OrganisationKind.OTHER)
    make_organisation("Alpha Funder", country="SE", kind=OrganisationKind.FUNDER)
    for _ in range(2):
        make_user(organisation_id=big.id)
    login_as(make_user())

    def order(query: str) -> bool:
        page = client.get(f"/organisations/{query}").get_data(as_text=True)
        return page.index("Alpha Funder") < page.index("Zeta Institute")

    assert order("")
    assert not order("?sort=members")
    assert not order("?sort=country")
    assert order("?sort=kind")


@pytest.mark.parametrize(
    "query",
    [
        "?country=ZZ",
        "?kind=spaceship",
        "?sort=colour",
        "?page=abc",
        "?page=-3",
        "?page=99999",
        "?country=%00",
        "?kind=hospital&kind=funder",
    ],
)
def test_bad_filters_never_fail(client, make_user, login_as, make_organisation, query):
    """Nonsense in the query string is ignored or reported, never a server error."""
    make_organisation("Some Organisation")
    login_as(make_user())
    assert client.get(f"/organisations/{query}").status_code == 200


def test_the_list_costs_the_same_queries_for_3_or_60_organisations(
    client, make_user, login_as, make_organisation
):
    """The number of queries does not grow with the number of organisations."""
    login_as(make_user())

    def queries() -> int:
        with counting_queries() as statements:
            assert client.get("/organisations/").status_code == 200
        return len(statements)

    for n in range(3):
        make_user(organisation_id=make_organisation(f"Small {n}").id)
    few = queries()
    for n in range(57):
        make_user(organisation_id=make_organisation(f"Large {n}", country="FR").id)
    assert queries() == few


def test_the_list_is_paginated(client, make_user, login_as, make_organisation):
    """More than one page of organisations is split, with a link to the next page."""
    for n in range(services.PER_PAGE + 1):
        make_organisation(f"Organisation {n:03d}")
    login_as(make_user())
    first = client.get("/organisations/").get_data(as_text=True)
    assert "Organisation 049" in first and "Organisation 050" not in first
    assert "page=2" in first
    second = client.get("/organisations/?page=2").get_data(as_text=True)
    assert "Organisation 050" in second


def test_members_see_no_add_or_edit_buttons(client, make_user, login_as, make_organisation):
    """The buttons of the keepers of the list are not shown to plain members."""
    organisation = make_organisation("Some Organisation")
    login_as(make_user())
    page = client.get("/organisations/").get_data(as_text=True)
    assert "/organisations/new" not in page
    assert f"/organisations/{organisation.id}/edit" not in page


# Adding and editing --------------------------------------------------------------------------


def test_a_coordinator_adds_an_organisation(client, coordinator):
    """The new organisation is stored, flashed, and written to the audit log."""
    response = submit(
        client,
        "/organisations/new",
        name_en="  Karolinska   Institutet ",
        name_zh="卡罗林斯卡学院",
        country="SE",
        kind="university",
    )
    assert response.status_code == 302
    organisation = db.session.scalars(sa.select(Organisation)).one()
    assert (organisation.name_en, organisation.name_zh, organisation.country) == (
        "Karolinska Institutet",
        "卡罗林斯卡学院",
        "SE",
    )
    assert organisation.kind is OrganisationKind.UNIVERSITY
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "organisation.created")
    ).one()
    assert (event.actor_id, event.object_id) == (coordinator.id, str(organisation.id))
    assert "The organisation has been added." in client.get("/organisations/").get_data(
        as_text=True
    )


def test_an_administrator_may_add_and_a_group_lead_may_not(app, make_user, make_group, add_member):
    """organisations.manage: administrators yes; a group lead (a plain account) gets 403."""
    admin_client = app.test_client()
    admin = make_user(site_role=SiteRole.ADMIN)
    token = csrf_token_from(admin_client.get("/login").get_data(as_text=True))
    admin_client.post(
        "/login", data={"email": admin.email, "password": DEFAULT_PASSWORD, "csrf_token": token}
    )
    response = submit(admin_client, "/organisations/new", name_en="A", country="IT", kind="other")
    assert response.status_code == 302

    lead = make_user()
    add_member(lead, make_group(), "lead")
    lead_client = app.test_client()
    token = csrf_token_from(lead_client.get("/login").get_data(as_text=True))
    lead_client.post(
        "/login", data={"email": lead.email, "password": DEFAULT_PASSWORD, "csrf_token": token}
    )
    assert lead_client.get("/organisations/new").status_code == 403
    token = csrf_token_from(lead_client.get("/profile").get_data(as_text=True))
    response = lead_client.post(
        "/organisations/new",
        data={"name_en": "B", "country": "IT", "kind": "other", "csrf_token": token},
    )
    assert response.status_code == 403
    assert organisation_count() == 1


@pytest.mark.parametrize("taken", ["Charité Berlin", "charité berlin", " charité  BERLIN "])
def test_an_english_name_is_used_once(client, coordinator, make_organisation, taken):
    """A name already in the list (whatever its case and spaces) is refused with a field error."""
    make_organisation("Charité Berlin", country="DE")
    response = submit(client, "/organisations/new", name_en=taken, country="DE", kind="hospital")
    assert response.status_code == 200
    assert "An organisation with this English name already exists." in response.get_data(
        as_text=True
    )
    assert organisation_count() == 1


def test_a_name_taken_at_the_same_moment_is_a_field_error(
    client, coordinator, make_organisation, monkeypatch
):
    """When the check passes but the database refuses the duplicate, the form says so."""
    make_organisation("Charité Berlin", country="DE")
    monkeypatch.setattr(services, "name_is_taken", lambda *args, **kwargs: False)
    response = submit(
        client, "/organisations/new", name_en="Charité Berlin", country="DE", kind="hospital"
    )
    assert response.status_code == 200
    assert "An organisation with this English name already exists." in response.get_data(
        as_text=True
    )
    assert organisation_count() == 1


@pytest.mark.parametrize(
    "fields",
    [
        {"name_en": "", "country": "IT", "kind": "other"},
        {"name_en": "   ", "country": "IT", "kind": "other"},
        {"name_en": "X" * 201, "country": "IT", "kind": "other"},
        {"name_en": "Fine", "country": "XX", "kind": "other"},
        {"name_en": "Fine", "country": "", "kind": "other"},
        {"name_en": "Fine", "country": "IT", "kind": "spaceship"},
        {"name_en": "Fine", "country": "IT", "kind": ""},
        {"name_en": "Fine\x00", "country": "IT", "kind": "other"},
        {"name_en": "Fine", "name_zh": "好\x07", "country": "IT", "kind": "other"},
    ],
)
def test_bad_input_is_refused_with_field_errors(client, coordinator, fields):
    """Every bad value re-shows the form (200) with an error, and nothing is stored."""
    response = submit(client, "/organisations/new", **fields)
    assert response.status_code == 200
    assert "invalid-feedback" in response.get_data(as_text=True)
    assert organisation_count() == 0


def test_a_coordinator_edits_an_organisation(client, coordinator, make_organisation):
    """The change is stored and the audit event names the changed fields."""
    organisation = make_organisation("Milan Hospital", country="IT")
    path = f"/organisations/{organisation.id}/edit"
    page = client.get(path).get_data(as_text=True)
    assert 'value="Milan Hospital"' in page
    response = submit(
        client, path, name_en="Milan Hospital", name_zh="米兰医院", country="IT", kind="hospital"
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert organisation.name_zh == "米兰医院"
    assert organisation.kind is OrganisationKind.HOSPITAL
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "organisation.updated")
    ).one()
    assert event.details["fields"] == ["name_zh", "kind"]


def test_saving_without_a_change_writes_no_event(client, coordinator, make_organisation):
    """An unchanged save is not an update."""
    organisation = make_organisation("Milan Hospital", country="IT", kind=OrganisationKind.HOSPITAL)
    response = submit(
        client,
        f"/organisations/{organisation.id}/edit",
        name_en="Milan Hospital",
        country="IT",
        kind="hospital",
    )
    assert response.status_code == 302
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(AuditEvent.action == "organisation.updated")
        )
        == 0
    )


def test_renaming_onto_another_name_is_refused(client, coordinator, make_organisation):
    """An organisation cannot take the English name of another."""
    make_organisation("Milan Hospital")
    other = make_organisation("Rome Hospital")
    response = submit(
        client,
        f"/organisations/{other.id}/edit",
        name_en="milan hospital",
        country="IT",
        kind="hospital",
    )
    assert response.status_code == 200
    assert "already exists" in response.get_data(as_text=True)
    db.session.expire_all()
    assert other.name_en == "Rome Hospital"


def test_editing_a_missing_organisation_is_404(client, coordinator):
    """An id that names no organisation answers 404."""
    assert client.get("/organisations/999999/edit").status_code == 404


def test_profiles_pick_from_the_list(client, coordinator, make_user, login_as):
    """An organisation just added is a choice of the profile form."""
    submit(
        client, "/organisations/new", name_en="Fudan University", country="CN", kind="university"
    )
    organisation = db.session.scalars(sa.select(Organisation)).one()
    page = client.get("/profile").get_data(as_text=True)
    assert f'<option value="{organisation.id}">Fudan University</option>' in page
