"""Submitting a deliverable with a document of the group's library, and keeping that document:
only the group's own documents outside the trash can be submitted, and a version submitted
once is never purged from the trash (by the lead, by `flask documents purge-trash`, or by
anything else: the database refuses too)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import flask_migrate
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app import create_app
from app.auth.models import SiteRole
from app.core.audit import AuditEvent
from app.core.errors import ServiceError
from app.core.storage import get_storage
from app.deliverables import services
from app.deliverables.models import Deliverable, DeliverableEvent, DeliverableStatus
from app.documents import purging, uploads
from app.documents import services as documents
from app.documents.models import Document, DocumentVersion
from app.extensions import db
from app.groups.models import GroupRole
from tests.conftest import csrf_token_from

S = DeliverableStatus


@pytest.fixture
def group(make_group):
    return make_group()


@pytest.fixture
def lead(make_user, add_member, group):
    user = make_user(name="Lead")
    add_member(user, group, GroupRole.LEAD)
    return user


@pytest.fixture
def coordinator(make_user):
    return make_user(name="Coordinator", site_role=SiteRole.COORDINATOR)


def url(deliverable: Deliverable, action: str = "") -> str:
    base = f"/groups/{deliverable.group.slug}/deliverables/{deliverable.id}"
    return f"{base}/{action}" if action else base


def post(client, path: str, data: dict) -> object:
    """POST with a CSRF token from a page the user may see."""
    token = csrf_token_from(client.get("/profile").get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token})


def reload(deliverable: Deliverable) -> Deliverable:
    db.session.expire_all()
    return db.session.get(Deliverable, deliverable.id)


def events_of(deliverable: Deliverable) -> list[DeliverableEvent]:
    db.session.expire_all()
    query = sa.select(DeliverableEvent).where(DeliverableEvent.deliverable_id == deliverable.id)
    return list(db.session.scalars(query.order_by(DeliverableEvent.id)))


def status_changes() -> list[AuditEvent]:
    query = sa.select(AuditEvent).where(AuditEvent.action == "deliverable.status_changed")
    return list(db.session.scalars(query))


def options_of(html: str) -> dict[str, str]:
    """Return the document select's options as {value: label}."""
    select = re.search(r'<select[^>]*name="version_id"[^>]*>(.*?)</select>', html, re.S)
    assert select, "no document select on the page"
    return {
        value: re.sub(r"\s+", " ", label).strip()
        for value, label in re.findall(
            r'<option[^>]*value="([^"]*)"[^>]*>(.*?)</option>', select[1]
        )
    }


def trash(version: DocumentVersion, actor) -> None:
    documents.trash_document(db.session.get(Document, version.document_id), actor=actor)


# What can be submitted ------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["missing", "blank", "another group's", "trashed", "unknown"])
def test_submitting_without_a_document_of_the_group_is_refused(
    client, login_as, make_deliverable, make_version, make_group, group, lead, case
):
    """No document, another group's, a trashed one or an unknown id: a field error, no change."""
    deliverable = make_deliverable(group, status=S.IN_REVIEW)
    make_version(group)  # the library is not empty: the lead just did not choose well
    data: dict = {"to": "submitted", "comment": "Here it is."}
    if case == "blank":
        data["version_id"] = ""
    elif case == "another group's":
        data["version_id"] = make_version(make_group()).id
    elif case == "trashed":
        version = make_version(group)
        trash(version, lead)
        data["version_id"] = version.id
    elif case == "unknown":
        data["version_id"] = db.session.scalar(sa.select(sa.func.max(DocumentVersion.id))) + 100
    login_as(lead)
    response = post(client, url(deliverable, "move"), data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert re.search(r'<select[^>]*class="form-select is-invalid"[^>]*name="version_id"', html)
    if case in ("missing", "blank"):
        assert "Choose the document to submit from the working group&#39;s library." in html
    else:
        assert "or it is in the trash: choose another one." in html
    again = reload(deliverable)
    assert again.status == S.IN_REVIEW
    assert again.submitted_version_id is None and again.submitted_at is None
    assert len(events_of(deliverable)) == 1
    assert status_changes() == []


@pytest.mark.parametrize("value", ["0", "-3", "seven", "٣", str(2**40)])
def test_a_value_that_is_no_version_id_is_a_form_error(
    client, login_as, make_deliverable, group, lead, value
):
    """Junk in the document select is refused by the form, never a server error."""
    deliverable = make_deliverable(group, status=S.IN_REVIEW)
    login_as(lead)
    response = post(client, url(deliverable, "move"), {"to": "submitted", "version_id": value})
    assert response.status_code == 200
    assert "Choose a document from the list." in response.get_data(as_text=True)
    assert reload(deliverable).status == S.IN_REVIEW


@pytest.mark.parametrize("case", ["none", "another group's", "trashed", "zero", "huge"])
def test_the_service_refuses_a_version_that_is_not_the_groups(
    make_deliverable, make_version, make_group, group, coordinator, case
):
    """move_deliverable raises ServiceError on `version_id` and changes nothing."""
    deliverable = make_deliverable(group, status=S.IN_REVIEW)
    version_id = {
        "none": lambda: None,
        "another group's": lambda: make_version(make_group()).id,
        "zero": lambda: 0,
        "huge": lambda: 2**40,
    }.get(case, lambda: None)()
    if case == "trashed":
        version = make_version(group)
        trash(version, coordinator)
        version_id = version.id
    with pytest.raises(ServiceError) as refused:
        services.move_deliverable(
            deliverable, S.SUBMITTED, actor=coordinator, version_id=version_id
        )
    assert refused.value.field == "version_id"
    assert reload(deliverable).status == S.IN_REVIEW
    assert len(events_of(deliverable)) == 1
    assert status_changes() == []


def test_submitting_with_the_groups_document_records_it(
    client, login_as, make_deliverable, make_version, group, lead
):
    """The deliverable and its event name the version; the page links to its download."""
    deliverable = make_deliverable(group, status=S.IN_REVIEW)
    version = make_version(group, title="Regulatory landscape", filename="监管环境 D2.3.pdf")
    version_id, document_id = version.id, version.document_id
    login_as(lead)
    response = post(
        client, url(deliverable, "move"), {"to": "submitted", "version_id": str(version_id)}
    )
    assert response.status_code == 302
    submitted = reload(deliverable)
    assert submitted.status == S.SUBMITTED
    assert submitted.submitted_version_id == version_id
    assert submitted.submitted_version.document.title == "Regulatory landscape"
    event = events_of(deliverable)[-1]
    assert (event.to_status, event.document_version_id) == (S.SUBMITTED, version_id)
    assert status_changes()[0].details["document_version_id"] == version_id

    page = client.get(url(deliverable)).get_data(as_text=True)
    download = f"/groups/{group.slug}/documents/{document_id}/versions/{version_id}/download"
    facts = page[page.index('id="submitted-version"') :]
    facts = facts[: facts.index("</dd>")]
    assert "Regulatory landscape" in facts and "监管环境 D2.3.pdf" in facts
    assert f'href="{download}"' in facts
    assert page.count(f'href="{download}"') == 2  # the facts and the history
    response = client.get(download)
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")


def test_the_form_offers_the_newest_version_of_each_document_of_the_group(
    client, login_as, make_deliverable, make_version, make_group, group, lead
):
    """Title, version number and file name of each document; not the trash, not others'."""
    deliverable = make_deliverable(group, status=S.IN_REVIEW)
    first = make_version(group, title="Landscape", filename="landscape-v1.pdf")
    document = db.session.get(Document, first.document_id)
    newest = uploads.upload_version(
        document,
        uploads.IncomingFile(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "landscape-v2.pdf"),
        actor=lead,
    )
    other = make_version(group, title="Annex", filename="annex.pdf")
    trashed = make_version(group, title="Old plan", filename="old.pdf")
    trash(trashed, lead)
    elsewhere = make_version(make_group(), title="Not ours", filename="theirs.pdf")
    login_as(lead)
    html = client.get(url(deliverable)).get_data(as_text=True)
    offered = options_of(html)
    assert offered == {
        "": "Choose a document",
        str(other.id): "Annex — version 1 — annex.pdf",
        str(newest.id): "Landscape — version 2 — landscape-v2.pdf",
    }
    assert str(first.id) not in offered and str(trashed.id) not in offered
    assert str(elsewhere.id) not in offered
    assert re.search(r'<select[^>]*name="version_id"[^>]*required', html)
    assert 'id="no-documents"' not in html


def test_an_empty_library_says_where_to_upload(client, login_as, make_deliverable, group, lead):
    """Without a document to choose, the form says so and links to the library."""
    deliverable = make_deliverable(group, status=S.IN_REVIEW)
    login_as(lead)
    html = client.get(url(deliverable)).get_data(as_text=True)
    assert options_of(html) == {"": "Choose a document"}
    assert 'id="no-documents"' in html
    assert f'href="/groups/{group.slug}/documents/"' in html


def test_the_choices_take_one_query_whatever_the_library_size(make_version, group):
    """`submittable_versions` reads versions and documents in one query; labels load nothing."""
    for _ in range(2):
        make_version(group)
    db.session.refresh(group)
    with count_queries() as small:
        [v.document.title for v in services.submittable_versions(group)]
    for _ in range(5):
        make_version(group)
    db.session.expire_all()
    db.session.refresh(group)
    with count_queries() as large:
        titles = [v.document.title for v in services.submittable_versions(group)]
    assert len(titles) == 7
    assert small == large == [1]


def test_the_detail_page_reads_a_constant_number_of_rows(
    client, login_as, make_deliverable, make_version, group, lead, coordinator
):
    """More documents and more submissions in the history do not add queries to the page."""
    deliverable = make_deliverable(group, status=S.IN_REVIEW)
    services.move_deliverable(
        deliverable, S.SUBMITTED, actor=coordinator, version_id=make_version(group).id
    )
    login_as(lead)
    with count_queries() as few:
        assert client.get(url(deliverable)).status_code == 200
    for _ in range(3):
        services.move_deliverable(deliverable, S.RETURNED, actor=coordinator, comment="Again.")
        services.move_deliverable(deliverable, S.IN_PROGRESS, actor=coordinator)
        services.move_deliverable(deliverable, S.IN_REVIEW, actor=coordinator)
        services.move_deliverable(
            deliverable, S.SUBMITTED, actor=coordinator, version_id=make_version(group).id
        )
    with count_queries() as many:
        html = client.get(url(deliverable)).get_data(as_text=True)
    assert html.count('class="small event-document"') == 4
    assert many == few


class count_queries:
    """Count the SQL statements run inside the block; the result is a one-item list."""

    def __init__(self) -> None:
        self.counted = [0]

    def _count(self, *_args) -> None:
        self.counted[0] += 1

    def __enter__(self) -> list[int]:
        sa.event.listen(db.engine, "before_cursor_execute", self._count)
        return self.counted

    def __exit__(self, *_exc) -> None:
        sa.event.remove(db.engine, "before_cursor_execute", self._count)


# Submitted versions stay ----------------------------------------------------------------------


@pytest.fixture
def library(make_deliverable, make_version, group, lead, coordinator):
    """Three trashed documents: one submitted now, one submitted then returned, one never."""
    current = make_deliverable(group, status=S.IN_REVIEW)
    returned = make_deliverable(group, status=S.IN_REVIEW)
    kept_now, kept_before, unused = make_version(group), make_version(group), make_version(group)
    services.move_deliverable(current, S.SUBMITTED, actor=lead, version_id=kept_now.id)
    services.move_deliverable(returned, S.SUBMITTED, actor=lead, version_id=kept_before.id)
    services.move_deliverable(returned, S.RETURNED, actor=coordinator, comment="Redo it.")
    versions = {"now": kept_now, "before": kept_before, "unused": unused}
    found = {name: (version.document_id, version.storage_key) for name, version in versions.items()}
    for version in versions.values():
        trash(version, lead)
    return found


def assert_kept_and_purged(library) -> None:
    db.session.expire_all()
    storage = get_storage()
    for name in ("now", "before"):
        document_id, key = library[name]
        assert db.session.get(Document, document_id) is not None, name
        assert storage.exists(key), name
    document_id, key = library["unused"]
    assert db.session.get(Document, document_id) is None
    assert not storage.exists(key)


def test_emptying_the_trash_keeps_submitted_documents(client, login_as, group, lead, library):
    """The lead empties the trash: submitted documents and their files stay, the rest goes."""
    login_as(lead)
    response = post(client, f"/groups/{group.slug}/documents/trash/empty", {})
    assert response.status_code == 302
    assert_kept_and_purged(library)
    trash_page = client.get(f"/groups/{group.slug}/documents/trash").get_data(as_text=True)
    assert "2 documents stay in the trash" in trash_page


def test_purge_trash_command_keeps_submitted_documents(runner, library):
    """`flask documents purge-trash` removes the unused document only, and says why."""
    result = runner.invoke(args=["documents", "purge-trash", "--days", "0"])
    assert result.exit_code == 0, result.output
    assert "1 document removed for good." in result.output
    assert "2 documents kept" in result.output
    assert_kept_and_purged(library)


def test_the_database_refuses_to_delete_a_submitted_version(library):
    """The foreign keys (ON DELETE RESTRICT) are the safety net below the purge's check."""
    for name in ("now", "before"):  # the deliverable's column, then the event's only
        document_id, _key = library[name]
        with pytest.raises(IntegrityError):
            db.session.execute(sa.delete(Document).where(Document.id == document_id))
            db.session.flush()
        db.session.rollback()
    db.session.execute(sa.delete(Document).where(Document.id == library["unused"][0]))
    db.session.commit()


def test_every_application_asks_the_deliverables_guard(
    database_url, make_deliverable, make_version, group
):
    """The factory adds the guard to each application it creates, once."""
    application = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url)
    with application.app_context():
        assert purging.purge_guards() == (services.version_is_protected,)
    version = make_version(group)
    make_deliverable(group, status=S.SUBMITTED, submitted_version=version)
    assert purging.is_version_protected(version)


def test_emptying_the_trash_keeps_a_submitted_version(
    make_deliverable, make_version, group, make_user
):
    """A submitted document survives the trash being emptied; a plain one is purged."""
    lead = make_user()
    submitted = make_version(group)
    plain = make_version(group)
    make_deliverable(group, status=S.SUBMITTED, submitted_version=submitted)
    for version in (submitted, plain):
        documents.trash_document(version.document, actor=lead)
    result = purging.empty_trash(group, actor=lead)
    assert result == purging.PurgeResult(purged=1, protected=1)
    db.session.expire_all()
    assert db.session.get(Document, submitted.document_id) is not None
    assert db.session.get(Document, plain.document_id) is None


# The migrated schema ----------------------------------------------------------------------------


@pytest.fixture
def migrated(fresh_database_url: str) -> Iterator[sa.Inspector]:
    """An empty database brought to the newest migration; yield its inspector."""
    application = create_app("testing", SQLALCHEMY_DATABASE_URI=fresh_database_url)
    with application.app_context():
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            yield sa.inspect(connection)
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize(
    ("table", "column", "name"),
    [
        (
            "deliverables",
            "submitted_version_id",
            "fk_deliverables_submitted_version_id_document_versions",
        ),
        (
            "deliverable_events",
            "document_version_id",
            "fk_deliverable_events_document_version_id_document_versions",
        ),
    ],
)
def test_the_migration_makes_the_foreign_keys(migrated, table, column, name):
    """Both columns refer to document_versions.id with ON DELETE RESTRICT, under their names."""
    (key,) = [
        fk for fk in migrated.get_foreign_keys(table) if fk["constrained_columns"] == [column]
    ]
    assert key["name"] == name
    assert key["referred_table"] == "document_versions"
    assert key["referred_columns"] == ["id"]
    assert key["options"].get("ondelete") == "RESTRICT"
