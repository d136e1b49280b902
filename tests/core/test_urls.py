"""Where a form may send the browser next (app.core.urls.safe_next)."""

from __future__ import annotations

import pytest

from app.core.urls import safe_next


@pytest.mark.parametrize("target", ["/", "/groups/", "/groups/wg1/meetings/3/?tab=minutes#a"])
def test_a_path_of_this_site_is_kept(target):
    assert safe_next(target) == target


@pytest.mark.parametrize(
    "target",
    [
        None,
        "",
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "\\\\evil.example",
        "groups/",
        "/groups\r\nSet-Cookie: x=1",
        "/\tevil",
        "javascript:alert(1)",
        ["/groups/"],
    ],
)
def test_anything_else_is_refused(target):
    """Another host, a scheme, a relative path, control characters or a non-string: None."""
    assert safe_next(target) is None
