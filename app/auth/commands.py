"""`flask users …`: account commands for administrators."""

from __future__ import annotations

import os
import sys

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _

from app.auth import services
from app.auth.passwords import password_length_ok

users_cli = AppGroup("users", help="Manage accounts from the command line.")


def _read_password() -> str:
    password = os.environ.get("ADMIN_PASSWORD")
    if password:
        return password
    if not sys.stdin.isatty():
        raise click.ClickException(
            _("No password: set ADMIN_PASSWORD, or run the command in a terminal to be asked.")
        )
    return click.prompt(_("Password"), hide_input=True, confirmation_prompt=True)


@users_cli.command("create-admin")
@click.argument("email")
def create_admin_command(email: str) -> None:
    """Create an administrator account (password from ADMIN_PASSWORD, else prompted)."""
    if services.find_user_by_email(email) is not None:
        raise click.ClickException(
            _(
                "An account with the address %(email)s already exists; nothing was changed.",
                email=email,
            )
        )
    if "@" not in email or len(email) > 254:
        raise click.ClickException(_("%(email)s is not an e-mail address.", email=email))
    password = _read_password()
    if not password_length_ok(password):
        config = current_app.config
        raise click.ClickException(
            _(
                "Use between %(min)d and %(max)d characters.",
                min=config["PASSWORD_MIN_LENGTH"],
                max=config["PASSWORD_MAX_LENGTH"],
            )
        )
    user = services.create_admin(email, password)
    click.echo(_("Administrator %(email)s created.", email=user.email))
