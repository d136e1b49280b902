"""The signed-in home page."""

from __future__ import annotations

from app.auth.models import SiteRole
from app.extensions import db
from app.groups.models import GroupRole


def test_home_lists_my_groups_and_roles(client, make_user, make_group, add_member, login_as):
    """Each of my groups is listed with my role in it; other groups are not."""
    user = make_user()
    wg1 = make_group(name_en="Shaping sustainable healthcare")
    wg2 = make_group(name_en="Innovation and market")
    hidden = make_group(name_en="A group I am not in")
    add_member(user, wg1, GroupRole.LEAD)
    add_member(user, wg2, GroupRole.OBSERVER)
    login_as(user)
    html = client.get("/").get_data(as_text=True)
    assert "Shaping sustainable healthcare" in html
    assert "Innovation and market" in html
    assert hidden.name_en not in html
    assert html.index("Lead") < html.index("Observer")


def test_home_uses_the_chinese_names_for_chinese_readers(
    client, make_user, make_group, add_member, login_as
):
    """Group names are content: Chinese readers get the Chinese name when there is one."""
    user = make_user(locale="zh")
    add_member(user, make_group(name_en="Innovation and market", name_zh="创新与市场"))
    add_member(user, make_group(name_en="Only in English", name_zh=None))
    login_as(user)
    html = client.get("/").get_data(as_text=True)
    assert "创新与市场" in html
    assert "Innovation and market" not in html
    assert "Only in English" in html


def test_archived_groups_are_not_listed(client, make_user, make_group, add_member, login_as):
    """An archived group leaves the home page."""
    user = make_user()
    group = make_group(name_en="An archived group", is_archived=True)
    add_member(user, group)
    login_as(user)
    assert "An archived group" not in client.get("/").get_data(as_text=True)


def test_coordinators_also_see_the_groups_they_are_not_in(client, make_user, make_group, login_as):
    """A coordinator follows every group from the home page."""
    make_group(name_en="Research and clinical studies")
    login_as(make_user(site_role=SiteRole.COORDINATOR))
    assert "Research and clinical studies" in client.get("/").get_data(as_text=True)


def test_home_needs_sign_in(client):
    """Visitors are sent to the sign-in page, with the way back."""
    response = client.get("/")
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")


def test_home_has_a_constant_number_of_queries(
    client, make_user, make_group, add_member, login_as, app
):
    """The number of queries does not grow with the number of groups."""
    import sqlalchemy as sa

    user = make_user()
    login_as(user)

    def count_queries() -> int:
        statements = []

        def listen(*args):
            statements.append(args[2])

        with app.app_context():
            engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", listen)
        try:
            client.get("/")
        finally:
            sa.event.remove(engine, "before_cursor_execute", listen)
        return len(statements)

    add_member(user, make_group())
    few = count_queries()
    for _ in range(6):
        add_member(user, make_group())
    assert count_queries() == few
