"""Access-matrix rows of the working-group routes (running groups, managing members).

Rows that change something point at objects of their own, and are built so that every
principal gets the same answer whatever the others did before: archiving an archived group
and restoring an active one are no-ops that still redirect; the role change sets a role that
stays set; the removal names the last lead of a group, which is always refused (and the page
shown again), so the walk never changes the membership it depends on.
"""

from __future__ import annotations

from typing import Any

from app.groups.models import GroupRole
from tests.access import Row, signed_in, statuses

#: Lead of the group, coordinators and admins; members and observers are refused (403);
#: the lead of another group does not see the group at all (404).
MANAGERS_OK = statuses(
    anonymous=302,
    deactivated=302,
    member=403,
    other_member=404,
    observer=403,
    lead=200,
    coordinator=200,
    admin=200,
)


def managers(status: int) -> dict[str, int]:
    """The group's leads, coordinators and admins get `status`."""
    return {**MANAGERS_OK, "lead": status, "coordinator": status, "admin": status}


def runners(status: int) -> dict[str, int]:
    """Coordinators and admins get `status`; the group's own people 403; outsiders 404."""
    return {**managers(status), "lead": 403}


def slug(world, key: str | None = None) -> str:
    return (world.extra[key] if key else world.group).slug


ROWS: dict[tuple[str, str], Row] = {
    ("groups.create", "GET"): Row(
        {**signed_in(403), "coordinator": 200, "admin": 200}, lambda w: "/groups/new"
    ),
    # An empty form: the page comes back with its errors, and nothing is created.
    ("groups.create", "POST"): Row(
        {**signed_in(403), "coordinator": 200, "admin": 200}, lambda w: "/groups/new", lambda w: {}
    ),
    ("groups.edit", "GET"): Row(runners(200), lambda w: f"/groups/{slug(w)}/edit"),
    ("groups.edit", "POST"): Row(
        runners(200), lambda w: f"/groups/{slug(w)}/edit", lambda w: {"code": ""}
    ),
    ("groups.archive", "POST"): Row(
        runners(302), lambda w: f"/groups/{slug(w, 'groups_to_archive')}/archive"
    ),
    ("groups.restore", "POST"): Row(
        runners(302), lambda w: f"/groups/{slug(w, 'groups_to_restore')}/restore"
    ),
    ("groups.candidates", "GET"): Row(
        managers(200), lambda w: f"/groups/{slug(w)}/members/candidates?q=person"
    ),
    ("groups.add_member", "GET"): Row(managers(200), lambda w: f"/groups/{slug(w)}/members/add"),
    # No role chosen: the page comes back with the error, and nobody is added.
    ("groups.add_member", "POST"): Row(
        managers(200),
        lambda w: f"/groups/{slug(w)}/members/add",
        lambda w: {"user_id": str(w.extra["groups_outsider"].id), "role": ""},
    ),
    ("invitations.invite_member", "GET"): Row(
        managers(200), lambda w: f"/groups/{slug(w)}/members/invite"
    ),
    ("invitations.invite_member", "POST"): Row(
        managers(200), lambda w: f"/groups/{slug(w)}/members/invite", lambda w: {"email": ""}
    ),
    ("groups.change_role", "POST"): Row(
        managers(302),
        lambda w: f"/groups/{slug(w)}/members/{w.extra['groups_role_target'].id}/role",
        lambda w: {"role": "observer"},
    ),
    # The last lead cannot be removed: the group page comes back with the reason.
    ("groups.remove_member", "POST"): Row(
        managers(200),
        lambda w: (
            f"/groups/{slug(w, 'groups_one_lead')}/members/{w.extra['groups_only_lead'].id}/remove"
        ),
    ),
}


def _group_like_the_main_one(world, factories, **fields: Any):
    """Return a new group whose members have the same roles as in `world.group`."""
    group = factories.make_group(**fields)
    memberships = {}
    for principal, role in (
        ("deactivated", GroupRole.MEMBER),
        ("member", GroupRole.MEMBER),
        ("observer", GroupRole.OBSERVER),
        ("lead", GroupRole.LEAD),
    ):
        memberships[principal] = factories.add_member(world.users[principal], group, role)
    return group, memberships


def build(world, factories) -> None:
    """Create the groups and memberships the rows above change (or try to)."""
    world.extra["groups_outsider"] = factories.make_user()
    target = factories.make_user()
    world.extra["groups_role_target"] = factories.add_member(target, world.group, GroupRole.MEMBER)
    world.extra["groups_to_archive"], _ = _group_like_the_main_one(world, factories)
    world.extra["groups_to_restore"], _ = _group_like_the_main_one(
        world, factories, is_archived=True
    )
    one_lead, memberships = _group_like_the_main_one(world, factories)
    world.extra["groups_one_lead"] = one_lead
    world.extra["groups_only_lead"] = memberships["lead"]
