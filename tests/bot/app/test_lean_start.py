"""What `wismo serve` leaves out of a process that does not need it (bench/README.md, memory):
alembic unless migrating, the PostgreSQL driver on SQLite, aiosmtplib without email updates,
cryptography without WISMO_SECRET_KEY, tqdm outside the commands that show progress, Jinja2
until a console page is shown; and no argon2 hash (64 MiB for a moment) to make the console's
decoy."""

from __future__ import annotations

import subprocess
import sys

from argon2 import PasswordHasher

from conversations.console import auth

DEFERRED = ("alembic", "asyncpg", "aiosmtplib", "cryptography", "tqdm", "jinja2")


def test_the_service_imports_nothing_an_idle_sqlite_service_does_not_use() -> None:
    probe = (
        "import sys; import bot.cli.serve, bot.app.factory; "
        f"print(sorted(m for m in {DEFERRED!r} if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_the_console_decoy_has_the_default_hasher_parameters() -> None:
    """Else each Authenticator would hash a decoy of its own when it is made."""
    assert not PasswordHasher().check_needs_rehash(auth._DEFAULT_DECOY)
