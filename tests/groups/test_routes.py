"""Working-group pages."""

from __future__ import annotations

from app.auth.models import SiteRole
from app.groups.models import GroupRole


def test_group_home_lists_members_leads_first(client, make_user, make_group, add_member, login_as):
    """The group home shows the description and the members, leads first."""
    group = make_group(description_en="Regulation and market access.")
    zoe = make_user(name="Zoe Member")
    adam = make_user(name="Adam Lead", name_zh="亚当")
    add_member(zoe, group, GroupRole.MEMBER)
    add_member(adam, group, GroupRole.LEAD)
    reader = make_user(name="Reader")
    add_member(reader, group, GroupRole.OBSERVER)
    login_as(reader)
    html = client.get(f"/groups/{group.slug}/").get_data(as_text=True)
    assert "Regulation and market access." in html
    assert html.index("Adam Lead") < html.index("Zoe Member")
    assert "亚当" in html


def test_deactivated_members_are_not_listed(client, make_user, make_group, add_member, login_as):
    """A deactivated account no longer appears among the members."""
    group = make_group()
    me = make_user()
    gone = make_user(name="Gone Person", active=False)
    add_member(me, group)
    add_member(gone, group)
    login_as(me)
    assert "Gone Person" not in client.get(f"/groups/{group.slug}/").get_data(as_text=True)


def test_another_groups_home_is_not_found(client, make_user, make_group, add_member, login_as):
    """A member of one group gets 404 for another group's page, as for a missing one."""
    mine, theirs = make_group(), make_group()
    me = make_user()
    add_member(me, mine)
    login_as(me)
    assert client.get(f"/groups/{theirs.slug}/").status_code == 404
    assert client.get("/groups/no-such-group/").status_code == 404


def test_group_list_shows_only_my_groups(client, make_user, make_group, add_member, login_as):
    """Members see their own groups in the list; coordinators see all."""
    mine = make_group(name_en="Mine")
    make_group(name_en="Theirs")
    me = make_user()
    add_member(me, mine)
    login_as(me)
    html = client.get("/groups/").get_data(as_text=True)
    assert "Mine" in html and "Theirs" not in html


def test_coordinator_sees_every_group(client, make_user, make_group, login_as):
    """Coordinators may open any group."""
    group = make_group(name_en="Theirs")
    login_as(make_user(site_role=SiteRole.COORDINATOR))
    assert "Theirs" in client.get("/groups/").get_data(as_text=True)
    assert client.get(f"/groups/{group.slug}/").status_code == 200


def test_removed_member_loses_access_at_the_next_request(
    client, make_user, make_group, add_member, login_as
):
    """Taking someone out of a group takes the group away from their live session."""
    from app.extensions import db

    group = make_group()
    me = make_user()
    membership = add_member(me, group)
    login_as(me)
    assert client.get(f"/groups/{group.slug}/").status_code == 200
    db.session.delete(membership)
    db.session.commit()
    assert client.get(f"/groups/{group.slug}/").status_code == 404


def test_a_malformed_group_address_is_not_found(client, make_user, login_as):
    """A NUL or an overlong slug in the address answers 404, never a database error."""
    login_as(make_user(site_role=SiteRole.ADMIN))
    assert client.get("/groups/a%00b/").status_code == 404
    assert client.get(f"/groups/{'x' * 500}/").status_code == 404
    assert client.get("/groups/a%00b/members/candidates?q=a").status_code == 404
