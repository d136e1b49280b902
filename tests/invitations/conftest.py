"""Fixtures of the invitation tests (shared with the account-management and group tests)."""

from __future__ import annotations

from tests.admin.conftest import admin, make_organisation
from tests.groups.conftest import cast, post

__all__ = ["admin", "cast", "make_organisation", "post"]
