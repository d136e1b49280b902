"""The IC2PerMed working-group portal: the application factory."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import CONFIGS, INSECURE_DEFAULT_KEY, INSTANCE_DIR


def create_app(config: str | type | object | None = None, **overrides: Any) -> Flask:
    """Create and configure the portal application."""
    app = Flask(__name__, instance_path=str(INSTANCE_DIR), instance_relative_config=False)
    if config is None:
        config = os.environ.get("PORTAL_CONFIG", "development")
    if isinstance(config, str):
        config = CONFIGS[config]
    app.config.from_object(config)
    app.config.update(overrides)
    _refuse_unsafe_production(app, config)
    if app.config.get("PROXY_FIX_X_FOR"):
        # Behind the reverse proxy: the client's address (throttling, audit) and https links.
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"], x_proto=1, x_host=1
        )

    register_extensions(app)
    register_converters(app)
    register_blueprints(app)
    register_guards(app)
    register_errorhandlers(app)
    register_commands(app)
    register_request_hooks(app)
    return app


def _refuse_unsafe_production(app: Flask, config: object) -> None:
    """Refuse to start a production app with the default key or with debug on."""
    if getattr(config, "__name__", "") != "ProductionConfig":
        return
    key = app.config.get("SECRET_KEY") or ""
    if key == INSECURE_DEFAULT_KEY or len(key) < 32:
        raise RuntimeError(
            "ProductionConfig needs a real SECRET_KEY (at least 32 random characters) "
            "in the environment."
        )
    if app.config.get("DEBUG"):
        raise RuntimeError("ProductionConfig must not run with DEBUG on.")


def register_extensions(app: Flask) -> None:
    """Bind the unbound extensions to this application."""
    from app import models  # noqa: F401 - registers every table on the metadata
    from app.core import i18n
    from app.extensions import babel, bootstrap, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=os.path.join(os.path.dirname(app.root_path), "migrations"),
        compare_type=True,
        compare_server_default=True,
        render_as_batch=True,
    )
    csrf.init_app(app)
    bootstrap.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    login_manager.init_app(app)

    from app.auth import session as auth_session
    from app.core import database

    auth_session.configure(login_manager)
    database.configure(app)
    i18n.register_template_helpers(app)

    from app.core import markdown

    markdown.register(app)

    from app import permissions

    permissions.register_template_helpers(app)


def register_converters(app: Flask) -> None:
    """Make ``<int:…>`` in every route mean a database id (see `app.core.routing`)."""
    from app.core import routing

    routing.register(app)


def register_blueprints(app: Flask) -> None:
    """Import each domain's routes inside the factory, so models never drag them in."""
    from app.admin.routes import bp as admin_bp
    from app.auth.routes import bp as auth_bp
    from app.dashboard.routes import bp as dashboard_bp
    from app.deliverables.routes import bp as deliverables_bp
    from app.documents.routes import bp as documents_bp
    from app.groups.routes import bp as groups_bp
    from app.invitations.routes import bp as invitations_bp
    from app.meetings.routes import bp as meetings_bp
    from app.members.routes import bp as members_bp
    from app.organisations.routes import bp as organisations_bp
    from app.site.routes import bp as site_bp

    app.register_blueprint(site_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(invitations_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(groups_bp, url_prefix="/groups")
    app.register_blueprint(members_bp)  # /members/… and the /profile/data.json download
    app.register_blueprint(organisations_bp, url_prefix="/organisations")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(deliverables_bp)
    app.register_blueprint(documents_bp)
    app.register_blueprint(meetings_bp)


def register_guards(app: Flask) -> None:
    """Let a higher domain veto a lower one's deletes, without the lower importing it.

    The document library asks its purge guards before it purges a version for good; the
    deliverables keep every version that was ever submitted.
    """
    from app.deliverables.services import version_is_protected
    from app.documents.purging import add_purge_guard

    add_purge_guard(app, version_is_protected)


def register_errorhandlers(app: Flask) -> None:
    """Render translated error pages for the statuses a user can meet."""
    from app.site import errors

    errors.register(app)


def register_commands(app: Flask) -> None:
    """Add the `flask` sub-commands admins and cron jobs use."""
    from app.auth.commands import users_cli
    from app.core.mail import mail_cli
    from app.core.translate import translate_cli
    from app.deliverables.commands import deliverables_cli
    from app.demo import demo_cli
    from app.documents.commands import documents_cli, storage_cli

    for group in (users_cli, mail_cli, translate_cli, demo_cli):
        app.cli.add_command(group)
    app.cli.add_command(deliverables_cli)
    app.cli.add_command(documents_cli)
    app.cli.add_command(storage_cli)


def register_request_hooks(app: Flask) -> None:
    """Attach the security headers and, in development, outbox delivery."""
    from app.core import mail, security

    security.register(app)
    mail.register(app)
