"""Document library pages: the library and its folders, uploads, versions, downloads, trash.

A group's pages live under /groups/<slug>/documents/; the consortium view, listing what every
group shares with all members, at /documents/consortium. Uploads answer JSON to the page's
script (progress bar, one request per file) and redirect otherwise.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestedRangeNotSatisfiable

from app.core.errors import ServiceError, show_on_form
from app.core.paging import page_arg
from app.core.routing import parse_id
from app.core.storage import get_storage
from app.documents import purging, services, uploads
from app.documents.files import (
    ALLOWED_TYPES,
    KIND_LABELS,
    ascii_fallback,
    is_previewable,
    kind_of,
)
from app.documents.forms import (
    SORT_LABELS,
    DocumentForm,
    FilterForm,
    MoveForm,
    UploadForm,
    VersionForm,
    set_folder_choices,
)
from app.documents.models import Document, DocumentVersion, Folder, Visibility
from app.groups.loaders import load_group
from app.groups.models import WorkingGroup
from app.permissions import can, require

bp = Blueprint("documents", __name__, template_folder="templates")

#: The file chooser's hint (the server checks every file's content anyway).
ACCEPTED_EXTENSIONS = ",".join(f".{extension}" for extension in ALLOWED_TYPES)
#: What a downloaded file may do in the browser: nothing (no script, no plugin, no fetch).
DOWNLOAD_CSP = "sandbox; default-src 'none'"
#: A previewed image: shown, nothing else.
IMAGE_PREVIEW_CSP = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
#: A previewed PDF: the browser's own viewer shows it; the PDF can load nothing.
PDF_PREVIEW_CSP = "default-src 'none'; object-src 'self'"


# Template helpers -----------------------------------------------------------------------------


@bp.app_template_filter("file_size")
def file_size(size: int | None) -> str:
    """Format a number of bytes for people: 912 bytes, 45.3 KB, 12.8 MB, 1.2 GB."""
    if size is None:
        return ""
    if size < 1024:
        return ngettext("%(size)s byte", "%(size)s bytes", size, size=format_decimal(size))
    for unit in ("KB", "MB", "GB", "TB"):
        size /= 1024
        if size < 1024 or unit == "TB":
            break
    number = format_decimal(round(size, 1), format="#,##0.#")
    return {
        "KB": _("%(size)s KB", size=number),
        "MB": _("%(size)s MB", size=number),
        "GB": _("%(size)s GB", size=number),
        "TB": _("%(size)s TB", size=number),
    }[unit]


@bp.app_template_global("file_kind_label")
def file_kind_label(content_type: str) -> str:
    """Return the reader's name of a stored content type's family ("PDF", "Spreadsheet")."""
    kind = kind_of(content_type)
    return str(KIND_LABELS[kind]) if kind else content_type


# Loading --------------------------------------------------------------------------------------


def get_document(slug: str, document_id: int) -> Document:
    """Load a document of the group at `slug` or answer 404; require that the user may see it."""
    document = services.get_document(slug, document_id)
    if document is None:
        abort(404)
    require("document.view", document)
    return document


def get_version(document: Document, version_id: int) -> DocumentVersion:
    """Load one of the document's versions or answer 404."""
    version = services.get_version(document, version_id)
    if version is None:
        abort(404)
    return version


def get_folder(group: WorkingGroup, folder_id: int | None) -> Folder | None:
    """Load the group's folder by id or answer 404 (None means the top of the library)."""
    if folder_id is None:
        return None
    folder = services.get_folder(group, folder_id)
    if folder is None:
        abort(404)
    return folder




def _folder_arg(group: WorkingGroup, name: str = "folder") -> Folder | None:
    """The folder named in the query string (?folder=3), 404 if it is not this group's."""
    value = request.args.get(name)
    if not value:
        return None
    folder_id = parse_id(value)
    if folder_id is None:
        abort(404)
    return get_folder(group, folder_id)


def _wants_json() -> bool:
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


def _json_errors(form):
    """Answer the upload script with the form's errors (400), each with its field's label."""
    messages = []
    for name, errors in form.errors.items():
        if name is None:  # errors of the form as a whole
            messages.extend(errors)
            continue
        label = getattr(form, name).label.text
        messages.extend(f"{label}: {error}" for error in errors)
    return jsonify(ok=False, errors=messages), 400


def _filter_form(people) -> FilterForm:
    form = FilterForm(request.args)
    form.set_uploaders(people)
    return form


# The library ----------------------------------------------------------------------------------


def render_library(group: WorkingGroup, folder: Folder | None):
    """Render a folder of the library (or search results from the whole library)."""
    folders = services.folders_of(group)
    filter_form = _filter_form(services.uploaders_of(group))
    filters = filter_form.filters()
    documents = services.library_page(group, folder, filters, page=page_arg())
    return render_template(
        "documents/library.html",
        group=group,
        folder=folder,
        path=services.folder_path(folder, folders),
        subfolders=[] if filters.searching else services.subfolders(folders, folder),
        documents=documents,
        filters=filters,
        filter_form=filter_form,
        sort_labels=SORT_LABELS,
        list_args=_list_args(),
    )


def _list_args() -> dict[str, str]:
    """The query-string arguments of the list, except the page (for sort and page links)."""
    return {k: v for k, v in request.args.items() if k != "page" and v}


@bp.route("/groups/<slug>/documents/")
@login_required
def library(slug: str):
    """Show the top of a group's library: its folders and documents; search and filter them."""
    group = load_group(slug)
    return render_library(group, None)


@bp.route("/groups/<slug>/documents/folders/<int:folder_id>")
@login_required
def folder(slug: str, folder_id: int):
    """Show one folder of a group's library."""
    group = load_group(slug)
    return render_library(group, get_folder(group, folder_id))


@bp.route("/documents/consortium")
@login_required
def consortium():
    """List the documents every group shares with all consortium members."""
    require("portal.use")
    filter_form = _filter_form(services.uploaders_of(None))
    filters = filter_form.filters()
    return render_template(
        "documents/consortium.html",
        documents=services.consortium_page(filters, page=page_arg()),
        filters=filters,
        filter_form=filter_form,
        sort_labels=SORT_LABELS,
        list_args=_list_args(),
    )


def _library_url(group: WorkingGroup, folder: Folder | None) -> str:
    if folder is None:
        return url_for("documents.library", slug=group.slug)
    return url_for("documents.folder", slug=group.slug, folder_id=folder.id)


# Uploading ------------------------------------------------------------------------------------


def _max_upload_size() -> int | None:
    return current_app.config.get("MAX_CONTENT_LENGTH")


@bp.route("/groups/<slug>/documents/upload", methods=["GET", "POST"])
@login_required
def upload(slug: str):
    """Upload one or several files as new documents (the page's script sends one per request)."""
    group = load_group(slug)
    require("document.upload", group)
    folders = services.folders_of(group)
    form = UploadForm()
    set_folder_choices(form.folder, services.folder_choices(folders))
    if request.method == "GET":
        target = _folder_arg(group)
        form.folder.data = target.id if target else None
    if form.validate_on_submit():
        folder = get_folder(group, form.folder.data)
        try:
            documents = uploads.upload_documents(
                group,
                [uploads.IncomingFile(f.stream, f.filename) for f in form.files.data],
                actor=current_user,
                folder=folder,
                title=form.title.data or "",
                description=form.description.data or "",
                tags=form.tags.data or "",
                visibility=Visibility(form.visibility.data),
            )
        except ServiceError as exc:
            show_on_form(form, exc, "files")
        else:
            for document in documents:
                flash(_("%(title)s has been uploaded.", title=document.title), "success")
            target_url = _library_url(group, folder)
            if _wants_json():
                return jsonify(ok=True, redirect=target_url)
            return redirect(target_url)
    if request.method == "POST" and _wants_json():
        return _json_errors(form)
    return render_template(
        "documents/upload.html",
        group=group,
        form=form,
        max_size=_max_upload_size(),
        accept=ACCEPTED_EXTENSIONS,
    )


# One document ---------------------------------------------------------------------------------


def render_detail(document: Document, *, version_form: VersionForm | None = None, move_form=None):
    """Render a document's page: details, actions, the new-version form and the history."""
    group = document.group
    sees_group = can(current_user, "group.view", group)
    folders = services.folders_of(group) if sees_group else []
    if move_form is None:
        move_form = MoveForm(formdata=None)
        move_form.folder.data = document.folder_id
    set_folder_choices(move_form.folder, services.folder_choices(folders))
    return render_template(
        "documents/detail.html",
        group=group,
        document=document,
        sees_group=sees_group,
        path=services.folder_path(document.folder, folders) if sees_group else [],
        version_form=version_form or VersionForm(formdata=None),
        move_form=move_form,
        max_size=_max_upload_size(),
        is_previewable=is_previewable,
    )


@bp.route("/groups/<slug>/documents/<int:document_id>")
@login_required
def detail(slug: str, document_id: int):
    """Show a document: its details, its version history, and what the reader may do."""
    return render_detail(get_document(slug, document_id))


@bp.route("/groups/<slug>/documents/<int:document_id>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str, document_id: int):
    """Edit a document's title, description, tags and visibility."""
    document = get_document(slug, document_id)
    require("document.edit", document)
    form = DocumentForm(obj=document)
    if request.method == "GET":
        form.tags.data = ", ".join(document.tag_list)
        form.visibility.data = document.visibility.value
    if form.validate_on_submit():
        try:
            changed = services.update_document(
                document,
                actor=current_user,
                title=form.title.data,
                description=form.description.data or "",
                tags=form.tags.data or "",
                visibility=Visibility(form.visibility.data),
            )
        except ServiceError as exc:
            show_on_form(form, exc, "title")
        else:
            if changed:
                flash(_("%(title)s has been saved.", title=document.title), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(_detail_url(document))
    return render_template(
        "documents/edit.html", group=document.group, document=document, form=form
    )


def _detail_url(document: Document) -> str:
    return url_for("documents.detail", slug=document.group.slug, document_id=document.id)


@bp.route("/groups/<slug>/documents/<int:document_id>/move", methods=["POST"])
@login_required
def move(slug: str, document_id: int):
    """Move a document into another folder of its library."""
    document = get_document(slug, document_id)
    require("document.edit", document)
    form = MoveForm()
    set_folder_choices(form.folder, services.folder_choices(services.folders_of(document.group)))
    if not form.validate_on_submit():
        return render_detail(document, move_form=form)
    folder = get_folder(document.group, form.folder.data)
    if services.move_document(document, folder, actor=current_user):
        where = folder.name if folder else _("the top of the library")
        flash(
            _("%(title)s has been moved to %(folder)s.", title=document.title, folder=where),
            "success",
        )
    else:
        flash(_("Nothing was changed."), "info")
    return redirect(_detail_url(document))


@bp.route("/groups/<slug>/documents/<int:document_id>/versions", methods=["POST"])
@login_required
def upload_version(slug: str, document_id: int):
    """Upload a new version of a document, with a comment saying what changed."""
    document = get_document(slug, document_id)
    require("document.add_version", document)
    form = VersionForm()
    if form.validate_on_submit():
        try:
            version = uploads.upload_version(
                document,
                uploads.IncomingFile(form.file.data.stream, form.file.data.filename),
                actor=current_user,
                comment=form.comment.data or "",
            )
        except ServiceError as exc:
            show_on_form(form, exc, "file")
        else:
            flash(
                _(
                    "Version %(number)d of %(title)s has been uploaded.",
                    number=version.number,
                    title=document.title,
                ),
                "success",
            )
            if _wants_json():
                return jsonify(ok=True, redirect=_detail_url(document))
            return redirect(_detail_url(document))
    if _wants_json():
        return _json_errors(form)
    return render_detail(document, version_form=form)


@bp.route(
    "/groups/<slug>/documents/<int:document_id>/versions/<int:version_id>/restore",
    methods=["POST"],
)
@login_required
def restore_version(slug: str, document_id: int, version_id: int):
    """Make an older version current again (as a new version with the same content)."""
    document = get_document(slug, document_id)
    version = get_version(document, version_id)
    require("document.add_version", document)
    try:
        restored = uploads.restore_version(version, actor=current_user)
    except ServiceError as exc:
        flash(exc.message, "danger")
    else:
        flash(
            _(
                "Version %(old)d is current again, as version %(new)d.",
                old=version.number,
                new=restored.number,
            ),
            "success",
        )
    return redirect(_detail_url(document))


# Downloads ------------------------------------------------------------------------------------


def content_disposition(disposition: str, filename: str) -> str:
    """Return a Content-Disposition value with an ASCII fallback and the RFC 6266 filename*."""
    fallback = ascii_fallback(filename)
    encoded = quote(filename, safe="!#$&+-.^_`|~")
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"


def file_response(version: DocumentVersion, *, inline: bool):
    """Send a stored version, resumable (Range) and conditional (ETag = its SHA-256)."""
    try:
        stream = get_storage().open(version.storage_key)
    except FileNotFoundError:
        current_app.logger.error(
            "stored file %s of document version %s is missing", version.storage_key, version.id
        )
        abort(404)
    response = send_file(stream, mimetype=version.content_type, conditional=False, etag=False)
    response.content_length = version.size
    response.set_etag(version.sha256)
    response.last_modified = version.uploaded_at
    response.headers["Content-Disposition"] = content_disposition(
        "inline" if inline else "attachment", version.filename
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "private, no-cache"
    if not inline:
        response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    elif version.content_type == "application/pdf":
        response.headers["Content-Security-Policy"] = PDF_PREVIEW_CSP
    else:
        response.headers["Content-Security-Policy"] = IMAGE_PREVIEW_CSP
    try:
        response = response.make_conditional(
            request.environ, accept_ranges=True, complete_length=version.size
        )
    except RequestedRangeNotSatisfiable:
        stream.close()
        raise
    if response.status_code in (200, 206) and request.method == "GET":
        byte_range = request.headers.get("Range") if response.status_code == 206 else None
        services.record_download(version, actor=current_user, inline=inline, byte_range=byte_range)
    return response


@bp.route("/groups/<slug>/documents/<int:document_id>/versions/<int:version_id>/download")
@login_required
def download(slug: str, document_id: int, version_id: int):
    """Download a version as an attachment (resumable with Range; never shown inline)."""
    document = get_document(slug, document_id)
    return file_response(get_version(document, version_id), inline=False)


@bp.route("/groups/<slug>/documents/<int:document_id>/versions/<int:version_id>/preview")
@login_required
def preview(slug: str, document_id: int, version_id: int):
    """Show a PDF or raster image version in the browser (404 for any other type)."""
    document = get_document(slug, document_id)
    version = get_version(document, version_id)
    if not is_previewable(version.content_type):
        abort(404)
    return file_response(version, inline=True)


# Trash ----------------------------------------------------------------------------------------


@bp.route("/groups/<slug>/documents/<int:document_id>/trash", methods=["POST"])
@login_required
def trash(slug: str, document_id: int):
    """Put a document in the group's trash (it can be restored until the trash is emptied)."""
    document = get_document(slug, document_id)
    require("document.edit", document)
    if services.trash_document(document, actor=current_user):
        flash(_("%(title)s is in the trash.", title=document.title), "success")
    else:
        flash(_("%(title)s was already in the trash.", title=document.title), "info")
    return redirect(_library_url(document.group, document.folder))


@bp.route("/groups/<slug>/documents/<int:document_id>/restore", methods=["POST"])
@login_required
def restore(slug: str, document_id: int):
    """Take a document out of the trash."""
    document = get_document(slug, document_id)
    require("document.edit", document)
    if services.restore_document(document, actor=current_user):
        flash(_("%(title)s has been restored.", title=document.title), "success")
    else:
        flash(_("%(title)s is not in the trash.", title=document.title), "info")
    return redirect(_detail_url(document))


@bp.route("/groups/<slug>/documents/trash")
@login_required
def trash_list(slug: str):
    """List what is in the group's trash, and when it will be removed for good."""
    group = load_group(slug)
    return render_template(
        "documents/trash.html",
        group=group,
        documents=services.trash_page(group, page=page_arg()),
        retention=purging.trash_retention(),
        list_args=_list_args(),
    )


@bp.route("/groups/<slug>/documents/trash/empty", methods=["POST"])
@login_required
def empty_trash(slug: str):
    """Remove everything in the group's trash for good (documents still needed stay)."""
    group = load_group(slug)
    require("documents.empty_trash", group)
    result = purging.empty_trash(group, actor=current_user)
    if result.purged:
        flash(
            ngettext(
                "%(num)d document has been removed for good.",
                "%(num)d documents have been removed for good.",
                result.purged,
            ),
            "success",
        )
    elif not result.protected:
        flash(_("The trash was already empty."), "info")
    if result.protected:
        flash(
            ngettext(
                "%(num)d document stays in the trash: it is needed elsewhere in the portal.",
                "%(num)d documents stay in the trash: they are needed elsewhere in the portal.",
                result.protected,
            ),
            "warning",
        )
    return redirect(url_for("documents.trash_list", slug=group.slug))


# The folder views live in their own module; importing it registers them on `bp`.
from app.documents import folder_routes  # noqa: E402, F401
