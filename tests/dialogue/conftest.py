"""Fixtures of the dialogue's end-to-end tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import fresh_sqlite_url


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A fresh migrated SQLite database, for tests that cover many cases on one backend."""
    return fresh_sqlite_url(sqlite_template, tmp_path)
