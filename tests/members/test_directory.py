"""The member directory: who is listed, the filters, the search, the pages."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from app.core.database import utcnow
from app.extensions import db
from app.members import services
from app.members.services import CHINA, EU, EUROPE
from app.organisations.models import Organisation, OrganisationKind


@pytest.fixture
def make_organisation(app):
    """Return a factory of committed organisations."""

    def factory(name_en, country="IT"):
        organisation = Organisation(
            name_en=name_en, country=country, kind=OrganisationKind.UNIVERSITY
        )
        db.session.add(organisation)
        db.session.commit()
        return organisation

    return factory


@pytest.fixture
def reader(make_user, login_as):
    """A signed-in member reading the directory."""
    user = make_user(name="Reader Person")
    login_as(user)
    return user


def listed(client, query: str = "") -> str:
    response = client.get(f"/members/{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


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


# Who is listed -------------------------------------------------------------------------------


def test_active_accounts_are_listed_with_their_details(
    client, reader, make_user, make_group, add_member, make_organisation
):
    """A row has the name, Chinese name, organisation, country, position and groups."""
    organisation = make_organisation("Peking Union Medical College", country="CN")
    person = make_user(
        name="Wang Lei",
        name_zh="王磊",
        organisation_id=organisation.id,
        country="CN",
        position="Professor of genomics",
    )
    add_member(person, make_group(code="WG7", slug="wg7"), "lead")
    page = listed(client)
    assert f'href="/members/{person.id}">Wang Lei</a>' in page
    assert "王磊" in page
    assert "Peking Union Medical College" in page
    assert "China" in page
    assert "Professor of genomics" in page
    assert ">WG7</span>" in page


def test_deactivated_and_erased_accounts_are_not_listed(client, reader, make_user):
    """Only active accounts that have not been erased are in the directory."""
    make_user(name="Active Anna")
    make_user(name="Deactivated Dora", active=False)
    erased = make_user(name="Erased Erik")
    erased.erased_at = utcnow()
    db.session.commit()
    page = listed(client)
    assert "Active Anna" in page
    assert "Deactivated Dora" not in page
    assert "Erased Erik" not in page


def test_archived_groups_are_not_shown(client, reader, make_user, make_group, add_member):
    """A member's archived groups are left out of their row."""
    person = make_user(name="Wang Lei")
    add_member(person, make_group(code="WG8", slug="wg8", is_archived=True))
    add_member(person, make_group(code="WG9", slug="wg9"))
    page = listed(client)
    assert ">WG9</span>" in page
    assert ">WG8</span>" not in page


# Filters -------------------------------------------------------------------------------------


def test_filter_by_group(client, reader, make_user, make_group, add_member):
    """Only the members of the chosen group are listed."""
    group = make_group()
    add_member(make_user(name="In Group"), group)
    make_user(name="Not In Group")
    page = listed(client, f"?group={group.id}")
    assert "In Group" in page
    assert "Not In Group" not in page


def test_filter_by_organisation(client, reader, make_user, make_organisation):
    """Only the members of the chosen organisation are listed."""
    fudan = make_organisation("Fudan University", country="CN")
    make_user(name="Fudan Person", organisation_id=fudan.id)
    make_user(name="Someone Else")
    page = listed(client, f"?organisation={fudan.id}")
    assert "Fudan Person" in page
    assert "Someone Else" not in page


def test_filter_by_country_uses_the_organisations_when_none_is_given(
    client, reader, make_user, make_organisation
):
    """A member without a country of their own counts in their organisation's."""
    milan = make_organisation("Milan University", country="IT")
    make_user(name="Own Country", country="IT")
    make_user(name="Organisation Country", organisation_id=milan.id)
    make_user(name="Overrides Organisation", country="DE", organisation_id=milan.id)
    page = listed(client, "?country=IT")
    assert "Own Country" in page
    assert "Organisation Country" in page
    assert "Overrides Organisation" not in page


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        ("europe", {"In Italy", "In the UK", "In Switzerland", "In Norway"}),
        ("china", {"In Beijing", "In Hong Kong", "In Macao"}),
        ("elsewhere", {"In Taiwan", "In Canada"}),
    ],
)
def test_filter_by_region(client, reader, make_user, region, expected):
    """Europe is the EU/EEA, UK, Switzerland…; China is CN, HK and MO; the rest is elsewhere."""
    people = {
        "In Italy": "IT",
        "In the UK": "GB",
        "In Switzerland": "CH",
        "In Norway": "NO",
        "In Beijing": "CN",
        "In Hong Kong": "HK",
        "In Macao": "MO",
        "In Taiwan": "TW",
        "In Canada": "CA",
    }
    for name, country in people.items():
        make_user(name=name, country=country)
    make_user(name="Nowhere Known")
    page = listed(client, f"?region={region}")
    shown = {name for name in [*people, "Nowhere Known"] if f">{name}</a>" in page}
    assert shown == expected


def test_the_regions_are_what_the_docstring_says():
    """27 EU states, all in Europe; China is mainland China, Hong Kong and Macao."""
    assert len(EU) == 27
    assert EU < EUROPE
    assert {"GB", "CH", "NO", "IS", "LI"} <= EUROPE
    assert {"CN", "HK", "MO"} == CHINA
    assert not EUROPE & CHINA


def test_filter_by_expertise(client, reader, make_user):
    """The expertise filter finds a word anywhere in the text, whatever its case."""
    make_user(name="Genomics Person", expertise="Clinical GENOMICS and rare diseases")
    make_user(name="Ethics Person", expertise="Bioethics")
    make_user(name="Blank Person")
    page = listed(client, "?expertise=genomics")
    assert "Genomics Person" in page
    assert "Ethics Person" not in page
    assert "Blank Person" not in page


@pytest.mark.parametrize(
    ("search", "found"),
    [
        ("wang", "Wang Lei"),
        ("王磊", "Wang Lei"),
        ("磊", "Wang Lei"),
        ("wang.lei@", "Wang Lei"),
        ("ＷＡＮＧ", "Wang Lei"),  # full-width letters, as a Chinese keyboard may type them
        ("müller", "Anna Müller"),
    ],
)
def test_search_by_name_chinese_name_or_e_mail(client, reader, make_user, search, found):
    """The search matches the Latin name, the Chinese name or the e-mail address."""
    make_user(name="Wang Lei", name_zh="王磊", email="wang.lei@example.cn")
    make_user(name="Anna Müller", email="anna@example.de")
    page = listed(client, f"?q={search}")
    assert f">{found}</a>" in page
    others = {"Wang Lei", "Anna Müller", "Reader Person"} - {found}
    assert not [name for name in others if f">{name}</a>" in page]


def test_search_wildcards_are_taken_literally(client, reader, make_user):
    """A % or _ in the search matches those characters, not everything."""
    make_user(name="Wang Lei")
    assert ">Wang Lei</a>" not in listed(client, "?q=%25")
    assert ">Wang Lei</a>" not in listed(client, "?q=_")


def test_filters_combine(client, reader, make_user, make_group, add_member):
    """Several filters narrow the list together."""
    group = make_group()
    add_member(make_user(name="Both Match", country="FR", expertise="oncology"), group)
    add_member(make_user(name="Wrong Country", country="CN", expertise="oncology"), group)
    make_user(name="Not In Group", country="FR", expertise="oncology")
    page = listed(client, f"?group={group.id}&region=europe&expertise=onco")
    assert "Both Match" in page
    assert "Wrong Country" not in page
    assert "Not In Group" not in page


@pytest.mark.parametrize(
    "query",
    [
        "?group=abc",
        "?group=999999",
        "?region=mars",
        "?country=ZZ",
        "?organisation=-1",
        "?page=abc",
        "?page=0",
        "?page=9999",
        "?q=" + "x" * 500,
        "?q=%00",
        "?expertise=%00",
        "?q=%F0%9F%A7%AC",
    ],
)
def test_bad_filters_never_fail(client, reader, query):
    """Nonsense in the query string is ignored or reported, never a server error."""
    assert client.get(f"/members/{query}").status_code == 200


def test_an_invalid_filter_is_ignored_not_applied(client, reader, make_user):
    """A region that does not exist filters nothing out, and the field says why."""
    make_user(name="Wang Lei", country="CN")
    page = listed(client, "?region=mars")
    assert ">Wang Lei</a>" in page
    assert "is-invalid" in page


# Pages and queries ---------------------------------------------------------------------------


def test_thirty_members_a_page(client, reader, make_user):
    """The directory shows 30 members a page, with a link to the next page."""
    for n in range(services.PER_PAGE + 5):
        make_user(name=f"Member {n:03d}")
    first = listed(client)
    assert first.count('href="/members/') - first.count('href="/members/?') >= 30
    assert "Member 029" in first and "Member 030" not in first
    assert "page=2" in first
    second = listed(client, "?page=2")
    assert "Member 030" in second and "Reader Person" in second


def test_filters_survive_the_page_links(client, reader, make_user):
    """The link to the next page keeps the filters."""
    for n in range(services.PER_PAGE + 1):
        make_user(name=f"Member {n:03d}", country="IT")
    page = listed(client, "?country=IT")
    assert "country=IT&amp;page=2" in page or "page=2&amp;country=IT" in page


def test_the_query_count_does_not_grow_with_the_members(
    client, reader, make_user, make_group, add_member, make_organisation
):
    """A page of the directory costs the same number of queries for 3 or 60 members."""

    def queries() -> int:
        with counting_queries() as statements:
            listed(client)
        return len(statements)

    def add_people(count: int, offset: int) -> None:
        for n in range(count):
            person = make_user(
                name=f"Person {offset + n}",
                organisation_id=make_organisation(f"Org {offset + n}", country="DE").id,
            )
            add_member(person, make_group())
            add_member(person, make_group(), "observer")

    add_people(3, 0)
    few = queries()
    add_people(57, 100)
    assert queries() == few
