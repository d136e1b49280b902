"""Reading working groups and their members."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.extensions import db
from app.groups.models import GroupRole, Membership, WorkingGroup
from app.permissions import sees_all_groups

ROLE_ORDER = {GroupRole.LEAD: 0, GroupRole.MEMBER: 1, GroupRole.OBSERVER: 2}


def memberships_of(user: User) -> list[Membership]:
    """Return the user's memberships of groups that are not archived, by group code."""
    query = (
        sa.select(Membership)
        .join(Membership.group)
        .where(Membership.user_id == user.id, WorkingGroup.is_archived.is_(False))
        .options(selectinload(Membership.group))
        .order_by(WorkingGroup.code)
    )
    return list(db.session.scalars(query))


def visible_groups(user: User) -> list[WorkingGroup]:
    """Return the groups the user may open (all of them for coordinators and admins)."""
    query = sa.select(WorkingGroup).where(WorkingGroup.is_archived.is_(False))
    if not sees_all_groups(user):
        query = query.join(Membership).where(Membership.user_id == user.id)
    return list(db.session.scalars(query.order_by(WorkingGroup.code)))


def get_group_by_slug(slug: str) -> WorkingGroup | None:
    return db.session.scalars(sa.select(WorkingGroup).where(WorkingGroup.slug == slug)).first()


def members_of(group: WorkingGroup) -> list[Membership]:
    """Return the group's active members, leads first, then by name."""
    query = (
        sa.select(Membership)
        .join(Membership.user)
        .where(Membership.group_id == group.id, User.is_active_account.is_(True))
        .options(selectinload(Membership.user))
    )
    memberships = list(db.session.scalars(query))
    return sorted(memberships, key=lambda m: (ROLE_ORDER[m.role], m.user.name.casefold()))
