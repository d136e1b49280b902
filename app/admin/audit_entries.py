"""A page of audit events as a person reads it: names, links and labelled details.

The log stores kinds and ids of objects and a dictionary of facts with code-like keys. The
page shows instead each object's name (and a link to it while it exists and the reader may
see it) and each fact under a translated label, its value formatted for the reader. The
objects of a page are loaded with one query per kind of object on it, never one per row.
"""

from __future__ import annotations

import enum
import textwrap
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from app.auth.models import SiteRole, User
from app.core.audit import AuditEvent, action_label, humanise, object_type_label
from app.core.formats import format_day, format_moment
from app.deliverables.models import Deliverable, DeliverableStatus, Milestone
from app.documents.models import Document, Folder, Visibility
from app.extensions import db
from app.groups.models import GroupRole, Membership, WorkingGroup
from app.invitations.models import Invitation
from app.meetings.models import (
    ActionItem,
    ActionStatus,
    AgendaItem,
    AttendanceStatus,
    Decision,
    Meeting,
    Minutes,
    MinutesComment,
)
from app.organisations.models import Organisation, OrganisationKind
from app.permissions import can

#: How many characters of a decision or action item name it in the log.
TEXT_NAME_LENGTH = 80


@dataclass(frozen=True)
class ObjectKind:
    """How to load, name and link one kind of object of the log."""

    model: type
    #: Loader options so naming and linking need no further query.
    options: tuple = ()
    name: Callable[[Any], str] = str
    #: The object's page for `reader`, or None if it has none the reader may open.
    link: Callable[[Any, User], str | None] = lambda obj, reader: None


def _short(text: str) -> str:
    return textwrap.shorten(text, TEXT_NAME_LENGTH, placeholder=" …")


def _if(rule: str, obj: Any, reader: User, url: Callable[[], str]) -> str | None:
    return url() if can(reader, rule, obj) else None


def _person_link(person: User, reader: User) -> str | None:
    if can(reader, "accounts.manage"):
        return url_for("admin.user", user_id=person.id)
    return _if(
        "profile.view", person, reader, lambda: url_for("members.profile", user_id=person.id)
    )


def _meeting_link(meeting: Meeting, reader: User, anchor: str | None = None) -> str | None:
    return _if(
        "group.view",
        meeting.group,
        reader,
        lambda: url_for(
            "meetings.detail", slug=meeting.group.slug, meeting_id=meeting.id, _anchor=anchor
        ),
    )


_MEETING = joinedload(Meeting.group)

KINDS: dict[str, ObjectKind] = {
    "user": ObjectKind(User, name=lambda u: u.display_name, link=_person_link),
    "invitation": ObjectKind(Invitation, name=lambda i: i.email),
    "organisation": ObjectKind(
        Organisation,
        name=lambda o: o.name,
        link=lambda o, reader: _if(
            "organisations.manage",
            o,
            reader,
            lambda: url_for("organisations.edit", organisation_id=o.id),
        ),
    ),
    "working_group": ObjectKind(
        WorkingGroup,
        name=lambda g: f"{g.code} · {g.name}",
        link=lambda g, reader: _if(
            "group.view", g, reader, lambda: url_for("groups.home", slug=g.slug)
        ),
    ),
    "membership": ObjectKind(
        Membership,
        options=(joinedload(Membership.user), joinedload(Membership.group)),
        name=lambda m: _("%(person)s in %(group)s", person=m.user.display_name, group=m.group.code),
        link=lambda m, reader: _if(
            "group.view", m.group, reader, lambda: url_for("groups.home", slug=m.group.slug)
        ),
    ),
    "document": ObjectKind(
        Document,
        options=(joinedload(Document.group),),
        name=lambda d: d.title,
        link=lambda d, reader: _if(
            "document.view",
            d,
            reader,
            lambda: url_for("documents.detail", slug=d.group.slug, document_id=d.id),
        ),
    ),
    "folder": ObjectKind(
        Folder,
        options=(joinedload(Folder.group),),
        name=lambda f: f.name,
        link=lambda f, reader: _if(
            "group.view",
            f.group,
            reader,
            lambda: url_for("documents.folder", slug=f.group.slug, folder_id=f.id),
        ),
    ),
    "meeting": ObjectKind(Meeting, options=(_MEETING,), name=lambda m: m.title, link=_meeting_link),
    "agenda_item": ObjectKind(
        AgendaItem,
        options=(joinedload(AgendaItem.meeting).joinedload(Meeting.group),),
        name=lambda i: _("%(item)s (agenda of %(meeting)s)", item=i.title, meeting=i.meeting.title),
        link=lambda i, reader: _if(
            "group.view",
            i.meeting.group,
            reader,
            lambda: url_for("meetings.agenda", slug=i.meeting.group.slug, meeting_id=i.meeting.id),
        ),
    ),
    "minutes": ObjectKind(
        Minutes,
        options=(joinedload(Minutes.meeting).joinedload(Meeting.group),),
        name=lambda m: _("Minutes of %(meeting)s", meeting=m.meeting.title),
        link=lambda m, reader: _meeting_link(m.meeting, reader),
    ),
    "minutes_comment": ObjectKind(
        MinutesComment,
        options=(
            joinedload(MinutesComment.minutes)
            .joinedload(Minutes.meeting)
            .joinedload(Meeting.group),
        ),
        name=lambda c: _("Comment on the minutes of %(meeting)s", meeting=c.minutes.meeting.title),
        link=lambda c, reader: _meeting_link(c.minutes.meeting, reader, "comments"),
    ),
    "decision": ObjectKind(
        Decision,
        options=(joinedload(Decision.meeting).joinedload(Meeting.group),),
        name=lambda d: _short(d.text),
        link=lambda d, reader: _meeting_link(d.meeting, reader, "decisions"),
    ),
    "action_item": ObjectKind(
        ActionItem,
        options=(joinedload(ActionItem.meeting).joinedload(Meeting.group),),
        name=lambda i: _short(i.text),
        link=lambda i, reader: _meeting_link(i.meeting, reader, "actions"),
    ),
    "deliverable": ObjectKind(
        Deliverable,
        options=(joinedload(Deliverable.group),),
        name=lambda d: f"{d.code} · {d.title}",
        link=lambda d, reader: _if(
            "group.view",
            d.group,
            reader,
            lambda: url_for("deliverables.detail", slug=d.group.slug, deliverable_id=d.id),
        ),
    ),
    "milestone": ObjectKind(
        Milestone,
        options=(joinedload(Milestone.group),),
        name=lambda m: f"{m.code} · {m.title}",
        link=lambda m, reader: _if(
            "group.view",
            m.group,
            reader,
            lambda: url_for("deliverables.group_index", slug=m.group.slug),
        ),
    ),
}

#: What each key of an event's details (and each field name listed in them) is called.
DETAIL_LABELS = {
    "approved_at": _l("Approved on"),
    "approved_by": _l("Approved by"),
    "base_version": _l("Based on version"),
    "changed": _l("Changed"),
    "changes": _l("Changes"),
    "code": _l("Code"),
    "count": _l("Number"),
    "country": _l("Country / region"),
    "description_en": _l("Description (English)"),
    "description_zh": _l("Description (Chinese)"),
    "direction": _l("Direction"),
    "document_version_id": _l("Document version"),
    "due_month": _l("Due month"),
    "due_on": _l("Due date"),
    "duplicated_from": _l("Copied from meeting"),
    "email": _l("E-mail address"),
    "emails": _l("E-mails sent"),
    "fields": _l("Changed"),
    "filename": _l("File name"),
    "from_folder": _l("From folder"),
    "group": _l("Working group"),
    "groups": _l("Working groups"),
    "invitees": _l("Invitees"),
    "kind": _l("Kind"),
    "known": _l("Known address"),
    "length": _l("Length (characters)"),
    "meeting": _l("Meeting"),
    "minutes": _l("Minutes"),
    "name": _l("Name"),
    "name_en": _l("Name (English)"),
    "name_zh": _l("Name (Chinese)"),
    "new": _l("New value"),
    "new_email": _l("New e-mail address"),
    "new_role": _l("New group role"),
    "new_status": _l("New status"),
    "old": _l("Previous value"),
    "old_email": _l("Previous e-mail address"),
    "old_role": _l("Previous group role"),
    "old_status": _l("Previous status"),
    "owner": _l("Owner"),
    "priority_en": _l("Priority (English)"),
    "priority_zh": _l("Priority (Chinese)"),
    "range": _l("Byte range"),
    "reason": _l("Reason"),
    "replaced": _l("Replaced an earlier link"),
    "restored_from": _l("Restored from version"),
    "role": _l("Group role"),
    "sha256": _l("SHA-256 checksum"),
    "site_role": _l("Site role"),
    "size": _l("File size (bytes)"),
    "slug": _l("Web address name"),
    "starts_at": _l("Starts"),
    "text": _l("Text"),
    "timezone": _l("Time zone"),
    "title": _l("Title"),
    "title_en": _l("Title (English)"),
    "title_zh": _l("Title (Chinese)"),
    "to_folder": _l("To folder"),
    "user_id": _l("Person"),
    "version": _l("Version"),
    "version_id": _l("Version"),
    "versions": _l("Versions"),
}

#: Details whose values are the code of an enum: shown with the enum's label.
VALUE_ENUMS: dict[str, type[enum.Enum]] = {
    "site_role": SiteRole,
    "role": GroupRole,
    "old_role": GroupRole,
    "new_role": GroupRole,
    "old_status": DeliverableStatus,
    "new_status": DeliverableStatus,
    "kind": OrganisationKind,
    "visibility": Visibility,
}

#: Actions whose "old" and "new" details are enum codes too.
OLD_NEW_ENUMS: dict[str, type[enum.Enum]] = {
    "account.site_role_changed": SiteRole,
    "action_item.status_changed": ActionStatus,
}

#: Actions whose "changes" are all of one enum, whatever the changed name (attendance by person).
CHANGES_ENUMS: dict[str, type[enum.Enum]] = {"attendance.recorded": AttendanceStatus}


def detail_label(key: str) -> str:
    """Return the label of a detail key or field name; unknown ones are turned into words."""
    label = DETAIL_LABELS.get(key)
    return str(label) if label is not None else humanise(key)


def _enum_label(enum_class: type[enum.Enum], value: object) -> str | None:
    try:
        member = enum_class(value)
    except ValueError:
        return None
    return str(getattr(member, "label", member.value))


def format_value(value: object, *, enum_class: type[enum.Enum] | None = None) -> str:
    """Return one detail value as a reader wants it: labels, local numbers, dates and times."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, int | float):
        return format_decimal(value)
    if isinstance(value, list | tuple):
        return ", ".join(format_value(item, enum_class=enum_class) for item in value)
    if isinstance(value, dict):
        return "; ".join(
            _(
                "%(label)s: %(value)s",
                label=detail_label(str(key)),
                value=format_value(item, enum_class=enum_class),
            )
            for key, item in value.items()
        )
    text = str(value)
    if enum_class is not None and (label := _enum_label(enum_class, text)):
        return label
    return _format_moment(text) or text


def _format_moment(text: str) -> str | None:
    """Return an ISO date or date-time string in the reader's format, or None if it is not one."""
    if not 10 <= len(text) <= 32 or not text[:4].isdigit() or text[4:5] != "-":
        return None
    try:
        if len(text) == 10:
            return format_day(date.fromisoformat(text))
        return format_moment(datetime.fromisoformat(text))
    except ValueError:
        return None


def _format_change(value: object, enum_class: type[enum.Enum] | None) -> str:
    """Return a change stored as [old, new] as "old → new"."""
    if isinstance(value, list | tuple) and len(value) == 2:
        old, new = (format_value(v, enum_class=enum_class) for v in value)
        return f"{old} → {new}"  # an arrow reads the same in every language
    return format_value(value, enum_class=enum_class)


@dataclass(frozen=True)
class DetailField:
    label: str
    value: str


def detail_fields(action: str, details: dict[str, Any] | None) -> list[DetailField]:
    """Return the event's details as labelled, formatted fields, none left out."""
    fields = []
    for key, value in (details or {}).items():
        enum_class = VALUE_ENUMS.get(key)
        if key in ("old", "new"):
            enum_class = OLD_NEW_ENUMS.get(action)
        if key in ("fields", "changed") and isinstance(value, list):
            shown = ", ".join(detail_label(str(name)) for name in value) or "—"
        elif key == "changes" and isinstance(value, dict):
            shown = "; ".join(
                _(
                    "%(label)s: %(value)s",
                    label=detail_label(str(name)),
                    value=_format_change(
                        change, CHANGES_ENUMS.get(action) or VALUE_ENUMS.get(name)
                    ),
                )
                for name, change in value.items()
            )
        else:
            shown = format_value(value, enum_class=enum_class)
        fields.append(DetailField(detail_label(key), shown))
    return fields


@dataclass(frozen=True)
class AuditEntry:
    """One row of the audit page."""

    event: AuditEvent
    actor: User | None
    action_label: str
    object_type_label: str
    #: The object's name, or None if it no longer exists (or the event is about nothing).
    object_name: str | None
    object_url: str | None
    details: list[DetailField]


def _objects_by_kind(events: Iterable[AuditEvent]) -> dict[tuple[str, str], Any]:
    """Load the objects of the events: one query per kind of object present."""
    ids: dict[str, set[int]] = defaultdict(set)
    for event in events:
        if event.object_type in KINDS and event.object_id and event.object_id.isdigit():
            ids[event.object_type].add(int(event.object_id))
    found: dict[tuple[str, str], Any] = {}
    for object_type, wanted in ids.items():
        kind = KINDS[object_type]
        query = sa.select(kind.model).where(kind.model.id.in_(wanted)).options(*kind.options)
        for obj in db.session.scalars(query).unique():
            found[(object_type, str(obj.id))] = obj
    return found


def audit_entries(events: list[AuditEvent], reader: User) -> list[AuditEntry]:
    """Return the events as readable rows, in a bounded number of queries."""
    objects = _objects_by_kind(events)
    people = {
        key[1]: obj for key, obj in objects.items() if key[0] == "user"
    }  # accounts named as objects are often the actors too
    missing = {e.actor_id for e in events if e.actor_id is not None} - {int(i) for i in people}
    if missing:
        for user in db.session.scalars(sa.select(User).where(User.id.in_(missing))):
            people[str(user.id)] = user
    entries = []
    for event in events:
        obj = objects.get((event.object_type or "", event.object_id or ""))
        kind = KINDS.get(event.object_type or "")
        entries.append(
            AuditEntry(
                event=event,
                actor=people.get(str(event.actor_id)) if event.actor_id is not None else None,
                action_label=action_label(event.action),
                object_type_label=object_type_label(event.object_type),
                object_name=kind.name(obj) if obj is not None and kind else None,
                object_url=kind.link(obj, reader) if obj is not None and kind else None,
                details=detail_fields(event.action, event.details),
            )
        )
    return entries
