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


def can_use_portal(user: User, _obj: Any = None) -> bool:
    """Use the signed-in part of the portal (directory, profiles): any active account."""
    return True


def can_view_group(user: User, group: WorkingGroup) -> bool:
    """See a group, its members and its work: its members (any role), coordinators, admins."""
    return sees_all_groups(user) or membership_of(user, group) is not None


def can_run_groups(user: User, _obj: Any = None) -> bool:
    """Create, edit, archive and restore working groups: coordinators and administrators."""
    return sees_all_groups(user)


def can_edit_group(user: User, group: WorkingGroup) -> bool:
    """Edit a working group's details: coordinators and admins, unless it is archived."""
    return can_run_groups(user) and not group.is_archived


def can_manage_members(user: User, group: WorkingGroup) -> bool:
    """Add, invite, re-role and remove a group's members: its leads, coordinators, admins.

    An archived group is read-only: nobody changes its membership until it is restored.
    """
    if group.is_archived:
        return False
    return sees_all_groups(user) or group_role(user, group) == GroupRole.LEAD


def is_admin(user: User, _obj: Any = None) -> bool:
    """Manage accounts (invite with any role, roles, deactivation, erasure): administrators."""
    return user.site_role == SiteRole.ADMIN


def can_read_audit_log(user: User, _obj: Any = None) -> bool:
    """Read the audit log: administrators, and coordinators (read only)."""
    return sees_all_groups(user)


def can_manage_organisations(user: User, _obj: Any = None) -> bool:
    """Keep the list of organisations: administrators and coordinators."""
    return sees_all_groups(user)


def can_view_profile(user: User, person: User) -> bool:
    """See a member's profile: any active account, for any active, not erased person."""
    return (person.is_active_account and not person.is_erased) or is_admin(user)


# Deliverables ---------------------------------------------------------------------------------


def can_manage_deliverables(user: User, obj: Any) -> bool:
    """Create and edit a group's deliverables and milestones: its leads, coordinators, admins.

    `obj` is the group, or one of its deliverables or milestones. An archived group is
    read-only.
    """
    group = group_of(obj)
    if group is None or group.is_archived:
        return False
    return sees_all_groups(user) or group_role(user, group) == GroupRole.LEAD


def can_progress_deliverable(user: User, deliverable: Any) -> bool:
    """Move a deliverable up to "submitted": leads, its responsible member, coordinators, admins."""
    group = deliverable.group
    if group.is_archived:
        return False
    if sees_all_groups(user):
        return True
    role = group_role(user, group)
    if role == GroupRole.LEAD:
        return True
    return role == GroupRole.MEMBER and deliverable.responsible_id == user.id


def can_review_deliverable(user: User, deliverable: Any) -> bool:
    """Approve or return a submitted deliverable: coordinators and administrators."""
    return sees_all_groups(user) and not deliverable.group.is_archived


def can_track_deliverables(user: User, _obj: Any = None) -> bool:
    """See and export every group's deliverables (the dashboard): coordinators and admins."""
    return sees_all_groups(user)


# Documents ------------------------------------------------------------------------------------


def can_view_document(user: User, document: Any) -> bool:
    """See and download a document: its group's readers, or anyone if shared with the consortium.

    A document in the trash is seen only by its group's readers.
    """
    if can_view_group(user, document.group):
        return True
    return document.visibility == "consortium" and document.trashed_at is None


def can_upload_document(user: User, group: WorkingGroup) -> bool:
    """Upload documents and make folders: members, leads, coordinators, admins (not observers).

    An archived group's library is read-only.
    """
    if group.is_archived:
        return False
    return sees_all_groups(user) or group_role(user, group) in (GroupRole.LEAD, GroupRole.MEMBER)


def can_add_version(user: User, document: Any) -> bool:
    """Upload a new version of a document or restore an older one: whoever may upload there."""
    return document.trashed_at is None and can_upload_document(user, document.group)


def can_edit_document(user: User, obj: Any) -> bool:
    """Edit, move, trash, restore a document (or rename, delete a folder): its maker, leads, staff.

    `obj` is a document or a folder; a member may change only the ones they made.
    """
    if not can_upload_document(user, obj.group):
        return False
    if sees_all_groups(user) or group_role(user, obj.group) == GroupRole.LEAD:
        return True
    return obj.created_by_id == user.id


def can_empty_trash(user: User, group: WorkingGroup) -> bool:
    """Empty a group's trash for good: its leads, coordinators and administrators."""
    if group.is_archived:
        return False
    return sees_all_groups(user) or group_role(user, group) == GroupRole.LEAD


# Meetings -------------------------------------------------------------------------------------


def can_run_meetings(user: User, obj: Any) -> bool:
    """Schedule and edit meetings, agendas, attendance; circulate, approve, reopen minutes.

    The group's leads, coordinators and administrators; `obj` is the group or one of its
    meetings. An archived group's meetings are read-only.
    """
    group = group_of(obj)
    if group is None or group.is_archived:
        return False
    return sees_all_groups(user) or group_role(user, group) == GroupRole.LEAD


def is_minute_taker(user: User, minutes: Any) -> bool:
    """The member (or lead) appointed to write these minutes, while still in the group."""
    return minutes.minute_taker_id == user.id and group_role(user, minutes.group) in (
        GroupRole.LEAD,
        GroupRole.MEMBER,
    )


def can_read_minutes(user: User, minutes: Any) -> bool:
    """Read minutes: the group's readers once circulated; drafts only whoever may write them."""
    group = minutes.group
    if not can_view_group(user, group):
        return False
    if minutes.state != "draft":
        return True
    return (
        sees_all_groups(user)
        or group_role(user, group) == GroupRole.LEAD
        or is_minute_taker(user, minutes)
    )


def can_write_minutes(user: User, minutes: Any) -> bool:
    """Write minutes, decisions, action items: leads, staff; the minute-taker on a draft."""
    if minutes.state == "approved":
        return False
    if can_run_meetings(user, minutes):
        return True
    return (
        minutes.state == "draft"
        and not minutes.group.is_archived
        and is_minute_taker(user, minutes)
    )


def can_comment_on_minutes(user: User, minutes: Any) -> bool:
    """Comment on circulated minutes: the group's members and leads, coordinators, admins."""
    group = minutes.group
    if minutes.state != "circulated" or group.is_archived:
        return False
    return sees_all_groups(user) or group_role(user, group) in (GroupRole.LEAD, GroupRole.MEMBER)


def can_update_action_item(user: User, item: Any) -> bool:
    """Mark an action item done or open: its owner (a member or lead), and who runs meetings."""
    if can_run_meetings(user, item):
        return True
    group = item.group
    return (
        not group.is_archived
        and item.owner_id == user.id
        and group_role(user, group) in (GroupRole.LEAD, GroupRole.MEMBER)
    )


RULES: dict[str, Rule] = {
    "portal.use": can_use_portal,
    "group.view": can_view_group,
    "group.create": can_run_groups,
    "group.edit": can_edit_group,
    "group.archive": can_run_groups,
    "group.manage_members": can_manage_members,
    "accounts.manage": is_admin,
    "audit.read": can_read_audit_log,
    "organisations.manage": can_manage_organisations,
    "profile.view": can_view_profile,
    "deliverable.manage": can_manage_deliverables,
    "deliverable.progress": can_progress_deliverable,
    "deliverable.review": can_review_deliverable,
    "deliverables.track": can_track_deliverables,
    "document.view": can_view_document,
    "document.upload": can_upload_document,
    "document.add_version": can_add_version,
    "document.edit": can_edit_document,
    "folder.edit": can_edit_document,
    "documents.empty_trash": can_empty_trash,
    "meeting.run": can_run_meetings,
    "minutes.read": can_read_minutes,
    "minutes.write": can_write_minutes,
    "minutes.comment": can_comment_on_minutes,
    "action_item.update": can_update_action_item,
}

#: Permissions whose refusal answers 404: the object's existence is itself private.
HIDDEN_WHEN_REFUSED = frozenset({"group.view", "profile.view"})


def group_of(obj: Any) -> WorkingGroup | None:
    """Return the working group an object belongs to (or is), if any."""
    if isinstance(obj, WorkingGroup):
        return obj
    group = getattr(obj, "group", None)
    return group if isinstance(group, WorkingGroup) else None


def can(user: Any, permission: str, obj: Any = None) -> bool:
    """Return True if `user` holds `permission` on `obj`."""
    rule = RULES[permission]
    if not is_signed_in(user):
        return False
    return rule(user, obj)


def refusal_status(user: Any, permission: str, obj: Any = None) -> int:
    """Return 404 where saying "forbidden" would reveal a private object, else 403.

    Anything that belongs to a group the user cannot see is answered as if it did not exist.
    """
    if permission in HIDDEN_WHEN_REFUSED:
        return 404
    group = group_of(obj)
    if group is not None and is_signed_in(user) and not can_view_group(user, group):
        return 404
    return 403


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
    abort(refusal_status(current_user, permission, obj))


def register_template_helpers(app: Any) -> None:
    """Let templates ask `can("group.view", group)` for the current user."""
    app.jinja_env.globals["can"] = lambda permission, obj=None: can(current_user, permission, obj)
