"""Routes of the members domain."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("members", __name__, template_folder="templates")
