"""Access rows of the member directory and members' profiles: every active account."""

from __future__ import annotations

from tests.access import Row, signed_in

ROWS: dict[tuple[str, str], Row] = {
    ("members.directory", "GET"): Row(signed_in(200), lambda w: "/members/"),
    ("members.profile", "GET"): Row(signed_in(200), lambda w: f"/members/{w.users['member'].id}"),
}


def build(world, factories) -> None:
    """The rows point at the world's own accounts: nothing to add."""
