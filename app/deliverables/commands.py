"""`flask deliverables …`: the scheduled work of the deliverables (run it from cron)."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup
from flask_babel import gettext as _
from flask_babel import ngettext

from app.deliverables.reminders import send_reminders

deliverables_cli = AppGroup("deliverables", help="Deliverables: deadline reminders.")


def _parse_day(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(_("Give a date such as 2021-06-30.")) from exc


@deliverables_cli.command("remind")
@click.option(
    "--today",
    callback=_parse_day,
    help="Act as if today were this date (YYYY-MM-DD); default: today in the portal's zone.",
)
def remind_command(today: date | None) -> None:
    """E-mail the reminders due today: 30, 7 and 1 days before a deadline, and when late.

    Safe to run more than once a day: nobody gets the same reminder twice. `flask mail
    send-pending` delivers the messages.
    """
    queued = send_reminders(today)
    click.echo(
        ngettext("%(num)d reminder queued.", "%(num)d reminders queued.", queued)
        if queued
        else _("No reminder is due.")
    )
