"""Inviting people from a CSV file: preview, confirmation, and all-or-nothing."""

from __future__ import annotations

import base64
import io
import re

import pytest
import sqlalchemy as sa

from app.auth.models import SiteRole
from app.core.audit import AuditEvent
from app.core.errors import ServiceError
from app.core.mail import OutboxEmail
from app.extensions import db
from app.groups.models import GroupRole
from app.invitations import services as invitation_services
from app.invitations.models import Invitation
from tests.admin.conftest import flashes, post

HEADER = "email,name,name_zh,organisation,language,groups"


def csv_bytes(*lines: str, bom: bool = True, newline: str = "\r\n") -> bytes:
    text = newline.join([HEADER, *lines]) + newline
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def upload(client, data: bytes, filename: str = "people.csv"):
    return post(
        client,
        "/admin/users/import",
        {"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def payload_of(html: str) -> str:
    match = re.search(r'name="payload"[^>]*value="([^"]*)"', html) or re.search(
        r'value="([^"]*)"[^>]*name="payload"', html
    )
    assert match, "no confirm form in the page"
    return match.group(1)


def confirm(client, payload: str):
    return post(client, "/admin/users/import/confirm", {"payload": payload})


def invitation_count() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Invitation))


def mail_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(OutboxEmail))


@pytest.fixture
def groups(make_group):
    return make_group(code="WG1"), make_group(code="WG3")


@pytest.fixture
def peking(make_organisation):
    return make_organisation("Peking University", "北京大学")


GOOD_FILE_LINES = (
    "wang.lei@example.cn,Wang Lei,王磊,北京大学,zh,WG1:lead;WG3:member",
    'anna.rossi@example.it,"Rossi, Anna",,Peking University,,wg3:Observer',
    "li.na@example.cn,,李娜,,ZH,",
)


def test_the_form_explains_the_columns(client, as_admin):
    """The upload page names the expected columns."""
    html = client.get("/admin/users/import").get_data(as_text=True)
    assert HEADER in html and 'enctype="multipart/form-data"' in html


def test_preview_then_confirm(client, as_admin, admin, groups, peking):
    """A UTF-8 file with a BOM, CRLF lines and Chinese names previews, then invites everyone."""
    response = upload(client, csv_bytes(*GOOD_FILE_LINES))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "王磊" in html and "李娜" in html and "Rossi, Anna" in html
    assert "3 invitations are ready to be sent." in html
    assert invitation_count() == 0  # the preview writes nothing

    response = confirm(client, payload_of(html))
    assert response.status_code == 302
    assert response.location == "/admin/users?status=invited"
    assert "3 invitations have been sent." in flashes(client, response.location)

    db.session.expire_all()
    found = {i.email: i for i in db.session.scalars(sa.select(Invitation))}
    assert set(found) == {"wang.lei@example.cn", "anna.rossi@example.it", "li.na@example.cn"}
    wang = found["wang.lei@example.cn"]
    assert (wang.name, wang.name_zh, wang.locale) == ("Wang Lei", "王磊", "zh")
    assert wang.organisation_id == peking.id and wang.site_role == SiteRole.MEMBER
    wg1, wg3 = groups
    assert {(g.group_id, g.role) for g in wang.groups} == {
        (wg1.id, GroupRole.LEAD),
        (wg3.id, GroupRole.MEMBER),
    }
    anna = found["anna.rossi@example.it"]
    assert anna.locale == "en" and anna.name == "Rossi, Anna"
    assert [(g.group_id, g.role) for g in anna.groups] == [(wg3.id, GroupRole.OBSERVER)]
    assert found["li.na@example.cn"].locale == "zh"
    assert mail_count() == 3
    imported = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "invitation.imported")
    ).one()
    assert imported.actor_id == admin.id and imported.details == {"count": 3}


def test_bad_rows_are_marked_and_nothing_can_be_confirmed(
    client, as_admin, make_user, groups, peking
):
    """Each bad row shows its reason, and no confirm button is offered."""
    make_user(email="taken@example.org")
    lines = (
        "ok@example.org,Fine Person,,,,WG1:member",
        "not-an-address,,,,,",
        "dup@example.org,,,,,",
        "DUP@example.org,,,,,",
        "taken@example.org,,,,,",
        "g@example.org,,,,,WG99:member",
        "r@example.org,,,,,WG1:owner",
        "o@example.org,,,Unknown College,,",
        "l@example.org,,,,fr,",
        "c@example.org,Bad\x07Name,,,,",
        "long@example.org," + "x" * 121 + ",,,,",
        ",No Address,,,,",
    )
    response = upload(client, csv_bytes(*lines))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for reason in (
        "“not-an-address” is not a valid e-mail address.",
        "This address is already on line 4 of the file.",
        "An account with this address already exists.",
        "Unknown working group “WG99”.",
        "Unknown role “owner” in WG1",
        "Unknown organisation “Unknown College”.",
        "Unknown language “fr”: use en or zh.",
        "The column name contains characters that are not allowed.",
        "The column name is too long (at most 120 characters).",
        "The e-mail address is missing.",
    ):
        assert reason in html, reason
    assert "10 rows have a problem." in html  # the first dup@ is fine
    assert 'name="payload"' not in html
    assert invitation_count() == 0


def test_a_file_that_is_not_utf8_gets_a_clear_error(client, as_admin):
    """A file saved in a legacy encoding is refused with a translated explanation."""
    data = (HEADER + "\r\njosé@example.org,José Müller,,,,\r\n").encode("cp1252")
    html = upload(client, data).get_data(as_text=True)
    assert "The file is not UTF-8 text." in html
    assert invitation_count() == 0


def test_the_message_is_in_chinese_for_a_chinese_reader(client, as_admin):
    """The file error is translated like every other message."""
    post(client, "/language", {"lang": "zh", "next": "/"})
    html = upload(client, "email\r\nx".encode("utf-16")).get_data(as_text=True)
    assert "UTF-8" in html and "The file is not UTF-8 text." not in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"mail,name\r\nx@example.org,X\r\n", "The first row must name the columns"),
        (HEADER.encode() + b"\r\n", "The file has no rows to import."),
        (b"", "The first row must name the columns"),
    ],
)
def test_a_file_without_the_right_columns_or_rows(client, as_admin, data, message):
    """A missing column or an empty file is explained, not previewed."""
    html = upload(client, data).get_data(as_text=True)
    assert message in html
    assert 'name="payload"' not in html


def test_too_many_rows(client, as_admin):
    """More rows than the limit are refused as a whole."""
    limit = invitation_services.MAX_IMPORT_ROWS
    lines = [f"p{n}@example.org,,,,," for n in range(limit + 1)]
    html = upload(client, csv_bytes(*lines)).get_data(as_text=True)
    assert f"The file has more than {limit} rows." in html


def test_too_big_a_file(client, as_admin):
    """A file over the size limit is refused without being read further."""
    filler = "x" * 100
    lines = [f"p{n}@example.org,{filler},,,," for n in range(3000)]
    html = upload(client, csv_bytes(*lines)).get_data(as_text=True)
    assert "The file is larger than" in html


def test_the_largest_file_survives_the_round_trip(client, as_admin, make_user):
    """A file just under the size limit comes back whole with the confirmation.

    The preview carries the file in a form field, which Flask caps (MAX_FORM_MEMORY_SIZE):
    the confirmation must get it back intact, and check it again (an account created since
    the preview stops it, which also keeps this test from sending 470 e-mails).
    """
    row = "{n:03d}." + "a" * 50 + "@example.org," + "N" * 120 + "," + "长" * 120 + ",,,"
    lines = [row.format(n=n) for n in range(470)]
    data = csv_bytes(*lines)
    assert (
        invitation_services.MAX_IMPORT_BYTES - 10_000
        < len(data)
        <= (invitation_services.MAX_IMPORT_BYTES)
    )
    html = upload(client, data).get_data(as_text=True)
    assert "470 invitations are ready to be sent." in html
    make_user(email="469." + "a" * 50 + "@example.org")
    response = confirm(client, payload_of(html))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "An account with this address already exists." in html
    assert html.count("table-danger") == 1  # every other row arrived and passed again
    assert invitation_count() == 0


def test_no_file(client, as_admin):
    """Sending the form without a file shows the field's error."""
    response = post(client, "/admin/users/import", {})
    assert response.status_code == 200
    assert "Choose a file to upload." in response.get_data(as_text=True)


def test_confirm_checks_the_file_again(client, as_admin, make_user, groups):
    """An account created between preview and confirmation makes the confirmation stop."""
    html = upload(client, csv_bytes("late@example.org,,,,,", "other@example.org,,,,,"))
    payload = payload_of(html.get_data(as_text=True))
    make_user(email="late@example.org")
    response = confirm(client, payload)
    assert response.status_code == 200
    assert "An account with this address already exists." in response.get_data(as_text=True)
    assert invitation_count() == 0 and mail_count() == 0


def test_a_forged_payload_is_checked_like_an_upload(client, as_admin):
    """A confirmation whose hidden file was altered is validated again, never trusted."""
    forged = base64.urlsafe_b64encode(csv_bytes("fine@example.org,,,,,", "bad,,,,,")).decode()
    response = confirm(client, forged)
    assert response.status_code == 200
    assert "“bad” is not a valid e-mail address." in response.get_data(as_text=True)
    assert invitation_count() == 0


@pytest.mark.parametrize("payload", ["", "not base64 at all!", "////", "AAAA"])
def test_a_broken_payload_asks_for_the_file_again(client, as_admin, payload):
    """A missing or undecodable confirmation answers with the upload form, never an error."""
    response = confirm(client, payload)
    assert response.status_code == 200
    assert 'type="file"' in response.get_data(as_text=True)
    assert invitation_count() == 0


def test_nothing_is_half_imported(client, as_admin, groups, monkeypatch):
    """If one invitation fails during the confirmation, none is kept and no e-mail queued."""
    real = invitation_services.build_invitation
    calls = []

    def failing_on_the_third(*args, **kwargs):
        calls.append(args[0])
        if len(calls) == 3:
            raise ServiceError("refused for the test")
        return real(*args, **kwargs)

    html = upload(client, csv_bytes(*(f"p{n}@example.org,,,,,WG1:member" for n in range(5))))
    payload = payload_of(html.get_data(as_text=True))
    monkeypatch.setattr(invitation_services, "build_invitation", failing_on_the_third)
    response = confirm(client, payload)
    assert response.status_code == 200
    assert "refused for the test" in response.get_data(as_text=True)
    assert len(calls) == 3
    assert invitation_count() == 0 and mail_count() == 0


def test_import_needs_an_administrator(client, make_user, login_as):
    """A coordinator can neither preview nor confirm a file."""
    login_as(make_user(site_role=SiteRole.COORDINATOR))
    assert client.get("/admin/users/import").status_code == 403
    assert upload(client, csv_bytes("x@example.org,,,,,")).status_code == 403
    payload = base64.urlsafe_b64encode(csv_bytes("x@example.org,,,,,")).decode()
    assert confirm(client, payload).status_code == 403
    assert invitation_count() == 0
