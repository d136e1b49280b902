"""No input breaks a page: odd ids, page numbers, dates and text on every route and form.

Signed in as someone the access matrix lets use each route, the test sends every GET route
addresses with impossible ids (huge, negative, leading zeros, non-ASCII digits, invalid
UTF-8 and lone surrogates as raw percent-encoded bytes) and odd query strings, and sends
every form (the fields its page draws, with a valid CSRF token) values that are too long,
hold NUL or bidirectional controls, dates outside any calendar, and bytes that are no UTF-8.
Whatever the route answers, it is never a 500. The requests that reach a form's validation
are counted, so a test that only ever met 404s would fail too.

The fixed cases run first, then Hypothesis draws more (profile ``ci``: few, derandomised;
``HYPOTHESIS_PROFILE=deep`` draws many more, for a run by hand).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core import forms as core_forms
from tests.access import MATRIX, build_world, signed_in_clients
from tests.conftest import fetch_csrf_token

#: Who is tried first for a route: the first of them the matrix lets in.
PREFERENCE = ("admin", "coordinator", "lead", "member", "observer", "anonymous")

NUMBER = re.compile(r"(?<=/)\d+(?=/|$|\.)")
FIELD_NAME = re.compile(r'<(?:input|textarea|select)\b[^>]*?\bname="([^"]+)"', re.S)
NOT_FUZZED = {"csrf_token"}

#: Path segments that stand where an id does (already percent-encoded where need be).
BAD_IDS = [
    "99999999999999999999",
    str(2**31),
    "007",
    quote("٣"),
    "%ED%A0%80",  # a lone surrogate, as UTF-8 would spell it
    "%FF",
    "1%00",
]
#: Values for query-string parameters and form fields (percent-encoded on the wire).
BAD_VALUES = [
    "99999999999999999999",
    "-5",
    "٣",
    "\x00",
    "a\u202eexe.pdf",
    "\u200b\ufeff",
    "9999-12-31",
    "9999-12-31T23:59",
    "0001-01-01",
    "0001-01-01T00:00",
    "2026-02-30",
    "x" * 5000,
]
#: Bytes that are no UTF-8: a lone surrogate, 0xFF, an overlong slash, beyond U+10FFFF.
RAW_BAD_BYTES = ["%ED%A0%80", "%FF", "%C0%AF", "%F4%90%80%80"]
QUERY_NAMES = ("page", "upcoming_page", "mpage", "folder", "q", "status", "group", "since", "kind")
#: One field of a form a megabyte long: the size a paste of a whole report reaches.
MEGABYTE = "x" * (1024 * 1024)


@dataclass(frozen=True)
class Target:
    endpoint: str
    method: str
    principal: str
    url: str
    fields: tuple[str, ...] = ()


def _principal(expected: dict[str, int]) -> str | None:
    for principal in PREFERENCE:
        status = expected[principal]
        if status == 200 or (status in (302, 303) and principal != "anonymous"):
            return principal
    return None


def _fields_of(client: FlaskClient, url: str) -> tuple[str, ...]:
    """The names of the fields the page at `url` draws (the form a POST to it sends)."""
    response = client.get(url)
    if response.status_code != 200 or "html" not in response.content_type:
        return ()
    names = set(FIELD_NAME.findall(response.get_data(as_text=True))) - NOT_FUZZED
    return tuple(sorted(names))


def _targets(world, clients) -> list[Target]:
    targets = []
    for (endpoint, method), row in sorted(MATRIX.items()):
        if row.ends_session:
            continue
        principal = _principal(row.expected)
        if principal is None:
            continue
        url = row.url(world)
        fields: tuple[str, ...] = ()
        if method != "GET":
            fields = tuple(sorted(set(_fields_of(clients[principal], url)) | set(
                (row.data(world) if row.data else {}).keys()
            )))
        targets.append(Target(endpoint, method, principal, url, fields))
    return targets


def _encode(value: str) -> str:
    """Percent-encode `value` as UTF-8, a lone surrogate too (as the bytes it would be)."""
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def _body(fields: tuple[str, ...], values: list[str], token: str, *, encoded=False) -> str:
    """A form body: the token, then each field a value of `values` in turn."""
    parts = [f"csrf_token={_encode(token)}"]
    for index, name in enumerate(fields):
        value = values[index % len(values)]
        parts.append(f"{_encode(name)}={value if encoded else _encode(value)}")
    return "&".join(parts)


@pytest.fixture
def fuzzing(app, make_user, make_group, add_member, monkeypatch) -> Iterator[dict]:
    """The world of the access matrix, a client per principal, and a validation counter."""
    world = build_world(make_user, make_group, add_member)
    clients = signed_in_clients(app, world)
    counter = {"validated": 0}
    original = core_forms.BaseForm.validate

    def counting_validate(self, *args, **kwargs):
        counter["validated"] += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(core_forms.BaseForm, "validate", counting_validate)
    tokens: dict[str, str] = {}

    def send(target: Target, url: str, body: str | None = None) -> int:
        client = clients[target.principal]
        if target.method == "GET":
            return client.get(url).status_code
        if target.principal not in tokens:
            tokens[target.principal] = fetch_csrf_token(client, "/reset-password")
        response = client.open(
            url,
            method=target.method,
            data=(body or "").encode("ascii"),
            content_type="application/x-www-form-urlencoded",
        )
        return response.status_code

    yield {
        "world": world,
        "targets": _targets(world, clients),
        "send": send,
        "tokens": tokens,
        "counter": counter,
    }


def _with_ids(url: str, bad: str) -> list[str]:
    """The URL once for each number in its path, that number replaced by `bad`."""
    path, _, query = url.partition("?")
    urls = []
    for match in NUMBER.finditer(path):
        changed = path[: match.start()] + bad + path[match.end() :]
        urls.append(changed + (f"?{query}" if query else ""))
    return urls


def _with_query(url: str, values: list[str]) -> str:
    """The URL with each usual query parameter set to one of `values` (encoded) in turn."""
    joiner = "&" if "?" in url else "?"
    pairs = (f"{name}={values[i % len(values)]}" for i, name in enumerate(QUERY_NAMES))
    return url + joiner + "&".join(pairs)


def _rotations(values: list[str], count: int) -> Iterator[list[str]]:
    step = max(1, len(values) // count)
    for shift in range(0, step * count, step):
        yield values[shift:] + values[:shift]


def _fixed_requests(target: Target, token: str) -> Iterator[tuple[str, str | None]]:
    if target.method == "GET":
        for bad in BAD_IDS:
            for url in _with_ids(target.url, bad):
                yield url, None
        encoded = [*map(_encode, BAD_VALUES), *RAW_BAD_BYTES]
        for values in _rotations(encoded, 4):
            yield _with_query(target.url, values), None
        return
    for bad in BAD_IDS[:4]:
        for url in _with_ids(target.url, bad):
            yield url, _body(target.fields, ["x"], token)
    if not target.fields:
        return
    for values in _rotations(BAD_VALUES, 4):
        yield target.url, _body(target.fields, values, token)
    yield target.url, _body(target.fields, RAW_BAD_BYTES, token, encoded=True)
    yield target.url, _body(target.fields[:1], [MEGABYTE], token)


def _failures(fuzzing, requests) -> list[str]:
    failures = []
    for target, url, body in requests:
        status = fuzzing["send"](target, url, body)
        if status >= 500:
            shown = (body or "")[:200]
            failures.append(f"{target.method} {target.endpoint} {url[:200]} {shown}: {status}")
    return failures


@pytest.mark.timeout(900)
def test_no_input_breaks_any_route(fuzzing):
    """The fixed odd inputs, on every route the matrix knows, answer anything but 500."""
    targets = fuzzing["targets"]
    assert len(targets) > 60, "the matrix should offer most routes"
    requests = []
    for target in targets:
        token = ""
        if target.method != "GET":
            fuzzing["send"](target, target.url, "")  # fetches the principal's token
            token = fuzzing["tokens"][target.principal]
        requests.extend((target, url, body) for url, body in _fixed_requests(target, token))
    failures = _failures(fuzzing, requests)
    assert not failures, "\n".join(failures)
    forms = sum(1 for t in targets if t.fields)
    assert forms > 30
    # Most odd values are refused by the forms' own checks, not before them.
    assert fuzzing["counter"]["validated"] > 5 * forms


#: What Hypothesis draws text from: every plane, controls and surrogates included.
ODD_TEXT = st.text(
    alphabet=st.characters(codec=None, exclude_categories=()), min_size=0, max_size=40
)
ODD_ID = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.text(alphabet=st.characters(categories=["Nd"]), min_size=1, max_size=12),
)


@pytest.mark.timeout(900)
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_drawn_inputs_break_no_route(fuzzing, data):
    """Drawn ids, page numbers and text, on every route: never a 500."""
    requests = []
    for target in fuzzing["targets"]:
        if target.method == "GET":
            bad = _encode(data.draw(ODD_ID, label="id"))
            for url in _with_ids(target.url, bad)[:1]:
                requests.append((target, url, None))
            value = _encode(data.draw(ODD_TEXT, label="query"))
            requests.append((target, _with_query(target.url, [value]), None))
        elif target.fields:
            if target.principal not in fuzzing["tokens"]:
                fuzzing["send"](target, target.url, "")
            token = fuzzing["tokens"][target.principal]
            values = [data.draw(ODD_TEXT, label=name) for name in target.fields]
            requests.append((target, target.url, _body(target.fields, values, token)))
    failures = _failures(fuzzing, requests)
    assert not failures, "\n".join(failures)


def test_the_sweep_reports_a_route_that_breaks(app, fuzzing):
    """The harness itself: a view that fails on an odd id is reported, not missed."""
    original = app.view_functions["members.profile"]

    def fragile(user_id: int):
        if user_id > 10**6:
            raise OverflowError("the id does not fit")
        return original(user_id=user_id)

    app.view_functions["members.profile"] = fragile
    app.config["PROPAGATE_EXCEPTIONS"] = False
    target = next(t for t in fuzzing["targets"] if t.endpoint == "members.profile")
    requests = [(target, url, None) for url in _with_ids(target.url, "2147483647")]
    failures = _failures(fuzzing, requests)
    assert len(failures) == 1 and "members.profile" in failures[0]
