"""Health check, the language switch and the privacy notice."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from app.auth.services import set_language
from app.core.i18n import SESSION_LANGUAGE_KEY, clean_language
from app.core.urls import safe_next
from app.extensions import csrf, db, limiter

bp = Blueprint("site", __name__, template_folder="templates")


@bp.route("/healthz")
@limiter.exempt
@csrf.exempt
def healthz():
    """Report whether the portal and its database answer (for monitoring)."""
    try:
        db.session.execute(sa.text("SELECT 1"))
        db.session.rollback()
    except SQLAlchemyError:
        current_app.logger.exception("health check: database unreachable")
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


@bp.route("/language", methods=["POST"])
def set_language_view():
    """Switch the interface language, remember it, and go back to the page."""
    code = clean_language(request.form.get("lang"))
    if code:
        session[SESSION_LANGUAGE_KEY] = code
        if current_user.is_authenticated:
            set_language(current_user, code)
    target = safe_next(request.form.get("next")) or url_for("dashboard.home")
    return redirect(target)


@bp.route("/privacy")
def privacy():
    """Say, to anyone, what the portal stores about its members, why, where, and for how long."""
    return render_template("site/privacy.html")
