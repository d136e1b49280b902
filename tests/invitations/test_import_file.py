"""Reading an invitation file and sending its invitations all at once (or not at all)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.core.errors import ServiceError
from app.core.mail import OutboxEmail
from app.extensions import db
from app.groups.models import GroupRole
from app.invitations import services
from app.invitations.models import Invitation
from app.invitations.services import (
    MAX_IMPORT_BYTES,
    decode_payload,
    encode_payload,
    invite,
    invite_many,
    parse_invitation_file,
)

HEADER = "email,name,name_zh,organisation,language,groups"


def parse(*lines: str, header: str = HEADER, newline: str = "\n", bom: bool = False):
    text = newline.join([header, *lines]) + newline
    return parse_invitation_file((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_bom_crlf_quotes_and_chinese(app, make_group, make_organisation):
    """A byte-order mark, CRLF ends, quoted commas and Chinese text are all read right."""
    group = make_group(code="WG2")
    organisation = make_organisation("Zhejiang University", "浙江大学")
    [row] = parse(
        'zhou@example.cn,"Zhou, Min",周敏,浙江大学,zh,WG2:lead',
        newline="\r\n",
        bom=True,
    )
    assert row.is_valid, row.errors
    assert (row.email, row.name, row.name_zh) == ("zhou@example.cn", "Zhou, Min", "周敏")
    assert row.organisation.id == organisation.id and row.locale == "zh"
    assert row.groups == [(group, GroupRole.LEAD)]
    assert row.line == 2


def test_header_case_column_order_and_blank_lines(app):
    """Columns may come in any order and any case; blank lines are skipped."""
    rows = parse(
        "",
        "en,a@example.org,,,,",
        ",,,,,",
        header="Language,EMAIL,Name,name_zh,organisation,groups",
    )
    assert [(r.email, r.locale) for r in rows] == [("a@example.org", "en")]


def test_values_are_normalised(app, make_group, make_organisation):
    """Addresses are lower-cased; group codes, roles, languages and names ignore case."""
    make_group(code="WG1")
    make_organisation("Charité Berlin", "柏林夏里特")
    [row] = parse(" Mixed.Case@Example.ORG , Name ,,charité berlin,ZH, wg1 : OBSERVER ;")
    assert row.is_valid, row.errors
    assert row.email == "mixed.case@example.org" and row.name == "Name"
    assert row.locale == "zh" and row.groups[0][1] == GroupRole.OBSERVER


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("bad@,,,,,", "is not a valid e-mail address"),
        (",Name,,,,", "The e-mail address is missing."),
        ("a@example.org,,,,,WG404:member", "Unknown working group"),
        ("a@example.org,,,,,WG1", "Unknown role"),
        ("a@example.org,,,,,WG1:chair", "Unknown role"),
        ("a@example.org,,,,,WG1:member;WG1:lead", "is named more than once"),
        ("a@example.org,,,,,WGOLD:member", "Unknown working group"),
        ("a@example.org,,,Nowhere,,", "Unknown organisation"),
        ("a@example.org,,,,de,", "Unknown language"),
        ("a@example.org,\x1b[31mred,,,,", "contains characters that are not allowed"),
        ("a@example.org," + "长" * 121 + ",,,,", "is too long"),
        ("a@example.org,,,,,,extra", "more cells than the first row"),
    ],
)
def test_each_bad_row_says_why(app, make_group, line, reason):
    """Every kind of mistake is reported on its row."""
    make_group(code="WG1")
    make_group(code="WGOLD", is_archived=True)
    [row] = parse(line)
    assert not row.is_valid
    assert any(reason in e for e in row.errors), row.errors


def test_duplicates_and_existing_accounts(app, make_user, admin):
    """A repeated address is flagged after its first line; an account's address is flagged."""
    make_user(email="member@example.org")
    invite("waiting@example.org", inviter=admin)
    rows = parse(
        "one@example.org,,,,,",
        "ONE@example.org,,,,,",
        "member@example.org,,,,,",
        "waiting@example.org,,,,,",
    )
    assert rows[0].is_valid
    assert "already on line 2" in rows[1].errors[0]
    assert "already exists" in rows[2].errors[0]
    assert rows[3].is_valid and rows[3].updates_pending


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("josé,\n".encode("latin-1"), "not UTF-8"),
        (b"name,email\nA,a@example.org\n", "must name the columns"),
        (HEADER.encode() + b"\n\n", "no rows"),
        (b"x" * (MAX_IMPORT_BYTES + 1), "larger than"),
        ((HEADER + '\n"unterminated\n').encode() + b"x" * 200_000, "could not be read"),
    ],
)
def test_bad_files_are_refused_as_a_whole(app, data, message):
    """Encoding, header, emptiness, size and CSV syntax problems refuse the whole file."""
    with pytest.raises(ServiceError) as caught:
        parse_invitation_file(data)
    assert message in caught.value.message


def test_more_rows_than_allowed(app, monkeypatch):
    """A file with more rows than the limit is refused."""
    monkeypatch.setattr(services, "MAX_IMPORT_ROWS", 3)
    with pytest.raises(ServiceError, match="more than 3 rows"):
        parse(*(f"p{n}@example.org,,,,," for n in range(4)))
    assert len(parse(*(f"p{n}@example.org,,,,," for n in range(3)))) == 3


def test_the_payload_round_trip(app):
    """The preview's payload gives back the bytes; a broken one is a file error."""
    data = "email\n王@example.org\n".encode()
    assert decode_payload(encode_payload(data)) == data
    for broken in (None, "", "***", "é"):
        with pytest.raises(ServiceError):
            decode_payload(broken)


def test_invite_many_sends_everything_in_one_transaction(app, admin, make_group):
    """Every row becomes an invitation with its e-mail; one event sums the import up."""
    make_group(code="WG1")
    rows = parse("a@example.org,,,,,WG1:member", "b@example.org,,,,zh,")
    invitations = invite_many(rows, inviter=admin)
    assert [i.email for i in invitations] == ["a@example.org", "b@example.org"]
    assert count(Invitation) == 2 and count(OutboxEmail) == 2


def test_invite_many_keeps_nothing_when_one_fails(app, admin, monkeypatch):
    """An error on any row rolls back the invitations and e-mails of the rows before it."""
    rows = parse("a@example.org,,,,,", "b@example.org,,,,,", "c@example.org,,,,,")
    real = services.build_invitation

    def fail_on_c(email, **kwargs):
        if email == "c@example.org":
            raise RuntimeError("the mail server template broke")
        return real(email, **kwargs)

    monkeypatch.setattr(services, "build_invitation", fail_on_c)
    with pytest.raises(RuntimeError):
        invite_many(rows, inviter=admin)
    assert count(Invitation) == 0 and count(OutboxEmail) == 0


def test_invite_many_refuses_invalid_rows(app, admin):
    """Rows with errors are never sent, not even the good ones beside them."""
    rows = parse("a@example.org,,,,,", "broken,,,,,")
    with pytest.raises(ValueError):
        invite_many(rows, inviter=admin)
    with pytest.raises(ValueError):
        invite_many([], inviter=admin)
    assert count(Invitation) == 0
