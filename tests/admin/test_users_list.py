"""The account list: search, filters, open invitations, pagination, and its query count."""

from __future__ import annotations

import re

import pytest

from app.auth.models import SiteRole
from app.core.database import utcnow
from app.extensions import db
from app.groups.models import GroupRole
from app.invitations.services import invite, revoke
from tests.admin.conftest import post


def rows(html: str) -> list[str]:
    """Return the table rows of the list's body."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return re.findall(r"<tr>.*?</tr>", body, flags=re.S)


def test_each_row_shows_the_account(
    client, as_admin, make_user, make_group, add_member, make_organisation
):
    """A row has both names, e-mail, organisation, country, role, status, groups, last sign-in."""
    peking = make_organisation("Peking University", "北京大学")
    group = make_group(code="WG7")
    wang = make_user(
        name="Wang Lei",
        name_zh="王磊",
        email="wang.lei@example.cn",
        organisation_id=peking.id,
        country="CN",
        site_role=SiteRole.COORDINATOR,
    )
    add_member(wang, group, GroupRole.LEAD)
    wang.last_login_at = utcnow()
    db.session.commit()
    html = client.get("/admin/users?q=wang").get_data(as_text=True)
    [row] = rows(html)
    for text in ("Wang Lei", "王磊", "wang.lei@example.cn", "Peking University", "China"):
        assert text in row
    assert "Coordinator" in row and "Active" in row and "WG7 · Lead" in row
    assert f"/admin/users/{wang.id}" in row
    assert "—" not in row.split("</td>")[-2]  # a last sign-in time is shown


def test_search_finds_a_chinese_name_by_a_substring(client, as_admin, make_user):
    """Typing part of a Chinese name finds the person, and only them."""
    make_user(name="Wang Lei", name_zh="王磊")
    make_user(name="Li Na", name_zh="李娜")
    html = client.get("/admin/users", query_string={"q": "磊"}).get_data(as_text=True)
    assert len(rows(html)) == 1
    assert "Wang Lei" in html and "Li Na" not in html


def test_search_ignores_case_in_names_and_e_mail(client, as_admin, make_user):
    """A Latin name or an e-mail address is found whatever the case typed."""
    make_user(name="Claire Martin", email="claire.martin@example.fr")
    make_user(name="Other Person", email="other@example.org")
    for text in ("CLAIRE", "mArTiN", "Claire.Martin@EXAMPLE"):
        html = client.get("/admin/users", query_string={"q": text}).get_data(as_text=True)
        assert [r for r in rows(html) if "Claire Martin" in r], text
        assert "Other Person" not in html, text


def test_search_matches_the_organisation_in_either_language(
    client, as_admin, make_user, make_organisation
):
    """The organisation's English or Chinese name finds its people."""
    fudan = make_organisation("Fudan University", "复旦大学")
    make_user(name="Zhang Wei", organisation_id=fudan.id)
    make_user(name="Nobody Else")
    for text in ("fudan", "复旦"):
        html = client.get("/admin/users", query_string={"q": text}).get_data(as_text=True)
        assert len(rows(html)) == 1 and "Zhang Wei" in html, text


def test_search_treats_wildcards_literally(client, as_admin, make_user):
    """A % or _ typed in the search box matches only itself, not everything."""
    make_user(name="Plain Name")
    make_user(name="Under_score")
    assert rows(client.get("/admin/users?q=%25").get_data(as_text=True)) == []
    html = client.get("/admin/users?q=_").get_data(as_text=True)
    assert len(rows(html)) == 1 and "Under_score" in html


def test_filter_by_site_role(client, as_admin, make_user):
    """The role filter keeps only the accounts with that site role."""
    make_user(name="Carla Coordinator", site_role=SiteRole.COORDINATOR)
    make_user(name="Mario Member")
    html = client.get("/admin/users?role=coordinator").get_data(as_text=True)
    assert "Carla Coordinator" in html and "Mario Member" not in html


def test_filter_by_status(client, as_admin, make_user):
    """Active and deactivated accounts are told apart."""
    make_user(name="Still Here")
    make_user(name="Long Gone", active=False)
    active = client.get("/admin/users?status=active").get_data(as_text=True)
    assert "Still Here" in active and "Long Gone" not in active
    gone = client.get("/admin/users?status=deactivated").get_data(as_text=True)
    assert "Long Gone" in gone and "Still Here" not in gone
    assert "Deactivated" in rows(gone)[0]


def test_filter_by_group_and_country(client, as_admin, make_user, make_group, add_member):
    """The group filter keeps the group's members; the country filter the account's country."""
    group = make_group()
    inside = make_user(name="In Group", country="IT")
    make_user(name="Not In Group", country="CN")
    add_member(inside, group)
    html = client.get(f"/admin/users?group={group.id}").get_data(as_text=True)
    assert "In Group" in html and "Not In Group" not in html
    html = client.get("/admin/users?country=CN").get_data(as_text=True)
    assert "Not In Group" in html and ">In Group</a>" not in html


def test_invited_lists_open_invitations_instead_of_accounts(
    client, as_admin, admin, make_user, make_group
):
    """The "invited" status lists waiting invitations, with inviter, groups, times and buttons."""
    make_user(name="An Account")
    group = make_group(code="WG3")
    waiting = invite("waiting@example.org", inviter=admin, groups=[(group, GroupRole.OBSERVER)])
    gone = invite("withdrawn@example.org", inviter=admin)
    revoke(gone, actor=admin)
    html = client.get("/admin/users?status=invited").get_data(as_text=True)
    [row] = rows(html)
    assert "waiting@example.org" in row and "Ada Admin" in row and "WG3 · Observer" in row
    assert f"/admin/invitations/{waiting.id}/resend" in row
    assert f"/admin/invitations/{waiting.id}/revoke" in row
    assert "An Account" not in html and "withdrawn@example.org" not in html


def test_invited_can_be_searched_and_filtered(client, as_admin, admin, make_group):
    """Search and the group filter apply to the invitations too."""
    group = make_group()
    invite("in.group@example.org", inviter=admin, groups=[(group, GroupRole.MEMBER)])
    invite("elsewhere@example.org", inviter=admin, name_zh="陈静")
    html = client.get(f"/admin/users?status=invited&group={group.id}").get_data(as_text=True)
    assert "in.group@example.org" in html and "elsewhere@example.org" not in html
    html = client.get("/admin/users", query_string={"status": "invited", "q": "陈"}).get_data(
        as_text=True
    )
    assert "elsewhere@example.org" in html and "in.group@example.org" not in html


def test_pages_of_25_keep_the_filters(client, as_admin, make_user):
    """The list shows 25 accounts a page, and the page links keep the filters."""
    for n in range(30):
        make_user(name=f"Paged Person {n:02d}", country="DE")
    first = client.get("/admin/users?country=DE&status=active").get_data(as_text=True)
    assert len(rows(first)) == 25
    links = re.findall(r'href="(/admin/users\?[^"]*page=2[^"]*)"', first)
    assert links, "no link to page 2"
    link = links[0].replace("&amp;", "&")
    assert "country=DE" in link and "status=active" in link
    second = client.get(link).get_data(as_text=True)
    assert len(rows(second)) == 5


def test_the_query_count_does_not_grow_with_the_rows(
    client, as_admin, make_user, make_group, add_member, make_organisation, count_queries
):
    """A full page costs as many queries as a page of one account."""
    organisation = make_organisation("Some University", "某大学")
    group = make_group()

    def people(n):
        for _ in range(n):
            person = make_user(organisation_id=organisation.id, country="FR")
            add_member(person, group)

    people(1)
    few = count_queries(lambda: client.get("/admin/users"))
    people(30)
    assert count_queries(lambda: client.get("/admin/users")) == few


def test_the_invitation_list_query_count_does_not_grow(
    client, as_admin, admin, make_group, make_organisation, count_queries
):
    """Listing open invitations costs the same for one as for a full page."""
    group = make_group()
    organisation = make_organisation("Charité", "夏里特")
    invite("first@example.org", inviter=admin, groups=[(group, GroupRole.MEMBER)])
    few = count_queries(lambda: client.get("/admin/users?status=invited"))
    for n in range(30):
        invite(
            f"more{n}@example.org",
            inviter=admin,
            groups=[(group, GroupRole.LEAD)],
            organisation=organisation,
        )
    assert count_queries(lambda: client.get("/admin/users?status=invited")) == few


@pytest.mark.parametrize(
    "query",
    [
        "role=superuser",
        "status=everything",
        "group=not-a-number",
        "group=99999",
        "country=ZZZ",
        "page=abc",
        "page=-3",
        "page=100000000000000000000",
        "q=" + "x" * 500,
        "q=%00",
    ],
)
def test_bad_filter_values_are_ignored(client, as_admin, make_user, query):
    """A forged or broken filter is ignored (the page still answers 200), never an error."""
    make_user(name="Always Listed")
    response = client.get(f"/admin/users?{query}")
    assert response.status_code == 200
    assert "Always Listed" in response.get_data(as_text=True) or query.startswith("page=1")


def test_only_administrators_see_the_list(client, make_user, login_as, make_group, add_member):
    """Coordinators and group leads are refused; visitors are sent to sign in."""
    assert client.get("/admin/users").status_code == 302
    lead = make_user()
    add_member(lead, make_group(), GroupRole.LEAD)
    login_as(lead)
    assert client.get("/admin/users").status_code == 403
    post(client, "/logout")
    login_as(make_user(site_role=SiteRole.COORDINATOR))
    assert client.get("/admin/users").status_code == 403
