"""A member's profile page: who they are, their groups, and their local time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from app.auth.models import SiteRole
from app.core.database import utcnow
from app.extensions import db
from app.members.services import utc_offset_label
from app.organisations.models import Organisation, OrganisationKind
from tests.conftest import csrf_token_from

#: A Tuesday, 08:05 UTC: 16:05 in Shanghai, 09:05 in Rome (winter time).
TUESDAY_MORNING = datetime(2025, 3, 4, 8, 5, tzinfo=UTC)


def page_of(client, person) -> str:
    response = client.get(f"/members/{person.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_profile_shows_who_the_person_is(client, make_user, login_as):
    """Name, Chinese name, organisation, position, expertise, country and e-mail are shown."""
    organisation = Organisation(
        name_en="Fudan University", country="CN", kind=OrganisationKind.UNIVERSITY
    )
    db.session.add(organisation)
    db.session.commit()
    person = make_user(
        name="Wang Lei",
        name_zh="王磊",
        email="wang.lei@example.cn",
        organisation_id=organisation.id,
        country="CN",
        position="Professor",
        expertise="Pharmacogenomics\nClinical trials",
    )
    login_as(make_user())
    page = page_of(client, person)
    for text in ("Wang Lei", "王磊", "Fudan University", "Professor", "China"):
        assert text in page
    assert "Pharmacogenomics<br>Clinical trials" in page
    assert 'href="mailto:wang.lei@example.cn"' in page


def test_every_group_and_role_is_listed_but_only_visible_groups_are_links(
    client, make_user, make_group, add_member, login_as
):
    """Group names and roles are not secret; links go only to groups the reader may open."""
    person = make_user()
    shared = make_group(code="WG1X", slug="shared", name_en="Shared group")
    private = make_group(code="WG2X", slug="private", name_en="Private group")
    archived = make_group(code="WG3X", slug="old", name_en="Old group", is_archived=True)
    add_member(person, shared, "lead")
    add_member(person, private, "observer")
    add_member(person, archived, "member")
    reader = make_user()
    add_member(reader, shared)
    login_as(reader)
    page = page_of(client, person)
    assert 'href="/groups/shared/">Shared group</a>' in page
    assert "<span>Private group</span>" in page
    assert 'href="/groups/private/"' not in page
    assert "Old group" not in page
    assert "role-lead" in page and "role-observer" in page


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("Asia/Shanghai", "Tue 16:05 (Asia/Shanghai, UTC+8)"),
        ("Europe/Rome", "Tue 09:05 (Europe/Rome, UTC+1)"),
        ("Asia/Kolkata", "Tue 13:35 (Asia/Kolkata, UTC+5:30)"),
        ("America/Sao_Paulo", "Tue 05:05 (America/Sao_Paulo, UTC-3)"),
        ("UTC", "Tue 08:05 (UTC, UTC+0)"),
    ],
)
def test_the_local_time_is_the_persons(client, make_user, login_as, zone, expected):
    """The time shown is the person's, in their zone, whatever the reader's zone."""
    person = make_user(timezone=zone)
    with time_machine.travel(TUESDAY_MORNING, tick=False):
        login_as(make_user(timezone="America/New_York"))
        page = page_of(client, person)
    assert expected in page


def test_the_local_time_follows_the_readers_language(client, make_user, login_as):
    """A Chinese reader gets the weekday in Chinese."""
    person = make_user(timezone="Asia/Shanghai")
    with time_machine.travel(TUESDAY_MORNING, tick=False):
        login_as(make_user(locale="zh"))
        page = page_of(client, person)
    assert "周二16:05" in page
    assert "Asia/Shanghai" in page and "UTC+8" in page


def test_summer_time_changes_the_offset(client, make_user, login_as):
    """In July, Rome is two hours ahead of UTC."""
    person = make_user(timezone="Europe/Rome")
    with time_machine.travel(datetime(2025, 7, 1, 8, 5, tzinfo=UTC), tick=False):
        login_as(make_user())
        assert "10:05 (Europe/Rome, UTC+2)" in page_of(client, person)


def test_utc_offset_labels():
    """Whole hours without minutes; half hours with them; the sign always."""
    assert utc_offset_label(timedelta(hours=8)) == "UTC+8"
    assert utc_offset_label(timedelta(hours=-3, minutes=-30)) == "UTC-3:30"
    assert utc_offset_label(timedelta(hours=5, minutes=45)) == "UTC+5:45"
    assert utc_offset_label(timedelta(0)) == "UTC+0"


def test_a_deactivated_account_is_404_except_for_administrators(client, make_user, login_as):
    """Members, even coordinators, get 404; administrators see a "deactivated" banner."""
    person = make_user(name="Dora Deactivated", active=False)
    login_as(make_user(site_role=SiteRole.COORDINATOR))
    assert client.get(f"/members/{person.id}").status_code == 404
    sign_out(client)
    login_as(make_user(site_role=SiteRole.ADMIN))
    page = page_of(client, person)
    assert "Dora Deactivated" in page
    assert "This account is deactivated." in page


def test_an_erased_account_is_404_except_for_administrators(client, make_user, login_as):
    """An erased account is gone for members; administrators see it marked as erased."""
    person = make_user(name="Erik Erased")
    person.erased_at = utcnow()
    db.session.commit()
    member = make_user()
    login_as(member)
    assert client.get(f"/members/{person.id}").status_code == 404
    sign_out(client)
    login_as(make_user(site_role=SiteRole.ADMIN))
    page = page_of(client, person)
    assert "This account has been erased." in page
    assert "Former member" in page


def sign_out(client) -> None:
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302


def test_an_unknown_member_is_404(client, make_user, login_as):
    """An id that names no account answers 404."""
    login_as(make_user())
    assert client.get("/members/999999").status_code == 404
    assert client.get("/members/abc").status_code == 404


def test_the_directory_links_to_the_profile(client, make_user, login_as):
    """Each name in the directory opens that member's profile."""
    person = make_user(name="Wang Lei")
    login_as(make_user())
    page = client.get("/members/").get_data(as_text=True)
    assert f'href="/members/{person.id}">Wang Lei</a>' in page
