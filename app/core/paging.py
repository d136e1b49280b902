"""Page numbers and paginated lists: the one helper every list of the portal uses.

A page number comes from the query string (``?page=``, or another name where a page shows
two lists). Whatever is typed there, a list answers with a real page: missing, non-numeric,
zero or negative means the first page; a number past the last page shows the last page
(so a shared link to page 7 of a list that has shrunk still shows something); nothing a
visitor types can overflow the database's offset.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import request
from flask_sqlalchemy.pagination import Pagination

from app.extensions import db

#: No list of the portal has this many pages; it keeps OFFSET far from any overflow.
MAX_PAGE = 100_000

_DIGITS = re.compile(r"[0-9]{1,7}")


def clamp_page(page: object) -> int:
    """Return `page` as a page number from 1 to MAX_PAGE (1 for anything that is not one)."""
    if isinstance(page, str):
        page = int(page) if _DIGITS.fullmatch(page) else 1
    if not isinstance(page, int) or isinstance(page, bool):
        return 1
    return min(max(page, 1), MAX_PAGE)


def page_arg(name: str = "page") -> int:
    """Return the page number the request's query string asks for under `name`."""
    return clamp_page(request.args.get(name, ""))


def paginate(query: sa.Select, *, page: object, per_page: int) -> Pagination:
    """Return the page `page` of `query`; past the last page, the last page."""
    number = clamp_page(page)
    pagination = db.paginate(query, page=number, per_page=per_page, error_out=False)
    last = max(pagination.pages, 1)
    if number > last:
        pagination = db.paginate(query, page=last, per_page=per_page, error_out=False)
    return pagination
