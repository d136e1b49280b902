"""`flask translate extract|update|compile`: the catalogue workflow around pybabel."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

ROOT = Path(__file__).resolve().parents[2]
POT = ROOT / "translations" / "messages.pot"

translate_cli = AppGroup("translate", help="Extract, update and compile the translations.")


def _pybabel(*args: str) -> None:
    command = [sys.executable, "-m", "babel.messages.frontend", *args]
    result = subprocess.run(command, cwd=ROOT, check=False)  # noqa: S603 - fixed arguments
    if result.returncode != 0:
        raise click.ClickException(f"pybabel {args[0]} failed")


def extract() -> None:
    """Write translations/messages.pot afresh from the code and templates."""
    _pybabel(
        "extract",
        "-F",
        "babel.cfg",
        "-k",
        "_l",
        "-k",
        "lazy_gettext",
        "--no-location",
        "--sort-output",
        "--ignore-dirs=.venv .git node_modules build instance",
        "-o",
        str(POT),
        ".",
    )


@translate_cli.command("extract")
def extract_command() -> None:
    """Extract the messages into translations/messages.pot."""
    extract()


@translate_cli.command("update")
def update_command() -> None:
    """Extract, then merge the new messages into every catalogue."""
    extract()
    _pybabel("update", "-i", str(POT), "-d", "translations", "--no-fuzzy-matching")


@translate_cli.command("compile")
def compile_command() -> None:
    """Compile every catalogue to its .mo file."""
    _pybabel("compile", "-d", "translations", "--statistics")
