"""The library's use cases, called directly (app/documents/services.py)."""

from __future__ import annotations

import hashlib
import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from app import create_app
from app.core.audit import AuditEvent
from app.core.database import utcnow
from app.core.errors import ServiceError
from app.documents import purging, services, uploads
from app.documents.models import Document, DocumentVersion, Folder, Visibility
from app.extensions import db
from tests.documents.conftest import HTML, PDF, PNG, SAMPLES, read_storage, stored_files


def incoming(content: bytes, name: str) -> uploads.IncomingFile:
    return uploads.IncomingFile(io.BytesIO(content), name)


def actions() -> list[str]:
    """Return the library's audit events, oldest first."""
    query = sa.select(AuditEvent.action).where(
        sa.or_(AuditEvent.action.like("document.%"), AuditEvent.action.like("folder.%"))
    )
    return list(db.session.scalars(query.order_by(AuditEvent.id)))


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# Uploading ------------------------------------------------------------------------------------


def test_upload_stores_the_file_and_the_row_together(make_group, make_user, storage_root):
    """An upload makes one document, version 1, and one stored file with the same checksum."""
    group, user = make_group(), make_user()
    (document,) = uploads.upload_documents(
        group,
        [incoming(PDF, "会议纪要（终稿）.pdf")],
        actor=user,
        description="Kick-off",
        tags="minutes, 会议纪要；2021",
        visibility=Visibility.CONSORTIUM,
    )
    db.session.expire_all()
    version = document.current_version
    assert document.title == "会议纪要（终稿）"
    assert document.tag_list == ["minutes", "会议纪要", "2021"]
    assert document.visibility == Visibility.CONSORTIUM
    assert version.number == 1
    assert version.filename == "会议纪要（终稿）.pdf"
    assert version.content_type == "application/pdf"
    assert version.size == len(PDF)
    assert version.sha256 == hashlib.sha256(PDF).hexdigest()
    assert version.uploaded_by_id == user.id
    assert read_storage(version.storage_key) == PDF
    assert len(stored_files(storage_root)) == 1
    assert actions() == ["document.uploaded"]


def test_several_files_are_all_stored_or_none(make_group, make_user, storage_root):
    """If one file of several is refused, no document and no stored file remain."""
    group, user = make_group(), make_user()
    with pytest.raises(ServiceError):
        uploads.upload_documents(
            group, [incoming(PDF, "a.pdf"), incoming(HTML, "b.pdf")], actor=user
        )
    assert count(Document) == 0
    assert stored_files(storage_root) == []
    documents = uploads.upload_documents(
        group, [incoming(PDF, "a.pdf"), incoming(PNG, "b.png")], actor=user
    )
    assert [d.title for d in documents] == ["a", "b"]


def test_a_failed_commit_removes_the_stored_file(make_group, make_user, storage_root, monkeypatch):
    """When the database refuses the row, the file already stored is deleted again."""
    group, user = make_group(), make_user()

    def broken_commit():
        raise sa.exc.OperationalError("COMMIT", {}, Exception("database went away"))

    monkeypatch.setattr(db.session, "commit", broken_commit)
    with pytest.raises(sa.exc.OperationalError):
        uploads.upload_documents(group, [incoming(PDF, "a.pdf")], actor=user)
    monkeypatch.undo()
    assert count(Document) == 0
    assert count(DocumentVersion) == 0
    assert stored_files(storage_root) == []


def test_a_title_is_for_a_single_file(make_group, make_user):
    """With several files each is named after its file; a title for all of them is refused."""
    group, user = make_group(), make_user()
    with pytest.raises(ServiceError) as refused:
        uploads.upload_documents(
            group, [incoming(PDF, "a.pdf"), incoming(PDF, "b.pdf")], actor=user, title="Same"
        )
    assert refused.value.field == "title"
    (document,) = uploads.upload_documents(
        group, [incoming(PDF, "a.pdf")], actor=user, title="  Minutes  "
    )
    assert document.title == "Minutes"


@pytest.mark.parametrize(
    "tags",
    ["x" * (services.MAX_TAG_LENGTH + 1), ",".join(f"t{n}" for n in range(services.MAX_TAGS + 1))],
)
def test_too_many_or_too_long_tags_are_refused(make_group, make_user, tags, storage_root):
    """Tags are limited in number and length; nothing is stored when they are refused."""
    with pytest.raises(ServiceError) as refused:
        uploads.upload_documents(
            make_group(), [incoming(PDF, "a.pdf")], actor=make_user(), tags=tags
        )
    assert refused.value.field == "tags"
    assert stored_files(storage_root) == []


def test_tags_are_trimmed_and_not_repeated():
    """Commas of both widths and the enumeration comma separate; repeats in any case go."""
    assert services.parse_tags(" Minutes ,minutes，会议、 2021 ;; ") == ["Minutes", "会议", "2021"]
    assert services.tags_value(["a", "b"]) == ",a,b,"
    assert services.tags_value([]) == ""


def test_a_folder_of_another_group_is_refused(make_group, make_user):
    """A document cannot be put in a folder of another group's library."""
    mine, theirs, user = make_group(), make_group(), make_user()
    folder = services.create_folder(theirs, "Theirs", actor=user)
    with pytest.raises(ServiceError):
        uploads.upload_documents(mine, [incoming(PDF, "a.pdf")], actor=user, folder=folder)


# Versions -------------------------------------------------------------------------------------


def test_new_versions_are_numbered_and_the_newest_is_current(make_group, make_user, make_document):
    """Each new version gets the next number, keeps its comment, and becomes current."""
    group, user = make_group(), make_user()
    document = make_document(group, actor=user, filename="plan.pdf")
    version = uploads.upload_version(
        document, incoming(SAMPLES["docx"], "plan v2.docx"), actor=user, comment="Comments in"
    )
    db.session.expire_all()
    assert version.number == 2
    assert document.current_version.id == version.id
    assert [v.number for v in document.versions] == [2, 1]
    assert version.comment == "Comments in"
    assert version.content_type.endswith("wordprocessingml.document")
    assert actions() == ["document.uploaded", "document.version_uploaded"]


def test_a_refused_version_changes_nothing(make_group, make_user, make_document, storage_root):
    """An HTML file offered as a new version is refused; the document keeps one version."""
    document = make_document(make_group())
    with pytest.raises(ServiceError):
        uploads.upload_version(document, incoming(HTML, "v2.pdf"), actor=make_user())
    db.session.expire_all()
    assert len(document.versions) == 1
    assert len(stored_files(storage_root)) == 1


def test_restore_makes_an_old_version_current_as_a_new_one(make_group, make_user, make_document):
    """Restoring version 1 adds version 3 with version 1's content, in a file of its own."""
    group, user = make_group(), make_user()
    document = make_document(group, actor=user)
    uploads.upload_version(document, incoming(PNG, "figure.png"), actor=user)
    first = document.versions[-1]
    restored = uploads.restore_version(first, actor=user)
    db.session.expire_all()
    assert restored.number == 3
    assert restored.restored_from == 1
    assert restored.sha256 == first.sha256
    assert restored.storage_key != first.storage_key
    assert read_storage(restored.storage_key) == PDF
    assert document.current_version.content_type == "application/pdf"
    assert actions()[-1] == "document.version_restored"


def test_no_new_version_while_in_the_trash(make_group, make_user, make_document):
    """A trashed document takes no new version until it is restored."""
    user = make_user()
    document = make_document(make_group(), actor=user)
    services.trash_document(document, actor=user)
    with pytest.raises(ServiceError):
        uploads.upload_version(document, incoming(PDF, "v2.pdf"), actor=user)


def test_versions_are_addressable_by_id_for_other_domains(make_group, make_user, make_document):
    """get_version_for_group finds a version of the group, not another group's or a trashed one."""
    group, other = make_group(), make_group()
    user = make_user()
    document = make_document(group, actor=user)
    version_id = document.current_version.id
    assert services.get_version_for_group(group, version_id).id == version_id
    assert services.get_version_for_group(other, version_id) is None
    assert services.get_version_for_group(group, 999_999) is None
    services.trash_document(document, actor=user)
    assert services.get_version_for_group(group, version_id) is None
    assert services.get_version_for_group(group, version_id, include_trashed=True) is not None


# Editing, moving, trash -----------------------------------------------------------------------


def test_update_records_what_changed(make_group, make_user, make_document):
    """Saving new details changes them and audits the field names; saving again is a no-op."""
    user = make_user()
    document = make_document(make_group(), actor=user)
    values = dict(
        title="Final minutes",
        description="**Approved**",
        tags="minutes",
        visibility=Visibility.CONSORTIUM,
    )
    assert services.update_document(document, actor=user, **values) is True
    assert services.update_document(document, actor=user, **values) is False
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "document.edited")
    ).one()
    assert event.details["changed"] == ["description", "tags", "title", "visibility"]
    with pytest.raises(ServiceError):
        services.update_document(document, actor=user, **{**values, "title": "  "})


def test_move_between_folders(make_group, make_user, make_document):
    """A document moves into a folder and back to the top, each move audited."""
    group, user = make_group(), make_user()
    folder = services.create_folder(group, "Minutes", actor=user)
    document = make_document(group, actor=user)
    assert services.move_document(document, folder, actor=user) is True
    assert services.move_document(document, folder, actor=user) is False
    assert document.folder_id == folder.id
    assert services.move_document(document, None, actor=user) is True
    assert document.folder_id is None
    assert actions().count("document.moved") == 2
    with pytest.raises(ServiceError):
        services.move_document(
            document, services.create_folder(make_group(), "Other", actor=user), actor=user
        )


def test_trash_and_restore(make_group, make_user, make_document):
    """A trashed document leaves the library list and comes back when restored."""
    group, user = make_group(), make_user()
    document = make_document(group, actor=user)
    filters = services.LibraryFilters()
    assert services.trash_document(document, actor=user) is True
    assert services.trash_document(document, actor=user) is False
    assert document.trashed_by_id == user.id
    assert services.library_page(group, None, filters).total == 0
    assert services.trash_page(group).total == 1
    assert services.restore_document(document, actor=user) is True
    assert services.restore_document(document, actor=user) is False
    assert services.library_page(group, None, filters).total == 1
    assert actions()[-2:] == ["document.trashed", "document.restored"]


def test_emptying_the_trash_removes_rows_and_files(
    make_group, make_user, make_document, storage_root
):
    """Emptying purges every trashed document of the group, rows and files; others stay."""
    group, other = make_group(), make_group()
    user = make_user()
    gone = make_document(group, actor=user)
    uploads.upload_version(gone, incoming(PNG, "v2.png"), actor=user)
    kept = make_document(group, actor=user)
    theirs = make_document(other, actor=user)
    services.trash_document(gone, actor=user)
    services.trash_document(theirs, actor=user)
    result = purging.empty_trash(group, actor=user)
    assert result == purging.PurgeResult(purged=1, protected=0)
    db.session.expire_all()
    assert db.session.get(Document, kept.id) is not None
    assert db.session.get(Document, theirs.id) is not None
    assert count(DocumentVersion) == 2
    assert len(stored_files(storage_root)) == 2
    assert "document.purged" in actions()
    assert purging.empty_trash(group, actor=user) == purging.PurgeResult(0, 0)


def test_protected_versions_are_never_purged(app, make_group, make_user, make_document):
    """A document with a version another domain needs stays in the trash when it is emptied."""
    group, user = make_group(), make_user()
    needed = make_document(group, actor=user)
    other = make_document(group, actor=user)
    needed_version_id = needed.current_version.id
    purging.add_purge_guard(app, lambda version: version.id == needed_version_id)
    purging.add_purge_guard(app, lambda version: False)
    assert purging.is_version_protected(needed.current_version)
    assert not purging.is_version_protected(other.current_version)
    services.trash_document(needed, actor=user)
    services.trash_document(other, actor=user)
    result = purging.empty_trash(group, actor=user)
    assert result == purging.PurgeResult(purged=1, protected=1)
    db.session.expire_all()
    assert db.session.get(Document, needed.id) is not None
    assert db.session.get(Document, other.id) is None


def test_the_guard_is_asked_inside_the_purge_transaction(app, make_group, make_user, make_document):
    """The guard sees the purge's own session, with the documents still there to keep."""
    group, user = make_group(), make_user()
    document = make_document(group, actor=user)
    services.trash_document(document, actor=user)
    seen = []

    def guard(version):
        seen.append((db.session().in_transaction(), db.session.get(Document, document.id)))
        return False

    purging.add_purge_guard(app, guard)
    assert purging.empty_trash(group, actor=user) == purging.PurgeResult(purged=1, protected=0)
    assert seen == [(True, document)]


def test_adding_a_guard_twice_counts_once(app):
    """The application factory may add the same guard every time it runs."""

    def guard(version):
        return False

    purging.add_purge_guard(app, guard)
    purging.add_purge_guard(app, guard)
    assert purging.purge_guards().count(guard) == 1


def test_guards_belong_to_one_application(app, database_url):
    """A guard added to one application is not asked by another."""

    def guard(version):
        return True

    purging.add_purge_guard(app, guard)
    other = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url)
    with other.app_context():
        assert guard not in purging.purge_guards()


def test_purge_removes_what_is_older_than_the_retention(make_group, make_user, make_document):
    """The cron purge removes documents trashed long enough ago, in every group."""
    group, user = make_group(), make_user()
    old = make_document(group, actor=user)
    recent = make_document(make_group(), actor=user)
    with time_machine.travel(utcnow() - timedelta(days=40), tick=False):
        services.trash_document(old, actor=user)
    services.trash_document(recent, actor=user)
    assert purging.purge_trash() == purging.PurgeResult(purged=1, protected=0)
    db.session.expire_all()
    assert db.session.get(Document, old.id) is None
    assert db.session.get(Document, recent.id) is not None
    assert purging.purge_trash(timedelta(0)) == purging.PurgeResult(purged=1, protected=0)


# Folders --------------------------------------------------------------------------------------


def test_folders_nest_and_give_breadcrumbs(make_group, make_user):
    """Folders nest; the path runs from the top down; the choices read "Parent / Child"."""
    group, user = make_group(), make_user()
    meetings = services.create_folder(group, "Meetings", actor=user)
    year = services.create_folder(group, "2021", parent=meetings, actor=user)
    reports = services.create_folder(group, "Reports", actor=user)
    folders = services.folders_of(group)
    assert [f.name for f in services.folder_path(year, folders)] == ["Meetings", "2021"]
    assert services.folder_choices(folders) == [
        (meetings.id, "Meetings"),
        (year.id, "Meetings / 2021"),
        (reports.id, "Reports"),
    ]
    assert services.subfolders(folders, None) == [meetings, reports]


def test_folder_names_are_unique_among_siblings(make_group, make_user):
    """Two folders of the same parent cannot share a name, whatever the case."""
    group, user = make_group(), make_user()
    parent = services.create_folder(group, "会议", actor=user)
    services.create_folder(group, "Minutes", parent=parent, actor=user)
    with pytest.raises(ServiceError):
        services.create_folder(group, "minutes", parent=parent, actor=user)
    services.create_folder(group, "Minutes", actor=user)  # another parent: fine
    other = services.create_folder(group, "Notes", parent=parent, actor=user)
    with pytest.raises(ServiceError):
        services.rename_folder(other, "MINUTES", actor=user)
    assert services.rename_folder(other, "Notes", actor=user) is False
    assert services.rename_folder(other, "Agendas", actor=user) is True
    with pytest.raises(ServiceError):
        services.create_folder(group, "   ", actor=user)


def test_folders_nest_only_so_deep(make_group, make_user):
    """Past the maximum depth no further folder is made."""
    group, user = make_group(), make_user()
    parent = None
    for level in range(services.MAX_FOLDER_DEPTH):
        parent = services.create_folder(group, f"Level {level}", parent=parent, actor=user)
    with pytest.raises(ServiceError):
        services.create_folder(group, "Too deep", parent=parent, actor=user)


def test_only_an_empty_folder_is_deleted(make_group, make_user, make_document):
    """A folder with a document or a subfolder stays; emptied, it goes (trash moves to top)."""
    group, user = make_group(), make_user()
    folder = services.create_folder(group, "Drafts", actor=user)
    document = make_document(group, actor=user, folder=folder)
    with pytest.raises(ServiceError):
        services.delete_folder(folder, actor=user)
    services.trash_document(document, actor=user)
    services.delete_folder(folder, actor=user)
    db.session.expire_all()
    assert count(Folder) == 0
    assert document.folder_id is None
    assert document.is_trashed


# Lists, search and filters --------------------------------------------------------------------


@pytest.fixture
def library(make_group, make_user, make_document):
    """A small library: a folder, Chinese and English documents by two people."""
    group = make_group()
    anna, wang = make_user(name="Anna Schmidt"), make_user(name="Wang Lei")
    folder = services.create_folder(group, "Meetings", actor=anna)
    with time_machine.travel("2021-03-18 09:00Z", tick=False):
        minutes = make_document(
            group, actor=wang, filename="会议纪要（终稿）.pdf", folder=folder, tags="minutes"
        )
    with time_machine.travel("2021-06-01 09:00Z", tick=False):
        survey = make_document(
            group,
            actor=anna,
            content=SAMPLES["xlsx"],
            filename="survey.xlsx",
            title="Health literacy survey",
            description="Results by country, 中国 included",
            tags="survey, 健康素养",
        )
    with time_machine.travel("2021-09-01 09:00Z", tick=False):
        figure = make_document(group, actor=anna, content=PNG, filename="big-figure.png")
    return {
        "group": group,
        "folder": folder,
        "anna": anna,
        "wang": wang,
        "minutes": minutes,
        "survey": survey,
        "figure": figure,
    }


def titles(pagination) -> list[str]:
    return [d.title for d in pagination.items]


def test_the_list_shows_one_folder_unless_searching(library):
    """Without a search the top and each folder list their own documents only."""
    group, folder = library["group"], library["folder"]
    empty = services.LibraryFilters()
    assert titles(services.library_page(group, None, empty)) == [
        "big-figure",
        "Health literacy survey",
    ]
    assert titles(services.library_page(group, folder, empty)) == ["会议纪要（终稿）"]


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("纪要", ["会议纪要（终稿）"]),  # Chinese, in the title and the file name
        ("终稿", ["会议纪要（终稿）"]),
        ("中国", ["Health literacy survey"]),  # in the description
        ("健康素养", ["Health literacy survey"]),  # a tag
        ("SURVEY.XLSX", ["Health literacy survey"]),  # the file name, any case
        ("literacy country", ["Health literacy survey"]),  # every word must match
        ("literacy 纪要", []),
        ("100%", []),  # wildcards are matched literally
        ("_", []),
    ],
)
def test_search_finds_title_description_tags_and_file_names(library, q, found):
    """Search looks in titles, descriptions, tags and file names, in Chinese too."""
    result = services.library_page(library["group"], None, services.LibraryFilters(q=q))
    assert titles(result) == found


def test_filters_by_type_uploader_tag_and_date(library):
    """Each filter narrows the whole library's list."""
    group = library["group"]

    def found(**filters):
        return titles(services.library_page(group, None, services.LibraryFilters(**filters)))

    assert found(kind="pdf") == ["会议纪要（终稿）"]
    assert found(kind="image") == ["big-figure"]
    assert found(kind="spreadsheet") == ["Health literacy survey"]
    assert found(uploader_id=library["wang"].id) == ["会议纪要（终稿）"]
    assert found(tag="MINUTES") == ["会议纪要（终稿）"]
    assert found(tag="min") == []
    assert found(date_from=date(2021, 5, 1), date_to=date(2021, 6, 1)) == ["Health literacy survey"]
    assert found(date_to=date(2021, 3, 17)) == []


def test_sorting(library):
    """The list sorts by name, type, uploader, date and size, both ways."""
    group = library["group"]

    def order(sort, descending=False):
        filters = services.LibraryFilters(sort=sort, descending=descending, kind="")
        filters.q = ""
        query_all = services.LibraryFilters(sort=sort, descending=descending, q="")
        query_all.date_from = date(2000, 1, 1)  # search the whole library
        return titles(services.library_page(group, None, query_all))

    assert order("name") == ["big-figure", "Health literacy survey", "会议纪要（终稿）"]
    assert order("date") == ["会议纪要（终稿）", "Health literacy survey", "big-figure"]
    assert order("date", descending=True) == [
        "big-figure",
        "Health literacy survey",
        "会议纪要（终稿）",
    ]
    assert order("uploader")[-1] == "会议纪要（终稿）"  # Wang after Anna
    assert order("type")[0] == "会议纪要（终稿）"  # application/pdf first
    assert order("size")[0] == "big-figure"


def test_the_newest_version_decides_type_and_uploader(library):
    """After a new version the list's type, uploader and date are the new version's."""
    group, wang = library["group"], library["wang"]
    uploads.upload_version(library["figure"], incoming(PDF, "figure.pdf"), actor=wang)
    found = services.library_page(group, None, services.LibraryFilters(uploader_id=wang.id))
    assert sorted(titles(found)) == ["big-figure", "会议纪要（终稿）"]
    pdfs = services.library_page(group, None, services.LibraryFilters(kind="pdf"))
    assert sorted(titles(pdfs)) == ["big-figure", "会议纪要（终稿）"]


def test_consortium_list_has_only_shared_documents(make_group, make_user, make_document):
    """The consortium list has the documents marked for all members, not trashed ones."""
    user = make_user()
    shared = make_document(make_group(), actor=user, visibility=Visibility.CONSORTIUM)
    make_document(make_group(), actor=user)
    trashed = make_document(make_group(), actor=user, visibility=Visibility.CONSORTIUM)
    services.trash_document(trashed, actor=user)
    result = services.consortium_page(services.LibraryFilters())
    assert [d.id for d in result.items] == [shared.id]
    assert services.uploaders_of(None) == [user]


def test_a_version_number_taken_meanwhile_is_an_error(
    make_group, make_user, make_document, storage_root, monkeypatch
):
    """If another upload took the same number first, this one is refused and its file removed."""
    user = make_user()
    document = make_document(make_group(), actor=user)
    monkeypatch.setattr(uploads, "_next_number", lambda document: 1)
    with pytest.raises(ServiceError) as refused:
        uploads.upload_version(document, incoming(PNG, "v2.png"), actor=user)
    assert "at the same moment" in refused.value.message
    db.session.expire_all()
    assert len(document.versions) == 1
    assert len(stored_files(storage_root)) == 1


def test_restoring_a_version_whose_file_is_missing_is_an_error(
    make_group, make_user, make_document
):
    """A version whose stored file vanished cannot be restored; nothing is added."""
    from app.core.storage import get_storage

    user = make_user()
    document = make_document(make_group(), actor=user)
    first = document.current_version
    get_storage().delete(first.storage_key)
    with pytest.raises(ServiceError):
        uploads.restore_version(first, actor=user)
    db.session.expire_all()
    assert len(document.versions) == 1
