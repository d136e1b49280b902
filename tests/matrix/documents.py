"""Access-matrix rows of the document library's routes.

The documents and the folder belong to the group and were made by its member, so "own"
rules let the member in. Rows that change something point at objects of their own and stay
stable whoever comes first: trashing a trashed document and restoring a restored one are
no-ops that still redirect; restoring version 1 adds one more version each time; the folder
to delete is never empty, so deleting it is refused (and redirects); forms sent without their
fields come back with errors. Emptying the trash comes last.
"""

from __future__ import annotations

import io
from typing import Any

from app.documents import services, uploads
from app.documents.demo import pdf_bytes
from tests.access import Row, group_private, signed_in, statuses

PDF = pdf_bytes(["Access matrix"])

#: Members and leads of the group, coordinators, admins; observers 403; outsiders 404.
WRITERS_OK = statuses(
    anonymous=302,
    deactivated=302,
    member=200,
    other_member=404,
    observer=403,
    lead=200,
    coordinator=200,
    admin=200,
)


def writers(status: int) -> dict[str, int]:
    """Whoever may upload (and the member who made the object) gets `status`."""
    return {key: status if value == 200 else value for key, value in WRITERS_OK.items()}


def leads(status: int) -> dict[str, int]:
    """The group's leads, coordinators and admins get `status`; members too are refused."""
    return {**writers(status), "member": 403}


def base(w) -> str:
    return f"/groups/{w.group.slug}/documents"


def doc(w, name: str, suffix: str = "") -> str:
    return f"{base(w)}/{w.extra[name].id}{suffix}"


def version(w, name: str, action: str) -> str:
    document = w.extra[name]
    return f"{doc(w, name)}/versions/{document.versions[-1].id}/{action}"


ROWS: dict[tuple[str, str], Row] = {
    ("documents.library", "GET"): Row(group_private(200), lambda w: f"{base(w)}/"),
    ("documents.folder", "GET"): Row(
        group_private(200), lambda w: f"{base(w)}/folders/{w.extra['documents_folder'].id}"
    ),
    ("documents.consortium", "GET"): Row(signed_in(200), lambda w: "/documents/consortium"),
    ("documents.create_folder", "GET"): Row(writers(200), lambda w: f"{base(w)}/folders/new"),
    ("documents.create_folder", "POST"): Row(
        writers(200), lambda w: f"{base(w)}/folders/new", lambda w: {"name": ""}
    ),
    ("documents.edit_folder", "GET"): Row(
        writers(200), lambda w: f"{base(w)}/folders/{w.extra['documents_folder'].id}/edit"
    ),
    ("documents.edit_folder", "POST"): Row(
        writers(200),
        lambda w: f"{base(w)}/folders/{w.extra['documents_folder'].id}/edit",
        lambda w: {"name": ""},
    ),
    ("documents.delete_folder", "POST"): Row(
        writers(302), lambda w: f"{base(w)}/folders/{w.extra['documents_folder'].id}/delete"
    ),
    ("documents.upload", "GET"): Row(writers(200), lambda w: f"{base(w)}/upload"),
    # No file: the form comes back with its error, and nothing is stored.
    ("documents.upload", "POST"): Row(writers(200), lambda w: f"{base(w)}/upload"),
    ("documents.detail", "GET"): Row(group_private(200), lambda w: doc(w, "documents_doc")),
    ("documents.edit", "GET"): Row(writers(200), lambda w: doc(w, "documents_doc", "/edit")),
    ("documents.edit", "POST"): Row(
        writers(200), lambda w: doc(w, "documents_doc", "/edit"), lambda w: {"title": ""}
    ),
    ("documents.move", "POST"): Row(
        writers(200), lambda w: doc(w, "documents_doc", "/move"), lambda w: {"folder": "x"}
    ),
    ("documents.upload_version", "POST"): Row(
        writers(200), lambda w: doc(w, "documents_doc", "/versions")
    ),
    ("documents.download", "GET"): Row(
        group_private(200), lambda w: version(w, "documents_doc", "download")
    ),
    ("documents.preview", "GET"): Row(
        group_private(200), lambda w: version(w, "documents_doc", "preview")
    ),
    ("documents.restore_version", "POST"): Row(
        writers(302), lambda w: version(w, "documents_versions", "restore")
    ),
    ("documents.trash", "POST"): Row(
        writers(302), lambda w: doc(w, "documents_to_trash", "/trash")
    ),
    ("documents.restore", "POST"): Row(
        writers(302), lambda w: doc(w, "documents_to_restore", "/restore")
    ),
    ("documents.trash_list", "GET"): Row(group_private(200), lambda w: f"{base(w)}/trash"),
    ("documents.empty_trash", "POST"): Row(leads(302), lambda w: f"{base(w)}/trash/empty"),
}


def build(world: Any, factories: Any) -> None:
    """Make the folder and the documents the rows point at, all by the group's member."""
    member = world.users["member"]
    group = world.group
    folder = services.create_folder(group, "Matrix folder", actor=member)
    world.extra["documents_folder"] = folder

    def make(name: str, **fields: Any) -> None:
        (document,) = uploads.upload_documents(
            group,
            [uploads.IncomingFile(io.BytesIO(PDF), f"{name}.pdf")],
            actor=member,
            **fields,
        )
        world.extra[name] = document

    make("documents_doc", folder=folder)
    make("documents_versions")
    make("documents_to_trash")
    make("documents_to_restore")
    services.trash_document(world.extra["documents_to_restore"], actor=member)
