"""Document library pages: making, renaming and deleting the folders of a library."""

from __future__ import annotations

from flask import flash, redirect, render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.core.errors import ServiceError, show_on_form
from app.documents import services
from app.documents.forms import FolderForm
from app.documents.routes import _folder_arg, _library_url, bp, get_folder
from app.groups.loaders import load_group
from app.permissions import require


@bp.route("/groups/<slug>/documents/folders/new", methods=["GET", "POST"])
@login_required
def create_folder(slug: str):
    """Make a folder in the library (inside the folder named by ?parent=)."""
    group = load_group(slug)
    require("document.upload", group)
    parent = _folder_arg(group, "parent")
    form = FolderForm()
    if form.validate_on_submit():
        try:
            folder = services.create_folder(
                group, form.name.data, parent=parent, actor=current_user
            )
        except ServiceError as exc:
            show_on_form(form, exc, "name")
        else:
            flash(_("The folder %(name)s has been created.", name=folder.name), "success")
            return redirect(_library_url(group, folder))
    return render_template(
        "documents/folder_form.html",
        group=group,
        form=form,
        folder=None,
        parent=parent,
        path=services.folder_path(parent),
    )


@bp.route("/groups/<slug>/documents/folders/<int:folder_id>/edit", methods=["GET", "POST"])
@login_required
def edit_folder(slug: str, folder_id: int):
    """Rename a folder."""
    group = load_group(slug)
    folder = get_folder(group, folder_id)
    require("folder.edit", folder)
    form = FolderForm(obj=folder)
    if form.validate_on_submit():
        try:
            changed = services.rename_folder(folder, form.name.data, actor=current_user)
        except ServiceError as exc:
            show_on_form(form, exc, "name")
        else:
            if changed:
                flash(_("The folder is now called %(name)s.", name=folder.name), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(_library_url(group, folder))
    return render_template(
        "documents/folder_form.html",
        group=group,
        form=form,
        folder=folder,
        parent=folder.parent,
        path=services.folder_path(folder),
    )


@bp.route("/groups/<slug>/documents/folders/<int:folder_id>/delete", methods=["POST"])
@login_required
def delete_folder(slug: str, folder_id: int):
    """Delete an empty folder."""
    group = load_group(slug)
    folder = get_folder(group, folder_id)
    require("folder.edit", folder)
    parent, name = folder.parent, folder.name
    try:
        services.delete_folder(folder, actor=current_user)
    except ServiceError as exc:
        flash(exc.message, "danger")
        return redirect(_library_url(group, folder))
    flash(_("The folder %(name)s has been deleted.", name=name), "success")
    return redirect(_library_url(group, parent))
