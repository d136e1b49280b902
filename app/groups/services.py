"""Working groups and their memberships: reading them, running them, managing members.

Every function that changes something writes its audit event and commits once. Rules that
depend on the data rather than on who asks (unique code and slug, at least one lead per
group) live here; who may ask lives in `app.permissions`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.core import audit
from app.core.errors import FieldErrors, ServiceError
from app.core.forms import has_forbidden_characters
from app.core.paging import paginate
from app.core.routing import is_valid_id
from app.extensions import db
from app.groups.models import GroupRole, Membership, WorkingGroup, lead_first
from app.organisations.models import Organisation
from app.permissions import sees_all_groups

#: The fields of a group a coordinator fills in, in the order of the form.
GROUP_FIELDS = (
    "code",
    "slug",
    "name_en",
    "name_zh",
    "description_en",
    "description_zh",
    "priority_en",
    "priority_zh",
)

#: Fields stored as NULL when left blank (the Chinese ones fall back to English).
OPTIONAL_FIELDS = frozenset({"name_zh", "description_zh", "priority_zh"})

#: How many accounts the "add a member" search suggests at most.
CANDIDATE_LIMIT = 10

#: As long as `WorkingGroup.slug` may be.
SLUG_MAX_LENGTH = 64



# Reading ----------------------------------------------------------------------------------------


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


def _visible_groups_query(user: User, *, archived: bool = False) -> sa.Select:
    query = sa.select(WorkingGroup).where(WorkingGroup.is_archived.is_(archived))
    if not sees_all_groups(user):
        query = query.join(Membership).where(Membership.user_id == user.id)
    return query.order_by(WorkingGroup.code)


def visible_groups(user: User) -> list[WorkingGroup]:
    """Return the groups the user may open (all of them for coordinators and admins)."""
    return list(db.session.scalars(_visible_groups_query(user)))


@dataclass(frozen=True)
class GroupCard:
    """What the list of groups shows about one group."""

    group: WorkingGroup
    leads: list[User]
    member_count: int


def group_cards(
    user: User, *, archived: bool = False, page: int = 1, per_page: int = 24
) -> tuple[list[GroupCard], Pagination]:
    """Return one page of the groups the user may open, with their leads and member counts.

    Archived groups are listed only when asked for, and only to coordinators and admins.
    Three queries whatever the number of groups: the page, the leads, the counts.
    """
    archived = archived and sees_all_groups(user)
    query = _visible_groups_query(user, archived=archived)
    pagination = paginate(query, page=page, per_page=per_page)
    groups: Sequence[WorkingGroup] = pagination.items
    ids = [g.id for g in groups]
    leads: dict[int, list[User]] = {i: [] for i in ids}
    counts: dict[int, int] = dict.fromkeys(ids, 0)
    if ids:
        active_members = (
            sa.select(Membership.group_id, User)
            .join(Membership.user)
            .where(Membership.group_id.in_(ids), User.is_active_account.is_(True))
        )
        rows = db.session.execute(
            active_members.where(Membership.role == GroupRole.LEAD).order_by(User.name)
        )
        for group_id, lead in rows:
            leads[group_id].append(lead)
        count_query = (
            sa.select(Membership.group_id, sa.func.count())
            .join(Membership.user)
            .where(Membership.group_id.in_(ids), User.is_active_account.is_(True))
            .group_by(Membership.group_id)
        )
        counts.update({group_id: n for group_id, n in db.session.execute(count_query)})
    cards = [GroupCard(g, leads[g.id], counts[g.id]) for g in groups]
    return cards, pagination


def get_group_by_slug(slug: str) -> WorkingGroup | None:
    """Return the group at /groups/<slug>/, or None (also for a slug no group could have)."""
    if len(slug) > SLUG_MAX_LENGTH or has_forbidden_characters(slug):
        return None
    return db.session.scalars(sa.select(WorkingGroup).where(WorkingGroup.slug == slug)).first()


def _members_query(group: WorkingGroup) -> sa.Select:
    return (
        sa.select(Membership)
        .join(Membership.user)
        .where(Membership.group_id == group.id, User.is_active_account.is_(True))
        .options(selectinload(Membership.user))  # the user's organisation is joined to it
        .order_by(lead_first(), sa.func.lower(User.name), User.id)
    )


def members_page(group: WorkingGroup, page: int = 1, per_page: int = 100) -> Pagination:
    """Return one page of the group's active members, leads first, then by name."""
    return paginate(_members_query(group), page=page, per_page=per_page)


def get_membership(group: WorkingGroup, membership_id: int) -> Membership | None:
    """Return the membership with this id if it belongs to `group`, else None."""
    if not is_valid_id(membership_id):
        return None
    return db.session.scalars(
        sa.select(Membership).where(Membership.id == membership_id, Membership.group_id == group.id)
    ).first()


# Running groups -----------------------------------------------------------------------------------


def _clean(values: dict[str, str | None]) -> dict[str, str | None]:
    cleaned: dict[str, str | None] = {}
    for field in GROUP_FIELDS:
        value = (values.get(field) or "").strip()
        cleaned[field] = (value or None) if field in OPTIONAL_FIELDS else value
    return cleaned


def _conflicts(code: str, slug: str, exclude: WorkingGroup | None) -> dict[str, str]:
    """Return the field errors for a code or slug another group already uses."""
    others = sa.select(WorkingGroup.code, WorkingGroup.slug).where(
        sa.or_(sa.func.lower(WorkingGroup.code) == code.lower(), WorkingGroup.slug == slug)
    )
    if exclude is not None:
        others = others.where(WorkingGroup.id != exclude.id)
    errors: dict[str, str] = {}
    for other_code, other_slug in db.session.execute(others):
        if other_code.lower() == code.lower():
            errors["code"] = _("Another working group already uses this code.")
        if other_slug == slug:
            errors["slug"] = _("Another working group already uses this address.")
    return errors


def _taken(values: dict[str, str | None], exclude: WorkingGroup | None) -> FieldErrors:
    """Roll back a unique-constraint race and return the same field errors as the check."""
    db.session.rollback()
    errors = _conflicts(values["code"] or "", values["slug"] or "", exclude)
    return FieldErrors(errors or {"code": _("Another working group already uses this code.")})


def create_group(*, actor: User, **values: str | None) -> WorkingGroup:
    """Create a working group; raise FieldErrors if its code or slug is taken."""
    values = _clean(values)
    errors = _conflicts(values["code"] or "", values["slug"] or "", None)
    if errors:
        raise FieldErrors(errors)
    group = WorkingGroup(**values)
    db.session.add(group)
    try:
        db.session.flush()
        audit.record(
            "group.created",
            actor=actor,
            target=group,
            **{field: value for field, value in values.items() if value is not None},
        )
        db.session.commit()
    except IntegrityError as exc:  # another coordinator took the code or slug meanwhile
        raise _taken(values, None) from exc
    return group


def update_group(group: WorkingGroup, *, actor: User, **values: str | None) -> dict[str, list]:
    """Save a group's details; return what changed as {field: [old, new]}.

    Raises FieldErrors if the new code or slug is taken by another group.
    """
    values = _clean(values)
    errors = _conflicts(values["code"] or "", values["slug"] or "", group)
    if errors:
        raise FieldErrors(errors)
    changes: dict[str, list] = {}
    try:
        for field, value in values.items():
            old = getattr(group, field)
            if old != value:
                changes[field] = [old, value]
                setattr(group, field, value)
        if changes:
            audit.record(
                "group.updated", actor=actor, target=group, code=group.code, changes=changes
            )
        db.session.commit()
    except IntegrityError as exc:  # another coordinator took the code or slug meanwhile
        raise _taken(values, group) from exc
    return changes


def archive_group(group: WorkingGroup, *, actor: User) -> bool:
    """Archive a group (read-only, hidden from lists); return False if it already was."""
    if group.is_archived:
        return False
    group.is_archived = True
    audit.record("group.archived", actor=actor, target=group, code=group.code)
    db.session.commit()
    return True


def restore_group(group: WorkingGroup, *, actor: User) -> bool:
    """Bring an archived group back; return False if it was not archived."""
    if not group.is_archived:
        return False
    group.is_archived = False
    audit.record("group.restored", actor=actor, target=group, code=group.code)
    db.session.commit()
    return True


# Members ------------------------------------------------------------------------------------------


def _refuse_if_archived(group: WorkingGroup) -> None:
    if group.is_archived:
        raise ServiceError(_("This working group is archived: its membership cannot change."))


def candidates(group: WorkingGroup, text: str, limit: int = CANDIDATE_LIMIT) -> list[User]:
    """Return up to `limit` active accounts outside the group that match `text`.

    The text is looked for in the Latin and Chinese names, the e-mail address and the
    organisation's English and Chinese names, whatever the case.
    """
    text = text.strip()
    if not text:
        return []
    in_group = sa.select(Membership.user_id).where(Membership.group_id == group.id)
    matches = sa.or_(
        User.name.icontains(text, autoescape=True),
        User.name_zh.icontains(text, autoescape=True),
        User.email.icontains(text, autoescape=True),
        Organisation.name_en.icontains(text, autoescape=True),
        Organisation.name_zh.icontains(text, autoescape=True),
    )
    query = (
        sa.select(User)
        .outerjoin(Organisation, User.organisation_id == Organisation.id)
        .where(
            User.is_active_account.is_(True),
            User.erased_at.is_(None),
            User.id.not_in(in_group),
            matches,
        )
        .order_by(sa.func.lower(User.name), User.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def add_member(group: WorkingGroup, user_id: int, role: GroupRole, *, actor: User) -> Membership:
    """Put an existing active account in the group with a group role."""
    _refuse_if_archived(group)
    user = db.session.get(User, user_id)
    if user is None or not user.is_active_account or user.is_erased:
        raise ServiceError(_("There is no active account to add with this choice."))
    already = db.session.scalar(
        sa.select(Membership.id).where(
            Membership.group_id == group.id, Membership.user_id == user.id
        )
    )
    if already is not None:
        raise ServiceError(_("%(name)s is already in this working group.", name=user.name))
    membership = Membership(user=user, group=group, role=role)
    db.session.add(membership)
    try:
        db.session.flush()
    except IntegrityError as exc:  # the same person added twice at the same moment
        db.session.rollback()
        raise ServiceError(
            _("%(name)s is already in this working group.", name=user.name)
        ) from exc
    audit.record(
        "membership.added",
        actor=actor,
        target=membership,
        group=group.code,
        user_id=user.id,
        role=str(role),
    )
    db.session.commit()
    return membership


def _lock_query(group: WorkingGroup) -> sa.Select:
    """Select the group's memberships (and each account's state), locking the rows."""
    return (
        sa.select(Membership, User.is_active_account)
        .join(Membership.user)
        .where(Membership.group_id == group.id)
        .with_for_update(of=Membership)
        .execution_options(populate_existing=True)
    )


def _lock_members(group: WorkingGroup) -> list[tuple[Membership, bool]]:
    """Lock the group's membership rows until the commit; return them with each account's state.

    Two leads demoting each other at the same moment must not leave the group without a
    lead: on PostgreSQL the second request waits here until the first has committed, then
    reads what the first wrote (`populate_existing` replaces what the session held).
    """
    return [(m, active) for m, active in db.session.execute(_lock_query(group))]


def _would_leave_no_lead(group: WorkingGroup, membership: Membership) -> bool:
    """Return True if the membership is the group's last active lead (rows locked)."""
    rows = _lock_members(group)
    current = {m.id: (m, active) for m, active in rows}
    if membership.id not in current:  # removed by someone else meanwhile
        db.session.rollback()
        raise ServiceError(_("This person is no longer in this working group."))
    is_active_lead = membership.role == GroupRole.LEAD and current[membership.id][1]
    if not is_active_lead:
        return False
    other_leads = [
        m for m, active in rows if m.id != membership.id and active and m.role == GroupRole.LEAD
    ]
    return not other_leads


def change_role(membership: Membership, role: GroupRole, *, actor: User) -> bool:
    """Give a member another group role; return False if it was already theirs.

    The last lead of a group cannot be demoted: ServiceError says so and nothing changes.
    """
    group = membership.group
    _refuse_if_archived(group)
    if _would_leave_no_lead(group, membership) and role != GroupRole.LEAD:
        db.session.rollback()
        raise ServiceError(
            _("A working group needs at least one lead: name another lead first.")
        )
    old = membership.role
    if old == role:
        db.session.rollback()
        return False
    membership.role = role
    audit.record(
        "membership.role_changed",
        actor=actor,
        target=membership,
        group=group.code,
        user_id=membership.user_id,
        old_role=str(old),
        new_role=str(role),
    )
    db.session.commit()
    return True


def remove_member(membership: Membership, *, actor: User) -> None:
    """Take a person out of a group; they lose access to it at their next request.

    The last lead of a group cannot be removed: ServiceError says so and nothing changes.
    """
    group = membership.group
    _refuse_if_archived(group)
    if _would_leave_no_lead(group, membership):
        db.session.rollback()
        raise ServiceError(
            _("A working group needs at least one lead: name another lead first.")
        )
    audit.record(
        "membership.removed",
        actor=actor,
        target=membership,
        group=group.code,
        user_id=membership.user_id,
        old_role=str(membership.role),
    )
    db.session.delete(membership)
    db.session.commit()
