"""Managing a group's members: add, invite, change the role, remove; and who may."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.core.database import utcnow
from app.extensions import db
from app.groups.models import GroupRole, Membership
from tests.conftest import DEFAULT_PASSWORD, fetch_csrf_token
from tests.groups.conftest import PRINCIPALS, audit_events, membership_of

#: The answer each principal gets from a management action on `cast.group`.
MANAGERS = {
    "lead": 302,
    "member": 403,
    "observer": 403,
    "other_lead": 404,
    "coordinator": 302,
    "admin": 302,
}


def memberships_count() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Membership))


# Adding an existing account -------------------------------------------------------------------


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_only_the_groups_leads_and_staff_add_members(principal, cast, make_user, login_as, post):
    """Leads of this group, coordinators and admins add; others get 403, other leads 404."""
    newcomer = make_user(name="Nina Newcomer")
    login_as(cast.people[principal])
    response = post("/groups/wg1/members/add", {"user_id": newcomer.id, "role": "member"})
    assert response.status_code == MANAGERS[principal]
    added = membership_of(newcomer, cast.group)
    assert (added is not None) == (MANAGERS[principal] == 302)


def test_adding_a_member_records_it(cast, make_user, login_as, post, client):
    """The new member gets the chosen role, the audit log says who added whom, in which group."""
    newcomer = make_user(name="Nina Newcomer")
    login_as(cast.lead)
    response = post("/groups/wg1/members/add", {"user_id": newcomer.id, "role": "observer"})
    assert response.status_code == 302
    assert response.location == "/groups/wg1/"
    assert membership_of(newcomer, cast.group).role == GroupRole.OBSERVER
    [event] = audit_events("membership.added")
    assert event.actor_id == cast.lead.id
    assert event.details == {"group": "WG1", "user_id": newcomer.id, "role": "observer"}
    assert "Nina Newcomer has joined WG1 as Observer." in client.get("/groups/wg1/").get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"user_id": "999999", "role": "member"}, "There is no active account to add"),
        ({"user_id": "99999999999999", "role": "member"}, "Choose a person from the list."),
        ({"user_id": "", "role": "member"}, "This field is required."),
        ({"user_id": "1\x00", "role": "member"}, "Choose a person from the list."),
        ({"role": "member"}, "This field is required."),
        ({"user_id": "{newcomer}", "role": ""}, "This field is required."),
        ({"user_id": "{newcomer}", "role": "superlead"}, "Choose a role from the list."),
        ({"user_id": "{newcomer}", "role": "lead\x00"}, "Choose a role from the list."),
    ],
)
def test_bad_input_to_add_is_a_form_error(data, message, cast, make_user, login_as, post):
    """An unknown id, an empty or invented role, control characters: an error, nobody added."""
    newcomer = make_user()
    data = {k: v.replace("{newcomer}", str(newcomer.id)) for k, v in data.items()}
    login_as(cast.lead)
    before = memberships_count()
    response = post("/groups/wg1/members/add", data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'class="alert alert-danger"' in html
    assert message in html
    assert memberships_count() == before
    assert audit_events("membership.added") == []


def test_a_deactivated_or_erased_account_cannot_be_added(cast, make_user, login_as, post):
    """Only active accounts can join a group."""
    gone = make_user(active=False)
    erased = make_user()
    erased.erased_at = utcnow()
    db.session.commit()
    login_as(cast.lead)
    for person in (gone, erased):
        response = post("/groups/wg1/members/add", {"user_id": person.id, "role": "member"})
        assert response.status_code == 200
        assert "There is no active account to add with this choice." in response.get_data(
            as_text=True
        )
        assert membership_of(person, cast.group) is None


def test_someone_already_in_the_group_is_not_added_twice(cast, login_as, post):
    """Adding a member again is an error; their role stays as it was."""
    login_as(cast.lead)
    response = post("/groups/wg1/members/add", {"user_id": cast.member.id, "role": "lead"})
    assert response.status_code == 200
    assert "Marco Member is already in this working group." in response.get_data(as_text=True)
    assert membership_of(cast.member, cast.group).role == GroupRole.MEMBER


def test_the_add_page_works_without_javascript(cast, make_user, login_as, client, post):
    """A plain search lists the matching people with an Add button each, which adds them."""
    wang = make_user(name="Wang Lei", name_zh="王磊")
    login_as(cast.lead)
    html = client.get("/groups/wg1/members/add?q=王").get_data(as_text=True)
    assert "Wang Lei" in html
    assert f'name="user_id" value="{wang.id}"' in html
    assert 'src="/static/js/groups.js"' in html
    assert "<script>" not in html and "<style" not in html
    response = post("/groups/wg1/members/add?q=王", {"user_id": wang.id, "role": "member"})
    assert response.status_code == 302
    assert membership_of(wang, cast.group) is not None


def test_the_add_page_says_when_nobody_matches(cast, login_as, client):
    """A search without results says so."""
    login_as(cast.lead)
    html = client.get("/groups/wg1/members/add?q=nobody-like-this").get_data(as_text=True)
    assert "No account outside this group matches." in html


def test_a_search_with_control_characters_is_a_form_error(cast, login_as, client):
    """The search field refuses control characters like every other text field."""
    login_as(cast.lead)
    response = client.get("/groups/wg1/members/add?q=a%00b")
    assert response.status_code == 200
    assert "This field contains characters that are not allowed." in response.get_data(as_text=True)


# The candidates endpoint ----------------------------------------------------------------------


def candidate_names(client, q: str, slug: str = "wg1") -> list[str]:
    response = client.get(f"/groups/{slug}/members/candidates", query_string={"q": q})
    assert response.status_code == 200
    assert response.is_json
    return [c["name"] for c in response.get_json()["candidates"]]


def test_candidates_match_names_email_and_organisation(cast, make_user, login_as, client):
    """Latin name, Chinese name, e-mail and the organisation's names (either language) match."""
    from app.organisations.models import Organisation, OrganisationKind

    charite = Organisation(
        name_en="Charité Berlin", name_zh="柏林夏里特医院", country="DE",
        kind=OrganisationKind.HOSPITAL,
    )  # fmt: skip
    db.session.add(charite)
    db.session.commit()
    make_user(name="Wang Lei", name_zh="王磊", email="wl@pumc.example.cn")
    make_user(name="Anna Schmidt", organisation_id=charite.id)
    make_user(name="Pierre Durand", email="pierre.durand@inserm.example.fr")
    login_as(cast.lead)
    assert candidate_names(client, "wang") == ["Wang Lei"]
    assert candidate_names(client, "王") == ["Wang Lei"]
    assert candidate_names(client, "PUMC") == ["Wang Lei"]
    assert candidate_names(client, "inserm") == ["Pierre Durand"]
    assert candidate_names(client, "charité") == ["Anna Schmidt"]
    assert candidate_names(client, "夏里特") == ["Anna Schmidt"]
    [anna] = client.get("/groups/wg1/members/candidates?q=夏里特").get_json()["candidates"]
    assert anna["organisation"] == "Charité Berlin"
    assert set(anna) == {"id", "name", "name_zh", "email", "organisation"}


def test_candidates_are_active_people_outside_the_group(cast, make_user, login_as, client):
    """Members, deactivated and erased accounts are never suggested."""
    make_user(name="Zed Active")
    make_user(name="Zed Deactivated", active=False)
    erased = make_user(name="Zed Erased")
    erased.erased_at = utcnow()
    db.session.commit()
    login_as(cast.lead)
    assert candidate_names(client, "zed") == ["Zed Active"]
    assert candidate_names(client, "Marco") == []  # already a member
    assert "Otto Otherlead" in candidate_names(client, "Otto")  # in another group only


def test_candidates_are_at_most_ten(cast, make_user, login_as, client):
    """However many match, ten are suggested."""
    for n in range(12):
        make_user(name=f"Many Match {n:02d}")
    login_as(cast.lead)
    assert len(candidate_names(client, "many match")) == 10


def test_candidates_search_text_is_not_a_pattern(cast, make_user, login_as, client):
    """`%` and `_` are looked for as they are, not as wildcards that match everyone."""
    make_user(name="Percy Plain")
    login_as(cast.lead)
    assert candidate_names(client, "%") == []
    assert candidate_names(client, "_") == []
    assert candidate_names(client, "  ") == []


def test_candidates_refuse_control_characters(cast, login_as, client):
    """A query with a NUL is a bad request, never a database error."""
    login_as(cast.lead)
    response = client.get("/groups/wg1/members/candidates?q=a%00b")
    assert response.status_code == 400
    assert response.get_json()["candidates"] == []


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_only_managers_may_search_candidates(principal, cast, make_user, login_as, client):
    """The list of accounts is for those who may add members to this group."""
    make_user(name="Findable Person")
    login_as(cast.people[principal])
    response = client.get("/groups/wg1/members/candidates?q=findable")
    expected = 200 if MANAGERS[principal] == 302 else MANAGERS[principal]
    assert response.status_code == expected
    if expected == 200:
        assert response.get_json()["candidates"][0]["name"] == "Findable Person"


def test_candidates_need_sign_in(cast, client):
    """Visitors are sent to the sign-in page."""
    response = client.get("/groups/wg1/members/candidates?q=a")
    assert response.status_code == 302
    assert response.location.startswith("/login")


# Changing a member's role ---------------------------------------------------------------------


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_only_managers_change_roles(principal, cast, login_as, post):
    """Leads of this group, coordinators and admins change roles; the others are refused."""
    login_as(cast.people[principal])
    membership = cast.memberships["observer"]
    response = post(f"/groups/wg1/members/{membership.id}/role", {"role": "member"})
    assert response.status_code == MANAGERS[principal]
    expected = GroupRole.MEMBER if MANAGERS[principal] == 302 else GroupRole.OBSERVER
    assert membership_of(cast.observer, cast.group).role == expected


def test_changing_a_role_is_recorded(cast, login_as, post, client):
    """The audit event names the group, the person and the old and new roles."""
    login_as(cast.coordinator)
    membership = cast.memberships["member"]
    response = post(f"/groups/wg1/members/{membership.id}/role", {"role": "lead"})
    assert response.status_code == 302
    assert membership_of(cast.member, cast.group).role == GroupRole.LEAD
    [event] = audit_events("membership.role_changed")
    assert event.actor_id == cast.coordinator.id
    assert event.details == {
        "group": "WG1",
        "user_id": cast.member.id,
        "old_role": "member",
        "new_role": "lead",
    }
    assert "Marco Member is now Lead." in client.get("/groups/wg1/").get_data(as_text=True)


def test_setting_the_same_role_changes_nothing(cast, login_as, post):
    """Choosing the role someone already has is not an event."""
    login_as(cast.lead)
    response = post(f"/groups/wg1/members/{cast.memberships['member'].id}/role", {"role": "member"})
    assert response.status_code == 302
    assert audit_events("membership.role_changed") == []


@pytest.mark.parametrize("role", ["", "superlead", "LEAD", "lead\x00", "admin"])
def test_an_invented_role_is_refused(role, cast, login_as, post):
    """Only lead, member and observer exist: anything else is a form error and nothing changes."""
    login_as(cast.lead)
    membership = cast.memberships["member"]
    response = post(f"/groups/wg1/members/{membership.id}/role", {"role": role})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'id="errors-{membership.id}"' in html
    assert membership_of(cast.member, cast.group).role == GroupRole.MEMBER


def test_the_last_lead_cannot_be_demoted(cast, login_as, post):
    """A group always keeps a lead: the page says why, and nothing changes."""
    login_as(cast.coordinator)
    membership = cast.memberships["lead"]
    response = post(f"/groups/wg1/members/{membership.id}/role", {"role": "member"})
    assert response.status_code == 200
    assert "A working group needs at least one lead" in response.get_data(as_text=True)
    assert membership_of(cast.lead, cast.group).role == GroupRole.LEAD
    assert audit_events("membership.role_changed") == []


def test_a_lead_may_step_down_when_there_is_another(cast, login_as, post, add_member):
    """With two leads, either may become a member."""
    cast.memberships["member"].role = GroupRole.LEAD
    db.session.commit()
    login_as(cast.lead)
    response = post(f"/groups/wg1/members/{cast.memberships['lead'].id}/role", {"role": "member"})
    assert response.status_code == 302
    assert membership_of(cast.lead, cast.group).role == GroupRole.MEMBER


def test_a_deactivated_lead_does_not_count_as_a_lead(cast, make_user, add_member, login_as, post):
    """A group whose other lead is deactivated would be left without anyone to run it."""
    add_member(make_user(active=False), cast.group, GroupRole.LEAD)
    login_as(cast.coordinator)
    response = post(f"/groups/wg1/members/{cast.memberships['lead'].id}/role", {"role": "member"})
    assert response.status_code == 200
    assert membership_of(cast.lead, cast.group).role == GroupRole.LEAD


def test_another_groups_membership_id_is_not_found(cast, login_as, post):
    """A forged id of another group's membership answers 404, and that membership is untouched."""
    login_as(cast.lead)
    foreign = cast.other_lead_membership
    response = post(f"/groups/wg1/members/{foreign.id}/role", {"role": "observer"})
    assert response.status_code == 404
    assert post(f"/groups/wg1/members/{foreign.id}/remove").status_code == 404
    assert post("/groups/wg1/members/999999/role", {"role": "observer"}).status_code == 404
    assert membership_of(cast.other_lead, cast.other_group).role == GroupRole.LEAD


# Removing a member ----------------------------------------------------------------------------


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_only_managers_remove_members(principal, cast, login_as, post):
    """Leads of this group, coordinators and admins remove; the others are refused."""
    login_as(cast.people[principal])
    response = post(f"/groups/wg1/members/{cast.memberships['observer'].id}/remove")
    assert response.status_code == MANAGERS[principal]
    removed = membership_of(cast.observer, cast.group) is None
    assert removed == (MANAGERS[principal] == 302)


def test_removing_a_member_is_recorded(cast, login_as, post, client):
    """The audit event names the group, the person and the role they had."""
    login_as(cast.lead)
    response = post(f"/groups/wg1/members/{cast.memberships['member'].id}/remove")
    assert response.status_code == 302
    assert response.location == "/groups/wg1/"
    [event] = audit_events("membership.removed")
    assert event.actor_id == cast.lead.id
    assert event.details == {"group": "WG1", "user_id": cast.member.id, "old_role": "member"}
    assert "Marco Member has left WG1." in client.get("/groups/wg1/").get_data(as_text=True)


def test_the_last_lead_cannot_be_removed(cast, login_as, post):
    """Removing the only lead is refused with the reason, and nothing changes."""
    login_as(cast.admin)
    response = post(f"/groups/wg1/members/{cast.memberships['lead'].id}/remove")
    assert response.status_code == 200
    assert "A working group needs at least one lead" in response.get_data(as_text=True)
    assert membership_of(cast.lead, cast.group) is not None
    assert audit_events("membership.removed") == []


def test_a_lead_who_leaves_goes_back_to_the_list(cast, login_as, post):
    """A lead who removes themselves (another lead remains) no longer sees the group."""
    cast.memberships["member"].role = GroupRole.LEAD
    db.session.commit()
    login_as(cast.lead)
    response = post(f"/groups/wg1/members/{cast.memberships['lead'].id}/remove")
    assert response.status_code == 302
    assert response.location == "/groups/"


def test_a_removed_member_loses_access_at_the_next_request(app, cast, login_as, post):
    """The person removed, signed in elsewhere, gets 404 for the group at once."""
    theirs = app.test_client()
    token = fetch_csrf_token(theirs, "/login")
    theirs.post(
        "/login",
        data={"email": cast.member.email, "password": DEFAULT_PASSWORD, "csrf_token": token},
    )
    assert theirs.get("/groups/wg1/").status_code == 200
    login_as(cast.lead)
    assert post(f"/groups/wg1/members/{cast.memberships['member'].id}/remove").status_code == 302
    assert theirs.get("/groups/wg1/").status_code == 404
    assert "Shaping healthcare" not in theirs.get("/groups/").get_data(as_text=True)


# Archived groups --------------------------------------------------------------------------------


@pytest.mark.parametrize("principal", ["lead", "coordinator", "admin"])
def test_an_archived_groups_membership_is_read_only(principal, cast, make_user, login_as, post):
    """Nobody adds, invites, re-roles or removes in an archived group."""
    newcomer = make_user(name="Nina Newcomer")
    cast.group.is_archived = True
    db.session.commit()
    login_as(cast.people[principal])
    member_id = cast.memberships["member"].id
    assert (
        post("/groups/wg1/members/add", {"user_id": newcomer.id, "role": "member"}).status_code
        == 403
    )
    assert (
        post(
            "/groups/wg1/members/invite",
            {"email": "n@example.org", "locale": "en", "role": "member"},
        ).status_code
        == 403
    )
    assert post(f"/groups/wg1/members/{member_id}/role", {"role": "lead"}).status_code == 403
    assert post(f"/groups/wg1/members/{member_id}/remove").status_code == 403
    assert membership_of(newcomer, cast.group) is None
    assert membership_of(cast.member, cast.group).role == GroupRole.MEMBER


@pytest.mark.parametrize(
    "path",
    ["/groups/wg1/members/add", "/groups/wg1/members/invite", "/groups/wg1/members/candidates?q=a"],
)
def test_an_archived_groups_management_pages_are_refused(path, cast, login_as, client):
    """The coordinator gets 403 for the management pages of an archived group."""
    cast.group.is_archived = True
    db.session.commit()
    login_as(cast.coordinator)
    assert client.get(path).status_code == 403
