"""Inviting people: create, resend, revoke and accept invitations.

An invitation is a single-use link valid for `INVITATION_VALID_DAYS` (7) days, e-mailed in
the language the inviter chose for the invitee. Only the SHA-256 of its token is stored.
Accepting it creates the account with the invitation's site role and puts the new member in
every group the invitation names (archived groups excepted).
"""

from __future__ import annotations

import base64
import binascii
import csv
import hashlib
import io
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from app.auth.models import SiteRole, User, normalise_email
from app.auth.services import AccountExists, create_user, find_user_by_email
from app.core import audit
from app.core.database import utcnow
from app.core.errors import ServiceError
from app.core.forms import has_forbidden_characters
from app.core.i18n import LANGUAGE_NAMES
from app.core.mail import enqueue, external_url
from app.extensions import db
from app.groups.models import GroupRole, Membership, WorkingGroup
from app.invitations.models import Invitation, InvitationGroup
from app.organisations.models import Organisation

INVITATION_SUBJECT = _l("You are invited to the IC2PerMed working-group portal")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _valid_for() -> timedelta:
    return timedelta(days=current_app.config["INVITATION_VALID_DAYS"])


def pending_invitation_for(email: str) -> Invitation | None:
    """Return the usable invitation of this address, if there is one."""
    query = (
        sa.select(Invitation)
        .where(
            Invitation.email == normalise_email(email),
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > utcnow(),
        )
        .order_by(Invitation.id.desc())
    )
    return db.session.scalars(query).first()


def _send(invitation: Invitation) -> None:
    """Give the invitation a fresh token and expiry and e-mail the link (no commit)."""
    token = secrets.token_urlsafe(32)
    invitation.token_hash = _hash(token)
    invitation.sent_at = utcnow()
    invitation.expires_at = invitation.sent_at + _valid_for()
    enqueue(
        invitation.email,
        invitation.locale,
        "invitation",
        INVITATION_SUBJECT,
        invitation=invitation,
        inviter=invitation.invited_by,
        groups=[item.group for item in invitation.groups],
        link=external_url("invitations.accept", token=token),
        days=current_app.config["INVITATION_VALID_DAYS"],
    )


def build_invitation(
    email: str,
    *,
    inviter: User,
    locale: str = "en",
    site_role: SiteRole = SiteRole.MEMBER,
    groups: Iterable[tuple[WorkingGroup, GroupRole]] = (),
    name: str | None = None,
    name_zh: str | None = None,
    organisation: Organisation | None = None,
) -> Invitation:
    """Add (or update) the invitation, its e-mail and audit event to the session; no commit.

    A pending invitation of the address gets the groups added and is sent again. Raises
    ServiceError if an account already uses the address. The caller owns the transaction
    (`invite` for one person, `invite_many` for a whole file).
    """
    email = normalise_email(email)
    if find_user_by_email(email) is not None:
        raise ServiceError(
            _("An account with the address %(email)s already exists.", email=email)
        )
    invitation = pending_invitation_for(email)
    if invitation is None:
        invitation = Invitation(
            email=email,
            token_hash=_hash(secrets.token_urlsafe(32)),
            expires_at=utcnow(),
            invited_by=inviter,
        )
        db.session.add(invitation)
    invitation.locale = locale
    if site_role != SiteRole.MEMBER:
        invitation.site_role = site_role
    invitation.name = name or invitation.name
    invitation.name_zh = name_zh or invitation.name_zh
    invitation.organisation = organisation or invitation.organisation
    named = {item.group_id: item for item in invitation.groups}
    for group, role in groups:
        if group.id in named:
            named[group.id].role = role
        else:
            invitation.groups.append(InvitationGroup(group=group, role=role))
    db.session.flush()
    _send(invitation)
    audit.record(
        "invitation.sent",
        actor=inviter,
        target=invitation,
        email=email,
        site_role=str(invitation.site_role),
        groups=[item.group.code for item in invitation.groups],
    )
    return invitation


def invite(
    email: str,
    *,
    inviter: User,
    locale: str = "en",
    site_role: SiteRole = SiteRole.MEMBER,
    groups: Iterable[tuple[WorkingGroup, GroupRole]] = (),
    name: str | None = None,
    name_zh: str | None = None,
    organisation: Organisation | None = None,
) -> Invitation:
    """Invite a person by e-mail, or add groups to their pending invitation and resend it.

    Raises ServiceError if an account already uses the address.
    """
    invitation = build_invitation(
        email,
        inviter=inviter,
        locale=locale,
        site_role=site_role,
        groups=groups,
        name=name,
        name_zh=name_zh,
        organisation=organisation,
    )
    db.session.commit()
    return invitation


def invite_to_group(
    group: WorkingGroup,
    email: str,
    *,
    actor: User,
    role: GroupRole,
    locale: str,
    name: str | None = None,
) -> Invitation:
    """Invite a new person by e-mail into the group, as a plain member of the site.

    Raises ServiceError if the group is archived, or (on the `email` field) if an account
    already uses the address: that person is added as an existing member instead.
    """
    if group.is_archived:
        raise ServiceError(_("This working group is archived: its membership cannot change."))
    if find_user_by_email(email) is not None:
        raise ServiceError(
            _(
                "An account already uses this address: add the person as an existing member "
                "instead."
            ),
            field="email",
        )
    return invite(
        email,
        inviter=actor,
        locale=locale,
        site_role=SiteRole.MEMBER,
        groups=[(group, role)],
        name=(name or "").strip() or None,
    )


def resend(invitation: Invitation, *, actor: User) -> None:
    """Send a pending or expired invitation again, with a new link valid for 7 more days."""
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise ServiceError(_("This invitation can no longer be sent."))
    _send(invitation)
    audit.record("invitation.resent", actor=actor, target=invitation, email=invitation.email)
    db.session.commit()


def revoke(invitation: Invitation, *, actor: User) -> None:
    """Withdraw an invitation: its link stops working at once."""
    if invitation.accepted_at is not None:
        raise ServiceError(_("This invitation has already been accepted."))
    if invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        audit.record("invitation.revoked", actor=actor, target=invitation, email=invitation.email)
    db.session.commit()


def find_by_token(token: str) -> Invitation | None:
    """Return the usable invitation a link's token belongs to, else None."""
    if not token or len(token) > 200:
        return None
    invitation = db.session.scalars(
        sa.select(Invitation).where(Invitation.token_hash == _hash(token))
    ).first()
    if invitation is None or not invitation.is_usable:
        return None
    return invitation


def accept(
    invitation: Invitation,
    *,
    name: str,
    name_zh: str | None,
    password: str,
    locale: str | None,
    timezone: str,
) -> User:
    """Create the invitee's account from the invitation and put them in its groups."""
    try:
        user = create_user(
            invitation.email,
            password,
            name=name,
            site_role=invitation.site_role,
            name_zh=name_zh or None,
            locale=locale or invitation.locale,
            timezone=timezone,
            organisation=invitation.organisation,
        )
    except AccountExists as exc:
        db.session.rollback()
        raise ServiceError(
            _("An account with the address %(email)s already exists.", email=str(exc))
        ) from exc
    for item in invitation.groups:
        if not item.group.is_archived:
            db.session.add(Membership(user=user, group=item.group, role=item.role))
    invitation.accepted_at = utcnow()
    invitation.user_id = user.id
    audit.record(
        "invitation.accepted",
        actor=user,
        target=invitation,
        groups=[item.group.code for item in invitation.groups],
    )
    try:
        db.session.commit()
    except IntegrityError as exc:  # the same link accepted twice at the same moment
        db.session.rollback()
        raise ServiceError(_("This invitation has already been accepted.")) from exc
    return user


# Bulk invitation from a CSV file -----------------------------------------------------------

#: The columns of an invitation file, in the order the template shows them.
IMPORT_COLUMNS = ("email", "name", "name_zh", "organisation", "language", "groups")
#: The largest file accepted. The preview sends the file back base64-encoded in a form field,
#: and a form field may hold at most Flask's MAX_FORM_MEMORY_SIZE (500 000 bytes by default).
MAX_IMPORT_BYTES = 256 * 1024
MAX_IMPORT_ROWS = 500
#: The longest value each column may hold (the width of the column it is stored in).
IMPORT_MAX_LENGTHS = {
    "email": 254,
    "name": 120,
    "name_zh": 120,
    "organisation": 200,
    "language": 8,
    "groups": 1000,
}


@dataclass
class ImportRow:
    """One line of an invitation file, what it resolves to, and what is wrong with it."""

    line: int
    email: str
    name: str | None
    name_zh: str | None
    organisation_text: str
    language_text: str
    groups_text: str
    organisation: Organisation | None = None
    locale: str = "en"
    groups: list[tuple[WorkingGroup, GroupRole]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: True when a pending invitation of this address is resent (its groups merged).
    updates_pending: bool = False

    @property
    def is_valid(self) -> bool:
        return not self.errors


def decode_invitation_file(data: bytes) -> str:
    """Return the text of an uploaded file: UTF-8, with or without a byte-order mark."""
    if len(data) > MAX_IMPORT_BYTES:
        raise ServiceError(
            _(
                "The file is larger than %(size)d KB. Split it into smaller files.",
                size=MAX_IMPORT_BYTES // 1024,
            )
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ServiceError(
            _("The file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again.")
        ) from exc


def encode_payload(data: bytes) -> str:
    """Return the file as text to carry in the preview's form, until it is confirmed."""
    return base64.urlsafe_b64encode(data).decode("ascii")  # nothing to percent-encode


def decode_payload(payload: str | None) -> bytes:
    """Return the file the preview carried; raise ServiceError if it is missing or broken."""
    try:
        data = base64.b64decode(payload or "", altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ServiceError(_("Upload the file again.")) from exc
    if not data:
        raise ServiceError(_("Upload the file again."))
    return data


def _read_rows(text: str) -> list[tuple[int, dict[str | None, object]]]:
    """Split the text into (line number, cells by column) pairs, checking the header."""
    reader = csv.DictReader(io.StringIO(text, newline=""), restkey=None, restval="")
    try:
        header = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
        missing = [column for column in IMPORT_COLUMNS if column not in header]
        if missing:
            raise ServiceError(
                _(
                    "The first row must name the columns: %(columns)s.",
                    columns=",".join(IMPORT_COLUMNS),
                )
            )
        reader.fieldnames = header
        rows = []
        for cells in reader:
            if not any(cells.values()):
                continue  # a line of empty cells, as spreadsheets write at the end
            if len(rows) == MAX_IMPORT_ROWS:
                raise ServiceError(
                    _(
                        "The file has more than %(max)d rows. Split it into smaller files.",
                        max=MAX_IMPORT_ROWS,
                    )
                )
            rows.append((reader.line_num, cells))
    except csv.Error as exc:
        raise ServiceError(_("The file could not be read as CSV.")) from exc
    if not rows:
        raise ServiceError(_("The file has no rows to import."))
    return rows


def _cell(cells: dict[str | None, object], column: str) -> str:
    value = cells.get(column)
    return value.strip() if isinstance(value, str) else ""


def _check_cells(row: ImportRow, cells: dict[str | None, object]) -> bool:
    """Record control characters, overlong values and extra cells; return True if clean."""
    if cells.get(None):
        row.errors.append(_("This row has more cells than the first row has columns."))
    for column in IMPORT_COLUMNS:
        value = _cell(cells, column)
        if has_forbidden_characters(value):
            row.errors.append(
                _("The column %(column)s contains characters that are not allowed.", column=column)
            )
        elif len(value) > IMPORT_MAX_LENGTHS[column]:
            row.errors.append(
                _(
                    "The column %(column)s is too long (at most %(max)d characters).",
                    column=column,
                    max=IMPORT_MAX_LENGTHS[column],
                )
            )
    return row.is_valid


def _check_email(row: ImportRow, first_line: dict[str, int]) -> None:
    if not row.email:
        row.errors.append(_("The e-mail address is missing."))
        return
    try:
        validate_email(row.email, check_deliverability=False)
    except EmailNotValidError:
        row.errors.append(_("“%(email)s” is not a valid e-mail address.", email=row.email))
        return
    row.email = normalise_email(row.email)
    if row.email in first_line:
        row.errors.append(
            _(
                "This address is already on line %(line)d of the file.",
                line=first_line[row.email],
            )
        )
    else:
        first_line[row.email] = row.line


def _organisation_index() -> dict[str, Organisation]:
    """Return every organisation by its English and its Chinese name, case-folded."""
    index: dict[str, Organisation] = {}
    for organisation in db.session.scalars(sa.select(Organisation)):
        for name in (organisation.name_en, organisation.name_zh):
            if name:
                index.setdefault(name.strip().casefold(), organisation)
    return index


def _check_groups(row: ImportRow, groups_by_code: dict[str, WorkingGroup]) -> None:
    """Resolve "WG1:lead;WG3:member" into (group, role) pairs, recording what is wrong."""
    seen: set[int] = set()
    for part in row.groups_text.split(";"):
        if not part.strip():
            continue
        code, _sep, role_text = (piece.strip() for piece in part.partition(":"))
        group = groups_by_code.get(code.casefold())
        if group is None:
            row.errors.append(_("Unknown working group “%(code)s”.", code=code))
            continue
        try:
            role = GroupRole(role_text.lower())
        except ValueError:
            row.errors.append(
                _(
                    "Unknown role “%(role)s” in %(code)s: use lead, member or observer.",
                    role=role_text,
                    code=group.code,
                )
            )
            continue
        if group.id in seen:
            row.errors.append(_("%(code)s is named more than once.", code=group.code))
            continue
        seen.add(group.id)
        row.groups.append((group, role))


def parse_invitation_file(data: bytes) -> list[ImportRow]:
    """Read an invitation file and check every row; raise ServiceError for a bad file.

    Columns: email, name, name_zh, organisation (its English or Chinese name), language
    (en or zh; empty means en) and groups ("WG1:lead;WG3:member"). Nothing is written.
    """
    rows: list[ImportRow] = []
    first_line: dict[str, int] = {}
    groups_by_code = {
        group.code.casefold(): group
        for group in db.session.scalars(
            sa.select(WorkingGroup).where(WorkingGroup.is_archived.is_(False))
        )
    }
    organisations = _organisation_index()
    for line, cells in _read_rows(decode_invitation_file(data)):
        row = ImportRow(
            line=line,
            email=_cell(cells, "email"),
            name=_cell(cells, "name") or None,
            name_zh=_cell(cells, "name_zh") or None,
            organisation_text=_cell(cells, "organisation"),
            language_text=_cell(cells, "language"),
            groups_text=_cell(cells, "groups"),
        )
        rows.append(row)
        if not _check_cells(row, cells):
            continue
        _check_email(row, first_line)
        if row.organisation_text:
            row.organisation = organisations.get(row.organisation_text.casefold())
            if row.organisation is None:
                row.errors.append(_("Unknown organisation “%(name)s”.", name=row.organisation_text))
        language = row.language_text.lower() or "en"
        if language in LANGUAGE_NAMES:
            row.locale = language
        else:
            row.errors.append(
                _("Unknown language “%(value)s”: use en or zh.", value=row.language_text)
            )
        _check_groups(row, groups_by_code)
    _check_existing(rows, first_line)
    return rows


def _check_existing(rows: list[ImportRow], first_line: dict[str, int]) -> None:
    """Mark rows whose address has an account, and rows that update a pending invitation."""
    if not first_line:
        return
    emails = list(first_line)
    taken = set(db.session.scalars(sa.select(User.email).where(User.email.in_(emails))))
    pending = set(
        db.session.scalars(
            sa.select(Invitation.email).where(
                Invitation.email.in_(emails),
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > utcnow(),
            )
        )
    )
    for row in rows:
        if row.email in taken and first_line.get(row.email) == row.line:
            row.errors.append(_("An account with this address already exists."))
        row.updates_pending = row.email in pending


def invite_many(rows: list[ImportRow], *, inviter: User) -> list[Invitation]:
    """Send every row's invitation in one transaction: all of them, or none.

    Raises ValueError if a row is not valid, and re-raises whatever made an invitation fail
    after rolling everything back.
    """
    if not rows or not all(row.is_valid for row in rows):
        raise ValueError("only a file whose every row is valid can be imported")
    try:
        invitations = [
            build_invitation(
                row.email,
                inviter=inviter,
                locale=row.locale,
                groups=row.groups,
                name=row.name,
                name_zh=row.name_zh,
                organisation=row.organisation,
            )
            for row in rows
        ]
        audit.record("invitation.imported", actor=inviter, count=len(invitations))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return invitations
