"""The list of groups and a group's home: what each reader sees, and at what cost in queries."""

from __future__ import annotations

import re

import pytest

from app.auth.models import SiteRole
from app.extensions import db
from app.groups.models import GroupRole
from app.organisations.models import Organisation, OrganisationKind


def card_of(html: str, code: str) -> str:
    """Return the HTML of the group card that shows `code`."""
    cards = re.split(r'<div class="col">', html)
    [card] = [c for c in cards if f">{code}</span>" in c]
    return card


# The list of groups -----------------------------------------------------------------------------


def test_cards_show_code_name_leads_count_and_priority(
    cast, make_user, add_member, login_as, client
):
    """Each card: the code, the name, the leads' names, the member count and the priority."""
    cast.group.priority_en = "Shaping sustainable healthcare"
    db.session.commit()
    add_member(make_user(name="Second Lead"), cast.group, GroupRole.LEAD)
    add_member(make_user(name="Gone Member", active=False), cast.group, GroupRole.MEMBER)
    login_as(cast.member)
    card = card_of(client.get("/groups/").get_data(as_text=True), "WG1")
    assert "Shaping healthcare" in card
    assert "Leads: Lena Lead, Second Lead" in card
    assert "4 members" in card  # the deactivated account is not counted
    assert "Action Plan priority: Shaping sustainable healthcare" in card


def test_cards_are_in_the_readers_language(cast, make_user, add_member, login_as, client):
    """Chinese readers get the Chinese name and priority, or the English where there is none."""
    cast.group.priority_zh = "塑造可持续医疗"
    cast.group.priority_en = "Shaping sustainable healthcare"
    cast.other_group.name_zh = None
    db.session.commit()
    reader = make_user(locale="zh")
    add_member(reader, cast.group)
    add_member(reader, cast.other_group)
    login_as(reader)
    html = client.get("/groups/").get_data(as_text=True)
    assert "塑造医疗" in card_of(html, "WG1")
    assert "Shaping healthcare" not in html
    assert "塑造可持续医疗" in card_of(html, "WG1")
    assert "Innovation and market" in card_of(html, "WG2")  # no Chinese name: English


def test_a_group_without_lead_says_so(make_user, make_group, add_member, login_as, client):
    """A card never pretends there is a lead."""
    group = make_group(code="WG9")
    me = make_user()
    add_member(me, group, GroupRole.MEMBER)
    login_as(me)
    assert "No lead yet" in card_of(client.get("/groups/").get_data(as_text=True), "WG9")


def test_members_see_only_their_groups(cast, login_as, client):
    """A member's list holds their groups; another group is neither listed nor reachable."""
    login_as(cast.member)
    html = client.get("/groups/").get_data(as_text=True)
    assert "Shaping healthcare" in html
    assert "Innovation and market" not in html
    assert "New working group" not in html and "?archived=1" not in html


def test_archived_groups_are_listed_only_on_request_to_staff(cast, make_group, login_as, client):
    """Coordinators see archived groups under their own filter, with a restore button."""
    make_group(code="WG8", name_en="An old group", is_archived=True)
    login_as(cast.coordinator)
    default = client.get("/groups/").get_data(as_text=True)
    assert "An old group" not in default
    assert "Shaping healthcare" in default and "Innovation and market" in default
    assert "New working group" in default
    archived = client.get("/groups/?archived=1").get_data(as_text=True)
    assert "An old group" in archived
    assert "Shaping healthcare" not in archived
    assert 'action="/groups/wg' in card_of(archived, "WG8")
    assert "Restore" in card_of(archived, "WG8")


def test_the_list_is_paginated(make_user, make_group, login_as, client):
    """Many groups are shown a page at a time."""
    for n in range(30):
        make_group(code=f"G{n:02d}", name_en=f"Group number {n:02d}")
    login_as(make_user(site_role=SiteRole.ADMIN))
    first = client.get("/groups/").get_data(as_text=True)
    assert "Group number 00" in first and "Group number 29" not in first
    assert "Page 1 of 2" in first
    second = client.get("/groups/?page=2").get_data(as_text=True)
    assert "Group number 29" in second and "Group number 00" not in second


def test_the_list_costs_the_same_number_of_queries_for_any_number_of_groups(
    cast, make_user, make_group, add_member, login_as, count_queries
):
    """Leads and member counts are fetched for all cards at once, not card by card."""
    login_as(cast.coordinator)
    few = count_queries("/groups/")
    for _ in range(6):
        group = make_group()
        add_member(make_user(), group, GroupRole.LEAD)
        add_member(make_user(), group, GroupRole.LEAD)
        add_member(make_user(), group, GroupRole.MEMBER)
    assert count_queries("/groups/") == few


# A group's home ---------------------------------------------------------------------------------


def test_home_lists_members_with_role_organisation_and_country(cast, login_as, client):
    """Each member's name, organisation (in the reader's language), country and role."""
    pumc = Organisation(
        name_en="Peking Union Medical College", name_zh="北京协和医学院", country="CN",
        kind=OrganisationKind.UNIVERSITY,
    )  # fmt: skip
    db.session.add(pumc)
    cast.member.organisation = pumc
    cast.member.country = "CN"
    db.session.commit()
    login_as(cast.observer)
    html = client.get("/groups/wg1/").get_data(as_text=True)
    row = html.split(f'id="membership-{cast.memberships["member"].id}"')[1].split("</tr>")[0]
    assert "Marco Member" in row
    assert "Peking Union Medical College" in row
    assert "China" in row
    assert "role-member" in row
    cast.observer.locale = "zh"
    db.session.commit()
    html = client.get("/groups/wg1/").get_data(as_text=True)
    assert "北京协和医学院" in html and "中国" in html


@pytest.mark.parametrize("principal", ["member", "observer"])
def test_members_and_observers_see_no_controls(principal, cast, login_as, client):
    """Without the right to manage, the page shows no management control at all."""
    login_as(cast.people[principal])
    html = client.get("/groups/wg1/").get_data(as_text=True)
    assert "/members/add" not in html
    assert "/members/invite" not in html
    assert "/role" not in html and "/remove" not in html
    assert "/edit" not in html and "/archive" not in html


def test_a_lead_manages_members_but_not_the_group(cast, login_as, client):
    """Leads get the member controls; editing and archiving the group are for the staff."""
    login_as(cast.lead)
    html = client.get("/groups/wg1/").get_data(as_text=True)
    assert 'href="/groups/wg1/members/add"' in html
    assert 'href="/groups/wg1/members/invite"' in html
    member_id = cast.memberships["member"].id
    assert f'action="/groups/wg1/members/{member_id}/role"' in html
    assert f'action="/groups/wg1/members/{member_id}/remove"' in html
    assert "/groups/wg1/edit" not in html and "/groups/wg1/archive" not in html
    # Removing a member asks first (the confirmation script is on every page).
    assert 'data-confirm="Remove ' in html
    assert 'src="/static/js/confirm.js"' in html


@pytest.mark.parametrize("principal", ["coordinator", "admin"])
def test_staff_get_every_control(principal, cast, login_as, client):
    """Coordinators and admins manage members and edit and archive the group."""
    login_as(cast.people[principal])
    html = client.get("/groups/wg1/").get_data(as_text=True)
    assert 'href="/groups/wg1/members/add"' in html
    assert 'href="/groups/wg1/edit"' in html
    assert 'action="/groups/wg1/archive"' in html


def test_an_archived_group_shows_the_banner_and_no_controls(cast, login_as, client):
    """Read-only: a clear banner, and nothing to change except restoring it."""
    cast.group.is_archived = True
    db.session.commit()
    login_as(cast.coordinator)
    html = client.get("/groups/wg1/").get_data(as_text=True)
    assert "This working group is archived (read-only)." in html
    assert 'action="/groups/wg1/restore"' in html
    for control in ("/members/add", "/members/invite", "/role", "/remove", "/edit", "/archive"):
        assert control not in html, control


def test_home_costs_the_same_number_of_queries_for_any_number_of_members(
    cast, make_user, add_member, login_as, count_queries
):
    """Members, their accounts and organisations come in a fixed number of queries."""
    login_as(cast.lead)
    few = count_queries("/groups/wg1/")
    for n in range(8):
        organisation = Organisation(name_en=f"Organisation {n}", country="DE")
        db.session.add(organisation)
        db.session.commit()
        person = make_user(organisation_id=organisation.id, country="DE")
        add_member(person, cast.group, GroupRole.MEMBER if n % 2 else GroupRole.LEAD)
    assert count_queries("/groups/wg1/") == few


def test_a_long_member_list_is_paginated(cast, make_user, add_member, login_as, client):
    """A group's members come a hundred at a time, leads first on the first page."""
    for n in range(100):
        add_member(make_user(name=f"Zz Member {n:03d}"), cast.group)
    login_as(cast.member)
    first = client.get("/groups/wg1/").get_data(as_text=True)
    assert "103 members" in first
    assert "Lena Lead" in first and "Zz Member 099" not in first
    second = client.get("/groups/wg1/?page=2").get_data(as_text=True)
    assert "Zz Member 099" in second and "Lena Lead" not in second
