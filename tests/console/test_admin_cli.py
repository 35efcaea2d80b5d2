"""`wismo admin create-user`: accounts for the console, passwords never on the command line."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime

import pytest

from bot.__main__ import build_parser, main
from conversations.console.auth import Authenticator, LoginRefusal
from foundation.database import create_engine, create_sessions

PASSWORD = "a long enough password"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def env(monkeypatch, database_url, tmp_path):
    monkeypatch.setenv("WISMO_DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)  # no .env file is read
    return database_url


def _login(url: str, username: str, password: str):
    async def attempt():
        engine = create_engine(url)
        try:
            auth = Authenticator(create_sessions(engine), clock=lambda: datetime.now(UTC))
            return await auth.login(username, password, address="127.0.0.1")
        finally:
            await engine.dispose()

    return asyncio.run(attempt())


def test_create_user_reads_the_password_from_stdin_and_the_user_can_log_in(
    env, monkeypatch, capsys
):
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    code = main(["admin", "create-user", "Anna", "--account", "178414000001", "--password-stdin"])
    assert code == 0
    assert "created console user anna" in capsys.readouterr().out
    assert _login(env, "anna", PASSWORD).token is not None
    assert _login(env, "anna", "wrong").refusal is LoginRefusal.INVALID


def test_create_user_prompts_twice_on_a_terminal(env, monkeypatch):
    answers = iter([PASSWORD, PASSWORD])
    monkeypatch.setattr("sys.stdin", _Terminal())
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert main(["admin", "create-user", "bob", "--all-accounts"]) == 0
    assert _login(env, "bob", PASSWORD).token is not None


def test_create_user_refuses_without_a_terminal_or_stdin_password(env, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["admin", "create-user", "carl", "--account", "1"]) == 2
    assert "--password-stdin" in capsys.readouterr().err


def test_there_is_no_password_option(env):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["admin", "create-user", "dora", "--password", "x" * 12])


def test_duplicates_short_passwords_and_missing_accounts_are_refused(env, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["admin", "create-user", "eve", "--account", "1", "--password-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["admin", "create-user", "EVE", "--account", "1", "--password-stdin"]) == 1
    assert "already exists" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["admin", "create-user", "fay", "--account", "1", "--password-stdin"]) == 1
    assert "at least 10 characters" in capsys.readouterr().err
    assert main(["admin", "create-user", "gus", "--password-stdin"]) == 2


def test_set_password_ends_sessions_and_grant_adds_accounts(env, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["admin", "create-user", "hal", "--account", "1", "--password-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("another long password\n"))
    assert main(["admin", "set-password", "hal", "--password-stdin"]) == 0
    assert _login(env, "hal", PASSWORD).token is None
    assert _login(env, "hal", "another long password").token is not None
    assert main(["admin", "grant", "hal", "--account", "2"]) == 0
    assert main(["admin", "grant", "nobody", "--account", "2"]) == 1
