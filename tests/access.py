"""The access matrix: for every route and method, the status each kind of person gets.

`MATRIX` has one row per (endpoint, method) of `app.url_map`; `tests/test_access_matrix.py`
fails when a route has no row, when a row names a route that no longer exists, and when a
request answers anything but the row's status. Statuses are compared exactly, so a 302 to
the sign-in page, a 403 and a 404 are told apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from app.auth.models import SiteRole
from app.extensions import db
from app.groups.models import GroupRole
from tests.conftest import DEFAULT_PASSWORD, fetch_csrf_token

PRINCIPALS = (
    "anonymous",  # nobody signed in
    "deactivated",  # was a member of the group, signed in, then deactivated
    "member",  # member of the group the URL is about
    "other_member",  # member of another group only
    "observer",  # observer in the group
    "lead",  # lead of the group
    "coordinator",  # site coordinator, in no group
    "admin",  # site administrator, in no group
)

#: Routes the matrix does not walk: files served as they are, to everyone.
EXEMPT_ENDPOINTS = frozenset({"static", "bootstrap.static"})


@dataclass
class World:
    """The objects every row's URL can point at."""

    group: Any
    other_group: Any
    users: dict[str, Any] = field(default_factory=dict)
    #: Objects a domain's rows need (an invitation, an organisation …), by name.
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Factories:
    """The test factories, handed to each domain's `build(world, factories)`."""

    make_user: Callable[..., Any]
    make_group: Callable[..., Any]
    add_member: Callable[..., Any]


def statuses(
    anonymous: int,
    deactivated: int,
    member: int,
    other_member: int,
    observer: int,
    lead: int,
    coordinator: int,
    admin: int,
) -> dict[str, int]:
    return dict(
        zip(
            PRINCIPALS,
            (anonymous, deactivated, member, other_member, observer, lead, coordinator, admin),
            strict=True,
        )
    )


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(PRINCIPALS, status)


def signed_in(status: int, anonymous: int = 302) -> dict[str, int]:
    """Every active account gets `status`; anonymous and deactivated go to the sign-in page."""
    return {**everyone(status), "anonymous": anonymous, "deactivated": anonymous}


def group_private(status: int = 200) -> dict[str, int]:
    """The group's members (any role), coordinators and admins; 404 for everyone else."""
    return {**signed_in(status), "other_member": 404}


def public_only(status: int = 200, signed_in_status: int = 302) -> dict[str, int]:
    """Pages for visitors who are not signed in (sign-in); accounts are sent on."""
    return {**everyone(signed_in_status), "anonymous": status, "deactivated": status}


@dataclass(frozen=True)
class Row:
    expected: dict[str, int]
    url: Callable[[World], str]
    data: Callable[[World], dict[str, Any]] | None = None
    #: The request ends the session (sign-out): walked after every other row.
    ends_session: bool = False


BASE_ROWS: dict[tuple[str, str], Row] = {
    ("site.healthz", "GET"): Row(everyone(200), lambda w: "/healthz"),
    ("site.set_language_view", "POST"): Row(
        everyone(302), lambda w: "/language", lambda w: {"lang": "zh", "next": "/"}
    ),
    ("auth.login", "GET"): Row(public_only(200), lambda w: "/login"),
    ("auth.login", "POST"): Row(public_only(200), lambda w: "/login"),
    ("auth.logout", "POST"): Row(everyone(302), lambda w: "/logout", ends_session=True),
    ("auth.request_reset", "GET"): Row(everyone(200), lambda w: "/reset-password"),
    ("auth.request_reset", "POST"): Row(everyone(200), lambda w: "/reset-password"),
    ("auth.reset_password", "GET"): Row(everyone(404), lambda w: "/reset-password/not-a-token"),
    ("auth.reset_password", "POST"): Row(everyone(404), lambda w: "/reset-password/not-a-token"),
    ("auth.profile", "GET"): Row(signed_in(200), lambda w: "/profile"),
    ("auth.profile", "POST"): Row(signed_in(200), lambda w: "/profile", lambda w: {"name": ""}),
    ("auth.change_password", "POST"): Row(signed_in(400), lambda w: "/profile/password"),
    ("dashboard.home", "GET"): Row(signed_in(200), lambda w: "/"),
    ("groups.index", "GET"): Row(signed_in(200), lambda w: "/groups/"),
    ("groups.home", "GET"): Row(group_private(200), lambda w: f"/groups/{w.group.slug}/"),
    ("invitations.accept", "GET"): Row(everyone(404), lambda w: "/invitations/not-a-token"),
    ("invitations.accept", "POST"): Row(everyone(404), lambda w: "/invitations/not-a-token"),
}


def _domain_modules() -> tuple[Any, ...]:
    """Each module of tests/matrix/ adds the rows (and objects) of one domain's routes."""
    import importlib
    import pkgutil

    import tests.matrix as package

    return tuple(
        importlib.import_module(f"{package.__name__}.{info.name}")
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name)
    )


DOMAIN_MODULES = _domain_modules()
MATRIX: dict[tuple[str, str], Row] = dict(BASE_ROWS)
for _module in DOMAIN_MODULES:
    _overlap = set(MATRIX) & set(_module.ROWS)
    assert not _overlap, f"{_module.__name__} repeats rows: {_overlap}"
    MATRIX.update(_module.ROWS)


def build_world(
    make_user: Callable[..., Any], make_group: Callable[..., Any], add_member: Callable[..., Any]
) -> World:
    """Create the group, the other group and one account per principal."""
    world = World(group=make_group(), other_group=make_group())
    users = world.users
    users["deactivated"] = make_user()
    add_member(users["deactivated"], world.group, GroupRole.MEMBER)
    users["member"] = make_user()
    add_member(users["member"], world.group, GroupRole.MEMBER)
    users["other_member"] = make_user()
    add_member(users["other_member"], world.other_group, GroupRole.LEAD)
    users["observer"] = make_user()
    add_member(users["observer"], world.group, GroupRole.OBSERVER)
    users["lead"] = make_user()
    add_member(users["lead"], world.group, GroupRole.LEAD)
    users["coordinator"] = make_user(site_role=SiteRole.COORDINATOR)
    users["admin"] = make_user(site_role=SiteRole.ADMIN)
    factories = Factories(make_user, make_group, add_member)
    for module in DOMAIN_MODULES:
        module.build(world, factories)
    return world


def signed_in_clients(app: Flask, world: World) -> dict[str, FlaskClient]:
    """Return one client per principal, each signed in through the real form."""
    clients: dict[str, FlaskClient] = {}
    for principal in PRINCIPALS:
        client = app.test_client()
        user = world.users.get(principal)
        if user is not None:
            token = fetch_csrf_token(client, "/login")
            response = client.post(
                "/login",
                data={"email": user.email, "password": DEFAULT_PASSWORD, "csrf_token": token},
            )
            assert response.status_code == 302, f"{principal} could not sign in"
        clients[principal] = client
    # Deactivated after signing in: the live session must stop working.
    world.users["deactivated"].is_active_account = False
    db.session.commit()
    return clients


def request_row(
    client: FlaskClient, method: str, row: Row, world: World, tokens: dict[int, str]
) -> int:
    """Send the row's request for real (POSTs carry a valid CSRF token) and return the status.

    A client's CSRF token is fetched once and reused; after a 400 (the session may have been
    renewed) it is fetched again and the request sent once more, so a 400 never hides a 403.
    """
    url = row.url(world)
    if method == "GET":
        return client.get(url).status_code
    for attempt in range(2):
        if attempt or id(client) not in tokens:
            tokens[id(client)] = fetch_csrf_token(client, "/reset-password")
        data = {**(row.data(world) if row.data else {}), "csrf_token": tokens[id(client)]}
        status = client.open(url, method=method, data=data).status_code
        if status != 400:
            break
    return status


def walk(
    app: Flask,
    world: World,
    clients: dict[str, FlaskClient],
    only: Callable[[Row], bool] = lambda row: True,
) -> list[str]:
    """Send every row's request as every principal; return the mismatches, described."""
    mismatches = []
    tokens: dict[int, str] = {}
    ordered = sorted(
        ((key, row) for key, row in MATRIX.items() if only(row)),
        key=lambda item: item[1].ends_session,
    )
    for (endpoint, method), row in ordered:
        for principal in PRINCIPALS:
            got = request_row(clients[principal], method, row, world, tokens)
            want = row.expected[principal]
            if got != want:
                mismatches.append(f"{method} {endpoint} as {principal}: got {got}, want {want}")
    return mismatches
