"""Loading a working group for a view: the one place every package does it."""

from __future__ import annotations

from flask import abort

from app.groups.models import WorkingGroup
from app.groups.services import get_group_by_slug
from app.permissions import require


def load_group(slug: str) -> WorkingGroup:
    """Load the group at /groups/<slug>/ or answer 404, then require that the user may see it."""
    group = get_group_by_slug(slug)
    if group is None:
        abort(404)
    require("group.view", group)
    return group
