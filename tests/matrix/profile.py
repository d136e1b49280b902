"""Access rows of the e-mail change, the personal-data download and the privacy notice."""

from __future__ import annotations

from tests.access import Row, everyone, signed_in

ROWS: dict[tuple[str, str], Row] = {
    # An empty form: re-shown with field errors, nothing sent.
    ("auth.request_email_change", "POST"): Row(signed_in(200), lambda w: "/profile/email"),
    # The link needs no session (the token is the proof); a token that is not one is 404.
    ("auth.confirm_email_change", "GET"): Row(
        everyone(404), lambda w: "/profile/email/confirm/not-a-token"
    ),
    ("auth.confirm_email_change", "POST"): Row(
        everyone(404), lambda w: "/profile/email/confirm/not-a-token"
    ),
    ("members.export_data", "GET"): Row(signed_in(200), lambda w: "/profile/data.json"),
    ("site.privacy", "GET"): Row(everyone(200), lambda w: "/privacy"),
}


def build(world, factories) -> None:
    """The rows need no objects of their own."""
