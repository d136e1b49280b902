"""Minutes of a meeting: saving the text, circulating, approving, reopening, comments, and
keeping typed text when the writer's session or form token expired.

Every function that changes something writes its audit event and commits once.

Minutes concurrency: minutes are `Versioned` (app.core.database): their version rises at every
saved text. The editor carries the version it was based on, and the save only writes the row if
it is still at that version (``UPDATE … WHERE version = :base``), so of two people saving at
the same moment one wins and the other gets `StaleEdit`, holding the current minutes, with
both texts to merge. Nothing is overwritten without being seen.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError

from app.auth.models import User
from app.core import audit
from app.core.database import commit_versioned, expect_version, flush_versioned, utcnow
from app.core.errors import ServiceError, StaleEdit
from app.core.mail import enqueue, external_url
from app.extensions import db
from app.meetings import times
from app.meetings.models import Minutes, MinutesComment, MinutesRescue, MinutesState
from app.meetings.services import _clean_text

#: How long an open editor page can still rescue its text after the session ended.
RESCUE_KEY_MAX_AGE = 7 * 24 * 3600
#: How long rescued text waits for its writer to sign in again.
RESCUE_KEEP_DAYS = 30
RESCUE_SALT = "meetings.minutes-rescue"


# Minutes ----------------------------------------------------------------------------------------


def _refuse_locked(minutes: Minutes | None) -> None:
    if minutes is not None and minutes.is_locked:
        raise ServiceError(_("These minutes are approved and locked. A lead can reopen them."))


def save_minutes(minutes: Minutes, text: str, base_version: int, *, actor: User) -> bool:
    """Save the minutes' text if nobody saved since `base_version`; return False if unchanged.

    Raises StaleEdit, holding the current minutes, when they moved on meanwhile (the caller
    shows both texts), and ServiceError when they are approved (locked).
    """
    text = _clean_text(text)
    _refuse_locked(minutes)
    expect_version(minutes, base_version)
    if text == minutes.text:
        _drop_rescue(minutes, actor)
        db.session.commit()
        return False
    with db.session.no_autoflush:  # written at once below, guarded by the version counter
        minutes.text = text
        minutes.version = base_version + 1
        minutes.updated_at = utcnow()
        minutes.updated_by_id = actor.id
        _drop_rescue(minutes, actor)
        audit.record(
            "minutes.saved",
            actor=actor,
            target=minutes,
            object_type="minutes",
            version=base_version + 1,
            length=len(text),
        )
    try:
        flush_versioned(minutes)
    except StaleEdit as exc:  # someone saved between our read and our write
        _refuse_locked(exc.current)
        raise
    # The row is ours until the commit; an approval committed since our read shows now.
    if db.session.scalar(sa.select(Minutes.state).where(Minutes.id == minutes.id)) == (
        MinutesState.APPROVED
    ):
        db.session.rollback()
        _refuse_locked(minutes)
    db.session.commit()
    return True


@dataclass(frozen=True)
class DiffLine:
    """One line of the comparison of two texts: "same", "current" (only theirs), "mine"."""

    kind: str
    text: str


def compare_texts(current: str, mine: str) -> list[DiffLine]:
    """Return the lines of both texts, marking which only the current or only mine has."""
    lines = []
    matcher = difflib.SequenceMatcher(a=current.splitlines(), b=mine.splitlines(), autojunk=False)
    for tag, a1, a2, b1, b2 in matcher.get_opcodes():
        if tag == "equal":
            lines += [DiffLine("same", line) for line in matcher.a[a1:a2]]
            continue
        lines += [DiffLine("current", line) for line in matcher.a[a1:a2]]
        lines += [DiffLine("mine", line) for line in matcher.b[b1:b2]]
    return lines


def _changed_since_read() -> ServiceError:
    return ServiceError(
        _("The minutes changed since you opened this page. Read them again, then retry.")
    )


def _check_version(minutes: Minutes, version: int | None) -> None:
    try:
        expect_version(minutes, version)
    except StaleEdit as exc:
        raise _changed_since_read() from exc


def _commit_as_read(minutes: Minutes) -> None:
    """Commit a change of state, unless the minutes were saved since the lead read them."""
    try:
        commit_versioned(minutes)
    except StaleEdit as exc:
        raise _changed_since_read() from exc


def circulate_minutes(minutes: Minutes, version: int | None, *, actor: User) -> int:
    """Circulate draft minutes for comment and e-mail every invitee in their language.

    `version` is the version the lead read; if the text changed since, nothing happens.
    Returns the number of e-mails queued.
    """
    if minutes.state != MinutesState.DRAFT:
        raise ServiceError(_("Only draft minutes can be circulated."))
    _check_version(minutes, version)
    if not minutes.text.strip():
        raise ServiceError(_("Write the minutes before circulating them."))
    meeting = minutes.meeting
    sent = 0
    for attendance in meeting.attendances:
        person = attendance.user
        if not person.is_active_account or person.is_erased:
            continue
        enqueue(
            person.email,
            person.locale or "en",
            "meetings_minutes_circulated",
            lambda: _("Minutes for comment: %(title)s", title=meeting.title),
            meeting=meeting,
            person=person,
            zone=person.timezone,
            time_rows=times.time_rows,
            circulated_by=actor,
            link=external_url("meetings.detail", slug=meeting.group.slug, meeting_id=meeting.id),
        )
        sent += 1
    # Changed only now, so no query above flushes it before the version-checked commit.
    minutes.state = MinutesState.CIRCULATED
    minutes.circulated_at = utcnow()
    audit.record(
        "minutes.circulated",
        actor=actor,
        target=minutes,
        object_type="minutes",
        version=minutes.version,
        emails=sent,
    )
    _commit_as_read(minutes)
    return sent


def approve_minutes(minutes: Minutes, version: int | None, *, actor: User) -> None:
    """Approve circulated minutes: they are locked; who approved and when is recorded."""
    if minutes.state != MinutesState.CIRCULATED:
        raise ServiceError(_("Only circulated minutes can be approved."))
    _check_version(minutes, version)
    minutes.state = MinutesState.APPROVED
    minutes.approved_at = utcnow()
    minutes.approved_by_id = actor.id
    audit.record(
        "minutes.approved",
        actor=actor,
        target=minutes,
        object_type="minutes",
        version=minutes.version,
    )
    _commit_as_read(minutes)


def reopen_minutes(minutes: Minutes, *, actor: User) -> None:
    """Reopen approved minutes (back to circulated); the audit log keeps the approval."""
    if minutes.state != MinutesState.APPROVED:
        raise ServiceError(_("Only approved minutes can be reopened."))
    audit.record(
        "minutes.reopened",
        actor=actor,
        target=minutes,
        object_type="minutes",
        approved_by=minutes.approved_by_id,
        approved_at=minutes.approved_at.isoformat() if minutes.approved_at else None,
    )
    minutes.state = MinutesState.CIRCULATED
    minutes.approved_at = None
    minutes.approved_by_id = None
    db.session.commit()


def add_comment(minutes: Minutes, text: str, *, actor: User) -> MinutesComment:
    """Add a member's comment to circulated minutes."""
    if minutes.state != MinutesState.CIRCULATED:
        raise ServiceError(_("Comments are open while the minutes are circulated."))
    comment = MinutesComment(author=actor, text=_clean_text(text).strip())
    minutes.comments.append(comment)
    db.session.flush()
    audit.record("minutes_comment.added", actor=actor, target=comment, minutes=minutes.id)
    db.session.commit()
    return comment


# Keeping typed minutes when the session or the form token expired -------------------------------


def _rescue_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESCUE_SALT)


def rescue_key(minutes: Minutes, user: User) -> str:
    """Return the signed key an editor page carries: "this user edits these minutes"."""
    return _rescue_serializer().dumps({"u": user.id, "m": minutes.id})


def rescue_owner(key: str | None, minutes: Minutes) -> User | None:
    """Return the writer a valid, unexpired rescue key names for these minutes, else None."""
    if not key or len(key) > 500:
        return None
    try:
        data = _rescue_serializer().loads(key, max_age=RESCUE_KEY_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("m") != minutes.id:
        return None
    user_id = data.get("u")
    if not isinstance(user_id, int):
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.is_active_account:
        return None
    return user


def keep_unsaved_text(minutes: Minutes, writer: User, text: str, base_version: int) -> None:
    """Keep text a writer could not save because their session had ended, for after sign-in.

    How typed minutes survive an expired session or form token:

    - The editor page carries a *rescue key*, signed with the secret key, naming the writer
      and the minutes (`rescue_key`); it stays valid for a week, whatever the session does.
    - Session ended (signed out elsewhere, password changed, cookie dropped): the post
      arrives anonymous. If its rescue key is valid for these minutes, the text is stored
      here as the writer's `MinutesRescue` (one per writer and minutes; a later post
      replaces it) with the version it was based on, and the visitor is sent to sign in,
      then back to the editor. Without a valid key nothing is stored: nobody can plant text
      for someone else.
    - After signing in, the editor shows the kept text instead of the saved minutes, with a
      notice; saving it still goes through the version check (a conflicting edit made
      meanwhile gets the merge page), and a successful save or "discard" deletes it.
    - Signed in but with a stale form token: the editor is shown again with the posted text
      and a fresh token (nothing is saved, since the request cannot be trusted).
    - Signed in but no longer allowed to write (the minutes were circulated or approved
      meanwhile): the text is shown read-only to copy.
    """
    text = _clean_text(text)
    rescue = pending_rescue(minutes, writer, include_old=True)
    if rescue is None:
        rescue = MinutesRescue(minutes_id=minutes.id, user_id=writer.id)
        db.session.add(rescue)
    rescue.text = text
    rescue.base_version = base_version
    rescue.created_at = utcnow()
    audit.record(
        "minutes.rescued",
        actor=writer,
        target=minutes,
        object_type="minutes",
        base_version=base_version,
        length=len(text),
    )
    try:
        db.session.commit()
    except IntegrityError:  # the same text posted twice at once: the first one is kept
        db.session.rollback()


def pending_rescue(
    minutes: Minutes, user: User, *, include_old: bool = False
) -> MinutesRescue | None:
    """Return the text kept for this writer and these minutes, if any (and recent enough)."""
    query = sa.select(MinutesRescue).where(
        MinutesRescue.minutes_id == minutes.id, MinutesRescue.user_id == user.id
    )
    if not include_old:
        query = query.where(MinutesRescue.created_at >= utcnow() - timedelta(days=RESCUE_KEEP_DAYS))
    return db.session.scalars(query).first()


def _drop_rescue(minutes: Minutes, user: User) -> None:
    db.session.execute(
        sa.delete(MinutesRescue).where(
            MinutesRescue.minutes_id == minutes.id, MinutesRescue.user_id == user.id
        )
    )


def discard_rescue(minutes: Minutes, *, actor: User) -> bool:
    """Throw away the text kept for the user; return False if there was none."""
    found = pending_rescue(minutes, actor, include_old=True) is not None
    if found:
        _drop_rescue(minutes, actor)
        audit.record("minutes.rescue_discarded", actor=actor, target=minutes, object_type="minutes")
    db.session.commit()
    return found
