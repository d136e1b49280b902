"""Translated error pages (HTML for people, JSON for the health check's callers)."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db

ERROR_TEXTS = {
    400: (
        _l("Bad request"),
        _l(
            "The request could not be understood. If you were sending a "
            "form, go back, reload the page and try again."
        ),
    ),
    403: (_l("Permission denied"), _l("You do not have permission to do this.")),
    404: (_l("Page not found"), _l("There is nothing at this address, or you cannot see it.")),
    405: (_l("Method not allowed"), _l("This address does not accept that kind of request.")),
    413: (_l("File too large"), _l("What you sent is larger than the portal accepts.")),
    429: (_l("Too many attempts"), _l("Too many attempts, please try again later.")),
    500: (
        _l("Server error"),
        _l("Something went wrong on our side. It has been logged; please try again in a moment."),
    ),
    503: (
        _l("Service temporarily unavailable"),
        _l("The portal cannot answer right now. Please try again in a few minutes."),
    ),
}
CSRF_TEXT = _l(
    "This form has expired or was sent from elsewhere. Go back, reload the page and send it again."
)


def render_error(code: int, message: str | None = None):
    title, default_message = ERROR_TEXTS.get(code, ERROR_TEXTS[500])
    return render_template(
        "errors/error.html", code=code, title=title, message=message or default_message
    ), code


def register(app: Flask) -> None:
    """Answer every HTTP error with the translated page of its status."""

    @app.errorhandler(CSRFError)
    def csrf_error(_error: CSRFError):
        return render_error(400, str(CSRF_TEXT))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        if error.code not in ERROR_TEXTS:
            return error
        response = render_error(error.code)
        if error.code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            return (*response, {"Allow": ", ".join(error.valid_methods)})
        return response

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        if app.config.get("TESTING") and app.config.get("PROPAGATE_TEST_ERRORS", True):
            raise error
        return render_error(InternalServerError.code)
