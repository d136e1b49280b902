"""Fixtures of the invitation tests (shared with the account-management tests)."""

from __future__ import annotations

from tests.admin.conftest import admin, make_organisation

__all__ = ["admin", "make_organisation"]
