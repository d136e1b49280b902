"""How a request is tied to an account (Flask-Login configuration).

The session and the remember-me cookie carry "<user id>:<session token>". The account is
looked up on every request; a deactivated account, or one whose token was rotated (password
changed, deactivated, signed out everywhere), is treated as signed out at once.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_login import LoginManager

from app.auth.models import User
from app.core.routing import parse_id
from app.extensions import db


def load_user(identity: str) -> User | None:
    """Return the active account the session identity names, or None."""
    user_id, _, token = identity.partition(":")
    number = parse_id(user_id)
    if number is None or not token:
        return None
    user = db.session.get(User, number)
    if user is None or not user.is_active_account or user.session_token != token:
        return None
    return user


def configure(login_manager: LoginManager) -> None:
    """Point Flask-Login at the loader, the sign-in page and its translated message."""
    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
