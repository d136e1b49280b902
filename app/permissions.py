"""Who may do what: every access rule of the portal, and nowhere else.

Views and templates ask `can(user, "group.view", group)`; views that must refuse call
`require("group.view", group)`, which aborts with 404 where revealing that the object exists
would leak (another group's private work) and 403 otherwise, and logs the attempt.
Rules are small functions named after the permission; `RULES` maps each name to its rule.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, current_app, request
from flask_login import current_user

from app.auth.models import SiteRole, User
from app.groups.models import GroupRole, Membership, WorkingGroup

Rule = Callable[[User, Any], bool]


# Who someone is -------------------------------------------------------------------------------


def is_signed_in(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def sees_all_groups(user: User) -> bool:
    """Coordinators and administrators see every group's work."""
    return user.site_role in (SiteRole.ADMIN, SiteRole.COORDINATOR)


def membership_of(user: User, group: WorkingGroup) -> Membership | None:
    """Return the user's membership of the group, or None."""
    for membership in user.memberships:
        if membership.group_id == group.id:
            return membership
    return None


def group_role(user: User, group: WorkingGroup) -> GroupRole | None:
    membership = membership_of(user, group)
    return membership.role if membership else None


# The rules ------------------------------------------------------------------------------------


def can_view_group(user: User, group: WorkingGroup) -> bool:
    """See a group, its members and its work: its members (any role), coordinators, admins."""
    return sees_all_groups(user) or membership_of(user, group) is not None


def can_use_portal(user: User, _obj: Any = None) -> bool:
    """Use the signed-in part of the portal: any active account."""
    return True


RULES: dict[str, Rule] = {
    "portal.use": can_use_portal,
    "group.view": can_view_group,
}

#: Permissions whose refusal answers 404: the object's existence is itself private.
HIDDEN_WHEN_REFUSED = frozenset({"group.view"})


def can(user: Any, permission: str, obj: Any = None) -> bool:
    """Return True if `user` holds `permission` on `obj`."""
    rule = RULES[permission]
    if not is_signed_in(user):
        return False
    return rule(user, obj)


def require(permission: str, obj: Any = None) -> None:
    """Abort the request (404 or 403, logged) unless the current user holds `permission`."""
    if can(current_user, permission, obj):
        return
    current_app.logger.warning(
        "access refused: %s on %r to user %s (%s %s)",
        permission,
        obj,
        getattr(current_user, "id", None),
        request.method,
        request.path,
    )
    abort(404 if permission in HIDDEN_WHEN_REFUSED else 403)


def register_template_helpers(app: Any) -> None:
    """Let templates ask `can("group.view", group)` for the current user."""
    app.jinja_env.globals["can"] = lambda permission, obj=None: can(current_user, permission, obj)
