"""Browser journeys: the portal served on a real port, driven by a real Chromium.

Every test here is marked ``e2e``. The browser is Chromium from ``CHROMIUM_PATH`` (default
``/usr/bin/chromium``); without it the journeys are skipped, unless ``REQUIRE_BROWSER=1``,
in which case they fail (a run that must prove the journeys cannot pass by skipping them).

Each browser context guards the portal's promises while the test runs, and the test fails
at teardown if the browser:

- asked any host other than the portal for anything (script, style, font, image, fetch,
  frame, navigation): the portal must work from mainland China, so nothing may leave its
  origin;
- logged a console error (a Content Security Policy violation shows up there) or hit an
  uncaught script error;
- got an error status (4xx/5xx) the test did not say it expected.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Request, Route
from werkzeug.serving import make_server

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
SCREENSHOT_DIR = REPO_ROOT / "build" / "screenshots"

DEFAULT_CHROMIUM = "/usr/bin/chromium"

#: The two sizes every screen of interest is captured at.
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

#: axe-core impacts that fail a journey ("minor" and "moderate" are only reported).
BLOCKING_IMPACTS = {"serious", "critical"}

#: Chromium's console line for an error status; the response check reports those instead.
_HTTP_STATUS_CONSOLE = re.compile(
    r"^Failed to load resource: the server responded with a status of"
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test of this folder `e2e`, so `-m "not e2e"` leaves the browser out.

    The journeys are also marked `once`: what they check (what a person sees and can do)
    does not depend on the database, which the rest of the suite covers on both.
    """
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.once)


# The browser -------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Return the Chromium to drive; skip (or fail, with REQUIRE_BROWSER=1) without one."""
    path = os.environ.get("CHROMIUM_PATH") or DEFAULT_CHROMIUM
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        reason = (
            f"no Chromium at {path}: install it (Debian: apt-get install chromium "
            "fonts-wqy-microhei) or point CHROMIUM_PATH at one"
        )
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def browser_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A throwaway home for Chromium's config, caches and certificate store."""
    home = tmp_path_factory.mktemp("chromium-home")
    for sub in ("config", "cache"):
        (home / sub).mkdir()
    return home


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any], chromium_path: str, browser_home: Path
) -> dict[str, Any]:
    """Launch the system Chromium headless, writing nothing outside a temporary folder."""
    env = {
        **os.environ,
        "HOME": str(browser_home),
        "XDG_CONFIG_HOME": str(browser_home / "config"),
        "XDG_CACHE_HOME": str(browser_home / "cache"),
    }
    return {
        **browser_type_launch_args,
        "executable_path": chromium_path,
        "headless": browser_type_launch_args.get("headless", True),
        "args": CHROMIUM_ARGS,
        "env": env,
    }


#: Every context starts as an English-speaking desktop browser in Brussels; a test may ask
#: for other values (``guarded_context(locale="zh-CN")``).
CONTEXT_DEFAULTS: dict[str, Any] = {
    "viewport": DESKTOP,
    "locale": "en-GB",
    "timezone_id": "Europe/Brussels",
}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """Keep the plugin's options (video, device) but leave address and locale to each test."""
    return {
        key: value for key, value in browser_context_args.items()
        if key not in {"base_url", *CONTEXT_DEFAULTS}
    }


# The portal on a real port -----------------------------------------------------------------

@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """Serve the test's application on a free local port; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# Guarded contexts --------------------------------------------------------------------------

@dataclass
class BrowserWatch:
    """What the browser did that a journey must not do, collected while the test runs."""

    origin: str
    foreign_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    error_responses: list[tuple[int, str]] = field(default_factory=list)
    expected_statuses: set[tuple[int, str]] = field(default_factory=set)

    def expect_status(self, status: int, path: str) -> None:
        """Allow one error status for one path (e.g. the 404 of a dead reset link)."""
        self.expected_statuses.add((status, path))

    def watch(self, context: BrowserContext) -> BrowserContext:
        """Attach the guards to `context` and to every page it opens."""
        context.route("**/*", self._route)
        context.on("page", self._watch_page)
        context.on("response", self._on_response)
        return context

    def _route(self, route: Route, request: Request) -> None:
        if _origin(request.url) == self.origin:
            route.continue_()
        else:
            self.foreign_requests.append(f"{request.resource_type}: {request.url}")
            route.abort("blockedbyclient")

    def _watch_page(self, page: Page) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.page_errors.append(f"{page.url}: {error}"))

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error" or _HTTP_STATUS_CONSOLE.match(message.text):
            return
        where = message.location.get("url", "") if message.location else ""
        self.console_errors.append(f"{where}: {message.text}")

    def _on_response(self, response: Any) -> None:
        if response.status >= 400:
            self.error_responses.append((response.status, urlsplit(response.url).path))

    def problems(self) -> list[str]:
        """Return one line per broken promise, empty when the journey was clean."""
        lines = [f"request to another host: {r}" for r in self.foreign_requests]
        lines += [f"console error: {e}" for e in self.console_errors]
        lines += [f"script error: {e}" for e in self.page_errors]
        lines += [
            f"unexpected HTTP {status} for {path}"
            for status, path in self.error_responses
            if (status, path) not in self.expected_statuses
        ]
        return lines


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@pytest.fixture
def browser_watch(live_server: str) -> BrowserWatch:
    """The record of forbidden browser behaviour for this test (see the module docstring)."""
    return BrowserWatch(origin=_origin(live_server))


@pytest.fixture
def guarded_context(
    new_context: Callable[..., BrowserContext], browser_watch: BrowserWatch, live_server: str
) -> Iterator[Callable[..., BrowserContext]]:
    """Return a factory of browser contexts on the live server, all of them guarded."""
    contexts: list[BrowserContext] = []

    def factory(**kwargs: Any) -> BrowserContext:
        options = {**CONTEXT_DEFAULTS, **kwargs, "base_url": live_server}
        context = browser_watch.watch(new_context(**options))
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield factory
    for context in contexts:
        with contextlib.suppress(Exception):  # the test may have closed it already
            context.close()
    problems = browser_watch.problems()
    if problems:
        pytest.fail("The browser did something the portal must never make it do:\n  "
                    + "\n  ".join(problems), pytrace=False)


@pytest.fixture
def context(guarded_context: Callable[..., BrowserContext]) -> BrowserContext:
    """A guarded English desktop browser on the live server."""
    return guarded_context()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


# Accessibility and screenshots -------------------------------------------------------------

@pytest.fixture(scope="session")
def axe() -> Any:
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def format_violations(violations: list[dict[str, Any]]) -> str:
    """Return axe violations as readable lines: rule, impact, help, and each element."""
    lines = []
    for violation in violations:
        lines.append(
            f"[{violation.get('impact')}] {violation['id']}: {violation['help']} "
            f"({violation.get('helpUrl', '')})"
        )
        for node in violation.get("nodes", []):
            lines.append(f"    at {json.dumps(node.get('target'))}: {node.get('html', '')[:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", "\n        ")
            if summary:
                lines.append(f"        {summary}")
    return "\n".join(lines)


@pytest.fixture
def check_accessibility(axe: Any) -> Callable[[Page, str], None]:
    """Return a helper that runs axe-core on a page, at desktop and phone width.

    Serious and critical violations fail the test; lesser ones are printed.
    """

    def check(page: Page, name: str) -> None:
        original = page.viewport_size or DESKTOP
        failures: list[str] = []
        try:
            for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
                page.set_viewport_size(size)
                violations = axe.run(page).response.get("violations", [])
                if not violations:
                    continue
                report = format_violations(violations)
                print(f"\naxe on {name} ({label}, {page.url}):\n{report}")
                blocking = [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]
                if blocking:
                    failures.append(f"{name} ({label}, {page.url}):\n{format_violations(blocking)}")
        finally:
            page.set_viewport_size(original)
        if failures:
            pytest.fail("axe found serious accessibility violations on\n" + "\n".join(failures),
                        pytrace=False)

    return check


@pytest.fixture
def screenshot() -> Callable[[Page, str], list[Path]]:
    """Return a helper that saves full-page PNGs of a page at desktop and phone width.

    ``screenshot(page, "login-en")`` writes ``build/screenshots/login-en-desktop.png`` and
    ``build/screenshots/login-en-phone.png`` and returns their paths.
    """

    def take(page: Page, name: str) -> list[Path]:
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        original = page.viewport_size or DESKTOP
        paths = []
        try:
            for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
                page.set_viewport_size(size)
                path = SCREENSHOT_DIR / f"{name}-{label}.png"
                page.screenshot(path=str(path), full_page=True, animations="disabled")
                paths.append(path)
        finally:
            page.set_viewport_size(original)
        return paths

    return take
